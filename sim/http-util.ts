// The small HTTP layer under both servers' admin APIs (node:http, loopback only):
// JSON answers, one-line JSON errors, server-sent events, and the gate every request
// passes first (apiGate): a Host naming this server (no DNS rebinding), no foreign Origin
// (no cross-site page), a credential (the admin token, or an account the server knows),
// and JSON bodies only (text/plain only where a handler says so).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, unlinkSync, constants as fsc } from 'node:fs';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writePrivate } from '../tools/private-file.mjs';

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
  /** Who is asking: null for the admin token's holder (the operator), else the account name `basic` accepted. */
  account: string | null;
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
  /** The admin token every request must carry (`Authorization: Bearer TOKEN`). */
  token: string;
  /** The 0600 file the token was written to (null: none), removed again on close. */
  tokenFile: string | null;
  close(): Promise<void>;
}

/** Who may use an admin API, and which bodies it takes. */
export interface ApiAccess {
  /** The admin token (default: `LWM2M_API_TOKEN`, else 32 random bytes, hex). */
  token?: string;
  /** Where to write it, mode 0600 (default: tokenFileFor(port); null: nowhere). */
  tokenFile?: string | null;
  /** Other accounts (`Authorization: Basic`): true when NAME:PASSWORD is one. */
  basic?: (name: string, password: string) => boolean;
  /** Requests whose body may be text/plain (Execute arguments); every other body must be application/json. */
  textBody?: (c: HttpCtx) => boolean;
}

const MAX_BODY = 1 << 20;
/** Tokens shorter than this are refused: 128 bits of guessing. */
const MIN_TOKEN = 16;

/** The directory of the simulator's API token files: $LWM2M_SIM_DIR, else ~/.lwm2m-sim (made 0700). */
export function simDir(): string {
  return process.env.LWM2M_SIM_DIR || join(homedir(), '.lwm2m-sim');
}

/** Where a server whose admin API listens on `port` writes its token by default; the CLI reads it from there. */
export function tokenFileFor(port: number): string {
  return join(simDir(), `api-${port}.token`);
}

const mine = (uid: number) => !process.getuid || uid === process.getuid();

/** Writes the token (0600); the default directory is made 0700 and must be the user's own. */
function writeToken(file: string, token: string): void {
  const dir = dirname(file);
  if (dir === simDir()) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    if (!st.isDirectory() || !mine(st.uid) || (st.mode & 0o022) !== 0) throw new Error(`${dir} must be a directory of yours that nobody else can write to`);
  }
  writePrivate(file, token + '\n');
}

