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

/** 64 hex digits (big-endian) to 16 limbs. */
function limbs(hex: string): Uint16Array {
  var r = new Uint16Array(16);
  for (var k = 0; k < 16; k++) r[k] = parseInt(hex.substr(60 - 4 * k, 4), 16);
  return r;
}

// p = 2^256 - 2^224 + 2^192 + 2^96 - 1, n the order of G (FIPS 186-4 §D.1.2.3).
var P = limbs('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff');
var N = limbs('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
// -m^-1 mod 2^16, the Montgomery constant of each modulus.
var PI = 1;
var NI = 0xbc4f;
// R^2 mod m, to enter Montgomery form (R = 2^256).
var P_R2 = limbs('00000004fffffffdfffffffffffffffefffffffbffffffff0000000000000003');
var N_R2 = limbs('66e12d94f3d956202845b2392b6bec594699799c49bd6fa683244c95be79eea2');

// Scratch, allocated once: the double-precision product, and one limb row for the
// conditional subtraction.
var T = new Float64Array(33);
var S = new Uint16Array(16);

/**
 * r = a*b/R mod m for a, b < m (m odd, < 2^256, mi = -m^-1 mod 2^16); r may alias a or b.
 * Separated operand scanning: the whole product first, then one Montgomery step per
 * low limb; each step makes its column divisible by 2^16 and moves it up exactly.
 */
function mmul(r: Uint16Array, a: Uint16Array, b: Uint16Array, m: Uint16Array, mi: number): void {
  var i, j, x, q;
  for (i = 0; i < 33; i++) T[i] = 0;
  for (i = 0; i < 16; i++) {
    x = a[i];
    for (j = 0; j < 16; j++) T[i + j] += x * b[j];
  }
  // Every column < 2^36 + 16*2^32 + 2^22 < 2^38: exact.
  for (i = 0; i < 16; i++) {
    q = ((T[i] % 65536) * mi) % 65536;
    for (j = 0; j < 16; j++) T[i + j] += q * m[j];
    T[i + 1] += T[i] / 65536;
  }
  // The result T[16..31] (plus a carry into 2^256) is < 2m: normalise the limbs.
  var c = 0;
  for (i = 16; i < 32; i++) {
    x = T[i] + c;
    c = (x / 65536) | 0;
    r[i - 16] = x - c * 65536;
  }
  csub(r, c, m);
}

/** r = r - m if r + c*2^256 >= m (c is 0 or 1), without a branch on the value. */
function csub(r: Uint16Array, c: number, m: Uint16Array): void {
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

/** r = a + b mod m (a, b < m). */
function madd_(r: Uint16Array, a: Uint16Array, b: Uint16Array, m: Uint16Array): void {
  var k, x, c = 0;
  for (k = 0; k < 16; k++) {
    x = a[k] + b[k] + c;
    c = x >>> 16;
    r[k] = x & 65535;
  }
  csub(r, c, m);
}

/** r = a - b mod m (a, b < m): subtract, then add m back under the borrow mask. */
function msub(r: Uint16Array, a: Uint16Array, b: Uint16Array, m: Uint16Array): void {
  var k, x, w = 0;
  for (k = 0; k < 16; k++) {
    x = a[k] - b[k] - w;
    w = x >>> 31;
    r[k] = x & 65535;
  }
  var c = 0;
  for (k = 0; k < 16; k++) {
    x = r[k] + m[k] * w + c;
    c = x >>> 16;
    r[k] = x & 65535;
  }
}

function fmul(r: Uint16Array, a: Uint16Array, b: Uint16Array): void {
  mmul(r, a, b, P, PI);
}
function fadd(r: Uint16Array, a: Uint16Array, b: Uint16Array): void {
  madd_(r, a, b, P);
}
function fsub(r: Uint16Array, a: Uint16Array, b: Uint16Array): void {
  msub(r, a, b, P);
}

function copy(r: Uint16Array, a: Uint16Array): void {
  for (var k = 0; k < 16; k++) r[k] = a[k];
}

/** 1 if a is zero, else 0 (no early exit). */
function isZero(a: Uint16Array): number {
  var d = 0;
  for (var k = 0; k < 16; k++) d |= a[k];
  return ((d - 1) >>> 31) & 1;
}

function same(a: Uint16Array, b: Uint16Array): boolean {
  for (var k = 0; k < 16; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** 1 if a < m (as integers), computed over every limb. */
function less(a: Uint16Array, m: Uint16Array): number {
  var b = 0;
  for (var k = 0; k < 16; k++) b = ((a[k] - m[k] - b) >>> 31) & 1;
  return b;
}

/** Big-endian 32 bytes at `off` to limbs. */
function fromBytes(r: Uint16Array, b: Uint8Array, off: number): void {
  for (var k = 0; k < 16; k++) r[k] = (b[off + 30 - 2 * k] << 8) | b[off + 31 - 2 * k];
}

function toBytes(out: Uint8Array, off: number, a: Uint16Array): void {
  for (var k = 0; k < 16; k++) {
    out[off + 31 - 2 * k] = a[k] & 255;
    out[off + 30 - 2 * k] = a[k] >> 8;
  }
}

var ONE = new Uint16Array(16);
ONE[0] = 1;

/**
 * r = a^e in Montgomery form mod m, e = m - 2 (Fermat inversion: a^-1 for a != 0, 0 for 0).
 * Left to right over 4-bit windows of the public exponent: 256 squarings and at most 64
 * multiplications by a table of a^1..a^15 (W). Same operations whatever a is.
 */
var W: Uint16Array[] = [];
for (var wi = 0; wi < 15; wi++) W.push(new Uint16Array(16));
var E2 = new Uint16Array(16);
var ACC = new Uint16Array(16);
function minv(r: Uint16Array, a: Uint16Array, m: Uint16Array, mi: number, oneM: Uint16Array): void {
  var k, i, d, x;
  // e = m - 2 (public)
  var w = 2;
  for (k = 0; k < 16; k++) {
    x = m[k] - w;
    w = x >>> 31;
    E2[k] = x & 65535;
  }
  copy(W[0], a);
  for (i = 1; i < 15; i++) mmul(W[i], W[i - 1], a, m, mi);
  copy(ACC, oneM);
  for (i = 63; i >= 0; i--) {
    for (k = 0; k < 4; k++) mmul(ACC, ACC, ACC, m, mi);
    d = (E2[i >> 2] >> (4 * (i & 3))) & 15;
    if (d) mmul(ACC, ACC, W[d - 1], m, mi);
  }
  copy(r, ACC);
}

// ---- curve constants (Montgomery form where they are field elements) ------------------

function mont(hex: string, r2: Uint16Array, m: Uint16Array, mi: number): Uint16Array {
  var r = limbs(hex);
  mmul(r, r, r2, m, mi);
  return r;
}
var FB = mont('5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b', P_R2, P, PI);
var F1 = mont('0000000000000000000000000000000000000000000000000000000000000001', P_R2, P, PI);
var N1 = mont('0000000000000000000000000000000000000000000000000000000000000001', N_R2, N, NI);
var GX = mont('6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296', P_R2, P, PI);
var GY = mont('4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5', P_R2, P, PI);

// ---- points ---------------------------------------------------------------------------

interface Pt {
  x: Uint16Array;
  y: Uint16Array;
  z: Uint16Array;
}

function pt(): Pt {
  return { x: new Uint16Array(16), y: new Uint16Array(16), z: new Uint16Array(16) };
}
function ptCopy(r: Pt, a: Pt): void {
  copy(r.x, a.x);
  copy(r.y, a.y);
  copy(r.z, a.z);
}

// Scratch field elements for the point formulas.
var t1 = new Uint16Array(16), t2 = new Uint16Array(16), t3 = new Uint16Array(16), t4 = new Uint16Array(16);
var t5 = new Uint16Array(16), t6 = new Uint16Array(16), t7 = new Uint16Array(16), t8 = new Uint16Array(16);

/** r = 2a (Jacobian, a = -3: dbl-2001-b). r may alias a. Infinity stays infinity. */
function pdbl(r: Pt, a: Pt): void {
  var delta = t1, gamma = t2, beta = t3, alpha = t4, t = t5;
  fmul(delta, a.z, a.z);
  fmul(gamma, a.y, a.y);
  fmul(beta, a.x, gamma);
  fsub(t, a.x, delta);
  fadd(alpha, a.x, delta);
  fmul(alpha, t, alpha);
  fadd(t, alpha, alpha);
  fadd(alpha, t, alpha); // alpha = 3(X-delta)(X+delta)
  fadd(t, a.y, a.z);
  fmul(t, t, t);
  fsub(t, t, gamma);
  fsub(r.z, t, delta); // Z3 = (Y+Z)^2 - gamma - delta
  fadd(beta, beta, beta);
  fadd(beta, beta, beta); // 4 beta
  fmul(t, alpha, alpha);
  fsub(t, t, beta);
  fsub(r.x, t, beta); // X3 = alpha^2 - 8 beta
  fsub(t, beta, r.x);
  fmul(t, alpha, t);
  fmul(gamma, gamma, gamma);
  fadd(gamma, gamma, gamma);
  fadd(gamma, gamma, gamma);
  fadd(gamma, gamma, gamma);
  fsub(r.y, t, gamma); // Y3 = alpha(4 beta - X3) - 8 gamma^2
}

// Set by padd/pmadd: 1 when H = 0 (the two inputs have the same x: equal or opposite, or
// one of them is at infinity), where the formulas do not give the sum. Only the public
// (verification) path looks at it; the secret paths cannot reach that case.
var degenerate = 0;
var rzero = 0;
var tmpPt = pt();

/** r = a + b, both Jacobian (add-2007-bl). r may alias a or b. */
function padd(r: Pt, a: Pt, b: Pt): void {
  var z1z1 = t1, z2z2 = t2, u1 = t3, s1 = t4, h = t5, rr = t6, t = t7, v = t8;
  fmul(z1z1, a.z, a.z);
  fmul(z2z2, b.z, b.z);
  fmul(u1, a.x, z2z2);
  fmul(h, b.x, z1z1);
  fsub(h, h, u1); // H = U2 - U1
  fmul(s1, a.y, b.z);
  fmul(s1, s1, z2z2);
  fmul(rr, b.y, a.z);
  fmul(rr, rr, z1z1);
  fsub(rr, rr, s1);
  fadd(rr, rr, rr); // r = 2(S2 - S1)
  degenerate = isZero(h);
  rzero = isZero(rr);
  fadd(t, a.z, b.z);
  fmul(t, t, t);
  fsub(t, t, z1z1);
  fsub(t, t, z2z2);
  fadd(z1z1, h, h);
  fmul(z1z1, z1z1, z1z1); // I = (2H)^2
  fmul(v, u1, z1z1); // V = U1 I
  fmul(z2z2, h, z1z1); // J = H I
  fmul(r.z, t, h); // Z3 = ((Z1+Z2)^2 - Z1Z1 - Z2Z2) H
  fmul(t, rr, rr);
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
  fmul(z1z1, a.z, a.z);
  fmul(h, b.x, z1z1);
  fsub(h, h, a.x); // H = X2 Z1Z1 - X1
  fmul(rr, b.y, a.z);
  fmul(rr, rr, z1z1);
  fsub(rr, rr, a.y);
  fadd(rr, rr, rr); // r = 2(Y2 Z1^3 - Y1)
  degenerate = isZero(h);
  rzero = isZero(rr);
  fmul(hh, h, h);
  fadd(i, hh, hh);
  fadd(i, i, i); // I = 4 HH
  fmul(j, h, i);
  fmul(v, a.x, i);
  fadd(t, a.z, h);
  fmul(t, t, t);
  fsub(t, t, z1z1);
  fsub(r.z, t, hh); // Z3 = (Z1+H)^2 - Z1Z1 - HH
  fmul(i, a.y, j);
  fadd(i, i, i); // 2 Y1 J (before Y1 may be overwritten)
  fmul(t, rr, rr);
  fsub(t, t, j);
  fsub(t, t, v);
  fsub(r.x, t, v); // X3 = r^2 - J - 2V
  fsub(t, v, r.x);
  fmul(t, rr, t);
  fsub(r.y, t, i); // Y3 = r(V - X3) - 2 Y1 J
}

/** r = a + (b - a) * bit over a point (bit 0 or 1): arithmetic select, no branch. */
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

/** The table 1A..15A (Jacobian) for a 4-bit window; `a` affine or Jacobian. */
function table(a: Pt): Pt[] {
  var tb: Pt[] = [];
  for (var i = 0; i < 15; i++) tb.push(pt());
  ptCopy(tb[0], a);
  pdbl(tb[1], a);
  for (i = 2; i < 15; i++) padd(tb[i], tb[i - 1], a);
  return tb;
}

var gTable: Pt[] | null = null;

/**
 * r = k*A for a secret scalar k (big-endian 32 bytes, 0 < k < n) and the table of A.
 * Fixed 4-bit window from the top, every step the same operations (see the header).
 * With 0 < k < n and A of order n, the accumulator c*A (c = 16 * the digits so far, >= 16)
 * never equals +-d*A for a digit d < 16, so the addition formula is exact whenever its
 * result is taken.
 */
function mulSecret(r: Pt, k: Uint8Array, tb: Pt[], aff: boolean): void {
  var q = pt(), s = pt();
  var inf = 1, w, i, j, d, nz, sel;
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
      var e = tb[i];
      for (j = 0; j < 16; j++) {
        q.x[j] += e.x[j] * sel;
        q.y[j] += e.y[j] * sel;
        q.z[j] += e.z[j] * sel;
      }
    }
    if (aff) pmadd(s, r, q);
    else padd(s, r, q);
    nz = ((0 - d) >>> 31) & 1; // d != 0
    ptSel(r, s, nz & (inf ^ 1));
    ptSel(r, q, nz & inf);
    inf &= nz ^ 1;
  }
}

var S2 = new Uint16Array(16);

/** Affine x (and y) of a Jacobian point, as big-endian bytes into out at off; false at infinity. */
function affine(out: Uint8Array, off: number, a: Pt, withY: boolean): boolean {
  if (isZero(a.z)) return false;
  var zi = new Uint16Array(16), t = new Uint16Array(16);
  minv(zi, a.z, P, PI, F1);
  fmul(t, zi, zi);
  fmul(S2, a.x, t);
  mmul(S2, S2, ONE, P, PI);
  toBytes(out, off, S2);
  if (withY) {
    fmul(t, t, zi);
    fmul(S2, a.y, t);
    mmul(S2, S2, ONE, P, PI);
    toBytes(out, off + 32, S2);
  }
  return true;
}

/**
 * Public key validation (SP 800-56A §5.6.2.3.3 / RFC 8422 §5.11): an uncompressed point
 * 04||X||Y with X, Y < p on y^2 = x^3 - 3x + b. Infinity has no such encoding, and the
 * cofactor is 1, so a point on the curve has order n. Writes the affine point in
 * Montgomery form into r (r.z = 1). RFC 8422 §5.1.2 deprecates compressed points.
 */
function decodePoint(r: Pt, b: Uint8Array): boolean {
  if (!b || b.length !== 65 || b[0] !== 4) return false;
  fromBytes(r.x, b, 1);
  fromBytes(r.y, b, 33);
  if (!less(r.x, P) || !less(r.y, P)) return false;
  mmul(r.x, r.x, P_R2, P, PI);
  mmul(r.y, r.y, P_R2, P, PI);
  copy(r.z, F1);
  var l = new Uint16Array(16), x3 = new Uint16Array(16);
  fmul(l, r.y, r.y);
  fmul(x3, r.x, r.x);
  fmul(x3, x3, r.x);
  fsub(x3, x3, r.x);
  fsub(x3, x3, r.x);
  fsub(x3, x3, r.x);
  fadd(x3, x3, FB);
  return same(l, x3);
}

/** 1 <= k < n, over every byte. */
function validScalar(k: Uint8Array): boolean {
  if (!k || k.length !== 32) return false;
  var a = new Uint16Array(16);
  fromBytes(a, k, 0);
  return (less(a, N) & (isZero(a) ^ 1)) === 1;
}

/**
 * The table 1G..15G in affine form (z = 1), built on first use and kept (1.4 KB): additions
 * from it are the cheaper mixed ones. One batch inversion (Montgomery's trick) for all 15.
 */
function baseTable(): Pt[] {
  if (!gTable) {
    var g = pt();
    copy(g.x, GX);
    copy(g.y, GY);
    copy(g.z, F1);
    var tb = table(g);
    var acc: Uint16Array[] = [];
    var i, t = new Uint16Array(16), zi = new Uint16Array(16);
    copy(zi, F1);
    for (i = 0; i < 15; i++) {
      fmul(zi, zi, tb[i].z);
      acc.push(new Uint16Array(zi)); // z1 z2 .. z(i+1)
    }
    minv(zi, zi, P, PI, F1); // (z1 .. z15)^-1
    for (i = 14; i >= 0; i--) {
      if (i) fmul(t, zi, acc[i - 1]);
      else copy(t, zi); // t = 1/z(i+1)
      fmul(zi, zi, tb[i].z); // drop z(i+1) from the running inverse
      var e = tb[i];
      fmul(e.z, t, t);
      fmul(e.x, e.x, e.z);
      fmul(e.z, e.z, t);
      fmul(e.y, e.y, e.z);
      copy(e.z, F1);
    }
    gTable = tb;
  }
  return gTable;
}

// ---- public API -----------------------------------------------------------------------

/** The uncompressed public point 04||X||Y (SEC 1 §2.3.3) of a private scalar (1 <= d < n, else throws). */
export function p256PublicKey(priv32: Uint8Array): Uint8Array {
  if (!validScalar(priv32)) throw new Error('p256: private key out of range');
  var r = pt();
  mulSecret(r, priv32, baseTable(), true);
  var out = new Uint8Array(65);
  out[0] = 4;
  affine(out, 1, r, true);
  return out;
}

/**
 * ECDH (RFC 8422 §5.10, SP 800-56A §5.7.1.2): the x-coordinate of priv*peer, 32 bytes, or
 * null if the peer's point fails validation or the private scalar is out of range.
 */
export function p256Ecdh(priv32: Uint8Array, peerPoint65: Uint8Array): Uint8Array | null {
  if (!validScalar(priv32)) return null;
  var q = pt();
  if (!decodePoint(q, peerPoint65)) return null;
  var r = pt();
  mulSecret(r, priv32, table(q), false);
  var out = new Uint8Array(32);
  return affine(out, 0, r, false) ? out : null;
}

/** A fresh private scalar in [1, n-1] from the Rng (rejection sampling, SEC 1 §3.2.1). */
export function p256PrivateKey(rng: Rng): Uint8Array {
  var k = new Uint8Array(32);
  do rng.fill(k);
  while (!validScalar(k));
  return k;
}

/** A value mod n as limbs from 32 big-endian bytes (< 2^256 < 2n: one conditional subtraction). */
function scalarMod(r: Uint16Array, b: Uint8Array): void {
  fromBytes(r, b, 0);
  csub(r, 0, N);
}

/** DER INTEGER content for a value < n (X.690 §8.3: minimal, non-negative). */
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
 * as TLS carries it (RFC 8422 §5.4). Throws if priv32 is out of range.
 *
 * The nonce k is deterministic (RFC 6979 §3.2, HMAC-SHA-256 on `c`) rather than drawn from an
 * Rng: a biased or repeated k gives the private key away, and on the ESP32 E.hwRand() is only
 * truly random while the radio runs; RFC 6979 needs no randomness at all, and its published
 * vectors (A.2.5) pin our output byte for byte. `extra` (RFC 6979 §3.6 additional data, e.g.
 * 32 bytes from the Rng) may be mixed in; the signature is then no longer reproducible but
 * stays safe even if those bytes are weak.
 */
export function p256Sign(priv32: Uint8Array, hash32: Uint8Array, c: CryptoBackend, extra?: Uint8Array): Uint8Array {
  if (!validScalar(priv32) || hash32.length !== 32) throw new Error('p256: bad sign input');
  var e = new Uint16Array(16), d = new Uint16Array(16), k = new Uint16Array(16), rr = new Uint16Array(16), s = new Uint16Array(16);
  scalarMod(e, hash32);
  fromBytes(d, priv32, 0);
  // RFC 6979 §3.2 b–g, with h1 = bits2octets(H(m)) = hash mod n (qlen = hlen = 256).
  var h1 = new Uint8Array(32);
  toBytes(h1, 0, e);
  var ex = extra ? extra.length : 0;
  var V = new Uint8Array(32), K = new Uint8Array(32);
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
  var kb: Uint8Array, R = pt(), rb = new Uint8Array(32), sb = new Uint8Array(32);
  var retry = new Uint8Array(33);
  for (;;) {
    V = hmacSha256(c, K, V);
    kb = V; // §3.2 h: T = V (one block: qlen = 256), k = bits2int(T)
    if (validScalar(kb)) {
      mulSecret(R, kb, baseTable(), true);
      affine(rb, 0, R, false);
      scalarMod(rr, rb); // r = x1 mod n
      if (!isZero(rr)) {
        // s = k^-1 (e + r d) mod n, in Montgomery form mod n.
        fromBytes(k, kb, 0);
        mmul(k, k, N_R2, N, NI);
        minv(k, k, N, NI, N1); // k^-1 R
        mmul(s, rr, d, N, NI); // r d / R
        mmul(s, s, N_R2, N, NI); // r d
        madd_(s, s, e, N); // e + r d
        mmul(s, s, k, N, NI); // k^-1 (e + r d)
        if (!isZero(s)) break;
      }
    }
    // §3.2 h.3: K = HMAC_K(V || 0x00), V = HMAC_K(V)
    retry.set(V, 0);
    retry[32] = 0;
    K = hmacSha256(c, K, retry);
    V = hmacSha256(c, K, V);
  }
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
 * no negative value, no superfluous leading zero, 0 < v < n. Returns the offset after it or -1.
 */
function derIntIn(sig: Uint8Array, off: number, end: number, v: Uint8Array): number {
  if (off + 2 > end || sig[off] !== 0x02) return -1;
  var len = sig[off + 1];
  var at = off + 2;
  if (len < 1 || len > 33 || at + len > end) return -1;
  if (sig[at] & 0x80) return -1; // negative
  if (sig[at] === 0 && len > 1 && !(sig[at + 1] & 0x80)) return -1; // non-minimal
  if (len === 33) {
    if (sig[at] !== 0) return -1; // > 256 bits
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
  try {
    return verify(pubPoint65, hash32, derSig);
  } catch (e) {
    return false;
  }
}

function verify(pub: Uint8Array, hash: Uint8Array, sig: Uint8Array): boolean {
  if (!sig || !hash || hash.length !== 32) return false;
  // SEQUENCE, short-form length (a P-256 signature is at most 72 bytes), nothing after it.
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
  mmul(w, w, N_R2, N, NI);
  minv(w, w, N, NI, N1); // s^-1 R
  var u1 = new Uint8Array(32), u2 = new Uint8Array(32);
  mmul(u, e, w, N, NI); // u1 = e s^-1
  toBytes(u1, 0, u);
  mmul(u, r, w, N, NI); // u2 = r s^-1
  toBytes(u2, 0, u);
  // Shamir's trick: one pass of 4-bit windows over u1 and u2 together (public values:
  // zero digits are skipped, degenerate additions handled by branches).
  var tg = baseTable(), tq = table(q);
  var acc = pt(), inf = true;
  for (var i = 63; i >= 0; i--) {
    if (!inf) for (var j = 0; j < 4; j++) pdbl(acc, acc);
    var d1 = nib(u1, i), d2 = nib(u2, i);
    if (d1) inf = addPublic(acc, inf, tg[d1 - 1]);
    if (d2) inf = addPublic(acc, inf, tq[d2 - 1]);
  }
  if (inf) return false;
  // x(acc) mod n == r  <=>  X == r' Z^2 for r' = r or r + n (if < p), without an inversion.
  var z2 = new Uint16Array(16), t = new Uint16Array(16);
  fmul(z2, acc.z, acc.z);
  mmul(t, r, P_R2, P, PI);
  fmul(t, t, z2);
  if (same(t, acc.x)) return true;
  var c = 0;
  for (var k = 0; k < 16; k++) {
    var x = r[k] + N[k] + c;
    c = x >>> 16;
    r[k] = x & 65535;
  }
  if (c || !less(r, P)) return false;
  mmul(t, r, P_R2, P, PI);
  fmul(t, t, z2);
  return same(t, acc.x);
}

/** acc += b for public points, exact in every case; returns whether acc is now infinity. */
function addPublic(acc: Pt, inf: boolean, b: Pt): boolean {
  if (inf) {
    ptCopy(acc, b);
    return false;
  }
  ptCopy(tmpPt, acc);
  padd(acc, acc, b);
  if (degenerate) {
    if (rzero) pdbl(acc, tmpPt);
    else return true; // acc = -b
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
  return decodePoint(pt(), p) ? p : null;
}
