// Access Control (object 2, v1.0): one instance per governed object instance,
// ACL bits per server (riid = Short Server ID, 0 = default), owner. The rules
// that use it are in core/acl.ts.
import { LwObject, ON_CHECK } from './core/registry';
import { objDef } from './core/defs';
import { BAD_REQUEST } from './core/errors';
import { Value } from './core/types';

export function accessControl(): LwObject {
  var o = new LwObject(objDef(2)!);
  o.hook = function (ev: number, iid: number, rid: number, v?: Value, riid?: number): number | undefined {
    if (ev !== ON_CHECK) return undefined;
    var n = v as number;
    return n < 0 || n > 65535 || (rid === 2 && (riid! < 0 || n > 31)) ? BAD_REQUEST : 0;
  };
  return o;
}
