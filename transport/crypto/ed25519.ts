// Ed25519 (RFC 8032 §5.1) signing and verification as Jobs run in steps (c25519.ts), on
// tweetnacl's field arithmetic. Points are extended (X, Y, Z, T), x = X/Z, y = Y/Z, xy = T/Z;
// the formulas (doubling dbl-2008-hwcd with a = -1, addition add-2008-hwcd-3 and its mixed
// form) are complete on this curve: no exceptional cases. Signatures are the same bytes as
// tweetnacl's crypto_sign and node:crypto's (Ed25519 is deterministic).
//
// Signing multiplies B by a secret r: a 5-tooth comb over a generated table of 32 sums of B's
// multiples (mulB: 50 doublings, 51 additions; every column reads every entry through a mask, no
// branch or index on r's bits). X25519's public key is the same comb (x25519.ts). Verification
// (public inputs, variable time): one double-scalar multiplication [S]B + [h](-A) (Straus:
// doublings shared, signed digits up to 7 over tables of 1, 3, 5, 7 times B and -A); S >= L and
// non-canonical A are refused (RFC 8032 §5.1.7), and anything malformed gives false, never throws.
import type { CryptoBackend } from '../ports';
import { b64dec, fromHex } from '../bytes';
import { call, digits, fe, feBytes, Fe, INV, Job, job, low, modL, POW2523, regs, sha512 } from './c25519';
import { add25519, edCombB64, mul25519, sub25519 } from './c25519-mul';
import { convolve } from './convolve';

// ---- point formulas -------------------------------------------------------------------
//
// Plain calls, one formula a piece of a step (an interpreted micro-program cost ~26 % more on
// P-256, docs/p256.md). m: the job's temporaries (j.tm). The result may be an operand: every
// operand is read before the result is written.

/** r = 2p (dbl-2008-hwcd, a = -1), all four coordinates negated (the same point); T only when `t` (the next formula reads it): 4 squarings + 3 or 4 products. */
function dbl(r: Fe[], p: Fe[], m: Fe[], t: boolean): number {
  var A = m[0], B = m[1], C = m[2], E = m[3], F = m[4], H = m[5];
  mul25519(A, p[0], p[0]);
  mul25519(B, p[1], p[1]);
  mul25519(C, p[2], p[2]);
  add25519(C, C, C);
  add25519(E, p[0], p[1]);
  mul25519(E, E, E);
  // H' = A + B = -H; E = (X + Y)² - A - B; G = B - A (in B); F' = C - G = -F
  add25519(H, A, B);
  sub25519(E, E, H);
  sub25519(B, B, A);
  sub25519(F, C, B);
  // X = E F', Y = G H', Z = F' G, T = E H': each coordinate the negated formula's
  mul25519(r[0], E, F);
  mul25519(r[1], B, H);
  mul25519(r[2], F, B);
  if (t) mul25519(r[3], E, H);
  return t ? 3.4 : 3;
}

/**
 * r = p + q, q cached (Y + X, Y - X, 2Z, 2dT), negated when s is 1 (add-2008-hwcd-3): A = (Y1 -
 * X1)(Y2 - X2), B = (Y1 + X1)(Y2 + X2), C = T1 2dT2, D = Z1 2Z2, E = B - A, F = D - C, G = D + C,
 * H = B + A; X = EF, Y = GH, Z = FG, T = EH: 8 products. -q swaps Y + X and Y - X and negates C.
 */
function addc(r: Fe[], p: Fe[], q: Fe[], s: number, m: Fe[]): number {
  var A = m[0], B = m[1], C = m[2], D = m[3];
  sub25519(A, p[1], p[0]);
  mul25519(A, A, q[1 - s]);
  add25519(B, p[1], p[0]);
  mul25519(B, B, q[s]);
  mul25519(C, p[3], q[3]);
  mul25519(D, p[2], q[2]);
  return fin(r, s, m);
}

/** r = p + n, n affine (y + x, y - x, 2dxy) (madd-2008-hwcd-3): addc's with Z2 = 1, 7 products. */
function madd(r: Fe[], p: Fe[], n: Fe[], m: Fe[]): number {
  var A = m[0], B = m[1], D = m[3];
  sub25519(A, p[1], p[0]);
  mul25519(A, A, n[1]);
  add25519(B, p[1], p[0]);
  mul25519(B, B, n[0]);
  mul25519(m[2], p[3], n[2]);
  add25519(D, p[2], p[2]);
  return fin(r, 0, m) - 0.4;
}

