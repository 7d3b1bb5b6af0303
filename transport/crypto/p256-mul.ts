// P-256 scalar multiplication in steps (p256.ts has the whole design): k*G by a comb over a
// generated table, k*Q by a fixed 4-bit window, both with no branch or index on the scalar;
// affine coordinates by a fixed-window Fermat inversion; decoding points and checking scalars.
import { E2, F1, FB, N, P, combHex, copy, fadd, fmul, fromBytes, fsqr, fsub, isZero, less, same, toBytes } from './p256-field';
import type { Job, Pt } from './p256-job';
import { ACC, ADD, DBL, MADD, Q, SUM, W, WK, call, fcanon, nib, pt, ptCopy, ptInf, ptSel, t1, t8 } from './p256-job';

// ---- k*G: comb --------------------------------------------------------------------------

/**
 * j.A = k*G (k = j.k, 0 <= k < n) by a 4-tooth Lim–Lee comb (fixed-base: 63 doublings and 64
 * mixed additions instead of 256 and 64), then j.nx. Write k's bits as 4 rows of 64: column c
 * (c = 63..0) is the digit k_c + 2 k_(64+c) + 4 k_(128+c) + 8 k_(192+c), and k*G = sum 2^c T[digit],
 * with T[j] = sum over the set bits i of j of 2^(64 i) G (COMB table, affine, generated). Same
 * constant-time shape as mulQ. The accumulator before each addition is m*G with every
 * 64-bit row of m even and the table point's rows 0 or 1, and m + t <= k < n: the addition
 * never meets equal or opposite points unless the accumulator is at infinity (j.inf).
 */
function mulG(j: Job, then: (j: Job) => void): void {
  j.nx = then;
  j.cb = new Uint16Array(15 * 32);
  j.e = 0;
  j.f = gTable;
}

/** One point of the comb table a step, from its hex. */
function gTable(j: Job): void {
  var hx = combHex(), i = j.e, m;
  for (m = 32 * i; m < 32 * i + 32; m++) j.cb[m] = parseInt(hx.substr(128 * i + (m & 16 ? 64 : 0) + 60 - 4 * (m & 15), 4), 16);
  WK.c += 0.6;
  if (++j.e < 15) return;
  ptInf(j.A);
  copy(Q.z, F1);
  j.inf = 1;
  j.i = 63;
  j.u = 0;
  j.f = gCol;
}

/** Column j.i of the comb: double (u 0), digit (1), read the table (2, one entry a step), add (3), keep (4). */
function gCol(j: Job): void {
  var u = j.u, A = j.A, q = Q, c = j.i, k = j.k, i, m, sel, tb = j.cb;
  if (u === 0) {
    j.u = 1;
    call(j, DBL, A, A, null, gCol);
  } else if (u === 1) {
    // bit c of each 64-bit row (big-endian bytes: bit b is in byte 31 - (b >> 3))
    var d = 0;
    for (i = 0; i < 4; i++) d |= ((k[31 - ((64 * i + c) >> 3)] >> (c & 7)) & 1) << i;
    j.d = d;
    for (m = 0; m < 16; m++) {
      q.x[m] = 0;
      q.y[m] = 0;
    }
    j.e = 0;
    j.u = 2;
  } else if (u === 2) {
    // q = T[d]: read every entry, keep the one whose index matches (mask from arithmetic)
    for (i = j.e; i < j.e + 5; i++) {
      sel = (((i + 1) ^ j.d) - 1) >>> 31;
      for (m = 0; m < 16; m++) {
        q.x[m] += tb[32 * i + m] * sel;
        q.y[m] += tb[32 * i + 16 + m] * sel;
      }
    }
    WK.c += 1.2;
    j.e += 5;
    if (j.e === 15) j.u = 3;
  } else if (u === 3) {
    j.u = 4;
    call(j, MADD, SUM, A, q, gCol);
  } else {
    var nz = ((0 - j.d) >>> 31) & 1;
    ptSel(A, SUM, nz & (j.inf ^ 1));
    ptSel(A, q, nz & j.inf);
    j.inf &= nz ^ 1;
    j.u = 0;
    if (--j.i < 0) j.f = j.nx;
  }
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
  j.T = [];
  for (var i = 0; i < 15; i++) j.T.push(pt());
  ptCopy(j.T[0], j.P);
  j.e = 1;
  call(j, DBL, j.T[1], j.P, null, qTable);
}

