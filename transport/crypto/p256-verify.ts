// ECDSA P-256 verification as a Job (FIPS 186-4 §6.4.2; p256.ts has the whole design): strict
// DER, s^-1 (p256-ninv.ts), then u1*G + u2*Q (public inputs: variable time) by Shamir's
// trick over a width-5 NAF of u1 (G's odd multiples read from their hex when added: no table
// held) and a width-3 NAF of u2 (Q and 3Q held): the least memory (the firmware package's
// verifier); or, in a job p256-vtable.ts made, by two combs over G's table and one of Q.
import { F1, N, N_R2, P, copy, fe, fmul, fromBytes, fsqr, fsub, isZero, less, nmul, oddGHex, same, scalarMod, toBytes } from './p256-field';
import type { Job, P256Job } from './p256-job';
import { ADD, DBL, HH, MADD, Q, RR, WK, call, fcanon, job, p256Finish, pt, ptCopy, tmpPt } from './p256-job';
import { decodeA, decodeB, validScalar } from './p256-mul';
import { ninv } from './p256-ninv';

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
    if (sig[at]) return -1; // 33 bytes only as 00 ‖ a byte with its high bit set
    at++;
    len--;
  }
  for (var i = 0; i < 32; i++) v[i] = i < 32 - len ? 0 : sig[at + i - (32 - len)];
  return at + len;
}

/**
 * ECDSA verification (FIPS 186-4 §6.4.2) of a DER signature over a SHA-256 hash with the
 * public point 04||X||Y, as a job: r is true or false (anything malformed); never throws.
 * `make`: p256-vtable.ts's (the job makes a table: the working storage it needs).
 */
export function p256VerifyJob(pubPoint65: Uint8Array, hash32: Uint8Array, derSig: Uint8Array, make?: boolean): P256Job {
  var j = job(verA, false, !make);
  j.r = false;
  j.b = pubPoint65;
  j.h = hash32;
  j.sg = derSig;
  return j;
}

function verA(j: Job): void {
  var sig = j.sg as Uint8Array, hash = j.h as Uint8Array;
  j.f = null;
  if (!sig || !hash || hash.length !== 32) return;
  // SEQUENCE with a short-form length (a P-256 signature is at most 72 bytes), nothing after it.
  if (sig.length < 8 || sig[0] !== 0x30 || sig[1] > 0x7f || sig[1] !== sig.length - 2) return;
  var rb = new Uint8Array(32), sb = new Uint8Array(32);
  var o = derIntIn(sig, 2, sig.length, rb);
  if (o < 0) return;
  o = derIntIn(sig, o, sig.length, sb);
  if (o !== sig.length) return;
  if (!validScalar(rb) || !validScalar(sb)) return;
  j.rb = rb;
  j.sb = sb;
  // ~10 M; with decodeA in the same piece it was ~31 M, weighed 3.8 (bench:board --only p256-pieces, 2026-12-07)
  WK.c += 1.9;
  j.f = verA2;
}

function verA2(j: Job): void {
  j.P = pt();
  j.c = new Uint16Array(16);
  j.f = decodeA(j.P, j.b, j.c) ? verB : null;
}

function verB(j: Job): void {
  if (!decodeB(j.P, j.c)) {
    j.f = null;
    return;
  }
  delete j.c;
  var w = new Uint16Array(16);
  fromBytes(w, j.sb, 0);
  delete j.sb;
  ninv(j, w, verU); // s^-1
}

// u1, u2 in two pieces (~8 M a product mod n: the three in one piece with the rest were ~36 M,
// weighed 3; bench:board --only p256-pieces, 2026-12-07)
function verU(j: Job): void {
  var e = new Uint16Array(16), w = new Uint16Array(16), r = new Uint16Array(16);
  scalarMod(e, j.h);
  fromBytes(r, j.rb, 0);
  delete j.rb;
  nmul(w, j.iv, N_R2); // s^-1 R
  delete j.iv;
  j.r16 = r;
  j.e16 = e;
  j.iv = w;
  WK.c += 2.6;
  j.f = verU2;
}

