// P-256 for the RPK suite (rpk.ts): signature scheme ecdsa_secp256r1_sha256 (0x0403, RFC
// 8422 §5.1.3; sha256/ecdsa in RFC 5246 §7.4.1.4.1) and ECDHE over secp256r1 (named group
// 23, uncompressed points, RFC 8422 §5.1.1, §5.4), from transport/crypto/p256.ts. RFC 7925
// §4.3's mandatory curve and the only raw-public-key type Eclipse Leshan accepts. Only in
// a bundle that calls enableP256() (firmware/rpk-curves.ts). The arithmetic comes from the
// library enableP256() is given (transport/crypto/p256-lib.ts): built anew at each use on the
// board (the RPK bundle embeds it in a function), so that nothing of it stays at rest.
import { copyOf, equal } from '../bytes';
import { p256Spki } from '../crypto/p256-spki';
import type * as P256Lib from '../crypto/p256-lib';
import { enableRpk } from './rpk';
import { addCurve, RpkGroup, RpkSig } from './rpk-codec';

/** The P-256 library (p256-lib.ts), as enableP256() was given it. */
var p256: () => typeof P256Lib;

// AlgorithmIdentifier { id-ecPublicKey 1.2.840.10045.2.1, secp256r1 1.2.840.10045.3.1.7 } (RFC 5480 §2.1.1),
// 21 bytes as hex: a string costs Espruino ~4 variables, an array of 21 numbers 22
var ALG = '301306072a8648ce3d020106082a8648ce3d030107';

/** Offset of a DER value after its tag at `p` (short or one/two-byte long length), when it ends exactly at `end`; else -1. */
function derBody(b: Uint8Array, p: number, tag: number, end: number): number {
  if (b[p] !== tag) return -1;
  var n = b[p + 1];
  var h = 2;
  if (n === 0x81) {
    n = b[p + 2];
    h = 3;
  } else if (n === 0x82) {
    n = (b[p + 2] << 8) | b[p + 3];
    h = 4;
  } else if (n > 0x7f) return -1;
  return p + h + n === end ? p + h : -1;
}

/** d from a SEC 1 ECPrivateKey `SEQUENCE { version 1, privateKey OCTET STRING (32), [0] params?, [1] publicKey? }` (RFC 5915 §3) spanning [p, end). */
function sec1(b: Uint8Array, p: number, end: number): Uint8Array | null {
  p = derBody(b, p, 0x30, end);
  if (p < 0 || b[p] !== 2 || b[p + 1] !== 1 || b[p + 2] !== 1 || b[p + 3] !== 4 || b[p + 4] !== 32 || p + 37 > end) return null;
  return copyOf(b, p + 5, p + 37);
}

/**
 * Our P-256 private scalar d from: 32 raw bytes; PKCS#8 PrivateKeyInfo (RFC 5208 §5, as
 * Leshan and Java write it: 3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420 ‖ d,
 * or with the public key appended as openssl writes it); or SEC 1 ECPrivateKey
 * (30770201010420 ‖ d ‖ …, RFC 5915). null unless 1 <= d < n.
 */
export function p256PrivateKeyOf(key: Uint8Array): Uint8Array | null {
  var d: Uint8Array | null = null;
  if (key.length === 32) d = copyOf(key);
  else if (key.length > 40 && key[0] === 0x30) {
    var p = derBody(key, 0, 0x30, key.length);
    if (p >= 0 && key[p] === 2 && key[p + 1] === 1 && key[p + 2] === 0) {
      for (var i = 0; i < ALG.length / 2; i++) if (key[p + 3 + i] !== parseInt(ALG.substr(2 * i, 2), 16)) return null;
      // privateKey OCTET STRING wrapping the ECPrivateKey; no attributes after it
      p += 3 + ALG.length / 2;
      var q = derBody(key, p, 4, key.length);
      d = q < 0 ? null : sec1(key, q, key.length);
    } else d = sec1(key, 0, key.length);
  }
  return d && p256().ok(d) ? d : null;
}

/** The point 04||X||Y of a P-256 SPKI, or null if it is not one or the point is not on the curve. */
export function spkiP256(der: Uint8Array): Uint8Array | null {
  return p256().spki(der);
}

/** ecdsa_secp256r1_sha256: ECDSA over SHA-256 of the signed content, DER (RFC 8422 §5.4, §5.8); RFC 6979 nonces. Jobs run a step at a time (p256.ts). */
export var p256Sig: RpkSig = {
  scheme: 0x0403,
  pub: spkiP256,
  /** The point of a P-256 SPKI, uncompressed, not checked on the curve (the verification's first step does it). */
  key: function (der) {
    var p = der.length === 91 && der[26] === 4 ? copyOf(der, 26) : null;
    return p && equal(p256Spki(p), der) ? p : null;
  },
  priv: p256PrivateKeyOf,
  sign: function (msg, priv, pub, c) {
    return p256().sign(priv, c.sha256(msg), c);
  },
  verify: function (msg, sig, pub, c, table, make) {
    return p256().ver(pub, c.sha256(msg), sig, table, make);
  },
};

/** secp256r1 (group 23): uncompressed points 04 ‖ X ‖ Y (65 bytes); the premaster secret is the shared X (RFC 8422 §5.10). */
export var secp256r1Group: RpkGroup = {
  id: 23,
  len: 65,
  priv: function (rng) {
    return p256().priv(rng);
  },
  pub: function (k) {
    return p256().pub(k);
  },
  shared: function (k, peer) {
    return p256().ecdh(k, peer);
  },
};

/** Where p256Sig and secp256r1Group take the arithmetic from (the simulator's servers: server-curves.ts). */
export function useP256(lib: () => typeof P256Lib): void {
  p256 = lib;
}

/**
 * Adds P-256 keys and the secp256r1 group to the RPK suite, ahead of any other type (RFC
 * 7925's mandatory curve, preferred when both are built in), and installs the suite into
 * the client role (enableRpk). `lib` gives the arithmetic (transport/crypto/p256-lib.ts; the
 * host: `() => P256Lib`). Idempotent.
 */
export function enableP256(lib: () => typeof P256Lib): void {
  useP256(lib);
  addCurve(p256Sig, secp256r1Group, true);
  enableRpk();
}
