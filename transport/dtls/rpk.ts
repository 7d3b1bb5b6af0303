// Raw public keys (RFC 7250) for the DTLS 1.2 client: TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8
// (RFC 7251, the RPK suite of RFC 7925 §4.3). Mutual authentication: the server's and our
// Certificate carry a bare SubjectPublicKeyInfo (RFC 7250 §3). This is the client's RPK
// handshake; the codec both roles share (messages, SPKI helpers, the tables) is
// rpk-codec.ts, re-exported here.
//
// The curves are plugged in by the tables of rpk-codec.ts that glue modules fill: rpk-p256.ts's enableP256() (ecdsa_secp256r1_sha256 0x0403 and ECDHE secp256r1 = 23,
// transport/crypto/p256.ts) and rpk-ed25519.ts's enableEd25519() (ed25519 0x0807 and x25519
// = 29, tweetnacl). A bundle carries only the curves its entry enables
// (firmware/rpk-curves*.ts). Our key type follows our credentials' SPKI; the server's key
// may be of any type built in (pinned by its SPKI bytes); the ECDHE group is any built in.
//
// In the bundle only when imported (firmware/main-rpk.ts): enableRpk() plugs the RPK hook
// (credentials, ClientHello, message steps) into the client role's one start and message
// dispatch, so firmware/main.ts's PSK-only bundle carries none of this.
// The server role (server.ts, simulator only) uses rpk-codec.ts only.
//
// On the board public-key work is slow (seconds per operation, ../shared/ESPRUINO.md), so a
// handshake does at most four: one verify (ServerKeyExchange), one ECDHE key pair, one
// shared secret, one sign (CertificateVerify), and the key pair is made beforehand in idle
// turns when it can be (precompute below). Each runs a step per poll (rpkTick), and a turn
// that handled the server's messages does no public-key work: every run between two yields
// stays well under 0.5 s of board time (test/espruino/rpk-sliced.test.ts). Retransmission
// resends the flight's bytes, never recomputes.
import { peerKey } from '../ports';
import { concat, copyOf, equal, equalConstTime, toHex } from '../bytes';
import { CT, HT, A, DTLS, EXT, HS } from './constants';
import { clientRole, DtlsClientOptions, finalFlight, RpkCredentials, sendHello } from './client';
import { DtlsEndpoint, FlightEntry, Handshake, Session } from './connection';
import { decodeHelloVerifyRequest } from './handshake';
import { resumes, serverHello } from './resume';
import { takeCid } from './cid';
import { checkServerKeyExchange, decodeRpkCertificate, encodeRpkCertificate, encodeRpkClientHello, extensionList, groupById, PkJob, RpkGroup, rpkGroups, rpkKeyOf, RpkSig, u16 } from './rpk-codec';

// The codec, for the curves' glue (rpk-p256.ts, rpk-ed25519.ts) and the bundle's LwM2M.rpk.
export * from './rpk-codec';

/** The RPK client's handshake state. */
interface RpkHandshake extends Handshake {
  /** Our key type, private key (as its sign() takes it), public key and SubjectPublicKeyInfo. */
  sig: RpkSig;
  priv: Uint8Array;
  pub: Uint8Array;
  spki: Uint8Array;
  pin: Uint8Array | null;
  /** The pinned key's verification table, and where a table the verification made goes (RpkCredentials). */
  tab?: Uint8Array | null;
  keep?: (table: Uint8Array) => void;
  /** The ServerKeyExchange's verification, for the table it made; with a table given, its signed content and signature (again()). */
  vj?: PkJob | null;
  vm?: Uint8Array | null;
  vs?: Uint8Array | null;
  /** The ServerHello's client_certificate_type said RawPublicKey. */
  cct?: boolean;
  /** The server's key type and key (Certificate), its ECDHE group and point (ServerKeyExchange). */
  peerSig?: RpkSig;
  peerPub?: Uint8Array;
  group?: RpkGroup;
  peerEcdh?: Uint8Array;
  certReq?: boolean;
  /** Public-key work in progress (rpkTick runs it a step per poll), and what to do with its result. */
  job?: PkJob | null;
  then?: (ep: DtlsEndpoint, s: Session, r: any) => void;
  /** The job's last step is done (or, with no job, a continuation waits): `then` runs at the next poll, a turn of its own. */
  jd?: boolean;
  /** This turn handled a message (or started the handshake): the next poll yields before any public-key work. */
  y?: boolean;
  /** The signed content's verification is over (SKE), the server's flight is all here (SHD). */
  verified?: boolean;
  done?: boolean;
  /** Our ECDHE scalar and public value, the premaster secret, the final flight's messages being built. */
  k?: Uint8Array;
  kp?: Uint8Array;
  z?: Uint8Array;
  fl?: FlightEntry[];
}

