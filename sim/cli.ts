// The simulator's command line. Every bad argument gets one line naming it (exit 2).
//   tsx sim/cli.ts scenario [--once] [--security psk|nosec|rpk [--server-security psk|rpk]] [--format tlv|senml-cbor] [--bundle dist/firmware.js]
//   tsx sim/cli.ts device --endpoint EP --bootstrap coap[s]://HOST:PORT [--psk ID:HEX] [--storage DIR]
//   tsx sim/cli.ts bootstrap-server [--host H] [--port N|off] [--dtls-port N|off] [--http-port N|off]
//        [--psk ID:HEX] [--config FILE] [--endpoint EP --server-uri URI [--server-psk ID:HEX]
//        [--ssid N] [--lifetime S] [--binding B] [--format tlv|senml-cbor|senml-json] [--bs-psk ID:HEX]]…
//   tsx sim/cli.ts lwm2m-server [--host H] [--port N|off] [--dtls-port N|off] [--http-port N|off] [--psk [EP=]ID:HEX]…
//   tsx sim/cli.ts clients | read EP PATH | write EP PATH VALUE | exec EP PATH [ARGS] | discover EP PATH
//        | create EP /OID[/IID] RID=VALUE… | delete EP /OID/IID | observe EP PATH | cancel EP PATH
//        | attrs EP PATH pmin=1 pmax=5 …     [--api URL] [--timeout S] [--format F] [--type T]
// Commands live in one table (COMMANDS): adding one is adding an entry.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { runScenario } from './scenario';
import { startDevice, DEFAULT_BUNDLE, rpkBundleFor } from './device';
import { FileStorage, MemoryStorage } from './node-ports';
import { toHex } from '../transport/bytes';
import { BootstrapServer, configFromJson, simpleConfig, type BsConfig, type BsEvent } from './bootstrap-server';
import { Lwm2mServer, type ServerEvent } from './lwm2m-server';
import { SecurityStore, parseFormat, parseLwPath, typeOf, typeName, formatName, logSafe, endpointError } from './lwm2m-common';
import { parsePsk, authHeader, type ApiLogin } from './http-util';
import { parseAttributes } from './lwm2m-api';
import { generateRpk, loadOrCreateRpk, parseLabel, spkiCurve, spkiFromHex, RPK_CURVES, type RpkCurve, type RpkKeyPair } from './rpk-keys';
import { DEFAULT_ENROL_MS, installerError } from './bootstrap-server';
import { buildIfStale } from '../tools/build-first.mjs';

export class UsageError extends Error {}

function fail(msg: string): never {
  throw new UsageError(msg);
}

/** Flags and positionals; each command says which flags it takes and which repeat. */
interface Args {
  pos: string[];
  flags: Record<string, string[]>;
}

function parse(argv: string[], valued: string[], bare: string[]): Args {
  const a: Args = { pos: [], flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x.startsWith('--')) {
      const eq = x.indexOf('=');
      const name = eq > 0 ? x.slice(2, eq) : x.slice(2);
      if (bare.includes(name)) {
        if (eq > 0) fail(`option --${name} takes no value`);
        (a.flags[name] ||= []).push('');
      } else if (valued.includes(name)) {
        const v = eq > 0 ? x.slice(eq + 1) : argv[++i];
        if (v === undefined || (eq < 0 && v.startsWith('--'))) fail(`option --${name} needs a value`);
        (a.flags[name] ||= []).push(v);
      } else fail(`unknown option '${x}'`);
    } else a.pos.push(x);
  }
  return a;
}

function one(a: Args, name: string): string | undefined {
  const v = a.flags[name];
  if (v && v.length > 1) fail(`option --${name} given more than once`);
  return v ? v[0] : undefined;
}

function portFlag(a: Args, name: string, dflt: number): number {
  const v = one(a, name);
  if (v === undefined) return dflt;
  if (v === 'off') return -1;
  if (!/^\d{1,5}$/.test(v) || +v > 65535) fail(`--${name} '${v}' must be 0..65535 or off`);
  return +v;
}

function intFlag(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,10}$/.test(v) || +v < min || +v > max) fail(`--${name} '${v}' must be an integer ${min}..${max}`);
  return +v;
}

function hostFlag(a: Args): string {
  const h = one(a, 'host') ?? '127.0.0.1';
  if (!/^[0-9a-fA-F.:]+$|^localhost$/.test(h)) fail(`--host '${h}' must be an IP address`);
  return h;
}

/**
 * The board's network layer (Espruino's, ESP32 included) has no IPv6: a URI with an IPv6
 * literal is refused here as the device's own URI parser refuses it (firmware/lwm2m/uri.ts).
 */
