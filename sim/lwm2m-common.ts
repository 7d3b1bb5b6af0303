// What the simulator's two servers share: the CoAP listeners (plain UDP and DTLS PSK),
// LwM2M paths, content-format names, CoAP code names, and the conversion between
// decoded records (objects/formats) and the JSON nodes Leshan's REST API uses, so the
// same test code can drive Leshan and these servers.
import { CoapEndpoint, type Exchange } from '../transport/coap/endpoint';
import type { CoapMessage } from '../transport/coap/message';
import { CODE, type Params } from '../transport/coap/constants';
import { createDtlsServer } from '../transport/dtls/server';
import { serverCurves } from '../transport/dtls/server-curves';
import type { DtlsEndpoint, DtlsEvent, Session } from '../transport/dtls/connection';
import type { CryptoBackend, Peer } from '../transport/ports';
import { prf } from '../transport/crypto/hmac';
import { toHex } from '../transport/bytes';
import { bindUdp, nodeRng, Poller, type NodeUdp } from './node-ports';
import { nodeCrypto } from './node-crypto';
import { spkiCurve, spkiHash, type RpkKeyPair } from './rpk-keys';
import { allDefs } from '../objects/core/defs';
import { resFlags, defId, type ObjDef, type Rec, type Value, T_STR, T_INT, T_UINT, T_FLT, T_BOOL, T_OPQ, T_TIME, T_OLNK, T_CLNK } from '../objects/core/types';
import { codec, CF_TEXT, CF_LINK, CF_OPAQUE, CF_SENML_JSON, CF_SENML_CBOR, CF_TLV } from '../objects/formats/index';

// ---------------------------------------------------------------------------------------
// CoAP listeners

/** One CoAP endpoint on one UDP port, plain (NoSec) or under DTLS 1.2 PSK. */
export interface Listener {
  secure: boolean;
  coap: CoapEndpoint;
  udp: NodeUdp;
  dtls: DtlsEndpoint | null;
  /** coap://host:port or coaps://host:port */
  uri: string;
  /**
   * The identity the peer's DTLS session was established with: its PSK identity, or
   * `rpk:sha256:HEX` (the SHA-256 of its SubjectPublicKeyInfo, the device's QR label) for
   * a raw public key; null for NoSec.
   */
  identity(peer: Peer): string | null;
  /** The client's SubjectPublicKeyInfo DER when its session is RPK (RFC 7250), else null. */
  rpkKey(peer: Peer): Uint8Array | null;
  close(): void;
}

/** The URI of the first NoSec (`secure` false) or DTLS listener, or null when there is none. */
export function listenerUri(listeners: Listener[], secure: boolean): string | null {
  return listeners.find((l) => l.secure === secure)?.uri ?? null;
}

/** A server sees thousands of peers: the engine's per-endpoint bounds are sized for a device. */
export const SERVER_COAP_PARAMS: Partial<Params> = {
  MAX_DEDUP: 50000,
  MAX_OBSERVATIONS: 10000,
  MAX_BLOCK_CACHE: 256,
  MAX_PENDING_REQUESTS: 20000,
};

export interface ListenOptions {
  host: string;
  port: number;
  secure: boolean;
  /** PSK for an identity (DTLS only). */
  pskKey?: (identity: string) => Uint8Array | null;
  /** Raw public keys (DTLS only): our key pair, and whether a client's SPKI may finish a handshake. */
  rpk?: { keys: RpkKeyPair; trust: (spki: Uint8Array, peer: Peer) => boolean };
  /** DTLS timers: first retransmission and handshake deadline (ms); an RPK board computes for seconds per flight. */
  dtlsRetransmit?: number;
  dtlsTimeout?: number;
  poller: Poller;
  onRequest: (l: Listener, req: CoapMessage, peer: Peer, ex: Exchange) => void;
  onDtlsEvent?: (e: DtlsEvent) => void;
  params?: Partial<Params>;
  maxSessions?: number;
  /** Every UDP datagram in and out (for timelines, captures and tests). */
  onDatagram?: (dir: 'in' | 'out', data: Uint8Array, peer: Peer) => void;
  /** Each DTLS session's master secret as an NSS key log line (keylogCrypto). */
  keylog?: (line: string) => void;
}