/**
 * ServerHello: DTLS 1.2, our suite, null compression; extensions only those we offered,
 * server_certificate_type RawPublicKey (absent means X.509, RFC 7250 §4.2, which we
 * cannot take; a ServerHello that resumes our session may leave it out: no Certificate
 * follows) and client_certificate_type, if present, RawPublicKey. 0 or the alert.
 */
function checkServerHello(b: Uint8Array, hs: RpkHandshake): number {
  var sid = b[34];
  var p = 35 + sid;
  var ext = b.length < 38 || sid > 32 || p + 3 > b.length ? null : extensionList(b, p + 3);
  if (!ext) return A.DECODE_ERROR;
  if (u16(b, 0) !== 0xfefd) return A.PROTOCOL_VERSION;
  if (u16(b, p) !== DTLS.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 || b[p + 2]) return A.ILLEGAL_PARAMETER;
  var sct = 0;
  for (var i = 0; i < ext.length; i++) {
    var t = ext[i].type;
    var d = ext[i].data;
    var rpk = d.length === 1 && d[0] === 2;
    if (t === EXT.SERVER_CERT_TYPE) sct = rpk ? 1 : -1;
    else if (t === EXT.CLIENT_CERT_TYPE) {
      if (!rpk) return A.UNSUPPORTED_CERTIFICATE;
      hs.cct = true;
    } else if (t !== EXT.EC_POINT_FORMATS && t !== EXT.CONNECTION_ID) return A.UNSUPPORTED_EXTENSION;
  }
  return sct > 0 || (!sct && resumes(hs, b)) ? 0 : A.UNSUPPORTED_CERTIFICATE;
}

var SERVER = 'DTLS server ';

// The steps: one function per handshake message of the server's (RFC 5246 §7.3, RFC 6347
// §4.2.1), each 0 or the AlertDescription to abort with. Each checks the state it needs.

/** HelloVerifyRequest: the ClientHello again, with the cookie. */
function onHelloVerify(ep: DtlsEndpoint, s: Session, hs: RpkHandshake, body: Uint8Array): number {
  var cookie = hs.state === HS.HELLO ? decodeHelloVerifyRequest(body) : null;
  if (!cookie) return hs.state === HS.HELLO ? A.DECODE_ERROR : A.UNEXPECTED_MESSAGE;
  hs.cookie = cookie;
  sendHello(ep, s);
  return 0;
}

/** ServerHello: our suite with raw public keys, or the resumption of our session (resume.ts: the server's Finished next). */
function onServerHello(ep: DtlsEndpoint, s: Session, hs: RpkHandshake, body: Uint8Array, whole: Uint8Array): number {
  if (hs.state !== HS.HELLO) return A.UNEXPECTED_MESSAGE;
  var a = checkServerHello(body, hs) || takeCid(s, body);
  if (a || serverHello(ep, s, body, whole)) return a;
  hs.state = HS.R_GOT_SH;
  return 0;
}

/**
 * Certificate: the server's key, compared with the pin before anything else (a wrong server
 * costs nothing). Its form only: whether a P-256 point is on the curve is the verification's
 * to find (p256.ts checks it first), so no public-key work here.
 */
function onCertificate(ep: DtlsEndpoint, s: Session, hs: RpkHandshake, body: Uint8Array, whole: Uint8Array): number {
  if (hs.state !== HS.R_GOT_SH) return A.UNEXPECTED_MESSAGE;
  var spki = decodeRpkCertificate(body);
  if (!spki) return A.DECODE_ERROR;
  if (hs.pin && !equal(spki, hs.pin)) {
    ep.hs().fail(s, 'bad_certificate', A.BAD_CERTIFICATE, SERVER + peerKey(s.peer) + ' presented raw public key ' + toHex(spki) + ', not the pinned ' + toHex(hs.pin));
    return 0;
  }
  var sk = rpkKeyOf(spki);
  if (!sk) return A.UNSUPPORTED_CERTIFICATE;
  hs.peerSig = sk.s;
  hs.peerPub = sk.k;
  hs.state = HS.R_GOT_CERT;
  hs.transcript.push(whole);
  return 0;
}

