// Execute (LwM2M 1.1 Core §5.4.5), with the argument list syntax of §5.4.5:
// arg = DIGIT [ "=" "'" *CHAR "'" ], separated by ",".
import { Registry, ON_EXECUTE } from '../core/registry';
import { EX, resFlags } from '../core/types';
import { BAD_REQUEST, NOT_ALLOWED, UNAUTHORIZED } from '../core/errors';
import { allowed, A_EXEC } from '../core/acl';
import { utf8Decode } from '../../transport/bytes';
import { Req, Res, res, target } from './common';

/** Is `s` a well-formed argument list? */
export function argsOk(s: string): boolean {
  var i = 0;
  var n = s.length;
  while (i < n) {
    var c = s.charCodeAt(i++);
    if (c < 48 || c > 57) return false;
    if (s.charAt(i) === '=') {
      if (s.charAt(i + 1) !== "'") return false;
      var e = s.indexOf("'", i + 2);
      if (e < 0) return false;
      i = e + 1;
    }
    if (i < n && s.charAt(i++) !== ',') return false;
    if (i === n && s.charAt(n - 1) === ',') return false;
  }
  return true;
}

export function execute(reg: Registry, req: Req): Res {
  var path = req.path;
  if (path.length !== 3) return res(NOT_ALLOWED);
  var o = target(reg, path);
  if (typeof o === 'number') return res(o);
  // Access first: a server may not learn what the Security object holds (4.01 for all of /0).
  if (!allowed(reg, req.srv, o.def[0], path[1], A_EXEC)) return res(UNAUTHORIZED);
  if (!(resFlags(o.def, path[2]) & EX)) return res(NOT_ALLOWED);
  var args = utf8Decode(req.payload || new Uint8Array(0));
  if (args === null || !argsOk(args)) return res(BAD_REQUEST);
  return res(((o.hook && o.hook(ON_EXECUTE, path[1], path[2], args)) as number) || NOT_ALLOWED);
}
