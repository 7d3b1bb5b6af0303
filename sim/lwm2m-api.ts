// The LwM2M server's admin HTTP API, shaped like Leshan's REST API (leshan-demo-server
// ClientServlet / EventServlet / SecurityServlet) so the same test code drives both:
//   GET    /api/clients                                   registrations
//   GET    /api/clients/EP                                one registration
//   GET    /api/clients/EP/3/0?format=TLV&timeout=5       Read
//   GET    /api/clients/EP/3/discover                     Discover (also /api/clients/EP/discover)
//   PUT    /api/clients/EP/3338/0/5850?format=TLV         Write (JSON node body; &replace=false: partial update)
//   PUT    /api/clients/EP/3303/0/5700/attributes?pmin=1  Write-Attributes
//   POST   /api/clients/EP/3/0/4                          Execute (body: arguments, optional)
//   POST   /api/clients/EP/3338[/1]                       Create (JSON instance node body)
//   POST   /api/clients/EP/3303/0/5700/observe            Observe
//   DELETE /api/clients/EP/3303/0/5700/observe            cancel it (passive)
//   DELETE /api/clients/EP/3338/1                         Delete
//   GET|PUT /api/clients/EP/composite?paths=…, POST|DELETE …/composite/observe?paths=…
//                                                          composite operations (lwm2m-composite.ts)
//   GET    /api/event[?ep=EP]                             server-sent events
//   GET|PUT /api/security/clients[/], DELETE /api/security/clients/EP
// Every request carries the API token (Authorization: Bearer, see http-util's apiGate);
// bodies are application/json, Execute's arguments may also be text/plain (Leshan's form).
// Device answers come back as HTTP 200 with Leshan's {status, valid, success, failure,
// content…} plus "code" ("4.04"); bad input is HTTP 400 with {"error": one line};
// no answer in time is 504.
import type { HttpCtx, HttpResult } from './http-util';
import { badRequest, HttpError, jsonBody } from './http-util';
import { parseFormat, parseLwPath, nodeToRecs, pathStr, codeStr, formatName } from './lwm2m-common';
import { utf8Decode } from '../transport/bytes';
import { CF_OPAQUE } from '../objects/formats/index';
import { securityApi, serverSecurityJson } from './bootstrap-server';
import type { Lwm2mServer, OpResult } from './lwm2m-server';
import { compositeApi } from './lwm2m-composite';

/** No answer from the device in time (HTTP 504). */
export class OpTimeout extends Error {
  /** Queue mode: the client slept throughout and the request was never sent (Core §6.5). */
  sleeping?: boolean;
}

const ATTRS: Record<string, 'int' | 'num'> = { pmin: 'int', pmax: 'int', epmin: 'int', epmax: 'int', gt: 'num', lt: 'num', st: 'num' };

/** "pmin=1&pmax=5&gt=20.5" → Uri-Query strings, each checked (Core §5.1.2 attributes). */
export function parseAttributes(raw: string): string[] {
  const out: string[] = [];
  for (const item of raw.split('&').filter((x) => x !== '')) {
    const i = item.indexOf('=');
    const k = decodeURIComponent(i < 0 ? item : item.slice(0, i));
    const v = i < 0 ? null : decodeURIComponent(item.slice(i + 1));
    if (!(k in ATTRS)) badRequest(`unknown attribute '${k}' (one of ${Object.keys(ATTRS).join(', ')})`);
    if (v === null || v === '') {
      out.push(k); // no value: remove the attribute
      continue;
    }
    if (ATTRS[k] === 'int' ? !/^\d{1,10}$/.test(v) : !/^-?\d+(\.\d+)?$/.test(v)) badRequest(`attribute ${k}=${v}: expected ${ATTRS[k] === 'int' ? 'a non-negative integer' : 'a number'}`);
    out.push(`${k}=${v}`);
  }
  if (!out.length) badRequest('no attributes given (e.g. ?pmin=1&pmax=5)');
  return out;
}

function lwPath(parts: string[]): number[] {
  const s = '/' + parts.join('/');
  const p = parseLwPath(s);
  if (!p) badRequest(`invalid LwM2M path '${s}'`);
  return p!;
}

function formatParam(c: HttpCtx): number | undefined {
  const f = c.query.get('format');
  if (f === null || f === '') return undefined;
  const n = parseFormat(f);
  if (n === null) badRequest(`unknown format '${f}' (TEXT, TLV, SENML_JSON, SENML_CBOR, OPAQUE)`);
  return n!;
}

function timeoutParam(c: HttpCtx, dflt: number): number {
  const t = c.query.get('timeout');
  if (t === null) return dflt;
  if (!/^\d{1,4}$/.test(t) || +t < 1 || +t > 3600) badRequest(`timeout '${t}' must be 1..3600 seconds`);
  return +t * 1000;
}

/** Is this request an Execute (`POST /api/clients/EP/OID/IID/RID`), whose body (arguments) may be text/plain? */
export function isExecute(c: HttpCtx): boolean {
  return c.method === 'POST' && c.parts.length === 6 && c.parts[0] === 'api' && c.parts[1] === 'clients' && c.parts[5] !== 'observe';
}

async function device(run: () => Promise<OpResult>): Promise<HttpResult> {
  try {
    return [200, responseJson(await run())];
  } catch (e) {
    if (e instanceof OpTimeout) throw new HttpError(504, e.sleeping ? 'Request timeout: the client is sleeping (queue mode) and did not wake in time; the request was not sent' : 'Request timeout');
    throw e;
  }
}

