// How the client gets to REGISTERED and back (LwM2M 1.1 Core §6.1, §6.2): power-up,
// bootstrap, Register, failures and backoff, Disable, stop. The state machine is drawn in
// client.ts; its state lives in the Client and in each Conn, never here.
//
// This is the client's cold half: a registered device at rest runs none of it (`npm run
// mem:hot` lists what runs). The Client builds it on demand (Client.life()) and lets it go
// at the next poll in REGISTERED, so on Espruino these two dozen functions cost variables
// only while the device is on its way somewhere (docs/memory.md, "Code loaded on demand").
// It holds no state, so two built one after the other act as one. A closure made here keeps
// all of it alive while that closure lives: a request's callback may (it ends), but what a
// connection keeps for good is made by the Client itself (Client.open).
import { CODE, OPT, FORMAT, codeStr } from '../../transport/coap/constants';
import { CoapMessage, getStrings } from '../../transport/coap/message';
import type { DtlsEvent } from '../../transport/dtls/connection';
import * as ops from '../../objects/ops/index';
import { SecurityRes } from '../../objects/0-security';
import { ServerRes } from '../../objects/1-server';
import { utf8Encode, fromHex } from '../../transport/bytes';
import { parseUri } from './uri';
import { accountStore } from './persistence';
import { Phase, stateName, MODE_PSK, MODE_RPK, MODE_NOSEC, Conn } from './states';
import type { Client } from './client';
import { noRpk, rpkCheck } from './rpk';

export interface Lifecycle {
  /** Power-up: the stored accounts if there are usable ones, else the factory bootstrap account. */
  start(now: number): void;
  /** Ends every registration (DELETE on its location), then STOPPED. */
  stop(now: number, done?: () => void): void;
  /** The device's address changed (Wi-Fi rejoined): new sessions, and Register again (or bootstrap). */
  reconnect(now: number): void;
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
}

