// LwM2M over CoAP (LwM2M 1.1 Transport §6.4, Core §8.2): maps a CoAP request from a
// server onto one operation of the object model and its result onto the response.
// Which operations a peer may use depends on who it is: the Bootstrap Server gets the
// Bootstrap Interface, an LwM2M Server the Device Management and Information Reporting
// Interfaces. Nothing here throws: the operations answer codes, and a path that is not
// numbers is 4.04 (no such object), as a server sees for any unknown object.
import { CODE, OPT, FORMAT } from '../../transport/coap/constants';
// getStrings, not getUriPath/getUriQuery: those then live only in the `coap` namespace, not as functions held at load
import { CoapMessage, getUint, getStrings, getOption } from '../../transport/coap/message';
import type { Exchange, Observation, ResponseSpec } from '../../transport/coap/endpoint';
import type { Registry } from '../../objects/core/registry';
import * as ops from '../../objects/ops/index';
import type { Req, Res } from '../../objects/ops/index';
import { utf8Encode } from '../../transport/bytes';
import { ON_BLOCK } from '../../objects/5-firmware-update';
import { allowed, A_WRITE } from '../../objects/core/acl';

/**
 * What the client does with the results that are not plain responses: its lifecycle takes
 * Bootstrap-Finish, its reporting the observations (Client has these three).
 */
export interface AccountClient {
  now: number;
  reporting: {
    /** A GET with Observe=0 answered 2.05: the relation and the request (its server `srv`, its path). */
    add(rel: Observation, req: Req, now: number): void;
    /** A GET with Observe=1 on a path: the client drops its relation (the endpoint already did). */
    clear(ssid: number, path: number[]): void;
  };
  /** Bootstrap-Finish (`POST /bs` from the Bootstrap Server): finish() returns the response code. */
  life(): { finish(): number };
}

/**
 * Who is asking, and the client that acts on what is not a plain response (absent: Bootstrap-Finish
 * is 4.05 and an Observe opens no relation). The client itself, not callbacks: three closures
 * per connection, kept with their scope for its life, cost some 20 Espruino variables.
 */
export interface Account {
  reg: Registry;
  /** Short Server ID (LwM2M server) or -1 for the Bootstrap Server. */
  ssid: number;
  cl?: AccountClient;
  /** Application access (plain CoAP clients on a local port): only these objects, and no Create/Delete. */
  app?: number[];
}

/** Uri-Path as numbers 0..65535; null if a segment is not one. */
export function numericPath(segs: string[]): number[] | null {
  var out: number[] = [];
  for (var i = 0; i < segs.length; i++) {
    var s = segs[i];
    if (s === '' && i === segs.length - 1 && i > 0) break; // a trailing slash
    if (s.length === 0 || s.length > 5) return null;
    for (var k = 0; k < s.length; k++) {
      var c = s.charCodeAt(k);
      if (c < 48 || c > 57) return null;
    }
    var n = parseInt(s, 10);
    if (n > 65535) return null;
    out.push(n);
  }
  return out;
}

function respond(ex: Exchange, r: Res): void {
  var spec: ResponseSpec = { code: r.code };
  if (r.payload && r.payload.length) {
    spec.payload = r.payload;
    spec.contentFormat = r.format === undefined ? FORMAT.TEXT : r.format;
  } else if (r.code === CODE.CONTENT && r.format !== undefined) {
    // An empty representation is still one (an empty string in text/plain, an object without
    // instances in TLV): the server decodes by Content-Format (RFC 7252 §5.5.1, §5.10.3), and
    // Leshan cannot decode a 2.05 without it (HTTP 500 "Unable to decode response payload").
    spec.contentFormat = r.format;
  }
  if (r.path) {
    spec.options = [];
    for (var i = 0; i < r.path.length; i++) spec.options.push({ num: OPT.LOCATION_PATH, value: utf8Encode('' + r.path[i]) });
  }
  ex.respond(spec);
}

/**
 * Which uploads the endpoint streams (CoapEndpoint streamBlock1): a package written to 5/0/0
 * in blocks, in opaque (or no) Content-Format, goes to object 5 block by block instead of
 * being reassembled in RAM (and bounded by MAX_BODY).
 */