/** What both servers take to open their endpoints: NoSec on `port`, DTLS (PSK and RPK) on `dtlsPort` (omitted or < 0: none). */
export interface EndpointsOptions {
  host?: string;
  port?: number;
  dtlsPort?: number;
  /** DTLS retransmission (ms) and handshake deadline (ms), see ListenOptions. */
  dtlsRetransmit?: number;
  dtlsTimeout?: number;
  coap?: Partial<Params>;
  onDatagram?: (dir: 'in' | 'out', data: Uint8Array, peer: Peer) => void;
  /** Each DTLS session's master secret as an NSS key log line, for Wireshark (keylogCrypto). */
  keylog?: (line: string) => void;
}

/**
 * Opens a server's NoSec and DTLS-PSK listeners. DTLS events other than `connected`
 * reach `onDtls` as one line of text.
 */
export async function listenAll(
  o: EndpointsOptions,
  poller: Poller,
  security: SecurityStore,
  onRequest: ListenOptions['onRequest'],
  onDtls: (peer: Peer, reason: string) => void,
  rpk?: ListenOptions['rpk'],
): Promise<Listener[]> {
  const out: Listener[] = [];
  const host = o.host || '127.0.0.1';
  for (const [port, secure] of [[o.port, false], [o.dtlsPort, true]] as [number | undefined, boolean][]) {
    if (port === undefined || port < 0) continue;
    out.push(
      await listen({
        host, port, secure, poller,
        pskKey: (id) => security.keyFor(id),
        rpk,
        dtlsRetransmit: o.dtlsRetransmit,
        dtlsTimeout: o.dtlsTimeout,
        onRequest,
        onDatagram: o.onDatagram,
        keylog: o.keylog,
        params: o.coap,
        onDtlsEvent: (e) => {
          if (e.type !== 'connected') onDtls(e.peer, `${e.type}${e.name ? ' ' + e.name : ''}${e.message ? ': ' + e.message : ''}`);
        },
      }),
    );
  }
  return out;
}

/** Whether a DTLS session was authenticated with a raw public key (its identity is then the client's SPKI DER). */
export function isRpkSession(s: Session): boolean {
  return !!(s as Session & { rpk?: boolean }).rpk;
}

const MASTER = 'master secret';

/**
 * The crypto port of a DTLS listener that writes each session's master secret to `write` as
 * a line of an NSS key log (`CLIENT_RANDOM <client_random> <master_secret>`, hex: the
 * SSLKEYLOGFILE format Wireshark and tshark read for DTLS too, `-o tls.keylog_file:FILE`).
 * The DTLS code (transport/, which this leaves untouched) derives the master secret as
 * PRF(premaster, "master secret", client_random ‖ server_random) (RFC 5246 §8.1), whose first
 * HMAC hashes (key ⊕ ipad) ‖ label ‖ seed (RFC 2104); seeing that input, this port derives the
 * same secret with the same PRF from the same key block (HMAC pads its key with zeros).
 */
export function keylogCrypto(base: CryptoBackend, write: (line: string) => void): CryptoBackend {
  return {
    ...base,
    sha256(data) {
      if (data.length === 64 + MASTER.length + 64 && Buffer.from(data.subarray(64, 64 + MASTER.length)).toString('latin1') === MASTER) {
        const seed = data.slice(64 + MASTER.length);
        write(`CLIENT_RANDOM ${toHex(seed.subarray(0, 32))} ${toHex(prf(base, data.slice(0, 64).map((b) => b ^ 0x36), MASTER, seed, 48))}`);
      }
      return base.sha256(data);
    },
  };
}

