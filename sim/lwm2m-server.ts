// The simulator's LwM2M Server: the registration interface (LwM2M 1.1 Core §5.3,
// Transport §6.2: Register `POST /rd?ep&lt&lwm2m&b` → 2.01 + Location-Path `/rd/<id>`,
// Update `POST /rd/<id>`, De-register `DELETE /rd/<id>`, expiry at the end of the
// lifetime) and the device-management and information-reporting interfaces towards a
// registered device (Core §5.4, §5.5: Read, Write, Execute, Create, Delete, Discover,
// Write-Attributes, Observe/cancel). Values are decoded with the same codecs the device
// encodes with (objects/formats). The admin HTTP API follows Leshan's REST API.
import { spkiHash } from './rpk-keys';
import { ServerBase, type ServerBaseOptions } from './server-base';
import type { CoapMessage } from '../transport/coap/message';
import { getLocationPath, getUint, getUriPath, getUriQuery } from '../transport/coap/message';
import { CODE, OPT } from '../transport/coap/constants';
import type { CoapEndpoint, Exchange, RequestSpec } from '../transport/coap/endpoint';
import { peerKey, type Peer } from '../transport/ports';
import { utf8Encode } from '../transport/bytes';
import { nodeRng } from './node-ports';
import type { Rec } from '../objects/core/types';
import { CF_LINK, CF_SENML_CBOR, CF_SENML_JSON, CF_TLV, CF_TEXT, CF_OPAQUE } from '../objects/formats/index';
import { linkDec, type Link } from '../objects/formats/link';
import {
  parseLwPath, pathStr, formatName, codeName, recsToNode, decodeRecs, encodeRecs, endpointError, type Listener,
} from './lwm2m-common';
import { HttpError } from './http-util';
import { serverApi, isExecute, OpTimeout } from './lwm2m-api';
import { isSenml, pathsPayload, compositeNodes } from './lwm2m-composite';

/** The key of an Observe-Composite among a registration's observations. */
function compositeKey(paths: number[][]): string {
  return 'composite ' + paths.map(pathStr).join(',');
}

export interface Registration {
  endpoint: string;
  registrationId: string;
  registrationDate: number;
  lastUpdate: number;
  address: string;
  lwM2mVersion: string;
  lifetime: number;
  bindingMode: string;
  rootPath: string;
  objectLinks: { url: string; attributes: Record<string, string> }[];
  secure: boolean;
  identity: string | null;
  additionalRegistrationAttributes: Record<string, string>;
  queuemode: boolean;
  availableInstances: Record<string, number[]>;
  /** Content-Formats announced in `</>;ct=` (empty: none). */
  supportedFormats: number[];
}

interface RegState {
  reg: Registration;
  listener: Listener;
  peer: Peer;
  expires: number;
  observations: Map<string, ObsState>;
  /** Queue mode (Core §6.5): until when the client is awake, and the requests waiting for it to wake, oldest first. */
  awakeUntil: number;
  waiting: (() => void)[];
}

interface ObsState {
  path: number[];
  format: number | undefined;
  cancel: () => void;
}

/** The result of one operation on a device. */
export interface OpResult {
  /** One-byte CoAP code of the answer, e.g. 69. */
  code: number;
  /** Leshan's name for it: CONTENT, CHANGED, NOT_FOUND… */
  status: string;
  success: boolean;
  /** Content-Format of the payload (-1: none). */
  format: number;
  payload: Uint8Array;
  /** Read/Observe: decoded records and the Leshan-style node. */
  recs?: Rec[];
  content?: unknown;
  /** Discover: the links. */
  objectLinks?: { url: string; attributes: Record<string, string> }[];
  /** Create: Location-Path of the new instance. */
  location?: string;
  /** Decoding failed: why. */
  error?: string;
  /** Observe answers and notifications: the Observe option's sequence number (RFC 7641 §4.4), -1 when absent. */
  observe?: number;
}

export interface ServerEvent {
  type: 'REGISTRATION' | 'UPDATED' | 'DEREGISTRATION' | 'NOTIFICATION' | 'REJECTED' | 'DTLS' | 'SEND' | 'AWAKE';
  ep: string;
  /** NOTIFICATION: of one path, or of an Observe-Composite (value: "/oid/iid/rid" → node, as SEND's). */
  kind?: 'single' | 'composite';
  registration?: Registration;
  expired?: boolean;
  path?: string;
  value?: unknown;
  recs?: Rec[];
  reason?: string;
  peer?: Peer;
}

