// ECDSA P-256 verification by two combs: u1*G + u2*Q over G's comb table (generated) and Q's,
// which the job is given (from an earlier verification with the same key) or makes here and
// hands out. The jobs are p256-verify.ts's, with these functions on them (j.vt): a build that
// verifies without tables (the firmware package's verifier) carries none of this.
import { F1, combHex, copy, fe, fmul, fsqr, isZero, toBytes } from './p256-field';
import type { Job, P256Job } from './p256-job';
import { ACC, ADD, DBL, HH, MADD, Q, RR, WK, call, fcanon, p256Finish, pt, ptCopy, t2, t3, t4, tmpPt } from './p256-job';
import { p256VerifyJob } from './p256-verify';
import { COMB_COLS, COMB_ENTRIES, combDigit, inverse } from './p256-mul';

// ---- Q's comb table ------------------------------------------------------------------------
//
// The same comb as k*G's (p256-mul.ts): entry d (1..31) is sum over the set bits i of d of
// 2^(52 i) Q, affine, kept as 64 bytes x || y big-endian (31 entries: TABLE_BYTES). Made from Q
// by 208 doublings (the teeth 2^52 Q .. 2^208 Q), 26 additions and one inversion shared by the
// 31 points (Montgomery's trick); the job hands it out (j.tb) for its caller to keep, so that the
// next verification with the same key pays none of it. No addition meets equal or opposite
// points: an entry's lower part is a sum of smaller powers of 2^52 below n.

/** Q's comb table in bytes. */
var TABLE_BYTES = 64 * COMB_ENTRIES;

/** Whether `t` is a comb table of the point 04 || X || Y: its length, and entry 1 is the point. */
function isTableOf(t: Uint8Array | null, q65: Uint8Array): boolean {
  if (!t || t.length !== TABLE_BYTES) return false;
  var d = 0;
  for (var i = 0; i < 64; i++) d |= t[i] ^ q65[i + 1];
  return d === 0;
}

/** j.A = j.k1 * G + j.k2 * Q (j.P, affine) by the combs, making Q's table (j.tb) first; then `then`. */
function vtMake(j: Job, then: (j: Job) => void): void {
  j.nx = then;
  j.T = [];
  j.f = tqNew;
}

/** 8 of the table's points made a piece (~1 M each: the 31 with the piece before were ~68 M, unweighed; bench:board --only p256-pieces, 2026-12-07). */
function tqNew(j: Job): void {
  for (var n = 0; n < 8 && j.T.length < COMB_ENTRIES; n++) j.T.push(pt());
  WK.c += 1.6;
  if (j.T.length < COMB_ENTRIES) return;
  ptCopy(j.T[0], j.P);
  j.e = 0;
  call(j, DBL, j.T[1], j.T[0], null, tqTeeth);
}

/** The doublings: entry 2^i - 1 (zero-based) holds 2^(52 i) Q once its 52 are done. */
function tqTeeth(j: Job): void {
  var e = ++j.e, tooth = (e / 52) | 0;
  if (e === 208) {
    j.e = 2;
    return tqSum(j);
  }
  var r = j.T[(2 << tooth) - 1];
  // the next doubling continues the tooth under way, or starts the next from the one just done
  call(j, DBL, r, e % 52 ? r : j.T[(1 << tooth) - 1], null, tqTeeth);
}

/** Entry d - 1 (d not a power of two) = entry (d less its top bit) - 1 + the tooth of its top bit. */
function tqSum(j: Job): void {
  var d = ++j.e;
  while (d <= COMB_ENTRIES && !(d & (d - 1))) d = ++j.e;
  if (d > COMB_ENTRIES) return tqInvStart(j);
  var top = d & 16 ? 16 : d & 8 ? 8 : d & 4 ? 4 : 2;
  call(j, ADD, j.T[d - 1], j.T[d - top - 1], j.T[top - 1], tqSum);
}

/** Prefix products of the Z's (j.Z[i] = Z0 .. Zi), a few a piece, then their product's inverse. */
function tqInvStart(j: Job): void {
  j.Z = [fe()];
  copy(j.Z[0], j.T[0].z);
  j.e = 1;
  j.f = tqPrefix;
}

function tqPrefix(j: Job): void {
  var Z = j.Z, T = j.T;
  for (var n = 0; n < 8 && j.e < COMB_ENTRIES; n++, j.e++) {
    Z.push(fe());
    fmul(Z[j.e], Z[j.e - 1], T[j.e].z);
  }
  WK.c += 0.45 * n;
  if (j.e < COMB_ENTRIES) return;
  copy(j.A.z, Z[COMB_ENTRIES - 1]);
  j.tb = new Uint8Array(TABLE_BYTES);
  j.n = COMB_ENTRIES - 1;
  inverse(j, tqAffine);
}

/**
 * Entry j.n to affine bytes, x in one piece (u 0), y in the next (u 1): ACC = (Z0 .. Zn)^-1 gives
 * Zn^-1 = ACC Z(n-1) (kept in t2, its square in t3), and ACC Zn for the next entry.
 */