function ipv4Only(uri: string, name: string): void {
  if (/^coaps?:\/\/\[/.test(uri)) fail(`--${name} '${uri}': IPv6 addresses are not supported (Espruino's network is IPv4 only); use an IPv4 address or a host name`);
}

function pskFlag(v: string, name: string): { identity: string; key: Uint8Array } {
  try {
    return parsePsk(v);
  } catch (e) {
    return fail(`--${name}: ${(e as Error).message}`);
  }
}

function pathArg(s: string | undefined, what: string): number[] {
  if (s === undefined) fail(`missing ${what}`);
  const p = parseLwPath(s!);
  if (!p) fail(`${what} '${s}' is not an LwM2M path like /3/0/1`);
  return p!;
}

function ts(): string {
  return new Date().toISOString().slice(11, 23);
}

function waitForSignal(stop: () => Promise<void>): void {
  const end = () => {
    stop().then(() => process.exit(0));
  };
  process.once('SIGINT', end);
  process.once('SIGTERM', end);
}

// -- servers -------------------------------------------------------------------------

function bsEventLine(e: BsEvent): string {
  const who = e.ep ? `[${e.ep}] ` : '';
  switch (e.type) {
    case 'request': return `${who}Bootstrap-Request from ${e.peer!.address}:${e.peer!.port} (${e.secure ? 'DTLS' : 'NoSec'}) → 2.04, writes in ${e.format}`;
    case 'rejected': return `${who}Bootstrap-Request rejected (4.00): ${e.reason}`;
    case 'delete': return `${who}Bootstrap-Delete ${e.path} → ${e.code}`;
    case 'write': return `${who}Bootstrap-Write ${e.path} (${e.format}, ${e.bytes} bytes) → ${e.code}`;
    case 'finish': return `${who}Bootstrap-Finish → ${e.code}`;
    case 'done': return `${who}bootstrap done`;
    case 'failed': return `${who}bootstrap failed: ${e.reason}`;
    default: return `${who}${e.type} ${e.reason || ''}`;
  }
}

async function bootstrapServer(argv: string[]): Promise<void> {
  const a = parse(argv, ['host', 'port', 'dtls-port', 'http-port', 'psk', 'config', 'endpoint', 'server-uri', 'server-psk', 'server-rpk', 'ssid', 'lifetime', 'binding', 'format', 'bs-psk', 'rpk-key', 'curve', 'enrol', 'enrol-window', 'dtls-timeout', 'token-file', 'installer', 'installers'], []);
  if (a.pos.length) fail(`unexpected argument '${a.pos[0]}'`);
  const security = new SecurityStore();
  for (const p of a.flags.psk || []) {
    const k = pskFlag(p, 'psk');
    security.addUnbound(k.identity, k.key);
  }
  const configs: Record<string, BsConfig> = {};
  const cfgFile = one(a, 'config');
  if (cfgFile !== undefined) {
    if (!existsSync(cfgFile)) fail(`--config '${cfgFile}' not found`);
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(readFileSync(cfgFile, 'utf8'));
    } catch (e) {
      return fail(`--config '${cfgFile}' is not JSON: ${(e as Error).message.split('\n')[0]}`);
    }
    for (const ep of Object.keys(j)) {
      try {
        configs[ep] = configFromJson(j[ep]);
      } catch (e) {
        fail(`--config '${cfgFile}', endpoint ${ep}: ${(e as Error).message}`);
      }
    }
  }
  // Per-endpoint groups: --endpoint starts one, the options after it belong to it.
  const eps = a.flags.endpoint || [];
  const per = ['server-uri', 'server-psk', 'server-rpk', 'ssid', 'lifetime', 'binding', 'format', 'bs-psk'];
  if (!eps.length) for (const k of per) if (a.flags[k]) fail(`--${k} needs an --endpoint before it`);
  // Regroup by position in argv.
  const groups: Record<string, string>[] = [];
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    const name = x.startsWith('--') ? x.slice(2).split('=')[0] : '';
    const val = x.includes('=') && x.startsWith('--') ? x.slice(x.indexOf('=') + 1) : argv[i + 1];
    if (name === 'endpoint') groups.push({ endpoint: val });
    else if (per.includes(name)) {
      if (!groups.length) fail(`--${name} needs an --endpoint before it`);
      const g = groups[groups.length - 1];
      if (name in g) fail(`--${name} given twice for endpoint ${g.endpoint}`);
      g[name] = val;
    }
    if (name && !x.includes('=')) i++;
  }
  for (const g of groups) {
    const badEp = endpointError(g.endpoint || '');
    if (badEp) fail(`--endpoint: ${badEp}`);
    if (!g['server-uri']) fail(`endpoint ${g.endpoint}: --server-uri is required`);
    if (!/^coaps?:\/\/[^/]+$/.test(g['server-uri'])) fail(`--server-uri '${g['server-uri']}' must be coap://HOST:PORT or coaps://HOST:PORT`);
    ipv4Only(g['server-uri'], 'server-uri');
    const psk = g['server-psk'] ? pskFlag(g['server-psk'], 'server-psk') : null;
    const srvRpk = g['server-rpk'] ? spkiFlag(g['server-rpk'], 'server-rpk') : null;
    if (psk && srvRpk) fail(`endpoint ${g.endpoint}: --server-psk and --server-rpk are exclusive`);
    if (g['server-uri'].startsWith('coaps:') && !psk && !srvRpk) fail(`endpoint ${g.endpoint}: a coaps:// server needs --server-psk ID:HEX or --server-rpk SPKI-HEX`);
    if (!g['server-uri'].startsWith('coaps:') && (psk || srvRpk)) fail(`endpoint ${g.endpoint}: --server-psk/--server-rpk need a coaps:// --server-uri`);
    let format: number | undefined;
    if (g.format) {
      const f = parseFormat(g.format);
      if (f === null || ![11542, 112, 110].includes(f)) fail(`--format '${g.format}' must be tlv, senml-cbor or senml-json`);
      format = f!;
    }
    const binding = g.binding ?? 'U';
    if (!/^[UMHTSNQ]+$/.test(binding)) fail(`--binding '${binding}' must be letters of UMHTSNQ`);
    configs[g.endpoint] = simpleConfig({
      serverUri: g['server-uri'],
      pskIdentity: psk?.identity,
      pskKey: psk?.key,
      serverPublicKey: srvRpk ?? undefined,
      shortServerId: intFlag(g.ssid, 'ssid', 1, 65534),
      lifetime: intFlag(g.lifetime, 'lifetime', 1, 2 ** 31 - 1),
      binding,
      format,
    });
    if (g['bs-psk']) {
      const k = pskFlag(g['bs-psk'], 'bs-psk');
      try {
        security.add({ endpoint: g.endpoint, identity: k.identity, key: k.key });
      } catch (e) {
        fail(`--bs-psk ${g['bs-psk']}: ${(e as Error).message}`);
      }
    }
  }
  const port = portFlag(a, 'port', 5783);
  const dtlsPort = portFlag(a, 'dtls-port', 5784);
  const httpPort = portFlag(a, 'http-port', 8081);
  if (port < 0 && dtlsPort < 0) fail('both --port and --dtls-port are off: nothing to serve');
  const rpk = rpkKeyFlag(a);
  const windowS = intFlag(one(a, 'enrol-window'), 'enrol-window', 1, 7 * 86400) ?? DEFAULT_ENROL_MS / 1000;
  const labels = (a.flags.enrol || []).map((l) => {
    try {
      return parseLabel(l);
    } catch (e) {
      return fail(`--enrol: ${(e as Error).message}`);
    }
  });
  const installers = installersFlag(a);
  let bs: BootstrapServer;
  try {
    bs = await BootstrapServer.start({ host: hostFlag(a), port, dtlsPort, httpPort, api: apiFlags(a), installers, configs, security, rpk: serverRpk(a, rpk), ...dtlsTimers(a), onEvent: (e) => console.log(`${ts()}  ${logSafe(bsEventLine(e))}`) });
  } catch (e) {
    return fail(`cannot start: ${(e as Error).message}`);
  }
  console.log(`${ts()}  bootstrap server: ${[bs.uri, bs.secureUri].filter(Boolean).join(' ')}${bs.http ? `, admin API http://${bs.http.host}:${bs.http.port}/api/bootstrap` : ''}; endpoints: ${Object.keys(configs).join(', ') || '(none yet)'}`);
  tokenLine(bs.http, Object.keys(installers));
  if (bs.secureUri) console.log(`${ts()}  RPK: server public key (SPKI, a device's rpkServerPub) ${toHex(bs.rpkSpki)}${rpk ? ` from ${rpk.file}${rpk.created ? ' (new)' : ''}` : ' (fresh: --rpk-key FILE keeps one)'}`);
  for (const l of labels) bs.enrol(l, windowS * 1000);
  waitForSignal(() => bs.close());
}

