// The simulator's LwM2M Bootstrap Server (LwM2M 1.1 Core §5.2.7 "Client Initiated
// Bootstrap", §6.1; Transport §6.1 / Table 6.1.1-1). On `POST /bs?ep=EP[&pct=N]` it answers
// 2.04, then runs the endpoint's configuration as Eclipse Leshan's bootstrap server does
// (BootstrapUtil.toRequests): Bootstrap-Delete of each `toDelete` path (default `/0`,
// `/1`: the client keeps its Bootstrap-Server account, §5.2.7.5), Bootstrap-Write of each
// Security instance, then each Server instance, each as one object-instance payload,
// then Bootstrap-Finish `POST /bs`. One request at a time: the next goes when the
// previous is answered. An error answer to a Delete or Write does not stop the session
// (Leshan continues), a request that gets no answer or a failed Finish does.
// The configuration model is Leshan's BootstrapConfig, so its REST body works here too.
import type { CoapMessage } from '../transport/coap/message';
import { getUriPath, getUriQuery } from '../transport/coap/message';
import { CODE } from '../transport/coap/constants';
import type { Exchange } from '../transport/coap/endpoint';
import type { Peer } from '../transport/ports';
import { toHex, utf8Encode } from '../transport/bytes';
import { T_BOOL, T_INT, T_OPQ, T_STR, type Rec } from '../objects/core/types';
import { CF_SENML_CBOR, CF_SENML_JSON, CF_TLV } from '../objects/formats/index';
import { encodeRecs, formatName, codeStr, parseLwPath, endpointError, hidden, SecurityStore, type Listener } from './lwm2m-common';
import { jsonBody, badRequest, sameSecret, HttpError, type HttpCtx, type HttpResult } from './http-util';
import { parseLabel, spkiHash, type RpkKeyPair } from './rpk-keys';
import { ServerBase, type ServerBaseOptions } from './server-base';

/** How long an installer's scan of a QR label lets that device bootstrap (10 minutes). */
export const DEFAULT_ENROL_MS = 10 * 60 * 1000;

/** An installer scanned a device's QR label: its key may bootstrap until `until`. */
export interface Enrolment {
  /** SHA-256 of the device's SubjectPublicKeyInfo, hex. */
  hash: string;
  /** Date.now() when the window closes. */
  until: number;
  /** Only this endpoint name may use it (optional: the label carries the key's hash only). */
  endpoint?: string;
  /** Who scanned it: an installer account, or "operator" (the admin token, or the server's own code). */
  installer: string;
  /** Date.now() of the scan. */
  time: number;
}

/** An enrolment its key has used: since `boundAt` the key is endpoint `boundTo`'s. */
export interface BoundEnrolment extends Enrolment {
  boundTo: string;
  boundAt: number;
}

/** Installer account names: letters, digits and . _ @ - (they appear in logs). */
const INSTALLER_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

/** Why NAME:PASSWORD is not an installer account, or null (a name, and a password of 8 characters or more). */
export function installerError(name: string, password: string): string | null {
  if (!INSTALLER_NAME.test(name)) return `installer name '${name.slice(0, 64)}' must be 1..64 of A-Z a-z 0-9 . _ @ -`;
  if (password.length < 8) return `installer ${name}: the password must have 8 characters or more`;
  return null;
}

/** LwM2M Security object resource 2 "Security Mode" (Core Appendix E.1). */
export const SECURITY_MODES: Record<string, number> = { PSK: 0, RPK: 1, X509: 2, NO_SEC: 3, EST: 4 };

/** One Security (object 0) instance, as Leshan's BootstrapConfig.ServerSecurity. */
export interface BsSecurity {
  uri: string;
  bootstrapServer: boolean;
  securityMode: keyof typeof SECURITY_MODES;
  publicKeyOrId: Uint8Array;
  serverPublicKey: Uint8Array;
  secretKey: Uint8Array;
  /** SMS resources 6–9: Leshan writes them always (defaults NO_SEC, empty, empty, ""), so we do too. */
  smsSecurityMode?: keyof typeof SECURITY_MODES;
  smsBindingKeyParam?: Uint8Array;
  smsBindingKeySecret?: Uint8Array;
  serverSmsNumber?: string;
  serverId?: number;
  clientOldOffTime?: number;
  bootstrapServerAccountTimeout?: number;
}

/** Leshan's BootstrapConfig defaults, so a device sees the same Bootstrap-Writes from both servers (FINDINGS §4). */
export function withLeshanDefaults(s: BsSecurity): BsSecurity {
  return {
    smsSecurityMode: 'NO_SEC', smsBindingKeyParam: new Uint8Array(0), smsBindingKeySecret: new Uint8Array(0), serverSmsNumber: '',
    clientOldOffTime: 1, bootstrapServerAccountTimeout: 0,
    ...Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)),
  } as BsSecurity;
}

