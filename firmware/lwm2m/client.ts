// The LwM2M client: one explicit state machine (LwM2M 1.1 Core §6.1, §6.2).
//
//   INIT ──> BOOTSTRAPPING ──(Bootstrap-Finish accepted)──> REGISTERING ──(2.01)──> REGISTERED
//              ^    │ failure: hold-off, backoff with jitter        │ failures       │ Update before
//              │    v                                               v                │ the lifetime ends
//              └── BACKOFF <──────────── bootstrap on registration failure ─────────┘
//   any ──stop()──> DEREGISTERING ──> STOPPED
//
// The client owns no timer and no socket: the host calls receive(datagram, peer) for
// every datagram on its UDP port and poll(now) when the deadline it returned comes.
// Each server account (Security + Server instance pair) gets one connection: a CoAP
// endpoint over plain UDP, or over a DTLS client session for coaps:// URIs.
import type { Clock, CryptoBackend, DatagramPort, Peer, Rng, Storage } from '../../transport/ports';
import { peerKey } from '../../transport/ports';
import { CoapEndpoint } from '../../transport/coap/endpoint';
import type { Observation } from '../../transport/coap/endpoint';
import { CODE, OPT, FORMAT, params as coapParams } from '../../transport/coap/constants';
import type { Params } from '../../transport/coap/constants';
import { CoapMessage, getStrings } from '../../transport/coap/message';
import { createDtlsClient } from '../../transport/dtls/client';
import type { DtlsClientOptions } from '../../transport/dtls/client';
import type { DtlsEvent } from '../../transport/dtls/connection';
import type { Registry } from '../../objects/core/registry';
import * as ops from '../../objects/ops/index';
import type { Req, Res } from '../../objects/ops/index';
import { utf8Encode, utf8Decode, fromHex, toHex } from '../../transport/bytes';
import { dispatch, Account } from './dispatch';
import { Reporting } from './reporting';
import { parseUri } from './uri';
import { accountStore } from './persistence';

export var INIT = 0;
export var BOOTSTRAPPING = 1;
export var REGISTERING = 2;
export var REGISTERED = 3;
export var DEREGISTERING = 4;
export var BACKOFF = 5;
export var STOPPED = 6;
export var STATE_NAMES = ['init', 'bootstrapping', 'registering', 'registered', 'deregistering', 'backoff', 'stopped'];

/** Security Mode (0/x/2). */
var MODE_PSK = 0;
var MODE_RPK = 1;
var MODE_NOSEC = 3;

/** An RPK account's keys in the DTLS client's form (transport/dtls/rpk.ts, DtlsClientOptions.rpk). */
export interface RpkKeys {
  /** Our Ed25519 private key: a 32-byte seed or PKCS#8 DER. */
  key: Uint8Array;
  /** Our SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /** The server's SubjectPublicKeyInfo DER (pinned). */
  serverSpki: Uint8Array | null;
}

/**
 * Checks RPK account `secIid` (Security resources 3 Public Key, 4 Server Public Key,
 * 5 Secret Key) and gives its keys, or the reason they are unusable. Installed by the RPK
 * build only (firmware/lwm2m/rpk.ts): the PSK build carries no RPK code and skips RPK
 * accounts, saying so.
 */
export type RpkCheck = (c: Client, secIid: number) => RpkKeys | string;
var rpkCheck: RpkCheck | null = null;

/** The RPK build's entry calls this once (with the DTLS RPK suite enabled). */
export function useRpk(check: RpkCheck): void {
  rpkCheck = check;
}

export interface ClientPorts {
  /** The UDP socket; the host hands every datagram it receives to client.receive(). */
  udp: DatagramPort;
  clock: Clock;
  rng: Rng;
  storage: Storage;
  crypto: CryptoBackend;
}

export interface FactoryConfig {
  /** Endpoint Client Name, a URN (e.g. urn:dev:mac:…). */
  endpoint: string;
  /** The Bootstrap-Server account: URI coap[s]://host:port, PSK identity (text) and key (hex). */
  bootstrapUri: string;
  pskIdentity?: string;
  pskKey?: string;
  /**
   * RPK (Security Mode 1) instead of PSK when rpkPriv is set, all hex: our private key
   * (32-byte Ed25519 seed or PKCS#8 DER), our public key (SPKI DER, or the raw 32 bytes)
   * given so the board need not derive it (an Ed25519 base multiplication, seconds there),
   * and the Bootstrap-Server's public key (SPKI DER or raw 32 bytes).
   */
  rpkPriv?: string;
  rpkPub?: string;
  rpkServerPub?: string;
  /** Client Hold Off Time (0/x/11), seconds. */
  holdOff?: number;
}