/** Besides the listeners, credentials, raw public key and admin API of every server (server-base.ts). */
export interface Lwm2mServerOptions extends ServerBaseOptions {
  onEvent?: (e: ServerEvent) => void;
  /** Registrations held at most, in all (default 10,000) and from one IP address (default 1,000): beyond, Register gets 5.03 + Max-Age. */
  maxRegistrations?: number;
  maxRegistrationsPerAddress?: number;
  /** Extra time after the lifetime before a registration is removed (default 0 ms). */
  expiryGraceMs?: number;
  /** Default time to wait for a device's answer (default 5 s, Leshan's). */
  timeoutMs?: number;
  /** Queue mode: how long a client is taken to be awake after it was last heard (default 93 s, CoAP MAX_TRANSMIT_WAIT, Leshan's). */
  awakeTimeMs?: number;
}

function parseLinks(payload: Uint8Array): Link[] | null {
  return payload.length ? linkDec(payload) : [];
}

/** A refused Register's Max-Age (RFC 7252 §5.9.3.4: when to try again), seconds. */
export const FULL_RETRY_S = 60;

/** The root path `</…>;rt="oma.lwm2m"` announces ('' for `/`), or null when none. */
function rootOf(links: Link[]): string | null {
  const r = links.find((l) => l.a.rt === 'oma.lwm2m');
  return r ? r.uri.replace(/\/$/, '') : null;
}

/** A registration link's object and instance ids under the root path, or null when it is not `<root>/oid[/iid]`. */
function objectPath(uri: string, root: string): number[] | null {
  if (!uri.startsWith(root + '/')) return null;
  const p = parseLwPath(uri.slice(root.length));
  return p && p.length >= 1 && p.length <= 2 && p.every((x) => x <= 65534) ? p : null;
}

/**
 * Why a Register/Update object list is not one (Core §6.2.1, Transport §6.2.1): each link
 * is the root path or `<root>/oid[/iid]` with ids 0..65534, never a resource; null when fine.
 */
function linksError(links: Link[]): string | null {
  const root = rootOf(links) ?? '';
  if (root && !/^(\/[A-Za-z0-9_.~-]+)+$/.test(root)) return `bad root path <${root}>`;
  for (const l of links) {
    if (l.a.rt === 'oma.lwm2m' || l.uri === '/' || l.uri === root) continue;
    if (!objectPath(l.uri, root)) return `bad object link <${l.uri.slice(0, 40)}>: expected <${root}/OID> or <${root}/OID/IID>, ids 0..65534`;
  }
  return null;
}

/**
 * A registered client's address changed (its Update came from another one, Core §6.2.2): the
 * observations it answers (our requests still waiting for notifications) follow it, as Leshan's
 * follow the registration. The engine's own fields: the simulator's server, not device code.
 */
function movePeer(coap: CoapEndpoint, from: Peer, to: Peer): void {
  const k = peerKey(from);
  for (const r of (coap as unknown as { _reqs: { _peer: Peer; _pkey: string; _observe: boolean }[] })._reqs) {
    if (r._pkey === k && r._observe) {
      r._peer = { ...to };
      r._pkey = peerKey(to);
    }
  }
}

export class Lwm2mServer extends ServerBase {
  private regs = new Map<string, RegState>(); // by registration id
  private byEp = new Map<string, RegState>();
  private grace: number;
  readonly timeoutMs: number;
  readonly awakeTimeMs: number;
  /** Registrations per IP address (the source of their last Register/Update). */
  private perAddress = new Map<string, number>();
  private maxRegs: number;
  private maxPerAddress: number;
  /** Refusals for capacity not yet reported (one REJECTED event per second at most). */
  private refused = { n: 0, at: 0 };

  private constructor(private o: Lwm2mServerOptions) {
    super(o);
    this.grace = o.expiryGraceMs ?? 0;
    this.timeoutMs = o.timeoutMs ?? 5000;
    this.awakeTimeMs = o.awakeTimeMs ?? 93000;
    this.maxRegs = o.maxRegistrations ?? 10000;
    this.maxPerAddress = o.maxRegistrationsPerAddress ?? 1000;
    // Lifetime expiry is one more engine on the poller: its deadline is the earliest expiry.
    this.poller.add(this);
  }

  static async start(o: Lwm2mServerOptions): Promise<Lwm2mServer> {
    const s = new Lwm2mServer(o);
    await s.open(o, {
      request: (l, req, peer, ex) => s.onRequest(l, req, peer, ex),
      dtlsFailure: (peer, reason) => s.emit({ type: 'DTLS', ep: '', peer, reason }),
      trust: (spki, peer) => s.trustRpk(spki, peer),
      api: (c) => serverApi(s, c),
      access: { textBody: isExecute },
    });
    return s;
  }