export async function listen(o: ListenOptions): Promise<Listener> {
  let coap: CoapEndpoint | null = null;
  let dtls: DtlsEndpoint | null = null;
  const kick = () => o.poller.kick();
  const udp = await bindUdp({ address: o.host, port: o.port }, (data, peer) => {
    if (o.onDatagram) o.onDatagram('in', data, peer);
    if (dtls) dtls.receive(data, peer);
    else coap!.receive(data, peer, Date.now());
    kick();
  });
  if (o.onDatagram) {
    const send = udp.send.bind(udp);
    const tap = o.onDatagram;
    udp.send = (data, peer) => {
      tap('out', data, peer);
      send(data, peer);
    };
  }
  if (o.secure) {
    // raw public keys: every key type and group built in (importing server.ts enables none)
    if (o.rpk) serverCurves();
    dtls = createDtlsServer({
      socket: udp,
      crypto: o.keylog ? keylogCrypto(nodeCrypto, o.keylog) : nodeCrypto,
      rng: nodeRng,
      pskKey: (id) => (o.pskKey ? o.pskKey(Buffer.from(id).toString('utf8')) : null),
      rpk: o.rpk ? { key: o.rpk.keys.pkcs8, spki: o.rpk.keys.spki, trust: o.rpk.trust } : undefined,
      retransmitInitial: o.dtlsRetransmit,
      handshakeTimeout: o.dtlsTimeout,
      maxSessions: o.maxSessions ?? 5000,
      onData: (data, peer) => coap!.receive(data, peer, Date.now()),
      onEvent: (e) => o.onDtlsEvent && o.onDtlsEvent(e),
    });
  }
  const l: Listener = {
    secure: o.secure,
    udp,
    dtls,
    coap: null as unknown as CoapEndpoint,
    uri: `${o.secure ? 'coaps' : 'coap'}://${udp.address.includes(':') ? `[${udp.address}]` : udp.address}:${udp.port}`,
    identity(peer) {
      if (!dtls) return null;
      const s = dtls.get(peer);
      if (!s || !s.identity) return null;
      return isRpkSession(s) ? `rpk:sha256:${spkiHash(s.identity)}` : Buffer.from(s.identity).toString('utf8');
    },
    rpkKey(peer) {
      const s = dtls ? dtls.get(peer) : null;
      return s && s.identity && isRpkSession(s) ? s.identity : null;
    },
    close() {
      o.poller.remove(coap!);
      if (dtls) o.poller.remove(dtls);
      udp.close();
    },
  };
  coap = new CoapEndpoint({
    port: dtls || udp,
    rng: nodeRng,
    params: { ...SERVER_COAP_PARAMS, ...(o.params || {}) },
    onRequest: (req, peer, ex) => o.onRequest(l, req, peer, ex),
  });
  l.coap = coap;
  o.poller.add(coap);
  if (dtls) o.poller.add(dtls);
  return l;
}

// ---------------------------------------------------------------------------------------
// Endpoint names and log lines

/** The longest endpoint name the servers accept (a CoAP Uri-Query option holds 255 bytes with `ep=`). */
export const MAX_ENDPOINT = 128;

/**
 * Why `ep` is not an acceptable endpoint name, or null: the characters of a URN
 * (RFC 8141 §2: unreserved, sub-delims, ":", "@", "/", and %HH escapes), 1..MAX_ENDPOINT
 * of them, so a name is never a terminal escape, a newline or a lookalike.
 */
export function endpointError(ep: string): string | null {
  if (!ep) return 'endpoint name missing';
  if (ep.length > MAX_ENDPOINT) return `endpoint name longer than ${MAX_ENDPOINT} characters`;
  if (!/^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})+$/.test(ep)) return 'endpoint name has characters a URN cannot have (RFC 8141)';
  return null;
}

/**
 * Text from the network made safe for a terminal: control characters (C0, DEL, C1),
 * line and paragraph separators and bidirectional overrides become \xHH or \uHHHH escapes.
 */
