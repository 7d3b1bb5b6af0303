// NIST P-256 (secp256r1: FIPS 186-4 §D.1.2.3, SEC 2 §2.4.2): ECDH (RFC 8422 §5.10) and
// ECDSA with SHA-256 (FIPS 186-4 §6, deterministic nonces per RFC 6979), in plain ES5 for
// Espruino, which has no BigInt and interprets every JS operation (~200x slower than Node).
//
// Numbers: a 256-bit value is 16 little-endian limbs of 16 bits in a Uint16Array(16).
// A limb product is < 2^32 and a column of 16 of them < 2^36, so a whole schoolbook
// product and its Montgomery reduction accumulate exactly in a Float64Array (< 2^53)
// with no carry inside the inner loops: carries are taken once per column.
// One Montgomery multiplication (R = 2^256) serves both moduli, p for coordinates and
// n for scalars: one code path keeps the bundle small, and the mod-n work (a few
// multiplications and one inversion per signature or verification) is a small share.
// Field elements stay in Montgomery form (xR mod p) and fully reduced (< p) between
// operations, so equality is limb equality.
//
// Points are Jacobian (X, Y, Z) = (X/Z^2, Y/Z^3); Z = 0 is the point at infinity.
// Doubling uses a = -3 (dbl-2001-b, 3M+5S), addition add-2007-bl (11M+5S), and the
// mixed addition with an affine point madd-2007-bl (7M+4S) (Bernstein–Lange EFD).
//
// What is guaranteed about timing (secret scalars: ECDH, public key, signing): the
// sequence of field operations and the table reads do not depend on the secret scalar.
// The scalar is read 4 bits at a time in a fixed window from the top; every window does
// 4 doublings, one table read that touches every entry and selects with arithmetic
// masks, one addition, and two arithmetic selects (accumulator still at infinity / digit
// zero). No branch or array index depends on a secret. Field operations have no
// secret-dependent branches either (conditional subtractions are masks). What is NOT
// guaranteed: Espruino's interpreter (and V8) may take data-dependent time inside an
// arithmetic operation (small integers vs doubles), so this is "no secret-dependent
// control flow", not a proof against a local timing or power attacker.
import type { CryptoBackend, Rng } from '../ports';
import { hmacSha256 } from './hmac';

// ---- limb arithmetic ------------------------------------------------------------------

/** A field element mod p: 16 limbs, loosely reduced (signed, see fmul). */
type Fe = Float64Array;
/** Limbs to read: a field element, or canonical limbs (< the modulus) in a Uint16Array. */
type Lb = Float64Array | Uint16Array;

function fe(): Fe {
  return new Float64Array(16);
}

/** 64 hex digits (big-endian) to 16 limbs. */
function limbs(hex: string): Uint16Array {
  var r = new Uint16Array(16);
  for (var k = 0; k < 16; k++) r[k] = parseInt(hex.substr(60 - 4 * k, 4), 16);
  return r;
}

