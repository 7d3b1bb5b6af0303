// The ten object definitions, at the versions this LwM2M 1.1 client announces.
// Each is the OMA registry's definition (../shared/lwm2m-objects/) reduced to
// the resources the device implements; test/objects/defs.test.ts checks every
// id, type, operation, multiplicity and mandatory flag against the XML file of
// that version, and that no mandatory resource is missing.
// Each `r` (id, flags, id, flags…) is a Uint16Array: on Espruino an Array of numbers costs a
// variable per element, a typed array one per 14 bytes (about 200 variables fewer in all).
// Versions: the newest whose <LWM2MVersion> is at most 1.1 and that LwM2M 1.1
// servers (Leshan's 1.1 model set) know: Security/Server/Device 1.1 (Core 1.1
// Appendix E), Access Control 1.0, Connectivity Monitoring 1.2, Firmware
// Update 1.1, Location and Connectivity Statistics 1.0, Temperature and Buzzer 1.1.
import { ObjDef } from './types';

// The values of core/types.ts (T_* types, R W E M MAND flags) as a const enum, so that
// `I | R | X` folds to one number in the bundle; defs.test.ts checks every result.
const enum D {
  S = 1,
  I = 2,
  F = 4,
  B = 5,
  O = 6,
  TM = 7,
  R = 16,
  W = 32,
  E = 64,
  M = 128,
  X = 256,
  RW = 48,
}

export var SECURITY: ObjDef = { id: 0, ver: '1.1', mi: true, r: new Uint16Array([0, D.S | D.X, 1, D.B | D.X, 2, D.I | D.X, 3, D.O | D.X, 4, D.O | D.X, 5, D.O | D.X, 10, D.I, 11, D.I, 12, D.I]) };
export var SERVER: ObjDef = {
  id: 1,
  ver: '1.1',
  mi: true,
  r: new Uint16Array([0, D.I | D.R | D.X, 1, D.I | D.RW | D.X, 2, D.I | D.RW, 3, D.I | D.RW, 4, D.E, 5, D.I | D.RW, 6, D.B | D.RW | D.X, 7, D.S | D.RW | D.X, 8, D.E | D.X, 9, D.E]),
};
export var ACCESS: ObjDef = { id: 2, ver: '1.0', mi: true, r: new Uint16Array([0, D.I | D.R | D.X, 1, D.I | D.R | D.X, 2, D.I | D.RW | D.M, 3, D.I | D.RW | D.X]) };
export var DEVICE: ObjDef = {
  id: 3,
  ver: '1.1',
  mi: false,
  r: new Uint16Array([
    0, D.S | D.R, 1, D.S | D.R, 2, D.S | D.R, 3, D.S | D.R, 4, D.E | D.X, 5, D.E, 6, D.I | D.R | D.M, 7, D.I | D.R | D.M, 8, D.I | D.R | D.M, 9, D.I | D.R, 10, D.I | D.R,
    11, D.I | D.R | D.M | D.X, 12, D.E, 13, D.TM | D.RW, 14, D.S | D.RW, 15, D.S | D.RW, 16, D.S | D.R | D.X, 17, D.S | D.R, 18, D.S | D.R, 19, D.S | D.R, 20, D.I | D.R, 21, D.I | D.R,
  ]),
};
export var CONNMON: ObjDef = {
  id: 4,
  ver: '1.2',
  mi: false,
  r: new Uint16Array([0, D.I | D.R | D.X, 1, D.I | D.R | D.M | D.X, 2, D.I | D.R | D.X, 3, D.I | D.R, 4, D.S | D.R | D.M | D.X, 5, D.S | D.R | D.M, 6, D.I | D.R, 7, D.S | D.R | D.M]),
};
export var FIRMWARE: ObjDef = {
  id: 5,
  ver: '1.1',
  mi: false,
  r: new Uint16Array([0, D.O | D.W | D.X, 1, D.S | D.RW | D.X, 2, D.E | D.X, 3, D.I | D.R | D.X, 5, D.I | D.R | D.X, 6, D.S | D.R, 7, D.S | D.R, 8, D.I | D.R | D.M, 9, D.I | D.R | D.X]),
};
export var LOCATION: ObjDef = { id: 6, ver: '1.0', mi: false, r: new Uint16Array([0, D.F | D.R | D.X, 1, D.F | D.R | D.X, 2, D.F | D.R, 3, D.F | D.R, 5, D.TM | D.R | D.X, 6, D.F | D.R]) };
export var CONNSTATS: ObjDef = { id: 7, ver: '1.0', mi: false, r: new Uint16Array([2, D.I | D.R, 3, D.I | D.R, 4, D.I | D.R, 5, D.I | D.R, 6, D.E | D.X, 7, D.E | D.X, 8, D.I | D.RW]) };
export var TEMPERATURE: ObjDef = {
  id: 3303,
  ver: '1.1',
  mi: true,
  r: new Uint16Array([5700, D.F | D.R | D.X, 5601, D.F | D.R, 5602, D.F | D.R, 5603, D.F | D.R, 5604, D.F | D.R, 5701, D.S | D.R, 5605, D.E, 5750, D.S | D.RW, 5518, D.TM | D.R]),
};
export var BUZZER: ObjDef = { id: 3338, ver: '1.1', mi: true, r: new Uint16Array([5850, D.B | D.RW | D.X, 5548, D.F | D.RW, 5521, D.F | D.RW, 5525, D.F | D.RW | D.X, 5750, D.S | D.RW]) };
