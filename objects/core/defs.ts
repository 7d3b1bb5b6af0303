// The ten object definitions, at the versions this LwM2M 1.1 client announces.
// Each is the OMA registry's definition (../shared/lwm2m-objects/) reduced to
// the resources the device implements; test/objects/defs.test.ts checks every
// id, type, operation, multiplicity and mandatory flag against the XML file of
// that version, and that no mandatory resource is missing.
// Versions: the newest whose <LWM2MVersion> is at most 1.1 and that LwM2M 1.1
// servers (Leshan's 1.1 model set) know: Security/Server/Device 1.1 (Core 1.1
// Appendix E), Access Control 1.0, Connectivity Monitoring 1.2, Firmware
// Update 1.1, Location and Connectivity Statistics 1.0, Temperature and Buzzer 1.1.
import { ObjDef, T_STR as S, T_INT as I, T_FLT as F, T_BOOL as B, T_OPQ as O, T_TIME as TM, R, W, E, M, MAND as X } from './types';

var RW = R | W;

export var SECURITY: ObjDef = { id: 0, ver: '1.1', mi: true, r: [0, S | X, 1, B | X, 2, I | X, 3, O | X, 4, O | X, 5, O | X, 10, I, 11, I, 12, I] };
export var SERVER: ObjDef = {
  id: 1,
  ver: '1.1',
  mi: true,
  r: [0, I | R | X, 1, I | RW | X, 2, I | RW, 3, I | RW, 4, E, 5, I | RW, 6, B | RW | X, 7, S | RW | X, 8, E | X, 9, E],
};
export var ACCESS: ObjDef = { id: 2, ver: '1.0', mi: true, r: [0, I | R | X, 1, I | R | X, 2, I | RW | M, 3, I | RW | X] };
export var DEVICE: ObjDef = {
  id: 3,
  ver: '1.1',
  mi: false,
  r: [
    0, S | R, 1, S | R, 2, S | R, 3, S | R, 4, E | X, 5, E, 6, I | R | M, 7, I | R | M, 8, I | R | M, 9, I | R, 10, I | R,
    11, I | R | M | X, 12, E, 13, TM | RW, 14, S | RW, 15, S | RW, 16, S | R | X, 17, S | R, 18, S | R, 19, S | R, 20, I | R, 21, I | R,
  ],
};
export var CONNMON: ObjDef = {
  id: 4,
  ver: '1.2',
  mi: false,
  r: [0, I | R | X, 1, I | R | M | X, 2, I | R | X, 3, I | R, 4, S | R | M | X, 5, S | R | M, 6, I | R, 7, S | R | M],
};
export var FIRMWARE: ObjDef = {
  id: 5,
  ver: '1.1',
  mi: false,
  r: [0, O | W | X, 1, S | RW | X, 2, E | X, 3, I | R | X, 5, I | R | X, 6, S | R, 7, S | R, 8, I | R | M, 9, I | R | X],
};
export var LOCATION: ObjDef = { id: 6, ver: '1.0', mi: false, r: [0, F | R | X, 1, F | R | X, 2, F | R, 3, F | R, 5, TM | R | X, 6, F | R] };
export var CONNSTATS: ObjDef = { id: 7, ver: '1.0', mi: false, r: [2, I | R, 3, I | R, 4, I | R, 5, I | R, 6, E | X, 7, E | X, 8, I | RW] };
export var TEMPERATURE: ObjDef = {
  id: 3303,
  ver: '1.1',
  mi: true,
  r: [5700, F | R | X, 5601, F | R, 5602, F | R, 5603, F | R, 5604, F | R, 5701, S | R, 5605, E, 5750, S | RW, 5518, TM | R],
};
export var BUZZER: ObjDef = { id: 3338, ver: '1.1', mi: true, r: [5850, B | RW | X, 5548, F | RW, 5521, F | RW, 5525, F | RW | X, 5750, S | RW] };