/** One Server (object 1) instance, as Leshan's BootstrapConfig.ServerConfig. */
export interface BsServer {
  shortId: number;
  lifetime: number;
  defaultMinPeriod?: number;
  defaultMaxPeriod?: number;
  disableTimeout?: number;
  notifIfDisabled: boolean;
  binding: string;
}

export interface BsConfig {
  toDelete: string[];
  security: Record<string, BsSecurity>;
  servers: Record<string, BsServer>;
  /** Content-Format of the writes; default: the client's `pct`, else TLV (as Leshan). */
  contentFormat?: number;
}

/** The simple form the CLI and tests use: one LwM2M server account. */
export interface SimpleBsConfig {
  serverUri: string;
  /** 'NO_SEC' | 'PSK' | 'RPK' (default: PSK when a PSK is given, RPK when a server public key is, else NO_SEC). */
  securityMode?: 'NO_SEC' | 'PSK' | 'RPK';
  pskIdentity?: string;
  pskKey?: Uint8Array;
  /** RPK: the LwM2M server's SubjectPublicKeyInfo DER (/0/x/4, required). */
  serverPublicKey?: Uint8Array;
  /**
   * RPK: the device's key pair for that server, /0/x/3 (SPKI DER) and /0/x/5 (PKCS#8 DER).
   * Omitted: both resources empty, and the device uses its own key (its bootstrap
   * account's), so the private key never leaves it.
   */
  rpkPublicKey?: Uint8Array;
  rpkSecretKey?: Uint8Array;
  shortServerId?: number;
  lifetime?: number;
  binding?: string;
  format?: number;
  /** Security instance for the LwM2M server account (default 1: the device's own bootstrap account is usually /0/0). */
  securityInstance?: number;
  serverInstance?: number;
}

export function simpleConfig(s: SimpleBsConfig): BsConfig {
  const mode = s.securityMode || (s.pskKey ? 'PSK' : s.serverPublicKey ? 'RPK' : 'NO_SEC');
  if (mode === 'PSK' && (!s.pskIdentity || !s.pskKey)) throw new Error('a PSK server account needs an identity and a key');
  if (mode === 'RPK' && !s.serverPublicKey?.length) throw new Error('an RPK server account needs the server\'s public key');
  if (mode === 'RPK' && !s.rpkSecretKey !== !s.rpkPublicKey) throw new Error('an RPK server account takes both the device\'s public and secret key, or neither (the device\'s own)');
  const ssid = s.shortServerId ?? 123;
  return {
    toDelete: ['/0', '/1'],
    security: {
      [String(s.securityInstance ?? 1)]: withLeshanDefaults({
        uri: s.serverUri,
        bootstrapServer: false,
        securityMode: mode,
        publicKeyOrId: mode === 'PSK' ? utf8Encode(s.pskIdentity!) : mode === 'RPK' && s.rpkPublicKey ? s.rpkPublicKey : new Uint8Array(0),
        serverPublicKey: mode === 'RPK' ? s.serverPublicKey! : new Uint8Array(0),
        secretKey: mode === 'PSK' ? s.pskKey! : mode === 'RPK' && s.rpkSecretKey ? s.rpkSecretKey : new Uint8Array(0),
        serverId: ssid,
      }),
    },
    servers: { [String(s.serverInstance ?? 0)]: { shortId: ssid, lifetime: s.lifetime ?? 300, defaultMinPeriod: 1, notifIfDisabled: true, binding: s.binding || 'U' } },
    contentFormat: s.format,
  };
}

function bytesField(v: unknown, name: string): Uint8Array {
  if (v === undefined || v === null) return new Uint8Array(0);
  if (typeof v === 'string') {
    if (/not shown\)$/.test(v)) throw new Error(`${name}: give the key itself (listings do not show keys)`);
    if (!/^([0-9a-fA-F]{2})*$/.test(v)) throw new Error(`${name}: a string must be hex bytes`);
    return new Uint8Array(Buffer.from(v, 'hex'));
  }
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x) && x >= -128 && x <= 255)) throw new Error(`${name} must be an array of bytes`);
  return new Uint8Array(v.map((x: number) => x & 255));
}

