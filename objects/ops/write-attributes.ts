// Write-Attributes (LwM2M 1.1 Core §5.4.4, attributes §5.1.2): PUT with Uri-Query
// only. `name=value` sets, a bare `name` removes. gt/lt/st only on numeric
// resources; lt < gt and lt + 2*st < gt must hold afterwards.
import { Registry, Attrs } from '../core/registry';
import { resFlags, T_INT, T_UINT, T_FLT } from '../core/types';
import { CHANGED, BAD_REQUEST, UNAUTHORIZED } from '../core/errors';
import { allowed, A_READ } from '../core/acl';
import { NAMES, attrKey, own } from '../core/attrs';
import { parseNum } from '../formats/value';
import { Req, Res, res, target } from './common';

export function writeAttributes(reg: Registry, req: Req): Res {
  var path = req.path;
  var o = target(reg, path);
  if (typeof o === 'number') return res(o);
  if (!path.length) return res(BAD_REQUEST);
  if (!allowed(reg, req.srv, o.def[0], path.length > 1 ? path[1] : 65535, A_READ) && (path.length > 1 || o.def[0] === 0)) return res(UNAUTHORIZED);
  var t = path.length > 2 ? resFlags(o.def, path[2]) & 15 : 0;
  var a: Attrs = own(reg, req.srv, path);
  var q = req.query || [];
  for (var i = 0; i < q.length; i++) {
    var e = q[i].indexOf('=');
    var name = e < 0 ? q[i] : q[i].substring(0, e);
    var n = NAMES.split(' ').indexOf(name);
    // pmin, pmax, epmin, epmax: non-negative integer seconds; gt, lt, st: numbers on numeric resources.
    var num = n === 2 || n === 3 || n === 4;
    if (n < 0 || (num && t !== T_INT && t !== T_UINT && t !== T_FLT)) return res(BAD_REQUEST);
    if (e < 0) {
      delete (a as any)[name];
      continue;
    }
    var v = parseNum(q[i].substring(e + 1), !num);
    if (v !== v || ((!num || n === 4) && v < 0)) return res(BAD_REQUEST);
    (a as any)[name] = v;
  }
  if (a.lt !== undefined && a.gt !== undefined && (a.lt >= a.gt || a.lt + 2 * (a.st || 0) >= a.gt)) return res(BAD_REQUEST);
  (reg.at || (reg.at = {}))[attrKey(req.srv, path)] = a;
  return res(CHANGED);
}
