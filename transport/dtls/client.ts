// The client role (the device's): ClientHello (and again with the cookie after a
// HelloVerifyRequest), ServerHello, ServerKeyExchange (hint, optional), ServerHelloDone,
// then ClientKeyExchange + ChangeCipherSpec + Finished, then the server's CCS + Finished.
// RFC 6347 §4.2, RFC 4279 §2, RFC 7925 §4.2.
import type { Peer } from '../ports';
import { peerKey } from '../ports';
import { equalConstTime } from '../bytes';
import { CT, HT, A, HS } from './constants';
import { createEndpoint, DtlsEndpoint, DtlsOptions, FlightEntry, newHandshake, newSession, Role, RoleHalf, Session } from './connection';
import { checkServerHello, decodeHelloVerifyRequest, decodePskVector, encodeClientHello, encodePskVector } from './handshake';
import { offer, resumedFinished, serverHello, sessionRecord } from './resume';
import { takeCid } from './cid';
import type { Ephemeral } from './rpk';

/** A PSK and the identity that names it (the device: from its Security object instance). */
export interface PskCredentials {
  identity: Uint8Array;
  key: Uint8Array;
}

/**
 * Raw-public-key credentials (RFC 7250) for a server: used only once rpk.ts's enableRpk()
 * installed the suite (a PSK-only bundle carries none of it).
 */
export interface RpkCredentials {
  /**
   * Our private key, of `spki`'s type: P-256 as raw d, PKCS#8 or SEC 1 DER (rpk-p256.ts's
   * p256PrivateKeyOf); Ed25519 as the 32-byte seed or PKCS#8 DER (302e020100300506032b657004220420 ‖ seed).
   */
  key: Uint8Array;
  /** Our SubjectPublicKeyInfo DER (91 bytes for P-256, 44 for Ed25519): sent as our Certificate; it must be `key`'s public key, and its type says our key type. */
  spki: Uint8Array;
  /** The server's SubjectPublicKeyInfo DER to pin; null accepts any key (tests only: no server authentication). */
  serverSpki: Uint8Array | null;
  /**
   * The pinned key's verification table from an earlier handshake (P-256: its comb table,
   * transport/crypto/p256-verify.ts), if the host kept one; without it (or with a stale one)
   * the handshake makes it, ~6 G x86 instructions on the board's stand-in, and gives it to
   * `keep` once the server's signature verified with it.
   */
  serverTable?: Uint8Array | null;
  keep?: (table: Uint8Array) => void;
}

export interface DtlsClientOptions extends DtlsOptions {
  /** The credentials for a server, or null when there are none. */
  psk: (peer: Peer) => PskCredentials | null;
  /**
   * Raw-public-key credentials for a server (needs enableRpk() from rpk.ts). When it gives
   * credentials, the client offers only TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8; otherwise PSK.
   */
  rpk?: (peer: Peer) => RpkCredentials | null;
  /**
   * Whether the host is idle, for work that can wait (the next RPK key pair, rpk.ts
   * precompute): 1 idle; 2 idle, but this turn did other work (asked again in the next);
   * 0 not idle (asked again at a later poll). Absent: always idle.
   */
  idle?: () => number;
}

/**
 * The client role, with what rpk.ts's enableRpk() plugs into it for raw public keys
 * (RFC 7250): set there, absent in a PSK-only bundle. The role's one start, ClientHello
 * and message dispatch call them for RPK sessions. (Properties of the role rather than an
 * object of their own: one object less on the board, and the bundle's property pass
 * shortens their names.)
 */
export interface ClientRole extends Role {
  /**
   * Takes the host's RPK credentials for the session's peer, if it gives any, into the new
   * session (then s.rpk is set and the handshake holds what the RPK flights need). false
   * when they are not usable: it has said so with an error event, nothing is started.
   */
  rpkCred?: (ep: DtlsEndpoint, s: Session) => boolean;
  /** The RPK ClientHello body (in place of encodeClientHello's). */
  rpkHello?: (random: Uint8Array, sid: Uint8Array, cookie: Uint8Array) => Uint8Array;
  /** One in-order handshake message of an RPK session; 0 or the AlertDescription to abort with. */
  rpkStep?: (ep: DtlsEndpoint, s: Session, type: number, body: Uint8Array, whole: Uint8Array) => number;
  /** The device's next ephemeral ECDHE key pair, made in idle polls (rpk.ts precompute); null or absent when none. */
  eph?: Ephemeral | null;
}

/** The ClientHello, again with the cookie after a HelloVerifyRequest (PSK or, through the hook, RPK). */
export function sendHello(ep: DtlsEndpoint, s: Session): void {
  var hs = s.hs!;
  // Two calls, not a choice of function: encodeClientHello, called once, stays inlined (no function object at rest).
  var sid = hs.sid || new Uint8Array(0);
  var body = s.rpk ? clientRole.rpkHello!(hs.clientRandom, sid, hs.cookie) : encodeClientHello(hs.clientRandom, sid, hs.cookie);
  var ch = ep.hs().message(HT.CLIENT_HELLO, hs.nextSend++, body);
  // The transcript restarts with each ClientHello: the first one and the HelloVerifyRequest are not hashed (RFC 6347 §4.2.6).
  hs.transcript = [ch];
  hs.state = HS.HELLO;
  ep.hs().flight(s, [{ t: CT.HANDSHAKE, e: 0, b: ch }]);
}

/**
 * The client's last flight (PSK and RPK): the messages in `fl` (ClientKeyExchange; for RPK
 * also Certificate and CertificateVerify), then ChangeCipherSpec and Finished. The server's
 * Finished is computed now, while the transcript and master secret exist, and both are dropped
 * (RFC 5246 §7.4.9). Needs the keys derived.
 */
