// Ed25519 signatures (signature scheme ed25519 0x0807, RFC 8422 §5.1.3) and X25519 ECDHE
// (named group x25519 = 29, RFC 8422 §5.1.1) for the RPK suite (rpk.ts), from tweetnacl.
// Only in a bundle that calls enableEd25519() (firmware/rpk-curves-ed25519.ts): the P-256
// and PSK bundles carry neither this nor tweetnacl.
import nacl from 'tweetnacl';
import { concat, copyOf, equal } from '../bytes';
import { enableRpk, pkcs8Ed25519Seed, PkJob, rpkGroups, RpkGroup, rpkSigs, RpkSig, spkiEd25519 } from './rpk';

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

/**
 * A result computed in one go, as a job that is already done. Not sliced yet: each Ed25519 /
 * X25519 operation still runs in one step (tweetnacl's ladders; see docs/rpk.md).
 */
function done(r: any): PkJob {
  return { run: doneRun, r: r };
}
function doneRun(): boolean {
  return true;
}

/** Ed25519 (scheme 0x0807): the whole message is signed, no prehash (RFC 8422 §5.8); keys are the 32-byte seed and public key. */
export var ed25519Sig: RpkSig = {
  scheme: 0x0807,
  pub: spkiEd25519,
  priv: function (key: Uint8Array): Uint8Array | null {
    return key.length === 32 ? copyOf(key) : pkcs8Ed25519Seed(key);
  },
  sign: function (msg: Uint8Array, priv: Uint8Array, pub: Uint8Array): PkJob {
    return done(ec.sign(msg, priv, pub));
  },
  verify: function (msg: Uint8Array, sig: Uint8Array, pub: Uint8Array): PkJob {
    return done(ec.verify(msg, sig, pub));
  },
};

/** X25519 (group 29): 32-byte values; the scalar is 32 Rng bytes (clamped by tweetnacl, RFC 7748 §5). */
export var x25519Group: RpkGroup = {
  id: 29,
  len: 32,
  priv: function (rng) {
    var k = new Uint8Array(32);
    rng.fill(k);
    return k;
  },
  pub: function (k: Uint8Array): PkJob {
    return done(ec.x25519Base(k));
  },
  /** The premaster secret, or null when it is all zeros (a low-order point: RFC 8422 §5.11, RFC 7748 §6.1). */
  shared: function (k: Uint8Array, u: Uint8Array): PkJob {
    if (u.length !== 32) return done(null);
    var z = ec.x25519(k, u);
    var d = 0;
    for (var i = 0; i < 32; i++) d |= z[i];
    return done(d ? z : null);
  },
};

/** Adds Ed25519 keys and the x25519 group to the RPK suite, and installs the suite into the client role (enableRpk). Idempotent. */
export function enableEd25519(): void {
  if (rpkSigs.indexOf(ed25519Sig) < 0) rpkSigs.push(ed25519Sig);
  if (rpkGroups.indexOf(x25519Group) < 0) rpkGroups.push(x25519Group);
  enableRpk();
}
