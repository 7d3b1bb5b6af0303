// Eclipse Leshan on loopback, for the interop tests and for pointing the simulator at Leshan by hand.
//
// Leshan comes only as published Maven Central artifacts (test/interop/leshan-bs/pom.xml):
// Leshan's LwM2M server demo (org.eclipse.leshan:leshan-server-demo, jar-with-dependencies) and a
// bootstrap server made of Leshan's library (leshan-server-cf) with our small launcher (LeshanBs.java),
// because Central serves no bootstrap-server demo. `prepareLeshan()` runs `mvn package` once and caches
// the jars outside the repo (~/.cache/lwm2m-leshan/<hash of the pom and the launcher>/). Each Java process
// runs in its own temporary directory (Leshan writes Californium.properties into its cwd) and is stopped by
// its PID.
//
//   npx tsx sim/leshan.ts prepare      # build/fetch the jars (what .ci/run does)
//   npx tsx sim/leshan.ts where        # print the cached jar paths, or why they are missing
//   npx tsx sim/leshan.ts demo [--psk | --rpk]  # both Leshan servers configured for a simulated device, and the device
//   npx tsx sim/leshan.ts device --bootstrap coap://HOST:5783 [--endpoint EP] [--psk-id ID --psk-key HEX]
//                                [--rpk-priv HEX --rpk-pub HEX --rpk-server-pub HEX]
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, IncomingMessage } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export const LESHAN_VERSION = '2.0.0-M4';
const PROJECT = join(import.meta.dirname, '../test/interop/leshan-bs');
const SOURCES = ['pom.xml', 'src/main/java/lwm2m/interop/LeshanBs.java'];

/**
 * Leshan 2.0.0-M4's demo serialises with Gson by reflection into java.util, which Java 17 closes by default;
 * and, for a client with a raw public key, through the JDK's EC public key object (the UPDATED event carries
 * the registration's identity). Each package below was found missing, one at a time, by the RPK test: without
 * it Leshan logs InaccessibleObjectException and never publishes UPDATED.
 */
const JAVA_OPENS = [
  'java.base/java.util', 'java.base/java.lang',
  'jdk.crypto.ec/sun.security.ec', 'java.base/java.security', 'java.base/java.security.spec', 'java.base/sun.security.x509', 'java.base/sun.security.util',
].flatMap((m) => ['--add-opens', `${m}=ALL-UNNAMED`]);

export interface LeshanJars {
  dir: string;
  server: string;
  bs: string;
}

function cacheRoot(): string {
  return process.env.LESHAN_CACHE || join(homedir(), '.cache/lwm2m-leshan');
}