  /** An RPK handshake may finish only with a key we were told about (security.addRpk / PUT /api/security/clients). */
  private trustRpk(spki: Uint8Array, peer: Peer): boolean {
    if (this.security.rpkOwner(spki)) return true;
    this.emit({ type: 'DTLS', ep: '', peer, reason: `handshake refused: unknown RPK sha256:${spkiHash(spki)}` });
    return false;
  }

  clients(): Registration[] {
    return [...this.byEp.values()].map((r) => r.reg);
  }
  get(ep: string): Registration | null {
    return this.byEp.get(ep)?.reg ?? null;
  }

  private emit(e: ServerEvent): void {
    if (this.o.onEvent) this.o.onEvent(e);
    const data =
      e.type === 'NOTIFICATION' ? { ep: e.ep, kind: e.kind || 'single', res: e.path, val: e.value } :
      e.type === 'SEND' ? { ep: e.ep, val: e.value } :
      e.type === 'UPDATED' ? { registration: e.registration } :
      e.type === 'REJECTED' || e.type === 'DTLS' ? { ep: e.ep, reason: e.reason } :
      { ...e.registration, ...(e.expired ? { expired: true } : {}) };
    this.events.send(e.type, data, e.ep);
  }

  /** Lifetime expiry (Pollable): remove what ran out, return the next expiry. */
  poll(now: number): number {
    let next = -1;
    for (const r of [...this.regs.values()]) {
      if (r.expires <= now) this.remove(r, true);
      else if (next < 0 || r.expires < next) next = r.expires;
    }
    // Node timers hold at most 2^31-1 ms (a longer one fires at once): look again within a day.
    return next < 0 ? -1 : Math.min(next, now + 86400000);
  }

  /** Counts a registration at its peer's address (+1) or stops counting it (-1). */
  private count(st: RegState, d: 1 | -1): void {
    const a = st.peer.address;
    const n = (this.perAddress.get(a) || 0) + d;
    if (n > 0) this.perAddress.set(a, n);
    else this.perAddress.delete(a);
  }

  /** Why a registration from `address` (replacing `old`, if any) would exceed a bound, or null. */
  private full(address: string, old: RegState | undefined): string | null {
    if (!old && this.regs.size >= this.maxRegs) return `registration directory full (${this.maxRegs} registrations)`;
    if ((!old || old.peer.address !== address) && (this.perAddress.get(address) || 0) >= this.maxPerAddress) return `${address} already holds ${this.maxPerAddress} registrations`;
    return null;
  }

  /** One REJECTED event per second at most for capacity refusals, counting those not reported. */
  private reportFull(ep: string, peer: Peer, why: string): void {
    const now = Date.now();
    this.refused.n++;
    if (now - this.refused.at < 1000) return;
    const n = this.refused.n;
    this.refused = { n: 0, at: now };
    this.emit({ type: 'REJECTED', ep, peer, reason: `Register refused (5.03, Max-Age ${FULL_RETRY_S}): ${why}${n > 1 ? ` (${n} refused since the last report)` : ''}` });
  }

  private remove(r: RegState, expired: boolean): void {
    this.regs.delete(r.reg.registrationId);
    this.count(r, -1);
    if (this.byEp.get(r.reg.endpoint) === r) this.byEp.delete(r.reg.endpoint);
    for (const o of r.observations.values()) o.cancel();
    r.observations.clear();
    this.emit({ type: 'DEREGISTRATION', ep: r.reg.endpoint, registration: r.reg, expired });
  }

  private newId(): string {
    const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const b = new Uint8Array(10);
    for (;;) {
      nodeRng.fill(b);
      const id = [...b].map((x) => a[x % a.length]).join('');
      if (!this.regs.has(id)) return id;
    }
  }

  private applyLinks(reg: Registration, links: Link[]): void {
    reg.objectLinks = links.map((l) => ({ url: l.uri, attributes: { ...l.a } }));
    reg.rootPath = '/';
    reg.supportedFormats = [];
    const inst: Record<string, number[]> = {};
    const root = rootOf(links) ?? '';
    for (const l of links) {
      if (l.a.rt === 'oma.lwm2m') {
        reg.rootPath = l.uri.endsWith('/') ? l.uri : l.uri + '/';
        if (l.a.ct) reg.supportedFormats = l.a.ct.split(' ').filter((x) => /^\d+$/.test(x)).map(Number);
        continue;
      }
      const p = objectPath(l.uri, root);
      if (!p) continue;
      const k = String(p[0]);
      if (!inst[k]) inst[k] = [];
      if (p.length > 1 && !inst[k].includes(p[1])) inst[k].push(p[1]);
    }
    reg.availableInstances = inst;
  }