/** --token-file FILE: where the server writes its admin API token (default: ~/.lwm2m-sim/api-PORT.token, see docs/sim.md). */
function apiFlags(a: Args): { tokenFile?: string } {
  const f = one(a, 'token-file');
  return f === undefined ? {} : { tokenFile: f };
}

function tokenLine(h: { tokenFile: string | null } | null, installers: string[] = []): void {
  if (h) console.log(`${ts()}  admin API token in ${h.tokenFile} (the CLI reads it; requests send Authorization: Bearer TOKEN)${installers.length ? `; installers: ${installers.join(', ')}` : ''}`);
}

/** --installer NAME:PASSWORD (repeatable) and --installers FILE (one NAME:PASSWORD a line, # comments): the bootstrap server's installer accounts. */
function installersFlag(a: Args): Record<string, string> {
  const lines = [...(a.flags.installer || []).map((x) => ['--installer', x])];
  const f = one(a, 'installers');
  if (f !== undefined) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      return fail(`--installers '${f}': ${(e as Error).message.split('\n')[0]}`);
    }
    for (const l of text.split('\n').map((x) => x.trim())) if (l && !l.startsWith('#')) lines.push([`--installers ${f}`, l]);
  }
  const out: Record<string, string> = {};
  for (const [where, l] of lines) {
    const i = l.indexOf(':');
    if (i <= 0) fail(`${where}: '${l.slice(0, 40)}' must be NAME:PASSWORD`);
    const why = installerError(l.slice(0, i), l.slice(i + 1));
    if (why) fail(`${where}: ${why}`);
    out[l.slice(0, i)] = l.slice(i + 1);
  }
  return out;
}

function spkiFlag(v: string, name: string): Uint8Array {
  try {
    return spkiFromHex(v, `--${name}`);
  } catch (e) {
    return fail((e as Error).message);
  }
}

/** --curve p256|ed25519: the raw public key type (a build speaks one: dist/firmware-rpk.js P-256, dist/firmware-rpk-ed25519.js Ed25519). */
function curveFlag(a: Args): RpkCurve | undefined {
  const c = one(a, 'curve');
  if (c !== undefined && !RPK_CURVES.includes(c as RpkCurve)) fail(`--curve '${c}' must be p256 or ed25519`);
  return c as RpkCurve | undefined;
}

/**
 * --rpk-key FILE: a key pair in a file (PEM/DER, PKCS#8 or SEC 1; its own type, which
 * --curve must match when given), created there when missing (of --curve, default P-256).
 */
function rpkKeyFlag(a: Args): { keys: RpkKeyPair; file: string; created: boolean } | null {
  const f = one(a, 'rpk-key');
  const curve = curveFlag(a);
  if (f === undefined) return null;
  try {
    return { file: f, ...loadOrCreateRpk(f, curve) };
  } catch (e) {
    return fail(`--rpk-key: ${(e as Error).message}`);
  }
}

/** A server's key pair: --rpk-key's, else a fresh one of --curve (undefined: the server's default, a fresh P-256 pair). */
function serverRpk(a: Args, rpk: { keys: RpkKeyPair } | null): RpkKeyPair | undefined {
  const curve = curveFlag(a);
  return rpk ? rpk.keys : curve ? generateRpk(curve) : undefined;
}

/** --dtls-timeout S: the DTLS handshake deadline; the first retransmission then waits 9 s (RFC 7925 §11), for RPK boards. */
function dtlsTimers(a: Args): { dtlsRetransmit?: number; dtlsTimeout?: number } {
  const t = intFlag(one(a, 'dtls-timeout'), 'dtls-timeout', 10, 3600);
  return t === undefined ? {} : { dtlsRetransmit: 9000, dtlsTimeout: t * 1000 };
}

function srvEventLine(e: ServerEvent): string {
  const r = e.registration;
  switch (e.type) {
    case 'REGISTRATION': return `[${e.ep}] Register → 2.01 /rd/${r!.registrationId} (lt=${r!.lifetime} b=${r!.bindingMode} lwm2m=${r!.lwM2mVersion}, ${r!.secure ? 'DTLS' : 'NoSec'}) ${r!.objectLinks.map((l) => l.url).join(',')}`;
    case 'UPDATED': return `[${e.ep}] Update /rd/${r!.registrationId} → 2.04 (lt=${r!.lifetime})`;
    case 'DEREGISTRATION': return `[${e.ep}] ${e.expired ? 'registration expired' : 'De-register → 2.02'}`;
    case 'NOTIFICATION': return `[${e.ep}] notification ${e.path} ${JSON.stringify(e.value)}`;
    case 'SEND': return `[${e.ep}] Send (${e.path}) → 2.04 ${JSON.stringify(e.value)}`;
    default: return `[${e.ep}] ${e.type} ${e.reason || ''}`;
  }
}

