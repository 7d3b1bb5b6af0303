// Access Control (object 2, v1.0): one instance per governed object instance,
// ACL bits per server (riid = Short Server ID, 0 = default), owner. The rules
// that use it are in core/acl.ts.
import { LwObject, ON_CHECK } from './core/registry';
import { objDef } from './core/defs';
import { BAD_REQUEST } from './core/errors';
import { Value } from './core/types';

// A top-level function called as o.hook(…), not a closure (0-security.ts says why).
function hook(this: LwObject, ev: number, iid: number, rid: number, v?: Value, riid?: number): number | undefined {
  if (ev !== ON_CHECK) return undefined;
  var n = v as number;
  return n < 0 || n > 65535 || (rid === 2 && (riid! < 0 || n > 31)) ? BAD_REQUEST : 0;
}

export function accessControl(): LwObject {
  var o = new LwObject(objDef(2)!);
  o.hook = hook;
  return o;
}
