// Raw public keys (RFC 7250) for the DTLS 1.2 client: TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8
// (RFC 7251, the RPK suite of RFC 7925 §4.3) with Ed25519 signatures (signature scheme
// ed25519 0x0807, RFC 8422 §5.1.3) and X25519 ephemeral ECDH (named group x25519 = 29,
// RFC 8422 §5.1.1), both from tweetnacl. Mutual authentication: the server's and our
// Certificate carry a bare SubjectPublicKeyInfo (RFC 7250 §3).
//
// In the bundle only when imported (firmware/main-rpk.ts): enableRpk() wraps the client
// role's start and message, so firmware/main.ts's PSK-only bundle carries neither this
// nor tweetnacl. The server role (server.ts, simulator only) uses the codecs and `ec`.
//
// On the board public-key work is slow (seconds per operation, ../shared/ESPRUINO.md), so a
// handshake does exactly four: one Ed25519 verify (ServerKeyExchange), one X25519 key pair,
// one X25519 shared secret, one Ed25519 sign (CertificateVerify). Retransmission resends
// the flight's bytes, never recomputes.
import nacl from 'tweetnacl';
import type { Peer } from '../ports';
import { peerKey } from '../ports';
import { concat, copyOf, equal, equalConstTime, toHex } from '../bytes';
import { prf } from '../crypto/hmac';
import { CT, HT, A, DTLS } from './constants';
import { clientRole, DtlsClientOptions, RpkCredentials } from './client';
import { DtlsEndpoint, Handshake, newHandshake, newSession, Session } from './connection';
import { decodeHelloVerifyRequest, encodeHandshake } from './handshake';

/** The tweetnacl entry points used: the low-level ones take no type checks (a vm realm's Uint8Array passes) and throw nothing. */
interface NaclLow {
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): number;
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): number;
  crypto_sign(sm: Uint8Array, m: Uint8Array, n: number, sk: Uint8Array): number;
  crypto_sign_open(m: Uint8Array, sm: Uint8Array, n: number, pk: Uint8Array): number;
  crypto_hash(out: Uint8Array, m: Uint8Array, n: number): number;
  /** Field elements mod 2^255 - 19: 16 limbs of 16 bits in a Float64Array. */
  gf(init?: number[]): Fe;
  D: Fe;
  L: Float64Array;
  pack25519(o: Uint8Array, n: Fe): void;
  unpack25519(o: Fe, n: Uint8Array): void;
  M(o: Fe, a: Fe, b: Fe): void;
  S(o: Fe, a: Fe): void;
  A(o: Fe, a: Fe, b: Fe): void;
  Z(o: Fe, a: Fe, b: Fe): void;
  pow2523(o: Fe, i: Fe): void;
  /** p += q, points in extended coordinates [X, Y, Z, T] (q may be p: doubling). */
  add(p: Fe[], q: Fe[]): void;
  modL(r: Uint8Array, x: Float64Array): void;
}
type Fe = Float64Array;
var low = (nacl as unknown as { lowlevel: NaclLow }).lowlevel;

/**
 * The four public-key operations, as one object so tests can count them. The X25519
 * scalar comes from the Rng port (tweetnacl clamps it, RFC 7748 §5): no global PRNG.
 */
export var ec = {
  /** X25519(k, 9): our ephemeral public value. */
  x25519Base: function (k: Uint8Array): Uint8Array {
    var q = new Uint8Array(32);
    low.crypto_scalarmult_base(q, k);
    return q;
  },
  /** X25519(k, u): the shared secret. */
  x25519: function (k: Uint8Array, u: Uint8Array): Uint8Array {
    var q = new Uint8Array(32);
    low.crypto_scalarmult(q, k, u);
    return q;
  },
  /** Ed25519 (RFC 8032 §5.1.6) over the whole message; `pub` is the seed's public key (not recomputed: that costs a scalar multiplication). */
  sign: function (msg: Uint8Array, seed: Uint8Array, pub: Uint8Array): Uint8Array {
    var sm = new Uint8Array(msg.length + 64);
    low.crypto_sign(sm, msg, msg.length, concat([seed, pub]));
    return copyOf(sm, 0, 64);
  },
  /** Ed25519 verification (RFC 8032 §5.1.7); false for any malformed input. */
  verify: function (msg: Uint8Array, sig: Uint8Array, pub: Uint8Array): boolean {
    return sig.length === 64 && pub.length === 32 && verify(msg, sig, pub);
  },
};