async function lwm2mServer(argv: string[]): Promise<void> {
  const a = parse(argv, ['host', 'port', 'dtls-port', 'http-port', 'psk', 'rpk', 'rpk-key', 'curve', 'dtls-timeout', 'token-file', 'max-registrations', 'max-per-address'], ['quiet']);
  if (a.pos.length) fail(`unexpected argument '${a.pos[0]}'`);
  const security = new SecurityStore();
  for (const p of a.flags.psk || []) {
    const eq = p.indexOf('=');
    const ep = eq > 0 && eq < p.indexOf(':') ? p.slice(0, eq) : null;
    const k = pskFlag(ep ? p.slice(eq + 1) : p, 'psk');
    try {
      if (ep) security.add({ endpoint: ep, identity: k.identity, key: k.key });
      else security.addUnbound(k.identity, k.key);
    } catch (e) {
      fail(`--psk ${p}: ${(e as Error).message}`);
    }
  }
  for (const p of a.flags.rpk || []) {
    const eq = p.indexOf('=');
    if (eq <= 0) fail(`--rpk '${p}' must be EP=SPKI-HEX`);
    try {
      security.addRpk(p.slice(0, eq), spkiFlag(p.slice(eq + 1), 'rpk'));
    } catch (e) {
      fail(`--rpk ${p.slice(0, eq)}: ${(e as Error).message}`);
    }
  }
  const port = portFlag(a, 'port', 5683);
  const dtlsPort = portFlag(a, 'dtls-port', 5684);
  const httpPort = portFlag(a, 'http-port', 8080);
  if (port < 0 && dtlsPort < 0) fail('both --port and --dtls-port are off: nothing to serve');
  const rpk = rpkKeyFlag(a);
  const maxRegistrations = intFlag(one(a, 'max-registrations'), 'max-registrations', 1, 1e7);
  const maxRegistrationsPerAddress = intFlag(one(a, 'max-per-address'), 'max-per-address', 1, 1e7);
  let s: Lwm2mServer;
  try {
    s = await Lwm2mServer.start({
      host: hostFlag(a), port, dtlsPort, httpPort, api: apiFlags(a), security, rpk: serverRpk(a, rpk), maxRegistrations, maxRegistrationsPerAddress, ...dtlsTimers(a),
      onEvent: (e) => !a.flags.quiet && console.log(`${ts()}  ${logSafe(srvEventLine(e))}`),
    });
  } catch (e) {
    return fail(`cannot start: ${(e as Error).message}`);
  }
  console.log(`${ts()}  LwM2M server: ${[s.uri, s.secureUri].filter(Boolean).join(' ')}${s.http ? `, admin API http://${s.http.host}:${s.http.port}/api/clients` : ''}`);
  tokenLine(s.http);
  if (s.secureUri) console.log(`${ts()}  RPK: server public key (SPKI, for --server-rpk) ${toHex(s.rpkSpki)}${rpk ? ` from ${rpk.file}${rpk.created ? ' (new)' : ''}` : ' (fresh: --rpk-key FILE keeps one)'}`);
  waitForSignal(() => s.close());
}

// -- admin commands over the HTTP API -----------------------------------------------------

const ADMIN_VALUED = ['api', 'timeout', 'format', 'type', 'token-file'];

function apiBase(a: Args): string {
  const u = one(a, 'api') ?? process.env.LWM2M_API ?? 'http://127.0.0.1:8080';
  if (!/^https?:\/\/[^/]+\/?$/.test(u)) fail(`--api '${u}' must be http://HOST:PORT`);
  return u.replace(/\/$/, '');
}

function query(a: Args, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams(extra);
  const f = one(a, 'format');
  if (f !== undefined) {
    const n = parseFormat(f);
    if (n === null || n === 40) fail(`--format '${f}' must be tlv, senml-cbor, senml-json, text or opaque`);
    q.set('format', formatName(n!));
  }
  const t = intFlag(one(a, 'timeout'), 'timeout', 1, 3600);
  if (t !== undefined) q.set('timeout', String(t));
  const s = q.toString();
  return s ? '?' + s : '';
}

/**
 * One HTTP request with node:http, not fetch: fetch refuses the ports on the WHATWG "bad
 * port" list (1, 6000, 6665…) with "bad port", where any port may run a server here.
 */
function httpRequest(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ ok: boolean; status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ ok: res.statusCode! >= 200 && res.statusCode! < 300, status: res.statusCode!, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** --token-file FILE: the admin API token (default: LWM2M_API_TOKEN, else the file the server wrote for the --api port). */
function login(a: Args): ApiLogin {
  return { tokenFile: one(a, 'token-file') };
}

async function call(a: Args, method: string, path: string, body?: unknown, rawBody?: string, who: ApiLogin = login(a)): Promise<unknown> {
  const url = apiBase(a) + path;
  const auth = authHeader(apiBase(a), who);
  let res: { ok: boolean; status: number; text: string };
  try {
    res = await httpRequest(url, method, { ...auth.headers, ...(body !== undefined ? { 'Content-Type': 'application/json' } : rawBody !== undefined ? { 'Content-Type': 'text/plain' } : {}) }, body !== undefined ? JSON.stringify(body) : rawBody);
  } catch (e) {
    throw new Error(`cannot reach ${apiBase(a)}: ${(e as Error).message}`);
  }
  const text = res.text;
  let j: unknown = text;
  try {
    j = JSON.parse(text);
  } catch {
    /* Leshan answers some errors in plain text */
  }
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${typeof j === 'object' && j && 'error' in j ? (j as { error: string }).error : String(text).trim().split('\n')[0]}${res.status === 401 ? ` (credentials from ${auth.where})` : ''}`);
  return j;
}

function needEp(a: Args): string {
  const ep = a.pos[0];
  if (!ep) fail('missing endpoint name');
  return ep;
}

function enc(p: number[]): string {
  return p.map(String).join('/');
}

/** A device answer: print it, and exit 1 when the device said no. */
function show(j: unknown): void {
  console.log(JSON.stringify(j, null, 2));
  const r = j as { success?: boolean; failure?: boolean };
  if (r && r.failure) process.exitCode = 1;
}

/** "RID=VALUE" / a single value → a Leshan node for the path, typed from the object definitions or --type. */
function valueNode(path: number[], raw: string, typeFlag: string | undefined): Record<string, unknown> {
  const t = typeFlag ?? (path.length >= 3 ? typeName(typeOf(path[0], path[2])) : '');
  if (path.length >= 3 && typeOf(path[0], path[2]) < 0 && !typeFlag) fail(`unknown resource ${enc(path)}: give --type string|integer|float|boolean|opaque|time|objlnk`);
  if (typeFlag && !/^(string|integer|unsigned_integer|float|boolean|opaque|time|objlnk|corelink)$/i.test(typeFlag)) fail(`--type '${typeFlag}' must be string, integer, unsigned_integer, float, boolean, opaque, time, objlnk or corelink`);
  const T = t.toUpperCase();
  let v: unknown = raw;
  if (T === 'BOOLEAN') {
    if (!/^(true|false|1|0)$/.test(raw)) fail(`value '${raw}' for ${enc(path)} must be true or false`);
    v = raw === 'true' || raw === '1';
  } else if (T === 'INTEGER' || T === 'UNSIGNED_INTEGER' || T === 'TIME') {
    if (!/^-?\d+$/.test(raw)) fail(`value '${raw}' for ${enc(path)} must be an integer`);
    v = T === 'TIME' ? +raw : raw;
  } else if (T === 'FLOAT') {
    if (!Number.isFinite(Number(raw)) || raw.trim() === '') fail(`value '${raw}' for ${enc(path)} must be a number`);
  } else if (T === 'OPAQUE') {
    if (!/^([0-9a-fA-F]{2})*$/.test(raw)) fail(`value '${raw}' for ${enc(path)} must be hex bytes`);
  } else if (T === 'EXECUTABLE' || T === 'NONE' || T === '') fail(`${enc(path)} is not a writable value`);
  if (path.length === 4) return { id: path[3], kind: 'resourceInstance', type: T, value: v };
  return { id: path[2], kind: 'singleResource', type: T, value: v };
}

const admin = {
  async clients(a: Args) {
    const list = (await call(a, 'GET', '/api/clients')) as { endpoint: string; registrationId: string; address: string; lifetime: number; secure: boolean; objectLinks: { url: string }[] }[];
    if (!list.length) console.log('(no registered clients)');
    for (const r of list) console.log(logSafe(`${r.endpoint}  /rd/${r.registrationId}  ${r.address}  lt=${r.lifetime}  ${r.secure ? 'DTLS' : 'NoSec'}  ${r.objectLinks.map((l) => l.url).join(',')}`));
  },
  async read(a: Args) {
    const ep = needEp(a);
    const p = pathArg(a.pos[1], 'path');
    // Read addresses an object, an instance, a resource or an instance of one (Core §5.4.1); '/' is none
    if (!p.length) fail(`read takes /oid[/iid[/rid[/riid]]], not '/' (the registration: clients)`);
    if (a.pos.length > 2) fail(`unexpected argument '${a.pos[2]}'`);
    show(await call(a, 'GET', `/api/clients/${encodeURIComponent(ep)}/${enc(p)}${query(a)}`));
  },
  async write(a: Args) {
    const ep = needEp(a);
    const p = pathArg(a.pos[1], 'path');
    if (p.length < 3) fail(`write takes a resource path /oid/iid/rid, got ${a.pos[1]}`);
    if (a.pos[2] === undefined) fail('missing value');
    if (a.pos.length > 3) fail(`unexpected argument '${a.pos[3]}'`);
    show(await call(a, 'PUT', `/api/clients/${encodeURIComponent(ep)}/${enc(p)}${query(a)}`, valueNode(p, a.pos[2], one(a, 'type'))));
  },
  async exec(a: Args) {
    const ep = needEp(a);
    const p = pathArg(a.pos[1], 'path');
    if (p.length !== 3) fail(`exec takes a resource path /oid/iid/rid, got ${a.pos[1]}`);
    if (a.pos.length > 3) fail(`unexpected argument '${a.pos[3]}'`);
    show(await call(a, 'POST', `/api/clients/${encodeURIComponent(ep)}/${enc(p)}${query(a)}`, undefined, a.pos[2]));
  },
  async discover(a: Args) {
    const ep = needEp(a);
    const p = pathArg(a.pos[1], 'path');
    if (p.length < 1 || p.length > 3) fail('discover takes /oid, /oid/iid or /oid/iid/rid');
    const j = (await call(a, 'GET', `/api/clients/${encodeURIComponent(ep)}/${p.length ? enc(p) + '/' : ''}discover${query(a)}`)) as { objectLinks?: { url: string; attributes: Record<string, string> }[] };
    if (j.objectLinks) for (const l of j.objectLinks) console.log(`<${l.url}>${Object.entries(l.attributes).map(([k, v]) => `;${k}${v === '' ? '' : '=' + v}`).join('')}`);
    else show(j);
  },
  async create(a: Args) {
    const ep = needEp(a);
    const p = pathArg(a.pos[1], 'path');
    if (p.length < 1 || p.length > 2) fail(`create takes /oid or /oid/iid, got ${a.pos[1]}`);
    const resources = a.pos.slice(2).map((x) => {
      const m = /^(\d{1,5})=(.*)$/.exec(x);
      if (!m) fail(`resource value '${x}' must be RID=VALUE`);
      return valueNode([p[0], p[1] ?? 0, +m![1]], m![2], one(a, 'type'));
    });
    show(await call(a, 'POST', `/api/clients/${encodeURIComponent(ep)}/${p[0]}${query(a)}`, { kind: 'instance', ...(p.length === 2 ? { id: p[1] } : {}), resources }));
  },
  async delete(a: Args) {
    const ep = needEp(a);
    const p = pathArg(a.pos[1], 'path');
    if (p.length !== 2) fail(`delete takes /oid/iid, got ${a.pos[1]}`);
    show(await call(a, 'DELETE', `/api/clients/${encodeURIComponent(ep)}/${enc(p)}${query(a)}`));
  },
  async attrs(a: Args) {
    const ep = needEp(a);
    const p = pathArg(a.pos[1], 'path');
    let q: string[];
    try {
      q = parseAttributes(a.pos.slice(2).join('&'));
    } catch (e) {
      return fail((e as Error).message);
    }
    show(await call(a, 'PUT', `/api/clients/${encodeURIComponent(ep)}/${enc(p)}/attributes?${q.join('&')}`));
  },
  /** Read-Composite (FETCH /): several paths, one SenML answer. */
  async 'read-composite'(a: Args) {
    const ep = needEp(a);
    if (a.pos.length < 2) fail('missing path (read-composite EP PATH PATH…)');
    const ps = a.pos.slice(1).map((s) => pathArg(s, 'path'));
    const bad = ps.findIndex((p) => !p.length);
    if (bad >= 0) fail(`read-composite takes /oid[/iid[/rid[/riid]]] paths, not '${a.pos[bad + 1]}'`);
    show(await call(a, 'GET', `/api/clients/${encodeURIComponent(ep)}/composite${query(a, { paths: ps.map((p) => '/' + enc(p)).join(',') })}`));
  },
  /** Write-Composite (iPATCH /): PATH=VALUE for several resources, all or nothing. */
  async 'write-composite'(a: Args) {
    const ep = needEp(a);
    if (a.pos.length < 2) fail('missing PATH=VALUE (write-composite EP PATH=VALUE…)');
    const body: Record<string, unknown> = {};
    for (const x of a.pos.slice(1)) {
      const i = x.indexOf('=');
      const p = pathArg(i < 0 ? x : x.slice(0, i), 'path');
      if (i < 0 || p.length < 3) fail(`'${x}' must be /OID/IID/RID[/RIID]=VALUE`);
      body['/' + enc(p)] = valueNode(p, x.slice(i + 1), one(a, 'type'));
    }
    show(await call(a, 'PUT', `/api/clients/${encodeURIComponent(ep)}/composite${query(a)}`, body));
  },
  async cancel(a: Args) {
    const ep = needEp(a);
    const p = pathArg(a.pos[1], 'path');
    await call(a, 'DELETE', `/api/clients/${encodeURIComponent(ep)}/${enc(p)}/observe`);
    console.log(`observation of ${enc(p)} cancelled`);
  },
  async observe(a: Args) {
    const ep = needEp(a);
    const p = pathArg(a.pos[1], 'path');
    const base = apiBase(a);
    // Listen to events first so no notification is missed, then ask for the observation.
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${base}/api/event?ep=${encodeURIComponent(ep)}`, { headers: { Accept: 'text/event-stream', ...authHeader(base, login(a)).headers } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`event stream: HTTP ${res.statusCode}`));
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          buf += d;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const ev = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (ev === 'NOTIFICATION' && data) {
              const n = JSON.parse(data) as { res: string; val: unknown };
              if (n.res === '/' + enc(p)) console.log(`${ts()}  ${n.res} ${logSafe(JSON.stringify(n.val))}`);
            } else if (ev === 'DEREGISTRATION') {
              console.log(`${ts()}  ${ep} de-registered`);
              process.exit(0);
            }
          }
        });
        resolve();
      });
      req.on('error', (e) => reject(new Error(`cannot reach ${base}: ${e.message}`)));
    });
    const first = (await call(a, 'POST', `/api/clients/${encodeURIComponent(ep)}/${enc(p)}/observe${query(a)}`)) as { success: boolean; content?: unknown; status: string };
    if (!first.success) {
      show(first);
      process.exit(1);
    }
    console.log(`${ts()}  /${enc(p)} ${JSON.stringify(first.content)}  (observing; Ctrl-C to stop)`);
    const stop = async () => {
      try {
        await call(a, 'DELETE', `/api/clients/${encodeURIComponent(ep)}/${enc(p)}/observe`);
      } catch {
        /* the device may be gone */
      }
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  },
};

