// P-256 scalar multiplication in steps (p256.ts has the whole design): k*G by a comb over a
// generated table, k*Q by a fixed 4-bit window, both with no branch or index on the scalar;
// affine coordinates by a fixed-window Fermat inversion; decoding points and checking scalars.
import { E2, F1, FB, N, P, combHex, copy, fadd, fmul, fromBytes, fsqr, fsub, isZero, less, same, toBytes } from './p256-field';
import type { Job, Pt } from './p256-job';
import { ACC, ADD, DBL, MADD, Q, SUM, W, WK, call, fcanon, nib, pt, ptCopy, ptInf, ptSel, t1, t8 } from './p256-job';
import { convolve } from './convolve';

// ---- reading a table by a secret digit ---------------------------------------------------

/**
 * MASK[i] = 1 for the entry i + 1 = d, else 0 (MASK[31] stays 0): one-hot by arithmetic, no index
 * on d. mask(d, n) writes entries 0..n-1; a k*Q table has 16 entries (the last a zero pad), so
 * what a comb digit left above them is never read.
 */
var MASK = new Int32Array(32);

function mask(d: number, n: number): void {
  for (var i = 0; i < n; i++) MASK[i] = (((i + 1) ^ d) - 1) >>> 31;
}

/**
 * o's coordinates = the table entry MASK selects (zero when none): the table is kept by limb,
 * rows[m][i] = limb m of entry i (x limbs 0-15, then y, then z), so each limb of the result is
 * one native call over the entries, convolve(rows[m], MASK, 0) (convolve.ts). Every entry is
 * read whatever the digit, as the masked sum over the entries was in JavaScript, at ~1/20 of
 * its cost on the board (that sum was ~7 field multiplications' worth a k*Q window).
 */
function tableRead(o: Pt, rows: (Int32Array | Uint16Array)[]): void {
  var cv = convolve, M = MASK, z = rows.length > 32;
  for (var m = 0; m < 16; m++) {
    o.x[m] = cv(rows[m], M, 0);
    o.y[m] = cv(rows[m + 16], M, 0);
    if (z) o.z[m] = cv(rows[m + 32], M, 0);
  }
}

/**
 * The end of a comb column or a k*Q window (the same for both): the sum kept unless the digit
 * was 0, or the table point if the accumulator was still at infinity (arithmetic selects); then
 * the next column, or j.nx with the table let go.
 */
function windowEnd(j: Job): void {
  var A = j.A, nz = ((0 - j.d) >>> 31) & 1; // d != 0
  ptSel(A, SUM, nz & (j.inf ^ 1));
  ptSel(A, Q, nz & j.inf);
  j.inf &= nz ^ 1;
  j.u = 0;
  if (--j.i >= 0) return;
  j.cb = null;
  j.f = j.nx;
}

// ---- k*G: comb --------------------------------------------------------------------------

/**
 * j.A = k*G (k = j.k, 0 <= k < n) by a 5-tooth Lim–Lee comb (fixed-base: 51 doublings and 52
 * mixed additions instead of 256 and 64), then j.nx. Write k's bits as 5 rows of 52 (the last
 * row's top 4 bits are 0): column c (c = 51..0) is the digit k_c + 2 k_(52+c) + 4 k_(104+c) +
 * 8 k_(156+c) + 16 k_(208+c), and k*G = sum 2^c T[digit], with T[j] = sum over the set bits i of
 * j of 2^(52 i) G (combHex, 31 affine points, generated). Same constant-time shape as mulQ. The
 * accumulator before each addition is m*G with every 52-bit row of m even and the table point's
 * rows 0 or 1, and m + t <= k < n: the addition never meets equal or opposite points unless the
 * accumulator is at infinity (j.inf). Five teeth rather than four: 12 doublings and 12
 * additions fewer (~0.65 G x86 instructions on the stand-in) for a table twice the size
 * (31 entries, 2 KB while the operation runs) and 2 KB more of hex in flash.
 */
var COMB_TEETH = 5, COMB_COLS = 52, COMB_ENTRIES = 31;

/** Column c's digit of the comb of k (big-endian bytes; bit b is in byte 31 - (b >> 3); bits 256-259 are 0). */
function combDigit(k: Uint8Array, c: number): number {
  var d = 0, b;
  for (var i = 0; i < COMB_TEETH; i++) {
    b = COMB_COLS * i + c;
    if (b < 256) d |= ((k[31 - (b >> 3)] >> (b & 7)) & 1) << i;
  }
  return d;
}

