// Delete (LwM2M 1.1 Core §5.4.7): DELETE /oid/iid. Single-instance objects and
// instances bound to hardware (a hook refusing ON_DELETE) cannot be deleted.
import { Registry, LwObject, ON_DELETE } from '../core/registry';
import { DELETED, NOT_ALLOWED, UNAUTHORIZED } from '../core/errors';
import { allowed, aclDeleted, A_DEL } from '../core/acl';
import { defMi } from '../core/types';
import { Req, Res, res, target } from './common';

/** Remove instance iid (no access check); returns 0 or the refusal code. */
export function removeInst(reg: Registry, o: LwObject, iid: number): number {
  var c = !defMi(o.def) ? NOT_ALLOWED : o.hook ? (o.hook(ON_DELETE, iid, -1) as number) || 0 : 0;
  if (c) return c;
  delete o.i[iid];
  aclDeleted(reg, o.id, iid);
  reg.changed(o.id, iid, -1);
  return 0;
}

export function del(reg: Registry, req: Req): Res {
  var path = req.path;
  if (path.length !== 2) return res(NOT_ALLOWED);
  var o = target(reg, path);
  if (typeof o === 'number') return res(o);
  if (!allowed(reg, req.srv, o.id, path[1], A_DEL)) return res(UNAUTHORIZED);
  return res(removeInst(reg, o, path[1]) || DELETED);
}