function verU2(j: Job): void {
  var w = j.iv, u = new Uint16Array(16), u1 = new Uint8Array(32), u2 = new Uint8Array(32);
  nmul(u, j.e16, w); // u1 = e s^-1
  toBytes(u1, 0, u);
  nmul(u, j.r16, w); // u2 = r s^-1
  toBytes(u2, 0, u);
  delete j.iv;
  delete j.e16;
  WK.c += 4.4;
  j.k1 = u1;
  j.k2 = u2;
  // a job of p256-vtable.ts: the combs over Q's table, given or made (j.vt: its functions)
  var vt = j.vt;
  if (vt && vt.ok(j.tq, j.b)) return vt.combs(j, verEnd);
  j.tq = null;
  if (vt && j.mk) return vt.make(j, verEnd);
  // u1*G + u2*Q by Shamir's trick (public values: variable time is fine): 256 doublings shared
  // by both; about 43 mixed additions of G's odd multiples (width-5 NAF of u1; each point read
  // from the generated hex when added, affine) and about 64 additions of Q's (width-3 NAF of
  // u2; Q, 3Q Jacobian). Held: 2 points and two digit arrays, not 16 points (memory over time:
  // the check runs while the device serves; width 4 was 31 steps fewer for 58 more variables).
  j.n1 = new Int8Array(257);
  j.n2 = new Int8Array(257);
  j.w1 = wnafStart(u1);
  j.w2 = wnafStart(u2);
  j.i = 0;
  j.f = verNaf;
}

/** 8 digits of both NAFs a piece. */
function verNaf(j: Job): void {
  for (var m = 0; m < 8 && j.i <= 256; m++, j.i++) {
    j.n1[j.i] = wnafDigit(j.w1, 5);
    j.n2[j.i] = wnafDigit(j.w2, 3);
  }
  // 16 digits were ~32 M x86 instructions on the stand-in (callgrind, 2026-12-07)
  WK.c += 3.3;
  if (j.i <= 256) return;
  delete j.w1;
  delete j.w2;
  // Q (decoded, z = 1) and 3Q = Q + 2Q (2Q in tmpPt)
  j.tq = [j.P, pt()];
  j.e = 0;
  call(j, DBL, tmpPt, j.P, null, verTq);
}

function verTq(j: Job): void {
  var e = ++j.e;
  if (e < 2) return call(j, ADD, j.tq[e], j.tq[e - 1], tmpPt, verTq);
  j.i = 256;
  j.u = 0;
  j.inf = 1;
  j.f = verLoop;
}

/** Bit j.i: double (u 0), add G's digit (1), Q's digit (2); after an addition (3, 4) its exceptional cases. */
function verLoop(j: Job): void {
  var u = j.u, dd;
  if (u === 0) {
    j.u = 1;
    if (!j.inf) call(j, DBL, j.A, j.A, null, verLoop);
    return;
  }
  if (u < 3) {
    dd = u === 1 ? j.n1[j.i] : j.n2[j.i];
    j.u = u + 2;
    if (!dd) return verNext(j);
    var b = Q, a = dd < 0 ? -dd : dd, m;
    if (u === 1) {
      // G's odd multiple a (1, 3, .., 15), affine, from its hex
      var hx = oddGHex();
      for (m = 0; m < 16; m++) {
        b.x[m] = parseInt(hx.substr(128 * (a >> 1) + 60 - 4 * m, 4), 16);
        b.y[m] = parseInt(hx.substr(128 * (a >> 1) + 124 - 4 * m, 4), 16);
      }
      copy(b.z, F1);
      WK.c += 0.6;
    } else ptCopy(b, j.tq[a >> 1]);
    if (dd < 0) fsub(b.y, NONE16, b.y);
    if (j.inf) {
      ptCopy(j.A, b);
      j.inf = 0;
      return verNext(j);
    }
    ptCopy(tmpPt, j.A);
    return call(j, u === 1 ? MADD : ADD, j.A, j.A, b, verLoop);
  }
  // acc += b exactly: H = 0 and r = 0, acc was b: double it (b is tmpPt); H = 0 alone, acc was -b
  fcanon(CH, HH);
  WK.c += 1.7;
  if (isZero(CH)) {
    fcanon(CH, RR);
    if (isZero(CH)) call(j, DBL, j.A, tmpPt, null, verLoop);
    else j.inf = 1;
  }
  verNext(j);
}