// p = 2^256 - 2^224 + 2^192 + 2^96 - 1, n the order of G (FIPS 186-4 §D.1.2.3).
var P = limbs('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff');
var N = limbs('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
// -n^-1 mod 2^16 and R^2 mod n (R = 2^256) for Montgomery multiplication mod n.
var NI = 0xbc4f;
var N_R2 = limbs('66e12d94f3d956202845b2392b6bec594699799c49bd6fa683244c95be79eea2');

var S = new Uint16Array(16);

/** r = r - m if r + c*2^256 >= m (c is 0 or 1; r canonical limbs), without a branch on the value. */
function csub(r: Lb, c: number, m: Uint16Array): void {
  var k, x, b = 0;
  for (k = 0; k < 16; k++) {
    x = r[k] - m[k] - b;
    b = x >>> 31;
    S[k] = x & 65535;
  }
  // Take the difference if it did not borrow, or if there was a carry out of r.
  var u = c | (b ^ 1);
  for (k = 0; k < 16; k++) r[k] += (S[k] - r[k]) * u;
}

/** r = a + b mod n (a, b < n, canonical). */
function nadd(r: Lb, a: Lb, b: Lb): void {
  var k, x, c = 0;
  for (k = 0; k < 16; k++) {
    x = a[k] + b[k] + c;
    c = x >>> 16;
    r[k] = x & 65535;
  }
  csub(r, c, N);
}

function copy(r: Lb, a: Lb): void {
  for (var k = 0; k < 16; k++) r[k] = a[k];
}

/** 1 if canonical limbs are zero, else 0 (no early exit). */
function isZero(a: Lb): number {
  var d = 0;
  for (var k = 0; k < 16; k++) d |= a[k];
  return ((d - 1) >>> 31) & 1;
}

function same(a: Lb, b: Lb): boolean {
  var d = 0;
  for (var k = 0; k < 16; k++) d |= a[k] ^ b[k];
  return d === 0;
}

/** 1 if a < m (canonical limbs), computed over every limb. */
function less(a: Lb, m: Lb): number {
  var b = 0;
  for (var k = 0; k < 16; k++) b = ((a[k] - m[k] - b) >>> 31) & 1;
  return b;
}

/** Big-endian 32 bytes at `off` to limbs. */
function fromBytes(r: Lb, b: Uint8Array, off: number): void {
  for (var k = 0; k < 16; k++) r[k] = (b[off + 30 - 2 * k] << 8) | b[off + 31 - 2 * k];
}

/** Canonical limbs to big-endian bytes. */
function toBytes(out: Uint8Array, off: number, a: Lb): void {
  for (var k = 0; k < 16; k++) {
    out[off + 31 - 2 * k] = a[k] & 255;
    out[off + 30 - 2 * k] = a[k] >> 8;
  }
}

/**
 * r = the canonical value (< p) of a loosely reduced element. Four rounds of carry and fold of
 * the carry (2^256 = 2^224 - 2^192 - 2^96 + 1 mod p) bring any fmul-range input to
 * [0, 2^256) with no carry left; then one conditional subtraction of p (2^256 < 2p).
 */
function fcanon(r: Lb, a: Lb): void {
  var k, v, c, pass;
  for (k = 0; k < 16; k++) CF[k] = a[k];
  for (pass = 0; pass < 4; pass++) {
    c = 0;
    for (k = 0; k < 16; k++) {
      v = CF[k] + c;
      c = Math.floor(v / 65536);
      CF[k] = v - c * 65536;
    }
    CF[14] += c;
    CF[12] -= c;
    CF[6] -= c;
    CF[0] += c;
  }
  for (k = 0; k < 16; k++) r[k] = CF[k];
  csub(r, 0, P);
}

/**
 * r = a^(m-2), i.e. a^-1 by Fermat (0 for 0), with `mul`/`sqr` mod m. Left to right over the
 * 4-bit windows of the public exponent m - 2: 256 squarings and one multiplication per
 * non-zero window by a table of a^1..a^15. The operations depend only on m, not on a.
 */
var E2 = new Uint16Array(16);
function pow(r: Lb, a: Lb, m: Uint16Array, one: Lb, mul: (o: Lb, a: Lb, b: Lb) => void, sqr: (o: Lb, a: Lb) => void): void {
  var k, i, d, x;
  var w = 2;
  for (k = 0; k < 16; k++) {
    x = m[k] - w;
    w = x >>> 31;
    E2[k] = x & 65535;
  }
  copy(W[0], a);
  for (i = 1; i < 15; i++) mul(W[i], W[i - 1], a);
  copy(ACC, one);
  for (i = 63; i >= 0; i--) {
    for (k = 0; k < 4; k++) sqr(ACC, ACC);
    d = (E2[i >> 2] >> (4 * (i & 3))) & 15;
    if (d) mul(ACC, ACC, W[d - 1]);
  }
  copy(r, ACC);
}

function nsqr(o: Lb, a: Lb): void {
  nmul(o, a, a);
}

/** r = a^-1 mod p (a loosely reduced; r loosely reduced). */
function finv(r: Fe, a: Lb): void {
  pow(r, a, P, F1, fmul as (o: Lb, a: Lb, b: Lb) => void, fsqr as (o: Lb, a: Lb) => void);
}

// BEGIN GENERATED by tools/gen-p256.mjs: do not edit
/** o = a*b mod p, loosely reduced (limbs in [-2, 65537]); inputs' limbs below 2^20 in size. */
function fmul(o: Fe, a: Lb, b: Lb): void {
  var fl = Math.floor;
  var
    a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5], a6 = a[6], a7 = a[7],
    a8 = a[8], a9 = a[9], a10 = a[10], a11 = a[11], a12 = a[12], a13 = a[13], a14 = a[14], a15 = a[15],
    b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3], b4 = b[4], b5 = b[5], b6 = b[6], b7 = b[7],
    b8 = b[8], b9 = b[9], b10 = b[10], b11 = b[11], b12 = b[12], b13 = b[13], b14 = b[14], b15 = b[15],
    t0, t1, t2, t3, t4, t5, t6, t7,
    t8, t9, t10, t11, t12, t13, t14, t15,
    t16, t17, t18, t19, t20, t21, t22, t23,
    t24, t25, t26, t27, t28, t29, t30, v,
    c;
  t0 = a0 * b0;
  t1 = a0 * b1 + a1 * b0;
  t2 = a0 * b2 + a1 * b1 + a2 * b0;
  t3 = a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0;
  t4 = a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0;
  t5 = a0 * b5 + a1 * b4 + a2 * b3 + a3 * b2 + a4 * b1 + a5 * b0;
  t6 = a0 * b6 + a1 * b5 + a2 * b4 + a3 * b3 + a4 * b2 + a5 * b1 + a6 * b0;
  t7 = a0 * b7 + a1 * b6 + a2 * b5 + a3 * b4 + a4 * b3 + a5 * b2 + a6 * b1 + a7 * b0;
  t8 = a0 * b8 + a1 * b7 + a2 * b6 + a3 * b5 + a4 * b4 + a5 * b3 + a6 * b2 + a7 * b1 + a8 * b0;
  t9 = a0 * b9 + a1 * b8 + a2 * b7 + a3 * b6 + a4 * b5 + a5 * b4 + a6 * b3 + a7 * b2 + a8 * b1 + a9 * b0;
  t10 = a0 * b10 + a1 * b9 + a2 * b8 + a3 * b7 + a4 * b6 + a5 * b5 + a6 * b4 + a7 * b3 + a8 * b2 + a9 * b1 + a10 * b0;
  t11 = a0 * b11 + a1 * b10 + a2 * b9 + a3 * b8 + a4 * b7 + a5 * b6 + a6 * b5 + a7 * b4 + a8 * b3 + a9 * b2 + a10 * b1 + a11 * b0;
  t12 = a0 * b12 + a1 * b11 + a2 * b10 + a3 * b9 + a4 * b8 + a5 * b7 + a6 * b6 + a7 * b5 + a8 * b4 + a9 * b3 + a10 * b2 + a11 * b1 + a12 * b0;
  t13 = a0 * b13 + a1 * b12 + a2 * b11 + a3 * b10 + a4 * b9 + a5 * b8 + a6 * b7 + a7 * b6 + a8 * b5 + a9 * b4 + a10 * b3 + a11 * b2 + a12 * b1 + a13 * b0;
  t14 = a0 * b14 + a1 * b13 + a2 * b12 + a3 * b11 + a4 * b10 + a5 * b9 + a6 * b8 + a7 * b7 + a8 * b6 + a9 * b5 + a10 * b4 + a11 * b3 + a12 * b2 + a13 * b1 + a14 * b0;
  t15 = a0 * b15 + a1 * b14 + a2 * b13 + a3 * b12 + a4 * b11 + a5 * b10 + a6 * b9 + a7 * b8 + a8 * b7 + a9 * b6 + a10 * b5 + a11 * b4 + a12 * b3 + a13 * b2 + a14 * b1 + a15 * b0;
  t16 = a1 * b15 + a2 * b14 + a3 * b13 + a4 * b12 + a5 * b11 + a6 * b10 + a7 * b9 + a8 * b8 + a9 * b7 + a10 * b6 + a11 * b5 + a12 * b4 + a13 * b3 + a14 * b2 + a15 * b1;
  t17 = a2 * b15 + a3 * b14 + a4 * b13 + a5 * b12 + a6 * b11 + a7 * b10 + a8 * b9 + a9 * b8 + a10 * b7 + a11 * b6 + a12 * b5 + a13 * b4 + a14 * b3 + a15 * b2;
  t18 = a3 * b15 + a4 * b14 + a5 * b13 + a6 * b12 + a7 * b11 + a8 * b10 + a9 * b9 + a10 * b8 + a11 * b7 + a12 * b6 + a13 * b5 + a14 * b4 + a15 * b3;
  t19 = a4 * b15 + a5 * b14 + a6 * b13 + a7 * b12 + a8 * b11 + a9 * b10 + a10 * b9 + a11 * b8 + a12 * b7 + a13 * b6 + a14 * b5 + a15 * b4;
  t20 = a5 * b15 + a6 * b14 + a7 * b13 + a8 * b12 + a9 * b11 + a10 * b10 + a11 * b9 + a12 * b8 + a13 * b7 + a14 * b6 + a15 * b5;
  t21 = a6 * b15 + a7 * b14 + a8 * b13 + a9 * b12 + a10 * b11 + a11 * b10 + a12 * b9 + a13 * b8 + a14 * b7 + a15 * b6;
  t22 = a7 * b15 + a8 * b14 + a9 * b13 + a10 * b12 + a11 * b11 + a12 * b10 + a13 * b9 + a14 * b8 + a15 * b7;
  t23 = a8 * b15 + a9 * b14 + a10 * b13 + a11 * b12 + a12 * b11 + a13 * b10 + a14 * b9 + a15 * b8;
  t24 = a9 * b15 + a10 * b14 + a11 * b13 + a12 * b12 + a13 * b11 + a14 * b10 + a15 * b9;
  t25 = a10 * b15 + a11 * b14 + a12 * b13 + a13 * b12 + a14 * b11 + a15 * b10;
  t26 = a11 * b15 + a12 * b14 + a13 * b13 + a14 * b12 + a15 * b11;
  t27 = a12 * b15 + a13 * b14 + a14 * b13 + a15 * b12;
  t28 = a13 * b15 + a14 * b14 + a15 * b13;
  t29 = a14 * b15 + a15 * b14;
  t30 = a15 * b15;
  t28 += t30; t26 -= t30; t20 -= t30; t14 += t30; t27 += t29; t25 -= t29; t19 -= t29; t13 += t29;
  t26 += t28; t24 -= t28; t18 -= t28; t12 += t28; t25 += t27; t23 -= t27; t17 -= t27; t11 += t27;
  t24 += t26; t22 -= t26; t16 -= t26; t10 += t26; t23 += t25; t21 -= t25; t15 -= t25; t9 += t25;
  t22 += t24; t20 -= t24; t14 -= t24; t8 += t24; t21 += t23; t19 -= t23; t13 -= t23; t7 += t23;
  t20 += t22; t18 -= t22; t12 -= t22; t6 += t22; t19 += t21; t17 -= t21; t11 -= t21; t5 += t21;
  t18 += t20; t16 -= t20; t10 -= t20; t4 += t20; t17 += t19; t15 -= t19; t9 -= t19; t3 += t19;
  t16 += t18; t14 -= t18; t8 -= t18; t2 += t18; t15 += t17; t13 -= t17; t7 -= t17; t1 += t17;
  t14 += t16; t12 -= t16; t6 -= t16; t0 += t16;
  c = 0; v = t0 + c; c = fl(v / 65536); t0 = v - c * 65536; v = t1 + c; c = fl(v / 65536); t1 = v - c * 65536; v = t2 + c;
  c = fl(v / 65536); t2 = v - c * 65536; v = t3 + c; c = fl(v / 65536); t3 = v - c * 65536; v = t4 + c; c = fl(v / 65536); t4 = v - c * 65536;
  v = t5 + c; c = fl(v / 65536); t5 = v - c * 65536; v = t6 + c; c = fl(v / 65536); t6 = v - c * 65536; v = t7 + c; c = fl(v / 65536);
  t7 = v - c * 65536; v = t8 + c; c = fl(v / 65536); t8 = v - c * 65536; v = t9 + c; c = fl(v / 65536); t9 = v - c * 65536; v = t10 + c;
  c = fl(v / 65536); t10 = v - c * 65536; v = t11 + c; c = fl(v / 65536); t11 = v - c * 65536; v = t12 + c; c = fl(v / 65536); t12 = v - c * 65536;
  v = t13 + c; c = fl(v / 65536); t13 = v - c * 65536; v = t14 + c; c = fl(v / 65536); t14 = v - c * 65536; v = t15 + c; c = fl(v / 65536);
  t15 = v - c * 65536; t14 += c; t12 -= c; t6 -= c; t0 += c;
  c = 0; v = t0 + c; c = fl(v / 65536); t0 = v - c * 65536; v = t1 + c; c = fl(v / 65536); t1 = v - c * 65536; v = t2 + c;
  c = fl(v / 65536); t2 = v - c * 65536; v = t3 + c; c = fl(v / 65536); t3 = v - c * 65536; v = t4 + c; c = fl(v / 65536); t4 = v - c * 65536;
  v = t5 + c; c = fl(v / 65536); t5 = v - c * 65536; v = t6 + c; c = fl(v / 65536); t6 = v - c * 65536; v = t7 + c; c = fl(v / 65536);
  t7 = v - c * 65536; v = t8 + c; c = fl(v / 65536); t8 = v - c * 65536; v = t9 + c; c = fl(v / 65536); t9 = v - c * 65536; v = t10 + c;
  c = fl(v / 65536); t10 = v - c * 65536; v = t11 + c; c = fl(v / 65536); t11 = v - c * 65536; v = t12 + c; c = fl(v / 65536); t12 = v - c * 65536;
  v = t13 + c; c = fl(v / 65536); t13 = v - c * 65536; v = t14 + c; c = fl(v / 65536); t14 = v - c * 65536; v = t15 + c; c = fl(v / 65536);
  t15 = v - c * 65536; t14 += c; t12 -= c; t6 -= c; t0 += c;
  o[0] = t0; o[1] = t1; o[2] = t2; o[3] = t3; o[4] = t4; o[5] = t5; o[6] = t6; o[7] = t7;
  o[8] = t8; o[9] = t9; o[10] = t10; o[11] = t11; o[12] = t12; o[13] = t13; o[14] = t14; o[15] = t15;
}

