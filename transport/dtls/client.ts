// The client role (the device's): ClientHello (and again with the cookie after a
// HelloVerifyRequest), ServerHello, ServerKeyExchange (hint, optional), ServerHelloDone,
// then ClientKeyExchange + ChangeCipherSpec + Finished, then the server's CCS + Finished.
// RFC 6347 §4.2, RFC 4279 §2, RFC 7925 §4.2.
import type { Peer } from '../ports';
import { peerKey } from '../ports';
import { equalConstTime } from '../bytes';
import {
  A_DECODE_ERROR, A_DECRYPT_ERROR, A_ILLEGAL_PARAMETER, A_PROTOCOL_VERSION, A_UNEXPECTED_MESSAGE,
  A_UNSUPPORTED_EXTENSION, CT_CHANGE_CIPHER_SPEC, CT_HANDSHAKE, HT_CLIENT_HELLO, HT_CLIENT_KEY_EXCHANGE,
  HT_FINISHED, HT_HELLO_VERIFY_REQUEST, HT_SERVER_HELLO, HT_SERVER_HELLO_DONE, HT_SERVER_KEY_EXCHANGE,
  TLS_PSK_WITH_AES_128_CCM_8,
} from './constants';
import { createEndpoint, DtlsEndpoint, DtlsOptions, Handshake, Role, Session } from './connection';
import { decodeHelloVerifyRequest, decodePskVector, decodeServerHello, encodeClientHello, encodeHandshake, encodePskVector } from './handshake';

/** A PSK and the identity that names it (the device: from its Security object instance). */
export interface PskCredentials {
  identity: Uint8Array;
  key: Uint8Array;
}

export interface DtlsClientOptions extends DtlsOptions {
  /** The credentials for a server, or null when there are none. */
  psk: (peer: Peer) => PskCredentials | null;
}

// Client handshake states (Handshake.state).
var HELLO = 1; // ClientHello sent; HelloVerifyRequest or ServerHello next
var GOT_SH = 2; // ServerKeyExchange or ServerHelloDone next
var GOT_SKE = 3; // ServerHelloDone next
var WAIT_FIN = 4; // our Finished sent; server's CCS + Finished next

function sendHello(ep: DtlsEndpoint, s: Session): void {
  var hs = s.hs!;
  var ch = encodeHandshake(HT_CLIENT_HELLO, hs.nextSend++, encodeClientHello(hs.clientRandom, hs.cookie));
  // The transcript restarts with each ClientHello: the first one and the HelloVerifyRequest are not hashed (RFC 6347 §4.2.6).
  hs.transcript = [ch];
  hs.state = HELLO;
  ep.flight(s, [{ t: CT_HANDSHAKE, e: 0, b: ch }]);
}

function message(ep: DtlsEndpoint, s: Session, type: number, body: Uint8Array, whole: Uint8Array): void {
  var hs = s.hs!;
  var st = hs.state;
  if (type === HT_HELLO_VERIFY_REQUEST && st === HELLO) {
    var cookie = decodeHelloVerifyRequest(body);
    if (!cookie) return ep.abort(s, A_DECODE_ERROR);
    hs.cookie = cookie;
    sendHello(ep, s);
  } else if (type === HT_SERVER_HELLO && st === HELLO) {
    var sh = decodeServerHello(body);
    if (!sh) return ep.abort(s, A_DECODE_ERROR);
    if (sh.server_version !== 0xfefd) return ep.abort(s, A_PROTOCOL_VERSION);
    if (sh.cipher_suite !== TLS_PSK_WITH_AES_128_CCM_8 || sh.compression_method !== 0) return ep.abort(s, A_ILLEGAL_PARAMETER);
    // We offer no extensions, so any in the ServerHello is unsolicited (RFC 5246 §7.4.1.4).
    if (sh.extensions.length) return ep.abort(s, A_UNSUPPORTED_EXTENSION);
    hs.serverRandom = new Uint8Array(sh.random);
    hs.transcript.push(whole);
    hs.state = GOT_SH;
  } else if (type === HT_SERVER_KEY_EXCHANGE && st === GOT_SH) {
    // psk_identity_hint: the identity comes from the host's lookup, the hint is not needed (RFC 7925 §4.2).
    if (!decodePskVector(body)) return ep.abort(s, A_DECODE_ERROR);
    hs.transcript.push(whole);
    hs.state = GOT_SKE;
  } else if (type === HT_SERVER_HELLO_DONE && (st === GOT_SH || st === GOT_SKE)) {
    if (body.length) return ep.abort(s, A_DECODE_ERROR);
    hs.transcript.push(whole);
    ep.deriveKeys(s, true);
    var cke = encodeHandshake(HT_CLIENT_KEY_EXCHANGE, hs.nextSend++, encodePskVector(s.identity!));
    hs.transcript.push(cke);
    var fin = encodeHandshake(HT_FINISHED, hs.nextSend++, ep.finished(hs, 'client finished'));
    hs.transcript.push(fin);
    hs.expectFinished = ep.finished(hs, 'server finished');
    hs.master = null;
    hs.transcript = [];
    hs.state = WAIT_FIN;
    ep.flight(s, [
      { t: CT_HANDSHAKE, e: 0, b: cke },
      { t: CT_CHANGE_CIPHER_SPEC, e: 0, b: new Uint8Array([1]) },
      { t: CT_HANDSHAKE, e: 1, b: fin },
    ]);
  } else if (type === HT_FINISHED && st === WAIT_FIN && s.rEpoch === 1) {
    if (!equalConstTime(body, hs.expectFinished!)) return ep.abort(s, A_DECRYPT_ERROR);
    s.flight = null;
    ep.established(s);
  } else ep.abort(s, A_UNEXPECTED_MESSAGE);
}

var clientRole: Role = {
  pre: function () {
    return false;
  },
  start: function (ep: DtlsEndpoint, peer: Peer): Session | null {
    var cred = (ep.o as DtlsClientOptions).psk(peer);
    var s = new Session(peer, new Handshake(ep.random(32)));
    if (!cred) {
      ep.emit({ type: 'error', peer: s.peer, name: 'no_psk', message: 'no PSK for ' + peerKey(s.peer) });
      return null;
    }
    s.identity = cred.identity;
    s.hs!.psk = cred.key;
    ep.put(s);
    sendHello(ep, s);
    return s;
  },
  message: message,
  tick: function () {
    return -1;
  },
};

/**
 * A DTLS 1.2 PSK client endpoint (TLS_PSK_WITH_AES_128_CCM_8). `send(data, peer)` to a
 * peer without a session starts the handshake and queues the data until it completes;
 * `connect(peer)` starts it without data.
 */
export function createDtlsClient(o: DtlsClientOptions): DtlsEndpoint & { connect(peer: Peer): void } {
  var ep = createEndpoint(o, clientRole) as DtlsEndpoint & { connect(peer: Peer): void };
  ep.connect = function (peer: Peer): void {
    if (!ep.get(peer)) {
      try {
        clientRole.start(ep, peer);
      } catch (e) {
        // a failing crypto backend or rng: the host sees no connection
      }
    }
  };
  return ep;
}

