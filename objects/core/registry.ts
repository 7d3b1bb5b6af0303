// The object registry: object instances and their stored values, with the
// hooks through which each object file adds behaviour, and the two outward
// signals its one listener hears: value changes (for Observe / reporting) and
// object events (Server object: update, disable, bootstrap).
import { ObjDef, Value, Multi, ids } from './types';
import { FORMAT } from '../../transport/coap/constants';

/** Stored resources of one instance: rid -> value, or rid -> Multi for a multiple resource. */
export interface Inst {
  [rid: string]: Value | Multi;
}

/** What an object's hook is told (`LwObject.hook`). */
/** A live value of (iid, rid) (sensor, clock); undefined falls back to the stored one. */
export var ON_READ = 0;
/** Validate value `v` (resource instance `riid`, or -1) about to be written: 0 or a CoAP code.
 *  Called for every value of a write before any is applied (all or nothing). */
export var ON_CHECK = 1;
/** (iid, rid) was written: drive an output, signal an update. */
export var ON_WRITTEN = 2;
/** Execute (iid, rid) with the arguments in `v`: a CoAP code (CHANGED on success). */
export var ON_EXECUTE = 3;
/** Instance iid was created: fill defaults. */
export var ON_CREATED = 4;
/** Instance iid is about to be deleted: 0, or a CoAP code refusing. */
export var ON_DELETE = 5;

/**
 * An object's behaviour: one function for every event (ON_*) that returns undefined for
 * what it does not handle. One function, not one per event: on Espruino each function
 * costs some ten variables (about 100 in all for the ten objects). Always called as
 * `o.hook(…)`, so `this` is the object: the object files define their hooks as top-level
 * functions over state kept on the object, not as closures (docs/memory.md, rule 4).
 */
export type Hook = (this: LwObject, ev: number, iid: number, rid: number, v?: Value, riid?: number) => Value | Multi | undefined;

/**
 * One LwM2M object. Values live in `i` (iid -> Inst); an object file gives it behaviour
 * by setting `hook` (optional; not `on`, which every Espruino object inherits).
 */
// Fields are `declare`d: the constructor assigns them, and babel then emits no `this.x = void 0` first.
// An object without behaviour has no `hook` at all, not null: on Espruino every property
// costs a variable or two.
export class LwObject {
  /** The definition; the object id is `def[0]` (no field of its own: ten variables less on the board). */
  declare def: ObjDef;
  declare i: { [iid: string]: Inst };
  declare reg: Registry | null;
  declare hook?: Hook;
  /** At most this many instances (an owner's object, objects/owner.ts); absent: no limit. */
  declare max?: number;
  constructor(def: ObjDef) {
    this.def = def;
    this.i = {};
    this.reg = null;
  }
  /** Instance ids, ascending. */
  iids(): number[] {
    return ids(this.i);
  }
  has(iid: number): boolean {
    return this.i.hasOwnProperty('' + iid);
  }
  /** Create an instance with initial values (no access check, no notification). */
  add(iid: number, vals?: Inst): Inst {
    var inst: Inst = vals || {};
    this.i[iid] = inst;
    if (this.hook) this.hook(ON_CREATED, iid, -1);
    return inst;
  }
  /** Current value: live (rd hook) or stored; undefined when absent. */
  get(iid: number, rid: number): Value | Multi | undefined {
    var v = this.hook ? this.hook(ON_READ, iid, rid) : undefined;
    if (v !== undefined) return v;
    var inst = this.i[iid];
    return inst ? inst[rid] : undefined;
  }
  /**
   * Store a value (riid >= 0: one resource instance of a multiple resource)
   * and report the change. Internal: no type or access check.
   */
  set(iid: number, rid: number, v: Value | Multi, riid?: number): void {
    var inst = this.i[iid];
    if (!inst) return;
    var old = inst[rid];
    if (riid !== undefined && riid >= 0) {
      var m = old && typeof old === 'object' && !(old instanceof Uint8Array) ? (old as Multi) : (inst[rid] = {} as Multi);
      if (m[riid] === v) return;
      m[riid] = v as Value;
    } else {
      if (old === v) return;
      inst[rid] = v;
    }
    if (this.reg) this.reg.changed(this.def[0], iid, rid);
  }
}

