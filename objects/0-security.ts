// Security (object 0, v1.1): server URIs and credentials. Only the Bootstrap
// server and the client itself touch it (access rules in core/acl.ts).
import { LwObject } from './core/registry';
import { SECURITY } from './core/defs';
import { BAD_REQUEST } from './core/errors';
import { Value } from './core/types';

export function security(): LwObject {
  var o = new LwObject(SECURITY);
  o.ck = function (iid: number, rid: number, v: Value): number {
    // Security Mode 0..4 (PSK, RPK, Certificate, NoSec, Certificate with EST); Short Server ID 1..65534.
    return (rid === 2 && ((v as number) < 0 || (v as number) > 4)) || (rid === 10 && ((v as number) < 1 || (v as number) > 65534)) ? BAD_REQUEST : 0;
  };
  // The Bootstrap-Server Account survives Bootstrap-Delete (LwM2M 1.1 §5.2.7.5).
  o.rm = function (iid: number): number {
    return o.i[iid][1] === true ? BAD_REQUEST : 0;
  };
  return o;
}