/** Where this checkout's jars live: keyed on the pom and the launcher, so an edit rebuilds. */
export function leshanJars(): LeshanJars {
  const h = createHash('sha256');
  for (const f of SOURCES) h.update(readFileSync(join(PROJECT, f)));
  const dir = join(cacheRoot(), `${LESHAN_VERSION}-${h.digest('hex').slice(0, 12)}`);
  return { dir, server: join(dir, 'leshan-server-demo.jar'), bs: join(dir, 'leshan-bs.jar') };
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Null when Java and the jars are here; otherwise why not (for a test's skip message). */
export function leshanMissing(): string | null {
  if (!has('java')) return 'java not installed (apt-get install openjdk-17-jre-headless)';
  const j = leshanJars();
  if (!existsSync(j.server) || !existsSync(j.bs)) return `Leshan jars not built in ${j.dir} (run: npx tsx sim/leshan.ts prepare; needs maven + a JDK)`;
  return null;
}

/** Fetches Leshan's artifacts from Maven Central and builds the launcher, once (cached). */
export function prepareLeshan(log: (s: string) => void = () => {}): LeshanJars {
  const j = leshanJars();
  if (existsSync(j.server) && existsSync(j.bs)) return j;
  if (!has('mvn')) throw new Error('maven is required to fetch Leshan (apt-get install maven openjdk-17-jdk-headless)');
  log(`building Leshan ${LESHAN_VERSION} jars into ${j.dir}`);
  const r = spawnSync('mvn', ['-q', '-B', '-Dstyle.color=never', 'package', `-Dout=${j.dir}`], { cwd: PROJECT, stdio: 'inherit', timeout: 15 * 60_000 });
  if (r.status !== 0 || !existsSync(j.bs) || !existsSync(j.server)) throw new Error(`mvn package failed (status ${r.status})`);
  return j;
}

/** A raw public key pair of a Leshan server (EC: Leshan takes no other RPK type), DER. */
export interface ServerRpk {
  /** SubjectPublicKeyInfo DER (what -pubk reads, and what a device pins as Server Public Key). */
  spki: Uint8Array;
  /** PKCS#8 PrivateKeyInfo DER (what -prik reads). */
  pkcs8: Uint8Array;
}

/** A fresh P-256 key pair as node:crypto writes it (SPKI DER 91 bytes; PKCS#8 DER with the public key, 138 bytes, as openssl writes it). */
export function p256KeyPair(): ServerRpk {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { spki: publicKey.export({ type: 'spki', format: 'der' }), pkcs8: privateKey.export({ type: 'pkcs8', format: 'der' }) };
}

/**
 * The same P-256 private key as Java's PKCS8EncodedKeySpec writes it (Leshan's own tools): PrivateKeyInfo
 * { 0, ecPublicKey/secp256r1, ECPrivateKey { 1, d } } without the optional public key, 67 bytes (RFC 5208
 * §5, RFC 5915 §3). Read back by node:crypto to be sure it is the same key.
 */
export function javaPkcs8(k: ServerRpk): Uint8Array {
  const d = Buffer.from(createPrivateKey({ key: Buffer.from(k.pkcs8), format: 'der', type: 'pkcs8' }).export({ format: 'jwk' }).d!, 'base64url');
  const der = Buffer.concat([Buffer.from('3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420', 'hex'), d]);
  if (createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' }).d !== d.toString('base64url')) throw new Error('javaPkcs8: not the same key');
  return new Uint8Array(der);
}

/** Java arguments naming the key files a JavaProc writes into its directory (`files`). */
function rpkFiles(rpk: ServerRpk | undefined, pubFlag: string, privFlag: string): { args: string[]; files: Record<string, Uint8Array> } {
  if (!rpk) return { args: [], files: {} };
  return { args: [pubFlag, 'rpk-pub.der', privFlag, 'rpk-priv.der'], files: { 'rpk-pub.der': rpk.spki, 'rpk-priv.der': rpk.pkcs8 } };
}

/** A Java process in its own temporary directory (relative paths in `args` are files from `files` there), stopped by PID. */
class JavaProc {
  readonly cwd: string;
  readonly proc: ChildProcess;
  out = '';
  private exited: Promise<void>;
  private lineListeners: ((line: string) => void)[] = [];
  exitCode: number | null = null;

  constructor(name: string, args: string[], files: Record<string, Uint8Array> = {}) {
    this.cwd = mkdtempSync(join(tmpdir(), `leshan-${name}-`));
    for (const f of Object.keys(files)) writeFileSync(join(this.cwd, f), files[f]);
    this.proc = spawn('java', args, { cwd: this.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    this.proc.stdout!.on('data', (b: Buffer) => {
      this.out += b.toString();
      partial += b.toString();
      let k: number;
      while ((k = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, k);
        partial = partial.slice(k + 1);
        for (const l of this.lineListeners) l(line);
      }
    });
    this.proc.stderr!.on('data', (b: Buffer) => (this.out += b.toString()));
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => ((this.exitCode = code ?? -1), resolve())));
  }

  onLine(f: (line: string) => void): void {
    this.lineListeners.push(f);
  }

  tail(n = 30): string {
    return this.out.split('\n').slice(-n).join('\n');
  }

  /** SIGTERM by PID (Leshan stops its endpoints in a shutdown hook), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (this.exitCode === null && this.proc.pid) {
      process.kill(this.proc.pid, 'SIGTERM');
      const t = setTimeout(() => this.proc.pid && this.exitCode === null && process.kill(this.proc.pid, 'SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(t);
    }
    rmSync(this.cwd, { recursive: true, force: true });
  }
}

export interface HttpResult {
  status: number;
  text: string;
  json(): any;
}

export function http(method: string, url: string, body?: unknown): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = httpRequest(url, { method, headers: data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {} }, (res) => {
      let text = '';
      res.on('data', (b) => (text += b));
      res.on('end', () => resolve({ status: res.statusCode || 0, text, json: () => JSON.parse(text) }));
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${url}: no answer in 30 s`)));
    if (data) req.write(data);
    req.end();
  });
}

export interface SseEvent {
  event: string;
  data: any;
}

/** Leshan's event stream (server-sent events: REGISTRATION, UPDATED, DEREGISTRATION, NOTIFICATION, COAPLOG…). */
export class EventStream {
  events: SseEvent[] = [];
  private res: IncomingMessage | null = null;
  private req: ReturnType<typeof httpRequest>;
  private waiters: { pred: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
  readonly open: Promise<void>;

  constructor(url: string) {
    this.req = httpRequest(url, { headers: { Accept: 'text/event-stream' } });
    this.open = new Promise((resolve, reject) => {
      this.req.on('response', (res) => {
        this.res = res;
        if (res.statusCode !== 200) return reject(new Error(`${url}: ${res.statusCode}`));
        let buf = '';
        res.on('data', (b: Buffer) => {
          buf = (buf + b.toString()).replace(/\r\n/g, '\n');
          let k: number;
          while ((k = buf.indexOf('\n\n')) >= 0) {
            this.parse(buf.slice(0, k));
            buf = buf.slice(k + 2);
          }
        });
        resolve();
      });
      this.req.on('error', reject);
    });
    this.req.end();
  }

  private parse(block: string): void {
    let event = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data += line.slice(5).trim();
    }
    let parsed: any = data;
    try {
      parsed = JSON.parse(data);
    } catch {
      /* keep the text */
    }
    const e = { event, data: parsed };
    this.events.push(e);
    for (const w of this.waiters.slice()) if (w.pred(e)) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve(e);
    }
  }

  /** The first event from `from` (an index into `events`) on that satisfies `pred`, within `ms`. */
  wait(pred: (e: SseEvent) => boolean, ms: number, what: string, from = 0): Promise<SseEvent> {
    for (let i = from; i < this.events.length; i++) if (pred(this.events[i])) return Promise.resolve(this.events[i]);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (e: SseEvent) => (clearTimeout(t), resolve(e)) };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`no ${what} from Leshan within ${ms} ms; events seen: ${this.events.map((x) => x.event).join(' ')}`));
      }, ms);
      this.waiters.push(w);
    });
  }

  close(): void {
    this.res?.destroy();
    this.req.destroy();
  }
}

