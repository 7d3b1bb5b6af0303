// Ed25519 (RFC 8032 §5.1) signing and verification as Jobs run in steps (c25519.ts), on
// tweetnacl's field arithmetic. Points are extended (X, Y, Z, T), x = X/Z, y = Y/Z, xy = T/Z;
// the formulas (doubling dbl-2008-hwcd with a = -1, addition add-2008-hwcd-3) are complete on
// this curve: no exceptional cases. Signatures are the same bytes as tweetnacl's crypto_sign
// and node:crypto's (Ed25519 is deterministic).
//
// Signing multiplies B by a secret r: 2-bit fixed windows over a table of 0, B, 2B, 3B, every
// window two doublings, an arithmetic select that reads all four entries, and one addition (no
// branch or index on r's bits). Verification (public inputs, variable time): one
// double-scalar multiplication [S]B + [h](-A) (Straus: doublings shared); S >= L and
// non-canonical A are refused (RFC 8032 §5.1.7), and anything malformed gives false, never throws.
import type { CryptoBackend } from '../ports';
import { fromHex } from '../bytes';
import { call, digits, fe, feBytes, Fe, INV, Job, job, low, modL, POW2523, regs, sha512 } from './c25519';
import { add25519, mul25519, sub25519 } from './c25519-mul';

// Registers of the point programs: a b c d the result (X Y Z T); e f g h the first operand;
// i j k l the second; m .. t temporaries; u 2d (ADD) or zero (DBL). The result may be an
// operand: every operand is read before the result is written.
/** r = 2p: A = X², B = Y², C = 2Z², E = (X+Y)² - A - B, G = B - A, F = G - C, H = -A - B; X = EF, Y = GH, T = EH, Z = FG. */
var DBL = 'sme_snf_sog_+ooo+pefspp_-ppm-ppn-qnm-rqo+smn-sus*apr*bqs*dps*crq';
/** r = p + q: A = (Y1-X1)(Y2-X2), B = (Y1+X1)(Y2+X2), C = 2d T1 T2, D = 2 Z1 Z2, E = B - A, F = D - C, G = D + C, H = B + A; X = EF, Y = GH, Z = FG, T = EH. */
var ADD = '-mfe-nji*mmn+nfe+oji*nno*ohl*oou*pgk+ppp-qnm-rpo+spo+tnm*aqr*bst*crs*dqt';

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

/** The job's working registers: temporaries m..t, then 2d (u; also the zero of DBL's negation: see below). */
function work(j: Job): void {
  var t = regs(8), d2 = low.gf();
  add25519(d2, low.D, low.D);
  j.tm = t;
  j.d2 = d2;
  j.zr = low.gf();
}

/** Runs DBL (q null) or ADD: r = p + q. */
function pt(j: Job, r: Fe[], p: Fe[], q: Fe[] | null, then: (j: Job) => number): number {
  var t = j.tm as Fe[], o = q || p;
  // DBL reads u as zero (H = 0 - (A + B)); ADD reads it as 2d
  return call(j, q ? ADD : DBL, [r[0], r[1], r[2], r[3], p[0], p[1], p[2], p[3], o[0], o[1], o[2], o[3], t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], q ? j.d2 : j.zr], then);
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
  return modL(j, sTable);
}

/** The table 0, B, 2B, 3B (2B by a doubling, 3B by an addition), then the windows from the top. */
function sTable(j: Job): number {
  j.rs = j.mo;
  work(j);
  var tb = [zeroPt(), point(fe(fromHex(BX)!), fe(fromHex(BY)!)), zeroPt(), zeroPt()];
  j.tb = tb;
  j.Q = zeroPt();
  j.S = zeroPt();
  j.i = 126;
  j.u = 0;
  return pt(j, tb[2], tb[1], null, sTable3) + 2.8;
}

function sTable3(j: Job): number {
  return pt(j, j.tb[3], j.tb[2], j.tb[1], sWin);
}

/** Window j.i (bits 2i+1, 2i of r): double (u 0, 1), select (2), add (3). */
function sWin(j: Job): number {
  var u = j.u, Q = j.Q as Fe[];
  if (j.i < 0) return affine(j, Q, sR);
  j.u = (u + 1) & 3;
  if (u < 2) return pt(j, Q, Q, null, sWin);
  if (u === 3) {
    j.i--;
    return pt(j, Q, Q, j.S, sWin);
  }
  // S = tb[d] for the window's digit d, reading every entry: S += (tb[e] - S) * (d == e)
  var d = (j.rs[j.i >> 2] >> ((j.i & 3) * 2)) & 3, S = j.S as Fe[], tb = j.tb as Fe[][];
  for (var e = 0; e < 4; e++) {
    var m = ((d ^ e) - 1) >>> 31;
    for (var c = 0; c < 4; c++) {
      var s = S[c], t = tb[e][c];
      for (var k = 0; k < 16; k++) s[k] += (t[k] - s[k]) * m;
    }
  }
  return 2.4;
}

/** R = [r]B encoded; h = SHA-512(R ‖ A ‖ M) mod L. */
function sR(j: Job): number {
  j.R = enc(j);
  j.tb = j.Q = j.S = null;
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
  return modL(j, vTable) + 3.8;
}

/** h; the table B, -A, B - A; the accumulator. */
function vTable(j: Job): number {
  j.h = j.mo;
  j.B = point(fe(fromHex(BX)!), fe(fromHex(BY)!));
  j.BA = zeroPt();
  j.Q = zeroPt();
  j.i = 252;
  j.u = 0;
  return pt(j, j.BA, j.B, j.A, vLoop) + 2;
}

/** Bit j.i (S and h are below L < 2^253): double (u 0), add B, -A or B - A as the bits say (1). */
function vLoop(j: Job): number {
  var i = j.i, Q = j.Q as Fe[];
  if (i < 0) return affine(j, Q, vEnd);
  if (!j.u) {
    j.u = 1;
    return pt(j, Q, Q, null, vLoop);
  }
  j.u = 0;
  j.i = i - 1;
  var hb = (j.h[i >> 3] >> (i & 7)) & 1, sb = (j.sx[32 + (i >> 3)] >> (i & 7)) & 1;
  return hb || sb ? pt(j, Q, Q, hb && sb ? j.BA : hb ? j.A : j.B, vLoop) : 0.1;
}

function vEnd(j: Job): number {
  var r = enc(j), s = j.sx as Uint8Array, d = 0;
  for (var i = 0; i < 32; i++) d |= r[i] ^ s[i];
  j.r = !d;
  j.f = null;
  return 4;
}