export function logSafe(s: string): string {
  return s.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const n = c.charCodeAt(0);
    return n < 256 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

// ---------------------------------------------------------------------------------------
// Paths, formats, codes

/** "/3/0/1" → [3, 0, 1]; "/" or "" → []; null when not an LwM2M path (ids 0..65535, at most 4). */
export function parseLwPath(s: string): number[] | null {
  if (s === '/' || s === '') return [];
  if (!/^(\/(0|[1-9][0-9]{0,4})){1,4}\/?$/.test(s)) return null;
  const p = s.split('/').filter((x) => x !== '').map(Number);
  return p.every((x) => x <= 65535) ? p : null;
}

export function pathStr(p: number[]): string {
  return '/' + p.join('/');
}

/** Content-Format names as Leshan spells them (ContentFormat.fromName), plus the CLI's lower-case aliases. */
const FORMAT_NAMES: Record<string, number> = {
  TEXT: CF_TEXT,
  LINK: CF_LINK,
  OPAQUE: CF_OPAQUE,
  SENML_JSON: CF_SENML_JSON,
  SENML_CBOR: CF_SENML_CBOR,
  TLV: CF_TLV,
};

/** A format name (TLV, SENML_CBOR, senml-cbor, text…) or number → Content-Format, or null. */
export function parseFormat(s: string): number | null {
  const k = s.trim().toUpperCase().replace(/-/g, '_');
  if (k in FORMAT_NAMES) return FORMAT_NAMES[k];
  if (/^[0-9]+$/.test(k) && Object.values(FORMAT_NAMES).includes(+k)) return +k;
  return null;
}

export function formatName(cf: number): string {
  for (const k of Object.keys(FORMAT_NAMES)) if (FORMAT_NAMES[k] === cf) return k;
  return String(cf);
}

/** 69 → "2.05" (one home: transport/coap/constants.ts). */
export { codeStr } from '../transport/coap/constants';

/** Leshan's ResponseCode.toString(): "CONTENT(205)", "NOT_FOUND(404)" (the names of transport/coap/constants.ts CODE). */
export function codeName(code: number): string {
  const name = code >> 5 ? Object.keys(CODE).find((k) => CODE[k as keyof typeof CODE] === code) : undefined;
  return `${name || 'UNKNOWN'}(${(code >> 5) * 100 + (code & 31)})`;
}

// ---------------------------------------------------------------------------------------
// Resource types: the device's definitions, plus what a server may write or read
// beyond them (OMA registry: Security and Server 1.1 resources the device omits).

const ALL_DEFS: ObjDef[] = allDefs();
const EXTRA: Record<number, Record<number, number>> = {
  0: { 6: T_INT, 7: T_OPQ, 8: T_OPQ, 9: T_STR, 13: T_UINT, 14: T_STR, 15: T_UINT, 16: T_UINT, 17: T_OLNK },
  1: { 10: T_OLNK, 11: T_INT, 12: T_INT, 13: T_UINT, 14: T_UINT, 15: T_BOOL, 16: T_BOOL, 17: T_UINT, 18: T_UINT, 19: T_UINT, 20: T_UINT, 21: T_BOOL, 22: T_STR, 23: T_BOOL },
};

/** The data type of resource rid of object oid (T_STR…T_CLNK), 0 for executables, -1 unknown. */
export function typeOf(oid: number, rid: number): number {
  const d = ALL_DEFS.find((x) => defId(x) === oid);
  if (d) {
    const f = resFlags(d, rid);
    if (f >= 0) return f & 15;
  }
  const e = EXTRA[oid];
  return e && e[rid] !== undefined ? e[rid] : -1;
}

/** Is resource rid of oid a multiple resource (by definition)? */
export function isMulti(oid: number, rid: number): boolean {
  const d = ALL_DEFS.find((x) => defId(x) === oid);
  if (!d) return false;
  const f = resFlags(d, rid);
  return f >= 0 && (f & 128) !== 0;
}

// ---------------------------------------------------------------------------------------
// Leshan JSON nodes (leshan-demo-server JacksonLwM2mNodeSerializer / Deserializer)

const TYPE_NAMES: Record<number, string> = {
  [T_STR]: 'STRING', [T_INT]: 'INTEGER', [T_UINT]: 'UNSIGNED_INTEGER', [T_FLT]: 'FLOAT', [T_BOOL]: 'BOOLEAN',
  [T_OPQ]: 'OPAQUE', [T_TIME]: 'TIME', [T_OLNK]: 'OBJLNK', [T_CLNK]: 'CORELINK',
};

export function typeName(t: number): string {
  return TYPE_NAMES[t] || 'OPAQUE';
}

export function typeFromName(s: string): number {
  const k = s.toUpperCase().replace(/^UNSIGNED$/, 'UNSIGNED_INTEGER').replace(/^CORELNK$/, 'CORELINK');
  for (const t of Object.keys(TYPE_NAMES)) if (TYPE_NAMES[+t] === k) return +t;
  return -1;
}

/**
 * A value as Leshan's JSON shows it: integers and floats as strings (Leshan avoids
 * JavaScript's 2^53 limit that way), opaque as hex, time as seconds, objlnk "oid:iid".
 */
export function jsonValue(t: number, v: Value): unknown {
  if (v instanceof Uint8Array) return toHex(v);
  if (typeof v === 'number') {
    if (t === T_FLT) return Number.isInteger(v) ? v.toFixed(1) : String(v);
    if (t === T_TIME) return v;
    return String(v);
  }
  return v;
}

/**
 * A record's type: the decoder's, else the definition's, else what the value itself is (an
 * object we have no definition for): SenML's numbers INTEGER or FLOAT, its strings and
 * text/plain STRING, booleans BOOLEAN, and TLV's bytes (which carry no type) OPAQUE.
 */
function recType(r: Rec, oid: number, rid: number): number {
  if (r.t >= 0) return r.t;
  const t = typeOf(oid, rid);
  if (t >= 0) return t;
  const v = r.v;
  return typeof v === 'number' ? (Number.isInteger(v) ? T_INT : T_FLT) : typeof v === 'boolean' ? T_BOOL : typeof v === 'string' ? T_STR : T_OPQ;
}

/** The node a JSON client (Leshan-style) reads: root, obj, instance, singleResource, multiResource, resourceInstance. */
export function recsToNode(base: number[], recs: Rec[]): Record<string, unknown> {
  const res = (oid: number, rid: number, list: Rec[]) => {
    const t = recType(list[0], oid, rid);
    const multi = list.some((r) => r.p.length > 3) || (list.length !== 1 ? true : isMulti(oid, rid) && base.length < 4);
    if (multi) {
      const values: Record<string, unknown> = {};
      for (const r of list) values[String(r.p[3] ?? 0)] = jsonValue(t, r.v);
      return { id: rid, kind: 'multiResource', type: typeName(t), values };
    }
    return { id: rid, kind: 'singleResource', type: typeName(t), value: jsonValue(t, list[0].v) };
  };
  const group = <K>(list: Rec[], key: (r: Rec) => K) => {
    const m = new Map<K, Rec[]>();
    for (const r of list) {
      const k = key(r);
      if (!m.has(k)) m.set(k, []);
      m.get(k)!.push(r);
    }
    return m;
  };
  const inst = (oid: number, iid: number, list: Rec[]) => ({
    id: iid,
    kind: 'instance',
    resources: [...group(list, (r) => r.p[2]).entries()].sort((a, b) => a[0] - b[0]).map(([rid, l]) => res(oid, rid, l)),
  });
  const obj = (oid: number, list: Rec[]) => ({
    id: oid,
    kind: 'obj',
    instances: [...group(list, (r) => r.p[1]).entries()].sort((a, b) => a[0] - b[0]).map(([iid, l]) => inst(oid, iid, l)),
  });
  if (base.length === 4) {
    const r = recs[0];
    if (!r) return { id: base[3], kind: 'resourceInstance', type: 'NONE', value: null };
    const t = recType(r, base[0], base[2]);
    return { id: base[3], kind: 'resourceInstance', type: typeName(t), value: jsonValue(t, r.v) };
  }
  if (base.length === 3) return recs.length ? res(base[0], base[2], recs) : { id: base[2], kind: 'singleResource', type: 'NONE', value: null };
  if (base.length === 2) return inst(base[0], base[1], recs);
  if (base.length === 1) return obj(base[0], recs);
  return { kind: 'root', objects: [...group(recs, (r) => r.p[0]).entries()].map(([oid, l]) => obj(oid, l)) };
}

/** A JSON value given for type t → the typed value; throws an Error naming what was expected. */
export function valueFromJson(t: number, v: unknown): Value {
  const bad = (m: string): never => {
    throw new Error(m);
  };
  switch (t) {
    case T_STR:
    case T_CLNK:
      return typeof v === 'string' ? v : bad('expected a string');
    case T_BOOL:
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === '1') return true;
      if (v === 'false' || v === '0') return false;
      return bad('expected a boolean');
    case T_OPQ:
      return typeof v === 'string' && /^([0-9a-fA-F]{2})*$/.test(v) ? new Uint8Array(Buffer.from(v, 'hex')) : bad('expected hex bytes');
    case T_OLNK: {
      const m = typeof v === 'string' ? /^(\d{1,5}):(\d{1,5})$/.exec(v) : null;
      return m && +m[1] < 65536 && +m[2] < 65536 ? (v as string) : bad('expected an object link "oid:iid"');
    }
    case T_FLT: {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      return Number.isFinite(n) ? n : bad('expected a number');
    }
    case T_INT:
    case T_UINT:
    case T_TIME: {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : NaN;
      if (!Number.isSafeInteger(n)) bad('expected an integer');
      if (t === T_UINT && n < 0) bad('expected an unsigned integer');
      return n;
    }
  }
  return bad('unknown resource type');
}

