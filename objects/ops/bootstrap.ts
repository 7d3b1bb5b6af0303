// The Bootstrap interface (LwM2M 1.1 Core §5.2.7): Bootstrap-Write writes any resource,
// Security included, creating the instances it names ("regardless of an existence of the
// targeted Object Instance(s)", §5.2.7.4); Bootstrap-Delete removes every instance but the
// Bootstrap-Server Account and the Device's (§5.2.7.5); Bootstrap-Discover lists instances
// with ssid/uri; Bootstrap-Read reaches only the Server and Access Control objects.
// The instances the device provides itself (its sensor, buzzer, connectivity, firmware,
// location and statistics: Registry.hw) are hidden by a Bootstrap-Delete, not destroyed:
// a Bootstrap-Write to one brings it back with the written values on top, and
// Bootstrap-Finish brings back the others as they were (firmware/lwm2m/lifecycle.ts) — a device whose
// bootstrap server cleans with `Delete /` still shows its hardware once registered, as it
// would after any reboot (the objects are rebuilt at power-up; docs/objects.md).
import { Registry } from '../core/registry';
import { CHANGED, DELETED, BAD_REQUEST, UNAUTHORIZED, CONTENT, NOT_FOUND, NOT_ALLOWED } from '../core/errors';
import { utf8Encode } from '../../transport/bytes';
import { FORMAT } from '../../transport/coap/constants';
import { defMi, ids } from '../core/types';
import { Req, Res, res, target, decode, apply, BOOT, DRY } from './common';
import { readAs } from './read';
import { removeInst } from './delete';
import { verStr } from './discover';
import { SecurityRes } from '../0-security';
import { ServerRes } from '../1-server';

/**
 * The Bootstrap Interface for a request with CoAP method `method` (Transport §6.4.1): GET is
 * Bootstrap-Discover with Accept link-format (40), else Bootstrap-Read; PUT Bootstrap-Write;
 * DELETE Bootstrap-Delete; any other method 4.05. One entry point, not four: each operation
 * is then called from one place only and the build writes it into this function, so the
 * board holds one function for the interface instead of four (docs/memory.md, rule 1).
 */
export function bootstrap(reg: Registry, req: Req, method: number): Res {
  // CoAP method codes (RFC 7252 §12.1.1): GET 1, PUT 3, DELETE 4.
  if (method === 1) return req.accept === FORMAT.LINK ? bsDiscover(reg, req) : bsRead(reg, req);
  if (method === 3) return bsWrite(reg, req);
  if (method === 4) return bsDelete(reg, req);
  return res(NOT_ALLOWED);
}

export function bsWrite(reg: Registry, req: Req): Res {
  var path = req.path;
  if (!path.length || path.length > 4) return res(BAD_REQUEST);
  var o = reg.obj(path[0]);
  if (!o) return res(NOT_FOUND);
  var recs = decode(reg, req, path);
  if (typeof recs === 'number') return res(recs);
  // Instances the payload names that do not exist yet are created for the write.
  var made: number[] = [];
  var i;
  for (i = 0; i < recs.length; i++) {
    var iid = recs[i].p[1];
    if (iid < 0 || iid > 65534) return res(BAD_REQUEST);
    if (!o.has(iid) && made.indexOf(iid) < 0) {
      if (!defMi(o.def) && (o.iids().length || made.length)) return res(BAD_REQUEST);
      made.push(iid);
    }
  }
  var c = apply(o, path, recs, BOOT | DRY);
  if (c) return res(c);
  for (i = 0; i < made.length; i++) {
    var k = o.def[0] + '/' + made[i];
    var g = reg.gone && reg.gone[k];
    if (g) delete reg.gone![k];
    o.add(made[i], g || undefined);
    reg.changed(o.def[0], made[i], -1);
  }
  apply(o, path, recs, BOOT);
  return res(CHANGED);
}

export function bsDelete(reg: Registry, req: Req): Res {
  var path = req.path;
  var l = path.length ? [path[0]] : ids(reg.o);
  if (path.length > 2 || (path.length && !reg.obj(path[0])) || (path.length > 1 && !reg.obj(path[0])!.has(path[1]))) return res(path.length > 2 ? BAD_REQUEST : NOT_FOUND);
  for (var k = 0; k < l.length; k++) {
    var o = reg.obj(l[k])!;
    var is = path.length > 1 ? [path[1]] : o.iids();
    for (var j = 0; j < is.length; j++) {
      var c = removeInst(reg, o, is[j], true);
      if (c && path.length > 1) return res(BAD_REQUEST);
    }
  }
  return res(DELETED);
}

export function bsDiscover(reg: Registry, req: Req): Res {
  var path = req.path;
  if (path.length > 1 || (path.length && !reg.obj(path[0]))) return res(path.length > 1 ? BAD_REQUEST : NOT_FOUND);
  // Unquoted, as LwM2M 1.1.1 §5.2.7.3 writes it (`</>;lwm2m=1.1`): a link-format value may
  // be a token or a quoted string (RFC 6690), and a token is what 1.1.1's servers expect.
  var s = 'lwm2m=1.1';
  var l = path.length ? [path[0]] : ids(reg.o);
  for (var k = 0; k < l.length; k++) {
    var o = reg.obj(l[k])!;
    var is = o.iids();
    if (!is.length || verStr(o)) s += ',</' + o.def[0] + '>' + verStr(o);
    for (var j = 0; j < is.length; j++) {
      var x = o.i[is[j]];
      s += ',</' + o.def[0] + '/' + is[j] + '>';
      // Security: ssid and uri of LwM2M server accounts; Server: ssid (§5.2.7.3).
      if (o.def[0] === 0 && !x[SecurityRes.BootstrapServer]) s += ';ssid=' + x[SecurityRes.ShortServerId] + ';uri="' + x[SecurityRes.ServerUri] + '"';
      if (o.def[0] === 1) s += ';ssid=' + x[ServerRes.ShortServerId];
    }
  }
  return { code: CONTENT, format: FORMAT.LINK, payload: utf8Encode(s) };
}

export function bsRead(reg: Registry, req: Req): Res {
  var p = req.path;
  if (!p.length || (p[0] !== 1 && p[0] !== 2)) return res(UNAUTHORIZED);
  var o = target(reg, p);
  if (typeof o === 'number') return res(o);
  return readAs(reg, req, true);
}