function mulG(j: Job, then: (j: Job) => void): void {
  j.nx = then;
  j.cb = [];
  for (var m = 0; m < 32; m++) j.cb.push(new Uint16Array(COMB_ENTRIES + 1));
  // the table's hex (4 KB), made once for the table's steps: combHex() joins 41 literals each call
  j.hx = combHex();
  // the hex and the 32 arrays: ~6.4 M (bench:board --only p256-pieces, 2026-12-07)
  WK.c += 1.3;
  j.e = 0;
  j.f = gTable;
}

/**
 * One point of the comb table a piece, from its hex. Weighed 1.2: at 0.6 (~2.5 M x86
 * instructions, measured when a step held fewer) the first step of a key pair, with the hex made
 * and ~11 entries, counted 78.8 M (bench:board-profile --mode rpk-psk, be30352).
 */
function gTable(j: Job): void {
  var hx = j.hx, i = j.e, m;
  for (m = 0; m < 32; m++) j.cb[m][i] = parseInt(hx.substr(128 * i + (m & 16 ? 64 : 0) + 60 - 4 * (m & 15), 4), 16);
  WK.c += 1.2;
  if (++j.e < COMB_ENTRIES) return;
  j.hx = null;
  ptInf(j.A);
  copy(Q.z, F1);
  j.inf = 1;
  j.i = COMB_COLS - 1;
  j.u = 0;
  j.f = gCol;
}

/** Column j.i of the comb: double (u 0), digit and table read (1), add (2), keep (3). */
function gCol(j: Job): void {
  var u = j.u, A = j.A;
  if (u === 0) {
    j.u = 1;
    call(j, DBL, A, A, null, gCol);
  } else if (u === 1) {
    var d = (j.d = combDigit(j.k, j.i));
    mask(d, COMB_ENTRIES);
    tableRead(Q, j.cb);
    WK.c += 0.4;
    j.u = 2;
  } else if (u === 2) {
    j.u = 3;
    call(j, MADD, SUM, A, Q, gCol);
  } else windowEnd(j);
}

// ---- k*Q: fixed window ------------------------------------------------------------------

/**
 * j.A = k*Q for a secret scalar k (j.k, 0 < k < n) and the point Q (j.P, affine), then j.nx.
 * The table 1Q..15Q (Jacobian, j.T) first, then a fixed 4-bit window from the top, every
 * window the same operations (see the header). With 0 < k < n and Q of order n, the
 * accumulator c*Q (c = 16 * the digits so far, >= 16) never equals +-d*Q for a digit d < 16,
 * so the addition formula is exact whenever its result is taken.
 */
function mulQ(j: Job, then: (j: Job) => void): void {
  j.nx = then;
  // the table by limb (see tableRead); j.T[0] and j.T[1] hold the last two entries made
  j.cb = [];
  for (var m = 0; m < 48; m++) j.cb.push(new Int32Array(16));
  j.T = [pt(), pt()];
  // 54 typed arrays made: ~14 M (~0.27 M each; bench:board --only p256-pieces, 2026-12-07)
  WK.c += 2.7;
  ptCopy(j.T[0], j.P);
  keep(j, j.T[0], 0);
  j.e = 1;
  call(j, DBL, j.T[1], j.P, null, qTable);
}

/** Entry i of the table by limb (rows[m][i]) from the point e. */
function keep(j: Job, e: Pt, i: number): void {
  var r = j.cb;
  for (var m = 0; m < 16; m++) {
    r[m][i] = e.x[m];
    r[m + 16][i] = e.y[m];
    r[m + 32][i] = e.z[m];
  }
  WK.c += 0.45;
}

/** Entry j.e (j.e + 1 times Q) is made: keep it, make the next (the one before + Q). */
function qTable(j: Job): void {
  var e = j.e, T = j.T, p = T[e & 1];
  keep(j, p, e);
  if (++j.e < 15) return call(j, ADD, T[j.e & 1], p, j.P, qTable);
  j.T = null;
  ptInf(j.A);
  j.inf = 1;
  j.i = 63;
  j.u = 0;
  j.f = qWin;
}

/** Window j.i: four doublings (u 0-3), digit and table read (4), add (5), keep (6). */
function qWin(j: Job): void {
  var u = j.u, A = j.A;
  if (u < 4) {
    j.u = u + 1;
    call(j, DBL, A, A, null, qWin);
  } else if (u === 4) {
    j.d = nib(j.k, j.i);
    mask(j.d, 15);
    tableRead(Q, j.cb);
    WK.c += 0.55;
    j.u = 5;
  } else if (u === 5) {
    j.u = 6;
    call(j, ADD, SUM, A, Q, qWin);
  } else windowEnd(j);
}