  private onRequest(l: Listener, req: CoapMessage, peer: Peer, ex: Exchange): void {
    const path = getUriPath(req) || [];
    const q = getUriQuery(req) || [];
    const params: Record<string, string> = {};
    for (const item of q) {
      const i = item.indexOf('=');
      params[i < 0 ? item : item.slice(0, i)] = i < 0 ? '' : item.slice(i + 1);
    }
    const now = Date.now();
    const answer = (code: number, msg?: string) => {
      ex.respond({ code, payload: msg ? utf8Encode(msg) : undefined });
      this.poller.kick();
    };
    if (path.length === 1 && path[0] === 'dp') return this.onSend(l, req, peer, answer);
    if (path[0] !== 'rd') return answer(CODE.NOT_FOUND);
    const cf = getUint(req, OPT.CONTENT_FORMAT, -1);
    if (req.payload.length && cf !== CF_LINK && cf !== -1) return answer(CODE.UNSUPPORTED_CONTENT_FORMAT);
    const lt = params.lt;
    if (lt !== undefined && !/^[1-9]\d{0,9}$/.test(lt)) return answer(CODE.BAD_REQUEST, 'bad lt');
    const b = params.b;
    if (b !== undefined && !/^[UMHTSNQ]+$/.test(b)) return answer(CODE.BAD_REQUEST, 'bad b');

    // Register (Core §5.3.1, Transport §6.2.1)
    if (path.length === 1 && req.code === CODE.POST) {
      const ep = params.ep ?? '';
      const badEp = endpointError(ep);
      if (badEp) return answer(CODE.BAD_REQUEST, badEp);
      const v = params.lwm2m ?? '1.0';
      if (!/^1\.[0-2]$/.test(v)) return answer(CODE.PRECONDITION_FAILED, `unsupported LwM2M version ${v.slice(0, 20)}`);
      // The object list is mandatory (Core §5.3.1; Leshan answers an empty one with 4.00 too).
      if (!req.payload.length) return answer(CODE.BAD_REQUEST, `supported object list is mandatory for endpoint ${ep}`);
      const links = parseLinks(req.payload);
      if (!links) return answer(CODE.BAD_REQUEST, 'malformed link-format payload');
      const badLink = linksError(links);
      if (badLink) return answer(CODE.BAD_REQUEST, badLink);
      const why = this.security.check(ep, l.identity(peer), l.rpkKey(peer));
      if (why) {
        this.emit({ type: 'REJECTED', ep, peer, reason: why });
        // An unauthorised client gets 4.03 Forbidden (Transport Table 6.2.1-1; Leshan too).
        return answer(CODE.FORBIDDEN);
      }
      const old = this.byEp.get(ep);
      // Bounded directory: a new endpoint (or one moving to another address) must fit (RFC 7252 §5.9.3.4: 5.03 + Max-Age).
      const full = this.full(peer.address, old);
      if (full) {
        ex.respond({ code: CODE.SERVICE_UNAVAILABLE, options: [{ num: OPT.MAX_AGE, value: new Uint8Array([FULL_RETRY_S]) }], payload: utf8Encode(full) });
        this.poller.kick();
        return this.reportFull(ep, peer, full);
      }
      if (old) {
        this.regs.delete(old.reg.registrationId);
        this.count(old, -1);
        for (const o of old.observations.values()) o.cancel();
      }
      const extra: Record<string, string> = {};
      for (const k of Object.keys(params)) if (!['ep', 'lt', 'lwm2m', 'b', 'sms', 'Q'].includes(k)) extra[k] = params[k];
      const reg: Registration = {
        endpoint: ep,
        registrationId: this.newId(),
        registrationDate: now,
        lastUpdate: now,
        address: `${peer.address}:${peer.port}`,
        lwM2mVersion: v,
        lifetime: lt ? +lt : 86400,
        bindingMode: b || 'U',
        rootPath: '/',
        objectLinks: [],
        secure: l.secure,
        identity: l.identity(peer),
        additionalRegistrationAttributes: extra,
        queuemode: (b || '').includes('Q') || 'Q' in params,
        availableInstances: {},
        supportedFormats: [],
      };
      this.applyLinks(reg, links);
      const st: RegState = { reg, listener: l, peer: { ...peer }, expires: now + reg.lifetime * 1000 + this.grace, observations: new Map(), awakeUntil: 0, waiting: old ? old.waiting : [] };
      this.regs.set(reg.registrationId, st);
      this.count(st, 1);
      this.byEp.set(ep, st);
      ex.respond({ code: CODE.CREATED, options: [{ num: OPT.LOCATION_PATH, value: utf8Encode('rd') }, { num: OPT.LOCATION_PATH, value: utf8Encode(reg.registrationId) }] });
      this.poller.kick();
      this.emit({ type: 'REGISTRATION', ep, registration: reg });
      this.heard(st);
      return;
    }
    if (path.length !== 2) return answer(CODE.NOT_FOUND);
    const st = this.regs.get(path[1]);
    if (!st) return answer(CODE.NOT_FOUND);
    // Only the client that registered may update or de-register (its DTLS identity; NoSec: the endpoint's transport).
    if (st.reg.secure !== l.secure || (l.secure && st.reg.identity !== l.identity(peer))) return answer(CODE.FORBIDDEN);
    // Update (Core §5.3.2)
    if (req.code === CODE.POST) {
      let links: Link[] | null = null;
      if (req.payload.length) {
        links = parseLinks(req.payload);
        if (!links) return answer(CODE.BAD_REQUEST, 'malformed link-format payload');
        const badLink = linksError(links);
        if (badLink) return answer(CODE.BAD_REQUEST, badLink);
      }
      if (lt) st.reg.lifetime = +lt;
      if (b) st.reg.bindingMode = b;
      if (links) this.applyLinks(st.reg, links);
      st.reg.lastUpdate = now;
      st.reg.address = `${peer.address}:${peer.port}`;
      // from a new address (the device's changed): its observations follow it
      if (peerKey(peer) !== peerKey(st.peer)) movePeer(l.coap, st.peer, peer);
      this.count(st, -1);
      st.peer = { ...peer };
      this.count(st, 1);
      st.listener = l;
      st.expires = now + st.reg.lifetime * 1000 + this.grace;
      answer(CODE.CHANGED);
      this.emit({ type: 'UPDATED', ep: st.reg.endpoint, registration: st.reg });
      this.heard(st);
      return;
    }
    // De-register (Core §5.3.3)
    if (req.code === CODE.DELETE) {
      answer(CODE.DELETED);
      this.remove(st, false);
      return;
    }
    answer(CODE.METHOD_NOT_ALLOWED);
  }

