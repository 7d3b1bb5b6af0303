// The raw-public-key codec (RFC 7250) shared by the DTLS client (rpk.ts) and the
// simulator's server (server.ts): the tables of key types and ECDHE groups built in, the
// RPK ClientHello, Certificate and ServerKeyExchange encoders and checks, SubjectPublicKeyInfo
// helpers and the extension list parser. Importing it changes nothing: the tables start
// empty, filled by a curve's glue (rpk-p256.ts, rpk-ed25519.ts) or, for the server,
// server-curves.ts. No handshake state here (that is rpk.ts's, the client's, and server.ts's).
import type { CryptoBackend, Rng } from '../ports';
import { copyOf } from '../bytes';
import { A, DTLS, EXT } from './constants';

/**
 * Public-key work in progress: run() does one step (a bounded amount of work, see
 * transport/crypto/p256.ts's P256_STEP), true once done; then `r` is the result. The client
 * runs one step per poll, so the device serves its event loop between steps.
 */
export interface PkJob {
  run(budget?: number): boolean;
  r: any;
  /** A verification's table of its key, when the job made it (RpkSig.verify). */
  tb?: Uint8Array | null;
}

/** A job's result, run to its end in one go (the simulator's server). */
export function pkFinish(j: PkJob): any {
  while (!j.run(1e9));
  return j.r;
}

/**
 * A signature key type: its SignatureScheme (RFC 8422 §5.1.3; 0x0403 is sha256/ecdsa of
 * RFC 5246 §7.4.1.4.1), its SPKI and private-key forms, sign and verify over the whole
 * signed content (the type hashes as its scheme says).
 */
export interface RpkSig {
  scheme: number;
  /** The public key inside a SubjectPublicKeyInfo DER of this type, or null (a P-256 point: on the curve). */
  pub(spki: Uint8Array): Uint8Array | null;
  /**
   * The same checked for form only, when that is cheaper (P-256: whether the point is on the
   * curve costs ~48 M x86 instructions on the board, and the verification checks it anyway);
   * absent: pub().
   */
  key?(spki: Uint8Array): Uint8Array | null;
  /** The private key in the form sign() takes, from raw or DER forms, or null. */
  priv(key: Uint8Array): Uint8Array | null;
  /** The signature (job result: bytes). */
  sign(msg: Uint8Array, priv: Uint8Array, pub: Uint8Array, c: CryptoBackend): PkJob;
  /**
   * Job result: false for any malformed signature or key; never throws. For the types that
   * have a verification table of the key (P-256): `table`, one kept from before
   * (RpkCredentials.serverTable), and `make`: without a usable one, make it (the job gives it
   * as `tb`).
   */
  verify(msg: Uint8Array, sig: Uint8Array, pub: Uint8Array, c: CryptoBackend, table?: Uint8Array | null, make?: boolean): PkJob;
}

/** An ECDHE group (NamedCurve, RFC 8422 §5.1.1): its id, point length on the wire, key pair and shared secret. */
export interface RpkGroup {
  id: number;
  len: number;
  priv(rng: Rng): Uint8Array;
  /** Our public value (job result: bytes). */
  pub(k: Uint8Array): PkJob;
  /** The premaster secret (job result), or null when the peer's point is invalid (RFC 8422 §5.11). */
  shared(k: Uint8Array, peer: Uint8Array): PkJob;
}

/** The key types and groups built in, most preferred first (filled by enableP256 / enableEd25519, or addCurve). */
export var rpkSigs: RpkSig[] = [];
export var rpkGroups: RpkGroup[] = [];

/** Adds a key type and an ECDHE group to the tables, ahead of the others when `first`. Idempotent. */
export function addCurve(sig: RpkSig, group: RpkGroup, first?: boolean): void {
  if (rpkSigs.indexOf(sig) < 0) {
    if (first) rpkSigs.unshift(sig);
    else rpkSigs.push(sig);
  }
  if (rpkGroups.indexOf(group) < 0) {
    if (first) rpkGroups.unshift(group);
    else rpkGroups.push(group);
  }
}

/** The built-in key type of a SubjectPublicKeyInfo DER, or null. */
export function rpkSigOf(spki: Uint8Array): RpkSig | null {
  for (var i = 0; i < rpkSigs.length; i++) if (rpkSigs[i].pub(spki)) return rpkSigs[i];
  return null;
}

/**
 * The built-in key type of a SubjectPublicKeyInfo DER (`s`) and its public key (`k`), checked
 * for form only (RpkSig.key): for keys whose use checks them (the server's key, which its
 * verification checks first; our own). null when no type built in has that form.
 */
export function rpkKeyOf(spki: Uint8Array): { s: RpkSig; k: Uint8Array } | null {
  for (var i = 0; i < rpkSigs.length; i++) {
    var s = rpkSigs[i];
    var k = s.key ? s.key(spki) : s.pub(spki);
    if (k) return { s: s, k: k };
  }
  return null;
}

