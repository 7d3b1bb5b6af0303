// The server role (the simulator's bootstrap and LwM2M servers; NOT in the device bundle).
// A ClientHello without a valid cookie gets a HelloVerifyRequest and leaves no state:
// cookie = HMAC-SHA-256(secret, client address:port ‖ ClientHello without its cookie)
// truncated to 16 bytes, the secret rotating (the previous one still accepted) so a
// cookie lives between one and two rotation periods (RFC 6347 §4.2.1).
// Importing it has no effect: a server with raw public keys needs the curves in the tables
// first (server-curves.ts's serverCurves(), which the simulator's servers call); it shares
// the RPK codec with the client (rpk-codec.ts), never the client role itself.
import type { Peer } from '../ports';
import { peerKey } from '../ports';
import { concat, equal, equalConstTime, toHex, utf8Encode, Writer } from '../bytes';
import { hmacSha256 } from '../crypto/hmac';
import { CT, HT, AlertLevel, A, DTLS, HS } from './constants';
import { createEndpoint, DtlsEndpoint, DtlsOptions, ESTABLISHED, FlightEntry, Handshake, newHandshake, newSession, Role, RoleHalf, Session } from './connection';
import { decodeClientHello, decodePskVector, encodeHandshake, encodeHelloVerifyRequest, encodePskVector, encodeServerHello, parseFragments } from './handshake';
import { DtlsRecord, encodeRecord, KeyAt, open, replayCheck } from './record';
import { checkRpkClientHello, decodeRpkCertificate, ecdhParams, encodeRpkCertificate, pkFinish, RpkGroup, rpkSigOf, rpkSigs, RpkSig, u16 } from './rpk-codec';
import { CidMap, clientCid, giveCid, moveSession, sessionByCid, sweepCids } from './cid';
import { cacheSession, findSession, newSessionCache, newSessionId, resumeFlight, SessionCache } from './session-cache';

/** The server's raw-public-key configuration (RFC 7250; rpk.ts). */
export interface DtlsServerRpk {
  /** Our private key, of the spki's type: P-256 (raw d, PKCS#8 or SEC 1) or Ed25519 (32-byte seed or PKCS#8). */
  key: Uint8Array;
  /** Our SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /** Whether a client's SubjectPublicKeyInfo DER may connect (refused: access_denied). */
  trust: (clientSpki: Uint8Array, peer: Peer) => boolean;
}

export interface DtlsServerOptions extends DtlsOptions {
  /** The PSK for an identity, or null if unknown (answered with unknown_psk_identity). */
  pskKey: (identity: Uint8Array) => Uint8Array | null;
  /** psk_identity_hint; without one no ServerKeyExchange is sent (RFC 4279 §2). */
  hint?: Uint8Array;
  /** Cookie secret rotation period, ms (default 60 s). */
  cookieRotation?: number;
  /** Most concurrent sessions (default 64); a new handshake beyond it is ignored. */
  maxSessions?: number;
  /** Sessions kept for resumption by session ID (RFC 5246 §7.3; session-cache.ts), default 1000; 0: none (empty session_id). */
  resumable?: number;
  /** How long (ms) after its full handshake a session may be resumed (default 24 h). */
  resumeLifetime?: number;
  /** false: no Connection ID for clients that offer the extension (RFC 9146; cid.ts). Default: one of DTLS.SERVER_CID bytes each. */
  connectionId?: boolean;
  /**
   * Most handshakes in progress from one IP address (any port; default 8): a new one beyond
   * it is ignored, so one address cannot take every slot (established sessions do not count).
   */
  maxPerAddress?: number;
  /**
   * A PSK handshake must end (the client's Finished verified) within this many ms of the
   * cookie: default 20 initial retransmission timeouts (20 s: our flight sent 5 times), at most
   * handshakeTimeout. A PSK client answers our flight at once; an RPK client may compute for
   * minutes first (a board's P-256), so RPK handshakes keep handshakeTimeout.
   */
  pskTimeout?: number;
  /**
   * Raw public keys: a client offering TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 with RawPublicKey
   * certificate types gets that suite and must present a trusted key (Session.rpk = true,
   * Session.identity = its SubjectPublicKeyInfo DER); any other client PSK, as Leshan does.
   */
  rpk?: DtlsServerRpk;
}