/** The end of an addition: E, F, G, H from A B C D (m[0..3]; C negated when s is 1), then the four products. */
function fin(r: Fe[], s: number, m: Fe[]): number {
  var A = m[0], B = m[1], C = m[2], D = m[3], E = m[4], F = m[5];
  sub25519(E, B, A);
  add25519(B, B, A);
  if (s) {
    add25519(F, D, C);
    sub25519(D, D, C);
  } else {
    sub25519(F, D, C);
    add25519(D, D, C);
  }
  // B is H, D is G
  mul25519(r[0], E, F);
  mul25519(r[1], D, B);
  mul25519(r[2], F, D);
  mul25519(r[3], E, B);
  return 3.4;
}

/** c = p cached for addc: (Y + X, Y - X, 2Z, 2dT). */
function cache(c: Fe[], p: Fe[], d2: Fe): void {
  add25519(c[0], p[1], p[0]);
  sub25519(c[1], p[1], p[0]);
  add25519(c[2], p[2], p[2]);
  mul25519(c[3], p[3], d2);
}

/** The base point B (RFC 8032 §5.1): x, y little-endian hex; sqrt(-1) mod p (strings: 6 variables each on Espruino, an array of 32 numbers 33). */
var BX = '1ad5258f602d56c9b2a7259560c72c695cdcd6fd31e2a4c0fe536ecdd3366921';
var BY = '5866666666666666666666666666666666666666666666666666666666666666';
var SQRTM1 = 'b0a00e4a271beec478e42fad0618432fa7d7fb3d99004d2b0bdfc14f8024832b';

/** The point [x, y, 1, xy]. */
function point(x: Fe, y: Fe): Fe[] {
  var t = low.gf();
  mul25519(t, x, y);
  return [x, y, low.gf([1]), t];
}

/** The neutral point (0, 1, 1, 0). */
function zeroPt(): Fe[] {
  return [low.gf(), low.gf([1]), low.gf([1]), low.gf()];
}

/** The job's working registers: 6 temporaries (the formulas', affine()'s and vPow()'s), 2d, and a zero (negations). */
function work(j: Job): void {
  var t = regs(6), d2 = low.gf();
  add25519(d2, low.D, low.D);
  j.tm = t;
  j.d2 = d2;
  j.zr = low.gf();
}

// ---- k·B: a comb over a generated table ------------------------------------------------------
//
// k (32 little-endian bytes, below 2^255) as 5 rows of 51 bits: column c (50..0) is the digit
// k_c + 2 k_(51+c) + 4 k_(102+c) + 8 k_(153+c) + 16 k_(204+c), and k·B = sum 2^c T[digit], T[e]
// the sum over e's set bits i of 2^(51 i) B (edCombB64, generated; T[0] the neutral point). 50
// doublings and 51 mixed additions instead of 2-bit windows' 252 and 126 additions. The digit is
// secret: it picks no branch and no index; a one-hot mask made by arithmetic is multiplied into
// every entry by E.convolve (convolve.ts), one native call a limb, as P-256's comb (p256-mul.ts).
// The formulas are complete: no case for the neutral point or equal points.

declare var E: { toUint8Array?: (s: string) => Uint8Array } | undefined;
declare function atob(s: string): string;

/** j.Q = k·B (extended), then `then`. The table (3 KB) is decoded for this operation and let go at its end. */
export function mulB(j: Job, k: Uint8Array, then: (j: Job) => number): number {
  var u = b64(edCombB64());
  if (!j.tm) work(j);
  j.cb = new Uint16Array(u.buffer, u.byteOffset, 1536);
  j.mk = new Int32Array(32);
  j.nl = regs(3);
  j.ck = k;
  j.Q = zeroPt();
  j.i = 50;
  j.u = 1;
  j.nx = then;
  j.f = comb;
  return 1;
}

/** Base64 to bytes: Espruino's native atob and E.toUint8Array; elsewhere (Node, the simulator's vm contexts of Espruino: no atob there) bytes.ts's loop. */
function b64(s: string): Uint8Array {
  return typeof E !== 'undefined' && E.toUint8Array && typeof atob === 'function' ? E.toUint8Array(atob(s)) : b64dec(s)!;
}