/** o = a^2 mod p, as fmul. */
function fsqr(o: Fe, a: Lb): void {
  var fl = Math.floor;
  var
    a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5], a6 = a[6], a7 = a[7],
    a8 = a[8], a9 = a[9], a10 = a[10], a11 = a[11], a12 = a[12], a13 = a[13], a14 = a[14], a15 = a[15],
    t0, t1, t2, t3, t4, t5, t6, t7,
    t8, t9, t10, t11, t12, t13, t14, t15,
    t16, t17, t18, t19, t20, t21, t22, t23,
    t24, t25, t26, t27, t28, t29, t30, v,
    c;
  t0 = a0 * a0;
  t1 = a0 * a1 * 2;
  t2 = a0 * a2 * 2 + a1 * a1;
  t3 = (a0 * a3 + a1 * a2) * 2;
  t4 = (a0 * a4 + a1 * a3) * 2 + a2 * a2;
  t5 = (a0 * a5 + a1 * a4 + a2 * a3) * 2;
  t6 = (a0 * a6 + a1 * a5 + a2 * a4) * 2 + a3 * a3;
  t7 = (a0 * a7 + a1 * a6 + a2 * a5 + a3 * a4) * 2;
  t8 = (a0 * a8 + a1 * a7 + a2 * a6 + a3 * a5) * 2 + a4 * a4;
  t9 = (a0 * a9 + a1 * a8 + a2 * a7 + a3 * a6 + a4 * a5) * 2;
  t10 = (a0 * a10 + a1 * a9 + a2 * a8 + a3 * a7 + a4 * a6) * 2 + a5 * a5;
  t11 = (a0 * a11 + a1 * a10 + a2 * a9 + a3 * a8 + a4 * a7 + a5 * a6) * 2;
  t12 = (a0 * a12 + a1 * a11 + a2 * a10 + a3 * a9 + a4 * a8 + a5 * a7) * 2 + a6 * a6;
  t13 = (a0 * a13 + a1 * a12 + a2 * a11 + a3 * a10 + a4 * a9 + a5 * a8 + a6 * a7) * 2;
  t14 = (a0 * a14 + a1 * a13 + a2 * a12 + a3 * a11 + a4 * a10 + a5 * a9 + a6 * a8) * 2 + a7 * a7;
  t15 = (a0 * a15 + a1 * a14 + a2 * a13 + a3 * a12 + a4 * a11 + a5 * a10 + a6 * a9 + a7 * a8) * 2;
  t16 = (a1 * a15 + a2 * a14 + a3 * a13 + a4 * a12 + a5 * a11 + a6 * a10 + a7 * a9) * 2 + a8 * a8;
  t17 = (a2 * a15 + a3 * a14 + a4 * a13 + a5 * a12 + a6 * a11 + a7 * a10 + a8 * a9) * 2;
  t18 = (a3 * a15 + a4 * a14 + a5 * a13 + a6 * a12 + a7 * a11 + a8 * a10) * 2 + a9 * a9;
  t19 = (a4 * a15 + a5 * a14 + a6 * a13 + a7 * a12 + a8 * a11 + a9 * a10) * 2;
  t20 = (a5 * a15 + a6 * a14 + a7 * a13 + a8 * a12 + a9 * a11) * 2 + a10 * a10;
  t21 = (a6 * a15 + a7 * a14 + a8 * a13 + a9 * a12 + a10 * a11) * 2;
  t22 = (a7 * a15 + a8 * a14 + a9 * a13 + a10 * a12) * 2 + a11 * a11;
  t23 = (a8 * a15 + a9 * a14 + a10 * a13 + a11 * a12) * 2;
  t24 = (a9 * a15 + a10 * a14 + a11 * a13) * 2 + a12 * a12;
  t25 = (a10 * a15 + a11 * a14 + a12 * a13) * 2;
  t26 = (a11 * a15 + a12 * a14) * 2 + a13 * a13;
  t27 = (a12 * a15 + a13 * a14) * 2;
  t28 = a13 * a15 * 2 + a14 * a14;
  t29 = a14 * a15 * 2;
  t30 = a15 * a15;
  t28 += t30; t26 -= t30; t20 -= t30; t14 += t30; t27 += t29; t25 -= t29; t19 -= t29; t13 += t29;
  t26 += t28; t24 -= t28; t18 -= t28; t12 += t28; t25 += t27; t23 -= t27; t17 -= t27; t11 += t27;
  t24 += t26; t22 -= t26; t16 -= t26; t10 += t26; t23 += t25; t21 -= t25; t15 -= t25; t9 += t25;
  t22 += t24; t20 -= t24; t14 -= t24; t8 += t24; t21 += t23; t19 -= t23; t13 -= t23; t7 += t23;
  t20 += t22; t18 -= t22; t12 -= t22; t6 += t22; t19 += t21; t17 -= t21; t11 -= t21; t5 += t21;
  t18 += t20; t16 -= t20; t10 -= t20; t4 += t20; t17 += t19; t15 -= t19; t9 -= t19; t3 += t19;
  t16 += t18; t14 -= t18; t8 -= t18; t2 += t18; t15 += t17; t13 -= t17; t7 -= t17; t1 += t17;
  t14 += t16; t12 -= t16; t6 -= t16; t0 += t16;
  c = 0; v = t0 + c; c = fl(v / 65536); t0 = v - c * 65536; v = t1 + c; c = fl(v / 65536); t1 = v - c * 65536; v = t2 + c;
  c = fl(v / 65536); t2 = v - c * 65536; v = t3 + c; c = fl(v / 65536); t3 = v - c * 65536; v = t4 + c; c = fl(v / 65536); t4 = v - c * 65536;
  v = t5 + c; c = fl(v / 65536); t5 = v - c * 65536; v = t6 + c; c = fl(v / 65536); t6 = v - c * 65536; v = t7 + c; c = fl(v / 65536);
  t7 = v - c * 65536; v = t8 + c; c = fl(v / 65536); t8 = v - c * 65536; v = t9 + c; c = fl(v / 65536); t9 = v - c * 65536; v = t10 + c;
  c = fl(v / 65536); t10 = v - c * 65536; v = t11 + c; c = fl(v / 65536); t11 = v - c * 65536; v = t12 + c; c = fl(v / 65536); t12 = v - c * 65536;
  v = t13 + c; c = fl(v / 65536); t13 = v - c * 65536; v = t14 + c; c = fl(v / 65536); t14 = v - c * 65536; v = t15 + c; c = fl(v / 65536);
  t15 = v - c * 65536; t14 += c; t12 -= c; t6 -= c; t0 += c;
  c = 0; v = t0 + c; c = fl(v / 65536); t0 = v - c * 65536; v = t1 + c; c = fl(v / 65536); t1 = v - c * 65536; v = t2 + c;
  c = fl(v / 65536); t2 = v - c * 65536; v = t3 + c; c = fl(v / 65536); t3 = v - c * 65536; v = t4 + c; c = fl(v / 65536); t4 = v - c * 65536;
  v = t5 + c; c = fl(v / 65536); t5 = v - c * 65536; v = t6 + c; c = fl(v / 65536); t6 = v - c * 65536; v = t7 + c; c = fl(v / 65536);
  t7 = v - c * 65536; v = t8 + c; c = fl(v / 65536); t8 = v - c * 65536; v = t9 + c; c = fl(v / 65536); t9 = v - c * 65536; v = t10 + c;
  c = fl(v / 65536); t10 = v - c * 65536; v = t11 + c; c = fl(v / 65536); t11 = v - c * 65536; v = t12 + c; c = fl(v / 65536); t12 = v - c * 65536;
  v = t13 + c; c = fl(v / 65536); t13 = v - c * 65536; v = t14 + c; c = fl(v / 65536); t14 = v - c * 65536; v = t15 + c; c = fl(v / 65536);
  t15 = v - c * 65536; t14 += c; t12 -= c; t6 -= c; t0 += c;
  o[0] = t0; o[1] = t1; o[2] = t2; o[3] = t3; o[4] = t4; o[5] = t5; o[6] = t6; o[7] = t7;
  o[8] = t8; o[9] = t9; o[10] = t10; o[11] = t11; o[12] = t12; o[13] = t13; o[14] = t14; o[15] = t15;
}