// ---- affine coordinates ------------------------------------------------------------------

/**
 * Affine x (and y if j.wy) of j.A as big-endian bytes into j.o at j.oo (j.ok false at
 * infinity), then j.nx.
 */
function affine(j: Job, then: (j: Job) => void): void {
  j.nx = then;
  var z = new Uint16Array(16);
  fcanon(z, j.A.z);
  WK.c += 1.7;
  j.ok = !isZero(z);
  j.f = then;
  if (j.ok) inverse(j, afX);
}

/**
 * ACC = (j.A.z)^-1 (not zero) = Z^(p-2), then `then`: the table W (up to 7 entries a piece), then
 * the windows (two a piece: 8 squarings and up to 2 multiplications). A square or product is
 * ~2.3 M x86 instructions with the loop around it, 0.45 units (at 0.9 and 1, one a piece, an
 * inversion was ~45 steps of ~20 M: bench:board --only p256-pieces, 2026-12-07).
 */
function inverse(j: Job, then: (j: Job) => void): void {
  j.ia = then;
  copy(W[0], j.A.z);
  j.e = 1;
  j.f = invW;
}

function invW(j: Job): void {
  for (var n = 0; n < 7 && j.e < 15; n++, j.e++) fmul(W[j.e], W[j.e - 1], j.A.z);
  WK.c += 0.45 * n;
  if (j.e < 15) return;
  copy(ACC, F1);
  j.i = 63;
  j.f = invE;
}

function invE(j: Job): void {
  for (var n = 0; n < 2 && j.i >= 0; n++, j.i--) {
    fsqr(ACC, ACC);
    fsqr(ACC, ACC);
    fsqr(ACC, ACC);
    fsqr(ACC, ACC);
    var d = (E2[j.i >> 2] >> (4 * (j.i & 3))) & 15;
    WK.c += 1.8;
    if (d) {
      fmul(ACC, ACC, W[d - 1]);
      WK.c += 0.45;
    }
  }
  if (j.i < 0) j.f = j.ia;
}

/** ACC = Z^-1: x = X Z^-2, then y = Y Z^-3. */
function afX(j: Job): void {
  var zi = ACC, t = t1, c = new Uint16Array(16);
  fsqr(t, zi);
  fmul(zi, zi, t); // zi = Z^-3, t = Z^-2
  fmul(t, j.A.x, t);
  fcanon(c, t);
  toBytes(j.o, j.oo, c);
  WK.c += 4.6;
  j.f = j.wy ? afY : j.nx;
}

function afY(j: Job): void {
  var c = new Uint16Array(16);
  fmul(t1, j.A.y, ACC);
  fcanon(c, t1);
  toBytes(j.o, j.oo + 32, c);
  WK.c += 2.7;
  j.f = j.nx;
}

// ---- points in -------------------------------------------------------------------------

/**
 * Public key validation (SP 800-56A §5.6.2.3.3 / RFC 8422 §5.11): an uncompressed point
 * 04||X||Y with X, Y < p on y^2 = x^3 - 3x + b. Infinity has no such encoding, and the
 * cofactor is 1, so a point on the curve has order n. Writes the affine point into r
 * (r.z = 1). RFC 8422 §5.1.2 deprecates compressed points: they are refused. In two halves
 * (decodeA, decodeB: about 4 field multiplications each) so a step stays within its budget.
 */
function decodeA(r: Pt, b: Uint8Array, c: Uint16Array): boolean {
  if (!b || b.length !== 65 || b[0] !== 4) return false;
  var l = new Uint16Array(16), x3 = t8;
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
  fcanon(c, x3);
  // ~21 M (bench:board --only p256-pieces, 2026-12-07)
  WK.c += 4.2;
  return true;
}

function decodeB(r: Pt, c: Uint16Array): boolean {
  var l = new Uint16Array(16);
  fsqr(t8, r.y);
  fcanon(l, t8);
  WK.c += 2.6;
  return same(l, c);
}

/** 1 <= k < n, over every byte. */
function validScalar(k: Uint8Array): boolean {
  if (!k || k.length !== 32) return false;
  var a = new Uint16Array(16);
  fromBytes(a, k, 0);
  return (less(a, N) & (isZero(a) ^ 1)) === 1;
}

export { COMB_COLS, COMB_ENTRIES, affine, combDigit, decodeA, decodeB, inverse, mulG, mulQ, validScalar };