/** Column j.i: double (u 0; not before the first), digit and table read (1), add (2). */
function comb(j: Job): number {
  var u = j.u, Q = j.Q as Fe[];
  if (u === 0) {
    j.u = 1;
    return dbl(Q, Q, j.tm, true);
  }
  if (u === 2) {
    j.u = 0;
    if (--j.i < 0) {
      j.f = j.nx;
      j.cb = j.mk = null;
    }
    return madd(Q, Q, j.nl, j.tm);
  }
  var k = j.ck as Uint8Array, c = j.i, d = 0, b, i, M = j.mk as Int32Array, T = j.cb, n = j.nl as Fe[], cv = convolve;
  for (i = 0; i < 5; i++) {
    b = 51 * i + c;
    d |= ((k[b >> 3] >> (b & 7)) & 1) << i;
  }
  for (i = 0; i < 32; i++) M[i] = ((i ^ d) - 1) >>> 31;
  // limb m of the entry: the masked sum over the 32 entries' limb m (T[32 m + e])
  for (i = 0; i < 48; i++) n[i >> 4][i & 15] = cv(M, T, 32 * i);
  j.u = 2;
  return 1.2;
}

/** Affine x, y of point p into j.ex, j.ey (1/Z by INV, then two products), then `then`, which encodes them (enc). */
function affine(j: Job, p: Fe[], then: (j: Job) => number): number {
  var t = j.tm as Fe[];
  j.ex = low.gf();
  j.ey = low.gf();
  return call(j, INV + '*igb*jhb', [p[2], t[4], t[0], t[1], t[2], t[3], p[0], p[1], j.ex, j.ey], then);
}

/** The encoding of the affine point (RFC 8032 §5.1.2): y with x's parity in the top bit. */
function enc(j: Job): Uint8Array {
  var r = feBytes(j.ey);
  r[31] ^= (feBytes(j.ex)[0] & 1) << 7;
  return r;
}

function cat(a: Uint8Array, b: Uint8Array, c: Uint8Array): Uint8Array {
  var o = new Uint8Array(a.length + b.length + c.length);
  o.set(a);
  o.set(b, a.length);
  o.set(c, a.length + b.length);
  return o;
}

// ---- signing -------------------------------------------------------------------------------

/** Ed25519 signature (64 bytes) of `msg` with the 32-byte seed and its public key, as a job. */
export function ed25519SignJob(msg: Uint8Array, seed: Uint8Array, pub: Uint8Array, c: CryptoBackend | null): Job {
  return edJob(sStart, null, msg, seed, pub, c);
}

/** A signing or verification job: the message, the seed or signature (sx), the public key, the backend (its SHA-512). */
function edJob(first: (j: Job) => number, fail: any, msg: Uint8Array, sx: Uint8Array, pub: Uint8Array, c: CryptoBackend | null): Job {
  var j = job(first, fail);
  j.m = msg;
  j.sx = sx;
  j.pb = pub;
  j.c = c;
  return j;
}

/** §5.1.6 steps 1–2: s from the seed's hash, r = SHA-512(prefix ‖ M) mod L. */
function sStart(j: Job): number {
  var h = sha512(j.c, j.sx), a = new Uint8Array(h.subarray(0, 32));
  a[0] &= 248;
  a[31] = (a[31] & 127) | 64;
  j.a = a;
  j.mx = digits(sha512(j.c, cat(h.subarray(32), j.m, new Uint8Array(0))));
  return modL(j, sComb);
}

/** R = [r]B by the comb, then its affine x, y. */
function sComb(j: Job): number {
  j.rs = j.mo;
  return mulB(j, j.rs, sAff);
}

function sAff(j: Job): number {
  return affine(j, j.Q, sR);
}

/** R = [r]B encoded; h = SHA-512(R ‖ A ‖ M) mod L. */
function sR(j: Job): number {
  j.R = enc(j);
  j.Q = j.nl = null;
  j.mx = digits(sha512(j.c, cat(j.R, j.pb, j.m)));
  return modL(j, sProd) + 4;
}

/** S = (r + h s) mod L: the product a few rows a piece, then the reduction. */
function sProd(j: Job): number {
  var x = j.mx as Float64Array;
  if (!j.hs) {
    j.hs = j.mo;
    x = j.mx = digits(j.rs);
    j.i = 0;
  }
  var h = j.hs as Uint8Array, a = j.a as Uint8Array, i = j.i, e = i + 4;
  for (; i < e; i++) for (var k = 0; k < 32; k++) x[i + k] += h[i] * a[k];
  j.i = i;
  if (i === 32) return modL(j, sEnd) + 1.4;
  return 1.4;
}

