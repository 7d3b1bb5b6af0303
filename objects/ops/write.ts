// Write (LwM2M 1.1 Core §5.4.3): PUT replaces, POST updates partially (`partial`).
// The payload is decoded and every value checked before anything changes.
import { Registry } from '../core/registry';
import { CHANGED, NOT_ALLOWED, UNAUTHORIZED } from '../core/errors';
import { allowed, A_WRITE } from '../core/acl';
import { Req, Res, res, target, decode, apply, REPLACE } from './common';

export function write(reg: Registry, req: Req, partial?: boolean): Res {
  var path = req.path;
  if (path.length < 2) return res(NOT_ALLOWED);
  var o = target(reg, path);
  if (typeof o === 'number') return res(o);
  if (!allowed(reg, req.srv, o.def[0], path[1], A_WRITE)) return res(UNAUTHORIZED);
  var recs = decode(reg, req, path);
  if (typeof recs === 'number') return res(recs);
  var c = apply(o, path, recs, partial ? 0 : REPLACE);
  return res(c || CHANGED);
}