function intField(v: unknown, name: string, min: number, max: number, dflt?: number): number | undefined {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be an integer ${min}..${max}`);
  return v;
}

function instanceKey(k: string, what: string): string {
  if (!/^\d{1,5}$/.test(k) || +k > 65534) throw new Error(`${what} instance id '${k}' must be 0..65534`);
  return String(+k);
}

/** Leshan's BootstrapConfig JSON (byte fields: arrays of bytes, or hex strings) → BsConfig; throws a one-line Error. */
export function configFromJson(j: unknown): BsConfig {
  if (!j || typeof j !== 'object' || Array.isArray(j)) throw new Error('bootstrap config must be a JSON object');
  const o = j as Record<string, unknown>;
  const toDelete = o.toDelete === undefined ? ['/0', '/1'] : o.toDelete;
  if (!Array.isArray(toDelete) || !toDelete.every((p) => typeof p === 'string' && parseLwPath(p) !== null && parseLwPath(p)!.length <= 2))
    throw new Error('toDelete must be an array of paths like "/0" or "/1/0"');
  const cfg: BsConfig = { toDelete: toDelete as string[], security: {}, servers: {} };
  const sec = (o.security ?? {}) as Record<string, Record<string, unknown>>;
  if (typeof sec !== 'object' || Array.isArray(sec)) throw new Error('security must be an object of instances');
  for (const k of Object.keys(sec)) {
    const s = sec[k];
    const key = instanceKey(k, 'security');
    if (!s || typeof s !== 'object') throw new Error(`security ${k} must be an object`);
    if (typeof s.uri !== 'string' || !/^coaps?:\/\/./.test(s.uri)) throw new Error(`security ${k}: uri must be coap://… or coaps://…`);
    const mode = s.securityMode ?? 'NO_SEC';
    if (typeof mode !== 'string' || !(mode in SECURITY_MODES)) throw new Error(`security ${k}: securityMode must be one of ${Object.keys(SECURITY_MODES).join(', ')}`);
    const sms = s.smsSecurityMode ?? 'NO_SEC';
    if (typeof sms !== 'string' || !(sms in SECURITY_MODES)) throw new Error(`security ${k}: smsSecurityMode must be one of ${Object.keys(SECURITY_MODES).join(', ')}`);
    if (s.serverSmsNumber !== undefined && typeof s.serverSmsNumber !== 'string') throw new Error(`security ${k}: serverSmsNumber must be a string`);
    cfg.security[key] = withLeshanDefaults({
      uri: s.uri,
      bootstrapServer: s.bootstrapServer === true,
      securityMode: mode as keyof typeof SECURITY_MODES,
      publicKeyOrId: bytesField(s.publicKeyOrId, `security ${k}: publicKeyOrId`),
      serverPublicKey: bytesField(s.serverPublicKey, `security ${k}: serverPublicKey`),
      secretKey: bytesField(s.secretKey, `security ${k}: secretKey`),
      smsSecurityMode: sms as keyof typeof SECURITY_MODES,
      smsBindingKeyParam: bytesField(s.smsBindingKeyParam, `security ${k}: smsBindingKeyParam`),
      smsBindingKeySecret: bytesField(s.smsBindingKeySecret, `security ${k}: smsBindingKeySecret`),
      serverSmsNumber: s.serverSmsNumber as string | undefined,
      serverId: intField(s.serverId, `security ${k}: serverId`, 0, 65535),
      clientOldOffTime: intField(s.clientOldOffTime, `security ${k}: clientOldOffTime`, 0, 2 ** 31 - 1),
      bootstrapServerAccountTimeout: intField(s.bootstrapServerAccountTimeout, `security ${k}: bootstrapServerAccountTimeout`, 0, 2 ** 31 - 1),
    });
  }
  const srv = (o.servers ?? {}) as Record<string, Record<string, unknown>>;
  if (typeof srv !== 'object' || Array.isArray(srv)) throw new Error('servers must be an object of instances');
  for (const k of Object.keys(srv)) {
    const s = srv[k];
    const key = instanceKey(k, 'server');
    if (!s || typeof s !== 'object') throw new Error(`server ${k} must be an object`);
    const binding = s.binding ?? 'U';
    if (typeof binding !== 'string' || !/^[UMHTSNQ]+$/.test(binding)) throw new Error(`server ${k}: binding must be letters of UMHTSNQ`);
    cfg.servers[key] = {
      shortId: intField(s.shortId, `server ${k}: shortId`, 1, 65534)!,
      lifetime: intField(s.lifetime, `server ${k}: lifetime`, 1, 2 ** 31 - 1, 86400)!,
      defaultMinPeriod: intField(s.defaultMinPeriod, `server ${k}: defaultMinPeriod`, 0, 2 ** 31 - 1, 1),
      defaultMaxPeriod: intField(s.defaultMaxPeriod, `server ${k}: defaultMaxPeriod`, 0, 2 ** 31 - 1),
      disableTimeout: intField(s.disableTimeout, `server ${k}: disableTimeout`, 0, 2 ** 31 - 1),
      notifIfDisabled: s.notifIfDisabled !== false,
      binding,
    };
    if (cfg.servers[key].shortId === undefined) throw new Error(`server ${k}: shortId is required`);
    // Leshan: every Server instance needs the Security instance that names its Short Server ID.
    if (!Object.values(cfg.security).some((x) => x.serverId === cfg.servers[key].shortId)) throw new Error(`no security entry for server instance: ${k}`);
  }
  if (o.contentFormat !== undefined && o.contentFormat !== null) {
    const cf = o.contentFormat;
    const n = cf === 'TLV' ? CF_TLV : cf === 'SENML_CBOR' ? CF_SENML_CBOR : cf === 'SENML_JSON' ? CF_SENML_JSON : cf;
    if (n !== CF_TLV && n !== CF_SENML_CBOR && n !== CF_SENML_JSON) throw new Error('contentFormat must be TLV, SENML_CBOR or SENML_JSON');
    cfg.contentFormat = n as number;
  }
  return cfg;
}