// Ed25519 verification on tweetnacl's field and point arithmetic, but with one
// double-scalar multiplication (Straus: [S]B + [h](-A), doublings shared, RFC 8032 §5.1.7
// step 3) instead of tweetnacl's two constant-time ladders: about half the point
// additions, and verification is the most expensive of the four operations on the board.
// Its inputs are public, so variable time is fine. S >= L and non-canonical A are refused.

/** The base point B (RFC 8032 §5.1): x, y little-endian; sqrt(-1) mod p. */
var BX = [26, 213, 37, 143, 96, 45, 86, 201, 178, 167, 37, 149, 96, 199, 44, 105, 92, 220, 214, 253, 49, 226, 164, 192, 254, 83, 110, 205, 211, 54, 105, 33];
var BY = [88, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102];
var SQRTM1 = [176, 160, 14, 74, 39, 27, 238, 196, 120, 228, 47, 173, 6, 24, 67, 47, 167, 215, 251, 61, 153, 0, 77, 43, 11, 223, 193, 79, 128, 36, 131, 43];

function fe(bytes: number[] | Uint8Array): Fe {
  var o = low.gf();
  low.unpack25519(o, bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  return o;
}

function feBytes(a: Fe): Uint8Array {
  var b = new Uint8Array(32);
  low.pack25519(b, a);
  return b;
}

/** The point [x, y, 1, xy] in extended coordinates. */
function point(x: Fe, y: Fe): Fe[] {
  var t = low.gf();
  low.M(t, x, y);
  return [x, y, low.gf([1]), t];
}

/** Decodes a point (RFC 8032 §5.1.3), or null. */
function decodePoint(p: Uint8Array): Fe[] | null {
  var y = fe(p);
  var b = feBytes(y);
  // y must be canonical (< p): its packed form is the input without the sign bit
  for (var i = 0; i < 32; i++) if (b[i] !== (i === 31 ? p[31] & 127 : p[i])) return null;
  var one = low.gf([1]);
  var u = low.gf();
  var v = low.gf();
  var t = low.gf();
  var x = low.gf();
  // x^2 = u / v, u = y^2 - 1, v = d y^2 + 1; x = u v^3 (u v^7)^((p-5)/8)
  low.S(u, y);
  low.M(v, u, low.D);
  low.Z(u, u, one);
  low.A(v, v, one);
  low.S(t, v);
  low.M(t, t, v);
  low.M(x, t, u);
  low.S(t, t);
  low.M(t, t, v);
  low.M(t, t, u);
  low.pow2523(t, t);
  low.M(x, x, t);
  for (i = 0; i < 2; i++) {
    low.S(t, x);
    low.M(t, t, v);
    if (equal(feBytes(t), feBytes(u))) break;
    if (i) return null;
    low.M(x, x, fe(SQRTM1));
  }
  b = feBytes(x);
  if ((b[0] & 1) !== p[31] >> 7) {
    var zero = 0;
    for (i = 0; i < 32; i++) zero |= b[i];
    if (!zero) return null;
    low.Z(x, low.gf(), x);
  }
  return point(x, y);
}

function verify(msg: Uint8Array, sig: Uint8Array, pub: Uint8Array): boolean {
  // S < L (RFC 8032 §5.1.7: no malleable signatures)
  var i = 31;
  while (i > 0 && sig[32 + i] === low.L[i]) i--;
  if (sig[32 + i] >= low.L[i]) return false;
  var a = decodePoint(pub);
  if (!a) return false;
  // h = SHA-512(R ‖ A ‖ M) mod L
  var hm = concat([sig.subarray(0, 32), pub, msg]);
  var h = new Uint8Array(64);
  low.crypto_hash(h, hm, hm.length);
  var x = new Float64Array(64);
  for (i = 0; i < 64; i++) x[i] = h[i];
  for (i = 0; i < 64; i++) h[i] = 0;
  low.modL(h, x);
  // -A, B, B - A
  var zero = low.gf();
  low.Z(a[0], zero, a[0]);
  low.Z(a[3], zero, a[3]);
  var b = point(fe(BX), fe(BY));
  var ab = [low.gf(a[0] as unknown as number[]), low.gf(a[1] as unknown as number[]), low.gf(a[2] as unknown as number[]), low.gf(a[3] as unknown as number[])];
  low.add(ab, b);
  var q = [low.gf(), low.gf([1]), low.gf([1]), low.gf()];
  // S and h are below L < 2^253
  for (i = 252; i >= 0; i--) {
    low.add(q, q);
    var hb = (h[i >> 3] >> (i & 7)) & 1;
    var sb = (sig[32 + (i >> 3)] >> (i & 7)) & 1;
    if (hb && sb) low.add(q, ab);
    else if (hb) low.add(q, a);
    else if (sb) low.add(q, b);
  }
  // encode: y/Z with the parity of x/Z in the top bit (RFC 8032 §5.1.2); Z^-1 = Z^(p-2)
  var zi = low.gf(q[2] as unknown as number[]);
  for (i = 253; i >= 0; i--) {
    low.S(zi, zi);
    if (i !== 2 && i !== 4) low.M(zi, zi, q[2]);
  }
  low.M(q[0], q[0], zi);
  low.M(q[1], q[1], zi);
  var r = feBytes(q[1]);
  r[31] ^= (feBytes(q[0])[0] & 1) << 7;
  return equal(r, sig.subarray(0, 32));
}

// id-Ed25519 = 1.3.101.112 (RFC 8410 §3): SubjectPublicKeyInfo and PKCS#8 PrivateKeyInfo prefixes (RFC 8410 §4, §7).
var SPKI = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
var PKCS8 = [0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

function startsWith(b: Uint8Array, at: number, prefix: number[]): boolean {
  for (var i = 0; i < prefix.length; i++) if (b[at + i] !== prefix[i]) return false;
  return true;
}

/** SubjectPublicKeyInfo DER (44 bytes) of an Ed25519 public key (RFC 8410 §4). */
export function ed25519Spki(pub: Uint8Array): Uint8Array {
  var b = new Uint8Array(44);
  b.set(SPKI);
  b.set(pub, 12);
  return b;
}

/** The 32-byte Ed25519 key inside a SubjectPublicKeyInfo DER, or null if it is not exactly that. */
export function spkiEd25519(der: Uint8Array): Uint8Array | null {
  return der.length === 44 && startsWith(der, 0, SPKI) ? copyOf(der, 12) : null;
}

/**
 * The 32-byte seed inside an Ed25519 PKCS#8 DER: OneAsymmetricKey version 0 (48 bytes,
 * 302e020100300506032b657004220420 ‖ seed) or version 1 with optional trailing fields
 * (RFC 8410 §7, RFC 5958 §2); null otherwise.
 */
export function pkcs8Ed25519Seed(der: Uint8Array): Uint8Array | null {
  if (der.length < 48 || der.length > 127 || der[0] !== 0x30 || der[1] !== der.length - 2) return null;
  if (der[2] !== 2 || der[3] !== 1 || der[4] > 1 || !startsWith(der, 5, PKCS8)) return null;
  return copyOf(der, 16, 48);
}

/** Our private key as a seed: 32 raw bytes or PKCS#8. */
function seedOf(key: Uint8Array): Uint8Array | null {
  return key.length === 32 ? copyOf(key) : pkcs8Ed25519Seed(key);
}

function u16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export interface Extension {
  type: number;
  data: Uint8Array;
}

/** extensions<0..2^16-1> from `p` to the end of the message (RFC 5246 §7.4.1.4), with their data; null if malformed. */
export function extensionList(b: Uint8Array, p: number): Extension[] | null {
  var out: Extension[] = [];
  if (p === b.length) return out;
  if (p + 2 > b.length || p + 2 + u16(b, p) !== b.length) return null;
  p += 2;
  while (p < b.length) {
    if (p + 4 > b.length) return null;
    var n = u16(b, p + 2);
    if (p + 4 + n > b.length) return null;
    out.push({ type: u16(b, p), data: b.subarray(p + 4, p + 4 + n) });
    p += 4 + n;
  }
  return out;
}

/**
 * Our ClientHello extensions (34 bytes): supported_groups {x25519} (RFC 8422 §5.1.1),
 * ec_point_formats {uncompressed} (§5.1.2), signature_algorithms {ed25519} (RFC 8422
 * §5.1.3), client_certificate_type and server_certificate_type {RawPublicKey}
 * (RFC 7250 §3: a list of one).
 */
var HELLO_TAIL = [0, 2, DTLS.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 >> 8, DTLS.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 & 255, 1, 0, 0, 34,
  0, 10, 0, 4, 0, 2, 0, 29,
  0, 11, 0, 2, 1, 0,
  0, 13, 0, 4, 0, 2, 8, 7,
  0, 19, 0, 2, 1, 2,
  0, 20, 0, 2, 1, 2];

/** client_version, random, session_id<0>, cookie, the one RPK suite, null compression, the extensions above. */
export function encodeRpkClientHello(random: Uint8Array, cookie: Uint8Array): Uint8Array {
  var n = cookie.length;
  var b = new Uint8Array(36 + n + HELLO_TAIL.length);
  b[0] = DTLS.MAJOR;
  b[1] = DTLS.MINOR;
  b.set(random, 2);
  b[35] = n;
  b.set(cookie, 36);
  b.set(HELLO_TAIL, 36 + n);
  return b;
}

function listHas(d: Uint8Array, lenBytes: number, width: number, v: number): boolean {
  var n = lenBytes === 1 ? d[0] : u16(d, 0);
  if (d.length < lenBytes || n !== d.length - lenBytes) return false;
  for (var i = lenBytes; i < d.length; i += width) if ((width === 1 ? d[i] : u16(d, i)) === v) return true;
  return false;
}

/**
 * Server side: whether a (well-formed, decodeClientHello-checked) ClientHello body offers
 * our suite with RawPublicKey both ways (RFC 7250 §4.1), and x25519 and ed25519 when it
 * lists groups and signature schemes (RFC 8422 §4: absent lists constrain nothing).
 */
export function checkRpkClientHello(b: Uint8Array, suites: number[]): boolean {
  if (suites.indexOf(DTLS.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8) < 0) return false;
  // random, session_id, cookie, cipher_suites, compression_methods
  var p = 34;
  p += 1 + b[p];
  p += 1 + b[p];
  p += 2 + u16(b, p);
  p += 1 + b[p];
  var ext = extensionList(b, p);
  if (!ext) return false;
  var both = 0;
  for (var i = 0; i < ext.length; i++) {
    var t = ext[i].type;
    var d = ext[i].data;
    if ((t === 19 || t === 20) && listHas(d, 1, 1, 2)) both |= t - 18;
    if ((t === 10 && !listHas(d, 2, 2, 29)) || (t === 13 && !listHas(d, 2, 2, 0x0807))) return false;
  }
  return both === 3;
}

/** Certificate with a raw public key: ASN.1_subjectPublicKeyInfo<1..2^24-1>, no certificate_list wrapper (RFC 7250 §3). */
export function encodeRpkCertificate(spki: Uint8Array): Uint8Array {
  var b = new Uint8Array(3 + spki.length);
  b[1] = spki.length >> 8;
  b[2] = spki.length & 255;
  b.set(spki, 3);
  return b;
}

/** The SubjectPublicKeyInfo of an RPK Certificate body, or null (malformed or empty). */
export function decodeRpkCertificate(b: Uint8Array): Uint8Array | null {
  return b.length > 3 && ((b[0] << 16) | u16(b, 1)) === b.length - 3 ? b.subarray(3) : null;
}

/** ServerECDHParams for x25519: curve_type named_curve(3), namedcurve 29, point<1..2^8-1> (RFC 8422 §5.4). */
export function ecdhParams(point: Uint8Array): Uint8Array {
  var b = new Uint8Array(36);
  b[0] = 3;
  b[2] = 29;
  b[3] = 32;
  b.set(point, 4);
  return b;
}

/**
 * Checks a ServerKeyExchange: ServerECDHParams (36 bytes) ‖ SignatureAndHashAlgorithm
 * ed25519 (0x0807) ‖ signature<0..2^16-1> of 64 bytes. 0 when well-formed, else the alert.
 */
export function checkServerKeyExchange(b: Uint8Array): number {
  if (b.length < 4 || b.length !== 4 + b[3] + 4 + u16(b, 4 + b[3] + 2)) return A.DECODE_ERROR;
  // RFC 8422 §5.4: a curve or signature scheme we did not offer is an illegal_parameter.
  if (b[0] !== 3 || u16(b, 1) !== 29 || b[3] !== 32 || u16(b, 36) !== 0x0807 || b.length !== 104) return A.ILLEGAL_PARAMETER;
  return 0;
}

/** The X25519 premaster secret, or null when it is all zeros (a low-order point: RFC 8422 §5.11, RFC 7748 §6.1). */
function premaster(k: Uint8Array, u: Uint8Array): Uint8Array | null {
  var z = ec.x25519(k, u);
  var d = 0;
  for (var i = 0; i < 32; i++) d |= z[i];
  return d ? z : null;
}
export { premaster as x25519Premaster };

/** master_secret and key_block from the ECDHE premaster (RFC 5246 §8.1, §6.3; RFC 8422 §5.10): as connection.ts's deriveKeys for PSK. */
export function rpkKeys(ep: DtlsEndpoint, s: Session, isClient: boolean, pms: Uint8Array): void {
  var c = ep.o.crypto;
  var hs = s.hs!;
  hs.master = prf(c, pms, 'master secret', concat([hs.clientRandom, hs.serverRandom!]), 48);
  var kb = prf(c, hs.master, 'key expansion', concat([hs.serverRandom!, hs.clientRandom]), 40);
  var ck = { key: copyOf(kb, 0, 16), iv: kb.subarray(32, 36) };
  var sk = { key: copyOf(kb, 16, 32), iv: kb.subarray(36, 40) };
  s.wk = isClient ? ck : sk;
  s.rk = isClient ? sk : ck;
}

/** The RPK client's handshake state. */
interface RpkHandshake extends Handshake {
  seed: Uint8Array;
  /** Our Ed25519 public key and SubjectPublicKeyInfo. */
  pub: Uint8Array;
  spki: Uint8Array;
  pin: Uint8Array | null;
  /** The ServerHello's client_certificate_type said RawPublicKey. */
  cct?: boolean;
  /** The server's Ed25519 key (Certificate), its X25519 value (ServerKeyExchange). */
  peerPub?: Uint8Array;
  peerEcdh?: Uint8Array;
  certReq?: boolean;
}

/** Client handshake states for RPK (values apart from client.ts's). */
const enum St {
  HELLO = 1,
  GOT_SH = 31,
  GOT_CERT = 32,
  GOT_SKE = 33,
  GOT_CR = 34,
  WAIT_FIN = 35,
}

function sendHello(ep: DtlsEndpoint, s: Session): void {
  var hs = s.hs!;
  var ch = encodeHandshake(HT.CLIENT_HELLO, hs.nextSend++, encodeRpkClientHello(hs.clientRandom, hs.cookie));
  hs.transcript = [ch];
  hs.state = St.HELLO;
  ep.flight(s, [{ t: CT.HANDSHAKE, e: 0, b: ch }]);
}

/**
 * ServerHello: DTLS 1.2, our suite, null compression; extensions only those we offered,
 * server_certificate_type RawPublicKey (absent means X.509, RFC 7250 §4.2, which we
 * cannot take) and client_certificate_type, if present, RawPublicKey. 0 or the alert.
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
    if (t === 20) sct = rpk ? 1 : -1;
    else if (t === 19) {
      if (!rpk) return A.UNSUPPORTED_CERTIFICATE;
      hs.cct = true;
    } else if (t !== 11) return A.UNSUPPORTED_EXTENSION;
  }
  return sct > 0 ? 0 : A.UNSUPPORTED_CERTIFICATE;
}

var SERVER = 'DTLS server ';

/** Handles one in-order handshake message of an RPK session; returns 0, or the AlertDescription to abort with. */
function step(ep: DtlsEndpoint, s: Session, type: number, body: Uint8Array, whole: Uint8Array): number {
  var hs = s.hs as RpkHandshake;
  var st = hs.state;
  var a;
  if (type === HT.HELLO_VERIFY_REQUEST && st === St.HELLO) {
    var cookie = decodeHelloVerifyRequest(body);
    if (!cookie) return A.DECODE_ERROR;
    hs.cookie = cookie;
    sendHello(ep, s);
    return 0;
  }
  if (type === HT.SERVER_HELLO && st === St.HELLO) {
    if ((a = checkServerHello(body, hs))) return a;
    hs.serverRandom = copyOf(body, 2, 34);
    hs.state = St.GOT_SH;
  } else if (type === HT.CERTIFICATE && st === St.GOT_SH) {
    var spki = decodeRpkCertificate(body);
    if (!spki) return A.DECODE_ERROR;
    var pub = spkiEd25519(spki);
    if (!pub) return A.UNSUPPORTED_CERTIFICATE;
    // The pin is checked before any signature work: a wrong server costs nothing.
    if (hs.pin && !equal(spki, hs.pin)) {
      ep.fail(s, 'bad_certificate', A.BAD_CERTIFICATE, SERVER + peerKey(s.peer) + ' presented raw public key ' + toHex(pub) + ', not the pinned ' + toHex(hs.pin));
      return 0;
    }
    hs.peerPub = pub;
    hs.state = St.GOT_CERT;
  } else if (type === HT.SERVER_KEY_EXCHANGE && st === St.GOT_CERT) {
    if ((a = checkServerKeyExchange(body))) return a;
    // signed: ClientHello.random ‖ ServerHello.random ‖ ServerECDHParams (RFC 8422 §5.4)
    if (!ec.verify(concat([hs.clientRandom, hs.serverRandom!, body.subarray(0, 36)]), body.subarray(40), hs.peerPub!)) return A.DECRYPT_ERROR;
    hs.peerEcdh = copyOf(body, 4, 36);
    hs.state = St.GOT_SKE;
  } else if (type === HT.CERTIFICATE_REQUEST && st === St.GOT_SKE) {
    // certificate_types<1..2^8-1>, supported_signature_algorithms<2..2^16-2>, certificate_authorities<0..2^16-1> (RFC 5246 §7.4.4)
    var nt = body[0];
    var ns = u16(body, 1 + nt);
    if (body.length < 5 || 1 + nt + 2 + ns + 2 > body.length || 1 + nt + 2 + ns + 2 + u16(body, 3 + nt + ns) !== body.length) return A.DECODE_ERROR;
    // ecdsa_sign (64) also names Ed25519 keys (RFC 8422 §5.5); gnutls-serv without ECDSA in
    // its priorities sends an empty list (../shared/INTEROP.md): say so rather than guess.
    var ok = 0;
    for (var i = 0; i < nt; i++) if (body[1 + i] === 64) ok = 1;
    for (i = 0; i < ns; i += 2) if (u16(body, 3 + nt + i) === 0x0807) ok |= 2;
    if (ok !== 3) {
      ep.fail(s, 'certificate_request', A.HANDSHAKE_FAILURE, SERVER + peerKey(s.peer) + ' asked for a certificate we cannot give (' +
        (ok & 1 ? 'no ed25519 signature algorithm' : nt ? 'no ecdsa_sign certificate type' : 'empty certificate_types') + ')');
      return 0;
    }
    // RFC 7250 §4.2: a server asking for a raw public key said so in its ServerHello.
    if (!hs.cct) return A.UNSUPPORTED_CERTIFICATE;
    hs.certReq = true;
    hs.state = St.GOT_CR;
  } else if (type === HT.SERVER_HELLO_DONE && (st === St.GOT_SKE || st === St.GOT_CR)) {
    if (body.length) return A.DECODE_ERROR;
    hs.transcript.push(whole);
    var fl = [];
    var m;
    if (hs.certReq) {
      m = encodeHandshake(HT.CERTIFICATE, hs.nextSend++, encodeRpkCertificate(hs.spki));
      hs.transcript.push(m);
      fl.push({ t: CT.HANDSHAKE, e: 0, b: m });
    }
    var k = ep.random(32);
    var y = new Uint8Array(33);
    y[0] = 32;
    y.set(ec.x25519Base(k), 1);
    var z = premaster(k, hs.peerEcdh!);
    if (!z) return A.ILLEGAL_PARAMETER;
    // ClientKeyExchange: ClientECDiffieHellmanPublic { ECPoint ecdh_Yc<1..2^8-1> } (RFC 8422 §5.7)
    m = encodeHandshake(HT.CLIENT_KEY_EXCHANGE, hs.nextSend++, y);
    hs.transcript.push(m);
    fl.push({ t: CT.HANDSHAKE, e: 0, b: m });
    if (hs.certReq) {
      // CertificateVerify: ed25519 over all handshake messages so far, whole, no prehash (RFC 5246 §7.4.8, RFC 8422 §5.8)
      var cv = new Uint8Array(68);
      cv[0] = 8;
      cv[1] = 7;
      cv[3] = 64;
      cv.set(ec.sign(concat(hs.transcript), hs.seed, hs.pub), 4);
      m = encodeHandshake(HT.CERTIFICATE_VERIFY, hs.nextSend++, cv);
      hs.transcript.push(m);
      fl.push({ t: CT.HANDSHAKE, e: 0, b: m });
    }
    rpkKeys(ep, s, true, z);
    var fin = encodeHandshake(HT.FINISHED, hs.nextSend++, ep.finished(hs, 'client finished'));
    hs.transcript.push(fin);
    hs.expectFinished = ep.finished(hs, 'server finished');
    hs.master = null;
    hs.transcript = [];
    hs.state = St.WAIT_FIN;
    // The seconds just spent computing (on the board) do not count against the handshake
    // deadline: it restarts at the next poll, once, for the server's last flight.
    hs.deadline = -1;
    fl.push({ t: CT.CHANGE_CIPHER_SPEC, e: 0, b: new Uint8Array([1]) }, { t: CT.HANDSHAKE, e: 1, b: fin });
    ep.flight(s, fl);
    return 0;
  } else if (type === HT.FINISHED && st === St.WAIT_FIN && s.rEpoch === 1) {
    if (!equalConstTime(body, hs.expectFinished!)) return A.DECRYPT_ERROR;
    s.flight = null;
    ep.established(s);
    return 0;
  } else return A.UNEXPECTED_MESSAGE;
  hs.transcript.push(whole);
  return 0;
}

var pskStart: typeof clientRole.start | null = null;
var pskMessage: typeof clientRole.message;

function start(ep: DtlsEndpoint, peer: Peer): Session | null {
  var o = ep.o as DtlsClientOptions;
  var cred: RpkCredentials | null = o.rpk ? o.rpk(peer) : null;
  if (!cred) return pskStart!(ep, peer);
  var seed = seedOf(cred.key);
  var pub = spkiEd25519(cred.spki);
  var s = newSession(peer, newHandshake(ep.random(32)));
  if (!seed || !pub) {
    ep.emit({ type: 'error', peer: s.peer, name: 'bad_rpk_credentials', message: 'RPK credentials for ' + peerKey(s.peer) + ' are not an Ed25519 key pair (seed or PKCS#8, SubjectPublicKeyInfo)' });
    return null;
  }
  var hs = s.hs as RpkHandshake;
  hs.seed = seed;
  hs.pub = pub;
  hs.spki = copyOf(cred.spki);
  hs.pin = cred.serverSpki ? copyOf(cred.serverSpki) : null;
  s.rpk = true;
  ep.put(s);
  sendHello(ep, s);
  return s;
}

/**
 * Installs the RPK suite into the client role: from now on a client whose `rpk` option
 * gives credentials for a peer handshakes with raw public keys; any other peer, PSK as
 * before. Idempotent.
 */
export function enableRpk(): void {
  if (pskStart) return;
  pskStart = clientRole.start;
  pskMessage = clientRole.message;
  clientRole.start = start;
  clientRole.message = function (ep: DtlsEndpoint, s: Session, type: number, body: Uint8Array, whole: Uint8Array): void {
    if (!s.rpk) return pskMessage(ep, s, type, body, whole);
    var a = step(ep, s, type, body, whole);
    if (a) ep.abort(s, a);
  };
}