/** o = a*b/R mod n for canonical a, b < n (Montgomery, R = 2^256); o canonical. */
function nmul(o: Lb, a: Lb, b: Lb): void {
  var
    a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5], a6 = a[6], a7 = a[7],
    a8 = a[8], a9 = a[9], a10 = a[10], a11 = a[11], a12 = a[12], a13 = a[13], a14 = a[14], a15 = a[15],
    b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3], b4 = b[4], b5 = b[5], b6 = b[6], b7 = b[7],
    b8 = b[8], b9 = b[9], b10 = b[10], b11 = b[11], b12 = b[12], b13 = b[13], b14 = b[14], b15 = b[15],
    m0, m1, m2, m3, m4, m5, m6, m7,
    m8, m9, m10, m11, m12, m13, m14, m15,
    v, c = 0;
  v = c + a0 * b0;
  m0 = ((v % 65536) * NI) % 65536;
  c = (v + m0 * 9553) / 65536;
  v = c + a0 * b1 + a1 * b0 + m0 * 64611;
  m1 = ((v % 65536) * NI) % 65536;
  c = (v + m1 * 9553) / 65536;
  v = c + a0 * b2 + a1 * b1 + a2 * b0 + m0 * 51906 + m1 * 64611;
  m2 = ((v % 65536) * NI) % 65536;
  c = (v + m2 * 9553) / 65536;
  v = c + a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0 + m0 * 62393 + m1 * 51906 + m2 * 64611;
  m3 = ((v % 65536) * NI) % 65536;
  c = (v + m3 * 9553) / 65536;
  v = c + a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0 + m0 * 40580 + m1 * 62393 + m2 * 51906 + m3 * 64611;
  m4 = ((v % 65536) * NI) % 65536;
  c = (v + m4 * 9553) / 65536;
  v = c + a0 * b5 + a1 * b4 + a2 * b3 + a3 * b2 + a4 * b1 + a5 * b0 + m0 * 42775 + m1 * 40580 + m2 * 62393 + m3 * 51906 + m4 * 64611;
  m5 = ((v % 65536) * NI) % 65536;
  c = (v + m5 * 9553) / 65536;
  v = c + a0 * b6 + a1 * b5 + a2 * b4 + a3 * b3 + a4 * b2 + a5 * b1 + a6 * b0 + m0 * 64173 + m1 * 42775 + m2 * 40580 + m3 * 62393 + m4 * 51906 + m5 * 64611;
  m6 = ((v % 65536) * NI) % 65536;
  c = (v + m6 * 9553) / 65536;
  v = c + a0 * b7 + a1 * b6 + a2 * b5 + a3 * b4 + a4 * b3 + a5 * b2 + a6 * b1 + a7 * b0 + m0 * 48358 + m1 * 64173 + m2 * 42775 + m3 * 40580 + m4 * 62393 + m5 * 51906 + m6 * 64611;
  m7 = ((v % 65536) * NI) % 65536;
  c = (v + m7 * 9553) / 65536;
  v = c + a0 * b8 + a1 * b7 + a2 * b6 + a3 * b5 + a4 * b4 + a5 * b3 + a6 * b2 + a7 * b1 + a8 * b0 + m0 * 65535 + m1 * 48358 + m2 * 64173 + m3 * 42775 + m4 * 40580 + m5 * 62393 + m6 * 51906 + m7 * 64611;
  m8 = ((v % 65536) * NI) % 65536;
  c = (v + m8 * 9553) / 65536;
  v = c + a0 * b9 + a1 * b8 + a2 * b7 + a3 * b6 + a4 * b5 + a5 * b4 + a6 * b3 + a7 * b2 + a8 * b1 + a9 * b0 + m0 * 65535 + m1 * 65535 + m2 * 48358 + m3 * 64173 + m4 * 42775 + m5 * 40580 + m6 * 62393 + m7 * 51906 + m8 * 64611;
  m9 = ((v % 65536) * NI) % 65536;
  c = (v + m9 * 9553) / 65536;
  v = c + a0 * b10 + a1 * b9 + a2 * b8 + a3 * b7 + a4 * b6 + a5 * b5 + a6 * b4 + a7 * b3 + a8 * b2 + a9 * b1 + a10 * b0 + m0 * 65535 + m1 * 65535 + m2 * 65535 + m3 * 48358 + m4 * 64173 + m5 * 42775 + m6 * 40580 + m7 * 62393 + m8 * 51906 + m9 * 64611;
  m10 = ((v % 65536) * NI) % 65536;
  c = (v + m10 * 9553) / 65536;
  v = c + a0 * b11 + a1 * b10 + a2 * b9 + a3 * b8 + a4 * b7 + a5 * b6 + a6 * b5 + a7 * b4 + a8 * b3 + a9 * b2 + a10 * b1 + a11 * b0 + m0 * 65535 + m1 * 65535 + m2 * 65535 + m3 * 65535 + m4 * 48358 + m5 * 64173 + m6 * 42775 + m7 * 40580 + m8 * 62393 + m9 * 51906 + m10 * 64611;
  m11 = ((v % 65536) * NI) % 65536;
  c = (v + m11 * 9553) / 65536;
  v = c + a0 * b12 + a1 * b11 + a2 * b10 + a3 * b9 + a4 * b8 + a5 * b7 + a6 * b6 + a7 * b5 + a8 * b4 + a9 * b3 + a10 * b2 + a11 * b1 + a12 * b0 + m1 * 65535 + m2 * 65535 + m3 * 65535 + m4 * 65535 + m5 * 48358 + m6 * 64173 + m7 * 42775 + m8 * 40580 + m9 * 62393 + m10 * 51906 + m11 * 64611;
  m12 = ((v % 65536) * NI) % 65536;
  c = (v + m12 * 9553) / 65536;
  v = c + a0 * b13 + a1 * b12 + a2 * b11 + a3 * b10 + a4 * b9 + a5 * b8 + a6 * b7 + a7 * b6 + a8 * b5 + a9 * b4 + a10 * b3 + a11 * b2 + a12 * b1 + a13 * b0 + m2 * 65535 + m3 * 65535 + m4 * 65535 + m5 * 65535 + m6 * 48358 + m7 * 64173 + m8 * 42775 + m9 * 40580 + m10 * 62393 + m11 * 51906 + m12 * 64611;
  m13 = ((v % 65536) * NI) % 65536;
  c = (v + m13 * 9553) / 65536;
  v = c + a0 * b14 + a1 * b13 + a2 * b12 + a3 * b11 + a4 * b10 + a5 * b9 + a6 * b8 + a7 * b7 + a8 * b6 + a9 * b5 + a10 * b4 + a11 * b3 + a12 * b2 + a13 * b1 + a14 * b0 + m0 * 65535 + m3 * 65535 + m4 * 65535 + m5 * 65535 + m6 * 65535 + m7 * 48358 + m8 * 64173 + m9 * 42775 + m10 * 40580 + m11 * 62393 + m12 * 51906 + m13 * 64611;
  m14 = ((v % 65536) * NI) % 65536;
  c = (v + m14 * 9553) / 65536;
  v = c + a0 * b15 + a1 * b14 + a2 * b13 + a3 * b12 + a4 * b11 + a5 * b10 + a6 * b9 + a7 * b8 + a8 * b7 + a9 * b6 + a10 * b5 + a11 * b4 + a12 * b3 + a13 * b2 + a14 * b1 + a15 * b0 + m0 * 65535 + m1 * 65535 + m4 * 65535 + m5 * 65535 + m6 * 65535 + m7 * 65535 + m8 * 48358 + m9 * 64173 + m10 * 42775 + m11 * 40580 + m12 * 62393 + m13 * 51906 + m14 * 64611;
  m15 = ((v % 65536) * NI) % 65536;
  c = (v + m15 * 9553) / 65536;
  v = c + a1 * b15 + a2 * b14 + a3 * b13 + a4 * b12 + a5 * b11 + a6 * b10 + a7 * b9 + a8 * b8 + a9 * b7 + a10 * b6 + a11 * b5 + a12 * b4 + a13 * b3 + a14 * b2 + a15 * b1 + m1 * 65535 + m2 * 65535 + m5 * 65535 + m6 * 65535 + m7 * 65535 + m8 * 65535 + m9 * 48358 + m10 * 64173 + m11 * 42775 + m12 * 40580 + m13 * 62393 + m14 * 51906 + m15 * 64611;
  c = (v / 65536) | 0;
  o[0] = v - c * 65536;
  v = c + a2 * b15 + a3 * b14 + a4 * b13 + a5 * b12 + a6 * b11 + a7 * b10 + a8 * b9 + a9 * b8 + a10 * b7 + a11 * b6 + a12 * b5 + a13 * b4 + a14 * b3 + a15 * b2 + m2 * 65535 + m3 * 65535 + m6 * 65535 + m7 * 65535 + m8 * 65535 + m9 * 65535 + m10 * 48358 + m11 * 64173 + m12 * 42775 + m13 * 40580 + m14 * 62393 + m15 * 51906;
  c = (v / 65536) | 0;
  o[1] = v - c * 65536;
  v = c + a3 * b15 + a4 * b14 + a5 * b13 + a6 * b12 + a7 * b11 + a8 * b10 + a9 * b9 + a10 * b8 + a11 * b7 + a12 * b6 + a13 * b5 + a14 * b4 + a15 * b3 + m3 * 65535 + m4 * 65535 + m7 * 65535 + m8 * 65535 + m9 * 65535 + m10 * 65535 + m11 * 48358 + m12 * 64173 + m13 * 42775 + m14 * 40580 + m15 * 62393;
  c = (v / 65536) | 0;
  o[2] = v - c * 65536;
  v = c + a4 * b15 + a5 * b14 + a6 * b13 + a7 * b12 + a8 * b11 + a9 * b10 + a10 * b9 + a11 * b8 + a12 * b7 + a13 * b6 + a14 * b5 + a15 * b4 + m4 * 65535 + m5 * 65535 + m8 * 65535 + m9 * 65535 + m10 * 65535 + m11 * 65535 + m12 * 48358 + m13 * 64173 + m14 * 42775 + m15 * 40580;
  c = (v / 65536) | 0;
  o[3] = v - c * 65536;
  v = c + a5 * b15 + a6 * b14 + a7 * b13 + a8 * b12 + a9 * b11 + a10 * b10 + a11 * b9 + a12 * b8 + a13 * b7 + a14 * b6 + a15 * b5 + m5 * 65535 + m6 * 65535 + m9 * 65535 + m10 * 65535 + m11 * 65535 + m12 * 65535 + m13 * 48358 + m14 * 64173 + m15 * 42775;
  c = (v / 65536) | 0;
  o[4] = v - c * 65536;
  v = c + a6 * b15 + a7 * b14 + a8 * b13 + a9 * b12 + a10 * b11 + a11 * b10 + a12 * b9 + a13 * b8 + a14 * b7 + a15 * b6 + m6 * 65535 + m7 * 65535 + m10 * 65535 + m11 * 65535 + m12 * 65535 + m13 * 65535 + m14 * 48358 + m15 * 64173;
  c = (v / 65536) | 0;
  o[5] = v - c * 65536;
  v = c + a7 * b15 + a8 * b14 + a9 * b13 + a10 * b12 + a11 * b11 + a12 * b10 + a13 * b9 + a14 * b8 + a15 * b7 + m7 * 65535 + m8 * 65535 + m11 * 65535 + m12 * 65535 + m13 * 65535 + m14 * 65535 + m15 * 48358;
  c = (v / 65536) | 0;
  o[6] = v - c * 65536;
  v = c + a8 * b15 + a9 * b14 + a10 * b13 + a11 * b12 + a12 * b11 + a13 * b10 + a14 * b9 + a15 * b8 + m8 * 65535 + m9 * 65535 + m12 * 65535 + m13 * 65535 + m14 * 65535 + m15 * 65535;
  c = (v / 65536) | 0;
  o[7] = v - c * 65536;
  v = c + a9 * b15 + a10 * b14 + a11 * b13 + a12 * b12 + a13 * b11 + a14 * b10 + a15 * b9 + m9 * 65535 + m10 * 65535 + m13 * 65535 + m14 * 65535 + m15 * 65535;
  c = (v / 65536) | 0;
  o[8] = v - c * 65536;
  v = c + a10 * b15 + a11 * b14 + a12 * b13 + a13 * b12 + a14 * b11 + a15 * b10 + m10 * 65535 + m11 * 65535 + m14 * 65535 + m15 * 65535;
  c = (v / 65536) | 0;
  o[9] = v - c * 65536;
  v = c + a11 * b15 + a12 * b14 + a13 * b13 + a14 * b12 + a15 * b11 + m11 * 65535 + m12 * 65535 + m15 * 65535;
  c = (v / 65536) | 0;
  o[10] = v - c * 65536;
  v = c + a12 * b15 + a13 * b14 + a14 * b13 + a15 * b12 + m12 * 65535 + m13 * 65535;
  c = (v / 65536) | 0;
  o[11] = v - c * 65536;
  v = c + a13 * b15 + a14 * b14 + a15 * b13 + m13 * 65535 + m14 * 65535;
  c = (v / 65536) | 0;
  o[12] = v - c * 65536;
  v = c + a14 * b15 + a15 * b14 + m14 * 65535 + m15 * 65535;
  c = (v / 65536) | 0;
  o[13] = v - c * 65536;
  v = c + a15 * b15 + m15 * 65535;
  c = (v / 65536) | 0;
  o[14] = v - c * 65536;
  o[15] = c & 65535;
  csub(o, c >> 16, N);
}