/** The built-in ECDHE group of a NamedCurve id, or null. */
export function groupById(id: number): RpkGroup | null {
  for (var i = 0; i < rpkGroups.length; i++) if (rpkGroups[i].id === id) return rpkGroups[i];
  return null;
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

/** The big-endian 16-bit number at `o`. */
export function u16(b: Uint8Array, o: number): number {
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
 * Our ClientHello: client_version, random, session_id (`sid`, offered for resumption, or empty), cookie, the one RPK suite, null
 * compression, and the extensions supported_groups (RFC 8422 §5.1.1) and
 * signature_algorithms (RFC 5246 §7.4.1.4.1) listing what is built in, ec_point_formats
 * {uncompressed} (§5.1.2), client_certificate_type and server_certificate_type
 * {RawPublicKey} (RFC 7250 §3: a list of one).
 */
export function encodeRpkClientHello(random: Uint8Array, sid: Uint8Array, cookie: Uint8Array): Uint8Array {
  var k = sid.length;
  var n = cookie.length;
  var ng = rpkGroups.length;
  var ns = rpkSigs.length;
  var ext = 6 + 2 * ng + 6 + 6 + 2 * ns + 12 + 5;
  var b = new Uint8Array(36 + k + n + 8 + ext);
  b[0] = DTLS.MAJOR;
  b[1] = DTLS.MINOR;
  b.set(random, 2);
  b[34] = k;
  b.set(sid, 35);
  b[35 + k] = n;
  b.set(cookie, 36 + k);
  var p = 36 + k + n;
  b.set([0, 2, DTLS.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 >> 8, DTLS.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 & 255, 1, 0, ext >> 8, ext & 255, 0, EXT.SUPPORTED_GROUPS, 0, 2 + 2 * ng, 0, 2 * ng], p);
  p += 14;
  for (var i = 0; i < ng; i++, p += 2) b[p + 1] = rpkGroups[i].id;
  b.set([0, EXT.EC_POINT_FORMATS, 0, 2, 1, 0, 0, EXT.SIGNATURE_ALGORITHMS, 0, 2 + 2 * ns, 0, 2 * ns], p);
  p += 12;
  for (i = 0; i < ns; i++, p += 2) {
    b[p] = rpkSigs[i].scheme >> 8;
    b[p + 1] = rpkSigs[i].scheme & 255;
  }
  // the certificate types, then connection_id with an empty cid (cid.ts)
  b.set([0, EXT.CLIENT_CERT_TYPE, 0, 2, 1, 2, 0, EXT.SERVER_CERT_TYPE, 0, 2, 1, 2, 0, EXT.CONNECTION_ID, 0, 1, 0], p);
  return b;
}

function listHas(d: Uint8Array, lenBytes: number, width: number, v: number): boolean {
  var n = lenBytes === 1 ? d[0] : u16(d, 0);
  if (d.length < lenBytes || n !== d.length - lenBytes) return false;
  for (var i = lenBytes; i < d.length; i += width) if ((width === 1 ? d[i] : u16(d, i)) === v) return true;
  return false;
}

/**
 * Server side: for a (well-formed, decodeClientHello-checked) ClientHello body that offers
 * our suite with RawPublicKey both ways (RFC 7250 §4.1) and, when it lists signature
 * schemes, `scheme` (our key's), the ECDHE group to use: the first it lists that is built
 * in (its preference, as gnutls and OpenSSL servers do by default), or our first if it
 * lists none (RFC 8422 §4: an absent list constrains nothing). null when we cannot serve
 * it RPK.
 */
export function checkRpkClientHello(b: Uint8Array, suites: number[], scheme: number): RpkGroup | null {
  if (suites.indexOf(DTLS.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8) < 0) return null;
  // random, session_id, cookie, cipher_suites, compression_methods
  var p = 34;
  p += 1 + b[p];
  p += 1 + b[p];
  p += 2 + u16(b, p);
  p += 1 + b[p];
  var ext = extensionList(b, p);
  if (!ext) return null;
  var both = 0;
  var g: RpkGroup | null = rpkGroups[0] || null;
  for (var i = 0; i < ext.length; i++) {
    var t = ext[i].type;
    var d = ext[i].data;
    if ((t === EXT.CLIENT_CERT_TYPE || t === EXT.SERVER_CERT_TYPE) && listHas(d, 1, 1, 2)) both |= t - 18;
    if (t === EXT.SIGNATURE_ALGORITHMS && !listHas(d, 2, 2, scheme)) return null;
    if (t === EXT.SUPPORTED_GROUPS) {
      g = null;
      var n = u16(d, 0);
      if (n !== d.length - 2) return null;
      for (var j = 2; j < d.length && !g; j += 2) g = groupById(u16(d, j));
    }
  }
  return both === 3 ? g : null;
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

/** ServerECDHParams: curve_type named_curve(3), namedcurve, point<1..2^8-1> (RFC 8422 §5.4). */
export function ecdhParams(group: number, point: Uint8Array): Uint8Array {
  var b = new Uint8Array(4 + point.length);
  b[0] = 3;
  b[2] = group;
  b[3] = point.length;
  b.set(point, 4);
  return b;
}

/**
 * Checks a ServerKeyExchange: ServerECDHParams ‖ SignatureAndHashAlgorithm ‖
 * signature<0..2^16-1>, for a group we offered with a point of its length, signed with the
 * scheme of the server's key `sig`. 0 when well-formed, else the alert.
 */
export function checkServerKeyExchange(b: Uint8Array, sig: RpkSig): number {
  if (b.length < 4 || b.length !== 4 + b[3] + 4 + u16(b, 4 + b[3] + 2)) return A.DECODE_ERROR;
  // RFC 8422 §5.4: a curve or signature scheme we did not offer is an illegal_parameter.
  var g = b[0] === 3 ? groupById(u16(b, 1)) : null;
  if (!g || b[3] !== g.len || u16(b, 4 + b[3]) !== sig.scheme) return A.ILLEGAL_PARAMETER;
  return 0;
}