async function until<T>(what: string, ms: number, proc: JavaProc, f: () => Promise<T | null>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${what}: java exited (${proc.exitCode}):\n${proc.tail()}`);
    const v = await f().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`${what}: not ready within ${ms} ms:\n${proc.tail()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface ServerOptions {
  host?: string;
  coapPort: number;
  coapsPort: number;
  webPort: number;
  /** The server's own raw public key pair (`-pubk/-prik`); without it the demo uses its embedded X.509 certificate's key. */
  rpk?: ServerRpk;
  /** A folder of more object models (OMA DDF XML, `-m`): objects Leshan's own set lacks. */
  models?: string;
}

/** Leshan's LwM2M server demo: CoAP, CoAPS (PSK/RPK/X.509) and its REST API + event stream on `web`. */
export class LeshanServer {
  readonly web: string;
  readonly coapUri: string;
  readonly coapsUri: string;
  private constructor(private proc: JavaProc, o: Omit<Required<ServerOptions>, 'rpk' | 'models'>) {
    this.web = `http://${o.host}:${o.webPort}`;
    this.coapUri = `coap://${o.host}:${o.coapPort}`;
    this.coapsUri = `coaps://${o.host}:${o.coapsPort}`;
  }

  static async start(opt: ServerOptions, jars = leshanJars()): Promise<LeshanServer> {
    const o = { host: '127.0.0.1', ...opt };
    const keys = rpkFiles(opt.rpk, '-pubk', '-prik');
    const proc = new JavaProc('server', [
      ...JAVA_OPENS,
      '-jar', jars.server,
      '-lh', o.host, '-lp', String(o.coapPort),
      '-slh', o.host, '-slp', String(o.coapsPort),
      '-wh', o.host, '-wp', String(o.webPort),
      ...keys.args,
      ...(o.models ? ['-m', o.models] : []),
    ], keys.files);
    const s = new LeshanServer(proc, o);
    try {
      await until('Leshan server', 60_000, proc, async () => ((await http('GET', `${s.web}/api/clients`)).status === 200 ? true : null));
    } catch (e) {
      await proc.stop();
      throw e;
    }
    return s;
  }

  get pid(): number | undefined {
    return this.proc.proc.pid;
  }

  log(): string {
    return this.proc.tail(60);
  }

  /** Leshan's REST API: `path` after /api (e.g. `/clients/EP/3/0?format=TLV`). */
  async api(method: string, path: string, body?: unknown): Promise<any> {
    const r = await http(method, `${this.web}/api${path}`, body);
    if (r.status !== 200) throw new Error(`${method} /api${path}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
    return r.text ? r.json() : null;
  }

  /** The device's DTLS PSK on this server (M4 shape: {"endpoint","psk":{"identity","key"}}). */
  addPsk(endpoint: string, identity: string, keyHex: string): Promise<any> {
    return this.api('PUT', '/security/clients/', { endpoint, psk: { identity, key: keyHex } });
  }

  /** The device's raw public key on this server (M4 shape: {"endpoint","rpk":{"key":"HEX of the SPKI DER"}}). */
  addRpk(endpoint: string, spki: Uint8Array): Promise<any> {
    return this.api('PUT', '/security/clients/', { endpoint, rpk: { key: Buffer.from(spki).toString('hex') } });
  }

  events(endpoint: string): EventStream {
    return new EventStream(`${this.web}/api/event?ep=${encodeURIComponent(endpoint)}`);
  }

  stop(): Promise<void> {
    return this.proc.stop();
  }
}

export interface BsEvent {
  ev: string;
  ep: string;
  req?: string;
  code?: string;
  secure?: boolean;
  /** The request came over DTLS with a raw public key. */
  rpk?: boolean;
  pct?: number;
  /** "handshake" (any peer's DTLS handshake ended; ep ""): it completed, or Californium gave it up. */
  ok?: boolean;
  [k: string]: unknown;
}

/** Californium's DTLS retransmission in the bootstrap launcher. */
export interface BsTimers {
  /** The board's setting, --board-timers: 25 retransmissions (~21 min with a 1 s first timer) instead of 4 (31 s). */
  board?: boolean;
  /** The first retransmission timer, ms (Californium's default 1000): a test scales it down. */
  retransmissionTimeout?: number;
}

/** Leshan's bootstrap server (our launcher around leshan-server-cf), configured from a JSON file. */
export class LeshanBootstrap {
  events: BsEvent[] = [];
  coapUri = '';
  coapsUri = '';
  private waiters: { pred: (e: BsEvent) => boolean; resolve: (e: BsEvent) => void }[] = [];
  private config: { bootstrap: Record<string, unknown>; security: unknown[] } = { bootstrap: {}, security: [] };
  private constructor(private proc: JavaProc, private file: string) {
    proc.onLine((line) => {
      if (!line.startsWith('{')) return;
      const e = JSON.parse(line) as BsEvent;
      this.events.push(e);
      for (const w of this.waiters.slice()) if (w.pred(e)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(e);
      }
    });
  }

  /**
   * `rpk`: the bootstrap server's own raw public key pair (the launcher's --rpk-pub/--rpk-priv).
   * `timers`: Californium's DTLS retransmission (docs/leshan.md "Timers for a board").
   */
  static async start(host = '127.0.0.1', jars = leshanJars(), rpk?: ServerRpk, timers: BsTimers = {}): Promise<LeshanBootstrap> {
    const dir = mkdtempSync(join(tmpdir(), 'leshan-bs-config-'));
    const file = join(dir, 'bs.json');
    writeFileSync(file, JSON.stringify({ bootstrap: {}, security: [] }));
    const keys = rpkFiles(rpk, '--rpk-pub', '--rpk-priv');
    const timerArgs = [
      ...(timers.board ? ['--board-timers'] : []),
      ...(timers.retransmissionTimeout ? ['--dtls-retransmission-timeout', String(timers.retransmissionTimeout)] : []),
    ];
    const proc = new JavaProc('bs', ['-jar', jars.bs, '--host', host, '--coap-port', '0', '--coaps-port', '0', '--config', file, ...keys.args, ...timerArgs], keys.files);
    const bs = new LeshanBootstrap(proc, file);
    try {
      const ready = await until('Leshan bootstrap server', 60_000, proc, async () => bs.events.find((e) => e.ev === 'ready') || null);
      bs.coapUri = `coap://${host}:${ready.coap}`;
      bs.coapsUri = `coaps://${host}:${ready.coaps}`;
    } catch (e) {
      await proc.stop();
      throw e;
    }
    return bs;
  }

  /** The endpoint's BootstrapConfig, in the JSON shape of the Leshan demo's POST /api/bootstrap/EP. */
  setConfig(endpoint: string, config: unknown): void {
    this.config.bootstrap[endpoint] = config;
    writeFileSync(this.file, JSON.stringify(this.config));
  }

  /** The device's bootstrap PSK (the shape of the M17 demo's PUT /api/security/clients/). */
  addPsk(endpoint: string, identity: string, keyHex: string): void {
    this.config.security.push({ endpoint, tls: { mode: 'psk', details: { identity, key: keyHex } } });
    writeFileSync(this.file, JSON.stringify(this.config));
  }

  /** The device's bootstrap raw public key (the M17 demo's shape: {"endpoint","tls":{"mode":"rpk","details":{"key":"HEX SPKI"}}}). */
  addRpk(endpoint: string, spki: Uint8Array): void {
    this.config.security.push({ endpoint, tls: { mode: 'rpk', details: { key: Buffer.from(spki).toString('hex') } } });
    writeFileSync(this.file, JSON.stringify(this.config));
  }

  wait(pred: (e: BsEvent) => boolean, ms: number, what: string): Promise<BsEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (e: BsEvent) => (clearTimeout(t), resolve(e)) };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`no ${what} from the bootstrap server within ${ms} ms; seen: ${JSON.stringify(this.events)}`));
      }, ms);
      this.waiters.push(w);
    });
  }

  log(): string {
    return this.proc.tail(60);
  }

  get pid(): number | undefined {
    return this.proc.proc.pid;
  }

  async stop(): Promise<void> {
    await this.proc.stop();
    rmSync(join(this.file, '..'), { recursive: true, force: true });
  }
}