/** o = a + b, limb by limb (no carry: the representation is redundant). */
function fadd(o: Fe, a: Lb, b: Lb): void {
  o[0] = a[0] + b[0]; o[1] = a[1] + b[1]; o[2] = a[2] + b[2]; o[3] = a[3] + b[3]; o[4] = a[4] + b[4]; o[5] = a[5] + b[5]; o[6] = a[6] + b[6]; o[7] = a[7] + b[7];
  o[8] = a[8] + b[8]; o[9] = a[9] + b[9]; o[10] = a[10] + b[10]; o[11] = a[11] + b[11]; o[12] = a[12] + b[12]; o[13] = a[13] + b[13]; o[14] = a[14] + b[14]; o[15] = a[15] + b[15];
}

/** o = a - b, limb by limb (limbs may go negative). */
function fsub(o: Fe, a: Lb, b: Lb): void {
  o[0] = a[0] - b[0]; o[1] = a[1] - b[1]; o[2] = a[2] - b[2]; o[3] = a[3] - b[3]; o[4] = a[4] - b[4]; o[5] = a[5] - b[5]; o[6] = a[6] - b[6]; o[7] = a[7] - b[7];
  o[8] = a[8] - b[8]; o[9] = a[9] - b[9]; o[10] = a[10] - b[10]; o[11] = a[11] - b[11]; o[12] = a[12] - b[12]; o[13] = a[13] - b[13]; o[14] = a[14] - b[14]; o[15] = a[15] - b[15];
}

/** The comb table of G (see combTable): 15 affine points x||y, big-endian hex (read once, then dropped). */
function combHex(): string {
  return (
    '6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e16' +
    '2bce33576b315ececbb6406837bf51f50fa822bc2811aaa58492592e326e25de29493baaad651f7e90e75cb48e14db63' +
    'bff44ae8f5dba80d6f4ad4bcb3df188b34b1a65050fe82f5e41124545f462ee7300a4bbc89d6726fb257c0de95e02789' +
    'e96c98fd0d35f1fa93391ce2097992af72aac7e0d09b46447f1ddb25ff1e3c6f5bb1eeada9d806a5aa54a291c08127a0' +
    '447d739beedb5e67fb982fd588c6766efc35ff7dc297eac357c84fc9d789bd852d4825ab834131eee12e9d953a4aaff7' +
    '3d349b95a7fae5000c7e33c972e25b32ef9519328a9c72ffddc6068bb91dfc60ef7fbd2b1a0a11b713949c932a1d367f' +
    '611e9fc37dbb2c9bc1ee9807022c219c23183b0895ca1740196035a77376d8a8550663797b51f5d87dea6482e11238bf' +
    '2936df5ec6c9bc36cae2b1920b57f4bc157164848aecb8510afa40018d9d50e59fb3d576dbdefbe144ffe216348a964c' +
    'eb5d7745b21141eaa2e8f483f43e43917ccd84e70d715f26e48ecafffc5cde01eafd72ebdbecc17b0990e6a158006cee' +
    '85f22cfe2844b645cac917e2731a3479a6d39677a78492762736ff8344315fc596439591a3c6b94a6cf20ffb313728be' +
    '674f84749b0b881666b8babd2d27ecdf824a920c2284059bf2bab833c357f5f44e769e7672c9ddad31855f7db8c7fedb' +
    '74e02f080203a56b2df48c04677c8a3e42b99082de8306631ec0057206947281fb9ae16f3b9122a5a4c36165b824bbb0' +
    '78878ef61c6ce04d7fdc1ca008a1c478d1f89e799c0ce1316ef95150dda868b9b6cb3f5d7b72c321de53142c12309def' +
    '6ace570ebde08d4f9c62b9121fe0d9760c88bc4d716b1287595c5220812ffcae5b82dd5bd54fb4967f991ed2c31a3573' +
    'dd5ddea3f3901dc618d1b5b39c04e6aa7c8181f4df2564f33a57bf635f48aca868f344af6b317466efe0a423083e49f3' +
    '43a0a28c42ba792fe96a79fb3e72ad0c31b9c405f8540a20604ed93c24d67ff3668bfc2271f5c626cdfe17db3fb24d4a' +
    '4052bf4b6f461db9663c62c3edbad7a00d1a10144ec39c28d36b4789a2582e7ffecf4d5190b0fc61862be6bd71d70cc8' +
    'e724f33999bfcc5b235a27c3188d25eb1eddbae2c802e41a123202a8f62bff7aafdf5cc08526a7a474346c10a1d4cfac' +
    '43104d86560ebcfc0c45f45273db33a036e06b7e4c7019178fa0af2dd603f844b48e26b484f7a21c0a4a46fb6aaf363a' +
    '66b0de3225c4744b9615b5110d1d78e5fac015404d4d3dab64131bcdfed6f668c004e4048b7b0f9806ebb0f621a01b2d'
  );
}

/** G, 3G, .., 15G (see oddTable): 8 affine points x||y, big-endian hex. */
function oddGHex(): string {
  return (
    '6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e16' +
    '2bce33576b315ececbb6406837bf51f55ecbe4d1a6330a44c8f7ef951d4bf165e6c6b721efada985fb41661bc6e7fd6c' +
    '8734640c4998ff7e374b06ce1a64a2ecd82ab036384fb83d9a79b127a27d503251590b7a515140d2d784c85608668fdf' +
    'ef8c82fd1f5be52421554a0dc3d033ede0c17da8904a727d8ae1bf36bf8a79260d012f00d4d80888d1d0bb44fda16da4' +
    '8e533b6fa0bf7b4625bb30667c01fb607ef9f8b8a80fef5b300628703187b2a373eb1dbde03318366d069f83a6f59000' +
    '53c73633cb041b21c55e1a86c1f400b4ea68d7b6fedf0b71878938d51d71f8729e0acb8c2c6df8b3d79e8a4b90949ee0' +
    '2a2744c972c9fce787014a964a8ea0c84d714feaa4de823fe85a224a4dd048fa3ed113b7883b4c590638379db0c21cda' +
    '16742ed0255048bf433391d374bc21d19099209accc4c8a224c843afa4f4c68a090d04da5e9889dae2f8eefce82a3740' +
    '177c837ae0ac495a61805df2d85ee2fc792e284b65ead58a98e15d9d46072c0163bb58cd4ebea558a24091adb40f4e72' +
    '26ee14c3a1fb4df39c43bbe2efc7bfd8f0454dc6971abae7adfb378999888265ae03af92de3a0ef163668c63e59b9d5f' +
    'b5b93ee3592e2d1f4e6594e51f9643e62a3b21ce75b5fa3f47e59cde0d034f36'
  );
}
// END GENERATED

// ---- curve constants ------------------------------------------------------------------

var FB = limbs('5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b');
var F1 = limbs('0000000000000000000000000000000000000000000000000000000000000001');
var N1 = new Uint16Array(16); // R mod n = 1 in Montgomery form
nmul(N1, F1, N_R2);

// ---- points ---------------------------------------------------------------------------

interface Pt {
  x: Fe;
  y: Fe;
  z: Fe;
}

function pt(): Pt {
  return { x: fe(), y: fe(), z: fe() };
}
function ptCopy(r: Pt, a: Pt): void {
  copy(r.x, a.x);
  copy(r.y, a.y);
  copy(r.z, a.z);
}

// Working storage of one operation: 36 field elements (4.6 KB) and the comb table of G
// (960 B). Allocated when a public function starts and dropped when it returns: kept from one
// handshake to the next it would hold some 450 of the board's variables for nothing.
var NONE: Fe = new Float64Array(0);
var NOPT: Pt = { x: NONE, y: NONE, z: NONE };
var CF: Fe = NONE, ACC: Fe = NONE, HH: Fe = NONE, RR: Fe = NONE;
var t1: Fe = NONE, t2: Fe = NONE, t3: Fe = NONE, t4: Fe = NONE, t5: Fe = NONE, t6: Fe = NONE, t7: Fe = NONE, t8: Fe = NONE;
var W: Fe[] = [];
var Q = NOPT, SUM = NOPT, tmpPt = NOPT;
var comb: Uint16Array | null = null;

function scratch(on: boolean): void {
  var f = function (): Fe {
    return on ? fe() : NONE;
  };
  CF = f();
  ACC = f();
  HH = f();
  RR = f();
  t1 = f();
  t2 = f();
  t3 = f();
  t4 = f();
  t5 = f();
  t6 = f();
  t7 = f();
  t8 = f();
  W = [];
  for (var i = 0; on && i < 15; i++) W.push(fe());
  Q = on ? pt() : NOPT;
  SUM = on ? pt() : NOPT;
  tmpPt = on ? pt() : NOPT;
  comb = null;
}

