// The server role (the simulator's bootstrap and LwM2M servers; NOT in the device bundle).
// A ClientHello without a valid cookie gets a HelloVerifyRequest and leaves no state:
// cookie = HMAC-SHA-256(secret, client address:port ‖ ClientHello without its cookie)
// truncated to 16 bytes, the secret rotating (the previous one still accepted) so a
// cookie lives between one and two rotation periods (RFC 6347 §4.2.1).
import type { Peer } from '../ports';
import { peerKey } from '../ports';
import { concat, equal, equalConstTime, utf8Encode } from '../bytes';
import { hmacSha256 } from '../crypto/hmac';
import {
  A_DECODE_ERROR, A_DECRYPT_ERROR, A_HANDSHAKE_FAILURE, A_PROTOCOL_VERSION, A_UNEXPECTED_MESSAGE, ALERT_FATAL,
  CT_ALERT, CT_CHANGE_CIPHER_SPEC, CT_HANDSHAKE, HT_CLIENT_HELLO, HT_CLIENT_KEY_EXCHANGE, HT_FINISHED,
  HT_HELLO_VERIFY_REQUEST, HT_SERVER_HELLO, HT_SERVER_HELLO_DONE, HT_SERVER_KEY_EXCHANGE, TLS_PSK_WITH_AES_128_CCM_8,
} from './constants';
import { createEndpoint, DtlsEndpoint, DtlsOptions, ESTABLISHED, Handshake, Role, Session } from './connection';
import { decodeClientHello, decodePskVector, encodeHandshake, encodeHelloVerifyRequest, encodePskVector, encodeServerHello, parseFragments } from './handshake';
import { DtlsRecord, encodeRecord } from './record';

export interface DtlsServerOptions extends DtlsOptions {
  /** The PSK for an identity, or null if unknown (answered with handshake_failure). */
  pskKey: (identity: Uint8Array) => Uint8Array | null;
  /** psk_identity_hint; without one no ServerKeyExchange is sent (RFC 4279 §2). */
  hint?: Uint8Array;
  /** Cookie secret rotation period, ms (default 60 s). */
  cookieRotation?: number;
  /** Most concurrent sessions (default 64); a new handshake beyond it is ignored. */
  maxSessions?: number;
}

var WAIT_CKE = 11;
var WAIT_FIN = 12;

interface ServerState {
  secret: Uint8Array;
  previous: Uint8Array;
  rotateAt: number;
}

function cookieFor(ep: DtlsEndpoint, secret: Uint8Array, peer: Peer, sansCookie: Uint8Array): Uint8Array {
  return hmacSha256(ep.o.crypto, secret, concat([utf8Encode(peerKey(peer)), sansCookie])).subarray(0, 16);
}

function countSessions(ep: DtlsEndpoint): number {
  var n = 0;
  for (var k in ep.s) if (ep.s[k]) n++;
  return n;
}

/** A fatal alert to a peer we keep no state for. */
function statelessAlert(ep: DtlsEndpoint, peer: Peer, seq: number, desc: number): void {
  ep.o.socket.send(encodeRecord(CT_ALERT, 0, seq, new Uint8Array([ALERT_FATAL, desc])), peer);
}

