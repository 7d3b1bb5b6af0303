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
import { CODE, FORMAT, engineParams, codeStr } from '../../transport/coap/constants';
import type { EngineParams, Params } from '../../transport/coap/constants';
import type { CoapMessage } from '../../transport/coap/message';
import type { Registry, RegistryListener } from '../../objects/core/registry';
import { ServerRes } from '../../objects/1-server';
import { utf8Encode } from '../../transport/bytes';
import { dispatch, Account } from './dispatch';
import { Reporting, observedChanged } from './reporting';
import { send } from './send';
import { nap, Nap } from './queue';
import { Phase, DISABLE_GRACE, Conn } from './states';
import { lifecycle, Lifecycle } from './lifecycle';

export { INIT, BOOTSTRAPPING, REGISTERING, REGISTERED, DEREGISTERING, BACKOFF, STOPPED, stateName } from './states';

export interface ClientPorts {
  /** The UDP socket; the host hands every datagram it receives to client.receive(). */
  udp: DatagramPort;
  clock: Clock;
  rng: Rng;
  storage: Storage;
  crypto: CryptoBackend;
}

/**
 * The Bootstrap-Server account's raw public keys (Security Mode 1), all hex, of the build's key
 * type (dist/firmware-rpk.js P-256, firmware-rpk-ed25519.js Ed25519): our private key (P-256:
 * PKCS#8 or SEC 1 DER, or the raw 32-byte d; Ed25519: PKCS#8 DER or the 32-byte seed), our
 * public key (SubjectPublicKeyInfo DER, or Ed25519's raw 32 bytes; given so the board need not
 * derive it, a base multiplication that takes seconds there), and the Bootstrap-Server's public
 * key (the same forms). RPK instead of PSK when rpkPriv is set. The device's configuration file
 * (firmware/espruino/config.ts) and the simulator's devices (sim/device.ts) carry the same.
 */
export interface RpkAccountKeys {
  rpkPriv?: string;
  rpkPub?: string;
  rpkServerPub?: string;
}

/** What the device is made with: its name and its Bootstrap-Server account. */
export interface FactoryConfig extends RpkAccountKeys {
  /** Endpoint Client Name, a URN (e.g. urn:dev:mac:…). */
  endpoint: string;
  /**
   * The Bootstrap-Server account: URI coap[s]://host:port, PSK identity (text) and key (hex). The
   * client's start (lifecycle.ts) makes it Security /0/0 and deletes these and the RPK keys from
   * Client.cfg: the client keeps the endpoint name only.
   */
  bootstrapUri: string;
  pskIdentity?: string;
  pskKey?: string;
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
  /** Queue mode (Core §6.5): register with `Q`, sleep the radio `awake` ms (default MAX_TRANSMIT_WAIT) after the last exchange (queue.ts). */
  queue?: boolean;
  awake?: number;
  /** The host's radio: off (false) when the device sleeps in queue mode, on (true) when it wakes. */
  radio?: (on: boolean) => void;
  /** How long before the lifetime ends the Update goes (ms; default MAX_TRANSMIT_WAIT, at most half the lifetime). */
  updateMargin?: number;
  /** Notifications kept while a server cannot be reached (default 20, reporting.ts STORE_MAX). */
  store?: number;
  /**
   * Send on a timer (send.ts): the values under `sendPaths` every `sendEvery` ms while
   * registered, the first `sendEvery` after the registration; Mute Send (/1/x/23) silences it;
   * a queue-mode device wakes for it.
   */
  sendPaths?: string[];
  sendEvery?: number;
}

