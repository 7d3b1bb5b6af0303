// Inversion mod n (P-256's group order) as steps of a Job: a^-1 for a value that is public (s in
// verification) or blinded (k·b in signing), so variable time is fine. Pornin's batched binary
// GCD ("Optimized Binary GCD for Modular Inversion", 2020, Algorithm 2) on doubles: the binary
// extended Euclid's decisions for 26 iterations are taken on 53-bit approximations of a and b
// (their 26 low bits, exact, and 27 top bits), collected into a matrix, and the matrix is then
// applied to the whole a, b and to their coefficients u, v mod n. About 20 batches, each a few
// passes over 17 limbs, where the bit-at-a-time Euclid did ~700 field multiplications' worth of
// interpreted limb loops (1.58 G x86 instructions on the board's stand-in, 2026-12-07).
//
// Invariants (mod n): a = x u, b = x v, b odd, a, b >= 0; a batch divides the exact update by
// 2^26 (its parities are exact: they depend on the low 26 bits only). A comparison the
// approximations got wrong leaves a negative value, negated with its coefficient. At a = 0,
// b = gcd(x, n) = 1 and v = x^-1.
import { N, less } from './p256-field';
import type { Job } from './p256-job';
import { WK } from './p256-job';

/** Iterations a batch; the low bits kept exact in the approximations (the parities need them). */
var K = 26;
var TWO_K = 67108864;
/** n^-1 mod 2^26. */
var N_INV_26 = 33506225;
/** Limbs of a, b, u, v: 16 of 16 bits and one more for what a batch's update carries above. */
var L = 17;

/** j.iv = a^-1 mod n (canonical Uint16Array(16)) for 0 < a < n, then `then`. */
function ninv(j: Job, a: Uint16Array, then: (j: Job) => void): void {
  var A = new Int32Array(L), B = new Int32Array(L), U = new Int32Array(L);
  for (var k = 0; k < 16; k++) {
    A[k] = a[k];
    B[k] = N[k];
  }
  U[0] = 1;
  j.ga = A;
  j.gb = B;
  j.gu = U;
  j.gv = new Int32Array(L);
  j.gn = 0;
  j.nx = then;
  WK.c += 0.5;
  j.f = ninvBatch;
}

/** One batch: 26 iterations on the approximations, then the matrix applied. */
function ninvBatch(j: Job): void {
  var A = j.ga as Int32Array, B = j.gb as Int32Array, k, top, hi, len;
  for (top = L - 1; top >= 0 && !A[top]; top--);
  if (top < 0) return ninvEnd(j);
  for (top = L - 1; top > 0 && !(A[top] | B[top]); top--);
  // a's and b's approximations: exact below 2^52, else 27 top bits over the 26 low ones
  for (hi = A[top] | B[top], len = 16 * top; hi; hi >>= 1) len++;
  var xa = approx(A, len), xb = approx(B, len);
  var f0 = 1, g0 = 0, f1 = 0, g1 = 1, t;
  for (k = 0; k < K; k++) {
    if (xa % 2) {
      if (xa < xb) {
        t = xa; xa = xb; xb = t;
        t = f0; f0 = f1; f1 = t;
        t = g0; g0 = g1; g1 = t;
      }
      xa -= xb;
      f0 -= f1;
      g0 -= g1;
    }
    xa /= 2;
    f1 *= 2;
    g1 *= 2;
  }
  // (a, b) = M (a, b) / 2^26 and (u, v) = M (u, v) / 2^26 mod n, a negative a or b negated with its row
  var na = new Int32Array(L), nb = new Int32Array(L), U = j.gu, V = j.gv;
  if (combine(na, A, B, f0, g0, false)) {
    f0 = -f0;
    g0 = -g0;
  }
  if (combine(nb, A, B, f1, g1, false)) {
    f1 = -f1;
    g1 = -g1;
  }
  j.ga = na;
  j.gb = nb;
  var nu = new Int32Array(L), nv = new Int32Array(L);
  combine(nu, U, V, f0, g0, true);
  combine(nv, U, V, f1, g1, true);
  j.gu = nu;
  j.gv = nv;
  // 27-30 M x86 instructions on the board's stand-in (bench:board --only p256-pieces, 2026-12-07;
  // host-timed against a field multiplication it seemed 18.5 M, and was weighed 3.7)
  WK.c += 5.5;
  // ~20 batches for 256-bit inputs; a bound far above it (the approximations cannot stall it)
  if (++j.gn > 60) throw new Error('ninv');
}