async function scenario(argv: string[]): Promise<void> {
  const a = parse(argv, ['bundle', 'security', 'server-security', 'curve', 'format', 'endpoint', 'storage', 'keylog'], ['once', 'build']);
  if (a.pos.length) fail(`unexpected argument '${a.pos[0]}'`);
  const security = one(a, 'security') ?? 'psk';
  if (security !== 'nosec' && security !== 'psk' && security !== 'rpk') fail(`--security '${security}' must be nosec, psk or rpk`);
  // the LwM2M server's account the bootstrap server writes: PSK after an RPK bootstrap saves the board a public-key handshake
  const serverSecurity = one(a, 'server-security');
  if (serverSecurity !== undefined && serverSecurity !== 'psk' && serverSecurity !== 'rpk') fail(`--server-security '${serverSecurity}' must be psk or rpk`);
  if (serverSecurity === 'rpk' && security !== 'rpk') fail('--server-security rpk goes with --security rpk');
  if (serverSecurity === 'psk' && security === 'nosec') fail('--server-security psk goes with --security psk or rpk');
  const curve = curveFlag(a);
  if (curve && security !== 'rpk') fail('--curve goes with --security rpk');
  // RPK needs an RPK build of the key type (P-256: dist/firmware-rpk.js); the PSK build has no Security Mode 1
  const bundle = one(a, 'bundle') ?? (security === 'rpk' ? rpkBundleFor(curve ?? 'p256') : DEFAULT_BUNDLE);
  const fmt = one(a, 'format');
  const format = fmt === undefined ? undefined : parseFormat(fmt) ?? -1;
  if (fmt !== undefined && format !== 11542 && format !== 112) fail(`--format '${fmt}' must be tlv or senml-cbor`);
  // --build (npm start): the arguments are checked, now build this bundle if it is stale
  if (a.flags.build) buildIfStale([bundle]);
  if (!existsSync(bundle)) fail(`bundle '${bundle}' not found: run \`npm run build\` first`);
  const once = !!a.flags.once;
  const r = await runScenario({ security, serverSecurity: serverSecurity as 'psk' | 'rpk' | undefined, curve, once, bundle, format, endpoint: one(a, 'endpoint'), storageDir: one(a, 'storage'), keylog: one(a, 'keylog') });
  if (!r.ok) {
    console.error(`lwm2m-sim: scenario failed at step "${r.failed}": ${r.error}`);
    process.exit(1);
  }
  if (once) process.exit(0);
  console.log('(running: notifications keep arriving; Ctrl-C stops, de-registering first)');
  waitForSignal(r.stop);
}