/** A key in a listing: [] when empty, else its length only. */
function secretJson(b: Uint8Array | undefined): unknown {
  return b && b.length ? hidden(b) : [];
}

/**
 * BsConfig → Leshan's JSON (byte fields as arrays of unsigned bytes), without key
 * material: `secretKey` and `smsBindingKeySecret` show their length only, a string that
 * configFromJson refuses, so a listing posted back cannot blank a key by accident.
 */
export function configToJson(c: BsConfig): unknown {
  const security: Record<string, unknown> = {};
  for (const k of Object.keys(c.security)) {
    const s = c.security[k];
    security[k] = {
      ...s,
      publicKeyOrId: [...s.publicKeyOrId], serverPublicKey: [...s.serverPublicKey], secretKey: secretJson(s.secretKey),
      smsBindingKeyParam: [...(s.smsBindingKeyParam || [])], smsBindingKeySecret: secretJson(s.smsBindingKeySecret),
    };
  }
  // contentFormat as its integer code: the only form Leshan's REST API accepts.
  return { toDelete: c.toDelete, servers: c.servers, security, ...(c.contentFormat ? { contentFormat: c.contentFormat } : {}) };
}

/** The records of one Security instance (Core Appendix E.1 resource ids). */
export function securityRecs(iid: number, s: BsSecurity): Rec[] {
  const r: Rec[] = [
    { p: [0, iid, 0], t: T_STR, v: s.uri },
    { p: [0, iid, 1], t: T_BOOL, v: s.bootstrapServer },
    { p: [0, iid, 2], t: T_INT, v: SECURITY_MODES[s.securityMode] },
    { p: [0, iid, 3], t: T_OPQ, v: s.publicKeyOrId },
    { p: [0, iid, 4], t: T_OPQ, v: s.serverPublicKey },
    { p: [0, iid, 5], t: T_OPQ, v: s.secretKey },
  ];
  if (s.smsSecurityMode !== undefined) r.push({ p: [0, iid, 6], t: T_INT, v: SECURITY_MODES[s.smsSecurityMode] });
  if (s.smsBindingKeyParam !== undefined) r.push({ p: [0, iid, 7], t: T_OPQ, v: s.smsBindingKeyParam });
  if (s.smsBindingKeySecret !== undefined) r.push({ p: [0, iid, 8], t: T_OPQ, v: s.smsBindingKeySecret });
  if (s.serverSmsNumber !== undefined) r.push({ p: [0, iid, 9], t: T_STR, v: s.serverSmsNumber });
  if (s.serverId !== undefined) r.push({ p: [0, iid, 10], t: T_INT, v: s.serverId });
  if (s.clientOldOffTime !== undefined) r.push({ p: [0, iid, 11], t: T_INT, v: s.clientOldOffTime });
  if (s.bootstrapServerAccountTimeout !== undefined) r.push({ p: [0, iid, 12], t: T_INT, v: s.bootstrapServerAccountTimeout });
  return r;
}

/** The records of one Server instance (Core Appendix E.2). */
export function serverRecs(iid: number, s: BsServer): Rec[] {
  const r: Rec[] = [
    { p: [1, iid, 0], t: T_INT, v: s.shortId },
    { p: [1, iid, 1], t: T_INT, v: s.lifetime },
  ];
  if (s.defaultMinPeriod !== undefined) r.push({ p: [1, iid, 2], t: T_INT, v: s.defaultMinPeriod });
  if (s.defaultMaxPeriod !== undefined) r.push({ p: [1, iid, 3], t: T_INT, v: s.defaultMaxPeriod });
  if (s.disableTimeout !== undefined) r.push({ p: [1, iid, 5], t: T_INT, v: s.disableTimeout });
  r.push({ p: [1, iid, 6], t: T_BOOL, v: s.notifIfDisabled });
  r.push({ p: [1, iid, 7], t: T_STR, v: s.binding });
  return r;
}

/** One downlink request of a bootstrap session. */
export interface BsStep {
  kind: 'delete' | 'write' | 'finish';
  path: string;
  format?: number;
  payload?: Uint8Array;
}