/** A non-negative value's 53-bit approximation at bit length `len` (see the header). */
function approx(A: Int32Array, len: number): number {
  if (len <= 52) return A[0] + A[1] * 65536 + A[2] * 4294967296 + A[3] * 281474976710656;
  var s = len - 27, i = s >> 4, v = A[i] + A[i + 1] * 65536 + (i + 2 < L ? A[i + 2] * 4294967296 : 0);
  return Math.floor(v / Math.pow(2, s & 15)) * TWO_K + A[0] + (A[1] & 1023) * 65536;
}

/**
 * o = (f A + g B) / 2^26, exactly (a, b: the low 26 bits are zero) or mod n (u, v: plus the
 * multiple of n that clears them, then brought into [0, n)). Returns whether the exact value
 * was negative (o is its absolute value).
 */
function combine(o: Int32Array, A: Int32Array, B: Int32Array, f: number, g: number, modN: boolean): boolean {
  var x = new Float64Array(L + 1), c = 0, s, k, m = 0;
  for (k = 0; k < L; k++) {
    s = f * A[k] + g * B[k] + c;
    c = Math.floor(s / 65536);
    x[k] = s - c * 65536;
  }
  x[L] = c;
  if (modN) {
    // t n with t = -x n^-1 mod 2^26 makes the low 26 bits zero
    m = (((TWO_K - ((x[0] + (x[1] % 1024) * 65536) % TWO_K)) % TWO_K) * N_INV_26) % TWO_K;
    c = 0;
    for (k = 0; k < L; k++) {
      s = x[k] + (k < 16 ? m * N[k] : 0) + c;
      c = Math.floor(s / 65536);
      x[k] = s - c * 65536;
    }
    x[L] += c;
  }
  var neg = x[L] < 0;
  if (neg && !modN) negate(x);
  // shift right by 26 bits: one limb and 10 bits
  for (k = 0; k < L; k++) o[k] = Math.floor(x[k + 1] / 1024) + (k + 2 <= L ? (x[k + 2] - Math.floor(x[k + 2] / 1024) * 1024) * 64 : 0);
  if (modN) reduceN(o);
  return neg;
}

/** x = -x over L + 1 limbs (x negative: its top limb below 0). */
function negate(x: Float64Array): void {
  var c = 0, s;
  for (var k = 0; k < L; k++) {
    s = -x[k] + c;
    c = Math.floor(s / 65536);
    x[k] = s - c * 65536;
  }
  x[L] = c - x[L];
}

/** o into [0, n) from (-3n, 3n), limbs of 16 bits with a signed top. */
function reduceN(o: Int32Array): void {
  while (o[L - 1] < 0) addN(o, 1);
  while (o[L - 1] || !less(o, N)) addN(o, -1);
}

function addN(o: Int32Array, sign: number): void {
  var c = 0, s;
  for (var k = 0; k < L; k++) {
    s = o[k] + (k < 16 ? sign * N[k] : 0) + c;
    c = Math.floor(s / 65536);
    o[k] = s - c * 65536;
  }
  o[L - 1] += c * 65536;
}

function ninvEnd(j: Job): void {
  var V = j.gv as Int32Array, r = new Uint16Array(16);
  for (var k = 0; k < 16; k++) r[k] = V[k];
  j.iv = r;
  j.ga = j.gb = j.gu = j.gv = null;
  j.f = j.nx;
}

export { ninv };