/** Bytes of a text, as the bootstrap config's byte arrays (unsigned). */
export function byteArray(hexOrText: string, isHex: boolean): number[] {
  return [...(isHex ? Buffer.from(hexOrText, 'hex') : Buffer.from(hexOrText, 'utf8'))];
}

function flag(args: string[], name: string): string | undefined {
  const k = args.indexOf(name);
  return k >= 0 ? args[k + 1] : undefined;
}

/** The device's factory bootstrap account: PSK identity + key, or RPK (hex: our PKCS#8, our SPKI, the bootstrap server's SPKI). */
interface DeviceAccount {
  pskIdentity?: string;
  pskKey?: string;
  rpkPriv?: string;
  rpkPub?: string;
  rpkServerPub?: string;
}

/** The P-256 RPK build (Leshan reads raw public keys as EC keys only: the Ed25519 build does not work with it). */
export const LESHAN_RPK_BUNDLE = join(import.meta.dirname, '../dist/firmware-rpk.js');

/** A device's factory RPK bootstrap account with Leshan (startDevice's options): its P-256 key pair, the bootstrap server's key pinned. */
export function rpkBootstrapAccount(dev: ServerRpk, bsSpki: Uint8Array) {
  const h = (b: Uint8Array) => Buffer.from(b).toString('hex');
  return { rpkPriv: h(dev.pkcs8), rpkPub: h(dev.spki), rpkServerPub: h(bsSpki), bundle: LESHAN_RPK_BUNDLE };
}

