// Read (LwM2M 1.1 Core §5.4.1): an object, instance, resource or resource instance.
import { Registry } from '../core/registry';
import { Rec } from '../core/types';
import { UNAUTHORIZED, NOT_FOUND } from '../core/errors';
import { allowed, A_READ } from '../core/acl';
import { Req, Res, res, target, collect, answer } from './common';
import { composite } from './composite';

/** Read as server `ssid` (bootstrap: any instance, no access control). */
export function readAs(reg: Registry, req: Req, boot: boolean): Res {
  var path = req.path;
  var o = target(reg, path);
  if (typeof o === 'number' || path.length < 1) return res(typeof o === 'number' ? o : NOT_FOUND);
  var l = path.length > 1 ? [path[1]] : o.iids();
  var recs: Rec[] = [];
  var seen = 0;
  for (var k = 0; k < l.length; k++) {
    if (!boot && !allowed(reg, req.srv, o.def[0], l[k], A_READ)) continue;
    seen++;
    var c = collect(o, l[k], path, recs);
    if (c) return res(c);
  }
  // An instance (or every instance of a non-empty object) the server may not read.
  if (!seen && (path.length > 1 || l.length || o.def[0] === 0)) return res(UNAUTHORIZED);
  return answer(reg, o, path, recs, req.accept);
}

export function read(reg: Registry, req: Req): Res {
  // an Observe-Composite's notifications read all its paths (composite.ts)
  if (req.ps) return composite().read(reg, req);
  return readAs(reg, req, false);
}
