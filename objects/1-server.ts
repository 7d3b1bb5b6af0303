// Server (object 1, v1.1). Registration Update Trigger, Disable and
// Bootstrap-Request Trigger, and writes of Lifetime or Binding, become registry
// events the client state machine subscribes to (reg.onEvent).
import { LwObject, ON_CREATED, ON_CHECK, ON_WRITTEN, ON_EXECUTE } from './core/registry';
import { objDef } from './core/defs';
import { BAD_REQUEST, CHANGED, NOT_ALLOWED } from './core/errors';
import { Value } from './core/types';

// A top-level function called as o.hook(…), not a closure (0-security.ts says why).
function hook(this: LwObject, ev: number, iid: number, rid: number, v?: Value): number | undefined {
  var x = this.i[iid];
  if (ev === ON_CREATED) {
    if (x[1] === undefined) x[1] = 86400;
    if (x[6] === undefined) x[6] = true;
    if (x[7] === undefined) x[7] = 'U';
  } else if (ev === ON_CHECK) {
    if (rid === 7) {
      // Binding letters of LwM2M 1.1 §6.2.1.1: U, M, H, T, S, N, Q.
      var s = v as string;
      for (var i = 0; i < s.length; i++) if ('UMHTSNQ'.indexOf(s.charAt(i)) < 0) return BAD_REQUEST;
      return s.length ? 0 : BAD_REQUEST;
    }
    if (rid === 0) return (v as number) < 1 || (v as number) > 65534 ? BAD_REQUEST : 0;
    return typeof v === 'number' && v < 0 ? BAD_REQUEST : 0;
  } else if (ev === ON_WRITTEN) {
    if (rid === 1 || rid === 7) this.reg!.emit('update', x[0] as number, iid);
  } else if (ev === ON_EXECUTE) {
    var name = rid === 8 ? 'update' : rid === 4 ? 'disable' : rid === 9 ? 'bootstrap' : '';
    if (!name) return NOT_ALLOWED;
    this.reg!.emit(name, x[0] as number, iid);
    return CHANGED;
  }
  return undefined;
}

export function server(): LwObject {
  var o = new LwObject(objDef(1)!);
  o.hook = hook;
  return o;
}