export interface ClientOptions {
  /** CoAP transmission parameters (RFC 7252 §4.8), e.g. { ACK_TIMEOUT: 9000 } for slow links. */
  coap?: Partial<Params>;
  /** DTLS: initial flight retransmission (ms), handshake deadline (ms). */
  dtlsRetransmit?: number;
  dtlsTimeout?: number;
  /** Notifications as CON (true) or NON (default). */
  notifyCon?: boolean;
  /** Preferred Content-Format announced with `ct=` and used without Accept (default: the registry's). */
  format?: number;
  /** Backoff after a failed bootstrap or registration: first delay and cap (ms). */
  backoffBase?: number;
  backoffMax?: number;
  /** Timeline: named steps for people and tests. */
  log?: (event: string, detail: string) => void;
}

/** One server account and its connection. */
interface Conn {
  /** Short Server ID, or -1 for the Bootstrap Server. */
  ssid: number;
  peer: Peer;
  key: string;
  coap: CoapEndpoint;
  dtls: ReturnType<typeof createDtlsClient> | null;
  identity: string;
  /** DTLS sessions established on it (a second one means a new Register). */
  sessions: number;
  /** Registration: Location-Path ('' until registered), lifetime (s), binding, Update due time. */
  location: string;
  lifetime: number;
  binding: string;
  updateAt: number;
  /** A request in flight for this account. */
  busy: boolean;
  /** Disable (1/x/4) executed: de-register at the next poll, once the Execute's 2.04 is out. */
  disable: boolean;
  /** Object set changed since the last Register/Update: send the links with the next Update. */
  linksDirty: boolean;
  failures: number;
}

export class Client {
  state: number;
  reg: Registry;
  ports: ClientPorts;
  cfg: FactoryConfig;
  opt: ClientOptions;
  params: Params;
  conns: Conn[];
  reporting: Reporting;
  now: number;
  /** When the current state's timer fires (hold-off, backoff, bootstrap deadline), -1 for none. */
  due: number;
  /** What a BACKOFF leads to. */
  after: number;
  /** Bootstrap progress: 1 hold-off running, 2 request sent, 3 the server is writing. */
  phase: number;
  /** Consecutive failures of bootstrap (for the backoff). */
  attempts: number;
  /** The reason of the last failure, for people. */
  lastError: string;
  /** Set by Bootstrap-Finish, acted on at the next poll (after the 2.04 went out). */
  finished: boolean;
  /** Called once when stop() has de-registered everywhere. */
  onStopped: (() => void) | null;
  /** Application access endpoint (serveApp), or null. */
  app: CoapEndpoint | null;
  /** Disabled servers ('s' + Short Server ID) and when their Disable Timeout (1/x/5) ends. */
  off: { [k: string]: number };
  /**
   * Endpoints of closed connections, emptied (CoapEndpoint.close) at the next poll: not at
   * once, since a connection is often closed from inside its endpoint's own callback.
   * Emptied, an endpoint lets the rest of its connection be collected on Espruino.
   */
  spent: CoapEndpoint[];

  constructor(reg: Registry, ports: ClientPorts, cfg: FactoryConfig, opt?: ClientOptions) {
    this.state = INIT;
    this.reg = reg;
    this.ports = ports;
    this.cfg = cfg;
    this.opt = opt || {};
    this.params = coapParams(this.opt.coap);
    this.conns = [];
    this.reporting = new Reporting(reg, !!this.opt.notifyCon);
    this.now = 0;
    this.due = -1;
    this.after = INIT;
    this.phase = 0;
    this.attempts = 0;
    this.lastError = '';
    this.finished = false;
    this.onStopped = null;
    this.app = null;
    this.off = {};
    this.spent = [];
    if (this.opt.format) reg.fmt = this.opt.format;
    var self = this;
    reg.onEvent(function (name: string, ssid: number) {
      self.onObjectEvent(name, ssid);
    });
    reg.onChange(function (oid: number, iid: number, rid: number) {
      // an instance created or deleted changes the registered object set (Core §6.2.2)
      if (rid < 0 && oid > 2) {
        for (var i = 0; i < self.conns.length; i++) {
          self.conns[i].linksDirty = true;
          if (self.conns[i].location) self.conns[i].updateAt = self.now;
        }
      }
    });
  }