// Scratch field elements for the point formulas. Bounds: every coordinate a formula stores
// is a signed sum of at most 9 fmul outputs, and every fmul input a sum of at most 13, so
// limbs stay below 2^20 where fmul is exact (see fmul).

/** r = 2a (Jacobian, a = -3: dbl-2001-b). r may alias a. Infinity (Z = 0) stays infinity. */
function pdbl(r: Pt, a: Pt): void {
  var delta = t1, gamma = t2, beta = t3, alpha = t4, t = t5;
  fsqr(delta, a.z);
  fsqr(gamma, a.y);
  fmul(beta, a.x, gamma);
  fsub(t, a.x, delta);
  fadd(alpha, a.x, delta);
  fmul(alpha, t, alpha);
  fadd(t, alpha, alpha);
  fadd(alpha, t, alpha); // alpha = 3(X-delta)(X+delta)
  fadd(t, a.y, a.z);
  fsqr(t, t);
  fsub(t, t, gamma);
  fsub(r.z, t, delta); // Z3 = (Y+Z)^2 - gamma - delta
  fadd(beta, beta, beta);
  fadd(beta, beta, beta); // 4 beta
  fsqr(t, alpha);
  fsub(t, t, beta);
  fsub(r.x, t, beta); // X3 = alpha^2 - 8 beta
  fsub(t, beta, r.x);
  fmul(t, alpha, t);
  fsqr(gamma, gamma);
  fadd(gamma, gamma, gamma);
  fadd(gamma, gamma, gamma);
  fadd(gamma, gamma, gamma);
  fsub(r.y, t, gamma); // Y3 = alpha(4 beta - X3) - 8 gamma^2
}

// Set by padd/pmadd: H and r of the formulas (U2 - U1 and 2(S2 - S1)). Both zero: the inputs
// were equal (the formulas do not double); H alone zero: opposite. Only the public
// (verification) path looks at them; the secret paths cannot reach those cases.

/** r = a + b, both Jacobian (add-2007-bl). r may alias a or b. */
function padd(r: Pt, a: Pt, b: Pt): void {
  var z1z1 = t1, z2z2 = t2, u1 = t3, s1 = t4, h = t5, rr = t6, t = t7, v = t8;
  fsqr(z1z1, a.z);
  fsqr(z2z2, b.z);
  fmul(u1, a.x, z2z2);
  fmul(h, b.x, z1z1);
  fsub(h, h, u1); // H = U2 - U1
  fmul(s1, a.y, b.z);
  fmul(s1, s1, z2z2);
  fmul(rr, b.y, a.z);
  fmul(rr, rr, z1z1);
  fsub(rr, rr, s1);
  fadd(rr, rr, rr); // r = 2(S2 - S1)
  copy(HH, h);
  copy(RR, rr);
  fadd(t, a.z, b.z);
  fsqr(t, t);
  fsub(t, t, z1z1);
  fsub(t, t, z2z2);
  fadd(z1z1, h, h);
  fsqr(z1z1, z1z1); // I = (2H)^2
  fmul(v, u1, z1z1); // V = U1 I
  fmul(z2z2, h, z1z1); // J = H I
  fmul(r.z, t, h); // Z3 = ((Z1+Z2)^2 - Z1Z1 - Z2Z2) H
  fsqr(t, rr);
  fsub(t, t, z2z2);
  fsub(t, t, v);
  fsub(r.x, t, v); // X3 = r^2 - J - 2V
  fsub(t, v, r.x);
  fmul(t, rr, t);
  fmul(s1, s1, z2z2);
  fadd(s1, s1, s1);
  fsub(r.y, t, s1); // Y3 = r(V - X3) - 2 S1 J
}

/** r = a + b, a Jacobian, b affine (b.z unused) (madd-2007-bl). r may alias a. */
function pmadd(r: Pt, a: Pt, b: Pt): void {
  var z1z1 = t1, h = t2, hh = t3, i = t4, j = t5, rr = t6, t = t7, v = t8;
  fsqr(z1z1, a.z);
  fmul(h, b.x, z1z1);
  fsub(h, h, a.x); // H = X2 Z1Z1 - X1
  fmul(rr, b.y, a.z);
  fmul(rr, rr, z1z1);
  fsub(rr, rr, a.y);
  fadd(rr, rr, rr); // r = 2(Y2 Z1^3 - Y1)
  copy(HH, h);
  copy(RR, rr);
  fsqr(hh, h);
  fadd(i, hh, hh);
  fadd(i, i, i); // I = 4 HH
  fmul(j, h, i);
  fmul(v, a.x, i);
  fadd(t, a.z, h);
  fsqr(t, t);
  fsub(t, t, z1z1);
  fsub(r.z, t, hh); // Z3 = (Z1+H)^2 - Z1Z1 - HH
  fmul(i, a.y, j);
  fadd(i, i, i); // 2 Y1 J (before Y1 may be overwritten)
  fsqr(t, rr);
  fsub(t, t, j);
  fsub(t, t, v);
  fsub(r.x, t, v); // X3 = r^2 - J - 2V
  fsub(t, v, r.x);
  fmul(t, rr, t);
  fsub(r.y, t, i); // Y3 = r(V - X3) - 2 Y1 J
}

/** r = r + (b - r) * bit over a point (bit 0 or 1): arithmetic select, no branch. */
function ptSel(r: Pt, b: Pt, bit: number): void {
  for (var k = 0; k < 16; k++) {
    r.x[k] += (b.x[k] - r.x[k]) * bit;
    r.y[k] += (b.y[k] - r.y[k]) * bit;
    r.z[k] += (b.z[k] - r.z[k]) * bit;
  }
}

/** Nibble w (0 = least significant) of a big-endian 32-byte scalar. */
function nib(k: Uint8Array, w: number): number {
  var b = k[31 - (w >> 1)];
  return w & 1 ? b >> 4 : b & 15;
}

/** The table 1A..15A (Jacobian) for a 4-bit window. */
function table(a: Pt): Pt[] {
  var tb: Pt[] = [];
  for (var i = 0; i < 15; i++) tb.push(pt());
  ptCopy(tb[0], a);
  pdbl(tb[1], a);
  for (i = 2; i < 15; i++) padd(tb[i], tb[i - 1], a);
  return tb;
}


/**
 * r = k*A for a secret scalar k (big-endian 32 bytes, 0 < k < n) and the window table of A
 * (Jacobian entries). Fixed 4-bit window from the top, every step the same operations
 * (see the header). With 0 < k < n and A of order n, the accumulator c*A (c = 16 * the digits
 * so far, >= 16) never equals +-d*A for a digit d < 16, so the addition formula is exact
 * whenever its result is taken.
 */
function mulSecret(r: Pt, k: Uint8Array, tb: Pt[]): number {
  var q = Q, s = SUM;
  var inf = 1, w, i, j, d, nz, sel, e;
  copy(r.x, F1);
  copy(r.y, F1);
  for (j = 0; j < 16; j++) r.z[j] = 0;
  for (w = 63; w >= 0; w--) {
    for (i = 0; i < 4; i++) pdbl(r, r);
    d = nib(k, w);
    // q = tb[d-1]: read every entry, keep the one whose index matches (mask from arithmetic).
    for (j = 0; j < 16; j++) {
      q.x[j] = 0;
      q.y[j] = 0;
      q.z[j] = 0;
    }
    for (i = 0; i < 15; i++) {
      sel = (((i + 1) ^ d) - 1) >>> 31;
      e = tb[i];
      for (j = 0; j < 16; j++) {
        q.x[j] += e.x[j] * sel;
        q.y[j] += e.y[j] * sel;
        q.z[j] += e.z[j] * sel;
      }
    }
    padd(s, r, q);
    nz = ((0 - d) >>> 31) & 1; // d != 0
    ptSel(r, s, nz & (inf ^ 1));
    ptSel(r, q, nz & inf);
    inf &= nz ^ 1;
  }
  return inf;
}


/**
 * r = k*G for a scalar 0 <= k < n by a 4-tooth Lim–Lee comb (fixed-base: 63 doublings and 64
 * mixed additions instead of 256 and 64). Write k's bits as 4 rows of 64: column c (c = 63..0)
 * is the digit k_c + 2 k_(64+c) + 4 k_(128+c) + 8 k_(192+c), and k*G = sum 2^c T[digit], with
 * T[j] = sum over the set bits i of j of 2^(64 i) G (COMB table, affine, generated). Same
 * constant-time shape as mulSecret. The accumulator before each addition is m*G with every
 * 64-bit row of m even and the table point's rows 0 or 1, and m + t <= k < n: the addition
 * never meets equal or opposite points unless the accumulator is at infinity (flagged).
 * Returns 1 if the result is infinity (k = 0).
 */
function mulG(r: Pt, k: Uint8Array): number {
  var i, j, c, d, nz, sel, o, inf = 1, q = Q, s = SUM;
  if (!comb) {
    var hx = combHex();
    comb = new Uint16Array(15 * 32);
    for (i = 0; i < 15 * 32; i++) comb[i] = parseInt(hx.substr(128 * (i >> 5) + (i & 16 ? 64 : 0) + 60 - 4 * (i & 15), 4), 16);
  }
  var tb = comb;
  copy(r.x, F1);
  copy(r.y, F1);
  for (j = 0; j < 16; j++) r.z[j] = 0;
  copy(q.z, F1);
  for (c = 63; c >= 0; c--) {
    pdbl(r, r);
    // bit c of each 64-bit row (big-endian bytes: bit b is in byte 31 - (b >> 3))
    d = 0;
    for (i = 0; i < 4; i++) d |= ((k[31 - ((64 * i + c) >> 3)] >> (c & 7)) & 1) << i;
    for (j = 0; j < 16; j++) {
      q.x[j] = 0;
      q.y[j] = 0;
    }
    for (i = 0; i < 15; i++) {
      sel = (((i + 1) ^ d) - 1) >>> 31;
      o = 32 * i;
      for (j = 0; j < 16; j++) {
        q.x[j] += tb[o + j] * sel;
        q.y[j] += tb[o + 16 + j] * sel;
      }
    }
    pmadd(s, r, q);
    nz = ((0 - d) >>> 31) & 1;
    ptSel(r, s, nz & (inf ^ 1));
    ptSel(r, q, nz & inf);
    inf &= nz ^ 1;
  }
  return inf;
}

