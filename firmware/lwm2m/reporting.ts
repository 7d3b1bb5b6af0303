// Information Reporting (LwM2M 1.1 Core §6.4, §5.1.2 attributes): one record per
// observation, holding what the attributes need — when the last notification went,
// the last numeric value sent — and a dirty flag set by the registry's change hook.
// Notifications go out from poll(now), never from inside the change that caused them:
// a write handler's stack stays shallow, and pmin is honoured.
//
// Notification Storing When Disabled or Offline (Core §6.4.1, Server /1/x/6): before a
// notification goes, the client (`cl.reach`) says whether its server can be reached now
// (a queue-mode device wakes its radio there). When it cannot, the notification is kept,
// at most `max` of them, the oldest dropped first, and sent in order once it can (each
// with a new Observe number, one CON at a time: RFC 7641 §4.5.2 would let a newer CON
// replace one in flight); with /1/x/6 false it is dropped. A CON notification that goes
// unacknowledged says the same as an unanswered Update: the server is out of reach. It is kept
// (first in line) and the observation stays (kept(), not RFC 7641 §4.5's end of the relation).
import { CODE } from '../../transport/coap/constants';
import type { Observation } from '../../transport/coap/endpoint';
import type { Registry, Attrs } from '../../objects/core/registry';
import { effective } from '../../objects/core/attrs';
import * as ops from '../../objects/ops/index';
import type { Req, Res } from '../../objects/ops/index';

/**
 * An observation: its relation, and itself the request its reads answer (Req: the server `srv`, the
 * Short Server ID, the path, the format `accept`, absent when none, and `ps`, a composite
 * relation's paths), with no object of its own: one held for each observation costs Espruino variables.
 */
interface Obs extends Req {
  rel: Observation;
  /** When the last notification (or the first response) went. */
  last: number;
  /** When the value was last evaluated (epmin/epmax). */
  evald: number;
  /** The last numeric value sent, for gt/lt/st; NaN when not numeric. */
  num: number;
  /** A change touched it since its last evaluation; absent otherwise (docs/memory.md, rule 3). */
  dirty?: boolean;
  /** Observe-Composite: which of its paths changed since the last notification (1 at their index); absent otherwise. */
  ch?: number[];
}

/**
 * A value changed (the registry's listener, the client, passes it on: Client.changed): the
 * observations it touches are due for evaluation: those whose path, or one of whose composite
 * relation's paths (noted in `ch`), it touches. A function with one caller in the bundle, not
 * a method nor a closure on the registry: either would cost Espruino variables on every device;
 * nor a function of its own for each observation (it would be called in a loop, which terser
 * never writes a function into: one held at load).
 */
export function observedChanged(r: Reporting, oid: number, iid: number, rid: number): void {
  for (var k = 0; k < r.list.length; k++) {
    var o = r.list[k];
    var ps = o.ps || [o.path];
    for (var i = 0; i < ps.length; i++) {
      var path = ps[i];
      if (path[0] === oid && !(path.length > 1 && iid >= 0 && path[1] !== iid) && !(path.length > 2 && rid >= 0 && path[2] !== rid)) {
        o.dirty = true;
        if (o.ps) (o.ch || (o.ch = []))[i] = 1;
      }
    }
  }
}

/**
 * An Observe-Composite relation's periods (Core 1.1 §6.4 Observe-Composite, §5.1.2): the attributes of each
 * observed path (Write-Attributes on it, else the server's defaults) apply to that path, and a
 * notification carries every path: one is due once the pmin of a changed path has passed, or at
 * the smallest pmax (which may bring a change before its own pmin). gt/lt/st, epmin, epmax: not
 * for composite relations.
 */
function periods(reg: Registry, o: Obs): Attrs {
  var ps = o.ps!;
  var pmin = -1;
  var pmax = -1;
  for (var i = 0; i < ps.length; i++) {
    var a = effective(reg, o.srv, ps[i]);
    var n = a.pmin || 0;
    if (o.ch && o.ch[i] && (pmin < 0 || n < pmin)) pmin = n;
    if (a.pmax && a.pmax > 0 && a.pmax >= n && (pmax < 0 || a.pmax < pmax)) pmax = a.pmax;
  }
  if (pmax > 0 && pmin > pmax) pmin = pmax;
  return { pmin: pmin < 0 ? 0 : pmin, pmax: pmax };
}