  // -- operations on a registered device -------------------------------------------

  private target(ep: string): RegState {
    const st = this.byEp.get(ep);
    if (!st) throw new HttpError(400, `no registered client with endpoint '${ep}'`);
    return st;
  }

  /**
   * The client was heard from (Register, Update, a notification): a queue-mode client is awake
   * for awakeTimeMs, and the requests that waited for it go now, oldest first (Core §6.5).
   */
  private heard(st: RegState): void {
    if (!st.reg.queuemode) return;
    const was = Date.now() < st.awakeUntil;
    st.awakeUntil = Date.now() + this.awakeTimeMs;
    if (!was) this.emit({ type: 'AWAKE', ep: st.reg.endpoint, registration: st.reg });
    for (const go of st.waiting.splice(0)) go();
  }

  /** Whether a request to this client must wait: it registered in queue mode and has not been heard within the awake time. */
  asleep(ep: string): boolean {
    const st = this.target(ep);
    return st.reg.queuemode && Date.now() >= st.awakeUntil;
  }

  /**
   * Runs `go` at once, or, for a sleeping queue-mode client, when it is next heard from (as
   * Leshan's web UI queues requests for a sleeping client); returns what withdraws it.
   */
  private whenAwake(st: RegState, go: () => void): () => void {
    if (!st.reg.queuemode || Date.now() < st.awakeUntil) {
      go();
      return () => {};
    }
    st.waiting.push(go);
    return () => {
      const i = st.waiting.indexOf(go);
      if (i >= 0) st.waiting.splice(i, 1);
    };
  }

  /** Why a request timed out: a sleeping queue-mode client never woke, or the device did not answer. */
  private late(ep: string, timeoutMs: number, sent: boolean): OpTimeout {
    if (sent) return new OpTimeout(`device ${ep} did not answer within ${timeoutMs} ms`);
    const e = new OpTimeout(`device ${ep} is sleeping (queue mode) and did not wake within ${timeoutMs} ms: the request was not sent`);
    e.sleeping = true;
    return e;
  }