/** The server's RPK handshake state. */
interface RpkServerHandshake extends Handshake {
  /** The ECDHE group and our private value; then the premaster secret until CertificateVerify verified. */
  group?: RpkGroup;
  x?: Uint8Array | null;
  z?: Uint8Array | null;
  /** The client's key type and key. */
  peerSig?: RpkSig;
  peerPub?: Uint8Array;
}

/** A PSK handshake: tick() ends it at `end` (pskTimeout after it began). */
interface PskServerHandshake extends Handshake {
  end?: number;
}

interface ServerState {
  secret: Uint8Array;
  previous: Uint8Array;
  rotateAt: number;
  /** Sessions that may be resumed. */
  cache: SessionCache;
  /** Sessions by the Connection ID we gave them (RFC 9146, cid.ts). */
  cids: CidMap;
}

function cookieFor(ep: DtlsEndpoint, secret: Uint8Array, peer: Peer, sansCookie: Uint8Array): Uint8Array {
  return hmacSha256(ep.o.crypto, secret, concat([utf8Encode(peerKey(peer)), sansCookie])).subarray(0, 16);
}

/** Sessions, or with `address` the handshakes in progress from that IP address. */
function countSessions(ep: DtlsEndpoint, address?: string): number {
  var n = 0;
  for (var k in ep.s) if (ep.s[k] && (!address || (ep.s[k].hs && ep.s[k].peer.address === address))) n++;
  return n;
}

/** A fatal alert to a peer we keep no state for. */
function statelessAlert(ep: DtlsEndpoint, peer: Peer, seq: number, desc: number): void {
  ep.o.socket.send(encodeRecord(CT.ALERT, 0, seq, new Uint8Array([AlertLevel.FATAL, desc])), peer);
}

/**
 * The client's Finished (its first epoch-1 record, after its ChangeCipherSpec) that
 * does not decrypt: with PSK the client's key differs from ours for its identity. It is a
 * Finished that does not verify, answered with a fatal decrypt_error (RFC 5246 §7.4.9,
 * RFC 4279 §2) rather than dropped, so the client learns it at once instead of at its
 * deadline. Any other epoch-1 record is left to the endpoint (false).
 */
function badFinished(ep: DtlsEndpoint, st: ServerState, r: DtlsRecord, peer: Peer): boolean {
  // with a Connection ID (RFC 9146) the Finished is a tls12_cid record, found by its CID
  var s = r.type === CT.TLS12_CID ? sessionByCid(ep, st.cids, r) : ep.get(peer);
  var hs = s && s.hs;
  if (!s || !hs || hs.state !== HS.S_WAIT_FIN || s.rEpoch !== 1 || !replayCheck(s, r.seq) || open(ep.o.crypto, s.keys!, KeyAt.READ, r)) return false;
  if (s.rpk) ep.hs().abort(s, A.DECRYPT_ERROR);
  else ep.hs().fail(s, 'wrong_psk', A.DECRYPT_ERROR, 'DTLS client ' + peerKey(s.peer) + ': its Finished does not decrypt with our key for ' + ep.hs().who(s) + ' (wrong PSK); sent decrypt_error');
  return true;
}