/** ServerKeyExchange: its form now; its signature in steps (rpkTick) while the rest of the flight is read. */
function onServerKeyExchange(ep: DtlsEndpoint, s: Session, hs: RpkHandshake, body: Uint8Array, whole: Uint8Array): number {
  if (hs.state !== HS.R_GOT_CERT) return A.UNEXPECTED_MESSAGE;
  var a = checkServerKeyExchange(body, hs.peerSig!);
  if (a) return a;
  var pl = 4 + body[3];
  // signed: ClientHello.random ‖ ServerHello.random ‖ ServerECDHParams (RFC 8422 §5.4)
  var m = concat([hs.clientRandom, hs.serverRandom!, body.subarray(0, pl)]), sg = body.subarray(pl + 4);
  // a pinned key's table is worth making when the host keeps it (RpkCredentials.keep)
  hs.job = hs.vj = hs.peerSig!.verify(m, sg, hs.peerPub!, ep.o.crypto, hs.tab, !!(hs.keep && hs.pin));
  if (hs.tab) {
    hs.vm = m;
    hs.vs = copyOf(sg);
  }
  hs.tab = null;
  hs.then = verified;
  hs.group = groupById(u16(body, 1))!;
  hs.peerEcdh = copyOf(body, 4, pl);
  hs.state = HS.R_GOT_SKE;
  hs.transcript.push(whole);
  return 0;
}

/**
 * CertificateRequest: certificate_types<1..2^8-1>, supported_signature_algorithms<2..2^16-2>,
 * certificate_authorities<0..2^16-1> (RFC 5246 §7.4.4), which must let us send our key.
 */
function onCertificateRequest(ep: DtlsEndpoint, s: Session, hs: RpkHandshake, body: Uint8Array, whole: Uint8Array): number {
  if (hs.state !== HS.R_GOT_SKE) return A.UNEXPECTED_MESSAGE;
  var nt = body[0];
  var ns = u16(body, 1 + nt);
  if (body.length < 5 || 1 + nt + 2 + ns + 2 > body.length || 1 + nt + 2 + ns + 2 + u16(body, 3 + nt + ns) !== body.length) return A.DECODE_ERROR;
  // ecdsa_sign (64) names P-256 and Ed25519 keys (RFC 8422 §5.5); gnutls-serv without ECDSA in
  // its priorities sends an empty list (../shared/INTEROP.md): say so rather than guess.
  var ok = 0;
  for (var i = 0; i < nt; i++) if (body[1 + i] === 64) ok = 1;
  for (i = 0; i < ns; i += 2) if (u16(body, 3 + nt + i) === hs.sig.scheme) ok |= 2;
  if (ok !== 3) {
    ep.hs().fail(s, 'certificate_request', A.HANDSHAKE_FAILURE, SERVER + peerKey(s.peer) + ' asked for a certificate we cannot give (' +
      (ok & 1 ? 'no signature algorithm for our key (' + hs.sig.scheme.toString(16) + ')' : nt ? 'no ecdsa_sign certificate type' : 'empty certificate_types') + ')');
    return 0;
  }
  // RFC 7250 §4.2: a server asking for a raw public key said so in its ServerHello.
  if (!hs.cct) return A.UNSUPPORTED_CERTIFICATE;
  hs.certReq = true;
  hs.state = HS.R_GOT_CR;
  hs.transcript.push(whole);
  return 0;
}

/** ServerHelloDone: the server's flight is all here; the key exchange starts once its signature verified. */
function onServerHelloDone(ep: DtlsEndpoint, s: Session, hs: RpkHandshake, body: Uint8Array, whole: Uint8Array): number {
  if (hs.state !== HS.R_GOT_SKE && hs.state !== HS.R_GOT_CR) return A.UNEXPECTED_MESSAGE;
  if (body.length) return A.DECODE_ERROR;
  hs.transcript.push(whole);
  // Our flight needs the public-key work (rpkTick): its retransmission stops, and
  // whatever else the server sends now is out of order.
  s.flight = null;
  hs.state = HS.R_WORK;
  hs.done = true;
  if (hs.verified) kex(ep, s);
  return 0;
}