async function device(argv: string[]): Promise<void> {
  const a = parse(argv, ['bundle', 'endpoint', 'bootstrap', 'psk', 'storage', 'format', 'rpk-key', 'curve', 'bs-pub', 'app-port', 'awake', 'store', 'update-margin', 'send-paths', 'send-every'], ['queue']);
  if (a.pos.length) fail(`unexpected argument '${a.pos[0]}'`);
  const rpk = rpkKeyFlag(a);
  const bsPubArg = one(a, 'bs-pub');
  if (!rpk !== (bsPubArg === undefined)) fail('--rpk-key FILE and --bs-pub SPKI-HEX go together (the device key and the bootstrap server\'s key)');
  if (rpk && a.flags.psk) fail('--psk and --rpk-key are exclusive');
  if (!rpk && one(a, 'curve') !== undefined) fail('--curve goes with --rpk-key FILE');
  const bsPub = bsPubArg === undefined ? null : spkiFlag(bsPubArg, 'bs-pub');
  if (rpk && bsPub && spkiCurve(bsPub) !== rpk.keys.curve) fail(`--bs-pub is ${spkiCurve(bsPub) === 'p256' ? 'P-256' : 'Ed25519'} but ${rpk.file} holds ${rpk.keys.curve === 'p256' ? 'a P-256' : 'an Ed25519'} key: a build speaks one key type`);
  // the build of the device key's type
  const bundle = one(a, 'bundle') ?? (rpk ? rpkBundleFor(rpk.keys.curve) : DEFAULT_BUNDLE);
  if (!existsSync(bundle)) fail(`bundle '${bundle}' not found: run \`npm run build\` first`);
  const endpoint = one(a, 'endpoint') ?? fail('missing --endpoint EP');
  const bootstrapUri = one(a, 'bootstrap') ?? fail('missing --bootstrap coap[s]://HOST:PORT');
  if (!/^coaps?:\/\/[^/]+$/.test(bootstrapUri)) fail(`--bootstrap '${bootstrapUri}' must be coap://HOST:PORT or coaps://HOST:PORT`);
  ipv4Only(bootstrapUri, 'bootstrap');
  const appPort = portFlag(a, 'app-port', -1);
  const pskArg = one(a, 'psk');
  const psk = pskArg === undefined ? undefined : pskFlag(pskArg, 'psk');
  if (bootstrapUri.startsWith('coaps:') && !psk && !rpk) fail('--psk ID:HEX or --rpk-key FILE --bs-pub HEX is needed for a coaps:// bootstrap server');
  if (rpk) console.log(`${ts()} device  RPK key ${rpk.file}${rpk.created ? ' (new)' : ''}; QR label (SHA-256 of its SPKI): ${rpk.keys.hash}`);
  const fmt = one(a, 'format');
  const format = fmt === undefined ? undefined : parseFormat(fmt) ?? -1;
  if (fmt !== undefined && format !== 11542 && format !== 112) fail(`--format '${fmt}' must be tlv or senml-cbor`);
  const storageDir = one(a, 'storage');
  // queue mode and notification storing (docs/queue-mode.md): seconds and a count, as provision takes them
  const num = (name: string, lo: number, hi: number): number | undefined => {
    const v = one(a, name);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || +v < lo || +v > hi) fail(`--${name} '${v}' must be a whole number from ${lo} to ${hi}`);
    return +v;
  };
  const awake = num('awake', 1, 86400);
  const margin = num('update-margin', 1, 86400);
  if (awake !== undefined && !a.flags.queue) fail('--awake goes with --queue');
  // Send on a timer (docs/send-composite.md), as provision takes it
  const sendEvery = num('send-every', 1, 86400);
  const sendPathsArg = one(a, 'send-paths');
  const sendPaths = sendPathsArg?.split(',');
  const badPath = sendPaths?.find((p) => !/^(\/\d{1,5}){1,4}$/.test(p));
  if (badPath !== undefined) fail(`--send-paths '${sendPathsArg}': '${badPath}' is not a path /oid[/iid[/rid[/riid]]]`);
  if ((sendEvery === undefined) !== (sendPaths === undefined)) fail('--send-paths and --send-every go together');
  const dev = await startDevice({
    endpoint,
    bootstrapUri,
    pskIdentity: psk?.identity,
    pskKey: psk ? toHex(psk.key) : undefined,
    rpkPriv: rpk ? toHex(rpk.keys.pkcs8) : undefined,
    rpkPub: rpk ? toHex(rpk.keys.spki) : undefined,
    rpkServerPub: bsPub ? toHex(bsPub) : undefined,
    bundle,
    format,
    storage: storageDir ? new FileStorage(storageDir) : new MemoryStorage(),
    appPort: appPort < 0 ? undefined : appPort,
    queue: !!a.flags.queue,
    awake: awake === undefined ? undefined : awake * 1000,
    store: num('store', 0, 200),
    updateMargin: margin === undefined ? undefined : margin * 1000,
    sendPaths,
    sendEvery: sendEvery === undefined ? undefined : sendEvery * 1000,
    log: (ev, detail) => console.log(`${ts()} device  ${ev}: ${logSafe(detail)}`),
    onOutput: (name, on, level) => console.log(`${ts()} ${name}  ${on ? `ON (level ${level})` : 'OFF'}`),
  });
  if (dev.appUdp) console.log(`${ts()} device  application access: coap://${dev.appUdp.address}:${dev.appUdp.port}/3303/0/5700 (3303 and 3338; plain CoAP, Observe)`);
  waitForSignal(() => dev.stop());
}

