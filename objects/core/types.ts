// The data model's vocabulary: resource types, operation flags, object
// definitions (LwM2M 1.1 Core TS §7.1, Appendix C data types) and the record
// shape every content format reads and writes.

/** Resource data types (LwM2M 1.1 Core Appendix C), the low 4 bits of a resource's flags. 0: none (executable). */
export const enum ResType {
  STR = 1,
  INT = 2,
  UINT = 3,
  FLT = 4,
  BOOL = 5,
  OPQ = 6,
  TIME = 7,
  OLNK = 8,
  CLNK = 9,
}

/** Resource flags above the 4 type bits: operations, multiple, mandatory. */
export const enum ResFlag {
  R = 16,
  W = 32,
  EX = 64,
  M = 128,
  MAND = 256,
}

/** An object definition's info word: version 1.x as 0x1x in the low byte, and MI (multiple instances). */
export const enum DefInfo {
  V10 = 0x10,
  V11 = 0x11,
  V12 = 0x12,
  MI = 0x100,
}

// The same numbers under the names the formats and the simulator use.
export var T_STR = ResType.STR;
export var T_INT = ResType.INT;
export var T_UINT = ResType.UINT;
export var T_FLT = ResType.FLT;
export var T_BOOL = ResType.BOOL;
export var T_OPQ = ResType.OPQ;
export var T_TIME = ResType.TIME;
export var T_OLNK = ResType.OLNK;
export var T_CLNK = ResType.CLNK;
export var R = ResFlag.R;
export var W = ResFlag.W;
export var EX = ResFlag.EX;
export var M = ResFlag.M;
export var MAND = ResFlag.MAND;
export var MI = DefInfo.MI;

/**
 * An object definition as registered by OMA, as numbers: [id, info, n, rid, flags, rid, flags, …]
 * where info = version (0x11 for 1.1) | MI when multiple instances are allowed, and the n
 * (resource id, flags) pairs follow, flags = type | R | W | EX | M | MAND. Only resources the
 * device implements are listed; test/objects/defs.test.ts checks every entry against the OMA
 * XML of its version. The device's ten are views of one Uint16Array (core/defs.ts: the shape
 * is chosen for memory); tests may pass a plain array.
 */
export type ObjDef = ArrayLike<number>;

/** The object id of a definition. */
export function defId(d: ObjDef): number {
  return d[0];
}

/** The version announced as `ver=` ('1.1'; omitted when '1.0', LwM2M 1.1 §6.2.1). */
export function defVer(d: ObjDef): string {
  return ((d[1] >> 4) & 15) + '.' + (d[1] & 15);
}

/** Multiple instances allowed. */
export function defMi(d: ObjDef): boolean {
  return (d[1] & MI) > 0;
}

/** A typed value: string (also corelnk, and objlnk as "oid:iid"), number, boolean or opaque bytes. */
export type Value = string | number | boolean | Uint8Array;
/** A multiple resource: resource instance id -> value. */
export interface Multi {
  [riid: string]: Value;
}

/**
 * One value at an absolute path [oid, iid, rid] or [oid, iid, rid, riid]:
 * what a decoder produces and an encoder consumes. `t` is the resource type,
 * -1 when a decoder met a resource the definition lacks.
 */
export interface Rec {
  p: number[];
  t: number;
  v: Value;
}

/** Flags of resource `rid` in `def`, or -1 when the object does not define it. */
export function resFlags(def: ObjDef, rid: number): number {
  var i = resAt(def, rid);
  return i > 0 ? def[i + 1] : -1;
}

/**
 * Where resource `rid`'s pair starts in `def`, or -1. indexOf searches natively (a loop here
 * costs the board ~50 k instructions a pair, and every resource written, read or decoded is
 * looked up); a flags word equal to `rid` sits at an even index (ids at odd ones, from 3):
 * the search goes on past it.
 */
/** Whether typed arrays have indexOf: asked once (on Espruino asking a typed array for a method at each call costs). */
var TA_INDEXOF = !!(new Uint16Array(0) as any).indexOf;

export function resAt(def: ObjDef, rid: number): number {
  var d = def as number[];
  var i = 2;
  // an ES5 engine without TypedArray indexOf (ES2015; Espruino has it) walks the pairs
  if (!TA_INDEXOF) {
    for (i = 3; i < d.length && d[i] !== rid; i += 2);
    return i < d.length ? i : -1;
  }
  do i = d.indexOf(rid, i + 1);
  while (i > 0 && !(i & 1));
  return i;
}

/** Numeric ids of a plain object's keys, ascending (insertion order differs between engines). */
export function ids(o: object): number[] {
  var out: number[] = [];
  for (var k in o) if (o.hasOwnProperty(k)) out.push(+k);
  return out.sort(function (a, b) {
    return a - b;
  });
}