export class Client implements RegistryListener {
  state: number;
  reg: Registry;
  ports: ClientPorts;
  cfg: FactoryConfig;
  opt: ClientOptions;
  params: EngineParams;
  conns: Conn[];
  reporting: Reporting;
  now: number;
  /** When the current state's timer fires (hold-off, backoff, bootstrap deadline), -1 for none. */
  due: number;
  /**
   * What a BACKOFF leads to; bootstrap progress (1 hold-off running, 2 request sent, 3 the server
   * is writing); consecutive failures of bootstrap or registration (for the backoff). Each absent
   * when none (rule 3: each costs two Espruino variables on a registered device).
   */
  declare after?: number;
  declare phase?: number;
  declare attempts?: number;
  /** The reason of the last failure, for people; absent until one (rule 3: an empty string costs three variables). */
  declare lastError?: string;
  /**
   * Set by Bootstrap-Finish, acted on at the next poll (after the 2.04 went out); the two below:
   * called once when stop() has de-registered everywhere, the application access endpoint
   * (serveApp). The three absent until set: a property holding null or false costs Espruino
   * variables on every device (docs/memory.md, rule 3).
   */
  declare finished?: boolean;
  declare onStopped?: (() => void) | null;
  declare app?: CoapEndpoint;
  /** Disabled servers ('s' + Short Server ID) and when their Disable Timeout (1/x/5) ends; absent when none. */
  declare off?: { [k: string]: number };
  /**
   * Endpoints of closed connections, emptied (CoapEndpoint.close) at the next poll: not at
   * once, since a connection is often closed from inside its endpoint's own callback.
   * Emptied, an endpoint lets the rest of its connection be collected on Espruino. Absent when none.
   */
  declare spent?: CoapEndpoint[];
  /** The lifecycle while one is needed (life()), else absent. */
  declare lc?: Lifecycle;
  /** When the Bootstrap-Server Account Timeout (/0/x/12) purges that account; absent when none. */
  declare bsTo?: number;
  /** A server refused our Register's `ct` (4.00): the next ones go without it. Absent until then. */
  declare noCt?: boolean;
  /** Queue mode: the last exchange, and whether the radio is off (queue.ts). Absent otherwise. */
  declare act?: number;
  declare asleep?: boolean;
  /** The host said the link is down (link(false)): every server is out of reach. Absent until then. */
  declare down?: boolean;
  /** Send on a timer (ClientOptions.sendEvery): when the next goes. Absent otherwise. */
  declare sendAt?: number;
  /** A datagram came in since the last poll (idle()). Absent until then. */
  declare rx?: boolean;
  /** The earliest deadline of the last poll but its connections' public-key steps (work()). Absent until the first poll. */
  declare calm?: number;

  constructor(reg: Registry, ports: ClientPorts, cfg: FactoryConfig, opt?: ClientOptions) {
    this.state = Phase.INIT;
    this.reg = reg;
    this.ports = ports;
    this.cfg = cfg;
    this.opt = opt || {};
    this.params = engineParams(this.opt.coap);
    this.conns = [];
    this.reporting = new Reporting(reg, !!this.opt.notifyCon);
    this.reporting.cl = this;
    if (this.opt.store! >= 0) this.reporting.max = this.opt.store!;
    if (this.opt.queue) this.act = 0;
    this.now = 0;
    this.due = -1;
    if (this.opt.format) reg.fmt = this.opt.format;
    // the registry's changes and events come to changed() and objectEvent()
    reg.ls = this;
  }

  /** A value changed (RegistryListener): observations it touches are due; an instance created or deleted changes the registered object set (Core §6.2.2). */
  changed(oid: number, iid: number, rid: number): void {
    observedChanged(this.reporting, oid, iid, rid);
    if (rid < 0 && oid > 2) {
      for (var i = 0; i < this.conns.length; i++) {
        this.conns[i].linksDirty = true;
        if (this.conns[i].location) this.conns[i].updateAt = this.now;
      }
    }
  }