function makeRole(st: ServerState): Role {
  return {
    pre: function (ep: DtlsEndpoint, r: DtlsRecord, peer: Peer): boolean {
      if (r.epoch !== 0 || r.type !== CT_HANDSHAKE || r.fragment[0] !== HT_CLIENT_HELLO) return false;
      var fs = parseFragments(r.fragment);
      // A ClientHello must come whole in one record (it is small; we do not keep state to reassemble it).
      if (!fs || fs.length !== 1 || fs[0].fragment_offset !== 0 || fs[0].body.length !== fs[0].length) return true;
      var m = fs[0];
      var ch = decodeClientHello(m.body);
      if (!ch) return true;
      var old = ep.get(peer);
      // A repeat of the ClientHello that started a running handshake: the session handles it (retransmits).
      if (old && old.hs && equal(old.hs.clientRandom, ch.random)) return false;
      var so = ep.o as DtlsServerOptions;
      if (!equalConstTime(ch.cookie, cookieFor(ep, st.secret, peer, ch.sansCookie)) &&
        !equalConstTime(ch.cookie, cookieFor(ep, st.previous, peer, ch.sansCookie))) {
        // HelloVerifyRequest: message_seq and record sequence number copied from the ClientHello (RFC 6347 §4.2.1).
        var hvr = encodeHandshake(HT_HELLO_VERIFY_REQUEST, m.message_seq, encodeHelloVerifyRequest(cookieFor(ep, st.secret, peer, ch.sansCookie)));
        ep.o.socket.send(encodeRecord(CT_HANDSHAKE, 0, r.seq, hvr), peer);
        return true;
      }
      // The address is proven: now a session. DTLS 1.2 (0xfefd) or later; versions count down.
      if (ch.client_version > 0xfefd) {
        statelessAlert(ep, peer, r.seq, A_PROTOCOL_VERSION);
        return true;
      }
      var suite = false;
      for (var i = 0; i < ch.cipher_suites.length; i++) if (ch.cipher_suites[i] === TLS_PSK_WITH_AES_128_CCM_8) suite = true;
      var nullComp = false;
      for (i = 0; i < ch.compression_methods.length; i++) if (ch.compression_methods[i] === 0) nullComp = true;
      if (!suite || !nullComp) {
        statelessAlert(ep, peer, r.seq, A_HANDSHAKE_FAILURE);
        return true;
      }
      if (!old && countSessions(ep) >= (so.maxSessions || 64)) return true;
      // A new handshake from a known address replaces the old session (RFC 6347 §4.2.8: the client
      // lost its state); the cookie proved the address, so this is not an off-path reset.
      var hs = new Handshake(new Uint8Array(ch.random));
      var s = new Session(peer, hs);
      hs.serverRandom = ep.random(32);
      hs.nextRecv = m.message_seq + 1;
      hs.nextSend = m.message_seq;
      // Continue the ClientHello's record sequence as a stateless server must (RFC 6347 §4.2.1).
      s.wSeq[0] = r.seq;
      hs.transcript = [encodeHandshake(HT_CLIENT_HELLO, m.message_seq, m.body)];
      ep.put(s);
      var fl = [];
      // RFC 5746 §3.6: the extension, or TLS_EMPTY_RENEGOTIATION_INFO_SCSV (0x00ff), asks for renegotiation_info.
      var reneg = ch.extensions.indexOf(0xff01) >= 0 || ch.cipher_suites.indexOf(0x00ff) >= 0;
      var sh = encodeHandshake(HT_SERVER_HELLO, hs.nextSend++, encodeServerHello(hs.serverRandom, reneg));
      fl.push({ t: CT_HANDSHAKE, e: 0, b: sh });
      if (so.hint && so.hint.length) fl.push({ t: CT_HANDSHAKE, e: 0, b: encodeHandshake(HT_SERVER_KEY_EXCHANGE, hs.nextSend++, encodePskVector(so.hint)) });
      fl.push({ t: CT_HANDSHAKE, e: 0, b: encodeHandshake(HT_SERVER_HELLO_DONE, hs.nextSend++, new Uint8Array(0)) });
      for (i = 0; i < fl.length; i++) hs.transcript.push(fl[i].b);
      hs.state = WAIT_CKE;
      // ServerHello, ServerKeyExchange and ServerHelloDone go out in one datagram.
      ep.flight(s, fl);
      return true;
    },
    start: function (): Session | null {
      // A server cannot open a connection; data for an unknown peer is dropped.
      return null;
    },
    message: function (ep: DtlsEndpoint, s: Session, type: number, body: Uint8Array, whole: Uint8Array): void {
      var hs = s.hs!;
      if (type === HT_CLIENT_KEY_EXCHANGE && hs.state === WAIT_CKE) {
        var id = decodePskVector(body);
        if (!id) return ep.abort(s, A_DECODE_ERROR);
        s.identity = new Uint8Array(id);
        var key = (ep.o as DtlsServerOptions).pskKey(s.identity);
        if (!key) return ep.fail(s, 'unknown_psk_identity', A_HANDSHAKE_FAILURE, 'DTLS client ' + peerKey(s.peer) + ' used an unknown PSK identity');
        hs.psk = key;
        hs.transcript.push(whole);
        ep.deriveKeys(s, false);
        hs.expectFinished = ep.finished(hs, 'client finished');
        hs.state = WAIT_FIN;
      } else if (type === HT_FINISHED && hs.state === WAIT_FIN && s.rEpoch === 1) {
        if (!equalConstTime(body, hs.expectFinished!)) return ep.abort(s, A_DECRYPT_ERROR);
        hs.transcript.push(whole);
        var fin = encodeHandshake(HT_FINISHED, hs.nextSend++, ep.finished(hs, 'server finished'));
        ep.flight(s, [
          { t: CT_CHANGE_CIPHER_SPEC, e: 0, b: new Uint8Array([1]) },
          { t: CT_HANDSHAKE, e: 1, b: fin },
        ]);
        ep.established(s);
      } else ep.abort(s, A_UNEXPECTED_MESSAGE);
    },
    tick: function (ep: DtlsEndpoint, now: number): number {
      if (st.rotateAt < 0) st.rotateAt = now + ((ep.o as DtlsServerOptions).cookieRotation || 60000);
      else if (now >= st.rotateAt) {
        st.previous = st.secret;
        st.secret = ep.random(32);
        st.rotateAt = now + ((ep.o as DtlsServerOptions).cookieRotation || 60000);
      }
      return st.rotateAt;
    },
  };
}

/** A DTLS 1.2 PSK server endpoint (TLS_PSK_WITH_AES_128_CCM_8) for the simulator's servers. */
export function createDtlsServer(o: DtlsServerOptions): DtlsEndpoint {
  var secret = new Uint8Array(32);
  o.rng.fill(secret);
  var previous = new Uint8Array(32);
  o.rng.fill(previous);
  return createEndpoint(o, makeRole({ secret: secret, previous: previous, rotateAt: -1 }));
}

export { ESTABLISHED };