/**
 * A Leshan-style JSON node written at `path` → records with absolute paths.
 * Throws an Error with a one-line message when the node does not fit the path or a type.
 */
export function nodeToRecs(path: number[], node: unknown): Rec[] {
  const bad = (m: string): never => {
    throw new Error(m);
  };
  if (!node || typeof node !== 'object' || Array.isArray(node)) bad('body must be a JSON object (a Leshan node)');
  const n = node as Record<string, unknown>;
  const one = (oid: number, iid: number, r: Record<string, unknown>): Rec[] => {
    if (!r || typeof r !== 'object') bad('resource must be an object');
    const rid = r.id;
    if (typeof rid !== 'number' || !Number.isInteger(rid) || rid < 0 || rid > 65535) bad('resource "id" must be 0..65535');
    const known = typeOf(oid, rid as number);
    const t = typeof r.type === 'string' ? typeFromName(r.type) : known;
    if (t <= 0) bad(`resource ${rid}: unknown or missing "type"`);
    const conv = (v: unknown, where: string): Value => {
      try {
        return valueFromJson(t, v);
      } catch (e) {
        return bad(`${where}: ${(e as Error).message}`);
      }
    };
    if (r.kind === 'multiResource') {
      const vals = r.values;
      if (!vals || typeof vals !== 'object' || Array.isArray(vals)) bad(`resource ${rid}: "values" must be an object`);
      return Object.keys(vals as object)
        .map((k) => {
          if (!/^\d{1,5}$/.test(k) || +k > 65535) bad(`resource ${rid}: bad instance id "${k}"`);
          return { p: [oid, iid, rid as number, +k], t, v: conv((vals as Record<string, unknown>)[k], `resource ${rid}/${k}`) };
        })
        .sort((a, b) => a.p[3] - b.p[3]);
    }
    if (r.kind !== undefined && r.kind !== 'singleResource') bad(`resource ${rid}: kind must be singleResource or multiResource`);
    if (!('value' in r)) bad(`resource ${rid}: missing "value"`);
    return [{ p: [oid, iid, rid as number], t, v: conv(r.value, `resource ${rid}`) }];
  };
  if (n.kind === 'instance') {
    if (path.length < 1 || path.length > 2) bad('an instance node needs a path /oid or /oid/iid');
    const iid = path.length === 2 ? path[1] : typeof n.id === 'number' ? n.id : -1;
    if (path.length === 2 && typeof n.id === 'number' && n.id !== path[1]) bad(`instance id ${n.id} differs from the path`);
    if (!Array.isArray(n.resources)) bad('instance: "resources" must be an array');
    const out: Rec[] = [];
    for (const r of n.resources as Record<string, unknown>[]) out.push(...one(path[0], iid, r));
    return out.sort((a, b) => a.p[2] - b.p[2] || (a.p[3] ?? 0) - (b.p[3] ?? 0));
  }
  if (n.kind === 'resourceInstance') {
    if (path.length !== 4) bad('a resourceInstance node needs a path /oid/iid/rid/riid');
    const t = typeof n.type === 'string' ? typeFromName(n.type) : typeOf(path[0], path[2]);
    if (t <= 0) bad('resourceInstance: unknown or missing "type"');
    let x: Value;
    try {
      x = valueFromJson(t, n.value);
    } catch (e) {
      return bad(`resourceInstance: ${(e as Error).message}`);
    }
    return [{ p: path.slice(), t, v: x }];
  }
  if (path.length !== 3) bad('a resource node needs a path /oid/iid/rid');
  if (typeof n.id === 'number' && n.id !== path[2]) bad(`resource id ${n.id} differs from the path`);
  return one(path[0], path[1], { ...n, id: path[2] });
}