  /** Send one request to a registered device (a sleeping queue-mode one: once it wakes); resolves with its answer, rejects with OpTimeout. */
  send(ep: string, spec: RequestSpec, timeoutMs = this.timeoutMs): Promise<CoapMessage> {
    const st = this.target(ep);
    return new Promise((resolve, reject) => {
      let done = false;
      let h: { cancel(): void } | null = null;
      const withdraw = this.whenAwake(st, () => {
        if (done) return;
        h = st.listener.coap.request(st.peer, spec, Date.now(), (err, res) => {
          if (done) return;
          done = true;
          clearTimeout(t);
          if (err || !res) reject(err === 'timeout' || err === 'no-response' ? new OpTimeout(`device ${ep} did not answer (${err})`) : new Error(`device ${ep}: ${err}`));
          else {
            this.heard(st);
            resolve(res);
          }
        });
        this.poller.kick();
      });
      const t = setTimeout(() => {
        if (done) return;
        done = true;
        withdraw();
        h?.cancel();
        reject(this.late(ep, timeoutMs, !!h));
      }, timeoutMs);
    });
  }

  private result(res: CoapMessage, base: number[] | null): OpResult {
    const format = getUint(res, OPT.CONTENT_FORMAT, -1);
    const r: OpResult = { code: res.code, status: codeName(res.code), success: res.code >> 5 === 2, format, payload: new Uint8Array(res.payload) };
    if (base && r.success && res.code === CODE.CONTENT && format !== CF_LINK) {
      const recs = format >= 0 ? decodeRecs(format, base, res.payload) : null;
      if (recs) {
        r.recs = recs;
        r.content = recsToNode(base, recs);
      } else r.error = format < 0 ? 'answer has no Content-Format' : `cannot decode ${formatName(format)} payload`;
    }
    if (r.success && format === CF_LINK) {
      const links = linkDec(res.payload);
      if (links) r.objectLinks = links.map((l) => ({ url: l.uri, attributes: { ...l.a } }));
      else r.error = 'malformed link-format answer';
    }
    if (res.code === CODE.CREATED) {
      const loc = getLocationPath(res);
      if (loc && loc.length) r.location = '/' + loc.join('/');
    }
    return r;
  }

  /** Read (Core §5.4.1); without a format, Accept asks for the device's preferred one (a client need not default to text/plain). */
  async read(ep: string, path: number[], format?: number, timeoutMs?: number): Promise<OpResult> {
    return this.result(await this.send(ep, { code: CODE.GET, path: pathStr(path), accept: format ?? this.preferredFormat(ep) }, timeoutMs), path);
  }

  async discover(ep: string, path: number[], timeoutMs?: number): Promise<OpResult> {
    return this.result(await this.send(ep, { code: CODE.GET, path: pathStr(path), accept: CF_LINK }, timeoutMs), null);
  }

  /**
   * The device's preferred format for many values: the first it announced (`ct=` in `</>`),
   * else TLV (LwM2M 1.1 names no default; TLV is 1.0's, which OMA advises without prior knowledge).
   */
  preferredFormat(ep: string): number {
    for (const f of this.target(ep).reg.supportedFormats) if (f === CF_SENML_CBOR || f === CF_TLV || f === CF_SENML_JSON) return f;
    return CF_TLV;
  }

  /** The format a write uses when none is asked for: plain text for one value, else the device's preferred one. */
  defaultFormat(ep: string, path: number[], recs: Rec[]): number {
    if (path.length >= 3 && recs.length === 1 && recs[0].p.length === path.length) {
      // one value: plain text needs no agreement (opaque: octet-stream)
      return recs[0].v instanceof Uint8Array ? CF_OPAQUE : CF_TEXT;
    }
    return this.preferredFormat(ep);
  }

  /** Write: replace (PUT) or partial update (POST), Core §5.4.3. */
  async write(ep: string, path: number[], recs: Rec[], opts: { format?: number; replace?: boolean; timeoutMs?: number } = {}): Promise<OpResult> {
    const format = opts.format ?? this.defaultFormat(ep, path, recs);
    const payload = encodeRecs(format, path, recs);
    if (!payload) throw new HttpError(400, `${formatName(format)} cannot carry this value at ${pathStr(path)}`);
    const code = opts.replace === false ? CODE.POST : CODE.PUT;
    return this.result(await this.send(ep, { code, path: pathStr(path), contentFormat: format, payload }, opts.timeoutMs), null);
  }

  async execute(ep: string, path: number[], args?: string, timeoutMs?: number): Promise<OpResult> {
    return this.result(await this.send(ep, { code: CODE.POST, path: pathStr(path), payload: args ? utf8Encode(args) : undefined }, timeoutMs), null);
  }