/** After G's digit comes Q's; after Q's the next bit (a doubling started above runs first). */
function verNext(j: Job): void {
  if (j.u === 3) j.u = 2;
  else {
    j.u = 0;
    if (--j.i < 0) j.f = verEnd;
  }
}

/** x(acc) mod n == r  <=>  X == r' Z^2 for r' = r, or r + n if that is < p: no inversion. */
function verEnd(j: Job): void {
  j.f = null;
  var x = new Uint16Array(16);
  // infinity (flagged, or Z = 0) has no x: refused
  fcanon(x, j.A.z);
  WK.c += 1.7;
  if (!j.inf && !isZero(x)) j.f = verEnd1;
}

function verEnd1(j: Job): void {
  j.f = null;
  var z2 = fe(), t = fe(), x = new Uint16Array(16), y = new Uint16Array(16), r = j.r16 as Uint16Array;
  fsqr(z2, j.A.z);
  fcanon(x, j.A.x);
  fmul(t, r, z2);
  fcanon(y, t);
  WK.c += 5.3;
  if (same(x, y)) {
    j.r = true;
    return;
  }
  var c = 0;
  for (var k = 0; k < 16; k++) {
    var v = r[k] + N[k] + c;
    c = v >>> 16;
    r[k] = v & 65535;
  }
  if (c || !less(r, P)) return;
  j.z2 = z2;
  j.f = verEnd2;
}

function verEnd2(j: Job): void {
  var t = fe(), x = new Uint16Array(16), y = new Uint16Array(16);
  fcanon(x, j.A.x);
  fmul(t, j.r16, j.z2);
  fcanon(y, t);
  WK.c += 4.4;
  j.r = same(x, y);
  j.f = null;
}

export function p256Verify(pubPoint65: Uint8Array, hash32: Uint8Array, derSig: Uint8Array): boolean {
  return p256Finish(p256VerifyJob(pubPoint65, hash32, derSig));
}

var CH = new Uint16Array(16);
var NONE16 = new Uint16Array(16);

/**
 * Width-w NAF of a public scalar < 2^256 (big-endian bytes), a digit at a time (wnafDigit from
 * the least significant): digits odd in [-(2^(w-1) - 1), 2^(w-1) - 1] or 0, at most one
 * non-zero in any w consecutive (Hankerson–Menezes–Vanstone Alg. 3.35).
 */
function wnafStart(k: Uint8Array): Uint16Array {
  var a = new Uint16Array(17);
  fromBytes(a, k, 0);
  return a;
}

function wnafDigit(a: Uint16Array, w: number): number {
  var j, d = 0, c, x;
  if (a[0] & 1) {
    d = a[0] & ((1 << w) - 1);
    if (d > 1 << (w - 1)) d -= 1 << w;
    // a -= d (a becomes a multiple of 2^w; a negative d is an addition that may carry)
    c = -d;
    for (j = 0; j < 17 && c; j++) {
      x = a[j] + c;
      c = x < 0 ? -1 : x >> 16;
      a[j] = x & 65535;
    }
  }
  for (j = 0; j < 16; j++) a[j] = (a[j] >> 1) | ((a[j + 1] & 1) << 15);
  a[16] >>= 1;
  return d;
}