/** The session's requests in Leshan's order: deletes, Security writes, Server writes, Finish. */
export function bootstrapSteps(c: BsConfig, format: number): BsStep[] {
  const steps: BsStep[] = c.toDelete.map((p) => ({ kind: 'delete' as const, path: p }));
  const byId = (o: object) => Object.keys(o).sort((a, b) => +a - +b);
  for (const k of byId(c.security)) {
    const iid = +k;
    steps.push({ kind: 'write', path: `/0/${iid}`, format, payload: encodeRecs(format, [0, iid], securityRecs(iid, c.security[k]))! });
  }
  for (const k of byId(c.servers)) {
    const iid = +k;
    steps.push({ kind: 'write', path: `/1/${iid}`, format, payload: encodeRecs(format, [1, iid], serverRecs(iid, c.servers[k]))! });
  }
  steps.push({ kind: 'finish', path: '/bs' });
  return steps;
}

/** What the bootstrap server reports, one event per step, for a readable timeline. */
export interface BsEvent {
  type: 'request' | 'rejected' | 'delete' | 'write' | 'finish' | 'done' | 'failed' | 'dtls' | 'enrol' | 'enrolled' | 'revoked';
  ep: string;
  peer?: Peer;
  secure?: boolean;
  path?: string;
  format?: string;
  /** CoAP code of the device's answer, "2.02" */
  code?: string;
  bytes?: number;
  reason?: string;
}

/** Besides the listeners, credentials, raw public key and admin API of every server (server-base.ts). */
export interface BootstrapServerOptions extends ServerBaseOptions {
  /** Installer accounts, name → password: they may enrol QR labels over the API (`Authorization: Basic`), nothing else. */
  installers?: Record<string, string>;
  configs?: Record<string, BsConfig>;
  onEvent?: (e: BsEvent) => void;
  /** A device that does not answer a bootstrap request within this many ms fails the session (default 30 s). */
  requestTimeoutMs?: number;
}

interface Session {
  ep: string;
  listener: Listener;
  peer: Peer;
  steps: BsStep[];
  i: number;
  timer: NodeJS.Timeout | null;
  cancel: (() => void) | null;
  over: boolean;
}

export class BootstrapServer extends ServerBase {
  readonly configs = new Map<string, BsConfig>();
  private sessions = new Map<string, Session>();
  private timeout: number;
  /** Open enrolment windows by label (SHA-256 of the device's SPKI). */
  private enrolments = new Map<string, Enrolment>();
  /** Enrolments whose key bound itself to an endpoint, oldest first: who enrolled what. */
  readonly bound: BoundEnrolment[] = [];
  private installers = new Map<string, string>();

  private constructor(private o: BootstrapServerOptions) {
    super(o);
    this.timeout = o.requestTimeoutMs ?? 30000;
    for (const k of Object.keys(o.configs || {})) this.configs.set(k, o.configs![k]);
    for (const [name, password] of Object.entries(o.installers || {})) {
      const why = installerError(name, password);
      if (why) throw new Error(why);
      this.installers.set(name, password);
    }
  }

  /** Is NAME:PASSWORD an installer account? (Every account is compared, in constant time each.) */
  private installer(name: string, password: string): boolean {
    let ok = false;
    for (const [n, p] of this.installers) if (sameSecret(n, name) && sameSecret(p, password)) ok = true;
    return ok;
  }

  static async start(o: BootstrapServerOptions): Promise<BootstrapServer> {
    const s = new BootstrapServer(o);
    await s.open(o, {
      request: (l, req, peer, ex) => s.onRequest(l, req, peer, ex),
      dtlsFailure: (peer, reason) => s.emit({ type: 'dtls', ep: '', peer, reason }),
      trust: (spki, peer) => s.trust(spki, peer),
      api: (c) => s.api(c),
      access: { basic: (n, p) => s.installer(n, p) },
    });
    return s;
  }

  setConfig(ep: string, c: BsConfig): void {
    this.configs.set(ep, c);
  }


  /**
   * An installer scanned a device's QR label (the SHA-256 of its SPKI, seed §4): for
   * `windowMs` a DTLS client with that key may bootstrap (as `endpoint` only, if given).
   * Its first Bootstrap-Request binds the key to its endpoint, if that endpoint has no
   * credentials yet; after that the device is known and needs no window. Throws a
   * one-line Error for a malformed label, window or endpoint name, a key that is already
   * an endpoint's, or an endpoint that already has credentials (an operator revokes
   * them first: DELETE /api/security/clients/EP).
   */
  enrol(label: string, windowMs = DEFAULT_ENROL_MS, endpoint?: string, installer = 'operator'): Enrolment {
    const hash = parseLabel(label);
    if (!Number.isInteger(windowMs) || windowMs < 1 || windowMs > 7 * 86400000) throw new Error(`enrolment window ${windowMs} ms must be 1 ms..7 days`);
    const known = this.security.rpkByLabel(hash);
    if (known) throw new Error(`RPK sha256:${hash} is already endpoint ${known.endpoint}'s`);
    if (endpoint !== undefined) {
      const why = endpointError(endpoint) || this.taken(endpoint);
      if (why) throw new Error(why);
    }
    const now = Date.now();
    const e: Enrolment = { hash, until: now + windowMs, ...(endpoint ? { endpoint } : {}), installer, time: now };
    this.enrolments.set(hash, e);
    this.emit({ type: 'enrol', ep: endpoint || '', reason: `QR label sha256:${hash} enrolled for ${Math.round(windowMs / 1000)} s${endpoint ? ` (endpoint ${endpoint})` : ''} by ${installer}` });
    return e;
  }