function makeRole(st: ServerState): Role {
  // The handshake half (Role.half): the server builds no code on demand (it runs on a host), one object for good.
  var half: RoleHalf = {
    start: function (): Session | null {
      // A server cannot open a connection; data for an unknown peer is dropped.
      return null;
    },
    message: function (ep: DtlsEndpoint, s: Session, type: number, body: Uint8Array, whole: Uint8Array): void {
      var hs = s.hs!;
      if (hs.state === HS.S_WAIT_RFIN) {
        // the client's Finished of an abbreviated handshake: it proves our flight arrived
        if (type !== HT.FINISHED || s.rEpoch !== 1) return ep.hs().abort(s, A.UNEXPECTED_MESSAGE);
        if (!equalConstTime(body, hs.expectFinished!)) return ep.hs().abort(s, A.DECRYPT_ERROR);
        s.flight = null;
        ep.hs().established(s);
      } else if (s.rpk && hs.state !== HS.S_WAIT_FIN) {
        var a = rpkMessage(ep, s, type, body, whole);
        if (a) ep.hs().abort(s, a);
      } else if (type === HT.CLIENT_KEY_EXCHANGE && hs.state === HS.S_WAIT_CKE) {
        var id = decodePskVector(body);
        if (!id) return ep.hs().abort(s, A.DECODE_ERROR);
        s.identity = new Uint8Array(id);
        var key = (ep.o as DtlsServerOptions).pskKey(s.identity);
        // RFC 4279 §2: unknown_psk_identity (hiding it behind decrypt_error would only cost the client its diagnosis)
        if (!key) return ep.hs().fail(s, 'unknown_psk_identity', A.UNKNOWN_PSK_IDENTITY, 'DTLS client ' + peerKey(s.peer) + ' used an unknown ' + ep.hs().who(s));
        hs.psk = key;
        hs.transcript.push(whole);
        ep.hs().deriveKeys(s, false);
        hs.expectFinished = ep.hs().finished(hs, 'client finished');
        hs.state = HS.S_WAIT_FIN;
      } else if (type === HT.FINISHED && hs.state === HS.S_WAIT_FIN && s.rEpoch === 1) {
        if (!equalConstTime(body, hs.expectFinished!)) return ep.hs().abort(s, A.DECRYPT_ERROR);
        hs.transcript.push(whole);
        var fin = encodeHandshake(HT.FINISHED, hs.nextSend++, ep.hs().finished(hs, 'server finished'));
        ep.hs().flight(s, [
          { t: CT.CHANGE_CIPHER_SPEC, e: 0, b: new Uint8Array([1]) },
          { t: CT.HANDSHAKE, e: 1, b: fin },
        ]);
        cacheSession(st.cache, s);
        ep.hs().established(s);
      } else ep.hs().abort(s, A.UNEXPECTED_MESSAGE);
    },
  };
  return {
    pre: function (ep: DtlsEndpoint, r: DtlsRecord, peer: Peer): boolean {
      if (r.epoch === 1 && (r.type === CT.HANDSHAKE || r.type === CT.TLS12_CID)) return badFinished(ep, st, r, peer);
      if (r.epoch !== 0 || r.type !== CT.HANDSHAKE || r.fragment[0] !== HT.CLIENT_HELLO) return false;
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
        var hvr = encodeHandshake(HT.HELLO_VERIFY_REQUEST, m.message_seq, encodeHelloVerifyRequest(cookieFor(ep, st.secret, peer, ch.sansCookie)));
        ep.o.socket.send(encodeRecord(CT.HANDSHAKE, 0, r.seq, hvr), peer);
        return true;
      }
      // The address is proven: now a session. DTLS 1.2 (0xfefd) or later; versions count down.
      if (ch.client_version > 0xfefd) {
        statelessAlert(ep, peer, r.seq, A.PROTOCOL_VERSION);
        return true;
      }
      // RPK when configured and the client offers it with RawPublicKey both ways; else PSK.
      var ourSig = so.rpk ? rpkSigOf(so.rpk.spki) : null;
      var group = ourSig ? checkRpkClientHello(m.body, ch.cipher_suites, ourSig.scheme) : null;
      var rpk = !!group;
      var suite = rpk;
      for (var i = 0; i < ch.cipher_suites.length; i++) if (ch.cipher_suites[i] === DTLS.TLS_PSK_WITH_AES_128_CCM_8) suite = true;
      var nullComp = false;
      for (i = 0; i < ch.compression_methods.length; i++) if (ch.compression_methods[i] === 0) nullComp = true;
      if (!suite || !nullComp) {
        statelessAlert(ep, peer, r.seq, A.HANDSHAKE_FAILURE);
        return true;
      }
      if (!old && (countSessions(ep) >= (so.maxSessions || 64) || countSessions(ep, peer.address) >= (so.maxPerAddress || 8))) return true;
      // A new handshake from a known address replaces the old session (RFC 6347 §4.2.8: the client
      // lost its state); the cookie proved the address, so this is not an off-path reset.
      var hs = newHandshake(new Uint8Array(ch.random));
      var s = newSession({ address: peer.address, port: peer.port }, hs);
      hs.serverRandom = ep.hs().random(32);
      hs.nextRecv = m.message_seq + 1;
      hs.nextSend = m.message_seq;
      // Continue the ClientHello's record sequence as a stateless server must (RFC 6347 §4.2.1).
      s.wSeq0 = r.seq;
      hs.transcript = [encodeHandshake(HT.CLIENT_HELLO, m.message_seq, m.body)];
      ep.hs().put(s);
      var fl: FlightEntry[] = [];
      // RFC 5746 §3.6: the extension, or TLS_EMPTY_RENEGOTIATION_INFO_SCSV (0x00ff), asks for renegotiation_info.
      var reneg = ch.extensions.indexOf(0xff01) >= 0 || ch.cipher_suites.indexOf(0x00ff) >= 0;
      var pf = ch.extensions.indexOf(11) >= 0;
      // RFC 9146: a client offering connection_id gets one of ours (its records then find the session by it)
      var offered = clientCid(m.body);
      var more = offered && so.connectionId !== false ? giveCid(ep, st.cids, s, offered) : [];
      // A session the client offers to resume, if we still have it and would accept its credentials: the abbreviated handshake.
      var e = findSession(st.cache, ch.session_id, ch.cipher_suites, function (isRpk: boolean, id: Uint8Array): boolean {
        return isRpk ? !!so.rpk && !!rpkSigOf(id) && so.rpk.trust(id, peer) : !!so.pskKey(id);
      });
      if (e) {
        var sid = new Uint8Array(ch.session_id);
        resumeFlight(ep, s, e, sid, e.rpk ? serverHelloRpk(hs.serverRandom, sid, reneg, pf, more) : encodeServerHello(hs.serverRandom, sid, reneg, more), HS.S_WAIT_RFIN);
        return true;
      }
      hs.sid = newSessionId(ep, st.cache);
      if (rpk) {
        rpkFlight(ep, s, so.rpk!, ourSig!, group!, reneg, pf, more, fl);
        for (i = 0; i < fl.length; i++) hs.transcript.push(fl[i].b);
        hs.state = HS.S_WAIT_CERT;
        ep.hs().flight(s, fl);
        return true;
      }
      var sh = encodeHandshake(HT.SERVER_HELLO, hs.nextSend++, encodeServerHello(hs.serverRandom, hs.sid, reneg, more));
      fl.push({ t: CT.HANDSHAKE, e: 0, b: sh });
      if (so.hint && so.hint.length) fl.push({ t: CT.HANDSHAKE, e: 0, b: encodeHandshake(HT.SERVER_KEY_EXCHANGE, hs.nextSend++, encodePskVector(so.hint)) });
      fl.push({ t: CT.HANDSHAKE, e: 0, b: encodeHandshake(HT.SERVER_HELLO_DONE, hs.nextSend++, new Uint8Array(0)) });
      for (i = 0; i < fl.length; i++) hs.transcript.push(fl[i].b);
      hs.state = HS.S_WAIT_CKE;
      // ServerHello, ServerKeyExchange and ServerHelloDone go out in one datagram.
      ep.hs().flight(s, fl);
      return true;
    },
    half: function (): RoleHalf {
      return half;
    },
    byCid: function (ep: DtlsEndpoint, r: DtlsRecord): Session | null {
      return sessionByCid(ep, st.cids, r);
    },
    moved: moveSession,
    tick: function (ep: DtlsEndpoint, now: number): number {
      var so = ep.o as DtlsServerOptions;
      st.cache.now = now;
      if (st.rotateAt < 0) st.rotateAt = now + (so.cookieRotation || DTLS.COOKIE_ROTATION);
      else if (now >= st.rotateAt) {
        sweepCids(ep, st.cids);
        st.previous = st.secret;
        st.secret = ep.hs().random(32);
        st.rotateAt = now + (so.cookieRotation || DTLS.COOKIE_ROTATION);
      }
      // PSK handshakes end pskTimeout after the first poll that sees them (RPK ones at handshakeTimeout, poll()).
      var next = st.rotateAt;
      var cut = so.pskTimeout || Math.min(so.handshakeTimeout || DTLS.HANDSHAKE_TIMEOUT, 20 * (so.retransmitInitial || DTLS.RETRANSMIT_INITIAL));
      var ks: string[] = [];
      for (var k in ep.s) ks.push(k);
      for (var i = 0; i < ks.length; i++) {
        var s = ep.s[ks[i]];
        var hs = s && (s.hs as PskServerHandshake | null);
        if (!hs || s.rpk) continue;
        if (hs.end === undefined) hs.end = now + cut;
        if (now >= hs.end) ep.hs().err(s, 'handshake_timeout', undefined, 'DTLS client ' + peerKey(s.peer) + ' did not finish its PSK handshake within ' + cut + ' ms of its cookie');
        else if (hs.end < next) next = hs.end;
      }
      return next;
    },
  };
}