function qTable(j: Job): void {
  var e = ++j.e;
  if (e < 15) return call(j, ADD, j.T[e], j.T[e - 1], j.P, qTable);
  ptInf(j.A);
  j.inf = 1;
  j.i = 63;
  j.u = 0;
  j.f = qWin;
}

/** Window j.i: four doublings (u 0-3), digit (4), read the table (5, one entry a step), add (6), keep (7). */
function qWin(j: Job): void {
  var u = j.u, A = j.A, q = Q, m, sel, e;
  if (u < 4) {
    j.u = u + 1;
    call(j, DBL, A, A, null, qWin);
  } else if (u === 4) {
    j.d = nib(j.k, j.i);
    for (m = 0; m < 16; m++) {
      q.x[m] = 0;
      q.y[m] = 0;
      q.z[m] = 0;
    }
    j.e = 0;
    j.u = 5;
  } else if (u === 5) {
    // q = T[d-1]: read every entry, keep the one whose index matches (mask from arithmetic)
    for (var i = j.e; i < j.e + 3; i++) {
      sel = (((i + 1) ^ j.d) - 1) >>> 31;
      e = j.T[i];
      for (m = 0; m < 16; m++) {
        q.x[m] += e.x[m] * sel;
        q.y[m] += e.y[m] * sel;
        q.z[m] += e.z[m] * sel;
      }
    }
    WK.c += 1.4;
    j.e += 3;
    if (j.e === 15) j.u = 6;
  } else if (u === 6) {
    j.u = 7;
    call(j, ADD, SUM, A, q, qWin);
  } else {
    var nz = ((0 - j.d) >>> 31) & 1; // d != 0
    ptSel(A, SUM, nz & (j.inf ^ 1));
    ptSel(A, q, nz & j.inf);
    j.inf &= nz ^ 1;
    j.u = 0;
    if (--j.i < 0) j.f = j.nx;
  }
}

// ---- affine coordinates ------------------------------------------------------------------

/**
 * Affine x (and y if j.wy) of j.A as big-endian bytes into j.o at j.oo (j.ok false at
 * infinity), then j.nx. Z^-1 = Z^(p-2): the table W (a step per entry), then the windows (a
 * step per squaring or multiplication).
 */
function affine(j: Job, then: (j: Job) => void): void {
  j.nx = then;
  var z = new Uint16Array(16);
  fcanon(z, j.A.z);
  WK.c += 1.7;
  j.ok = !isZero(z);
  j.f = then;
  if (!j.ok) return;
  copy(W[0], j.A.z);
  j.e = 1;
  j.f = invW;
}

function invW(j: Job): void {
  fmul(W[j.e], W[j.e - 1], j.A.z);
  WK.c += 1;
  if (++j.e < 15) return;
  copy(ACC, F1);
  j.i = 63;
  j.u = 0;
  j.f = invE;
}

function invE(j: Job): void {
  if (j.u < 4) {
    fsqr(ACC, ACC);
    WK.c += 0.9;
    j.u++;
    return;
  }
  var d = (E2[j.i >> 2] >> (4 * (j.i & 3))) & 15;
  if (d) {
    fmul(ACC, ACC, W[d - 1]);
    WK.c += 1;
  }
  j.u = 0;
  if (--j.i < 0) j.f = afX;
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
  WK.c += 3.8;
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

export { affine, decodeA, decodeB, mulG, mulQ, validScalar };