  log(event: string, detail: string): void {
    if (this.opt.log) this.opt.log(event, detail);
  }

  // ---------------------------------------------------------------- start and stop

  /** Power-up: the stored accounts if there are usable ones, else the factory bootstrap account. */
  start(now: number): void {
    this.now = now;
    var restored = accountStore(this.ports.storage).load(this.reg);
    if (!this.bootstrapIid().length) this.provision();
    if (restored && this.serverAccounts().length) {
      this.log('restored', 'accounts from storage: registering without bootstrap');
      this.enter(REGISTERING, now);
    } else this.enter(BOOTSTRAPPING, now);
  }

  /** The factory Bootstrap-Server account, as Security instance 0. */
  provision(): void {
    var sec = this.reg.obj(0)!;
    var c = this.cfg;
    var secure = c.bootstrapUri.indexOf('coaps://') === 0;
    var rpk = secure && !!c.rpkPriv;
    // a local helper, not a top-level one: it is gone once provisioned (Espruino variables)
    var hex = function (h: string | undefined): Uint8Array {
      return (h && fromHex(h)) || new Uint8Array(0);
    };
    sec.add(0, {
      0: c.bootstrapUri,
      1: true,
      2: rpk ? MODE_RPK : secure ? MODE_PSK : MODE_NOSEC,
      3: rpk ? hex(c.rpkPub) : utf8Encode(c.pskIdentity || ''),
      4: rpk ? hex(c.rpkServerPub) : new Uint8Array(0),
      5: hex(rpk ? c.rpkPriv : c.pskKey),
      11: c.holdOff || 0,
    });
  }

  /** Ends every registration (DELETE on its location), then STOPPED. */
  stop(now: number, done?: () => void): void {
    this.now = now;
    this.onStopped = done || null;
    this.reporting.clear(-1);
    var pending = 0;
    var self = this;
    for (var i = 0; i < this.conns.length; i++) {
      var c = this.conns[i];
      if (c.ssid >= 0 && c.location) {
        pending++;
        this.deregister(c, now, function () {
          if (--pending === 0) self.enter(STOPPED, self.now);
        });
      }
    }
    this.state = DEREGISTERING;
    if (!pending) this.enter(STOPPED, now);
  }

  /**
   * Application access (the seed's "CoAP Server"/"User" actors): plain CoAP on a second local
   * port, serving Read/Observe/Write/Execute on `oids` (default the application objects 3303
   * and 3338); management objects answer 4.03. Datagrams from that port go to appReceive().
   */
  serveApp(port: DatagramPort, oids?: number[]): void {
    var self = this;
    var acc: Account = {
      reg: this.reg,
      ssid: 0,
      app: oids || [3303, 3338],
      observed: function (rel: Observation, path: number[], req: Req, first: Res) {
        self.reporting.add(rel, 0, path, req, first, self.now);
      },
    };
    this.app = new CoapEndpoint({
      port: port,
      rng: this.ports.rng,
      params: this.opt.coap,
      onRequest: function (req: CoapMessage, p: Peer, ex: any) {
        dispatch(acc, req, ex);
      },
    });
  }

  appReceive(data: Uint8Array, peer: Peer, now: number): void {
    this.now = now;
    if (this.app) this.app.receive(data, peer, now);
  }

  // ---------------------------------------------------------------- the state machine

  enter(state: number, now: number): void {
    var prev = this.state;
    this.state = state;
    this.due = -1;
    if (state !== prev) this.log('state', STATE_NAMES[prev] + ' -> ' + STATE_NAMES[state]);
    switch (state) {
      case BOOTSTRAPPING:
        this.closeAll(true);
        var bs = this.bootstrapIid();
        if (!bs.length) {
          this.lastError = 'no Bootstrap-Server account';
          this.enter(STOPPED, now);
          return;
        }
        var hold = this.reg.obj(0)!.get(bs[0], 11);
        this.due = now + (typeof hold === 'number' && hold > 0 ? hold * 1000 : 0);
        this.phase = 1;
        break;
      case REGISTERING:
        this.openServers(now);
        break;
      case BACKOFF:
        var base = this.opt.backoffBase || 2000;
        var max = this.opt.backoffMax || 300000;
        var d = base;
        for (var k = 1; k < this.attempts && d < max; k++) d *= 2;
        d = Math.min(d, max);
        var jitter = new Uint8Array(1);
        this.ports.rng.fill(jitter);
        this.due = now + Math.floor(d * (1 + jitter[0] / 512));
        this.log('backoff', 'retry in ' + (this.due - now) + ' ms after: ' + this.lastError);
        break;
      case STOPPED:
        this.closeAll(false);
        if (this.onStopped) {
          var f = this.onStopped;
          this.onStopped = null;
          f();
        }
        break;
      default:
        break;
    }
  }