/** A simulated device against a bootstrap server (Leshan's or any), until Ctrl-C; then it de-registers. */
async function runDevice(endpoint: string, bootstrapUri: string, acc: DeviceAccount, then = async () => {}): Promise<void> {
  const { startDevice } = await import('./device');
  const dev = await startDevice({ endpoint, bootstrapUri, ...acc, bundle: acc.rpkPriv ? LESHAN_RPK_BUNDLE : undefined, log: (e, d) => console.log(`device: ${e} ${d}`) });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void dev.stop().then(then).then(() => process.exit(0)));
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * Leshan's server and bootstrap server on loopback with `endpoint` bootstrapped to the server over
 * NoSec (Short Server ID 123, `lifetime` s, 60 unless given), and the server's event stream for it,
 * open: what the owner-objects, Send and queue-mode interop tests start from.
 */
export async function leshanNoSec(endpoint: string, opt: ServerOptions, jars = leshanJars(), lifetime = 60): Promise<{ server: LeshanServer; bs: LeshanBootstrap; ev: EventStream }> {
  const [server, bs] = await Promise.all([LeshanServer.start(opt, jars), LeshanBootstrap.start('127.0.0.1', jars)]);
  bs.setConfig(endpoint, {
    toDelete: ['/0', '/1'],
    autoIdForSecurityObject: false,
    servers: { '0': { shortId: 123, lifetime, binding: 'U', notifIfDisabled: true } },
    security: { '1': { uri: server.coapUri, bootstrapServer: false, securityMode: 'NO_SEC', serverId: 123 } },
  });
  const ev = server.events(endpoint);
  await ev.open;
  return { server, bs, ev };
}