/**
 * The observed resource's (or resource instance's) value as a number, NaN when it is not a
 * numeric single value: gt/lt/st apply to the value (Core §5.1.2), whatever Content-Format
 * the server asked the notifications in (text, TLV, SenML).
 */
function numeric(reg: Registry, path: number[]): number {
  var o = path.length > 2 ? reg.obj(path[0]) : null;
  var v: any;
  try {
    v = o ? o.get(path[1], path[2]) : undefined;
  } catch (e) {
    // an owner's read callback threw (the read that follows answers 5.00)
  }
  if (path.length > 3 && v && typeof v === 'object') v = v[path[3]];
  return typeof v === 'number' ? v : NaN;
}

/** Notifications kept at most (ClientOptions.store): each costs some 12 Espruino variables (docs/queue-mode.md). */
export var STORE_MAX = 20;

/** What Reporting asks of the client: whether server `ssid` can be reached now. */
export interface Reach {
  /** `lost`: a notification to it went unacknowledged (it is out of reach until it answers an Update). */
  reach(ssid: number, now: number, lost?: boolean): boolean;
}

export class Reporting {
  reg: Registry;
  list: Obs[];
  /**
   * Notifications kept while their server could not be reached, oldest first: the observation
   * and the notification (two entries each). This and the two below are absent until needed
   * (a property costs Espruino variables on every device).
   */
  declare held?: any[];
  /** At most this many kept (default STORE_MAX). */
  declare max?: number;
  /** Notifications dropped: the oldest beyond `max`, or all with /1/x/6 false. */
  declare lost?: number;
  /** The client, when it can say that a server is out of reach (absent: always reachable). */
  declare cl?: Reach;
  /** Send notifications as CON (true) or NON (false, the default: a CON goes at least daily anyway). */
  con: boolean;
  /** Counts notifications sent (a benchmark and the HIL runner read it). */
  sent: number;
  constructor(reg: Registry, con: boolean) {
    this.reg = reg;
    this.list = [];
    this.con = con;
    this.sent = 0;
  }

  /**
   * A new relation (GET Observe=0 on `req.path` from server `req.srv`, answered 2.05). Replaces one
   * on the same path for the same server. Only what a read needs of the request is kept (its
   * payload would hold the received datagram); a relation the endpoint ended is dropped by the
   * next poll (no onCancel closure per observation: some 25 Espruino variables). Three
   * parameters, not the server and path again: on Espruino each costs a variable for good.
   */
  add(rel: Observation, req: Req, now: number): void {
    var path = req.path;
    var o: Obs = { rel: rel, srv: req.srv, path: path, last: now, evald: now, num: numeric(this.reg, path) };
    if (req.accept !== undefined) o.accept = req.accept;
    if (req.ps) {
      // Observe-Composite (all on "/"): only a re-registration of the same relation replaces it
      o.ps = req.ps;
      for (var i = this.list.length - 1; i >= 0; i--) if (this.list[i].rel === rel) this.list.splice(i, 1);
    } else this.clear(req.srv, path);
    this.list.push(o);
  }

  /**
   * Drops the relations of server `ssid` on `path` (GET with Observe=1), or without a path every
   * relation of that server (re-registration, de-registration), or of all with `ssid` -1. One
   * method for both: a method costs Espruino variables on every device.
   */
  clear(ssid: number, path?: number[]): void {
    var p = path ? path.join('/') : '';
    for (var i = this.list.length - 1; i >= 0; i--) {
      var o = this.list[i];
      if ((ssid < 0 || o.srv === ssid) && (!path || o.path.join('/') === p)) {
        this.list.splice(i, 1);
        o.rel.cancel();
      }
    }
  }