  /** Why an enrolled key may not become `ep`'s: the endpoint already has credentials (null: it has none). */
  private taken(ep: string): string | null {
    const has = this.security.credentials(ep);
    return has ? `endpoint ${ep} already has credentials (${has}): an operator must revoke them first (DELETE /api/security/clients/${ep})` : null;
  }

  /** Enrolment windows not yet used (open or closed), for the admin API. */
  enrolmentList(): (Enrolment & { open: boolean })[] {
    const now = Date.now();
    return [...this.enrolments.values()].map((e) => ({ ...e, open: now < e.until }));
  }

  /** An operator withdraws an enrolment window not yet used; false when there is none for that label. */
  cancelEnrolment(label: string): boolean {
    const hash = parseLabel(label);
    const e = this.enrolments.get(hash);
    if (!e) return false;
    this.enrolments.delete(hash);
    this.emit({ type: 'revoked', ep: e.endpoint || '', reason: `enrolment of QR label sha256:${hash} (by ${e.installer}) withdrawn` });
    return true;
  }

  /** An operator revokes an endpoint's credentials (PSK and RPK): its device can no longer bootstrap, and a newly enrolled key may take the endpoint. */
  revoke(ep: string): string | null {
    const had = this.security.credentials(ep);
    if (!had) return null;
    this.security.remove(ep);
    this.emit({ type: 'revoked', ep, reason: `credentials of endpoint ${ep} revoked (${had})` });
    return had;
  }

  /** Why a client key may not bootstrap now, or null when it may (its key is known, or its window is open). */
  private untrusted(spki: Uint8Array, ep?: string): string | null {
    if (this.security.rpkOwner(spki)) return null;
    const hash = spkiHash(spki);
    const e = this.enrolments.get(hash);
    if (!e) return `RPK sha256:${hash} is not enrolled (no QR label scanned for it)`;
    const now = Date.now();
    if (now >= e.until) return `RPK sha256:${hash}: its enrolment window closed ${Math.round((now - e.until) / 1000)} s ago`;
    if (ep !== undefined && e.endpoint && e.endpoint !== ep) return `RPK sha256:${hash} is enrolled for endpoint ${e.endpoint}, not ${ep}`;
    return null;
  }

  /** The DTLS server's question during an RPK handshake: may this client key finish it? */
  private trust(spki: Uint8Array, peer: Peer): boolean {
    const why = this.untrusted(spki);
    if (why) this.emit({ type: 'dtls', ep: '', peer, reason: `handshake refused: ${why}` });
    return !why;
  }

  private emit(e: BsEvent): void {
    if (this.o.onEvent) this.o.onEvent(e);
    // Leshan's bootstrap server streams `BSSESSION` events named after the session's steps.
    const ok = e.code && e.code.charAt(0) === '2';
    const name =
      e.type === 'request' ? 'authorized' : e.type === 'rejected' ? 'unauthorized' : e.type === 'done' ? 'finished' : e.type === 'failed' ? 'failed' :
      e.type === 'dtls' || e.type === 'enrol' || e.type === 'enrolled' ? e.type : ok ? 'receive success response' : 'receive error response';
    this.events.send('BSSESSION', { name, endpoint: e.ep, time: Date.now(), message: e.reason || `${e.type} ${e.path || ''} ${e.code || ''}`.trim(), ...e }, e.ep);
  }