/** Leshan server + bootstrap server on loopback, configured for one endpoint, and the simulated device. */
async function demo(endpoint: string, mode: 'nosec' | 'psk' | 'rpk'): Promise<void> {
  const jars = prepareLeshan((s) => console.log(`leshan: ${s}`));
  // RPK: each server's own P-256 key pair, and the device's (what test/interop/leshan.test.ts does)
  const rpk = mode === 'rpk';
  const srvRpk = rpk ? p256KeyPair() : undefined, bsRpk = rpk ? p256KeyPair() : undefined, dev = rpk ? p256KeyPair() : null;
  const [server, bs] = await Promise.all([
    LeshanServer.start({ coapPort: 36883, coapsPort: 36884, webPort: 36880, rpk: srvRpk }, jars),
    // a board pointed at it computes minutes before it answers the RPK flight (docs/leshan.md "Timers for a board")
    LeshanBootstrap.start('127.0.0.1', jars, bsRpk, { board: rpk }),
  ]);
  const id = `${endpoint}:dm`, key = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf', bsId = `${endpoint}:bs`, bsKey = '0f0e0d0c0b0a09080706050403020100';
  const security = {
    nosec: () => ({ uri: server.coapUri, securityMode: 'NO_SEC', serverId: 123 }),
    psk: () => ({ uri: server.coapsUri, securityMode: 'PSK', serverId: 123, publicKeyOrId: byteArray(id, false), secretKey: byteArray(key, true) }),
    rpk: () => ({ uri: server.coapsUri, securityMode: 'RPK', serverId: 123, publicKeyOrId: hex(dev!.spki), secretKey: hex(javaPkcs8(dev!)), serverPublicKey: hex(srvRpk!.spki) }),
  }[mode]();
  bs.setConfig(endpoint, {
    toDelete: ['/0', '/1'],
    autoIdForSecurityObject: mode !== 'nosec',
    servers: { '0': { shortId: 123, lifetime: 60, binding: 'U', notifIfDisabled: true } },
    security: { '1': security },
  });
  if (mode === 'psk') {
    bs.addPsk(endpoint, bsId, bsKey);
    await server.addPsk(endpoint, id, key);
  }
  if (dev) {
    bs.addRpk(endpoint, dev.spki);
    await server.addRpk(endpoint, dev.spki);
  }
  const secure = mode !== 'nosec';
  console.log(`leshan: server REST ${server.web}/api/clients (pid ${server.pid}); bootstrap ${secure ? bs.coapsUri : bs.coapUri} (pid ${bs.pid})`);
  console.log(`leshan: try  curl '${server.web}/api/clients/${endpoint}/3/0?format=TLV'`);
  const acc: DeviceAccount = dev
    ? { rpkPriv: hex(dev.pkcs8), rpkPub: hex(dev.spki), rpkServerPub: hex(bsRpk!.spki) }
    : mode === 'psk'
      ? { pskIdentity: bsId, pskKey: bsKey }
      : {};
  await runDevice(endpoint, secure ? bs.coapsUri : bs.coapUri, acc, async () => {
    await Promise.all([server.stop(), bs.stop()]);
  });
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const [cmd, ...args] = process.argv.slice(2);
  if (cmd === 'prepare') {
    const t0 = Date.now();
    const j = prepareLeshan((s) => console.log(`leshan: ${s}`));
    console.log(`leshan: ${j.server}\nleshan: ${j.bs}\nleshan: ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } else if (cmd === 'where') {
    const m = leshanMissing();
    console.log(m || `${leshanJars().server}\n${leshanJars().bs}`);
    process.exit(m ? 1 : 0);
  } else if (cmd === 'demo') {
    void demo(flag(args, '--endpoint') || 'urn:dev:sim-1', args.includes('--rpk') ? 'rpk' : args.includes('--psk') ? 'psk' : 'nosec');
  } else if (cmd === 'device' && flag(args, '--bootstrap')) {
    void runDevice(flag(args, '--endpoint') || 'urn:dev:sim-1', flag(args, '--bootstrap')!, {
      pskIdentity: flag(args, '--psk-id'), pskKey: flag(args, '--psk-key'),
      rpkPriv: flag(args, '--rpk-priv'), rpkPub: flag(args, '--rpk-pub'), rpkServerPub: flag(args, '--rpk-server-pub'),
    });
  } else {
    console.error(`usage: tsx sim/leshan.ts prepare | where
       tsx sim/leshan.ts demo [--endpoint EP] [--psk | --rpk]      Leshan server + bootstrap server + the simulated device
       tsx sim/leshan.ts device --bootstrap coap[s]://HOST:PORT [--endpoint EP] [--psk-id ID --psk-key HEX]
                                [--rpk-priv HEX --rpk-pub HEX --rpk-server-pub HEX]   (P-256 DER; RPK runs dist/firmware-rpk.js)`);
    process.exit(2);
  }
}