export async function serverApi(s: Lwm2mServer, c: HttpCtx): Promise<HttpResult> {
  const [api, what, ...rest] = c.parts;
  if (api !== 'api') throw new HttpError(404, `no such resource ${c.path}`);
  if (what === 'event' && c.method === 'GET') return s.events.open(c);
  if (what === 'security' && rest[0] === 'clients') return securityApi(s.security, c, rest.slice(1));
  if (what === 'server' && rest[0] === 'security' && c.method === 'GET') return [200, serverSecurityJson(s.rpkKeys)];
  if (what !== 'clients') throw new HttpError(404, `no such resource ${c.path}`);
  if (rest.length === 0) {
    if (c.method !== 'GET') throw new HttpError(405, `${c.method} not allowed on /api/clients`);
    return [200, s.clients()];
  }
  const [ep, ...p] = rest;
  const reg = s.get(ep);
  if (!reg) badRequest(`no registered client with endpoint '${ep}'`);
  const timeout = timeoutParam(c, s.timeoutMs);
  const last = p[p.length - 1];
  if (p[0] === 'composite') return compositeApi(s, c, ep, p.slice(1), timeout, device);
  switch (c.method) {
    case 'GET': {
      if (p.length === 0) return [200, reg];
      if (last === 'discover') {
        const path = lwPath(p.slice(0, -1));
        // As Leshan: /api/clients/EP/discover (root) is refused.
        if (path.length < 1 || path.length > 3) badRequest('Discover takes /oid, /oid/iid or /oid/iid/rid: /api/clients/EP/OID[/IID[/RID]]/discover');
        return device(() => s.discover(ep, path, timeout));
      }
      const path = lwPath(p);
      return device(() => s.read(ep, path, formatParam(c), timeout));
    }
    case 'PUT': {
      if (last === 'attributes') {
        const path = lwPath(p.slice(0, -1));
        if (!path.length) badRequest('Write-Attributes needs an object, instance or resource path');
        return device(() => s.writeAttributes(ep, path, parseAttributes(c.rawQuery.split('&').filter((x) => !x.startsWith('timeout=')).join('&')), timeout));
      }
      const path = lwPath(p);
      if (path.length < 2) badRequest(`Write needs /oid/iid[/rid[/riid]], got ${pathStr(path)}`);
      const replace = c.query.get('replace');
      if (replace !== null && replace !== 'true' && replace !== 'false') badRequest(`replace '${replace}' must be true or false`);
      let recs;
      try {
        recs = nodeToRecs(path, jsonBody(c));
      } catch (e) {
        if (e instanceof HttpError) throw e;
        return badRequest((e as Error).message);
      }
      const format = formatParam(c);
      return device(() => s.write(ep, path, recs, { format, replace: replace !== 'false', timeoutMs: timeout }));
    }
    case 'POST': {
      if (last === 'observe') {
        const path = lwPath(p.slice(0, -1));
        if (!path.length) badRequest('Observe needs an object, instance or resource path');
        return device(() => s.observe(ep, path, formatParam(c), undefined, timeout));
      }
      const path = lwPath(p);
      if (path.length === 3) return device(() => s.execute(ep, path, c.body || undefined, timeout));
      if (path.length === 1 || path.length === 2) {
        let recs;
        try {
          const body = jsonBody(c) as Record<string, unknown>;
          if (!body || body.kind !== 'instance') throw new Error('payload must contain an object instance ({"kind":"instance",…})');
          // Create on /oid with an instance id in the body addresses /oid/iid (Core §5.4.6: the id goes in the payload).
          const iid = path.length === 2 ? path[1] : typeof body.id === 'number' ? body.id : -1;
          recs = nodeToRecs(iid >= 0 ? [path[0], iid] : [path[0]], body);
        } catch (e) {
          if (e instanceof HttpError) throw e;
          return badRequest((e as Error).message);
        }
        const format = formatParam(c);
        return device(() => s.create(ep, path[0], recs, { format, timeoutMs: timeout }));
      }
      return badRequest(`POST needs /oid (create), /oid/iid (create) or /oid/iid/rid (execute), got ${pathStr(path)}`);
    }
    case 'DELETE': {
      if (last === 'observe') {
        const path = lwPath(p.slice(0, -1));
        if (!s.cancelObserve(ep, path)) throw new HttpError(404, `no observation for path ${pathStr(path)} of '${ep}'`);
        return [200, {}];
      }
      const path = lwPath(p);
      if (path.length !== 2) badRequest(`Delete needs /oid/iid, got ${pathStr(path)}`);
      return device(() => s.delete(ep, path, timeout));
    }
  }
  throw new HttpError(405, `${c.method} not allowed`);
}

/** Leshan's JSON for a response (JacksonResponseSerializer), plus the CoAP code. */
export function responseJson(r: OpResult): Record<string, unknown> {
  const out: Record<string, unknown> = { status: r.status, code: codeStr(r.code), valid: !r.error, success: r.success && !r.error, failure: !r.success || !!r.error };
  if (r.content !== undefined) out.content = r.content;
  if (r.objectLinks) out.objectLinks = r.objectLinks;
  if (r.location) out.location = r.location;
  if (r.format >= 0 && r.content === undefined && !r.objectLinks && r.payload.length) {
    out.format = formatName(r.format);
    const text = utf8Decode(r.payload);
    if (text !== null && r.format !== CF_OPAQUE) out.payload = text;
  }
  if (r.error) out.errormessage = r.error;
  else if (!r.success && r.payload.length) {
    const t = utf8Decode(r.payload);
    if (t) out.errormessage = t;
  }
  return out;
}
