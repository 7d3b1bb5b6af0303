// Delete (LwM2M 1.1 Core §5.4.7): DELETE /oid/iid. Single-instance objects and the
// instances the device provides itself (its hardware: a hook refusing ON_DELETE with 4.05)
// cannot be deleted by a server; instances a server created can. The Bootstrap-Delete (boot) removes
// every instance but the Device's and those a hook refuses (the Bootstrap-Server Account,
// §5.2.7.5), and keeps the device's own aside until Bootstrap-Finish (ops/bootstrap.ts).
import { Registry, LwObject, ON_DELETE } from '../core/registry';
import { DELETED, NOT_ALLOWED, UNAUTHORIZED } from '../core/errors';
import { allowed, aclDeleted, A_DEL } from '../core/acl';
import { defMi } from '../core/types';
import { Req, Res, res, target } from './common';

/** Remove instance iid (no access check); returns 0 or the refusal code. */
export function removeInst(reg: Registry, o: LwObject, iid: number, boot?: boolean): number {
  var mi = defMi(o.def);
  var c = (boot ? o.def[0] === 3 : !mi) ? NOT_ALLOWED : o.hook ? (o.hook(ON_DELETE, iid, -1) as number) || 0 : 0;
  // The device's own instances (objects 4 and up, single-instance or refused with 4.05) are
  // hidden by a Bootstrap-Delete, their state kept (ops/bootstrap.ts); any other refusal stands.
  var own = boot && o.def[0] > 3 && (!mi || c === NOT_ALLOWED);
  if (c && !own) return c;
  if (own) (reg.gone || (reg.gone = {}))[o.def[0] + '/' + iid] = o.i[iid];
  delete o.i[iid];
  aclDeleted(reg, o.def[0], iid);
  reg.changed(o.def[0], iid, -1);
  return 0;
}

export function del(reg: Registry, req: Req): Res {
  var path = req.path;
  if (path.length !== 2) return res(NOT_ALLOWED);
  var o = target(reg, path);
  if (typeof o === 'number') return res(o);
  if (!allowed(reg, req.srv, o.def[0], path[1], A_DEL)) return res(UNAUTHORIZED);
  return res(removeInst(reg, o, path[1]) || DELETED);
}