  /**
   * Create (Core §5.4.6): POST /oid; the new instance's id, when the server chooses it,
   * travels in the payload (TLV Object Instance, SenML names). Records with iid -1 let
   * the device choose (TLV only: bare resources).
   */
  async create(ep: string, oid: number, recs: Rec[], opts: { format?: number; timeoutMs?: number } = {}): Promise<OpResult> {
    const iid = recs.length ? recs[0].p[1] : -1;
    const format = opts.format ?? (iid >= 0 ? this.defaultFormat(ep, [oid], recs) : CF_TLV);
    const payload =
      iid >= 0 ? encodeRecs(format, [oid], recs) : format === CF_TLV ? encodeRecs(format, [oid, 0], recs.map((r) => ({ ...r, p: [oid, 0, ...r.p.slice(2)] }))) : null;
    if (!payload) throw new HttpError(400, iid >= 0 ? `${formatName(format)} cannot carry this instance` : 'without an instance id only TLV can carry a Create');
    return this.result(await this.send(ep, { code: CODE.POST, path: pathStr([oid]), contentFormat: format, payload }, opts.timeoutMs), null);
  }

  async delete(ep: string, path: number[], timeoutMs?: number): Promise<OpResult> {
    return this.result(await this.send(ep, { code: CODE.DELETE, path: pathStr(path) }, timeoutMs), null);
  }

  /** Write-Attributes (Core §5.4.4): PUT with Uri-Query only, e.g. ["pmin=1","pmax=5"]. */
  async writeAttributes(ep: string, path: number[], attrs: string[], timeoutMs?: number): Promise<OpResult> {
    return this.result(await this.send(ep, { code: CODE.PUT, path: pathStr(path), query: attrs }, timeoutMs), null);
  }

  /**
   * Observe (Core §5.5.1, RFC 7641): resolves with the first answer; every later
   * notification is an event (NOTIFICATION) and goes to `onNotify`.
   */
  observe(ep: string, path: number[], format?: number, onNotify?: (r: OpResult) => void, timeoutMs = this.timeoutMs): Promise<OpResult> {
    const key = pathStr(path);
    return this.observeWith(ep, key, path, format, { code: CODE.GET, path: key, accept: format, observe: true }, (res) => this.result(res, path), onNotify, timeoutMs);
  }

  /** Observe and Observe-Composite: the relation under `key`, its first answer and its notifications decoded by `decode`. */
  private observeWith(ep: string, key: string, path: number[], format: number | undefined, spec: RequestSpec, decode: (res: CoapMessage) => OpResult, onNotify: ((r: OpResult) => void) | undefined, timeoutMs: number): Promise<OpResult> {
    const st = this.target(ep);
    const old = st.observations.get(key);
    if (old) old.cancel();
    return new Promise((resolve, reject) => {
      let first = true;
      let h: { cancel(): void } | null = null;
      const withdraw = this.whenAwake(st, () => {
        if (!first) return;
        h = st.listener.coap.request(st.peer, spec, Date.now(), (err, res) => {
          if (first) {
            first = false;
            clearTimeout(t);
            if (err || !res) {
              st.observations.delete(key);
              return reject(err === 'timeout' ? new OpTimeout(`device ${ep} did not answer (${err})`) : new Error(`device ${ep}: ${err}`));
            }
            const r = decode(res);
            r.observe = getUint(res, OPT.OBSERVE, -1);
            if (!r.success || r.observe < 0) st.observations.delete(key);
            this.heard(st);
            return resolve(r);
          }
          if (err || !res) {
            st.observations.delete(key);
            return;
          }
          const r = decode(res);
          r.observe = getUint(res, OPT.OBSERVE, -1);
          this.heard(st);
          if (r.success) this.emit({ type: 'NOTIFICATION', ep, path: key, value: r.content, recs: r.recs, ...(spec.code === CODE.FETCH ? { kind: 'composite' as const } : {}) });
          if (onNotify) onNotify(r);
          if (!r.success) st.observations.delete(key);
        });
        this.poller.kick();
      });
      const obs: ObsState = {
        path,
        format,
        cancel: () => {
          withdraw();
          h?.cancel();
          if (st.observations.get(key) === obs) st.observations.delete(key);
        },
      };
      st.observations.set(key, obs);
      const t = setTimeout(() => {
        if (!first) return;
        first = false;
        const sent = !!h;
        obs.cancel();
        reject(this.late(ep, timeoutMs, sent));
      }, timeoutMs);
    });
  }