/** Encode records at `base` in Content-Format cf (null: the format cannot carry them). */
export function encodeRecs(cf: number, base: number[], recs: Rec[]): Uint8Array | null {
  const c = codec(cf);
  if (!c) return null;
  if (c.one && recs.length !== 1) return null;
  return c.enc(base, recs);
}

/** Decode a device's payload at `base`; null when malformed or in a format we lack. */
export function decodeRecs(cf: number, base: number[], payload: Uint8Array): Rec[] | null {
  const c = codec(cf);
  if (!c) return null;
  return c.dec(payload, base.length ? base : [0], typeOf);
}

// ---------------------------------------------------------------------------------------
// Security store: endpoint ↔ PSK identity and key (Leshan's SecurityInfo, PSK only)

export interface PskEntry {
  endpoint: string;
  identity: string;
  key: Uint8Array;
}

/** An endpoint's raw public key (Leshan's SecurityInfo with an RPK). */
export interface RpkEntry {
  endpoint: string;
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /** SHA-256 of the SPKI, hex (the QR label). */
  hash: string;
  /** Bound by an enrolment: the installer who scanned the label, and when (Date.now()). */
  installer?: string;
  enrolled?: number;
}

const short = (hash: string) => `sha256:${hash.slice(0, 16)}…`;