/**
 * Who hears the registry's two signals (the LwM2M client, `reg.ls`): one object with two methods,
 * not two arrays of closures: on Espruino those held 35 variables with the scopes they kept
 * (docs/memory.md, rule 4).
 */
export interface RegistryListener {
  /** A value changed: (oid, iid, rid); rid -1 for an instance created or deleted. */
  changed(oid: number, iid: number, rid: number): void;
  /**
   * An object event: 'update' (Registration Update due: trigger executed, lifetime or binding
   * changed), 'disable' (Server Disable), 'bootstrap' (Bootstrap-Request Trigger), 'error' (an
   * owner's callback threw: `ssid` is then the object id). `ssid` names the server, `iid` its Server instance.
   */
  objectEvent(name: string, ssid: number, iid: number): void;
}

/** Notification attributes (LwM2M 1.1 §5.1.2); a missing key is unset. */
export interface Attrs {
  pmin?: number;
  pmax?: number;
  gt?: number;
  lt?: number;
  st?: number;
  epmin?: number;
  epmax?: number;
}

export class Registry {
  /** The objects by id (their ids ascending: `ids(reg.o)`, core/types.ts). */
  declare o: { [oid: string]: LwObject };
  /** Content-Format used for multi-value responses when the request has no Accept (TLV by default). */
  declare fmt: number;
  /** Write-Attributes per server and path: key `ssid + '|' + '/o/i/r'`; absent until the first (core/attrs.ts). */
  declare at?: { [key: string]: Attrs };
  /**
   * The instances the device provides itself (objects 4 and up: single-instance ones, and
   * those whose hook refuses ON_DELETE, the board's sensors and outputs) that a
   * Bootstrap-Delete hid, 'oid/iid' -> instance, until Bootstrap-Finish brings them back
   * (ops/bootstrap.ts); absent at rest.
   */
  declare gone?: { [k: string]: Inst };
  /** Polls soon after a change (the board's scheduler, whose add() without an engine does that): a value the owner sets from a timer is reported with no polling. */
  declare wake?: { add(): void };
  /**
   * The one listener of changes and events (the client sets itself); absent until set. An object
   * with an event calls `ls.objectEvent` itself, and createObjectModel() (objects/index.ts) puts
   * the objects into `o` and sets their `reg`: no `emit()` nor `add()` method (each would cost the
   * board some eight variables for good).
   */
  declare ls?: RegistryListener;
  constructor() {
    this.o = {};
    this.fmt = FORMAT.LWM2M_TLV;
  }
  obj(oid: number): LwObject | null {
    return this.o.hasOwnProperty('' + oid) ? this.o[oid] : null;
  }
  /** A value changed (rid -1: an instance created or deleted): the listener hears it. */
  changed(oid: number, iid: number, rid: number): void {
    if (this.ls) this.ls.changed(oid, iid, rid);
    if (this.wake) this.wake.add();
  }
  /** Short Server IDs of the configured LwM2M servers (Server object instances, resource 0). */
  servers(): number[] {
    var out: number[] = [];
    var s = this.obj(1);
    if (!s) return out;
    var l = s.iids();
    for (var k = 0; k < l.length; k++) {
      var v = s.i[l[k]][0];
      if (typeof v === 'number') out.push(v);
    }
    return out;
  }
  /** Server object instance id for a Short Server ID, or -1. */
  serverInst(ssid: number): number {
    var s = this.obj(1);
    if (s) {
      var l = s.iids();
      for (var k = 0; k < l.length; k++) if (s.i[l[k]][0] === ssid) return l[k];
    }
    return -1;
  }
}
