// Access Control (LwM2M 1.1 Core §7.3.3 and object 2): which server may do
// what to which object instance. ACL bits per §E.3 (object 2, resource 2).
import { Registry, Inst } from './registry';
import { Multi } from './types';

export var A_READ = 1; // Read, Observe, Write-Attributes (Discover needs no right, §7.3.2)
export var A_WRITE = 2;
export var A_EXEC = 4;
export var A_DEL = 8;
export var A_CREATE = 16; // checked on the ACL instance (oid, 65535)

/** The Access Control instance governing (oid, iid), or null. */
export function aclInst(reg: Registry, oid: number, iid: number): Inst | null {
  var ac = reg.obj(2);
  if (!ac) return null;
  var l = ac.iids();
  for (var k = 0; k < l.length; k++) {
    var x = ac.i[l[k]];
    if (x[0] === oid && x[1] === iid) return x;
  }
  return null;
}

/**
 * May server `ssid` perform the operation `bit` on (oid, iid)?
 * - The Security object is never accessible to an LwM2M server (§7.1, E.1).
 * - With a single LwM2M server account it has full access (§7.3.3).
 * - Otherwise the instance's ACL: the server's own ACL resource instance
 *   (riid = its Short Server ID); else full access if it is the Access Control
 *   Owner; else the default ACL (riid 0); else no access.
 * - Create (iid 65535): only the server's own entry in the object's ACL instance
 *   (oid, 65535) grants it — not the default entry, nor ownership (§7.3.2, E.3).
 * - Access Control instances themselves: readable by every server, writable by their
 *   owner only; an object's one (iid 65535, owner 65535) by no server: only the
 *   Bootstrap-Server creates or updates it (§7.3.3).
 */
export function allowed(reg: Registry, ssid: number, oid: number, iid: number, bit: number): boolean {
  if (oid === 0) return false;
  if (reg.servers().length < 2 || !reg.obj(2)) return true;
  if (oid === 2) {
    if (bit === A_READ) return true;
    if (bit !== A_WRITE) return false;
    var me = reg.obj(2)!.i[iid];
    return !!me && me[3] === ssid && me[1] !== 65535;
  }
  var x = aclInst(reg, oid, iid);
  if (!x) return false;
  var acl = (x[2] || {}) as Multi;
  var r = acl[ssid];
  if (typeof r !== 'number' && iid !== 65535) {
    if (x[3] === ssid) return true;
    r = acl[0];
  }
  return typeof r === 'number' && (r & bit) > 0;
}

/** After a server created (oid, iid) in a multi-server setup: an ACL instance owned by it (§7.3.3). */
export function aclCreated(reg: Registry, ssid: number, oid: number, iid: number): void {
  var ac = reg.obj(2);
  if (!ac || reg.servers().length < 2 || aclInst(reg, oid, iid)) return;
  var n = 0;
  while (ac.has(n)) n++;
  ac.add(n, { 0: oid, 1: iid, 2: {}, 3: ssid });
}

/** After (oid, iid) was deleted: drop its ACL instance. */
export function aclDeleted(reg: Registry, oid: number, iid: number): void {
  var ac = reg.obj(2);
  if (!ac) return;
  var l = ac.iids();
  for (var k = 0; k < l.length; k++) {
    var x = ac.i[l[k]];
    if (x[0] === oid && x[1] === iid) delete ac.i[l[k]];
  }
}