function sEnd(j: Job): number {
  var sig = new Uint8Array(64);
  sig.set(j.R);
  sig.set(j.mo, 32);
  j.r = sig;
  j.f = null;
  return 0.1;
}

// ---- verification --------------------------------------------------------------------------

// Decoding A (RFC 8032 §5.1.3), registers: a y, b u = y² - 1, c v = d y² + 1, d t, e x, f 1, g d.
// x = u v³ (u v⁷)^((p-5)/8): the program leaves u v³ in e and u v⁷ in d for POW2523.
var DEC = 'sba_*cbg-bbf+ccfsdc_*ddc*edbsdd_*ddc*ddb';

/** Ed25519 verification of a 64-byte signature by a 32-byte public key, as a job: r true or false. */
export function ed25519VerifyJob(msg: Uint8Array, sig: Uint8Array, pub: Uint8Array, c: CryptoBackend | null): Job {
  return edJob(vStart, false, msg, sig, pub, c);
}

function vStart(j: Job): number {
  var sig = j.sx as Uint8Array, p = j.pb as Uint8Array, L = low.L, i = 31;
  j.f = null;
  if (sig.length !== 64 || p.length !== 32) return 0.1;
  // S < L (no malleable signatures)
  while (i > 0 && sig[32 + i] === L[i]) i--;
  if (sig[32 + i] >= L[i]) return 0.1;
  // y canonical (< p): its packed form is the input without the sign bit
  var y = fe(p), b = feBytes(y);
  for (i = 0; i < 32; i++) if (b[i] !== (i === 31 ? p[31] & 127 : p[i])) return 0.1;
  work(j);
  var g = regs(7);
  g[0] = y;
  g[5][0] = 1;
  low.set25519(g[6], low.D);
  g.push(fe(fromHex(SQRTM1)!));
  j.dg = g;
  j.u = 0;
  return call(j, DEC, g, vPow) + 3.3;
}

/** (u v⁷)^((p-5)/8), then x = u v³ (u v⁷)^((p-5)/8). */
function vPow(j: Job): number {
  var g = j.dg as Fe[], t = j.tm as Fe[];
  return call(j, POW2523 + '*ffb', [g[3], g[3], t[0], t[1], t[2], g[4]], vRoot);
}

/** x² v is u (x is a root), or -u (then x sqrt(-1) is: h = sqrt(-1)), or neither (A is not a point). */
function vRoot(j: Job): number {
  var g = j.dg as Fe[], t = g[3], d = g[6];
  mul25519(t, g[4], g[4]);
  mul25519(t, t, g[2]);
  sub25519(d, t, g[1]);
  var z = feBytes(d), n = 0;
  for (var i = 0; i < 32; i++) n |= z[i];
  if (!n) {
    j.f = vSign;
    return 4;
  }
  if (j.u++) {
    j.f = null;
    return 4;
  }
  return call(j, '*eeh', g, vRoot) + 4;
}

/** x's sign from the top bit of A (x = 0 with the bit set is refused), then A negated: -A = (-x, y, 1, -xy). */
function vSign(j: Job): number {
  var g = j.dg as Fe[], x = g[4], b = feBytes(x), p = j.pb as Uint8Array, n = 0;
  for (var i = 0; i < 32; i++) n |= b[i];
  j.f = null;
  if ((b[0] & 1) !== p[31] >> 7) {
    if (!n) return 2;
    sub25519(x, j.zr, x);
  }
  var A = point(x, g[0]);
  sub25519(A[0], j.zr, A[0]);
  sub25519(A[3], j.zr, A[3]);
  j.A = A;
  j.dg = null;
  j.mx = digits(sha512(j.c, cat((j.sx as Uint8Array).subarray(0, 32), p, j.m)));
  j.u = 0;
  return modL(j, vTable) + 3.8;
}

// [S]B + [h](-A) (Straus, both scalars public): the doublings shared, each scalar in signed
// digits (naf()), odd and at most 7 in size, one addition of a table entry a nonzero digit
// (~1 in 5 bits each), the tables 1, 3, 5 and 7 times B and -A in addc's cached form.

/**
 * Signed digits of the 256-bit little-endian s[o..o+31] (below 2^253): r[i] odd in -7..7 or 0,
 * sum r[i] 2^i = s, nonzero ones at least 4 places apart (width-4 NAF, the windows read 4 bits
 * at a time as libsecp256k1's ecmult_wnaf does: ~100 turns of the loop where a bit at a time
 * took ~24 field multiplications' time on Espruino).
 */