  /** Drives everything: connections, objects, reporting, this state's timer. Returns the next deadline or -1. */
  poll(now: number): number {
    this.now = now;
    var next = -1;
    var t;
    while (this.spent.length) (this.spent.pop() as CoapEndpoint).close();
    if (this.finished) {
      this.finished = false;
      this.afterFinish(now);
    }
    if (this.due >= 0 && now >= this.due) {
      this.due = -1;
      this.timer(now);
    }
    for (var i = this.conns.length - 1; i >= 0; i--) {
      var c = this.conns[i];
      // The Bootstrap-Server's connection is done with once a server accepted a registration
      // (Core §6.1.7: the client MAY close it after Bootstrap-Finish; until then a retransmitted
      // Finish still finds its cached 2.04). Closed here, on the timer path, not inside the
      // Register response's handling: its close_notify would deepen the receive path.
      if (c.ssid < 0 && this.state === REGISTERED) this.close(c);
      else if (c.disable) this.disableNow(c, now);
      else if (c.ssid >= 0 && c.location && !c.busy && now >= c.updateAt) this.update(c, now);
    }
    t = this.reporting.poll(now);
    if (t >= 0 && (next < 0 || t < next)) next = t;
    if (this.app) {
      t = this.app.poll(now);
      if (t >= 0 && (next < 0 || t < next)) next = t;
    }
    for (i = 0; i < this.conns.length; i++) {
      c = this.conns[i];
      t = c.coap.poll(now);
      if (t >= 0 && (next < 0 || t < next)) next = t;
      if (c.dtls) {
        t = c.dtls.poll(now);
        if (t >= 0 && (next < 0 || t < next)) next = t;
      }
      if (c.ssid >= 0 && c.location && !c.busy && (next < 0 || c.updateAt < next)) next = c.updateAt;
      if (c.disable) next = now;
    }
    for (var k in this.off) {
      if (now >= this.off[k]) {
        // Disable Timeout over: register with that server again (Core §E.2, resource 5)
        delete this.off[k];
        this.log('enable', 'server ' + k.substring(1) + ': Disable Timeout over');
        if (this.state === REGISTERED || this.state === REGISTERING) this.openServers(now);
      } else if (next < 0 || this.off[k] < next) next = this.off[k];
    }
    if (this.due >= 0 && (next < 0 || this.due < next)) next = this.due;
    return next;
  }

  /** This state's timer fired. */
  timer(now: number): void {
    if (this.state === BOOTSTRAPPING) {
      var bc = this.conns.length && this.conns[0].ssid < 0 ? this.conns[0] : null;
      if (this.phase === 1) this.requestBootstrap(now);
      // Still in the DTLS handshake (an RPK one takes minutes on the board): its own deadline
      // (dtlsTimeout) decides; the bootstrap's runs from the session (onDtls 'connected').
      else if (this.phase === 2 && bc && bc.dtls && !bc.sessions) this.due = now + this.params.EXCHANGE_LIFETIME;
      else this.failBootstrap(now, 'bootstrap did not finish within EXCHANGE_LIFETIME');
    } else if (this.state === BACKOFF) {
      this.enter(this.after, now);
    }
  }

  /** A datagram from the UDP port. Never throws. */
  receive(data: Uint8Array, peer: Peer, now: number): void {
    this.now = now;
    try {
      var c = this.connFor(peer);
      if (!c) return; // not one of our servers: dropped
      if (c.dtls) c.dtls.receive(data, peer);
      else c.coap.receive(data, peer, now);
    } catch (e) {
      this.lastError = 'receive: ' + e;
    }
  }

  // ---------------------------------------------------------------- accounts

