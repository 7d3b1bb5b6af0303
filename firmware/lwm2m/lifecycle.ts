// How the client gets to REGISTERED and back (LwM2M 1.1 Core §6.1, §6.2): power-up, the
// state machine's entries and timers, DTLS events, stop. Its parts, one file per behaviour:
//   accounts.ts       which Security/Server instances make a usable account
//   bootstrap.ts      Bootstrap-Request, -Finish and its checks, the account timeout (§6.1)
//   registration.ts   Register, its failures, De-register and Disable (§6.2)
// The state machine is drawn in client.ts; its state lives in the Client and in each Conn,
// never here.
//
// This is the client's cold half: a registered device at rest runs none of it (`npm run
// mem:hot` lists what runs). The Client builds it on demand (Client.life()) and lets it go
// at the next poll in REGISTERED, so on Espruino these functions cost variables only while
// the device is on its way somewhere (docs/memory.md, "Code loaded on demand"). It holds no
// state, so two built one after the other act as one. A closure made here keeps all of it
// alive while that closure lives: a request's callback may (it ends), but what a connection
// keeps for good is made by a top-level function (connection.ts, connect()).
import { fromHex, utf8Encode } from '../../transport/bytes';
import type { DtlsEvent } from '../../transport/dtls/connection';
import { accountStore } from './persistence';
import { Phase, stateName, MODE_PSK, MODE_RPK, MODE_NOSEC, Conn } from './states';
import type { Client } from './client';
import { accountSteps } from './accounts';
import { bootstrapSteps } from './bootstrap';
import { registrationSteps } from './registration';
import { connectionSteps } from './connection';

export interface Lifecycle {
  /** Power-up: the stored accounts if there are usable ones, else the factory bootstrap account. */
  start(now: number): void;
  /** Ends every registration (DELETE on its location), then STOPPED. */
  stop(now: number, done?: () => void): void;
  /** The device's address changed (Wi-Fi rejoined): new sessions, and Register again (or bootstrap). */
  reconnect(now: number): void;
  /** The host's link (Wi-Fi) went down (false) or came back (true): notifications are kept meanwhile (reporting.ts). */
  link(up: boolean, now: number): void;
  enter(state: number, now: number): void;
  /** This state's timer fired. */
  timer(now: number): void;
  onDtls(c: Conn, e: DtlsEvent): void;
  /** Bootstrap-Finish: 2.04 when accepted, else the code to answer. */
  finish(): number;
  afterFinish(now: number): void;
  /** Connects and registers every usable server account not yet registered or disabled. */
  openServers(now: number): void;
  register(c: Conn, now: number): void;
  failRegistration(c: Conn, now: number, why: string): void;
  /** The Disable executed on `c` earlier: De-register, then close the connection. */
  disableNow(c: Conn, now: number): void;
  /** Security instances marked Bootstrap-Server. */
  bootstrapIid(): number[];
  /** Usable LwM2M server accounts (see serverAccounts below). */
  serverAccounts(say?: boolean): { sec: number; srv: number; ssid: number }[];
  /** The Register/Update payload: the object links (Core §6.2.1). */
  links(): string;
  /** Whether every configured server has a registration. */
  registered(): boolean;
  /** The Bootstrap-Server Account Timeout (/0/x/12) is over: the account goes (Core E.1). */
  purge(now: number): void;
  /** Why Bootstrap-Finish must answer 4.06, or '' (see below). */
  bsCheck(): string;
  /** Brings back the device's own instances a Bootstrap-Delete hid (objects/ops/bootstrap.ts). */
  bsRestore(): void;

  /** Opens the connection of Security instance `secIid` to server `ssid` (-1: the Bootstrap-Server's), or null (connection.ts). */
  open(secIid: number, ssid: number): Conn | null;
  /** Closes a connection (connection.ts). */
  close(c: Conn): void;

  // What the parts (accounts.ts, bootstrap.ts, registration.ts) call on one another.
  /** Waits (exponential backoff with jitter, growing with `attempts`), then enters `target`. */
  backoff(now: number, target: number): void;
  /** Closes every connection, the Bootstrap-Server's too unless `keepBootstrap`. */
  closeAll(keepBootstrap: boolean): void;
  /** What an unusable URI's message adds when it holds an IPv6 literal. */
  noIpv6(u: unknown): string;
  /** Why account `iid` cannot make a PSK handshake, or ''. */
  noPsk(iid: number): string;
  /** The Security instance of server account `ssid` (-1: the Bootstrap-Server's). */
  secOf(ssid: number): any;
  requestBootstrap(now: number): void;
  failBootstrap(now: number, why: string): void;
  /** Arms cl.bsTo for the earliest Bootstrap-Server Account Timeout. */
  armPurge(now: number): void;
  /** DELETE on `c`'s registration, then `done`. */
  deregister(c: Conn, now: number, done: () => void): void;
}