function tqAffine(j: Job): void {
  var e = j.n, p = j.T[e], zi = t2, z2 = t3, c = new Uint16Array(16);
  if (!j.u) {
    if (e) {
      fmul(zi, ACC, j.Z[e - 1]);
      fmul(ACC, ACC, p.z);
    } else copy(zi, ACC);
    fsqr(z2, zi);
    fmul(t4, p.x, z2);
    fcanon(c, t4);
    toBytes(j.tb!, 64 * e, c);
    WK.c += 3.7;
    j.u = 1;
    return;
  }
  fmul(z2, z2, zi);
  fmul(t4, p.y, z2);
  fcanon(c, t4);
  toBytes(j.tb!, 64 * e + 32, c);
  WK.c += 2.8;
  j.u = 0;
  if (--j.n >= 0) return;
  j.T = null;
  j.Z = null;
  j.tq = j.tb;
  vtCombs(j, j.nx!);
}

// ---- u1*G + u2*Q by the two combs ---------------------------------------------------------
//
// 52 columns from the top, the accumulator doubled before each but the first (51 doublings for
// both scalars, not 256), then G's entry for u1's digit and Q's for u2's added (mixed: both
// tables are affine). The addition formula is not complete: equal or opposite points give
// Z = 0 (Z3 = 2 Z1 H, H = 0), which every later formula keeps. So the columns run without
// looking, and only when they end with Z = 0 (an honest signature meets it with negligible
// probability) they run again in exact mode (j.ex), which checks each addition (verExact).

/** j.A = j.k1 * G + j.k2 * Q by the combs over j.tq (isTableOf), then `then`. */
function vtCombs(j: Job, then: (j: Job) => void): void {
  j.nx = then;
  j.hx = combHex();
  j.i = COMB_COLS - 1;
  j.u = 0;
  j.inf = 1;
  j.f = verCol;
}

/** Column j.i: double (u 0), G's digit (1), Q's digit (2). */
function verCol(j: Job): void {
  var u = j.u, A = j.A, b = Q, d, m, o;
  if (u === 0) {
    j.u = 1;
    if (!j.inf) call(j, DBL, A, A, null, verCol);
    return;
  }
  j.u = u + 1;
  d = combDigit(u === 1 ? j.k1 : j.k2, j.i);
  if (u === 2) {
    j.u = 0;
    if (--j.i < 0) j.f = vtEnd;
  }
  if (!d) return;
  if (u === 1) {
    // G's entry from its hex, as gTable reads it
    var hx = j.hx;
    o = 128 * (d - 1);
    for (m = 0; m < 16; m++) {
      b.x[m] = parseInt(hx.substr(o + 60 - 4 * m, 4), 16);
      b.y[m] = parseInt(hx.substr(o + 124 - 4 * m, 4), 16);
    }
  } else {
    var t = j.tq as Uint8Array;
    o = 64 * (d - 1) + 30;
    for (m = 0; m < 16; m++) {
      b.x[m] = (t[o - 2 * m] << 8) | t[o + 1 - 2 * m];
      b.y[m] = (t[o + 32 - 2 * m] << 8) | t[o + 33 - 2 * m];
    }
  }
  WK.c += 0.6;
  if (j.inf) {
    ptCopy(A, b);
    copy(A.z, F1);
    j.inf = 0;
    return;
  }
  if (!j.ex) return call(j, MADD, A, A, b, j.f!);
  ptCopy(tmpPt, A);
  j.nf = j.f;
  call(j, MADD, A, A, b, verExact);
}

var CH = new Uint16Array(16);

/** After an addition in exact mode: H = 0 and r = 0, the points were equal (double the one before); H = 0 alone, opposite. */
function verExact(j: Job): void {
  j.f = j.nf;
  fcanon(CH, HH);
  WK.c += 1.7;
  if (!isZero(CH)) return;
  fcanon(CH, RR);
  if (isZero(CH)) call(j, DBL, j.A, tmpPt, null, j.f!);
  else j.inf = 1;
}

/** The columns ended with Z = 0 (not at infinity): once more in exact mode; else j.nx. */
function vtEnd(j: Job): void {
  var z = new Uint16Array(16);
  fcanon(z, j.A.z);
  WK.c += 1.7;
  j.hx = null;
  if (!j.inf && isZero(z) && !j.ex) {
    j.ex = 1;
    return vtCombs(j, j.nx!);
  }
  j.tq = null;
  j.f = j.nx;
}

var VT = { ok: isTableOf, combs: vtCombs, make: vtMake };

/**
 * p256VerifyJob with Q's comb table: `table`, one an earlier verification with the same key
 * made, used if it is Q's; else with `make` the job makes it (~6 G x86 instructions on the
 * board's stand-in, ~1,300 variables while it runs) and hands it out as `tb` once done;
 * else (neither) the NAFs, as p256VerifyJob.
 */
export function p256VerifyTableJob(pubPoint65: Uint8Array, hash32: Uint8Array, derSig: Uint8Array, table?: Uint8Array | null, make?: boolean): P256Job {
  var j = p256VerifyJob(pubPoint65, hash32, derSig, make) as Job;
  j.tq = table || null;
  j.mk = make;
  j.tb = null;
  j.vt = VT;
  return j;
}

/** One-shot: true when the signature verifies with Q's comb table `table` (TABLE_BYTES, as p256VerifyTableJob's `tb`). */
export function p256VerifyWithTable(pubPoint65: Uint8Array, hash32: Uint8Array, derSig: Uint8Array, table: Uint8Array): boolean {
  return p256Finish(p256VerifyTableJob(pubPoint65, hash32, derSig, table));
}

export { TABLE_BYTES };
