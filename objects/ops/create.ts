// Create (LwM2M 1.1 Core §5.4.6): POST /oid with the new instance's resources.
// The instance id comes from the payload (TLV Object Instance, SenML name) or is
// the lowest free one; an existing id is 4.00.
import { Registry } from '../core/registry';
import { CREATED, BAD_REQUEST, NOT_ALLOWED, UNAUTHORIZED } from '../core/errors';
import { allowed, aclCreated, A_CREATE } from '../core/acl';
import { defMi } from '../core/types';
import { Req, Res, res, target, decode, apply, CREATE, DRY } from './common';

export function create(reg: Registry, req: Req): Res {
  var path = req.path;
  if (path.length !== 1) return res(NOT_ALLOWED);
  var o = target(reg, path);
  if (typeof o === 'number') return res(o);
  if (!allowed(reg, req.srv, o.def[0], 65535, A_CREATE)) return res(UNAUTHORIZED);
  if ((!defMi(o.def) && o.iids().length) || o.iids().length >= o.max!) return res(BAD_REQUEST);
  var recs = req.payload && req.payload.length ? decode(reg, req, path) : [];
  if (typeof recs === 'number') return res(recs);
  var iid = recs.length ? recs[0].p[1] : -1;
  for (var k = 0; k < recs.length; k++) if (recs[k].p[1] !== iid) return res(BAD_REQUEST);
  if (iid < 0) while (o.has(++iid));
  if (o.has(iid) || iid > 65534) return res(BAD_REQUEST);
  for (k = 0; k < recs.length; k++) recs[k].p[1] = iid;
  // Validate first: nothing is created unless all values are good.
  var c = apply(o, [o.def[0], iid], recs, CREATE | DRY);
  if (c) return res(c);
  o.add(iid);
  apply(o, [o.def[0], iid], recs, CREATE);
  aclCreated(reg, req.srv, o.def[0], iid);
  reg.changed(o.def[0], iid, -1);
  return { code: CREATED, path: [o.def[0], iid] };
}
