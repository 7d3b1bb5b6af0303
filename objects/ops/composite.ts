// Composite operations (LwM2M 1.1 Core §6.3 Device Management: Read-Composite and Write-Composite;
// §6.4 Information Reporting: Observe-Composite; Transport §6.4: FETCH and iPATCH on "/") and the
// records a Send carries (Core §6.4, firmware/lwm2m/send.ts).
// A Read-Composite's request lists paths as SenML records holding names only (Content-Format
// 110 or 112); the answer is SenML in the Accept format, or the request's when none is asked.
// Built by composite() while a request needs it and dropped after (docs/memory.md, "Code
// loaded on demand"): at rest the board holds one function for all of this.
import { Registry, LwObject } from '../core/registry';
import { Rec } from '../core/types';
import { CONTENT, CHANGED, BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, NOT_ACCEPTABLE, UNSUPPORTED_FORMAT } from '../core/errors';
import { allowed, A_READ, A_WRITE } from '../core/acl';
import { codec } from '../formats/index';
import { FORMAT } from '../../transport/coap/constants';
import { Req, Res, res, target, collect, decode, apply, DRY } from './common';

export interface Composite {
  /** Read-Composite (FETCH /, and each notification of an Observe-Composite): the paths in req.ps, else decoded from the payload into it. */
  read: (reg: Registry, req: Req) => Res;
  /** Write-Composite (iPATCH /): SenML records with values, all or nothing across objects. */
  write: (reg: Registry, req: Req) => Res;
  /** The records under `paths` as server `srv` reads them (-1: the client itself, no access control), or a code when no path gave any. */
  recs: (reg: Registry, paths: number[][], srv: number) => Rec[] | number;
}

export function composite(): Composite {
  function senml(cf: number | undefined): boolean {
    return cf === FORMAT.SENML_JSON || cf === FORMAT.SENML_CBOR;
  }
  /** 4.00 for a payload without Content-Format, 4.15 for one that is not SenML. */
  function badFormat(cf: number | undefined): Res {
    return res(cf === undefined || cf < 0 ? BAD_REQUEST : UNSUPPORTED_FORMAT);
  }

  function recs(reg: Registry, paths: number[][], srv: number): Rec[] | number {
    var out: Rec[] = [];
    var ok = 0;
    var code = NOT_FOUND;
    for (var i = 0; i < paths.length; i++) {
      var p = paths[i];
      // the Security object is no server's to read (Core E.1)
      if (srv >= 0 && p[0] === 0) {
        code = UNAUTHORIZED;
        continue;
      }
      var o = target(reg, p);
      if (typeof o === 'number') continue;
      var l = p.length > 1 ? [p[1]] : o.iids();
      var part: Rec[] = [];
      var bad = 0;
      var seen = 0;
      for (var k = 0; k < l.length && !bad; k++) {
        if (srv >= 0 && !allowed(reg, srv, o.def[0], l[k], A_READ)) continue;
        seen++;
        bad = collect(o, l[k], p, part);
      }
      if (!bad && !seen && l.length) bad = UNAUTHORIZED;
      if (bad) {
        if (bad !== NOT_FOUND) code = bad;
        continue;
      }
      ok++;
      for (k = 0; k < part.length; k++) out.push(part[k]);
    }
    return ok ? out : code;
  }

  function read(reg: Registry, req: Req): Res {
    if (!req.ps) {
      if (!senml(req.cf)) return badFormat(req.cf);
      var d = codec(req.cf!)!.dec(req.payload || new Uint8Array(0), [], null as any);
      if (!d || !d.length) return res(BAD_REQUEST);
      var ps: number[][] = [];
      for (var i = 0; i < d.length; i++) ps.push(d[i].p);
      req.ps = ps;
      // no Accept: answer in the request's format (and so does every notification)
      if (req.accept === undefined || req.accept < 0) req.accept = req.cf;
    }
    if (!senml(req.accept)) return res(NOT_ACCEPTABLE);
    var r = recs(reg, req.ps, req.srv);
    if (typeof r === 'number') return res(r);
    return { code: CONTENT, format: req.accept, payload: codec(req.accept!)!.enc([], r)! };
  }

  function write(reg: Registry, req: Req): Res {
    if (!senml(req.cf)) return badFormat(req.cf);
    var l = decode(reg, req, []);
    if (typeof l === 'number' || !l.length) return res(typeof l === 'number' ? l : BAD_REQUEST);
    var objs: LwObject[] = [];
    var groups: Rec[][] = [];
    for (var i = 0; i < l.length; i++) {
      var p = l[i].p;
      if (req.srv >= 0 && p[0] === 0) return res(UNAUTHORIZED);
      var o = target(reg, [p[0], p[1]]);
      if (typeof o === 'number') return res(o);
      if (!allowed(reg, req.srv, o.def[0], p[1], A_WRITE)) return res(UNAUTHORIZED);
      var k = objs.indexOf(o);
      if (k < 0) {
        k = objs.length;
        objs.push(o);
        groups.push([]);
      }
      groups[k].push(l[i]);
    }
    // every object's records checked before any is written: all or nothing (Core §6.3, Write-Composite)
    for (var pass = DRY; pass >= 0; pass -= DRY) {
      for (k = 0; k < objs.length; k++) {
        var c = apply(objs[k], [objs[k].def[0]], groups[k], pass);
        if (c) return res(c);
      }
    }
    return res(CHANGED);
  }

  return { read: read, write: write, recs: recs };
}
