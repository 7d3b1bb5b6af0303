// The SubjectPublicKeyInfo of a P-256 point (RFC 5480 §2), as a raw public key travels in
// TLS (RFC 7250 §3): DER only, no arithmetic, so that a bundle that builds P-256 on demand
// (transport/crypto/p256-lib.ts) can carry this at top level without the rest.

/** The SPKI's 26 bytes before the point: id-ecPublicKey with namedCurve secp256r1, BIT STRING. */
export var SPKI = '3059301306072a8648ce3d020106082a8648ce3d030107034200';

/** SPKI DER (91 bytes) of an uncompressed point. */
export function p256Spki(point65: Uint8Array): Uint8Array {
  var out = new Uint8Array(91);
  for (var i = 0; i < 26; i++) out[i] = parseInt(SPKI.substr(2 * i, 2), 16);
  out.set(point65, 26);
  return out;
}