/** The server's Finished (after its ChangeCipherSpec): the handshake is over. */
function onFinished(ep: DtlsEndpoint, s: Session, hs: RpkHandshake, body: Uint8Array): number {
  if (hs.state !== HS.R_WAIT_FIN || s.rEpoch !== 1) return A.UNEXPECTED_MESSAGE;
  if (!equalConstTime(body, hs.expectFinished!)) return A.DECRYPT_ERROR;
  delete s.flight;
  delete s.peerEnd;
  ep.hs().established(s);
  return 0;
}

/** Handles one in-order handshake message of an RPK session (the role's rpkStep); 0 or the AlertDescription to abort with. */
function step(ep: DtlsEndpoint, s: Session, type: number, body: Uint8Array, whole: Uint8Array): number {
  var hs = s.hs as RpkHandshake;
  hs.y = true;
  switch (type) {
    case HT.HELLO_VERIFY_REQUEST:
      return onHelloVerify(ep, s, hs, body);
    case HT.SERVER_HELLO:
      return onServerHello(ep, s, hs, body, whole);
    case HT.CERTIFICATE:
      return onCertificate(ep, s, hs, body, whole);
    case HT.SERVER_KEY_EXCHANGE:
      return onServerKeyExchange(ep, s, hs, body, whole);
    case HT.CERTIFICATE_REQUEST:
      return onCertificateRequest(ep, s, hs, body, whole);
    case HT.SERVER_HELLO_DONE:
      return onServerHelloDone(ep, s, hs, body, whole);
    case HT.FINISHED:
      return onFinished(ep, s, hs, body);
  }
  return A.UNEXPECTED_MESSAGE;
}

/** The ServerKeyExchange signature verified (or not); the key exchange starts once the server's flight is all here. */
function verified(ep: DtlsEndpoint, s: Session, ok: boolean): void {
  var hs = s.hs as RpkHandshake;
  if (!ok && hs.vm) {
    // refused with a kept table: verified again making the table, so that a table the host
    // kept wrong (it checks its own copy) costs one slow handshake, not every one after
    hs.job = hs.vj = hs.peerSig!.verify(hs.vm, hs.vs!, hs.peerPub!, ep.o.crypto, null, true);
    hs.vm = hs.vs = null;
    hs.then = verified;
    return;
  }
  hs.vm = hs.vs = null;
  if (!ok) return ep.hs().abort(s, A.DECRYPT_ERROR);
  hs.verified = true;
  // the table of the pinned key the verification made: the host keeps it for the next handshake
  var t = hs.vj!.tb;
  hs.vj = null;
  if (t && hs.keep && hs.pin) {
    try {
      hs.keep(t);
    } catch (e) {
      // a full Storage: the next handshake makes the table again
    }
  }
  if (hs.done) kex(ep, s);
}

/**
 * ECDHE: our key pair for the server's group, the precomputed one when it is of that group
 * (its job taken over if it is still running), then the premaster secret (the peer's point
 * checked first).
 */
function kex(ep: DtlsEndpoint, s: Session): void {
  var hs = s.hs as RpkHandshake;
  var e = takeEphemeral(hs.group!, ep);
  hs.k = e.k;
  if (e.p) gotPub(ep, s, e.p);
  else {
    hs.job = e.j;
    hs.then = gotPub;
  }
}

function gotPub(ep: DtlsEndpoint, s: Session, pub: Uint8Array): void {
  var hs = s.hs as RpkHandshake;
  hs.kp = pub;
  hs.job = hs.group!.shared(hs.k!, hs.peerEcdh!);
  hs.then = gotShared;
}