var S2 = new Uint16Array(16);

/** Affine x (and y) of a Jacobian point as big-endian bytes into out at off; false at infinity. */
function affine(out: Uint8Array, off: number, a: Pt, withY: boolean): boolean {
  fcanon(S2, a.z);
  if (isZero(S2)) return false;
  var zi = fe(), t = fe();
  finv(zi, a.z);
  fsqr(t, zi);
  fmul(zi, zi, t); // zi = Z^-3, t = Z^-2
  fmul(t, a.x, t);
  fcanon(S2, t);
  toBytes(out, off, S2);
  if (withY) {
    fmul(t, a.y, zi);
    fcanon(S2, t);
    toBytes(out, off + 32, S2);
  }
  return true;
}

/**
 * Public key validation (SP 800-56A §5.6.2.3.3 / RFC 8422 §5.11): an uncompressed point
 * 04||X||Y with X, Y < p on y^2 = x^3 - 3x + b. Infinity has no such encoding, and the
 * cofactor is 1, so a point on the curve has order n. Writes the affine point into r
 * (r.z = 1). RFC 8422 §5.1.2 deprecates compressed points: they are refused.
 */
function decodePoint(r: Pt, b: Uint8Array): boolean {
  if (!b || b.length !== 65 || b[0] !== 4) return false;
  var l = new Uint16Array(16), x3 = fe();
  fromBytes(l, b, 1);
  if (!less(l, P)) return false;
  copy(r.x, l);
  fromBytes(l, b, 33);
  if (!less(l, P)) return false;
  copy(r.y, l);
  copy(r.z, F1);
  fsqr(x3, r.x);
  fmul(x3, x3, r.x);
  fsub(x3, x3, r.x);
  fsub(x3, x3, r.x);
  fsub(x3, x3, r.x);
  fadd(x3, x3, FB);
  fcanon(S2, x3);
  fsqr(x3, r.y);
  fcanon(l, x3);
  return same(l, S2);
}

/** 1 <= k < n, over every byte. */
function validScalar(k: Uint8Array): boolean {
  if (!k || k.length !== 32) return false;
  var a = new Uint16Array(16);
  fromBytes(a, k, 0);
  return (less(a, N) & (isZero(a) ^ 1)) === 1;
}

// ---- public API -----------------------------------------------------------------------

/** The uncompressed public point 04||X||Y (SEC 1 §2.3.3) of a private scalar (1 <= d < n, else throws). */
export function p256PublicKey(priv32: Uint8Array): Uint8Array {
  if (!validScalar(priv32)) throw new Error('p256: private key out of range');
  scratch(true);
  var r = pt();
  mulG(r, priv32);
  var out = new Uint8Array(65);
  out[0] = 4;
  affine(out, 1, r, true);
  scratch(false);
  return out;
}

/**
 * ECDH (RFC 8422 §5.10, SP 800-56A §5.7.1.2): the x-coordinate of priv*peer, 32 bytes, or
 * null if the peer's point fails validation or the private scalar is out of range.
 */
export function p256Ecdh(priv32: Uint8Array, peerPoint65: Uint8Array): Uint8Array | null {
  if (!validScalar(priv32)) return null;
  scratch(true);
  var q = pt(), r = pt(), out: Uint8Array | null = new Uint8Array(32);
  if (!decodePoint(q, peerPoint65)) out = null;
  else {
    mulSecret(r, priv32, table(q));
    if (!affine(out, 0, r, false)) out = null;
  }
  scratch(false);
  return out;
}

/** A fresh private scalar in [1, n-1] from the Rng (rejection sampling, FIPS 186-4 §B.4.2). */
export function p256PrivateKey(rng: Rng): Uint8Array {
  var k = new Uint8Array(32);
  do rng.fill(k);
  while (!validScalar(k));
  return k;
}

/** A value mod n as canonical limbs from 32 big-endian bytes (< 2^256 < 2n: one conditional subtraction). */
function scalarMod(r: Lb, b: Uint8Array): void {
  fromBytes(r, b, 0);
  csub(r, 0, N);
}

/** DER INTEGER of a value < n (X.690 §8.3: minimal, non-negative); returns the offset after it. */
function derInt(out: Uint8Array, off: number, v: Uint8Array): number {
  var i = 0;
  while (i < 31 && v[i] === 0) i++;
  var pad = v[i] & 0x80 ? 1 : 0;
  var len = 32 - i + pad;
  out[off] = 0x02;
  out[off + 1] = len;
  if (pad) out[off + 2] = 0;
  out.set(v.subarray(i), off + 2 + pad);
  return off + 2 + len;
}

/**
 * ECDSA signature (FIPS 186-4 §6.4) of a SHA-256 hash, DER `SEQUENCE { r INTEGER, s INTEGER }`
 * as TLS carries it (RFC 8422 §5.4). Throws if priv32 is out of range or the hash is not 32 bytes.
 *
 * The nonce k is deterministic (RFC 6979 §3.2, HMAC-SHA-256 on `c`) rather than drawn from an
 * Rng: a biased or repeated k gives the private key away, and on the ESP32 E.hwRand() is only
 * truly random while the radio runs; RFC 6979 needs no randomness at all, and its published
 * vectors (A.2.5) pin our output byte for byte. `extra` (RFC 6979 §3.6 additional data, e.g.
 * 32 bytes from the Rng) may be mixed in; the signature is then no longer reproducible but
 * stays safe even if those bytes are weak.
 */
export function p256Sign(priv32: Uint8Array, hash32: Uint8Array, c: CryptoBackend, extra?: Uint8Array): Uint8Array {
  if (!validScalar(priv32) || !hash32 || hash32.length !== 32) throw new Error('p256: bad sign input');
  var e = new Uint16Array(16), d = new Uint16Array(16), k = new Uint16Array(16), rr = new Uint16Array(16), s = new Uint16Array(16);
  scalarMod(e, hash32);
  fromBytes(d, priv32, 0);
  // RFC 6979 §3.2 b–g, with h1 = bits2octets(H(m)) = hash mod n (qlen = hlen = 256).
  var h1 = new Uint8Array(32);
  toBytes(h1, 0, e);
  var ex = extra ? extra.length : 0;
  var V: Uint8Array = new Uint8Array(32), K: Uint8Array = new Uint8Array(32);
  for (var i = 0; i < 32; i++) V[i] = 1;
  var msg = new Uint8Array(97 + ex);
  for (var step = 0; step < 2; step++) {
    msg.set(V, 0);
    msg[32] = step;
    msg.set(priv32, 33);
    msg.set(h1, 65);
    if (extra) msg.set(extra, 97);
    K = hmacSha256(c, K, msg);
    V = hmacSha256(c, K, V);
  }
  scratch(true);
  var R = pt(), rb = new Uint8Array(32), sb = new Uint8Array(32);
  var retry = new Uint8Array(33);
  for (;;) {
    V = hmacSha256(c, K, V); // §3.2 h: T = V (one block: qlen = 256), k = bits2int(T)
    if (validScalar(V)) {
      mulG(R, V);
      affine(rb, 0, R, false);
      scalarMod(rr, rb); // r = x1 mod n
      if (!isZero(rr)) {
        // s = k^-1 (e + r d) mod n, in Montgomery form mod n.
        fromBytes(k, V, 0);
        nmul(k, k, N_R2); // k R
        pow(k, k, N, N1, nmul, nsqr); // k^-1 R
        nmul(s, rr, d); // r d / R
        nmul(s, s, N_R2); // r d
        nadd(s, s, e); // e + r d
        nmul(s, s, k); // k^-1 (e + r d)
        if (!isZero(s)) break;
      }
    }
    // §3.2 h.3: K = HMAC_K(V || 0x00), V = HMAC_K(V)
    retry.set(V, 0);
    retry[32] = 0;
    K = hmacSha256(c, K, retry);
    V = hmacSha256(c, K, V);
  }
  scratch(false);
  toBytes(rb, 0, rr);
  toBytes(sb, 0, s);
  var out = new Uint8Array(72);
  var o = derInt(out, 2, rb);
  o = derInt(out, o, sb);
  out[0] = 0x30;
  out[1] = o - 2;
  return new Uint8Array(out.subarray(0, o));
}

/**
 * Strict DER INTEGER at `off` into 32 bytes (X.690 §8.3, §10.1): short-form length 1..33,
 * not negative, no superfluous leading zero, at most 256 bits. Returns the offset after it or -1.
 */
function derIntIn(sig: Uint8Array, off: number, end: number, v: Uint8Array): number {
  if (off + 2 > end || sig[off] !== 0x02) return -1;
  var len = sig[off + 1];
  var at = off + 2;
  if (len < 1 || len > 33 || at + len > end) return -1;
  if (sig[at] & 0x80) return -1; // negative
  if (sig[at] === 0 && len > 1 && !(sig[at + 1] & 0x80)) return -1; // non-minimal
  if (len === 33) {
    at++;
    len--;
  }
  for (var i = 0; i < 32; i++) v[i] = i < 32 - len ? 0 : sig[at + i - (32 - len)];
  return at + len;
}