function serverHelloRpk(random: Uint8Array, sid: Uint8Array, reneg: boolean, pointFormats: boolean, more: number[]): Uint8Array {
  // ServerHello with client_certificate_type and server_certificate_type = RawPublicKey
  // (one byte each, RFC 7250 §4.2), ec_point_formats {uncompressed} when the client sent
  // it (RFC 8422 §5.2), renegotiation_info when asked (RFC 5746 §3.6).
  var ext = [0, 19, 0, 1, 2, 0, 20, 0, 1, 2];
  if (pointFormats) ext.push(0, 11, 0, 2, 1, 0);
  if (reneg) ext.push(0xff, 0x01, 0, 1, 0);
  ext = ext.concat(more);
  var w = new Writer(2 + 32 + 1 + sid.length + 2 + 1 + 2 + ext.length);
  w.u8(DTLS.MAJOR);
  w.u8(DTLS.MINOR);
  w.bytes(random);
  w.vec(1, sid);
  w.uint(2, DTLS.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8);
  w.u8(0);
  w.uint(2, ext.length);
  w.bytes(new Uint8Array(ext));
  return w.buf;
}

/**
 * ServerHello, Certificate, ServerKeyExchange (ECDHE on `group`, signed with our key over
 * both randoms and the params, RFC 8422 §5.4), CertificateRequest (ecdsa_sign, every
 * signature scheme built in, no authorities), ServerHelloDone. One ECDHE key pair and one
 * signature, kept in the flight for retransmission.
 */
