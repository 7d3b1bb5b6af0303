// The object registry: object instances and their stored values, with the
// hooks through which each object file adds behaviour, and the two outward
// signals the rest of the client subscribes to: value changes (for Observe /
// reporting) and object events (Server object: update, disable, bootstrap).
import { ObjDef, Value, Multi, ids, resFlags, M } from './types';

/** Stored resources of one instance: rid -> value, or rid -> Multi for a multiple resource. */
export interface Inst {
  [rid: string]: Value | Multi;
}

/**
 * One LwM2M object. Values live in `i` (iid -> Inst). An object file gives it
 * behaviour by setting the hooks; all are optional:
 * - `rd(iid, rid)`: a live value (sensor, clock); `undefined` falls back to the stored one;
 * - `ck(iid, rid, v, riid)`: validate a value about to be written (0 or a CoAP code);
 *   called for every value of a write before any is applied (all or nothing);
 * - `wr(iid, rid)`: react after a resource was written (drive an output, signal an update);
 * - `ex(iid, rid, args)`: Execute; returns a CoAP code (CHANGED on success);
 * - `mk(iid)`: a new instance was created (fill defaults); `rm(iid)`: one is deleted.
 */
// Fields are `declare`d: the constructor assigns them, and babel then emits no `this.x = void 0` first.
// A hook an object file does not set stays absent, not null: on Espruino every property
// costs a variable or two (some 40 for the ten objects).
export class LwObject {
  declare id: number;
  declare def: ObjDef;
  declare i: { [iid: string]: Inst };
  declare reg: Registry | null;
  declare rd?: ((iid: number, rid: number) => Value | Multi | undefined) | null;
  declare ck?: ((iid: number, rid: number, v: Value, riid: number) => number) | null;
  declare wr?: ((iid: number, rid: number) => void) | null;
  declare ex?: ((iid: number, rid: number, args: string) => number) | null;
  declare mk?: ((iid: number) => void) | null;
  declare rm?: ((iid: number) => number) | null;
  constructor(def: ObjDef) {
    this.id = def.id;
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
    if (this.mk) this.mk(iid);
    return inst;
  }
  /** Current value: live (rd hook) or stored; undefined when absent. */
  get(iid: number, rid: number): Value | Multi | undefined {
    var v = this.rd ? this.rd(iid, rid) : undefined;
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
    if (this.reg) this.reg.changed(this.id, iid, rid);
  }
  /** Is `rid` a multiple resource of this object? */
  multi(rid: number): boolean {
    var f = resFlags(this.def, rid);
    return f > 0 && (f & M) > 0;
  }
}

export type ChangeListener = (oid: number, iid: number, rid: number) => void;
export type EventListener = (name: string, ssid: number, iid: number) => void;

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
  declare o: { [oid: string]: LwObject };
  /** Content-Format used for multi-value responses when the request has no Accept (TLV by default). */
  declare fmt: number;
  /** Write-Attributes per server and path: key `ssid + '|' + '/o/i/r'`. */
  declare at: { [key: string]: Attrs };
  private declare cl: ChangeListener[];
  private declare el: EventListener[];
  constructor() {
    this.o = {};
    this.fmt = 11542;
    this.at = {};
    this.cl = [];
    this.el = [];
  }
  add(obj: LwObject): LwObject {
    this.o[obj.id] = obj;
    obj.reg = this;
    return obj;
  }
  obj(oid: number): LwObject | null {
    return this.o.hasOwnProperty('' + oid) ? this.o[oid] : null;
  }
  /** Object ids, ascending. */
  oids(): number[] {
    return ids(this.o);
  }
  /** Subscribe to value changes: fn(oid, iid, rid); rid -1 for instance created/deleted. */
  onChange(fn: ChangeListener): void {
    this.cl.push(fn);
  }
  changed(oid: number, iid: number, rid: number): void {
    for (var k = 0; k < this.cl.length; k++) this.cl[k](oid, iid, rid);
  }
  /**
   * Subscribe to object events: 'update' (Registration Update due: trigger
   * executed, lifetime or binding changed), 'disable' (Server Disable),
   * 'bootstrap' (Bootstrap-Request Trigger). `ssid` names the server, `iid` its Server instance.
   */
  onEvent(fn: EventListener): void {
    this.el.push(fn);
  }
  emit(name: string, ssid: number, iid: number): void {
    for (var k = 0; k < this.el.length; k++) this.el[k](name, ssid, iid);
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
