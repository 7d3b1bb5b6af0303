// What the operations share: the request/response shapes (docs/objects.md),
// reading values into records, answering in the negotiated Content-Format,
// decoding a payload and applying a write all-or-nothing.
import { Registry, LwObject, ON_CHECK, ON_WRITTEN } from '../core/registry';
import { Rec, Value, Multi, resFlags, resAt, ids, R, W, EX, M, T_OPQ } from '../core/types';
import { CONTENT, BAD_REQUEST, NOT_FOUND, NOT_ALLOWED, NOT_ACCEPTABLE, UNSUPPORTED_FORMAT } from '../core/errors';
import { codec } from '../formats/index';
import { FORMAT } from '../../transport/coap/constants';
import { fits } from '../formats/value';

export interface Req {
  /** Short Server ID of the requesting LwM2M server (bootstrap operations ignore it). */
  srv: number;
  /** Uri-Path as numbers: [], [oid], [oid, iid], [oid, iid, rid], [oid, iid, rid, riid]. */
  path: number[];
  /** Content-Format of the payload; undefined or -1 when absent. */
  cf?: number;
  /** Accept option; undefined or -1 when absent. */
  accept?: number;
  payload?: Uint8Array;
  /** Uri-Query options as strings ("pmin=10", "lt"). */
  query?: string[];
  /** A composite operation's paths (Read-/Observe-Composite, composite.ts); absent otherwise. */
  ps?: number[][];
}

export interface Res {
  code: number;
  format?: number;
  payload?: Uint8Array;
  /** Create: [oid, iid] of the new instance (Location-Path). */
  path?: number[];
}

export function res(code: number): Res {
  return { code: code };
}

/** Type lookup for decoders over the registry's definitions; -1 for an unknown object or resource. */
export function typeOf(reg: Registry): (oid: number, rid: number) => number {
  return function (oid: number, rid: number): number {
    var o = reg.obj(oid);
    var f = o ? resFlags(o.def, rid) : -1;
    return f < 0 ? -1 : f & 15;
  };
}

/** The object and, when the path names one, check that instance and resource exist. Returns a code or the object. */
export function target(reg: Registry, path: number[]): LwObject | number {
  var o = reg.obj(path[0]);
  if (!o || (path.length > 1 && !o.has(path[1])) || (path.length > 2 && resFlags(o.def, path[2]) < 0)) return NOT_FOUND;
  return o;
}

/**
 * Readable values of instance `iid` under `path` as sorted records. A path
 * naming a resource must name a readable one (4.05) with a value (4.04).
 */
export function collect(o: LwObject, iid: number, path: number[], out: Rec[]): number {
  var r = o.def;
  // a path naming a resource: only its pair (found natively, resAt)
  var i = path.length > 2 ? resAt(r, path[2]) : 3;
  for (var end = path.length > 2 ? i + 2 : r.length; i > 0 && i < end; i += 2) {
    var rid = r[i];
    var f = r[i + 1];
    if (path.length > 2 && rid !== path[2]) continue;
    if (!(f & R) || f & EX) {
      if (path.length > 2) return NOT_ALLOWED;
      continue;
    }
    var v = o.get(iid, rid);
    if (v === undefined) {
      if (path.length > 2) return NOT_FOUND;
      continue;
    }
    if (f & M) {
      var l = ids(v as Multi);
      for (var k = 0; k < l.length; k++) {
        if (path.length > 3 && l[k] !== path[3]) continue;
        out.push({ p: [o.def[0], iid, rid, l[k]], t: f & 15, v: (v as Multi)[l[k]] });
      }
      if (path.length > 3 && !out.length) return NOT_FOUND;
    } else {
      if (path.length > 3) return NOT_FOUND;
      out.push({ p: [o.def[0], iid, rid], t: f & 15, v: v as Value });
    }
  }
  return 0;
}

/**
 * 2.05 with `recs` in the Accept format, or when there is none: text/plain
 * (opaque: 42) for a single value, else the registry's preferred format.
 * 4.06 when the format is unknown or cannot carry these values.
 */
export function answer(reg: Registry, o: LwObject, path: number[], recs: Rec[], accept?: number): Res {
  var cf = accept;
  if (cf === undefined || cf < 0) {
    // A resource path names one value unless the resource is a multiple one (its flags have M).
    var f = path.length > 2 ? resFlags(o.def, path[2]) : -1;
    var one = path.length > 3 || (path.length > 2 && !(f > 0 && (f & M) > 0));
    cf = one ? (recs.length && recs[0].t === T_OPQ ? FORMAT.OCTET : FORMAT.TEXT) : reg.fmt;
  }
  var c = codec(cf);
  var b = c ? c.enc(path, recs) : null;
  return b ? { code: CONTENT, format: cf, payload: b } : res(NOT_ACCEPTABLE);
}

/** Decode req's payload addressed to `base`: records, or a code (4.15 unknown format, 4.00 malformed). */
export function decode(reg: Registry, req: Req, base: number[]): Rec[] | number {
  var c = req.cf === undefined || req.cf < 0 ? null : codec(req.cf);
  if (!c) return req.cf === undefined || req.cf < 0 ? BAD_REQUEST : UNSUPPORTED_FORMAT;
  var recs = c.dec(req.payload || new Uint8Array(0), base, typeOf(reg));
  return recs || BAD_REQUEST;
}

/** Write modes for `apply`. */
export var REPLACE = 1; // multiple resources written are replaced, not merged
export var CREATE = 2; // readable but not writable resources may be given
export var BOOT = 4; // bootstrap: any resource, unknown resources skipped
export var DRY = 8; // validate only

/**
 * Validate every record, then apply them all (LwM2M writes are all or
 * nothing). Records must lie under `path` and name existing instances.
 */
export function apply(o: LwObject, path: number[], recs: Rec[], mode: number): number {
  var i, p, f;
  var use: Rec[] = [];
  for (i = 0; i < recs.length; i++) {
    p = recs[i].p;
    for (var k = 0; k < path.length; k++) if (p[k] !== path[k]) return BAD_REQUEST;
    f = resFlags(o.def, p[2]);
    if (f < 0) {
      if (mode & BOOT) continue;
      return NOT_FOUND;
    }
    if (f & EX || !(mode & BOOT || f & W || (mode & CREATE && f & R))) return NOT_ALLOWED;
    if ((p.length > 3) !== ((f & M) > 0) || !fits(f & 15, recs[i].v)) return BAD_REQUEST;
    var c = o.hook ? (o.hook(ON_CHECK, p[1], p[2], recs[i].v, p.length > 3 ? p[3] : -1) as number) : 0;
    if (c) return c;
    use.push(recs[i]);
  }
  if (mode & DRY) return 0;
  var done: { [k: string]: number } = {};
  for (i = 0; i < use.length; i++) {
    p = use[i].p;
    var key = p[1] + '/' + p[2];
    if (!done[key] && p.length > 3 && mode & (REPLACE | BOOT) && path.length < 4) o.i[p[1]][p[2]] = {};
    done[key] = 1;
    o.set(p[1], p[2], use[i].v, p.length > 3 ? p[3] : -1);
  }
  if (o.hook) for (var x in done) if (done.hasOwnProperty(x)) o.hook(ON_WRITTEN, +x.split('/')[0], +x.split('/')[1]);
  return 0;
}