  /** An object's event (RegistryListener). */
  objectEvent(name: string, ssid: number): void {
    var c = this.connOf(ssid);
    if (name === 'update') {
      // Registration Update Trigger, lifetime or binding written: Update at the next poll
      if (c && c.location) c.updateAt = this.now;
    } else if (name === 'error') {
      // an owner's callback threw (objects/owner.ts): the first failure of that object, once
      this.log('error', 'object callback ' + (this.reg.obj(ssid) as any).err);
    } else if (name === 'bootstrap') {
      // the Execute's 2.04 goes out first; the switch happens at the next poll
      this.log('bootstrap', 'Bootstrap-Request Trigger executed');
      this.state = Phase.BACKOFF;
      this.after = Phase.BOOTSTRAPPING;
      this.due = this.now;
    } else if (name === 'disable' && c && c.location) {
      // "After receiving Execute, the Client MUST send the response of the operation and then
      // perform de-registration" (Core 1.1 Appendix E.2, Server resource 4): this runs inside the
      // Execute, before its 2.04 is sent, so the De-register waits for the next poll. (Leshan
      // cancels a request whose client de-registered first: the Execute failed there, even with
      // the De-register at the next poll, so it waits DISABLE_GRACE.)
      c.disable = this.now + DISABLE_GRACE;
    }
  }

  log(event: string, detail: string): void {
    if (this.opt.log) this.opt.log(event, detail);
  }

  // ---------------------------------------------------------------- the cold half

  /**
   * The lifecycle (lifecycle.ts), built when needed and let go at the next poll in REGISTERED: the
   * host starts the client with `life().start(now)`, stops it with `life().stop(now, done)`, and
   * tells it of a new address with `life().reconnect(now)` (no methods of the Client's own that
   * only pass these on: a method costs Espruino variables on every device).
   */
  life(): Lifecycle {
    // Not inlined: Espruino lexes the code it skips, and with lifecycle() written in here every
    // call while the lifecycle exists skipped its ~8 KB (docs/board-clock.md, "Profiling").
    return this.lc || (this.lc = /*@__NOINLINE__*/ lifecycle(this));
  }

  // ---------------------------------------------------------------- application access

  /**
   * Application access (the seed's "CoAP Server"/"User" actors): plain CoAP on a second local
   * port, serving Read/Observe/Write/Execute on `oids` (default the application objects 3303
   * and 3338); management objects answer 4.03. Datagrams from that port go to the function returned.
   */
  serveApp(port: DatagramPort, oids?: number[]): (data: Uint8Array, peer: Peer, now: number) => void {
    var self = this;
    var acc: Account = { reg: this.reg, ssid: 0, cl: this, app: oids || [3303, 3338] };
    var app = (this.app = new CoapEndpoint({
      port: port,
      rng: this.ports.rng,
      params: this.opt.coap,
      onRequest: function (req: CoapMessage, p: Peer, ex: any) {
        dispatch(acc, req, ex);
      },
    }));
    // the port's datagrams (a function returned, not a method: a method costs variables on every device)
    return function (data: Uint8Array, peer: Peer, now: number) {
      self.rx = true;
      self.now = now;
      app.receive(data, peer, now);
    };
  }

  // ---------------------------------------------------------------- the steady state

