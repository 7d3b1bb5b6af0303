// The ten object definitions, at the versions this LwM2M 1.1 client announces.
// Each is the OMA registry's definition (../shared/lwm2m-objects/) reduced to
// the resources the device implements; test/objects/defs.test.ts checks every
// id, type, operation, multiplicity and mandatory flag against the XML file of
// that version, and that no mandatory resource is missing.
// Versions: the newest whose <LWM2MVersion> is at most 1.1 and that LwM2M 1.1
// servers (Leshan's 1.1 model set) know: Security/Server/Device 1.1 (Core 1.1
// Appendix E), Access Control 1.0, Connectivity Monitoring 1.2, Firmware
// Update 1.1, Location and Connectivity Statistics 1.0, Temperature and Buzzer 1.1.
import { DefInfo, ObjDef, ResFlag, ResType } from './types';

// Short names for core/types.ts's numbers (types, flags, versions), so that a row of the table
// stays one line; `I | R | X` folds to one number in the bundle.
const enum D {
  S = ResType.STR,
  I = ResType.INT,
  F = ResType.FLT,
  B = ResType.BOOL,
  O = ResType.OPQ,
  TM = ResType.TIME,
  R = ResFlag.R,
  W = ResFlag.W,
  E = ResFlag.EX,
  M = ResFlag.M,
  X = ResFlag.MAND,
  RW = ResFlag.R | ResFlag.W,
  V10 = DefInfo.V10,
  V11 = DefInfo.V11,
  V12 = DefInfo.V12,
  MI = DefInfo.MI,
}

/**
 * All ten in one Uint16Array, one entry after another: object id, version | MI (multiple
 * instances), the number of resources n, then n (resource id, flags) pairs — the layout of
 * `ObjDef` (core/types.ts), plus the count that finds the next entry.
 * One table, not ten objects of four properties and a typed array each: on Espruino each
 * of those cost about 14 variables (139 at load for the ten, npm run mem:map); the table's
 * 386 bytes filled about 30, until the build wrote it as a string (tools/build.mjs, pass 9b,
 * flashTables), which a board keeps in flash: 3.
 */
var DEFS = new Uint16Array([
  // 0 Security
  0, D.V11 | D.MI, 9,
  0, D.S | D.X, 1, D.B | D.X, 2, D.I | D.X, 3, D.O | D.X, 4, D.O | D.X, 5, D.O | D.X, 10, D.I, 11, D.I, 12, D.I,
  // 1 Server
  1, D.V11 | D.MI, 11,
  0, D.I | D.R | D.X, 1, D.I | D.RW | D.X, 2, D.I | D.RW, 3, D.I | D.RW, 4, D.E, 5, D.I | D.RW, 6, D.B | D.RW | D.X, 7, D.S | D.RW | D.X, 8, D.E | D.X, 9, D.E,
  23, D.B | D.RW,
  // 2 Access Control
  2, D.V10 | D.MI, 4,
  0, D.I | D.R | D.X, 1, D.I | D.R | D.X, 2, D.I | D.RW | D.M, 3, D.I | D.RW | D.X,
  // 3 Device
  3, D.V11, 22,
  0, D.S | D.R, 1, D.S | D.R, 2, D.S | D.R, 3, D.S | D.R, 4, D.E | D.X, 5, D.E, 6, D.I | D.R | D.M, 7, D.I | D.R | D.M, 8, D.I | D.R | D.M, 9, D.I | D.R, 10, D.I | D.R,
  11, D.I | D.R | D.M | D.X, 12, D.E, 13, D.TM | D.RW, 14, D.S | D.RW, 15, D.S | D.RW, 16, D.S | D.R | D.X, 17, D.S | D.R, 18, D.S | D.R, 19, D.S | D.R, 20, D.I | D.R, 21, D.I | D.R,
  // 4 Connectivity Monitoring
  4, D.V12, 8,
  0, D.I | D.R | D.X, 1, D.I | D.R | D.M | D.X, 2, D.I | D.R | D.X, 3, D.I | D.R, 4, D.S | D.R | D.M | D.X, 5, D.S | D.R | D.M, 6, D.I | D.R, 7, D.S | D.R | D.M,
  // 5 Firmware Update
  5, D.V11, 9,
  0, D.O | D.W | D.X, 1, D.S | D.RW | D.X, 2, D.E | D.X, 3, D.I | D.R | D.X, 5, D.I | D.R | D.X, 6, D.S | D.R, 7, D.S | D.R, 8, D.I | D.R | D.M, 9, D.I | D.R | D.X,
  // 6 Location
  6, D.V10, 6,
  0, D.F | D.R | D.X, 1, D.F | D.R | D.X, 2, D.F | D.R, 3, D.F | D.R, 5, D.TM | D.R | D.X, 6, D.F | D.R,
  // 7 Connectivity Statistics
  7, D.V10, 7,
  2, D.I | D.R, 3, D.I | D.R, 4, D.I | D.R, 5, D.I | D.R, 6, D.E | D.X, 7, D.E | D.X, 8, D.I | D.RW,
  // 3303 Temperature
  3303, D.V11 | D.MI, 9,
  5700, D.F | D.R | D.X, 5601, D.F | D.R, 5602, D.F | D.R, 5603, D.F | D.R, 5604, D.F | D.R, 5701, D.S | D.R, 5605, D.E, 5750, D.S | D.RW, 5518, D.TM | D.R,
  // 3338 Buzzer
  3338, D.V11 | D.MI, 5,
  5850, D.B | D.RW | D.X, 5548, D.F | D.RW, 5521, D.F | D.RW, 5525, D.F | D.RW | D.X, 5750, D.S | D.RW,
]);

/** The definition of object `oid`: a view of its entry in the table (no copy), or null. Read-only: on a board the table is the flash itself (tools/build.mjs, pass 9b). */
export function objDef(oid: number): ObjDef | null {
  for (var i = 0; i < DEFS.length; i += 3 + 2 * DEFS[i + 2]) if (DEFS[i] === oid) return DEFS.subarray(i, i + 3 + 2 * DEFS[i + 2]);
  return null;
}

/** The ten definitions in table order (for tests and the simulator). */
export function allDefs(): ObjDef[] {
  var out: ObjDef[] = [];
  for (var i = 0; i < DEFS.length; i += 3 + 2 * DEFS[i + 2]) out.push(DEFS.subarray(i, i + 3 + 2 * DEFS[i + 2]));
  return out;
}
