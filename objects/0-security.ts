// Security (object 0, v1.1): server URIs and credentials. Only the Bootstrap
// server and the client itself touch it (access rules in core/acl.ts).
import { LwObject, ON_CHECK, ON_CREATED, ON_DELETE, ON_READ, ON_WRITTEN } from './core/registry';
import { objDef } from './core/defs';
import { BAD_REQUEST } from './core/errors';
import { Value } from './core/types';

/** Security's resource IDs (LwM2M 1.1 Core, Appendix E.1), those the client reads. */
export const enum SecurityRes {
  ServerUri = 0,
  BootstrapServer = 1,
  Mode = 2,
  PublicKeyOrId = 3,
  ServerPublicKey = 4,
  SecretKey = 5,
  ShortServerId = 10,
  ClientHoldOff = 11,
  BootstrapTimeout = 12,
}

// Every object's hook is a top-level function called as o.hook(…) (`this` is the object),
// not a closure made by its factory: createObjectModel's factories are written into it by the
// build, and a closure there costs three variables more than a top-level function plus the
// factory's scope it keeps alive (docs/memory.md, rule 4).
function hook(this: LwObject, ev: number, iid: number, rid: number, v?: Value): Value | undefined {
  // Security Mode 0..4 (PSK, RPK, Certificate, NoSec, Certificate with EST); Short Server ID 1..65534.
  if (ev === ON_CHECK) return (rid === SecurityRes.Mode && ((v as number) < 0 || (v as number) > 4)) || (rid === SecurityRes.ShortServerId && ((v as number) < 1 || (v as number) > 65534)) ? BAD_REQUEST : 0;
  // The Bootstrap-Server Account survives Bootstrap-Delete (LwM2M 1.1 §5.2.7.5).
  if (ev === ON_DELETE) return this.i[iid][SecurityRes.BootstrapServer] === true ? BAD_REQUEST : 0;
  // An empty key (the Server Public Key of a PSK account, say) is not stored: an empty Uint8Array
  // holds three Espruino variables. Read, it is empty; the client's readers take absent for empty.
  // (the other resources return at once: a Bootstrap-Write calls this for each it writes)
  if (ev !== ON_CREATED && (rid < SecurityRes.PublicKeyOrId || rid > SecurityRes.SecretKey)) return undefined;
  var x = this.i[iid];
  if (ev === ON_READ) return x && x[rid] === undefined ? new Uint8Array(0) : undefined;
  if (x && (ev === ON_CREATED || ev === ON_WRITTEN)) {
    for (var r = SecurityRes.PublicKeyOrId; r <= SecurityRes.SecretKey; r++) if (x[r] instanceof Uint8Array && !(x[r] as Uint8Array).length) delete x[r];
  }
  return undefined;
}

export function security(): LwObject {
  var o = new LwObject(objDef(0)!);
  o.hook = hook;
  return o;
}
