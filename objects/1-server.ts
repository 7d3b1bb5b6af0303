// Server (object 1, v1.1). Registration Update Trigger, Disable and
// Bootstrap-Request Trigger, and writes of Lifetime or Binding, become registry
// events the client state machine subscribes to (reg.onEvent).
import { LwObject, ON_CREATED, ON_CHECK, ON_WRITTEN, ON_EXECUTE } from './core/registry';
import { objDef } from './core/defs';
import { BAD_REQUEST, CHANGED, NOT_ALLOWED } from './core/errors';
import { Value } from './core/types';

/** Server's resource IDs (LwM2M 1.1 Core, Appendix E.2), those the client uses. */
export const enum ServerRes {
  ShortServerId = 0,
  Lifetime = 1,
  Disable = 4,
  DisableTimeout = 5,
  NotificationStoring = 6,
  Binding = 7,
  UpdateTrigger = 8,
  BootstrapTrigger = 9,
  BootstrapOnFailure = 16,
}

// A top-level function called as o.hook(…), not a closure (0-security.ts says why).
function hook(this: LwObject, ev: number, iid: number, rid: number, v?: Value): number | undefined {
  var x = this.i[iid];
  if (ev === ON_CREATED) {
    if (x[ServerRes.Lifetime] === undefined) x[ServerRes.Lifetime] = 86400;
    if (x[ServerRes.NotificationStoring] === undefined) x[ServerRes.NotificationStoring] = true;
    if (x[ServerRes.Binding] === undefined) x[ServerRes.Binding] = 'U';
  } else if (ev === ON_CHECK) {
    if (rid === ServerRes.Binding) {
      // Binding letters of LwM2M 1.1 §6.2.1.1: U, M, H, T, S, N, Q.
      var s = v as string;
      for (var i = 0; i < s.length; i++) if ('UMHTSNQ'.indexOf(s.charAt(i)) < 0) return BAD_REQUEST;
      return s.length ? 0 : BAD_REQUEST;
    }
    if (rid === ServerRes.ShortServerId) return (v as number) < 1 || (v as number) > 65534 ? BAD_REQUEST : 0;
    return typeof v === 'number' && v < 0 ? BAD_REQUEST : 0;
  } else if (ev === ON_WRITTEN || ev === ON_EXECUTE) {
    // the registry's listener (the client) hears the event: a lifetime or binding written, or an Execute
    var name = ev === ON_WRITTEN ? (rid === ServerRes.Lifetime || rid === ServerRes.Binding ? 'update' : '') :
      rid === ServerRes.UpdateTrigger ? 'update' : rid === ServerRes.Disable ? 'disable' : rid === ServerRes.BootstrapTrigger ? 'bootstrap' : '';
    if (!name) return ev === ON_EXECUTE ? NOT_ALLOWED : undefined;
    var ls = this.reg!.ls;
    if (ls) ls.objectEvent(name, x[ServerRes.ShortServerId] as number, iid);
    return ev === ON_EXECUTE ? CHANGED : undefined;
  }
  return undefined;
}

export function server(): LwObject {
  var o = new LwObject(objDef(1)!);
  o.hook = hook;
  return o;
}