/**
 * --installer NAME: log in as that installer account of the bootstrap server, with the
 * password in --password-file FILE or LWM2M_INSTALLER_PASSWORD (never on the command
 * line); without it, the admin token (the enrolment then names "operator").
 */
function installerLogin(a: Args): ApiLogin {
  const name = one(a, 'installer');
  const file = one(a, 'password-file');
  if (name === undefined) {
    if (file !== undefined) fail('--password-file goes with --installer NAME');
    return login(a);
  }
  let password = process.env.LWM2M_INSTALLER_PASSWORD;
  if (file !== undefined) {
    try {
      password = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      return fail(`--password-file '${file}': ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (!password) fail(`--installer ${name}: give the password in --password-file FILE or LWM2M_INSTALLER_PASSWORD`);
  return { installer: { name, password: password! } };
}

/** The installer's scan (seed §5 step 1): opens the bootstrap server's enrolment window for a QR label. */
async function enrol(argv: string[]): Promise<void> {
  const a = parse(argv, ['api', 'window', 'endpoint', 'installer', 'password-file', 'token-file'], []);
  if (a.pos.length !== 1) fail(a.pos.length ? `unexpected argument '${a.pos[1]}'` : 'missing QR label (the SHA-256 hex of the device\'s public key)');
  let label: string;
  try {
    label = parseLabel(a.pos[0]);
  } catch (e) {
    return fail((e as Error).message);
  }
  const w = intFlag(one(a, 'window'), 'window', 1, 7 * 86400) ?? DEFAULT_ENROL_MS / 1000;
  const ep = one(a, 'endpoint');
  if (ep !== undefined && endpointError(ep)) fail(`--endpoint: ${endpointError(ep)}`);
  const who = installerLogin(a);
  const r = (await call(bsApi(a), 'POST', '/api/enrol', { label, windowMs: w * 1000, ...(ep ? { endpoint: ep } : {}) }, undefined, who)) as { hash: string; until: number; installer: string };
  console.log(`enrolled sha256:${r.hash} until ${new Date(r.until).toISOString()}${ep ? ` for endpoint ${ep}` : ''} by ${r.installer}`);
}

/** The bootstrap server's API: --api, else http://127.0.0.1:8081. */
function bsApi(a: Args): Args {
  return { ...a, flags: { ...a.flags, api: [one(a, 'api') ?? 'http://127.0.0.1:8081'] } };
}

/** The operator revokes an endpoint's credentials (PSK and RPK) on a server, so that a newly enrolled key may take the endpoint. */
async function revoke(argv: string[]): Promise<void> {
  const a = parse(argv, ['api', 'token-file'], []);
  const ep = needEp(a);
  if (a.pos.length > 1) fail(`unexpected argument '${a.pos[1]}'`);
  const r = (await call(bsApi(a), 'DELETE', `/api/security/clients/${encodeURIComponent(ep)}`)) as { message?: string };
  if (r && r.message === 'not_found') throw new Error(`endpoint ${ep} has no credentials on ${apiBase(bsApi(a))}`);
  console.log(`credentials of ${ep} revoked`);
}

/** The command table: name → what it does. */
export const COMMANDS: Record<string, { help: string; run: (argv: string[]) => void | Promise<void> }> = {
  scenario: { help: 'run the seed scenario on loopback [--once] [--security psk|nosec|rpk [--curve p256|ed25519] [--server-security psk|rpk]] [--format tlv|senml-cbor] [--bundle FILE] [--build] [--keylog FILE] [--endpoint EP] [--storage DIR]', run: scenario },
  device: { help: 'run a simulated device: --endpoint EP --bootstrap coap[s]://IPV4:PORT [--psk ID:HEX | --rpk-key FILE [--curve p256|ed25519] --bs-pub SPKI-HEX] [--storage DIR] [--format tlv|senml-cbor] [--app-port N] [--queue [--awake S]] [--store N] [--update-margin S] [--send-paths P,P --send-every S] [--bundle FILE]', run: device },
  'bootstrap-server': {
    help: 'run a Bootstrap Server [--host H] [--port N|off] [--dtls-port N|off] [--http-port N|off] [--psk ID:HEX]… [--config FILE] [--rpk-key FILE] [--curve p256|ed25519] [--enrol LABEL]… [--enrol-window S] [--dtls-timeout S] [--endpoint EP --server-uri coap[s]://IPV4:PORT [--server-psk ID:HEX | --server-rpk SPKI-HEX] [--ssid N] [--lifetime S] [--binding B] [--format tlv|senml-cbor|senml-json] [--bs-psk ID:HEX]]… (docs/sim.md)',
    run: bootstrapServer,
  },
  'lwm2m-server': { help: 'run an LwM2M Server with its admin HTTP API [--host H] [--port N|off] [--dtls-port N|off] [--http-port N|off] [--psk [EP=]ID:HEX]… [--rpk EP=SPKI-HEX]… [--rpk-key FILE] [--curve p256|ed25519] [--dtls-timeout S] [--quiet] (docs/sim.md)', run: lwm2mServer },
};
const ADMIN_HELP: Record<keyof typeof admin, string> = {
  clients: 'list registered clients',
  read: 'read EP PATH [--format tlv|senml-cbor|senml-json|text]',
  write: 'write EP PATH VALUE [--format F] [--type T]',
  exec: 'exec EP PATH [ARGS]',
  discover: 'discover EP PATH',
  create: 'create EP /OID[/IID] RID=VALUE… [--format F] [--type T]',
  delete: 'delete EP /OID/IID',
  observe: 'observe EP PATH: print notifications until Ctrl-C',
  cancel: 'cancel EP PATH: cancel an observation',
  attrs: 'attrs EP PATH pmin=1 pmax=5 …',
  'read-composite': 'read-composite EP PATH PATH… [--format senml-cbor|senml-json] (FETCH /)',
  'write-composite': 'write-composite EP PATH=VALUE… [--format senml-cbor|senml-json] [--type T] (iPATCH /)',
};
for (const name of Object.keys(admin) as (keyof typeof admin)[]) {
  COMMANDS[name] = {
    help: `${ADMIN_HELP[name]} [--api URL] [--timeout S]`,
    run: (argv) => admin[name](parse(argv, ADMIN_VALUED, [])),
  };
}
COMMANDS.fota = {
  help: 'firmware update (docs/firmware-update.md): fota push EP FILE (a package of npm run package, written to /5/0/0 with Block1) | fota update EP (Execute /5/0/2) | fota state EP [--api URL] [--timeout S]',
  run: (argv) => fota(parse(argv, ADMIN_VALUED, [])),
};

/** The firmware update steps over the LwM2M server's API; prints State and Update Result after each. */
async function fota(a: Args): Promise<void> {
  const [sub, ep, file, extra] = a.pos;
  if (sub !== 'push' && sub !== 'update' && sub !== 'state') fail(`fota needs push, update or state, got ${sub === undefined ? 'nothing' : `'${sub}'`}`);
  if (!ep) fail('missing endpoint name');
  if (sub === 'push' ? extra !== undefined : file !== undefined) fail(`unexpected argument '${sub === 'push' ? extra : file}'`);
  const base = `/api/clients/${encodeURIComponent(ep)}/5/0`;
  if (sub === 'push') {
    if (!file) fail('missing package FILE (npm run package -- --key vendor.key dist/firmware.js)');
    let pkg: Buffer;
    try {
      pkg = readFileSync(file);
    } catch (e) {
      fail(`package '${file}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message}`);
    }
    if (pkg!.subarray(0, 4).toString('latin1') !== 'LWFW') fail(`'${file}' is not a firmware package (no LWFW header): npm run package builds one`);
    const t0 = Date.now();
    show(await call(a, 'PUT', `${base}/0${query(a, { format: 'OPAQUE' })}`, { id: 0, kind: 'singleResource', type: 'OPAQUE', value: pkg!.toString('hex') }));
    console.log(`fota: ${pkg!.length} bytes in ${Date.now() - t0} ms`);
  } else if (sub === 'update') show(await call(a, 'POST', `${base}/2${query(a)}`));
  const st = (await call(a, 'GET', `${base}/3${query(a)}`)) as { content?: { value?: unknown } };
  const re = (await call(a, 'GET', `${base}/5${query(a)}`)) as { content?: { value?: unknown } };
  console.log(`fota: State ${st.content?.value} (0 Idle, 1 Downloading, 2 Downloaded, 3 Updating), Update Result ${re.content?.value}`);
}

COMMANDS.enrol = { help: 'an installer scans a QR label: enrol LABEL [--window S] [--endpoint EP] [--installer NAME [--password-file F]] [--api http://127.0.0.1:8081] (the bootstrap server\'s API)', run: enrol };
COMMANDS.revoke = { help: 'the operator revokes an endpoint\'s credentials: revoke EP [--api http://127.0.0.1:8081] (a newly enrolled key may then take the endpoint)', run: revoke };

/** Runs a command; resolves with the exit status (2: bad argument, 1: failure) after printing one line to `err`. */
export async function runCli(argv: string[], err: (line: string) => void = (l) => console.error(l)): Promise<number> {
  const [command, ...rest] = argv;
  const names = Object.keys(COMMANDS).join(', ');
  try {
    if (!command) fail(`missing command (one of: ${names})`);
    if (command === 'help' || command === '--help') {
      for (const [k, v] of Object.entries(COMMANDS)) console.log(`  ${k.padEnd(17)} ${v.help}`);
      return 0;
    }
    const c = COMMANDS[command];
    if (!c) fail(`unknown command '${command}' (one of: ${names})`);
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(c.help.startsWith(command + ' ') ? `usage: npm run sim -- ${c.help}` : `usage: npm run sim -- ${command}: ${c.help}`);
      return 0;
    }
    await c.run(rest);
    return 0;
  } catch (e) {
    err(`lwm2m-sim: ${String((e as Error).message).split('\n')[0]}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

if (process.argv[1] && /cli\.[tj]s$/.test(process.argv[1])) {
  void runCli(process.argv.slice(2)).then((code) => {
    if (code) process.exit(code);
  });
}