  private onRequest(l: Listener, req: CoapMessage, peer: Peer, ex: Exchange): void {
    const path = getUriPath(req) || [];
    if (path.length !== 1 || path[0] !== 'bs') return ex.respond({ code: CODE.NOT_FOUND });
    if (req.code !== CODE.POST) return ex.respond({ code: CODE.METHOD_NOT_ALLOWED });
    const q = getUriQuery(req) || [];
    let ep = '';
    let pct = -1;
    let bad = '';
    for (const item of q) {
      const i = item.indexOf('=');
      const k = i < 0 ? item : item.slice(0, i);
      const v = i < 0 ? '' : item.slice(i + 1);
      if (k === 'ep') ep = v;
      else if (k === 'pct') {
        pct = /^\d{1,5}$/.test(v) ? +v : -2;
        if (pct !== CF_TLV && pct !== CF_SENML_CBOR && pct !== CF_SENML_JSON) bad = `unsupported pct ${v}`;
      }
    }
    const reject = (reason: string) => {
      this.emit({ type: 'rejected', ep, peer, secure: l.secure, reason });
      // 4.00 Bad Request for an unknown or unauthorised endpoint (Transport Table 6.1.1-1; Leshan says "no bootstrap config" / "Unauthorized").
      ex.respond({ code: CODE.BAD_REQUEST, contentFormat: 0, payload: utf8Encode(reason.split(':')[0]) });
      this.poller.kick();
    };
    const badEp = endpointError(ep);
    if (badEp) return reject(badEp);
    if (bad) return reject(bad);
    const rpk = l.rpkKey(peer);
    if (rpk && !this.security.rpkOwner(rpk)) {
      // The first Bootstrap-Request over an enrolled key: the key becomes this endpoint's,
      // unless the endpoint already has credentials (never a takeover of a known device).
      const hash = spkiHash(rpk);
      const no = this.untrusted(rpk, ep) || this.taken(ep);
      if (no) return reject(`Unauthorized: ${no}`);
      const en = this.enrolments.get(hash)!;
      const now = Date.now();
      try {
        this.security.addRpk(ep, rpk, { installer: en.installer, enrolled: en.time });
      } catch (e) {
        return reject(`Unauthorized: ${(e as Error).message}`);
      }
      this.enrolments.delete(hash);
      this.bound.push({ ...en, boundTo: ep, boundAt: now });
      this.emit({ type: 'enrolled', ep, peer, reason: `RPK sha256:${hash} (enrolled by ${en.installer} at ${new Date(en.time).toISOString()}) is now endpoint ${ep}'s` });
    }
    const why = this.security.check(ep, l.identity(peer), rpk);
    if (why) return reject(`Unauthorized: ${why}`);
    const cfg = this.configs.get(ep);
    if (!cfg) return reject('no bootstrap config');
    const format = cfg.contentFormat || (pct > 0 ? pct : CF_TLV);
    this.emit({ type: 'request', ep, peer, secure: l.secure, format: formatName(format), path: '/bs' });
    ex.respond({ code: CODE.CHANGED });
    // A new Bootstrap-Request replaces a running session of the same endpoint.
    const old = this.sessions.get(ep);
    if (old) this.end(old, 'failed', 'replaced by a new Bootstrap-Request');
    const s: Session = { ep, listener: l, peer: { ...peer }, steps: bootstrapSteps(cfg, format), i: 0, timer: null, cancel: null, over: false };
    this.sessions.set(ep, s);
    this.next(s);
  }

  private next(s: Session): void {
    if (s.over) return;
    const st = s.steps[s.i];
    const spec =
      st.kind === 'delete'
        ? { code: CODE.DELETE, path: st.path }
        : st.kind === 'write'
          ? { code: CODE.PUT, path: st.path, contentFormat: st.format, payload: st.payload }
          : { code: CODE.POST, path: '/bs' };
    const h = s.listener.coap.request(s.peer, spec, Date.now(), (err, res) => {
      if (s.over) return;
      if (s.timer) clearTimeout(s.timer);
      s.timer = null;
      if (err || !res) return this.end(s, 'failed', `${st.kind} ${st.path}: ${err || 'no answer'}`);
      const ok = res.code >> 5 === 2;
      this.emit({ type: st.kind, ep: s.ep, path: st.path, code: codeStr(res.code), format: st.format ? formatName(st.format) : undefined, bytes: st.payload?.length });
      if (st.kind === 'finish') return this.end(s, ok ? 'done' : 'failed', ok ? undefined : `Bootstrap-Finish answered ${codeStr(res.code)}`);
      s.i++;
      this.next(s);
    });
    s.cancel = () => h.cancel();
    s.timer = setTimeout(() => this.end(s, 'failed', `${st.kind} ${st.path}: no answer within ${this.timeout} ms`), this.timeout);
    this.poller.kick();
  }

  private end(s: Session, type: 'done' | 'failed', reason?: string): void {
    if (s.over) return;
    s.over = true;
    if (s.timer) clearTimeout(s.timer);
    if (s.cancel) s.cancel();
    if (this.sessions.get(s.ep) === s) this.sessions.delete(s.ep);
    this.emit({ type, ep: s.ep, reason });
    this.poller.kick();
  }

  // -- admin HTTP API (Leshan's bootstrap server REST API) ----------------------------

