// The owner's own objects (issue #19): any OMA/IPSO object defined by the board script,
// `LwM2M.espruino.start(global, { objects: [...] })` or the simulator's startDevice. The
// owner's object literal itself becomes the LwM2M object (its prototype is set to
// LwObject's): no wrapper, so a sensor instance costs the owner's literal, its values and a
// few properties (docs/owner-objects.md has the measured count). Its callbacks are called
// as methods, `this` the object, so `this.set(iid, rid, v)` works inside them too.
import { LwObject, Registry, ON_READ, ON_WRITTEN, ON_EXECUTE, Inst } from './core/registry';
import { objDef } from './core/defs';
import { Value, Multi, EX, T_CLNK } from './core/types';
import { CHANGED } from './core/errors';

/** What the owner passes: a definition (`lwm2mDef(3304)` from `npm run objects`), instances, callbacks. */
export interface OwnerObject {
  /** [object id, version | 256 when multiple instances, n, then n (resource id, flags) pairs] (core/types.ts ObjDef). */
  def: ArrayLike<number>;
  /** Initial instances: instance id -> { resource id: value }. */
  inst?: { [iid: string]: { [rid: string]: Value | Multi } };
  /** A live value of (iid, rid), or undefined for the stored one. */
  read?: (iid: number, rid: number) => Value | Multi | undefined;
  /** A server wrote (iid, rid) (the value is stored already): drive an output. */
  write?: (iid: number, rid: number, v: Value | Multi) => void;
  /** A server executed (iid, rid) with the argument string `args`. */
  exec?: (iid: number, rid: number, args: string) => void;
  /** At most this many instances (a server's Create beyond it gets 4.00). */
  max?: number;
  /** Replace the built-in object of this id (only 3303 Temperature and 3338 Buzzer may be replaced). */
  replace?: boolean;
}

// The adopted object: the owner's literal with LwObject's fields.
interface Own extends LwObject {
  inst?: { [iid: string]: Inst };
  read?: (iid: number, rid: number) => Value | Multi | undefined;
  write?: (iid: number, rid: number, v: Value | Multi) => void;
  exec?: (iid: number, rid: number, args: string) => void;
  replace?: boolean;
  /** The first callback failure, as logged ("/3304/0/5700: Error: …"); absent until one. */
  err?: string;
}

function hook(this: LwObject, ev: number, iid: number, rid: number, v?: Value): Value | Multi | undefined {
  var o = this as Own;
  try {
    if (ev === ON_READ) return o.read ? o.read(iid, rid) : undefined;
    if (ev === ON_WRITTEN && o.write) o.write(iid, rid, o.i[iid][rid]);
    if (ev === ON_EXECUTE && o.exec) {
      o.exec(iid, rid, v as string);
      return CHANGED;
    }
  } catch (e) {
    // the server gets 5.00 (dispatch's net); the client logs the first failure once
    if (!o.err) {
      o.err = '/' + o.def[0] + '/' + iid + '/' + rid + ': ' + e;
      if (o.reg && o.reg.ls) o.reg.ls.objectEvent('error', o.def[0], iid);
    }
    throw e;
  }
  return undefined;
}

/**
 * Checks the owner's objects, then makes each literal an LwM2M object in `reg` (again after a
 * simulated reboot), or with `reg` null in no registry yet (start() before Wi-Fi: set() stores,
 * reports nothing). Returns '' or, adopting none, one line naming the object and what is wrong:
 * a definition that is not one, an unknown resource type, a duplicate object ID, a clash with a
 * built-in object (3303/3338 may be replaced with `replace: true`). One function, not three: on
 * Espruino each costs its variables for good (docs/memory.md rule 1).
 */
export function own(reg: Registry | null, list: OwnerObject[] | undefined): string {
  var seen: { [id: string]: number } = {};
  var l = list || [];
  var k;
  for (k = 0; k < l.length; k++) {
    var d = l[k] && l[k].def;
    var n = d ? d[2] : -1;
    if (!d || !(n >= 0) || d.length !== 3 + 2 * n || !(d[0] >= 0 && d[0] < 65535)) return 'owner object ' + k + ': def is not an object definition (from `npm run objects`)';
    var id = d[0];
    var what = 'owner object ' + id + ': ';
    var repl = id === 3303 || id === 3338;
    if (seen[id]) return what + 'duplicate object ID';
    seen[id] = 1;
    if (objDef(id) && !(l[k].replace && repl)) return what + 'clashes with the built-in object ' + id + (repl ? ' (replace: true replaces it)' : '');
    for (var i = 3; i < d.length; i += 2) {
      var t = d[i + 1] & 15;
      if (!(d[i] >= 0 && d[i] < 65535) || t > T_CLNK || (t === 0) !== ((d[i + 1] & EX) > 0)) return what + 'resource ' + d[i] + ' has an unknown type (' + t + ')';
    }
  }
  for (k = 0; k < l.length; k++) {
    var o = l[k] as unknown as Own;
    var inst = o.inst || o.i || {};
    delete o.inst;
    (Object as any).setPrototypeOf(o, LwObject.prototype);
    o.def = new Uint16Array(l[k].def as number[]);
    o.i = inst;
    o.hook = hook;
    // into the registry (no Registry.add(): a method costs the board variables for good)
    if (reg) {
      reg.o[o.def[0]] = o;
      o.reg = reg;
    }
  }
  return '';
}