export function finalFlight(ep: DtlsEndpoint, s: Session, fl: FlightEntry[]): void {
  var hs = s.hs!;
  var fin = ep.hs().message(HT.FINISHED, hs.nextSend++, ep.hs().finished(hs, 'client finished'));
  hs.transcript.push(fin);
  hs.expectFinished = ep.hs().finished(hs, 'server finished');
  // what `connected` reports for the host to offer next time (resume.ts)
  hs.ses = sessionRecord(hs);
  hs.master = null;
  hs.transcript = [];
  fl.push({ t: CT.CHANGE_CIPHER_SPEC, e: 0, b: new Uint8Array([1]) }, { t: CT.HANDSHAKE, e: 1, b: fin });
  ep.hs().flight(s, fl);
}

/**
 * The client role's handshake half (Role.half): built with the endpoint's cold half, so on the
 * board its functions exist only while a handshake runs (docs/memory.md, rule 7). It keeps no
 * state: sessions and their Handshake hold it.
 */
function clientHalf(): RoleHalf {
  /** The ClientHello: sendHello's one caller in a PSK bundle, which then holds it only here. */
  function hello(ep: DtlsEndpoint, s: Session): void {
    sendHello(ep, s);
  }

  /**
   * One in-order handshake message (the role's message()): an RPK session's go to rpkStep; a
   * violation aborts with its AlertDescription `a`. One function, not a step() returning the
   * alert and a wrapper: one function object less loaded on the board.
   */
  function message(ep: DtlsEndpoint, s: Session, type: number, body: Uint8Array, whole: Uint8Array): void {
    var hs = s.hs!;
    var st = hs.state;
    var a = 0;
    // the server's Finished of an abbreviated handshake, PSK or RPK (resume.ts)
    if (st === HS.RESUMED) a = type === HT.FINISHED && s.rEpoch === 1 ? resumedFinished(ep, s, body, whole) : A.UNEXPECTED_MESSAGE;
    else if (s.rpk) a = clientRole.rpkStep!(ep, s, type, body, whole);
    else if (type === HT.HELLO_VERIFY_REQUEST && st === HS.HELLO) {
      var cookie = decodeHelloVerifyRequest(body);
      if (!cookie) a = A.DECODE_ERROR;
      else {
        hs.cookie = cookie;
        hello(ep, s);
      }
    } else if (type === HT.SERVER_HELLO && st === HS.HELLO) {
      a = checkServerHello(body) || takeCid(s, body);
      if (!a && !serverHello(ep, s, body, whole)) hs.state = HS.GOT_SH;
    } else if (type === HT.SERVER_KEY_EXCHANGE && st === HS.GOT_SH) {
      // psk_identity_hint: the identity comes from the host's lookup, the hint is not needed (RFC 7925 §4.2).
      if (!decodePskVector(body)) a = A.DECODE_ERROR;
      else {
        hs.transcript.push(whole);
        hs.state = HS.GOT_SKE;
      }
    } else if (type === HT.SERVER_HELLO_DONE && (st === HS.GOT_SH || st === HS.GOT_SKE)) {
      if (body.length) a = A.DECODE_ERROR;
      else {
        hs.transcript.push(whole);
        ep.hs().deriveKeys(s, true);
        var cke = ep.hs().message(HT.CLIENT_KEY_EXCHANGE, hs.nextSend++, encodePskVector(s.identity!));
        hs.transcript.push(cke);
        hs.state = HS.WAIT_FIN;
        finalFlight(ep, s, [{ t: CT.HANDSHAKE, e: 0, b: cke }]);
      }
    } else if (type === HT.FINISHED && st === HS.WAIT_FIN && s.rEpoch === 1) {
      if (!equalConstTime(body, hs.expectFinished!)) a = A.DECRYPT_ERROR;
      else {
        // our flight arrived: nothing to send again (deleted, not null: nothing held at rest)
        delete s.flight;
        delete s.peerEnd;
        ep.hs().established(s);
      }
    } else a = A.UNEXPECTED_MESSAGE;
    if (a) ep.hs().abort(s, a);
  }

  return {
    start: function (ep: DtlsEndpoint, peer: Peer, ses?: Uint8Array | null): Session | null {
      var s = newSession(peer, newHandshake(ep.hs().random(32)));
      offer(s.hs!, ses);
      // Raw public keys when the suite is installed and the host has RPK credentials for this peer; otherwise PSK.
      if (clientRole.rpkCred && !clientRole.rpkCred(ep, s)) return null;
      if (!s.rpk) {
        var cred = (ep.o as DtlsClientOptions).psk(peer);
        // an empty key is none: a zero-length PSK is one every server can hold
        if (!cred || !cred.key.length) {
          ep.hs().emit({ type: 'error', peer: s.peer, name: 'no_psk', message: 'no PSK for ' + peerKey(s.peer) });
          return null;
        }
        s.identity = cred.identity;
        s.hs!.psk = cred.key;
      }
      ep.hs().put(s);
      hello(ep, s);
      return s;
    },
    message: message,
  };
}

/** The role object (the RPK hooks come from rpk.ts's enableRpk(); the PSK bundle never has them). */
export var clientRole: ClientRole = {
  // no pre() and no tick(): the client has nothing to do before a record finds its session, nor periodically
  half: clientHalf,
};

/**
 * A DTLS 1.2 PSK client endpoint (DTLS.TLS_PSK_WITH_AES_128_CCM_8). `send(data, peer)` to a
 * peer without a session starts the handshake and queues the data until it completes;
 * `connect(peer)` starts it without data.
 */
export function createDtlsClient(o: DtlsClientOptions): DtlsEndpoint {
  return createEndpoint(o, clientRole);
}