  private async api(c: HttpCtx): Promise<HttpResult> {
    const [api, what, ...rest] = c.parts;
    if (api !== 'api') throw new HttpError(404, `no such resource ${c.path}`);
    // An installer's account enrols QR labels, nothing else.
    if (c.account !== null && !(what === 'enrol' && rest.length === 0 && c.method === 'POST')) throw new HttpError(403, `installer ${c.account} may only enrol (POST /api/enrol)`);
    if (what === 'bootstrap') {
      if (c.method === 'GET' && rest.length === 0) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of this.configs) out[k] = configToJson(v);
        return [200, out];
      }
      if (rest.length !== 1 || !rest[0]) badRequest(`expected /api/bootstrap/ENDPOINT, got ${c.path}`);
      const ep = rest[0];
      if (c.method === 'GET') {
        const cfg = this.configs.get(ep);
        if (!cfg) throw new HttpError(404, `no bootstrap config for ${ep}`);
        return [200, configToJson(cfg)];
      }
      if (c.method === 'POST' || c.method === 'PUT') {
        const badEp = endpointError(ep);
        if (badEp) badRequest(badEp);
        let cfg: BsConfig;
        try {
          cfg = configFromJson(jsonBody(c));
        } catch (e) {
          if (e instanceof HttpError) throw e;
          return badRequest((e as Error).message);
        }
        this.configs.set(ep, cfg);
        return [200, configToJson(cfg)];
      }
      if (c.method === 'DELETE') {
        if (!this.configs.delete(ep)) throw new HttpError(404, `no config for ${ep}`);
        return [204, null];
      }
      throw new HttpError(405, `${c.method} not allowed on ${c.path}`);
    }
    if (what === 'security' && rest[0] === 'clients') return securityApi(this.security, c, rest.slice(1), (ep) => this.revoke(ep));
    if (what === 'server' && rest[0] === 'security' && c.method === 'GET') return [200, serverSecurityJson(this.rpkKeys)];
    if (what === 'enrol' && rest.length === 1 && c.method === 'DELETE') {
      try {
        if (!this.cancelEnrolment(rest[0])) throw new HttpError(404, `no open enrolment for label ${rest[0]}`);
      } catch (e) {
        if (e instanceof HttpError) throw e;
        return badRequest((e as Error).message);
      }
      return [204, null];
    }
    if (what === 'enrol' && rest.length === 0) {
      // who enrolled what: the windows not yet used, then the keys they bound (installer, time, key hash, endpoint)
      if (c.method === 'GET') return [200, [...this.enrolmentList(), ...this.bound]];
      if (c.method === 'POST') {
        const b = jsonBody(c) as { label?: unknown; windowMs?: unknown; endpoint?: unknown };
        if (!b || typeof b !== 'object' || typeof b.label !== 'string') return badRequest('enrol: body must be {"label":"<sha256 hex of the SPKI>","windowMs":600000,"endpoint":"optional"}');
        if (b.windowMs !== undefined && typeof b.windowMs !== 'number') return badRequest('enrol: "windowMs" must be a number');
        if (b.endpoint !== undefined && (typeof b.endpoint !== 'string' || !b.endpoint)) return badRequest('enrol: "endpoint" must be a non-empty string');
        try {
          return [200, this.enrol(b.label, (b.windowMs as number | undefined) ?? DEFAULT_ENROL_MS, b.endpoint as string | undefined, c.account ?? 'operator')];
        } catch (e) {
          return badRequest((e as Error).message);
        }
      }
      throw new HttpError(405, `${c.method} not allowed on ${c.path}`);
    }
    if (what === 'event' && c.method === 'GET') return this.events.open(c);
    throw new HttpError(404, `no such resource ${c.path}`);
  }

  protected stopOwn(): void {
    for (const s of [...this.sessions.values()]) this.end(s, 'failed', 'server closed');
  }
}

/** Leshan's `GET /api/server/security`: the server's raw public key (SPKI DER, hex) and its SHA-256. */
export function serverSecurityJson(k: RpkKeyPair): unknown {
  return { pubkey: toHex(k.spki), hash: k.hash };
}

/**
 * Leshan's `/api/security/clients` resource, shared by both servers; DELETE …/EP is the
 * operator's revocation of the endpoint's credentials (`revoke`, default: just remove them).
 */
export function securityApi(store: SecurityStore, c: HttpCtx, rest: string[], revoke: (ep: string) => unknown = (ep) => store.remove(ep)): HttpResult {
  if (c.method === 'GET' && rest.length === 0) return [200, store.toJson()];
  if (c.method === 'PUT' && rest.length === 0) {
    try {
      return [200, store.addJson(jsonBody(c))];
    } catch (err) {
      if (err instanceof HttpError) throw err;
      return badRequest((err as Error).message);
    }
  }
  if (c.method === 'DELETE' && rest.length === 1) {
    // Leshan answers 200 either way, {"message":"not_found"} for an unknown endpoint.
    return [200, revoke(rest[0]) ? {} : { message: 'not_found' }];
  }
  return badRequest(`unsupported ${c.method} ${c.path}`);
}