  /** Security instances marked Bootstrap-Server. */
  bootstrapIid(): number[] {
    var out: number[] = [];
    var sec = this.reg.obj(0);
    if (!sec) return out;
    var l = sec.iids();
    for (var i = 0; i < l.length; i++) if (sec.i[l[i]][1] === true) out.push(l[i]);
    return out;
  }

  /**
   * Usable LwM2M server accounts: a non-bootstrap Security instance with a URI we can
   * reach and a mode we speak, and a Server instance with the same Short Server ID.
   */
  serverAccounts(say?: boolean): { sec: number; srv: number; ssid: number }[] {
    var out: { sec: number; srv: number; ssid: number }[] = [];
    var sec = this.reg.obj(0);
    if (!sec) return out;
    var l = sec.iids();
    for (var i = 0; i < l.length; i++) {
      var s = sec.i[l[i]];
      if (s[1] === true) continue;
      var ssid = s[10];
      var uri = parseUri('' + s[0]);
      var mode = s[2];
      if (typeof ssid !== 'number' || !uri) continue;
      if (uri.secure ? mode !== MODE_PSK && mode !== MODE_RPK : mode !== MODE_NOSEC) continue;
      if (mode === MODE_RPK) {
        var k = rpkCheck ? rpkCheck(this, l[i]) : noRpk(l[i]);
        if (typeof k === 'string') {
          if (say) this.log('rpk', k);
          continue;
        }
      }
      var srv = this.reg.serverInst(ssid);
      if (srv >= 0) out.push({ sec: l[i], srv: srv, ssid: ssid });
    }
    return out;
  }

  connFor(peer: Peer): Conn | null {
    var k = peerKey(peer);
    for (var i = 0; i < this.conns.length; i++) if (this.conns[i].key === k) return this.conns[i];
    return null;
  }

  /** Opens the connection of Security instance `secIid` (a new DTLS session for coaps). */
  open(secIid: number, ssid: number): Conn | null {
    var s = this.reg.obj(0)!.i[secIid];
    var uri = parseUri('' + s[0]);
    if (!uri) return null;
    var rpk: RpkKeys | null = null;
    if (uri.secure && s[2] === MODE_RPK) {
      var k = rpkCheck ? rpkCheck(this, secIid) : noRpk(secIid);
      if (typeof k === 'string') {
        this.lastError = k;
        this.log('rpk', k);
        return null;
      }
      rpk = k;
    }
    var self = this;
    var peer = { address: uri.host, port: uri.port };
    var identity = s[3] instanceof Uint8Array ? (s[3] as Uint8Array) : utf8Encode('' + (s[3] || ''));
    var key = s[5] instanceof Uint8Array ? (s[5] as Uint8Array) : new Uint8Array(0);
    var dopt: DtlsClientOptions | null = null;
    var c: Conn = {
      ssid: ssid, peer: peer, key: peerKey(peer), coap: null as any, dtls: null, identity: '', sessions: 0,
      location: '', lifetime: 0, binding: 'U', updateAt: -1, busy: false, disable: false, linksDirty: false, failures: 0,
    };
    var port: DatagramPort = this.ports.udp;
    if (uri.secure) {
      c.identity = utf8Decode(identity) || toHex(identity);
      dopt = {
        socket: this.ports.udp,
        crypto: this.ports.crypto,
        rng: this.ports.rng,
        retransmitInitial: this.opt.dtlsRetransmit,
        handshakeTimeout: this.opt.dtlsTimeout,
        psk: function () {
          return rpk ? null : { identity: identity, key: key };
        },
        onData: function (d: Uint8Array, p: Peer) {
          c.coap.receive(d, p, self.now);
        },
        onEvent: function (e: DtlsEvent) {
          self.onDtls(c, e);
        },
      };
      // Security Mode 1: the DTLS client offers the RPK suite (installed by the RPK build)
      if (rpk) {
        dopt.rpk = function () {
          return rpk;
        };
      }
      c.dtls = createDtlsClient(dopt);
      port = c.dtls;
    }
    var acc: Account = {
      reg: this.reg,
      ssid: ssid,
      finish: function () {
        return self.finish();
      },
      observed: function (rel: Observation, path: number[], req: Req, first: Res) {
        self.reporting.add(rel, ssid, path, req, first, self.now);
      },
      unobserved: function (path: number[]) {
        self.reporting.remove(ssid, path);
      },
    };
    c.coap = new CoapEndpoint({
      port: port,
      rng: this.ports.rng,
      params: this.opt.coap,
      onRequest: function (req: CoapMessage, p: Peer, ex: any) {
        self.log('request', (ssid < 0 ? 'bootstrap server ' : 'server ' + ssid + ' ') + ['', 'GET', 'POST', 'PUT', 'DELETE', 'FETCH', 'PATCH', 'iPATCH'][req.code] + ' /' + (getStrings(req, OPT.URI_PATH) || []).join('/'));
        dispatch(acc, req, ex);
      },
    });
    this.conns.push(c);
    if (rpk) {
      // the SPKI's SHA-256 is what the device's QR label shows (the installer scans it)
      c.identity = 'RPK ' + toHex(this.ports.crypto.sha256(rpk.spki));
      this.log('dtls', 'handshake with ' + c.key + ' as ' + c.identity);
      c.dtls!.connect(peer);
    } else if (c.dtls) {
      this.log('dtls', 'handshake with ' + c.key + ' as PSK identity ' + c.identity);
      c.dtls.connect(peer);
    }
    return c;
  }