/** The token in a file written by writeToken, or null when there is none; throws when others may read the file. */
export function readTokenFile(file: string): string | null {
  let fd: number;
  try {
    fd = openSync(file, fsc.O_RDONLY | fsc.O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if ((st.mode & 0o077) !== 0 || !mine(st.uid)) throw new Error(`${file} is not yours alone (chmod 600 it): not using it`);
    const t = readFileSync(fd, 'utf8').trim();
    return t || null;
  } finally {
    closeSync(fd);
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time comparison of two secrets (their SHA-256s, so lengths do not leak). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** The Host values that name this server: loopback names, or the address it listens on, with its port. */
function hostsOf(host: string, port: number): Set<string> {
  const names = ['127.0.0.1', 'localhost', '[::1]'];
  if (!['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost'].includes(host)) names.push(host.includes(':') ? `[${host}]` : host);
  return new Set(names.map((h) => `${h}:${port}`.toLowerCase()));
}

/**
 * The gate every admin request passes before its handler: HttpError 403 for a Host that
 * is not this server (DNS rebinding) or an Origin that is not this server (a web page in
 * the operator's browser), 401 without a valid credential, 415 for a body that is not
 * JSON. Returns the account (null: the admin token).
 */
export function apiGate(c: HttpCtx, hosts: Set<string>, token: string, access: ApiAccess): string | null {
  const h = c.req.headers;
  const host = (h.host || '').toLowerCase();
  if (!hosts.has(host)) throw new HttpError(403, `Host '${host.slice(0, 100)}' is not this server (${[...hosts].join(', ')}): refused (DNS rebinding)`);
  const origin = h.origin;
  if (origin !== undefined && !(origin.toLowerCase().startsWith('http://') && hosts.has(origin.toLowerCase().slice(7))))
    throw new HttpError(403, `cross-origin request from '${origin.slice(0, 100)}' refused`);
  const auth = h.authorization || '';
  let account: string | null | undefined;
  const bearer = /^Bearer +(\S+)$/i.exec(auth);
  if (bearer && sameSecret(bearer[1], token)) account = null;
  const basic = /^Basic +([A-Za-z0-9+/=]+)$/i.exec(auth);
  if (basic && access.basic) {
    const up = Buffer.from(basic[1], 'base64').toString('utf8');
    const i = up.indexOf(':');
    if (i > 0 && access.basic(up.slice(0, i), up.slice(i + 1))) account = up.slice(0, i);
  }
  if (account === undefined) throw new HttpError(401, auth ? 'wrong credentials' : 'missing credentials: send Authorization: Bearer <the API token>');
  if (c.body.length) {
    const type = (h['content-type'] || '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json' && !(type === 'text/plain' && access.textBody && access.textBody(c)))
      throw new HttpError(415, `Content-Type '${type || '(none)'}' refused: send application/json`);
  }
  return account;
}

export async function startHttp(host: string, port: number, handle: (c: HttpCtx) => Promise<HttpResult>, access: ApiAccess = {}): Promise<HttpServer> {
  const token = access.token ?? process.env.LWM2M_API_TOKEN ?? randomBytes(32).toString('hex');
  if (token.length < MIN_TOKEN || /\s/.test(token)) throw new Error(`the API token must be at least ${MIN_TOKEN} characters without spaces`);
  let hosts = new Set<string>();
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
        const c: HttpCtx = {
          method: req.method || 'GET',
          parts,
          path: u.pathname,
          query: u.searchParams,
          rawQuery: u.search.replace(/^\?/, ''),
          body: Buffer.concat(chunks).toString('utf8'),
          req,
          res,
          account: null,
        };
        c.account = apiGate(c, hosts, token, access);
        const r = await handle(c);
        if (r !== 'stream') sendJson(res, r[0], r[1]);
      } catch (e) {
        const status = e instanceof HttpError ? e.status : 500;
        const msg = String((e as Error).message || e).split('\n')[0];
        if (status === 401) res.setHeader('WWW-Authenticate', access.basic ? 'Bearer, Basic realm="lwm2m-sim"' : 'Bearer');
        if (!res.headersSent) sendJson(res, status, { error: msg });
        else res.end();
      }
    });
  });
  srv.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const bound = await new Promise<number>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, host, () => resolve((srv.address() as AddressInfo).port));
  });
  hosts = hostsOf(host, bound);
  const close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      srv.close(() => r());
    });
  const tokenFile = access.tokenFile === undefined ? tokenFileFor(bound) : access.tokenFile;
  if (tokenFile) {
    try {
      writeToken(tokenFile, token);
    } catch (e) {
      await close();
      throw new Error(`cannot write the API token to ${tokenFile}: ${(e as Error).message.split('\n')[0]} (--token-file FILE or LWM2M_SIM_DIR puts it elsewhere)`);
    }
  }
  return {
    port: bound,
    host,
    token,
    tokenFile,
    close: async () => {
      // remove our token file, unless another server has written its own there since
      if (tokenFile) {
        try {
          if (readTokenFile(tokenFile) === token) unlinkSync(tokenFile);
        } catch {
          /* gone or replaced */
        }
      }
      await close();
    },
  };
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

/** A client's credentials for an admin API: an installer's login, else the admin token. */
export interface ApiLogin {
  /** Where the token is (default: LWM2M_API_TOKEN, else tokenFileFor(the URL's port)). */
  tokenFile?: string;
  /** An installer account (the bootstrap server's): name and password. */
  installer?: { name: string; password: string };
}

/**
 * The Authorization header for the admin API at `base` (http://HOST:PORT): Basic for an
 * installer, else Bearer with the token from `tokenFile`, LWM2M_API_TOKEN, or the file
 * the server wrote for its port. `where` says where the token was looked for (for an error).
 */
export function authHeader(base: string, login: ApiLogin = {}): { headers: Record<string, string>; where: string } {
  if (login.installer) {
    const b64 = Buffer.from(`${login.installer.name}:${login.installer.password}`).toString('base64');
    return { headers: { Authorization: `Basic ${b64}` }, where: `installer ${login.installer.name}` };
  }
  const env = process.env.LWM2M_API_TOKEN;
  if (login.tokenFile === undefined && env) return { headers: { Authorization: `Bearer ${env}` }, where: 'LWM2M_API_TOKEN' };
  const u = new URL(base);
  const file = login.tokenFile ?? tokenFileFor(+(u.port || 80));
  const token = readTokenFile(file);
  return { headers: token ? { Authorization: `Bearer ${token}` } : {}, where: token ? file : `${file} (missing: give --token-file FILE or LWM2M_API_TOKEN)` };
}