/** What the admin API shows of a secret: its length, never its bytes. */
export function hidden(b: Uint8Array | undefined): string {
  return `(${b ? b.length : 0} bytes, not shown)`;
}

function checkEndpoint(ep: string): void {
  const why = endpointError(ep);
  if (why) throw new Error(why);
}

export class SecurityStore {
  private byEp = new Map<string, PskEntry>();
  private byId = new Map<string, PskEntry>();
  /** Identities with a key but no endpoint bound (CLI `--psk` without `--endpoint`): any endpoint may use them. */
  private free = new Map<string, Uint8Array>();
  private rpkByEp = new Map<string, RpkEntry>();
  private rpkByHash = new Map<string, RpkEntry>();

  /** Binds a raw public key (SPKI DER) to an endpoint; throws when another endpoint has it or the name is not one. */
  addRpk(endpoint: string, spki: Uint8Array, by?: { installer: string; enrolled: number }): RpkEntry {
    checkEndpoint(endpoint);
    const hash = spkiHash(spki);
    const old = this.rpkByHash.get(hash);
    if (old && old.endpoint !== endpoint) throw new Error(`RPK ${short(hash)} is already used by endpoint ${old.endpoint}`);
    this.removeRpk(endpoint);
    const e: RpkEntry = { endpoint, spki: new Uint8Array(spki), hash, ...by };
    this.rpkByEp.set(endpoint, e);
    this.rpkByHash.set(hash, e);
    return e;
  }
  removeRpk(endpoint: string): boolean {
    const e = this.rpkByEp.get(endpoint);
    if (!e) return false;
    this.rpkByEp.delete(endpoint);
    this.rpkByHash.delete(e.hash);
    return true;
  }
  getRpk(endpoint: string): RpkEntry | undefined {
    return this.rpkByEp.get(endpoint);
  }
  /** The endpoint a raw public key belongs to, if any. */
  rpkOwner(spki: Uint8Array): RpkEntry | undefined {
    return this.rpkByHash.get(spkiHash(spki));
  }
  /** The entry of the key whose SHA-256 (QR label, hex) this is, if any endpoint has it. */
  rpkByLabel(hash: string): RpkEntry | undefined {
    return this.rpkByHash.get(hash);
  }
  /** The credentials bound to an endpoint, in words ("PSK identity X", "RPK sha256:…"), or null when it has none. */
  credentials(endpoint: string): string | null {
    const psk = this.byEp.get(endpoint);
    const rpk = this.rpkByEp.get(endpoint);
    const out = [psk ? `PSK identity ${psk.identity}` : '', rpk ? `RPK ${short(rpk.hash)}` : ''].filter(Boolean);
    return out.length ? out.join(' and ') : null;
  }