  /** Drives everything: connections, objects, reporting, this state's timer. Returns the next deadline or -1. */
  poll(now: number): number {
    this.now = now;
    var next = -1;
    var t;
    var step = false;
    var sp = this.spent;
    if (sp) {
      while (sp.length) (sp.pop() as CoapEndpoint).close();
      delete this.spent;
    }
    if (this.finished) {
      delete this.finished;
      this.life().afterFinish(now);
    }
    if (this.due >= 0 && now >= this.due) {
      this.due = -1;
      this.life().timer(now);
    }
    for (var i = this.conns.length - 1; i >= 0; i--) {
      var c = this.conns[i];
      // The Bootstrap-Server's connection is done with once a server accepted a registration
      // (Core §6.1.7: the client MAY close it after Bootstrap-Finish; until then a retransmitted
      // Finish still finds its cached 2.04). Closed here, on the timer path, not inside the
      // Register response's handling: its close_notify would deepen the receive path.
      if (c.ssid < 0 && this.state === Phase.REGISTERED) this.life().close(c);
      else if (c.disable! >= 0 && now >= c.disable!) this.life().disableNow(c, now);
      else if (c.ssid >= 0 && c.location && !c.busy && now >= c.updateAt) this.update(c, now);
    }
    if (this.bsTo! >= 0) {
      if (now >= this.bsTo!) this.life().purge(now);
      if (this.bsTo! >= 0 && (next < 0 || this.bsTo! < next)) next = this.bsTo!;
    }
    t = this.reporting.poll(now);
    if (t >= 0 && (next < 0 || t < next)) next = t;
    // (the seldom-due parts are a method: Espruino lexes the code it skips, at every poll)
    if ((this.opt.sendEvery && this.state === Phase.REGISTERED) || this.off) {
      t = this.seldom(now);
      if (t >= 0 && (next < 0 || t < next)) next = t;
    }
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
        // at once for its public-key work: work()'s turns, until its handshakes' own deadlines
        if (t === now) {
          step = true;
          t = c.dtls.due;
        }
        if (t >= 0 && (next < 0 || t < next)) next = t;
      }
      if (c.ssid >= 0 && c.location && !c.busy && (next < 0 || c.updateAt < next)) next = c.updateAt;
      if (c.disable! >= 0 && (next < 0 || c.disable! < next)) next = c.disable!;
    }
    if (this.opt.queue) {
      t = nap(this, now, Nap.DOZE);
      if (t >= 0 && (next < 0 || t < next)) next = t;
    }
    if (this.due >= 0 && (next < 0 || this.due < next)) next = this.due;
    delete this.rx;
    // At rest: the lifecycle goes (a request still pending keeps its part of it until answered).
    if (this.state === Phase.REGISTERED) delete this.lc;
    this.calm = next;
    return step ? now : next;
  }

  /**
   * The seldom-due parts of poll(), one method (each costs Espruino variables on every device):
   * Send on a timer (ClientOptions.sendEvery), the Send when due; and each disabled server
   * (this.off), registered again once its Disable Timeout is over (Core §E.2, resource 5).
   * Returns the earliest deadline of the two, or -1.
   */
  seldom(now: number): number {
    var next = -1;
    var se = this.opt.sendEvery;
    if (se && this.state === Phase.REGISTERED) {
      if (!(this.sendAt! >= 0)) this.sendAt = now + se;
      if (now >= this.sendAt!) {
        this.sendAt = now + se;
        // queue mode: a reason to wake (the radio on; the Send itself tells the server)
        if (this.opt.queue) nap(this, now, Nap.WAKE);
        var why = send(this, this.opt.sendPaths!);
        if (why) this.log('send', why);
      }
      next = this.sendAt!;
    }
    var off = this.off;
    if (off) for (var k in off) {
      if (now < off[k]) {
        if (next < 0 || off[k] < next) next = off[k];
        continue;
      }
      delete off[k];
      this.log('enable', 'server ' + k.substring(1) + ': Disable Timeout over');
      if (this.state === Phase.REGISTERED || this.state === Phase.REGISTERING) this.life().openServers(now);
    }
    return next;
  }

  /** A connection's public-key step alone (Pollable.work), before this poll's deadlines: true when one ran. */
  work(now: number): boolean {
    if (this.calm! >= 0 && now >= this.calm!) return false;
    for (var i = 0; i < this.conns.length; i++) {
      var d = this.conns[i].dtls;
      if (d && d.work(now)) return true;
    }
    return false;
  }

  /** A datagram from the UDP port. Never throws. */
  receive(data: Uint8Array, peer: Peer, now: number): void {
    this.now = now;
    this.rx = true;
    // queue mode: a datagram is an exchange (and one that reached a sleeping radio wakes it)
    if (this.opt.queue) nap(this, now, Nap.WAKE);
    try {
      // the connection of the peer's address; none: not one of our servers, dropped
      var k = peerKey(peer);
      for (var i = 0; i < this.conns.length; i++) {
        var c = this.conns[i];
        if (c.key !== k) continue;
        if (c.dtls) c.dtls.receive(data, peer);
        else c.coap.receive(data, peer, now);
        return;
      }
    } catch (e) {
      this.lastError = 'receive: ' + e;
    }
  }

  serverValue(c: Conn, rid: number): any {
    var srv = this.reg.obj(1);
    var iid = this.reg.serverInst(c.ssid);
    return srv && iid >= 0 ? srv.get(iid, rid) : undefined;
  }

  /** The next Update: before the lifetime ends by the update margin (default a full retransmission span), at most half the lifetime. */
  schedule(c: Conn, now: number): void {
    var lt = c.lifetime * 1000;
    c.exp = now + lt;
    c.updateAt = now + Math.max(Math.floor(lt / 2), lt - (this.opt.updateMargin || this.params.maxTransmitWait));
  }

  /** The connection to server `ssid` (-1: the bootstrap server's), or null. */
  connOf(ssid: number): Conn | null {
    for (var i = 0; i < this.conns.length; i++) if (this.conns[i].ssid === ssid) return this.conns[i];
    return null;
  }

  /**
   * Whether server `ssid` can be reached now (Reporting asks before each notification): not
   * while the link is down, nor while its registration is being made or its Updates go
   * unanswered. A queue-mode device wakes here, announcing itself with an Update. `lost`: a
   * notification to it went unacknowledged (Reporting.kept).
   */
  reach(ssid: number, now: number, lost?: boolean): boolean {
    if (!ssid) return true;
    var c = this.connOf(ssid);
    if (lost && c && c.location) {
      // a CON notification went unacknowledged: out of reach until an Update is answered (at once)
      if (!c.off) this.log('offline', 'server ' + ssid + ': notification unacknowledged; keeping notifications until it answers');
      c.off = true;
      if (!c.busy) c.updateAt = now;
    }
    if (this.down || !c || !c.location || c.off) return false;
    if (this.opt.queue) nap(this, now, Nap.ANNOUNCE);
    return true;
  }

  update(c: Conn, now: number): void {
    if (this.opt.queue) nap(this, now, Nap.WAKE);
    var q: string[] = [];
    var lt = this.serverValue(c, ServerRes.Lifetime);
    if (typeof lt === 'number' && lt > 0 && lt !== c.lifetime) {
      c.lifetime = lt;
      q.push('lt=' + lt);
    }
    var withLinks = c.linksDirty;
    delete c.linksDirty;
    c.busy = true;
    var self = this;
    this.log('update', 'POST ' + c.location + (q.length ? '?' + q.join('&') : '') + (withLinks ? ' with object links' : ''));
    var spec: any = { code: CODE.POST, path: c.location, query: q };
    if (withLinks) {
      spec.contentFormat = FORMAT.LINK;
      spec.payload = utf8Encode(this.life().links());
    }
    c.coap.request(c.peer, spec, now, function (err: string | null, res?: CoapMessage) {
      delete c.busy;
      if (!err && res && res.code === CODE.CHANGED) {
        self.schedule(c, self.now);
        self.log('updated', 'server ' + c.ssid + (c.off ? ': reachable again' : ''));
        delete c.off;
        return;
      }
      if (err && self.now < c.exp) {
        // Unanswered, but the registration lives until its lifetime ends: the server is out of
        // reach (notifications are kept, Core §6.4.1) and the Update is tried again until then.
        if (!c.off) self.log('offline', 'server ' + c.ssid + ': Update ' + err + '; keeping notifications until it answers');
        c.off = true;
        c.updateAt = self.now + self.params.ackTimeout;
        return;
      }
      // 4.04: the server forgot us; a timeout: it may have. Either way, register again (Core §6.2.2).
      self.log('update', 'failed (' + (err || codeStr(res!.code)) + '): registering again');
      c.location = '';
      if (err) self.life().failRegistration(c, self.now, 'Update: ' + err);
      else self.life().register(c, self.now);
    });
  }
}