function rpkFlight(ep: DtlsEndpoint, s: Session, r: DtlsServerRpk, sig: RpkSig, group: RpkGroup, reneg: boolean, pointFormats: boolean, more: number[], fl: FlightEntry[]): void {
  var hs = s.hs as RpkServerHandshake;
  var priv = sig.priv(r.key);
  var pub = sig.pub(r.spki)!;
  if (!priv) throw new Error('DtlsServerOptions.rpk: key is not a private key of the spki\'s type');
  s.rpk = true;
  hs.group = group;
  hs.x = group.priv(ep.o.rng);
  var params = ecdhParams(group.id, pkFinish(group.pub(hs.x)));
  var sg: Uint8Array = pkFinish(sig.sign(concat([hs.clientRandom, hs.serverRandom!, params]), priv, pub, ep.o.crypto));
  var ske = new Uint8Array(params.length + 4 + sg.length);
  ske.set(params);
  ske.set([sig.scheme >> 8, sig.scheme & 255, 0, sg.length], params.length);
  ske.set(sg, params.length + 4);
  var n = rpkSigs.length;
  var cr = new Uint8Array(6 + 2 * n);
  cr.set([1, 64, 0, 2 * n]);
  for (var i = 0; i < n; i++) cr.set([rpkSigs[i].scheme >> 8, rpkSigs[i].scheme & 255], 4 + 2 * i);
  var msgs = [
    encodeHandshake(HT.SERVER_HELLO, hs.nextSend++, serverHelloRpk(hs.serverRandom!, hs.sid!, reneg, pointFormats, more)),
    encodeHandshake(HT.CERTIFICATE, hs.nextSend++, encodeRpkCertificate(r.spki)),
    encodeHandshake(HT.SERVER_KEY_EXCHANGE, hs.nextSend++, ske),
    encodeHandshake(HT.CERTIFICATE_REQUEST, hs.nextSend++, cr),
    encodeHandshake(HT.SERVER_HELLO_DONE, hs.nextSend++, new Uint8Array(0)),
  ];
  for (i = 0; i < msgs.length; i++) fl.push({ t: CT.HANDSHAKE, e: 0, b: msgs[i] });
}