export function naf(s: Uint8Array, o: number): Int8Array {
  var r = new Int8Array(256), i = 0, c = 0, q, w;
  while (i < 256) {
    q = o + (i >> 3);
    if (((s[q] >> (i & 7)) & 1) === c) {
      i++;
      continue;
    }
    // the 4 bits at i (the byte after s[o + 31] reads as undefined: 0) plus the carry: odd, 1..15
    w = (((s[q] | (s[q + 1] << 8)) >> (i & 7)) & 15) + c;
    c = w >> 3;
    r[i] = w - (c << 4);
    i += 4;
  }
  return r;
}

/** h and its digits (u 0), S's (1); then the tables of -A and B. */
function vTable(j: Job): number {
  if (!j.u) {
    j.h = j.mo;
    j.hn = naf(j.h, 0);
    j.u = 1;
    return 2.2;
  }
  j.sn = naf(j.sx, 32);
  j.c2 = [low.gf(), low.gf(), low.gf(), low.gf()];
  j.W = zeroPt();
  j.T = new Int32Array(256);
  j.P = j.A;
  j.e = 0;
  j.nx = vTableB;
  j.f = odd;
  return 2.5;
}

function vTableB(j: Job): number {
  j.A = null;
  j.TA = j.T;
  j.T = new Int32Array(256);
  j.P = point(fe(fromHex(BX)!), fe(fromHex(BY)!));
  j.e = 0;
  j.nx = vStartLoop;
  j.f = odd;
  return 1;
}

/** The cached P, 3P, 5P, 7P of j.P (extended) into j.T, one formula a piece (W: the last multiple, c2: 2P cached), then j.nx. */
function odd(j: Job): number {
  var e = j.e++, P = j.P as Fe[], W = j.W as Fe[];
  if (e === 1) {
    cache(j.c2, W, j.d2);
    return addc(W, P, j.c2, 0, j.tm) + 0.5;
  }
  cache(ent(j.T, e ? e - 1 : 0), e ? W : P, j.d2);
  if (!e) return dbl(W, P, j.tm, true) + 0.5;
  if (e < 4) return addc(W, W, j.c2, 0, j.tm) + 0.5;
  j.f = j.nx;
  return 0.5;
}

/**
 * Entry e of a table of 4 cached points packed in one Int32Array (the limbs, loosely reduced,
 * fit): views of its 4 coordinates, made for each use. One array a table instead of 16 (and 5
 * arrays of them) holds ~70 variables fewer on Espruino while the verification runs.
 */
function ent(T: Int32Array, e: number): Fe[] {
  var o = 64 * e;
  return [T.subarray(o, o + 16), T.subarray(o + 16, o + 32), T.subarray(o + 32, o + 48), T.subarray(o + 48, o + 64)] as unknown as Fe[];
}

function vStartLoop(j: Job): number {
  var i = 255;
  while (i > 0 && !j.hn[i] && !j.sn[i]) i--;
  j.TB = j.T;
  j.P = j.W = j.c2 = j.T = null;
  j.Q = zeroPt();
  j.i = i;
  j.u = 0;
  j.f = vLoop;
  return 0.5;
}

/** Digit place j.i: double (u 0; T only when an addition follows), add -A's entry (1), B's (2). */
function vLoop(j: Job): number {
  var i = j.i, Q = j.Q as Fe[], u = j.u, a, b;
  if (i < 0) {
    j.hn = j.sn = j.TA = j.TB = null;
    return affine(j, Q, vEnd);
  }
  a = j.hn[i];
  b = j.sn[i];
  if (u === 0) {
    j.u = 1;
    return dbl(Q, Q, j.tm, !!(a || b));
  }
  if (u === 1) {
    j.u = 2;
    return a ? addc(Q, Q, ent(j.TA, (a < 0 ? -a : a) >> 1), a < 0 ? 1 : 0, j.tm) : 0.05;
  }
  j.u = 0;
  j.i = i - 1;
  return b ? addc(Q, Q, ent(j.TB, (b < 0 ? -b : b) >> 1), b < 0 ? 1 : 0, j.tm) : 0.05;
}

function vEnd(j: Job): number {
  var r = enc(j), s = j.sx as Uint8Array, d = 0;
  for (var i = 0; i < 32; i++) d |= r[i] ^ s[i];
  j.r = !d;
  j.f = null;
  return 4;
}