  close(c: Conn): void {
    if (c.ssid >= 0) this.reporting.clear(c.ssid);
    if (c.dtls) c.dtls.close(c.peer);
    var k = this.conns.indexOf(c);
    if (k >= 0) this.conns.splice(k, 1);
    this.spent.push(c.coap);
  }

  closeAll(keepBootstrap: boolean): void {
    for (var i = this.conns.length - 1; i >= 0; i--) if (!(keepBootstrap && this.conns[i].ssid < 0)) this.close(this.conns[i]);
  }

  onDtls(c: Conn, e: DtlsEvent): void {
    if (e.type === 'connected') {
      c.sessions++;
      this.log('dtls', 'session established with ' + c.key);
      if (c.ssid < 0 && this.state === BOOTSTRAPPING && this.phase === 2) this.due = this.now + this.params.EXCHANGE_LIFETIME;
      // A new DTLS session with a server we were registered with means a new Register (Transport §5.2.1).
      if (c.sessions > 1 && c.ssid >= 0 && c.location) {
        c.location = '';
        this.register(c, this.now);
      }
      return;
    }
    var why = 'DTLS ' + (e.name || e.type) + ' with ' + c.key + (e.message ? ': ' + e.message : '');
    this.log('dtls', why);
    this.lastError = why;
    if (this.conns.indexOf(c) < 0) return;
    if (c.ssid < 0) {
      if (this.state === BOOTSTRAPPING) this.failBootstrap(this.now, why);
    } else this.failRegistration(c, this.now, why);
  }

  // ---------------------------------------------------------------- bootstrap (Core §6.1)

  requestBootstrap(now: number): void {
    var bs = this.bootstrapIid();
    this.lastError = '';
    var c = this.conns.length && this.conns[0].ssid < 0 ? this.conns[0] : this.open(bs[0], -1);
    if (!c) {
      this.lastError = this.lastError || 'Bootstrap-Server URI unusable: ' + this.reg.obj(0)!.get(bs[0], 0);
      this.enter(STOPPED, now);
      return;
    }
    this.phase = 2;
    this.due = now + this.params.EXCHANGE_LIFETIME;
    var self = this;
    var q = ['ep=' + this.cfg.endpoint, 'pct=' + this.reg.fmt];
    this.log('bootstrap-request', 'POST /bs?' + q.join('&') + ' to ' + c.key);
    c.coap.request(c.peer, { code: CODE.POST, path: '/bs', query: q }, now, function (err: string | null, res?: CoapMessage) {
      if (self.state !== BOOTSTRAPPING) return;
      if (err || !res || res.code !== CODE.CHANGED) {
        self.failBootstrap(self.now, 'Bootstrap-Request: ' + (err || codeStr(res!.code)));
        return;
      }
      self.phase = 3;
      self.log('bootstrap-request', 'accepted (2.04); waiting for the server\'s writes');
    });
  }

  failBootstrap(now: number, why: string): void {
    this.lastError = why;
    this.attempts++;
    this.closeAll(false);
    this.backoff(now, BOOTSTRAPPING);
  }

  /** Waits (exponential backoff with jitter, growing with `attempts`), then enters `target`. */
  backoff(now: number, target: number): void {
    this.after = target;
    this.enter(BACKOFF, now);
  }