  /** Sends what is due; returns the next deadline or -1. */
  poll(now: number): number {
    var next = -1;
    // the kept notifications first, oldest first, while their server can be reached (in poll,
    // not a method of its own: a method costs Espruino variables on every device)
    var h = this.held;
    while (h && h.length) {
      var k: Obs = h[0];
      if (k.rel.active) {
        // a CON still in flight: the next goes when it is acknowledged
        if (k.rel._inflight || (this.cl && !this.cl.reach(k.srv, now))) break;
        this.sent++;
        k.rel.notify(h[1], this.con, now);
      }
      h.splice(0, 2);
    }
    if (h && !h.length) delete this.held;
    for (var i = 0; i < this.list.length; i++) {
      var o = this.list[i];
      if (!o.rel.active) {
        this.list.splice(i--, 1);
        continue;
      }
      var a = o.ps ? periods(this.reg, o) : effective(this.reg, o.srv, o.path);
      var pmin = (a.pmin || 0) * 1000;
      var pmax = a.pmax && a.pmax > 0 && a.pmax >= (a.pmin || 0) ? a.pmax * 1000 : -1;
      var epmin = (a.epmin || 0) * 1000;
      var epmax = a.epmax && a.epmax > 0 ? a.epmax * 1000 : -1;
      // epmax: evaluate at least this often even if nothing signalled a change
      if (epmax > 0 && now >= o.evald + epmax) o.dirty = true;
      var due = -1;
      if (pmax > 0 && now >= o.last + pmax) due = now;
      else if (o.dirty && now >= o.last + pmin && now >= o.evald + epmin) due = now;
      if (due >= 0) this.evaluate(o, a, pmax > 0 && now >= o.last + pmax, now);
      var d = -1;
      if (pmax > 0) d = o.last + pmax;
      if (o.dirty) {
        var t = Math.max(o.last + pmin, o.evald + epmin);
        if (d < 0 || t < d) d = t;
      }
      if (epmax > 0 && (d < 0 || o.evald + epmax < d)) d = o.evald + epmax;
      if (d >= 0 && (next < 0 || d < next)) next = d;
    }
    return next;
  }

  evaluate(o: Obs, a: { gt?: number; lt?: number; st?: number }, forced: boolean, now: number): void {
    delete o.dirty;
    delete o.ch;
    o.evald = now;
    var res: Res;
    try {
      res = ops.read(this.reg, o);
    } catch (e) {
      // an owner's read callback threw: 5.00 ends the relation, the device goes on
      res = { code: CODE.INTERNAL_SERVER_ERROR };
    }
    if (res.code !== CODE.CONTENT) {
      // the observed thing is gone: the endpoint sends the error once and ends the relation
      o.rel.notify({ code: res.code }, this.con, now);
      return;
    }
    var v = numeric(this.reg, o.path);
    if (!forced && v === v && o.num === o.num && (a.gt !== undefined || a.lt !== undefined || a.st !== undefined)) {
      var p = o.num;
      var cross = function (t: number | undefined) {
        return t !== undefined && ((p <= t && v > t) || (p >= t && v < t));
      };
      var step = a.st !== undefined && Math.abs(v - p) >= a.st;
      if (!cross(a.gt) && !cross(a.lt) && !step) return;
    }
    o.num = v;
    o.last = now;
    var n = { code: res.code, contentFormat: res.format, payload: res.payload };
    // kept behind those already kept (their order), or while the server is out of reach
    if (!this.held && (!this.cl || this.cl.reach(o.srv, now))) {
      this.sent++;
      o.rel.notify(n, this.con, now);
      return;
    }
    this.kept(o, n, now);
  }

  /**
   * Keeps notification `n` for later (Core §6.4.1), unless the server's /1/x/6 says not to; beyond
   * `max` the oldest goes. Two callers (one method: a method costs Espruino variables on every
   * device): evaluate(), with the observation's record `x`: kept last in line; and the endpoint
   * (CoapEndpoint.keep), with a relation `x` whose CON notification went unacknowledged: its
   * server is out of reach, not done with the observation. The relation stays, the notification
   * is kept first in line (with /1/x/6 false it is dropped: the Observe function rests while
   * offline), and the client tries its server again (Client.reach): the first 2.04 sends what was
   * kept. False: not a relation of a server's (the endpoint ends it, RFC 7641 §4.5).
   */
  kept(x: any, n: any, now: number): boolean {
    var o: Obs | null = x.rel ? x : null;
    var first = !o;
    for (var i = 0; i < this.list.length && !o; i++) if (this.list[i].rel === x && this.list[i].srv) o = this.list[i];
    if (!o) return false;
    var ssid = o.srv;
    if (first && this.cl) this.cl.reach(ssid, now, true);
    var iid = this.reg.serverInst(ssid);
    var srv = this.reg.obj(1);
    var max = this.max !== undefined ? this.max : STORE_MAX;
    var h = this.held || [];
    if (!max || (ssid && srv && iid >= 0 && srv.get(iid, 6) === false) || (first && h.length >= max * 2)) {
      this.lost = (this.lost || 0) + 1;
      return true;
    }
    this.held = h;
    if (first) h.unshift(o, n);
    else {
      if (h.length >= max * 2) {
        h.splice(0, 2);
        this.lost = (this.lost || 0) + 1;
      }
      h.push(o, n);
    }
    return true;
  }
}
