// The small HTTP layer under both servers' admin APIs (node:http, loopback only):
// JSON answers, one-line JSON errors, server-sent events.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** 400 with a one-line message. */
export function badRequest(msg: string): never {
  throw new HttpError(400, msg);
}

export interface HttpCtx {
  method: string;
  /** Path segments after the prefix, URI-decoded. */
  parts: string[];
  path: string;
  query: URLSearchParams;
  rawQuery: string;
  body: string;
  req: http.IncomingMessage;
  res: http.ServerResponse;
}

/** What a handler returns: JSON [status, body], or 'stream' when it took over the response (SSE). */
export type HttpResult = [number, unknown] | 'stream';

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  if (status === 204) {
    res.writeHead(204);
    res.end();
    return;
  }
  const s = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(s) });
  res.end(s);
}

export interface HttpServer {
  port: number;
  host: string;
  close(): Promise<void>;
}

const MAX_BODY = 1 << 20;

export function startHttp(host: string, port: number, handle: (c: HttpCtx) => Promise<HttpResult>): Promise<HttpServer> {
  const sockets = new Set<import('node:net').Socket>();
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', async () => {
      try {
        if (size > MAX_BODY) throw new HttpError(413, `body larger than ${MAX_BODY} bytes`);
        const u = new URL(req.url || '/', 'http://x');
        let parts: string[];
        try {
          parts = u.pathname.split('/').filter((x) => x !== '').map(decodeURIComponent);
        } catch {
          throw new HttpError(400, 'bad URI encoding in path');
        }
        const r = await handle({
          method: req.method || 'GET',
          parts,
          path: u.pathname,
          query: u.searchParams,
          rawQuery: u.search.replace(/^\?/, ''),
          body: Buffer.concat(chunks).toString('utf8'),
          req,
          res,
        });
        if (r !== 'stream') sendJson(res, r[0], r[1]);
      } catch (e) {
        const status = e instanceof HttpError ? e.status : 500;
        const msg = String((e as Error).message || e).split('\n')[0];
        if (!res.headersSent) sendJson(res, status, { error: msg });
        else res.end();
      }
    });
  });
  srv.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, host, () => {
      const a = srv.address() as AddressInfo;
      resolve({
        port: a.port,
        host,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            srv.close(() => r());
          }),
      });
    });
  });
}

/** Parse a JSON body or answer 400 naming the problem. */
export function jsonBody(c: HttpCtx): unknown {
  if (!c.body.trim()) badRequest('missing JSON body');
  try {
    return JSON.parse(c.body);
  } catch (e) {
    return badRequest(`body is not JSON: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** Server-sent events (text/event-stream), each listener optionally filtered by endpoint name. */
export class EventHub {
  private clients = new Set<{ ep: string | null; res: http.ServerResponse }>();
  open(c: HttpCtx): 'stream' {
    // Leshan's event servlet answers 405 unless the client accepts text/event-stream (FINDINGS §3).
    if (!/text\/event-stream/.test(c.req.headers.accept || '')) throw new HttpError(405, 'event stream: send Accept: text/event-stream');
    const ep = c.query.get('ep');
    c.res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    c.res.write(': connected\n\n');
    const entry = { ep, res: c.res };
    this.clients.add(entry);
    c.res.on('close', () => this.clients.delete(entry));
    return 'stream';
  }
  send(event: string, data: unknown, ep: string): void {
    const line = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of this.clients) if (c.ep === null || c.ep === ep) c.res.write(line);
  }
  close(): void {
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }
}

/** Parse "ID:HEXKEY" (the CLI's and the API's PSK notation) or throw naming the problem. */
export function parsePsk(s: string): { identity: string; key: Uint8Array } {
  const i = s.lastIndexOf(':');
  if (i <= 0) throw new Error(`PSK '${s}' must be IDENTITY:HEXKEY`);
  const hex = s.slice(i + 1);
  if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw new Error(`PSK key '${hex}' is not hex bytes`);
  return { identity: s.slice(0, i), key: new Uint8Array(Buffer.from(hex, 'hex')) };
}