export function lifecycle(cl: Client): Lifecycle {
  var lc = {} as Lifecycle;
  accountSteps(cl, lc);
  bootstrapSteps(cl, lc);
  registrationSteps(cl, lc);
  connectionSteps(cl, lc);

  function start(now: number): void {
    cl.now = now;
    var restored = accountStore(cl.ports.storage, cl.ports.crypto).load(cl.reg);
    // A stored configuration without a Bootstrap-Server account had it purged (its timeout,
    // /0/x/12): the factory account does not come back (a Factory Reset brings it).
    if (!restored && !lc.bootstrapIid().length) provision();
    // The factory account's URI and keys are Security /0/0's now (or were, before a purge that
    // a Factory Reset undoes): the client keeps its name only (with PSK 11 variables, RPK ~50).
    var fc = cl.cfg;
    delete (fc as { bootstrapUri?: string }).bootstrapUri;
    delete fc.pskIdentity;
    delete fc.pskKey;
    delete fc.rpkPriv;
    delete fc.rpkPub;
    delete fc.rpkServerPub;
    lc.armPurge(now);
    if (restored && lc.serverAccounts().length) {
      cl.log('restored', 'accounts from storage: registering without bootstrap');
      enter(Phase.REGISTERING, now);
    } else enter(Phase.BOOTSTRAPPING, now);
  }

  /** The factory Bootstrap-Server account, as Security instance 0. */
  function provision(): void {
    var sec = cl.reg.obj(0)!;
    var c = cl.cfg;
    var secure = c.bootstrapUri.indexOf('coaps://') === 0;
    var rpk = secure && !!c.rpkPriv;
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

  function stop(now: number, done?: () => void): void {
    cl.now = now;
    cl.onStopped = done || null;
    cl.reporting.clear(-1);
    var pending = 0;
    for (var i = 0; i < cl.conns.length; i++) {
      var c = cl.conns[i];
      if (c.ssid >= 0 && c.location) {
        pending++;
        lc.deregister(c, now, function () {
          if (--pending === 0) enter(Phase.STOPPED, cl.now);
        });
      }
    }
    cl.state = Phase.DEREGISTERING;
    if (!pending) enter(Phase.STOPPED, now);
  }

  function reconnect(now: number): void {
    cl.now = now;
    if (cl.state === Phase.STOPPED || cl.state === Phase.DEREGISTERING) return;
    // Registered everywhere, each server reachable from the new address on the DTLS session it
    // has (the server gave a Connection ID, RFC 9146: it finds the session from any address, so
    // no new security context): the registrations, their observations and the notifications kept
    // for them stand. Each server is out of reach until an Update from the new address is
    // answered; then what was kept goes (reporting.ts).
    var i, c, keep = cl.state === Phase.REGISTERED && lc.registered();
    for (i = 0; i < cl.conns.length && keep; i++) {
      c = cl.conns[i];
      var s = c.dtls ? c.dtls.get(c.peer) : null;
      if (c.ssid >= 0 && !(s && s.cid)) keep = false;
    }
    if (keep) {
      cl.log('reconnect', 'a new address: Update on the registrations kept');
      for (i = cl.conns.length - 1; i >= 0; i--) {
        c = cl.conns[i];
        if (c.ssid < 0) lc.close(c);
        else {
          c.off = true;
          if (!c.busy) c.updateAt = now;
        }
      }
      return;
    }
    // Otherwise new sessions, and Register again, as Transport 1.1.1 §6.4.3 has it for a new
    // security context (a DTLS session bound to the old address needs a new handshake) and for a
    // new address in NoSec mode: the servers forget the observations, what was kept for them goes.
    closeAll(false);
    enter(lc.serverAccounts().length ? Phase.REGISTERING : Phase.BOOTSTRAPPING, now);
  }

  function link(up: boolean, now: number): void {
    cl.now = now;
    if (up === !cl.down) return;
    cl.log('link', up ? 'up' : 'down');
    if (!up) {
      cl.down = true;
      return;
    }
    delete cl.down;
    // back: an Update at once finds out whether the servers can be reached (and ends their `off`)
    for (var i = 0; i < cl.conns.length; i++) if (cl.conns[i].location && !cl.conns[i].busy) cl.conns[i].updateAt = now;
  }

  function enter(state: number, now: number): void {
    var prev = cl.state;
    cl.state = state;
    cl.due = -1;
    if (state !== prev) cl.log('state', stateName(prev) + ' -> ' + stateName(state));
    switch (state) {
      case Phase.BOOTSTRAPPING:
        closeAll(true);
        var bs = lc.bootstrapIid();
        if (!bs.length) {
          cl.lastError = 'no Bootstrap-Server account';
          enter(Phase.STOPPED, now);
          return;
        }
        var hold = cl.reg.obj(0)!.get(bs[0], 11);
        cl.due = now + (typeof hold === 'number' && hold > 0 ? hold * 1000 : 0);
        cl.phase = 1;
        break;
      case Phase.REGISTERING:
        // the bootstrap is over: its progress goes (rule 3)
        delete cl.phase;
        lc.openServers(now);
        break;
      case Phase.BACKOFF:
        var base = cl.opt.backoffBase || 2000;
        var max = cl.opt.backoffMax || 300000;
        var d = base;
        for (var k = 1; k < cl.attempts! && d < max; k++) d *= 2;
        d = Math.min(d, max);
        var jitter = new Uint8Array(1);
        cl.ports.rng.fill(jitter);
        cl.due = now + Math.floor(d * (1 + jitter[0] / 512));
        cl.log('backoff', 'retry in ' + (cl.due - now) + ' ms after: ' + cl.lastError);
        break;
      case Phase.STOPPED:
        closeAll(false);
        if (cl.onStopped) {
          var f = cl.onStopped;
          cl.onStopped = null;
          f();
        }
        break;
      default:
        break;
    }
  }

  function timer(now: number): void {
    if (cl.state === Phase.BOOTSTRAPPING) {
      var bc = cl.conns.length && cl.conns[0].ssid < 0 ? cl.conns[0] : null;
      if (cl.phase === 1) lc.requestBootstrap(now);
      // Still in the DTLS handshake (an RPK one takes minutes on the board): its own deadline
      // (dtlsTimeout) decides; the bootstrap's runs from the session (onDtls 'connected').
      else if (cl.phase === 2 && bc && bc.dtls && !bc.sessions) cl.due = now + cl.params.exchangeLifetime;
      else lc.failBootstrap(now, 'bootstrap did not finish within EXCHANGE_LIFETIME');
    } else if (cl.state === Phase.BACKOFF) {
      var to = cl.after!;
      delete cl.after;
      enter(to, now);
    }
  }

  function closeAll(keepBootstrap: boolean): void {
    for (var i = cl.conns.length - 1; i >= 0; i--) if (!(keepBootstrap && cl.conns[i].ssid < 0)) lc.close(cl.conns[i]);
  }

  function onDtls(c: Conn, e: DtlsEvent): void {
    if (e.type === 'connected') {
      c.sessions++;
      // a new session (full handshake) is kept for resumption after a reboot or a new address (persistence.ts)
      if (e.ses) accountStore(cl.ports.storage, cl.ports.crypto).keep(c.ssid, lc.secOf(c.ssid), cl.ports.crypto, e.ses);
      cl.log('dtls', 'session ' + (e.name || 'established') + ' with ' + c.key);
      if (c.ssid < 0 && cl.state === Phase.BOOTSTRAPPING && cl.phase === 2) cl.due = cl.now + cl.params.exchangeLifetime;
      // A new DTLS session with a server we were registered with means a new Register (Transport §5.2.1).
      if (c.sessions > 1 && c.ssid >= 0 && c.location) {
        c.location = '';
        lc.register(c, cl.now);
      }
      return;
    }
    var why = 'DTLS ' + (e.name || e.type) + ' with ' + c.key + (e.message ? ': ' + e.message : '');
    cl.log('dtls', why);
    cl.lastError = why;
    if (cl.conns.indexOf(c) < 0) return;
    if (c.ssid < 0) {
      if (cl.state === Phase.BOOTSTRAPPING) lc.failBootstrap(cl.now, why);
    } else lc.failRegistration(c, cl.now, why);
  }

  /** Waits (exponential backoff with jitter, growing with `attempts`), then enters `target`. */
  function backoff(now: number, target: number): void {
    cl.after = target;
    enter(Phase.BACKOFF, now);
  }

  lc.start = start;
  lc.stop = stop;
  lc.reconnect = reconnect;
  lc.link = link;
  lc.enter = enter;
  lc.timer = timer;
  lc.closeAll = closeAll;
  lc.onDtls = onDtls;
  lc.backoff = backoff;
  return lc;
}