export function lifecycle(cl: Client): Lifecycle {
  // ---------------------------------------------------------------- start and stop

  function start(now: number): void {
    cl.now = now;
    var restored = accountStore(cl.ports.storage, cl.ports.crypto).load(cl.reg);
    // A stored configuration without a Bootstrap-Server account had it purged (its timeout,
    // /0/x/12): the factory account does not come back (a Factory Reset brings it).
    if (!restored && !bootstrapIid().length) provision();
    armPurge(now);
    if (restored && serverAccounts().length) {
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
        deregister(c, now, function () {
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
    closeAll(false);
    enter(serverAccounts().length ? Phase.REGISTERING : Phase.BOOTSTRAPPING, now);
  }

  // ---------------------------------------------------------------- the state machine

  function enter(state: number, now: number): void {
    var prev = cl.state;
    cl.state = state;
    cl.due = -1;
    if (state !== prev) cl.log('state', stateName(prev) + ' -> ' + stateName(state));
    switch (state) {
      case Phase.BOOTSTRAPPING:
        closeAll(true);
        var bs = bootstrapIid();
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
        openServers(now);
        break;
      case Phase.BACKOFF:
        var base = cl.opt.backoffBase || 2000;
        var max = cl.opt.backoffMax || 300000;
        var d = base;
        for (var k = 1; k < cl.attempts && d < max; k++) d *= 2;
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
      if (cl.phase === 1) requestBootstrap(now);
      // Still in the DTLS handshake (an RPK one takes minutes on the board): its own deadline
      // (dtlsTimeout) decides; the bootstrap's runs from the session (onDtls 'connected').
      else if (cl.phase === 2 && bc && bc.dtls && !bc.sessions) cl.due = now + cl.params.EXCHANGE_LIFETIME;
      else failBootstrap(now, 'bootstrap did not finish within EXCHANGE_LIFETIME');
    } else if (cl.state === Phase.BACKOFF) {
      enter(cl.after, now);
    }
  }

  // ---------------------------------------------------------------- accounts

  /** What an unusable URI's message adds when the URI holds an IPv6 literal (uri.ts refuses them). */
  function noIpv6(u: unknown): string {
    return ('' + u).indexOf('[') < 0 ? '' : " (an IPv6 address: Espruino's network is IPv4 only)";
  }

  /** Security instances marked Bootstrap-Server. */
  function bootstrapIid(): number[] {
    var out: number[] = [];
    var sec = cl.reg.obj(0);
    if (!sec) return out;
    var l = sec.iids();
    for (var i = 0; i < l.length; i++) if (sec.i[l[i]][1] === true) out.push(l[i]);
    return out;
  }

  /**
   * Usable LwM2M server accounts: a non-bootstrap Security instance with a URI we can
   * reach and a mode we speak, and a Server instance with the same Short Server ID.
   */
  function serverAccounts(say?: boolean): { sec: number; srv: number; ssid: number }[] {
    var out: { sec: number; srv: number; ssid: number }[] = [];
    var sec = cl.reg.obj(0);
    if (!sec) return out;
    var l = sec.iids();
    for (var i = 0; i < l.length; i++) {
      var s = sec.i[l[i]];
      if (s[SecurityRes.BootstrapServer] === true) continue;
      var ssid = s[SecurityRes.ShortServerId];
      var uri = parseUri('' + s[SecurityRes.ServerUri]);
      var mode = s[SecurityRes.Mode];
      if (!uri && say) cl.log('bootstrap-finish', 'server URI unusable: ' + s[SecurityRes.ServerUri] + noIpv6(s[SecurityRes.ServerUri]));
      if (typeof ssid !== 'number' || !uri || (!uri.secure && mode !== MODE_NOSEC)) continue;
      var k = mode !== MODE_RPK ? noPsk(l[i]) : rpkCheck ? rpkCheck(cl, l[i]) : noRpk(l[i]);
      if (typeof k === 'string' && k) {
        if (say) cl.log(mode === MODE_RPK ? 'rpk' : 'psk', k);
        continue;
      }
      var srv = cl.reg.serverInst(ssid);
      if (srv >= 0) out.push({ sec: l[i], srv: srv, ssid: ssid });
    }
    return out;
  }

  /**
   * Why account `iid`, on a coaps:// URI and not RPK, cannot make a PSK handshake, or '': it
   * needs Security Mode PSK, a PSK Identity and a Secret Key. An empty key would let any
   * server that holds an empty PSK act as this account's server, so it is refused as an RPK
   * account without the server's key is (no handshake).
   */
  function noPsk(iid: number): string {
    var s: any = cl.reg.obj(0)!.i[iid];
    var uri = parseUri('' + s[SecurityRes.ServerUri]);
    var m = s[SecurityRes.Mode];
    var w = !uri || !uri.secure || m === MODE_RPK ? '' : m !== MODE_PSK ? 'Security Mode ' + m + ' with a coaps:// URI' :
      !(s[SecurityRes.PublicKeyOrId] && s[SecurityRes.PublicKeyOrId].length) ? 'PSK without a PSK Identity (/0/' + iid + '/3)' :
      !(s[SecurityRes.SecretKey] && s[SecurityRes.SecretKey].length) ? 'PSK without a Secret Key (/0/' + iid + '/5)' : '';
    return w && 'Security /0/' + iid + ': ' + w + ': no DTLS handshake; account skipped';
  }

  /** The Security instance of server account `ssid` (-1: the Bootstrap-Server's). */
  function secOf(ssid: number): any {
    var sec = cl.reg.obj(0)!;
    var l = sec.iids();
    for (var i = 0; i < l.length; i++) {
      var s = sec.i[l[i]];
      if (ssid < 0 ? s[SecurityRes.BootstrapServer] === true : s[SecurityRes.BootstrapServer] !== true && s[SecurityRes.ShortServerId] === ssid) return s;
    }
    return {};
  }

  function closeAll(keepBootstrap: boolean): void {
    for (var i = cl.conns.length - 1; i >= 0; i--) if (!(keepBootstrap && cl.conns[i].ssid < 0)) cl.close(cl.conns[i]);
  }

  function onDtls(c: Conn, e: DtlsEvent): void {
    if (e.type === 'connected') {
      c.sessions++;
      // a new session (full handshake) is kept for resumption after a reboot or a new address (persistence.ts)
      if (e.ses) accountStore(cl.ports.storage).keep(c.ssid, secOf(c.ssid), cl.ports.crypto, e.ses);
      cl.log('dtls', 'session ' + (e.name || 'established') + ' with ' + c.key);
      if (c.ssid < 0 && cl.state === Phase.BOOTSTRAPPING && cl.phase === 2) cl.due = cl.now + cl.params.EXCHANGE_LIFETIME;
      // A new DTLS session with a server we were registered with means a new Register (Transport §5.2.1).
      if (c.sessions > 1 && c.ssid >= 0 && c.location) {
        c.location = '';
        register(c, cl.now);
      }
      return;
    }
    var why = 'DTLS ' + (e.name || e.type) + ' with ' + c.key + (e.message ? ': ' + e.message : '');
    cl.log('dtls', why);
    cl.lastError = why;
    if (cl.conns.indexOf(c) < 0) return;
    if (c.ssid < 0) {
      if (cl.state === Phase.BOOTSTRAPPING) failBootstrap(cl.now, why);
    } else failRegistration(c, cl.now, why);
  }

  // ---------------------------------------------------------------- bootstrap (Core §6.1)

  function requestBootstrap(now: number): void {
    var bs = bootstrapIid();
    var why = noPsk(bs[0]);
    cl.lastError = why;
    var c = cl.conns.length && cl.conns[0].ssid < 0 ? cl.conns[0] : why ? null : cl.open(bs[0], -1);
    if (!c) {
      var u = cl.reg.obj(0)!.get(bs[0], 0);
      cl.lastError = cl.lastError || 'Bootstrap-Server URI unusable: ' + u + noIpv6(u);
      cl.log('error', cl.lastError);
      enter(Phase.STOPPED, now);
      return;
    }
    cl.phase = 2;
    cl.due = now + cl.params.EXCHANGE_LIFETIME;
    var q = ['ep=' + cl.cfg.endpoint, 'pct=' + cl.reg.fmt];
    cl.log('bootstrap-request', 'POST /bs?' + q.join('&') + ' to ' + c.key);
    c.coap.request(c.peer, { code: CODE.POST, path: '/bs', query: q }, now, function (err: string | null, res?: CoapMessage) {
      if (cl.state !== Phase.BOOTSTRAPPING) return;
      if (err || !res || res.code !== CODE.CHANGED) {
        failBootstrap(cl.now, 'Bootstrap-Request: ' + (err || codeStr(res!.code)));
        return;
      }
      cl.phase = 3;
      cl.log('bootstrap-request', 'accepted (2.04); waiting for the server\'s writes');
    });
  }

  function failBootstrap(now: number, why: string): void {
    bsRestore();
    cl.lastError = why;
    cl.attempts++;
    closeAll(false);
    backoff(now, Phase.BOOTSTRAPPING);
  }

  /** Waits (exponential backoff with jitter, growing with `attempts`), then enters `target`. */
  function backoff(now: number, target: number): void {
    cl.after = target;
    enter(Phase.BACKOFF, now);
  }

  /** Bootstrap-Finish: accept only a configuration with at least one usable LwM2M server account (Core §6.1.7). */
  function finish(): number {
    if (cl.state !== Phase.BOOTSTRAPPING) return CODE.METHOD_NOT_ALLOWED;
    var why = serverAccounts(true).length ? bsCheck() : 'no usable LwM2M server account';
    if (why) {
      cl.log('bootstrap-finish', 'refused (4.06): ' + why);
      return CODE.NOT_ACCEPTABLE;
    }
    bsRestore();
    cl.finished = true;
    cl.log('bootstrap-finish', 'accepted (2.04)');
    return CODE.CHANGED;
  }

  function afterFinish(now: number): void {
    var st = accountStore(cl.ports.storage, cl.ports.crypto);
    st.save(cl.reg);
    // new credentials: no session made with the old ones is offered again
    st.drop();
    cl.log('persist', 'accounts saved');
    // attempts is not reset here: only a registration that succeeds ends a run of failures,
    // so a server that keeps refusing is retried ever more slowly, not bootstrapped in a loop.
    armPurge(now);
    enter(Phase.REGISTERING, now);
  }

  /**
   * Why Bootstrap-Finish must answer 4.06 Not Acceptable (Core §6.1.7: the configuration is
   * inconsistent), or '' when it may be accepted: two Bootstrap-Server accounts; two LwM2M
   * server accounts or Server instances with one Short Server ID; an Access Control instance
   * for an object (instance 65535) whose owner is not 65535 (only the Bootstrap-Server manages
   * those, §7.3.3, E.3); two or more LwM2M servers and no Access Control instance at all
   * ("MUST be instantiated unless all LwM2M Servers are granted full access": without one,
   * core/acl.ts grants a server of several nothing, not even its own Server instance).
   */
  function bsCheck(): string {
    var reg = cl.reg;
    var sec = reg.obj(0)!;
    var l = sec.iids();
    var seen = ',';
    var bs = 0;
    var k;
    for (k = 0; k < l.length; k++) {
      var x = sec.i[l[k]];
      var id = x[SecurityRes.ShortServerId];
      if (x[SecurityRes.BootstrapServer] === true) bs++;
      else if (seen.indexOf(',' + id + ',') >= 0) return 'two LwM2M server accounts with Short Server ID ' + id;
      else seen += id + ',';
    }
    if (bs > 1) return bs + ' Bootstrap-Server accounts';
    var s = reg.servers();
    for (k = 0; k < s.length; k++) if (s.indexOf(s[k]) !== k) return 'two Server instances with Short Server ID ' + s[k];
    var ac = reg.obj(2)!;
    var a = ac.iids();
    for (k = 0; k < a.length; k++) if (ac.i[a[k]][1] === 65535 && ac.i[a[k]][3] !== 65535) return 'Access Control /2/' + a[k] + ' governs object ' + ac.i[a[k]][0] + ' but its owner is not 65535';
    if (s.length > 1 && !a.length) return s.length + ' LwM2M servers and no Access Control instance';
    return '';
  }

  /** Brings back the device's own instances a Bootstrap-Delete hid and no Bootstrap-Write re-created. */
  function bsRestore(): void {
    var reg = cl.reg;
    var g = reg.gone;
    if (!g) return;
    for (var k in g) {
      if (!g.hasOwnProperty(k)) continue;
      var p = k.split('/');
      var o = reg.obj(+p[0])!;
      if (o.has(+p[1])) continue;
      o.i[p[1]] = g[k];
      reg.changed(o.id, +p[1], -1);
    }
    delete reg.gone;
  }

  /** Bootstrap-Server accounts with a timeout (/0/x/12 > 0, seconds): the earliest ends at cl.bsTo. */
  function armPurge(now: number): void {
    var sec = cl.reg.obj(0)!;
    var l = bootstrapIid();
    var t = -1;
    for (var i = 0; i < l.length; i++) {
      var v = sec.i[l[i]][SecurityRes.BootstrapTimeout];
      if (typeof v === 'number' && v > 0 && (t < 0 || v < t)) t = v;
    }
    if (t > 0) cl.bsTo = now + t * 1000;
    else delete cl.bsTo;
  }

  function purge(now: number): void {
    var sec = cl.reg.obj(0)!;
    var l = bootstrapIid();
    for (var i = 0; i < l.length; i++) {
      var v = sec.i[l[i]][SecurityRes.BootstrapTimeout];
      if (typeof v === 'number' && v > 0) {
        delete sec.i[l[i]];
        cl.log('bootstrap', 'Bootstrap-Server Account Timeout (' + v + ' s) over: /0/' + l[i] + ' purged');
      }
    }
    accountStore(cl.ports.storage, cl.ports.crypto).save(cl.reg);
    armPurge(now);
  }

  // ---------------------------------------------------------------- registration (Core §6.2)

  function openServers(now: number): void {
    var acc = serverAccounts();
    for (var i = 0; i < acc.length; i++) {
      if (cl.off.hasOwnProperty('s' + acc[i].ssid)) continue;
      var c = null;
      for (var k = 0; k < cl.conns.length; k++) if (cl.conns[k].ssid === acc[i].ssid) c = cl.conns[k];
      if (!c) c = cl.open(acc[i].sec, acc[i].ssid);
      if (c && !c.busy && !c.location) register(c, now);
    }
    if (!acc.length) {
      cl.lastError = 'no usable LwM2M server account';
      enter(Phase.BOOTSTRAPPING, now);
    }
  }

  /**
   * The Register payload. `ct` only for a preferred format other than TLV, the format a
   * server assumes without it (LwM2M 1.0's mandatory one; wakaama-based servers refuse any
   * `ct` they do not expect with 4.00), and not at all once a server refused it (cl.noCt).
   */
  function links(): string {
    var f = cl.reg.fmt;
    return '</>;rt="oma.lwm2m"' + (f !== FORMAT.LWM2M_TLV && !cl.noCt ? ';ct=' + f : '') + ',' + ops.objectLinks(cl.reg);
  }

  function register(c: Conn, now: number): void {
    var lt = cl.serverValue(c, ServerRes.Lifetime);
    c.lifetime = typeof lt === 'number' && lt > 0 ? lt : 86400;
    // The binding actually used, whatever the Server object's (1/x/7) says: UDP is the one
    // transport this client has (no SMS), as the Device's Supported Binding (3/0/16) says.
    c.binding = 'U';
    c.busy = true;
    c.linksDirty = false;
    cl.reporting.clear(c.ssid);
    var q = ['ep=' + cl.cfg.endpoint, 'lt=' + c.lifetime, 'lwm2m=1.1', 'b=' + c.binding];
    var body = links();
    cl.log('register', 'POST /rd?' + q.join('&') + ' to ' + c.key);
    c.coap.request(c.peer, { code: CODE.POST, path: '/rd', query: q, contentFormat: FORMAT.LINK, payload: utf8Encode(body) }, now, function (err: string | null, res?: CoapMessage) {
      c.busy = false;
      if (!err && res && res.code === CODE.BAD_REQUEST && body.indexOf(';ct=') > 0) {
        // a server that does not take our `ct`: at once again without it (and from now on)
        cl.noCt = true;
        cl.log('register', 'server ' + c.ssid + ' refused the Register with ct (4.00): registering without it');
        register(c, cl.now);
        return;
      }
      if (err || !res || res.code !== CODE.CREATED) {
        failRegistration(c, cl.now, 'Register: ' + (err || codeStr(res!.code)));
        return;
      }
      c.location = '/' + (getStrings(res, OPT.LOCATION_PATH) || []).join('/');
      c.failures = 0;
      cl.attempts = 0;
      cl.schedule(c, cl.now);
      cl.log('registered', 'server ' + c.ssid + ' at ' + c.location + ', lifetime ' + c.lifetime + ' s');
      if (cl.state === Phase.REGISTERING) enter(Phase.REGISTERED, cl.now);
    });
  }

  function failRegistration(c: Conn, now: number, why: string): void {
    cl.lastError = why;
    c.failures++;
    c.location = '';
    c.busy = false;
    cl.close(c);
    cl.attempts++;
    // LwM2M 1.1 §6.2.1.1: after the retries, fall back to bootstrap when the Server object allows it (1/x/16, default true).
    var bsOnFail = cl.serverValue(c, ServerRes.BootstrapOnFailure);
    // Every third failure in a row, bootstrap again; the backoff grows with every failure.
    cl.log('register', 'server ' + c.ssid + ': ' + why + ' (' + cl.attempts + ' failures in a row)');
    if (cl.attempts % 3 === 0 && bsOnFail !== false && bootstrapIid().length) {
      cl.log('register', 'failed ' + cl.attempts + ' times: falling back to bootstrap');
      closeAll(false);
      backoff(now, Phase.BOOTSTRAPPING);
      return;
    }
    backoff(now, Phase.REGISTERING);
  }

  function deregister(c: Conn, now: number, done: () => void): void {
    cl.log('deregister', 'DELETE ' + c.location);
    var loc = c.location;
    c.location = '';
    c.coap.request(c.peer, { code: CODE.DELETE, path: loc }, now, function (err: string | null) {
      cl.log('deregistered', 'server ' + c.ssid + (err ? ' (' + err + ')' : ''));
      done();
    });
  }

  function disableNow(c: Conn, now: number): void {
    c.disable = -1;
    if (!c.location) return;
    var t = cl.serverValue(c, ServerRes.DisableTimeout);
    cl.off['s' + c.ssid] = now + (typeof t === 'number' && t >= 0 ? t : 86400) * 1000;
    deregister(c, now, function () {
      cl.close(c);
    });
  }

  function registered(): boolean {
    var n = 0;
    for (var i = 0; i < cl.conns.length; i++) if (cl.conns[i].ssid >= 0 && cl.conns[i].location) n++;
    return n > 0 && n === serverAccounts().length;
  }

  return {
    start: start,
    stop: stop,
    reconnect: reconnect,
    enter: enter,
    timer: timer,
    onDtls: onDtls,
    finish: finish,
    afterFinish: afterFinish,
    openServers: openServers,
    register: register,
    failRegistration: failRegistration,
    disableNow: disableNow,
    bootstrapIid: bootstrapIid,
    serverAccounts: serverAccounts,
    links: links,
    registered: registered,
    purge: purge,
    bsCheck: bsCheck,
    bsRestore: bsRestore,
  };
}