  /** Bootstrap-Finish: accept only a configuration with at least one usable LwM2M server account (Core §6.1.7). */
  finish(): number {
    if (this.state !== BOOTSTRAPPING) return CODE.METHOD_NOT_ALLOWED;
    if (!this.serverAccounts(true).length) {
      this.log('bootstrap-finish', 'refused (4.06): no usable LwM2M server account');
      return CODE.NOT_ACCEPTABLE;
    }
    this.finished = true;
    this.log('bootstrap-finish', 'accepted (2.04)');
    return CODE.CHANGED;
  }

  afterFinish(now: number): void {
    accountStore(this.ports.storage).save(this.reg);
    this.log('persist', 'accounts saved');
    this.attempts = 0;
    this.enter(REGISTERING, now);
  }

  // ---------------------------------------------------------------- registration (Core §6.2)

  openServers(now: number): void {
    var acc = this.serverAccounts();
    for (var i = 0; i < acc.length; i++) {
      if (this.off.hasOwnProperty('s' + acc[i].ssid)) continue;
      var c = null;
      for (var k = 0; k < this.conns.length; k++) if (this.conns[k].ssid === acc[i].ssid) c = this.conns[k];
      if (!c) c = this.open(acc[i].sec, acc[i].ssid);
      if (c && !c.busy && !c.location) this.register(c, now);
    }
    if (!acc.length) {
      this.lastError = 'no usable LwM2M server account';
      this.enter(BOOTSTRAPPING, now);
    }
  }

  serverValue(c: Conn, rid: number): any {
    var srv = this.reg.obj(1);
    var iid = this.reg.serverInst(c.ssid);
    return srv && iid >= 0 ? srv.get(iid, rid) : undefined;
  }

  links(): string {
    return '</>;rt="oma.lwm2m";ct=' + this.reg.fmt + ',' + ops.objectLinks(this.reg);
  }

  register(c: Conn, now: number): void {
    var lt = this.serverValue(c, 1);
    var b = this.serverValue(c, 7);
    c.lifetime = typeof lt === 'number' && lt > 0 ? lt : 86400;
    c.binding = typeof b === 'string' && b ? b : 'U';
    c.busy = true;
    c.linksDirty = false;
    this.reporting.clear(c.ssid);
    var q = ['ep=' + this.cfg.endpoint, 'lt=' + c.lifetime, 'lwm2m=1.1', 'b=' + c.binding];
    var self = this;
    this.log('register', 'POST /rd?' + q.join('&') + ' to ' + c.key);
    c.coap.request(c.peer, { code: CODE.POST, path: '/rd', query: q, contentFormat: FORMAT.LINK, payload: utf8Encode(this.links()) }, now, function (err: string | null, res?: CoapMessage) {
      c.busy = false;
      if (err || !res || res.code !== CODE.CREATED) {
        self.failRegistration(c, self.now, 'Register: ' + (err || codeStr(res!.code)));
        return;
      }
      c.location = '/' + (getStrings(res, OPT.LOCATION_PATH) || []).join('/');
      c.failures = 0;
      self.attempts = 0;
      self.schedule(c, self.now);
      self.log('registered', 'server ' + c.ssid + ' at ' + c.location + ', lifetime ' + c.lifetime + ' s');
      if (self.state === REGISTERING) self.enter(REGISTERED, self.now);
    });
  }

  /** The next Update: before the lifetime ends, leaving room for a full retransmission span. */
  schedule(c: Conn, now: number): void {
    var lt = c.lifetime * 1000;
    c.updateAt = now + Math.max(Math.floor(lt / 2), lt - this.params.MAX_TRANSMIT_WAIT);
  }

  update(c: Conn, now: number): void {
    var q: string[] = [];
    var lt = this.serverValue(c, 1);
    var b = this.serverValue(c, 7);
    if (typeof lt === 'number' && lt > 0 && lt !== c.lifetime) {
      c.lifetime = lt;
      q.push('lt=' + lt);
    }
    if (typeof b === 'string' && b && b !== c.binding) {
      c.binding = b;
      q.push('b=' + b);
    }
    var withLinks = c.linksDirty;
    c.linksDirty = false;
    c.busy = true;
    var self = this;
    this.log('update', 'POST ' + c.location + (q.length ? '?' + q.join('&') : '') + (withLinks ? ' with object links' : ''));
    var spec: any = { code: CODE.POST, path: c.location, query: q };
    if (withLinks) {
      spec.contentFormat = FORMAT.LINK;
      spec.payload = utf8Encode(this.links());
    }
    c.coap.request(c.peer, spec, now, function (err: string | null, res?: CoapMessage) {
      c.busy = false;
      if (!err && res && res.code === CODE.CHANGED) {
        self.schedule(c, self.now);
        self.log('updated', 'server ' + c.ssid);
        return;
      }
      // 4.04: the server forgot us; a timeout: it may have. Either way, register again (Core §6.2.2).
      self.log('update', 'failed (' + (err || codeStr(res!.code)) + '): registering again');
      c.location = '';
      if (err) self.failRegistration(c, self.now, 'Update: ' + err);
      else self.register(c, self.now);
    });
  }