  /** Throws when the identity already belongs to another endpoint (Leshan: 400 "PSK Identity X is already used"). */
  add(e: PskEntry): void {
    checkEndpoint(e.endpoint);
    const old = this.byId.get(e.identity);
    if (old && old.endpoint !== e.endpoint) throw new Error(`PSK Identity ${e.identity} is already used`);
    this.remove(e.endpoint);
    this.byEp.set(e.endpoint, e);
    this.byId.set(e.identity, e);
  }
  addUnbound(identity: string, key: Uint8Array): void {
    this.free.set(identity, key);
  }
  remove(endpoint: string): boolean {
    const r = this.removeRpk(endpoint);
    const e = this.byEp.get(endpoint);
    if (!e) return r;
    this.byEp.delete(endpoint);
    this.byId.delete(e.identity);
    return true;
  }
  get(endpoint: string): PskEntry | undefined {
    return this.byEp.get(endpoint);
  }
  keyFor(identity: string): Uint8Array | null {
    const e = this.byId.get(identity);
    return e ? e.key : this.free.get(identity) || null;
  }
  /** null when `endpoint` may talk to us this way (NoSec: identity null; PSK: its identity; RPK: its SPKI), else the reason it may not. */
  check(endpoint: string, identity: string | null, spki?: Uint8Array | null): string | null {
    const mine = this.byEp.get(endpoint);
    const myRpk = this.rpkByEp.get(endpoint);
    if (spki) {
      const o = this.rpkOwner(spki);
      if (o) return o.endpoint === endpoint ? null : `RPK ${short(o.hash)} belongs to endpoint ${o.endpoint}, not ${endpoint}`;
      if (myRpk) return `endpoint ${endpoint} must use RPK ${short(myRpk.hash)}, not ${short(spkiHash(spki))}`;
      return `unknown RPK ${short(spkiHash(spki))}${mine ? ` (endpoint ${endpoint} has PSK credentials)` : ''}`;
    }
    if (identity === null) return mine || myRpk ? `endpoint ${endpoint} has ${mine ? 'PSK' : 'RPK'} credentials and must use DTLS` : null;
    if (myRpk && !mine && !this.byId.has(identity)) return `endpoint ${endpoint} must use its raw public key (${short(myRpk.hash)}), not PSK`;
    const owner = this.byId.get(identity);
    if (owner) return owner.endpoint === endpoint ? null : `PSK identity ${identity} belongs to endpoint ${owner.endpoint}, not ${endpoint}`;
    if (mine) return `endpoint ${endpoint} must use PSK identity ${mine.identity}`;
    return this.free.has(identity) ? null : `unknown PSK identity ${identity}`;
  }
  /**
   * Leshan's JSON, without secrets: [{"endpoint":…,"tls":{"mode":"psk","details":{"identity":…,"key":"(16 bytes, not shown)"}}},
   * {…"tls":{"mode":"rpk","details":{"key":SPKI HEX}}} (+ "installer", "enrolled" when an enrolment bound it)].
   */
  toJson(): unknown[] {
    return [
      ...[...this.byEp.values()].map((e) => pskJson(e)),
      ...[...this.rpkByEp.values()].map((e) => rpkJson(e)),
    ];
  }
  /** Leshan's SecurityInfo JSON (PSK or RPK) into the store; throws a one-line Error when malformed. */
  addJson(j: unknown): unknown {
    const o = j as { endpoint?: unknown; tls?: { mode?: unknown; details?: { key?: unknown } } };
    if (o && typeof o === 'object' && o.tls && o.tls.mode === 'rpk') {
      if (typeof o.endpoint !== 'string' || !o.endpoint) throw new Error('security info: "endpoint" must be a non-empty string');
      const k = o.tls.details?.key;
      if (typeof k !== 'string' || !/^([0-9a-fA-F]{2})+$/.test(k)) throw new Error('security info: rpk "key" must be the hex of a SubjectPublicKeyInfo');
      const spki = new Uint8Array(Buffer.from(k, 'hex'));
      if (!spkiCurve(spki)) throw new Error(`security info: rpk "key" is not a P-256 or Ed25519 SubjectPublicKeyInfo (${spki.length} bytes)`);
      return rpkJson(this.addRpk(o.endpoint, spki));
    }
    const e = SecurityStore.fromJson(j);
    this.add(e);
    return pskJson(e);
  }
  /** Accepts Leshan's PSK SecurityInfo JSON; throws a one-line Error when it is not PSK or malformed. */
  static fromJson(j: unknown): PskEntry {
    const o = j as { endpoint?: unknown; tls?: { mode?: unknown; details?: { identity?: unknown; key?: unknown } } };
    if (!o || typeof o !== 'object') throw new Error('security info must be a JSON object');
    if (typeof o.endpoint !== 'string' || !o.endpoint) throw new Error('security info: "endpoint" must be a non-empty string');
    if (!o.tls || o.tls.mode !== 'psk') throw new Error('security info: only "tls":{"mode":"psk"} or {"mode":"rpk"} is supported');
    const d = o.tls.details || {};
    if (typeof d.identity !== 'string' || !d.identity) throw new Error('security info: "identity" must be a non-empty string');
    if (typeof d.key !== 'string' || !/^([0-9a-fA-F]{2})+$/.test(d.key)) throw new Error('security info: "key" must be hex bytes');
    return { endpoint: o.endpoint, identity: d.identity, key: new Uint8Array(Buffer.from(d.key, 'hex')) };
  }
}

function pskJson(e: PskEntry): unknown {
  return { endpoint: e.endpoint, tls: { mode: 'psk', details: { identity: e.identity, key: hidden(e.key) } } };
}

function rpkJson(e: RpkEntry): unknown {
  const by = e.installer ? { installer: e.installer, enrolled: new Date(e.enrolled!).toISOString() } : {};
  return { endpoint: e.endpoint, tls: { mode: 'rpk', details: { key: toHex(e.spki) } }, ...by };
}
