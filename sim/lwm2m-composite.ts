// The server's side of the LwM2M 1.1 composite operations and of Send (Core §6.3 Read-Composite,
// Write-Composite, §6.4 Observe-Composite, Send; Transport §6.4): the SenML payloads
// (paths-only lists for FETCH, records for iPATCH), the JSON nodes a REST client sees (Leshan's
// shape for composite answers: a map "/oid/iid/rid" → node), and the admin API's routes
//   GET    /api/clients/EP/composite?paths=/3/0/0,/3/0/1&format=SENML_CBOR   Read-Composite
//   PUT    /api/clients/EP/composite?format=SENML_JSON   {"/3338/0/5850": {"value": true}, …}   Write-Composite
//   POST   /api/clients/EP/composite/observe?paths=…     Observe-Composite
//   DELETE /api/clients/EP/composite/observe?paths=…     cancel it (passive)
// (`pathformat`/`nodeformat`, Leshan's later parameter names, are taken as `format`).
import type { Rec } from '../objects/core/types';
import { CF_SENML_CBOR, CF_SENML_JSON } from '../objects/formats/index';
import { utf8Encode } from '../transport/bytes';
import { parseLwPath, pathStr, recsToNode, nodeToRecs, parseFormat } from './lwm2m-common';
import { badRequest, HttpError, jsonBody, type HttpCtx, type HttpResult } from './http-util';

/** The Content-Formats composite operations and Send travel in. */
export function isSenml(cf: number): boolean {
  return cf === CF_SENML_JSON || cf === CF_SENML_CBOR;
}

/** CBOR head (RFC 8949 §3): major type and argument. */
function cborHead(major: number, n: number): number[] {
  if (n < 24) return [(major << 5) | n];
  if (n < 256) return [(major << 5) | 24, n];
  return [(major << 5) | 25, n >> 8, n & 255];
}

/** A Read-/Observe-Composite request's payload: SenML records holding only names (Core §6.3). */
export function pathsPayload(cf: number, paths: number[][]): Uint8Array {
  if (cf === CF_SENML_JSON) return utf8Encode(JSON.stringify(paths.map((p) => ({ n: pathStr(p) }))));
  const out: number[] = [...cborHead(4, paths.length)];
  for (const p of paths) {
    const s = [...utf8Encode(pathStr(p))];
    out.push(...cborHead(5, 1), 0, ...cborHead(3, s.length), ...s);
  }
  return new Uint8Array(out);
}

/** Records of many objects → Leshan's composite content: "/oid/iid/rid" (or ".../riid") → node. */
export function compositeNodes(recs: Rec[]): Record<string, unknown> {
  const groups = new Map<string, Rec[]>();
  for (const r of recs) {
    const k = pathStr(r.p.slice(0, 3));
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(r);
  }
  const out: Record<string, unknown> = {};
  for (const [k, l] of groups) out[k] = recsToNode(l[0].p.slice(0, 3), l);
  return out;
}

/** "/3/0/0,/3/0/1" → paths; a bad one is an HTTP 400 naming it. */
export function parsePaths(s: string | null): number[][] {
  const list = (s || '').split(',').filter((x) => x !== '');
  if (!list.length) badRequest('paths=/OID[/IID[/RID[/RIID]]],… is required');
  return list.map((x) => {
    const p = parseLwPath(x);
    if (!p || !p.length) badRequest(`invalid LwM2M path '${x}' in paths`);
    return p!;
  });
}

/** A Write-Composite body {"/oid/iid/rid": node or plain value, …} → records. Throws an Error naming what is wrong. */
export function bodyToRecs(body: unknown): Rec[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('body must be a JSON object {"/OID/IID/RID": value or node, …}');
  const out: Rec[] = [];
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    const p = parseLwPath(k);
    if (!p || p.length < 3) throw new Error(`'${k}': Write-Composite takes resource paths /OID/IID/RID[/RIID]`);
    const node = v && typeof v === 'object' && !Array.isArray(v) ? v : { value: v };
    out.push(...nodeToRecs(p, p.length === 4 ? { kind: 'resourceInstance', ...(node as object) } : node));
  }
  if (!out.length) throw new Error('no values to write');
  return out;
}

/** What the composite routes need of the server (Lwm2mServer implements it). */
export interface CompositeServer {
  readComposite(ep: string, paths: number[][], format?: number, timeoutMs?: number): Promise<any>;
  writeComposite(ep: string, recs: Rec[], format?: number, timeoutMs?: number): Promise<any>;
  observeComposite(ep: string, paths: number[][], format?: number, onNotify?: (r: any) => void, timeoutMs?: number): Promise<any>;
  cancelObserveComposite(ep: string, paths: number[][]): boolean;
}

function senmlParam(c: HttpCtx): number | undefined {
  const f = c.query.get('format') || c.query.get('nodeformat') || c.query.get('pathformat');
  if (!f) return undefined;
  const n = parseFormat(f);
  if (n === null || !isSenml(n)) badRequest(`format '${f}' for a composite operation must be SENML_JSON or SENML_CBOR`);
  return n!;
}

/** The admin API's /api/clients/EP/composite[/observe] routes (lwm2m-api.ts hands them here). */
export async function compositeApi(s: CompositeServer, c: HttpCtx, ep: string, rest: string[], timeout: number, device: (run: () => Promise<any>) => Promise<HttpResult>): Promise<HttpResult> {
  const observe = rest.length === 1 && rest[0] === 'observe';
  if (rest.length > 1 || (rest.length === 1 && !observe)) throw new HttpError(404, `no such resource ${c.path}`);
  const format = senmlParam(c);
  if (observe && c.method === 'POST') {
    const paths = parsePaths(c.query.get('paths'));
    return device(() => s.observeComposite(ep, paths, format, undefined, timeout));
  }
  if (observe && c.method === 'DELETE') {
    const paths = parsePaths(c.query.get('paths'));
    if (!s.cancelObserveComposite(ep, paths)) throw new HttpError(404, `no composite observation for ${paths.map(pathStr).join(',')} of '${ep}'`);
    return [200, {}];
  }
  if (!observe && c.method === 'GET') {
    const paths = parsePaths(c.query.get('paths'));
    return device(() => s.readComposite(ep, paths, format, timeout));
  }
  if (!observe && c.method === 'PUT') {
    let recs: Rec[];
    try {
      recs = bodyToRecs(jsonBody(c));
    } catch (e) {
      if (e instanceof HttpError) throw e;
      return badRequest((e as Error).message);
    }
    return device(() => s.writeComposite(ep, recs, format, timeout));
  }
  throw new HttpError(405, `${c.method} not allowed on ${c.path}`);
}
