// Discover (LwM2M 1.1 Core §5.4.2): link-format listing of an object, instance
// or resource with the attributes set at each level; `dim` for multiple
// resources; at resource level the inherited attributes and the resource instances.
import { Registry, LwObject } from '../core/registry';
import { Multi, ids, resFlags, defVer, M, EX } from '../core/types';
import { CONTENT, NOT_FOUND, UNAUTHORIZED } from '../core/errors';
import { own, effective, attrStr } from '../core/attrs';
import { utf8Encode } from '../../transport/bytes';
import { FORMAT } from '../../transport/coap/constants';
import { Req, Res, res, target } from './common';

/** `;ver=1.1` unless the object is version 1.0 (LwM2M 1.1 §6.2.1). */
export function verStr(o: LwObject): string {
  var v = defVer(o.def);
  return v !== '1.0' ? ';ver=' + v : '';
}

/** Links of the resources of instance iid (ssid < 0: no attributes, as in Bootstrap-Discover). */
function resLinks(o: LwObject, iid: number, ssid: number, only: number): string {
  var s = '';
  var r = o.def;
  for (var i = 3; i < r.length; i += 2) {
    if (only >= 0 && r[i] !== only) continue;
    var v = o.get(iid, r[i]);
    if (v === undefined && !(r[i + 1] & EX)) continue;
    var p = [o.def[0], iid, r[i]];
    s += ',</' + p.join('/') + '>';
    if (r[i + 1] & M) s += ';dim=' + ids(v as Multi).length;
    s += attrStr(only >= 0 ? effective(o.reg!, ssid, p) : own(o.reg!, ssid, p));
    if (only >= 0 && r[i + 1] & M) {
      var l = ids(v as Multi);
      for (var k = 0; k < l.length; k++) s += ',</' + p.join('/') + '/' + l[k] + '>' + attrStr(own(o.reg!, ssid, p.concat([l[k]])));
    }
  }
  return s;
}

export function discover(reg: Registry, req: Req): Res {
  var path = req.path;
  var o = target(reg, path);
  if (typeof o === 'number' || !path.length || path.length > 3) return res(typeof o === 'number' ? o : NOT_FOUND);
  // Discover needs no Access Control right ("the LwM2M Client MUST perform the operation",
  // Core §7.3.2); the Security object is never a server's (E.1).
  if (o.def[0] === 0) return res(UNAUTHORIZED);
  var ssid = req.srv;
  if (path.length > 2 && o.get(path[1], path[2]) === undefined && !(resFlags(o.def, path[2]) & EX)) return res(NOT_FOUND);
  var s = '';
  var l = path.length > 1 ? [path[1]] : o.iids();
  if (path.length === 1) s = ',</' + o.def[0] + '>' + verStr(o) + attrStr(own(reg, ssid, path));
  for (var k = 0; k < l.length; k++) {
    if (path.length < 3) s += ',</' + o.def[0] + '/' + l[k] + '>' + attrStr(own(reg, ssid, [o.def[0], l[k]]));
    s += resLinks(o, l[k], ssid, path.length > 2 ? path[2] : -1);
  }
  return { code: CONTENT, format: FORMAT.LINK, payload: utf8Encode(s.substring(1)) };
}
