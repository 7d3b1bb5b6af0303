// Ed25519 signatures (signature scheme ed25519 0x0807, RFC 8422 §5.1.3) and X25519 ECDHE
// (named group x25519 = 29, RFC 8422 §5.1.1) for the RPK suite (rpk.ts): jobs run a step at a
// time (transport/crypto/x25519.ts, ed25519.ts on tweetnacl's field arithmetic; each step at
// most C25519_STEP + ~4 field multiplications, c25519.ts). Only in a bundle that calls
// enableEd25519() (firmware/rpk-curves-ed25519.ts): the P-256 and PSK bundles carry neither
// this nor tweetnacl.
import { copyOf } from '../bytes';
import { c25519Finish } from '../crypto/c25519';
import { ed25519SignJob, ed25519VerifyJob } from '../crypto/ed25519';
import { x25519BaseJob, x25519Job } from '../crypto/x25519';
import { enableRpk, pkcs8Ed25519Seed, rpkGroups, RpkGroup, rpkSigs, RpkSig, spkiEd25519 } from './rpk';

/**
 * The four public-key operations in one go (tests, benches): the same jobs the handshake runs
 * in steps. The X25519 scalar comes from the Rng port (clamped, RFC 7748 §5): no global PRNG.
 */
export var ec = {
  /** X25519(k, 9): our ephemeral public value. */
  x25519Base: function (k: Uint8Array): Uint8Array {
    return c25519Finish(x25519BaseJob(k));
  },
  /** X25519(k, u): the shared secret. */
  x25519: function (k: Uint8Array, u: Uint8Array): Uint8Array {
    return c25519Finish(x25519Job(k, u));
  },
  /** Ed25519 (RFC 8032 §5.1.6) over the whole message; `pub` is the seed's public key (not recomputed: that costs a scalar multiplication). */
  sign: function (msg: Uint8Array, seed: Uint8Array, pub: Uint8Array): Uint8Array {
    return c25519Finish(ed25519SignJob(msg, seed, pub, null));
  },
  /** Ed25519 verification (RFC 8032 §5.1.7); false for any malformed input. */
  verify: function (msg: Uint8Array, sig: Uint8Array, pub: Uint8Array): boolean {
    return c25519Finish(ed25519VerifyJob(msg, sig, pub, null));
  },
};

/** Ed25519 (scheme 0x0807): the whole message is signed, no prehash (RFC 8422 §5.8); keys are the 32-byte seed and public key. */
export var ed25519Sig: RpkSig = {
  scheme: 0x0807,
  pub: spkiEd25519,
  priv: function (key: Uint8Array): Uint8Array | null {
    return key.length === 32 ? copyOf(key) : pkcs8Ed25519Seed(key);
  },
  sign: function (msg, priv, pub, c) {
    return ed25519SignJob(msg, priv, pub, c);
  },
  verify: function (msg, sig, pub, c) {
    return ed25519VerifyJob(msg, sig, pub, c);
  },
};

/** X25519 (group 29): 32-byte values; the scalar is 32 Rng bytes (clamped, RFC 7748 §5). */
export var x25519Group: RpkGroup = {
  id: 29,
  len: 32,
  priv: function (rng) {
    var k = new Uint8Array(32);
    rng.fill(k);
    return k;
  },
  pub: x25519BaseJob,
  /** The premaster secret, or null when the peer's value is not 32 bytes or the result is all zeros (a low-order point: RFC 8422 §5.11, RFC 7748 §6.1). */
  shared: function (k: Uint8Array, u: Uint8Array) {
    return x25519Job(k, u.length === 32 ? u : new Uint8Array(32), true);
  },
};

/** Adds Ed25519 keys and the x25519 group to the RPK suite, and installs the suite into the client role (enableRpk). Idempotent. */
export function enableEd25519(): void {
  if (rpkSigs.indexOf(ed25519Sig) < 0) rpkSigs.push(ed25519Sig);
  if (rpkGroups.indexOf(x25519Group) < 0) rpkGroups.push(x25519Group);
  enableRpk();
}