export function fwStream(req: CoapMessage): boolean {
  var p = getStrings(req, OPT.URI_PATH);
  var cf = getUint(req, OPT.CONTENT_FORMAT, FORMAT.OCTET);
  return (req.code === CODE.PUT || req.code === CODE.POST) && !!p && p.length === 3 && p[0] === '5' && p[1] === '0' && p[2] === '0' && cf === FORMAT.OCTET;
}

/** Handles one request from `acc` and answers it through `ex`. */
export function dispatch(acc: Account, req: CoapMessage, ex: Exchange): void {
  var segs = getStrings(req, OPT.URI_PATH) || [];
  var code = req.code;
  // Bootstrap-Finish: POST /bs from the Bootstrap Server (Transport §6.4.1).
  if (acc.ssid < 0 && code === CODE.POST && segs.length === 1 && segs[0] === 'bs') {
    ex.respond({ code: acc.cl ? acc.cl.life().finish() : CODE.METHOD_NOT_ALLOWED });
    return;
  }
  var path = numericPath(segs);
  if (!path) {
    ex.respond({ code: CODE.NOT_FOUND });
    return;
  }
  // Application clients see the application objects only; management objects are forbidden.
  if (acc.app && (!path.length || acc.app.indexOf(path[0]) < 0 || code === CODE.DELETE || (code === CODE.POST && path.length < 2))) {
    ex.respond({ code: CODE.FORBIDDEN });
    return;
  }
  // The Security object is no LwM2M server's to reach at all (Core E.1): 4.01 for every
  // operation and path under /0, existing or not, before anything else is looked at.
  if (acc.ssid >= 0 && path[0] === 0) {
    ex.respond({ code: CODE.UNAUTHORIZED });
    return;
  }
  // A package pushed to 5/0/0 with Block1 (fwStream): each block to object 5 as it arrives
  if (ex.blockOffset >= 0) {
    var fw = acc.reg.obj(5);
    ex.respond({ code: !fw || !fw.hook ? CODE.NOT_FOUND : !allowed(acc.reg, acc.ssid, 5, 0, A_WRITE) ? CODE.UNAUTHORIZED : (fw.hook(ON_BLOCK, ex.blockOffset, ex.blockMore ? 1 : 0, req.payload) as number) });
    return;
  }
  var r: Req = {
    srv: acc.ssid,
    path: path,
    cf: getUint(req, OPT.CONTENT_FORMAT, -1),
    accept: getUint(req, OPT.ACCEPT, -1),
    payload: req.payload,
    query: getStrings(req, OPT.URI_QUERY) || [],
  };
  var hasBody = req.payload.length > 0 || getOption(req, OPT.CONTENT_FORMAT) !== null;
  var res: Res;
  // Observe (RFC 7641) on a Read or Read-Composite of an LwM2M server's: 0 opens a relation, 1 ends one
  var obsOpt = acc.ssid >= 0 && (code === CODE.FETCH || (code === CODE.GET && r.accept !== FORMAT.LINK)) ? getUint(req, OPT.OBSERVE, -1) : -1;
  // One net for every operation, here rather than a wrapper around each (a wrapper costs
  // Espruino variables and a frame on the receive path): an exception inside an operation
  // answers 5.00 and never escapes into the receive path.
  try {
    res = acc.ssid < 0 ? ops.bootstrap(acc.reg, r, code) : ops.manage(acc.reg, r, code, hasBody);
  } catch (e) {
    res = { code: CODE.INTERNAL_SERVER_ERROR };
  }
  // (FETCH on "/" with Observe=0 is Observe-Composite: objects/ops/composite.ts)
  var rel: Observation | null = obsOpt === 0 ? ex.observe() : null;
  // (a composite relation is found by its token: the endpoint ended it, the next poll drops it)
  var cl = acc.cl;
  if (obsOpt === 1 && cl && !r.ps) cl.reporting.clear(acc.ssid, path);
  if (rel && res.code === CODE.CONTENT && cl) cl.reporting.add(rel, r, cl.now);
  respond(ex, res);
}