  failRegistration(c: Conn, now: number, why: string): void {
    this.lastError = why;
    c.failures++;
    c.location = '';
    c.busy = false;
    this.close(c);
    this.attempts++;
    // LwM2M 1.1 §6.2.1.1: after the retries, fall back to bootstrap when the Server object allows it (1/x/16, default true).
    var bsOnFail = this.serverValue(c, 16);
    if (this.attempts >= 3 && bsOnFail !== false && this.bootstrapIid().length) {
      this.log('register', 'failed ' + this.attempts + ' times: falling back to bootstrap');
      this.closeAll(false);
      this.backoff(now, BOOTSTRAPPING);
      return;
    }
    this.backoff(now, REGISTERING);
  }

  deregister(c: Conn, now: number, done: () => void): void {
    this.log('deregister', 'DELETE ' + c.location);
    var self = this;
    var loc = c.location;
    c.location = '';
    c.coap.request(c.peer, { code: CODE.DELETE, path: loc }, now, function (err: string | null) {
      self.log('deregistered', 'server ' + c.ssid + (err ? ' (' + err + ')' : ''));
      done();
    });
  }

  onObjectEvent(name: string, ssid: number): void {
    var c: Conn | null = null;
    for (var i = 0; i < this.conns.length; i++) if (this.conns[i].ssid === ssid) c = this.conns[i];
    if (name === 'update') {
      // Registration Update Trigger, lifetime or binding written: Update at the next poll
      if (c && c.location) c.updateAt = this.now;
    } else if (name === 'bootstrap') {
      // the Execute's 2.04 goes out first; the switch happens at the next poll
      this.log('bootstrap', 'Bootstrap-Request Trigger executed');
      this.state = BACKOFF;
      this.after = BOOTSTRAPPING;
      this.due = this.now;
    } else if (name === 'disable' && c && c.location) {
      // "After receiving Execute, the Client MUST send the response of the operation and then
      // perform de-registration" (Core 1.1 Appendix E.2, Server resource 4): this runs inside the
      // Execute, before its 2.04 is sent, so the De-register waits for the next poll. (Leshan
      // cancels a request whose client de-registered first: the Execute failed there.)
      c.disable = true;
    }
  }

  /** The device's address changed (Wi-Fi rejoined): new sessions, and Register again (or bootstrap). */
  reconnect(now: number): void {
    this.now = now;
    if (this.state === STOPPED || this.state === DEREGISTERING) return;
    this.closeAll(false);
    this.enter(this.serverAccounts().length ? REGISTERING : BOOTSTRAPPING, now);
  }

  /** The Disable executed on `c` earlier: De-register, then close the connection. */
  disableNow(c: Conn, now: number): void {
    c.disable = false;
    if (!c.location) return;
    var t = this.serverValue(c, 5);
    this.off['s' + c.ssid] = now + (typeof t === 'number' && t >= 0 ? t : 86400) * 1000;
    var self = this;
    this.deregister(c, now, function () {
      self.close(c);
    });
  }

  /** Whether every configured server has a registration. */
  registered(): boolean {
    var n = 0;
    for (var i = 0; i < this.conns.length; i++) if (this.conns[i].ssid >= 0 && this.conns[i].location) n++;
    return n > 0 && n === this.serverAccounts().length;
  }
}

/** What a PSK build says of an RPK account. */
function noRpk(secIid: number): string {
  return 'Security /0/' + secIid + ': RPK not in this build (dist/firmware-rpk.js has it); account skipped';
}

function codeStr(code: number): string {
  var d = code & 31;
  return (code >> 5) + '.' + (d < 10 ? '0' : '') + d;
}