function gotShared(ep: DtlsEndpoint, s: Session, z: Uint8Array | null): void {
  var hs = s.hs as RpkHandshake;
  if (!z) return ep.hs().abort(s, A.ILLEGAL_PARAMETER);
  var g = hs.group!;
  var fl: FlightEntry[] = (hs.fl = []);
  var m;
  hs.z = z;
  if (hs.certReq) {
    m = ep.hs().message(HT.CERTIFICATE, hs.nextSend++, encodeRpkCertificate(hs.spki));
    hs.transcript.push(m);
    fl.push({ t: CT.HANDSHAKE, e: 0, b: m });
  }
  var y = new Uint8Array(1 + g.len);
  y[0] = g.len;
  y.set(hs.kp!, 1);
  // ClientKeyExchange: ClientECDiffieHellmanPublic { ECPoint ecdh_Yc<1..2^8-1> } (RFC 8422 §5.7)
  m = ep.hs().message(HT.CLIENT_KEY_EXCHANGE, hs.nextSend++, y);
  hs.transcript.push(m);
  fl.push({ t: CT.HANDSHAKE, e: 0, b: m });
  if (!hs.certReq) return signed(ep, s, null);
  // CertificateVerify: digitally-signed over all handshake messages so far (RFC 5246
  // §7.4.8): ECDSA over their SHA-256 (DER), or Ed25519 over them whole (RFC 8422 §5.8)
  hs.job = hs.sig.sign(concat(hs.transcript), hs.priv, hs.pub, ep.o.crypto);
  hs.then = signed;
}

function signed(ep: DtlsEndpoint, s: Session, sg: Uint8Array | null): void {
  var hs = s.hs as RpkHandshake;
  var fl = hs.fl!;
  if (sg) {
    var cv = new Uint8Array(4 + sg.length);
    cv[0] = hs.sig.scheme >> 8;
    cv[1] = hs.sig.scheme & 255;
    cv[3] = sg.length;
    cv.set(sg, 4);
    var m = ep.hs().message(HT.CERTIFICATE_VERIFY, hs.nextSend++, cv);
    hs.transcript.push(m);
    fl.push({ t: CT.HANDSHAKE, e: 0, b: m });
  }
  // the keys (two PRFs, ~61 M x86 instructions on the board) in this turn, the Finished and the flight in the next (rpkTick)
  ep.hs().deriveKeys(s, true, hs.z);
  hs.k = hs.kp = hs.z = undefined;
  hs.jd = true;
  hs.then = sendFinal;
}

/** Our final flight: the messages built, then ChangeCipherSpec and Finished (client.ts). */
function sendFinal(ep: DtlsEndpoint, s: Session): void {
  var hs = s.hs as RpkHandshake;
  var fl = hs.fl!;
  hs.fl = undefined;
  hs.state = HS.R_WAIT_FIN;
  finalFlight(ep, s, fl);
}

/**
 * The device's next ephemeral ECDHE key pair (issue 16, precomputation): made in idle turns
 * (rpkTick, when no handshake has work due) after the first RPK endpoint's first poll and
 * after each handshake that took one, so that a handshake pays only ECDH, one signature and
 * one verification. Taken by one handshake only (never used twice): `k` the scalar, `p` the
 * public value once `j`, its job, is done. Held by the client role (clientRole.eph), not by
 * an endpoint: the device's connections come and go (bootstrap server, then LwM2M server)
 * and the pair serves the next, whichever it is. 32 + 65 bytes at rest.
 */
export interface Ephemeral {
  g: RpkGroup;
  k: Uint8Array;
  p?: Uint8Array;
  j: PkJob | null;
}

/** A new key pair of group `g`: the scalar now, the public value a job. */
function newEphemeral(g: RpkGroup, ep: DtlsEndpoint): Ephemeral {
  var k = g.priv(ep.o.rng);
  return { g: g, k: k, j: g.pub(k) };
}

/** The key pair a handshake on group `g` uses: the precomputed one (then gone) if of that group, else a new one. */
function takeEphemeral(g: RpkGroup, ep: DtlsEndpoint): Ephemeral {
  var e = clientRole.eph;
  if (e && e.g === g) clientRole.eph = null;
  else e = newEphemeral(g, ep);
  return e;
}

/** One idle step of the next key pair (the preferred group's); `now` while work remains, else -1. */
function precompute(ep: DtlsEndpoint, now: number): number {
  var e = clientRole.eph;
  var g = rpkGroups[0];
  if (!e) {
    if (!g) return -1;
    clientRole.eph = newEphemeral(g, ep);
    return now;
  }
  var j = e.j;
  if (!j) return -1;
  if (j.run()) {
    e.p = j.r;
    e.j = null;
  }
  return now;
}

