// A server account's connection (Conn): opening it (a CoAP endpoint, over a DTLS session for
// coaps://) and closing it. Part of the lifecycle (lifecycle.ts): a device at rest opens none.
// What a connection keeps for its life, its callbacks, is made by connect(), a top-level
// function: made in the lifecycle, they would keep all of it alive (docs/memory.md, rule 4).
import type { Peer } from '../../transport/ports';
import { peerKey } from '../../transport/ports';
import { CoapEndpoint } from '../../transport/coap/endpoint';
import { OPT } from '../../transport/coap/constants';
import { CoapMessage, getStrings } from '../../transport/coap/message';
import { createDtlsClient } from '../../transport/dtls/client';
import type { DtlsClientOptions } from '../../transport/dtls/client';
import type { DtlsEvent } from '../../transport/dtls/connection';
import { SecurityRes } from '../../objects/0-security';
import { utf8Encode, utf8Decode, toHex } from '../../transport/bytes';
import { dispatch, fwStream, Account } from './dispatch';
import { parseUri } from './uri';
import { Phase, MODE_RPK, Conn } from './states';
import { accountStore } from './persistence';
import { noRpk, rpkCheck } from './rpk';
import type { RpkKeys } from './rpk';
import type { Client } from './client';
import type { Lifecycle } from './lifecycle';

/**
 * The connection's DTLS session (for coaps: `identity` given; `key` the PSK, null with RPK) and
 * CoAP endpoint, with the closures they keep for the connection's life. Made here, not in open():
 * a closure keeps the whole scope it was made in (docs/memory.md, rule 4), and open()'s is the
 * lifecycle's. This scope holds only what the closures use (with ten more locals it held 20
 * Espruino variables): the account is made per request, the RPK callbacks read the rest in place.
 */
function connect(cl: Client, c: Conn, identity: Uint8Array | null, key: Uint8Array | null, rpk: RpkKeys | null): void {
  if (identity) {
    var dopt: DtlsClientOptions = {
      socket: cl.ports.udp,
      crypto: cl.ports.crypto,
      rng: cl.ports.rng,
      psk: function () {
        return key ? { identity: identity!, key: key } : null;
      },
      onData: function (d: Uint8Array, p: Peer) {
        c.coap.receive(d, p, cl.now);
      },
      onEvent: function (e: DtlsEvent) {
        cl.life().onDtls(c, e);
      },
    };
    // set only when given: a property holding undefined still costs variables on Espruino
    if (cl.opt.dtlsRetransmit) dopt.retransmitInitial = cl.opt.dtlsRetransmit;
    if (cl.opt.dtlsTimeout) dopt.handshakeTimeout = cl.opt.dtlsTimeout;
    // Security Mode 1: the DTLS client offers the RPK suite (installed by the RPK build), with
    // the verification table of the server's key kept from an earlier handshake (persistence.ts)
    // (read for each handshake and held only while it runs: 2 KB)
    if (rpk) {
      // work that can wait (the next RPK key pair): 1 registered and no datagram in this turn; 2
      // registered, but this turn handled one (ask again in the next); 0 not registered
      dopt.idle = function () {
        return cl.state !== Phase.REGISTERED ? 0 : cl.rx ? 2 : 1;
      };
      dopt.rpk = function () {
        var k = rpk!;
        return {
          key: k.key,
          spki: k.spki,
          serverSpki: k.serverSpki,
          serverTable: accountStore(cl.ports.storage).table(c.ssid, cl.ports.crypto),
          keep: function (t: Uint8Array) {
            accountStore(cl.ports.storage).keepTable(c.ssid, cl.ports.crypto, t);
          },
        };
      };
    }
    c.dtls = createDtlsClient(dopt);
  }
  c.coap = new CoapEndpoint({
    port: c.dtls || cl.ports.udp,
    rng: cl.ports.rng,
    params: cl.opt.coap,
    streamBlock1: fwStream,
    onRequest: function (req: CoapMessage, p: Peer, ex: any) {
      var ssid = c.ssid;
      // a pushed package's blocks after its first are not one request each (a line per KB)
      if (ex.blockOffset <= 0) cl.log('request', (ssid < 0 ? 'bootstrap server ' : 'server ' + ssid + ' ') + ['', 'GET', 'POST', 'PUT', 'DELETE', 'FETCH', 'PATCH', 'iPATCH'][req.code] + ' /' + (getStrings(req, OPT.URI_PATH) || []).join('/'));
      var acc: Account = { reg: cl.reg, ssid: ssid, cl: cl };
      dispatch(acc, req, ex);
    },
  });
}

export function connectionSteps(cl: Client, lc: Lifecycle): void {
  /** Opens the connection of Security instance `secIid` (a new DTLS session for coaps). */
  function open(secIid: number, ssid: number): Conn | null {
    var s = cl.reg.obj(0)!.i[secIid];
    var uri = parseUri('' + s[SecurityRes.ServerUri]);
    if (!uri) return null;
    var rpk: RpkKeys | null = null;
    if (uri.secure && s[SecurityRes.Mode] === MODE_RPK) {
      var k = rpkCheck ? rpkCheck(cl.reg, secIid) : noRpk(secIid);
      if (typeof k === 'string') {
        cl.lastError = k;
        cl.log('rpk', k);
        return null;
      }
      rpk = k;
    }
    var peer = { address: uri.host, port: uri.port };
    var identity = s[SecurityRes.PublicKeyOrId] instanceof Uint8Array ? (s[SecurityRes.PublicKeyOrId] as Uint8Array) : utf8Encode('' + (s[SecurityRes.PublicKeyOrId] || ''));
    var c: Conn = {
      ssid: ssid, peer: peer, key: peerKey(peer), coap: null as any, dtls: null, sessions: 0,
      location: '', lifetime: 0, updateAt: -1, exp: 0,
    };
    // (not inlined: its closures would keep this scope, and with it the lifecycle's)
    /*@__NOINLINE__*/ connect(cl, c, uri.secure ? identity : null, rpk ? null : s[SecurityRes.SecretKey] instanceof Uint8Array ? (s[SecurityRes.SecretKey] as Uint8Array) : new Uint8Array(0), rpk);
    // an unacknowledged CON notification: kept, with its relation (Reporting.kept)
    if (ssid > 0) c.coap.keep = cl.reporting;
    cl.conns.push(c);
    if (c.dtls) {
      // the session kept from an earlier handshake with these credentials, offered for resumption (persistence.ts)
      var ses = accountStore(cl.ports.storage).session(ssid, s, cl.ports.crypto);
      // who we are to the server, for the log only (kept on the connection, 3 variables for good):
      // with RPK the SPKI's SHA-256, what the device's QR label shows (the installer scans it)
      cl.log('dtls', 'handshake with ' + c.key + ' as ' + (rpk ? 'RPK ' + toHex(cl.ports.crypto.sha256(rpk.spki)) : 'PSK identity ' + (utf8Decode(identity) || toHex(identity))) + (ses ? ', resuming its session' : ''));
      c.dtls.connect(peer, ses);
    }
    return c;
  }

  /** Closes `c`: its relations go, its session is closed, its endpoint emptied at the next poll (Client.spent). */
  function close(c: Conn): void {
    if (c.ssid >= 0) cl.reporting.clear(c.ssid);
    if (c.dtls) c.dtls.close(c.peer);
    var k = cl.conns.indexOf(c);
    if (k >= 0) cl.conns.splice(k, 1);
    (cl.spent || (cl.spent = [])).push(c.coap);
  }

  lc.open = open;
  lc.close = close;
}