/** The client's Certificate, ClientKeyExchange and CertificateVerify; 0 or the alert. */
function rpkMessage(ep: DtlsEndpoint, s: Session, type: number, body: Uint8Array, whole: Uint8Array): number {
  var hs = s.hs as RpkServerHandshake;
  var r = (ep.o as DtlsServerOptions).rpk!;
  if (type === HT.CERTIFICATE && hs.state === HS.S_WAIT_CERT) {
    // An empty Certificate (the client has no key) is refused: RPK here means mutual authentication (RFC 5246 §7.4.6).
    if (body.length === 3 && !body[0] && !body[1] && !body[2]) return A.HANDSHAKE_FAILURE;
    var spki = decodeRpkCertificate(body);
    if (!spki) return A.DECODE_ERROR;
    var ps = rpkSigOf(spki);
    if (!ps) return A.UNSUPPORTED_CERTIFICATE;
    s.identity = new Uint8Array(spki);
    if (!r.trust(s.identity, s.peer)) {
      ep.hs().fail(s, 'rpk_not_trusted', A.ACCESS_DENIED, 'DTLS client ' + peerKey(s.peer) + ' presented an untrusted raw public key ' + toHex(spki));
      return 0;
    }
    hs.peerSig = ps;
    hs.peerPub = ps.pub(spki)!;
    hs.state = HS.S_WAIT_RPK_CKE;
  } else if (type === HT.CLIENT_KEY_EXCHANGE && hs.state === HS.S_WAIT_RPK_CKE) {
    // ClientECDiffieHellmanPublic: ecdh_Yc<1..2^8-1>, the group's point (RFC 8422 §5.7)
    if (!body.length || body.length !== 1 + body[0]) return A.DECODE_ERROR;
    hs.z = body[0] === hs.group!.len ? pkFinish(hs.group!.shared(hs.x!, body.subarray(1))) : null;
    hs.x = null;
    if (!hs.z) return A.ILLEGAL_PARAMETER;
    hs.state = HS.S_WAIT_CV;
  } else if (type === HT.CERTIFICATE_VERIFY && hs.state === HS.S_WAIT_CV) {
    if (body.length < 4 || body.length !== 4 + u16(body, 2)) return A.DECODE_ERROR;
    // the client's key's scheme (RFC 5246 §7.4.8: one we listed in the CertificateRequest)
    if (u16(body, 0) !== hs.peerSig!.scheme) return A.ILLEGAL_PARAMETER;
    // over every handshake message before this one (RFC 5246 §7.4.8)
    if (!pkFinish(hs.peerSig!.verify(concat(hs.transcript), body.subarray(4), hs.peerPub!, ep.o.crypto))) return A.DECRYPT_ERROR;
    hs.transcript.push(whole);
    // Keys only now: a ChangeCipherSpec is taken only once they exist, so a lost
    // CertificateVerify cannot be skipped by the epoch switch (its retransmission is epoch 0).
    ep.hs().deriveKeys(s, false, hs.z!);
    hs.z = null;
    hs.expectFinished = ep.hs().finished(hs, 'client finished');
    hs.state = HS.S_WAIT_FIN;
    return 0;
  } else return A.UNEXPECTED_MESSAGE;
  hs.transcript.push(whole);
  return 0;
}

/** A DTLS 1.2 PSK server endpoint (DTLS.TLS_PSK_WITH_AES_128_CCM_8) for the simulator's servers. */
export function createDtlsServer(o: DtlsServerOptions): DtlsEndpoint {
  // A board computes for minutes before it answers our RPK flight: the server's deadline is sized for it (constants.ts).
  if (!o.handshakeTimeout) {
    var c: any = {};
    for (var k in o) c[k] = (o as any)[k];
    c.handshakeTimeout = DTLS.SERVER_HANDSHAKE_TIMEOUT;
    o = c;
  }
  var ks = o.rpk ? rpkSigOf(o.rpk.spki) : null;
  if (o.rpk && (!ks || !ks.priv(o.rpk.key))) {
    throw new Error(rpkSigs.length ? 'DtlsServerOptions.rpk: not a P-256 or Ed25519 key pair (spki: SubjectPublicKeyInfo DER; key: raw or PKCS#8)' : 'DtlsServerOptions.rpk: no key type built in (call serverCurves() from server-curves.ts first)');
  }
  var secret = new Uint8Array(32);
  o.rng.fill(secret);
  var previous = new Uint8Array(32);
  o.rng.fill(previous);
  return createEndpoint(o, makeRole({ secret: secret, previous: previous, rotateAt: -1, cache: newSessionCache(o.resumable, o.resumeLifetime), cids: {} }));
}

export { ESTABLISHED };