  /** Passive cancel (RFC 7641 §3.6, Leshan's default): forget it; the next notification gets RST. */
  cancelObserve(ep: string, path: number[]): boolean {
    const st = this.target(ep);
    const o = st.observations.get(pathStr(path));
    if (!o) return false;
    o.cancel();
    return true;
  }

  observations(ep: string): string[] {
    return [...this.target(ep).observations.keys()];
  }

  // -- composite operations and Send (LwM2M 1.1; payloads and nodes in lwm2m-composite.ts) --

  /** A composite answer: its SenML records and Leshan's content, "/oid/iid/rid" → node. */
  private compositeResult(res: CoapMessage): OpResult {
    const r = this.result(res, null);
    if (r.success && res.code === CODE.CONTENT) {
      const recs = isSenml(r.format) ? decodeRecs(r.format, [], res.payload) : null;
      if (recs) {
        r.recs = recs;
        r.content = compositeNodes(recs);
      } else r.error = r.format < 0 ? 'answer has no Content-Format' : `cannot decode ${formatName(r.format)} as a composite answer`;
    }
    return r;
  }

  /** FETCH / with the paths (Core §6.3 Read-Composite); the format asked for both ways (default the device's SenML, else SenML CBOR). */
  private compositeSpec(ep: string, paths: number[][], format: number | undefined, observe: boolean): RequestSpec {
    const cf = format ?? (this.preferredFormat(ep) === CF_SENML_JSON ? CF_SENML_JSON : CF_SENML_CBOR);
    return { code: CODE.FETCH, contentFormat: cf, accept: cf, payload: pathsPayload(cf, paths), observe };
  }

  async readComposite(ep: string, paths: number[][], format?: number, timeoutMs?: number): Promise<OpResult> {
    return this.compositeResult(await this.send(ep, this.compositeSpec(ep, paths, format, false), timeoutMs));
  }

  /** iPATCH / with SenML records (Core §6.3 Write-Composite). */
  async writeComposite(ep: string, recs: Rec[], format?: number, timeoutMs?: number): Promise<OpResult> {
    const cf = format ?? CF_SENML_CBOR;
    const payload = encodeRecs(cf, [], recs);
    if (!payload || !isSenml(cf)) throw new HttpError(400, `${formatName(cf)} cannot carry a Write-Composite`);
    return this.result(await this.send(ep, { code: CODE.IPATCH, contentFormat: cf, payload }, timeoutMs), null);
  }

  /** FETCH / with Observe=0 (Core §6.4 Observe-Composite): notifications carry every path (NOTIFICATION, kind composite). */
  observeComposite(ep: string, paths: number[][], format?: number, onNotify?: (r: OpResult) => void, timeoutMs = this.timeoutMs): Promise<OpResult> {
    const spec = this.compositeSpec(ep, paths, format, true);
    return this.observeWith(ep, compositeKey(paths), [], spec.accept, spec, (res) => this.compositeResult(res), onNotify, timeoutMs);
  }

  cancelObserveComposite(ep: string, paths: number[][]): boolean {
    const o = this.target(ep).observations.get(compositeKey(paths));
    if (!o) return false;
    o.cancel();
    return true;
  }

  /** Send (Core §6.4, `POST /dp` from a registered client, SenML): 2.04 and a SEND event with the values. */
  private onSend(l: Listener, req: CoapMessage, peer: Peer, answer: (code: number, msg?: string) => void): void {
    if (req.code !== CODE.POST) return answer(CODE.METHOD_NOT_ALLOWED);
    const st = [...this.regs.values()].find((r) => r.listener === l && r.peer.address === peer.address && r.peer.port === peer.port);
    if (!st) return answer(CODE.FORBIDDEN, 'not registered');
    const cf = getUint(req, OPT.CONTENT_FORMAT, -1);
    if (!isSenml(cf)) return answer(cf < 0 ? CODE.BAD_REQUEST : CODE.UNSUPPORTED_CONTENT_FORMAT, 'Send takes SenML JSON (110) or SenML CBOR (112)');
    const recs = decodeRecs(cf, [], req.payload);
    if (!recs || !recs.length) return answer(CODE.BAD_REQUEST, `malformed ${formatName(cf)} payload`);
    answer(CODE.CHANGED);
    this.heard(st);
    this.emit({ type: 'SEND', ep: st.reg.endpoint, path: formatName(cf), value: compositeNodes(recs), recs });
  }

  protected stopOwn(): void {
    for (const r of this.regs.values()) for (const o of r.observations.values()) o.cancel();
  }
}