/**
 * ECDSA verification (FIPS 186-4 §6.4.2) of a DER signature over a SHA-256 hash with the
 * public point 04||X||Y. False for anything malformed; never throws.
 */
export function p256Verify(pubPoint65: Uint8Array, hash32: Uint8Array, derSig: Uint8Array): boolean {
  var ok = false;
  scratch(true);
  try {
    ok = verify(pubPoint65, hash32, derSig);
  } catch (e) {
    ok = false;
  }
  scratch(false);
  return ok;
}

function verify(pub: Uint8Array, hash: Uint8Array, sig: Uint8Array): boolean {
  if (!sig || !hash || hash.length !== 32) return false;
  // SEQUENCE with a short-form length (a P-256 signature is at most 72 bytes), nothing after it.
  if (sig.length < 8 || sig[0] !== 0x30 || sig[1] > 0x7f || sig[1] !== sig.length - 2) return false;
  var rb = new Uint8Array(32), sb = new Uint8Array(32);
  var o = derIntIn(sig, 2, sig.length, rb);
  if (o < 0) return false;
  o = derIntIn(sig, o, sig.length, sb);
  if (o !== sig.length) return false;
  if (!validScalar(rb) || !validScalar(sb)) return false;
  var q = pt();
  if (!decodePoint(q, pub)) return false;
  var e = new Uint16Array(16), w = new Uint16Array(16), u = new Uint16Array(16), r = new Uint16Array(16);
  scalarMod(e, hash);
  fromBytes(r, rb, 0);
  fromBytes(w, sb, 0);
  ninvPublic(w, w); // s^-1
  nmul(w, w, N_R2); // s^-1 R
  var u1 = new Uint8Array(32), u2 = new Uint8Array(32);
  nmul(u, e, w); // u1 = e s^-1
  toBytes(u1, 0, u);
  nmul(u, r, w); // u2 = r s^-1
  toBytes(u2, 0, u);
  // u1*G + u2*Q by Shamir's trick over width-5 NAFs (public values: variable time is fine):
  // 256 doublings shared by both, about 43 additions each, from G's odd multiples (generated,
  // affine) and Q's (8 Jacobian points). Additions go through addPublic: exact in every case.
  var n1 = new Int8Array(257), n2 = new Int8Array(257);
  wnaf(n1, u1);
  wnaf(n2, u2);
  var tg: Pt[] = [], tq: Pt[] = [], i, j, dg, dq;
  var hx = oddGHex();
  for (i = 0; i < 8; i++) {
    tg.push(pt());
    for (j = 0; j < 16; j++) {
      tg[i].x[j] = parseInt(hx.substr(128 * i + 60 - 4 * j, 4), 16);
      tg[i].y[j] = parseInt(hx.substr(128 * i + 124 - 4 * j, 4), 16);
    }
    copy(tg[i].z, F1);
    tq.push(pt());
  }
  ptCopy(tq[0], q);
  pdbl(tmpPt, q);
  for (i = 1; i < 8; i++) padd(tq[i], tq[i - 1], tmpPt);
  var acc = pt(), neg = pt(), inf = true;
  for (i = 256; i >= 0; i--) {
    if (!inf) pdbl(acc, acc);
    dg = n1[i];
    dq = n2[i];
    if (dg) inf = addPublic(acc, inf, signed(neg, tg[(dg < 0 ? -dg : dg) >> 1], dg < 0));
    if (dq) inf = addPublic(acc, inf, signed(neg, tq[(dq < 0 ? -dq : dq) >> 1], dq < 0));
  }
  if (inf) return false;
  // x(acc) mod n == r  <=>  X == r' Z^2 for r' = r, or r + n if that is < p: no inversion.
  var z2 = fe(), t = fe(), x = new Uint16Array(16), y = new Uint16Array(16);
  fsqr(z2, acc.z);
  fcanon(x, acc.x);
  fmul(t, r, z2);
  fcanon(y, t);
  if (same(x, y)) return true;
  var c = 0;
  for (var k = 0; k < 16; k++) {
    var v = r[k] + N[k] + c;
    c = v >>> 16;
    r[k] = v & 65535;
  }
  if (c || !less(r, P)) return false;
  fmul(t, r, z2);
  fcanon(y, t);
  return same(x, y);
}

var CH = new Uint16Array(16);
/**
 * r = a^-1 mod n for a public 0 < a < n: binary extended Euclid (Hankerson–Menezes–Vanstone
 * Alg. 2.22), variable time; about a fifth of the interpreted work of the Fermat inversion.
 * Invariants: x1 a = u, x2 a = v (mod n); u, v stay > 0 since gcd(a, n) = 1 (n is prime).
 */
function ninvPublic(r: Uint16Array, a: Uint16Array): void {
  var u = new Uint16Array(a), v = new Uint16Array(N), x1 = new Uint16Array(16), x2 = new Uint16Array(16);
  x1[0] = 1;
  while (!isOne(u) && !isOne(v)) {
    while (!(u[0] & 1)) {
      halve(u, 0);
      halveMod(x1);
    }
    while (!(v[0] & 1)) {
      halve(v, 0);
      halveMod(x2);
    }
    if (less(u, v)) {
      sub(v, u);
      nsub(x2, x1);
    } else {
      sub(u, v);
      nsub(x1, x2);
    }
  }
  copy(r, isOne(u) ? x1 : x2);
}

function isOne(a: Uint16Array): boolean {
  var d = a[0] ^ 1;
  for (var k = 1; k < 16; k++) d |= a[k];
  return d === 0;
}

/** a = (a + top*2^256) / 2 for even a. */
function halve(a: Uint16Array, top: number): void {
  for (var k = 0; k < 15; k++) a[k] = (a[k] >> 1) | ((a[k + 1] & 1) << 15);
  a[15] = (a[15] >> 1) | (top << 15);
}

/** x = x / 2 mod n (x < n): (x + n) / 2 when x is odd. */
function halveMod(x: Uint16Array): void {
  var k, y, c = 0, odd = x[0] & 1;
  for (k = 0; k < 16; k++) {
    y = x[k] + N[k] * odd + c;
    c = y >>> 16;
    x[k] = y & 65535;
  }
  halve(x, c);
}

/** a -= b (a >= b). */
function sub(a: Uint16Array, b: Uint16Array): void {
  var k, x, w = 0;
  for (k = 0; k < 16; k++) {
    x = a[k] - b[k] - w;
    w = x >>> 31;
    a[k] = x & 65535;
  }
}

/** a = a - b mod n (a, b < n). */
function nsub(a: Uint16Array, b: Uint16Array): void {
  var k, x, w = 0, c = 0;
  for (k = 0; k < 16; k++) {
    x = a[k] - b[k] - w;
    w = x >>> 31;
    a[k] = x & 65535;
  }
  for (k = 0; k < 16; k++) {
    x = a[k] + N[k] * w + c;
    c = x >>> 16;
    a[k] = x & 65535;
  }
}

/** r = a or -a = (x, -y, z). */
function signed(r: Pt, a: Pt, negate: boolean): Pt {
  ptCopy(r, a);
  if (negate) fsub(r.y, NONE16, a.y);
  return r;
}
var NONE16 = new Uint16Array(16);

/**
 * Width-5 NAF of a public scalar < 2^256 (big-endian bytes) into out[0..256]: digits odd in
 * [-15, 15] or 0, at most one non-zero in any 5 consecutive (Hankerson–Menezes–Vanstone Alg. 3.35).
 */
function wnaf(out: Int8Array, k: Uint8Array): void {
  var a = new Uint16Array(17), i, j, d, c, x;
  fromBytes(a, k, 0);
  for (i = 0; i <= 256; i++) {
    d = 0;
    if (a[0] & 1) {
      d = a[0] & 31;
      if (d > 16) d -= 32;
      // a -= d (a becomes a multiple of 32; a negative d is an addition that may carry)
      c = -d;
      for (j = 0; j < 17 && c; j++) {
        x = a[j] + c;
        c = x < 0 ? -1 : x >> 16;
        a[j] = x & 65535;
      }
    }
    out[i] = d;
    for (j = 0; j < 16; j++) a[j] = (a[j] >> 1) | ((a[j + 1] & 1) << 15);
    a[16] >>= 1;
  }
}

/** acc += b for public points, exact in every case; returns whether acc is now infinity. */
function addPublic(acc: Pt, inf: boolean, b: Pt): boolean {
  if (inf) {
    ptCopy(acc, b);
    return false;
  }
  ptCopy(tmpPt, acc);
  padd(acc, acc, b);
  fcanon(CH, HH);
  if (isZero(CH)) {
    fcanon(CH, RR);
    if (isZero(CH)) pdbl(acc, tmpPt); // acc was b: double it
    else return true; // acc was -b
  }
  return false;
}

// SubjectPublicKeyInfo for id-ecPublicKey with namedCurve secp256r1 (RFC 5480 §2), as a
// raw public key travels in TLS (RFC 7250 §3).
var SPKI = '3059301306072a8648ce3d020106082a8648ce3d030107034200';

/** SPKI DER (91 bytes) of an uncompressed point. */
export function p256Spki(point65: Uint8Array): Uint8Array {
  var out = new Uint8Array(91);
  for (var i = 0; i < 26; i++) out[i] = parseInt(SPKI.substr(2 * i, 2), 16);
  out.set(point65, 26);
  return out;
}

/** The point 04||X||Y from a P-256 SPKI, or null if it is not one or the point is not on the curve. */
export function spkiP256(der: Uint8Array): Uint8Array | null {
  if (!der || der.length !== 91) return null;
  for (var i = 0; i < 26; i++) if (der[i] !== parseInt(SPKI.substr(2 * i, 2), 16)) return null;
  var p = new Uint8Array(der.subarray(26));
  scratch(true);
  var ok = decodePoint(pt(), p);
  scratch(false);
  return ok ? p : null;
}