/**
 * The client role's tick (installed by enableRpk): for the first session with public-key work,
 * one step of it (each curve's jobs size their steps: P256_STEP, C25519_STEP, each under 0.5 s
 * of modelled board time with the turn around it); the step after its last runs its continuation. A turn that handled the
 * server's messages (hs.y) does none: it yields first. While work remains it asks to be polled
 * again at once (`now`: the scheduler returns to the event loop first, setTimeout 0), and the
 * handshake deadline restarts after the work (the server's last flight is what it times).
 * With no handshake under way, an RPK endpoint makes the next key pair (precompute).
 * `alone` (DtlsEndpoint.work, the scheduler's turn for a step alone): job steps only.
 */
function rpkTick(ep: DtlsEndpoint, now: number, alone?: boolean): number {
  var busy = false;
  for (var key in ep.s) {
    var s = ep.s[key];
    var hs = s.hs as RpkHandshake | null;
    if (hs) busy = true;
    if (!hs || !(hs.y || hs.job || hs.jd)) continue;
    // a turn for a step alone does no yield and no continuation (which sends): those are a poll's
    if (alone && (hs.y || hs.jd)) return -1;
    var j = hs.job;
    if (j || hs.jd) hs.deadline = -1;
    if (hs.y) hs.y = false;
    else if (!hs.jd) hs.jd = j!.run();
    else {
      hs.jd = false;
      hs.job = null;
      hs.then!(ep, s, j ? j.r : null);
    }
    return now;
  }
  // the next key pair waits while a handshake is under way (a PSK one after an RPK bootstrap:
  // its steps would hold back the registration it leads to), while the host is not idle, and
  // for a turn that did other work (its step would lengthen that turn)
  var o = ep.o as DtlsClientOptions, e = clientRole.eph;
  if (busy || !o.rpk || (e && !e.j)) return -1;
  var q = o.idle ? o.idle() : 1;
  return q === 1 ? precompute(ep, now) : q === 2 && !alone ? now : -1;
}

/**
 * The RPK half of the client role's start (client.ts): the host's RPK credentials for the
 * peer, if any, into the new session. false when they are not a key pair of a type built
 * in (said with bad_rpk_credentials); true otherwise, s.rpk telling whether RPK goes on.
 */
function cred(ep: DtlsEndpoint, s: Session): boolean {
  var o = ep.o as DtlsClientOptions;
  var c: RpkCredentials | null = o.rpk ? o.rpk(s.peer) : null;
  if (!c) return true;
  var sk = rpkKeyOf(c.spki);
  var priv = sk ? sk.s.priv(c.key) : null;
  if (!sk || !priv || !rpkGroups.length) {
    ep.hs().emit({ type: 'error', peer: s.peer, name: 'bad_rpk_credentials', message: 'RPK credentials for ' + peerKey(s.peer) + ' are not a key pair of a type built in (SubjectPublicKeyInfo; raw or PKCS#8 private key)' });
    return false;
  }
  var hs = s.hs as RpkHandshake;
  hs.sig = sk.s;
  hs.priv = priv;
  hs.pub = sk.k;
  hs.spki = copyOf(c.spki);
  hs.pin = c.serverSpki ? copyOf(c.serverSpki) : null;
  if (c.serverTable) hs.tab = c.serverTable;
  if (c.keep) hs.keep = c.keep;
  // the turn that starts the handshake does no public-key work (rpkTick)
  hs.y = true;
  s.rpk = true;
  return true;
}

/**
 * Installs the RPK suite into the client role (its RPK hooks, client.ts): from now on a
 * client whose `rpk` option gives credentials for a peer handshakes with raw public keys;
 * any other peer, PSK as before. Idempotent. The key types and groups come from
 * enableP256() / enableEd25519(), which call this; a bundle's firmware/rpk-curves*.ts
 * enableRpk() enables its curves.
 */
export function enableRpk(): void {
  clientRole.rpkCred = cred;
  clientRole.rpkHello = encodeRpkClientHello;
  clientRole.rpkStep = step;
  clientRole.tick = rpkTick;
}
