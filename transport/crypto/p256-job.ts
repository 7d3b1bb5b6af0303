// P-256 operations as Jobs run in steps (p256.ts has the whole design): the working storage of
// one operation, the step loop and its budget (P256_STEP), and the point formulas.
import type { Fe, Lb } from './p256-field';
import { F1, P, copy, csub, fadd, fe, fmul, fscale, fsqr, fsub } from './p256-field';

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

// Working storage of one operation (Scr): 36 field elements (2.3 KB; verification 17). Each operation (Job) has
// its own, made when it starts and dropped with it, and bound to these names (use()) while one
// of its steps runs: operations in progress side by side (two handshakes) never share it, and
// none is held between handshakes.
var NONE: Fe = new Int32Array(0);
var CF: Fe = NONE, ACC: Fe = NONE, HH: Fe = NONE, RR: Fe = NONE;
var t1: Fe = NONE, t2: Fe = NONE, t3: Fe = NONE, t4: Fe = NONE, t5: Fe = NONE, t6: Fe = NONE, t7: Fe = NONE, t8: Fe = NONE;
var W: Fe[] = [];
var NOPT: Pt = { x: NONE, y: NONE, z: NONE };
var Q = NOPT, SUM = NOPT, tmpPt = NOPT;

interface Scr {
  f: Fe[];
  w: Fe[];
  q: Pt;
  s: Pt;
  t: Pt;
}

/** `v`: for a verification that makes no table, which uses neither ACC, W nor SUM (the three left out). */
function newScr(v?: boolean): Scr {
  var f: Fe[] = [], w: Fe[] = [];
  for (var i = 0; i < 12; i++) f.push(v && i === 1 ? NONE : fe());
  for (i = 0; !v && i < 15; i++) w.push(fe());
  return { f: f, w: w, q: pt(), s: v ? NOPT : pt(), t: pt() };
}

/** Binds a job's working storage to the names the formulas use; null lets it go (after every step: nothing is held between operations). */
function use(s: Scr | null): void {
  if (!s) {
    // short chains: Espruino parses an assignment chain recursively, on the ESP32's small stack
    CF = ACC = HH = RR = NONE;
    t1 = t2 = t3 = t4 = NONE;
    t5 = t6 = t7 = t8 = NONE;
    W = [];
    Q = SUM = tmpPt = NOPT;
    return;
  }
  var f = s.f;
  CF = f[0];
  ACC = f[1];
  HH = f[2];
  RR = f[3];
  t1 = f[4];
  t2 = f[5];
  t3 = f[6];
  t4 = f[7];
  t5 = f[8];
  t6 = f[9];
  t7 = f[10];
  t8 = f[11];
  W = s.w;
  Q = s.q;
  SUM = s.s;
  tmpPt = s.t;
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

// ---- stepping -------------------------------------------------------------------------
//
// On the board one scalar multiplication is a minute or more of interpreted work (../shared/
// ESPRUINO.md, "Speed: the board's clock"), and a point addition alone ~0.28 s: every public
// operation here is a Job, run a step at a time (job.run()) by its caller's poll(now), so the
// device goes back to its event loop (console, sockets, Wi-Fi) between steps. A step runs pieces
// of work until it has spent P256_STEP units, counted as it goes (WK.c): a unit is ~5.07 M x86
// instructions on the board's stand-in (what one field multiplication cost while its products
// were interpreted; now 2.21 M). A point formula (DBL, ADD, MADD below) is one piece of up to
// ADD_UNITS, and runs in the next step when it would overrun this one; no other piece costs
// more than ~5 units. Results do not depend on where steps end: the one-shot functions
// (p256Verify, …) are the same Jobs run in one go.

/**
 * The largest piece of work other than a point formula, in units: none may weigh more (each
 * counts its weight into WK.c), so that a step stays within its budget (run()).
 */
export var PIECE_MAX = 5.5;

/** Work done by the running step, in units (see P256_STEP). */
export var WK = { c: 0 };

/**
 * The budget of one step in units (5.07 M x86 instructions each on Espruino 2v29's ESP32-like
 * Linux build, dist/firmware-rpk.js from Storage, callgrind). Every piece looks ahead (run()),
 * so a step is at most the budget, or one piece alone when that is more (an addition, 8.3):
 * 12 units, ~61 M instructions by the weights, ~0.43 s of modelled ESP32 time (× 1.61 / 240 MHz;
 * 0.2–0.8 s over the model's range) with the event loop's turn around it (~3.4 M). It holds a
 * doubling, a comb digit's read and a mixed addition, or two doublings. (At 11 the RPK
 * bootstrap counted 28.26 G against 27.81 G at 12, and the longest turn of a full handshake
 * stayed at 78.5 M: that turn is not a budgeted step; `bench:board`, 26cc02e and a6b4384.)
 */
export var P256_STEP = 12;

/** The work the last step did, in units (tests and benches compare it with P256_STEP). */
export function p256LastCost(): number {
  return WK.c;
}

/** A public-key operation in progress: run() does one step, true once done; then `r` is its result. */
export interface P256Job {
  run(budget?: number): boolean;
  r: any;
  /** A verification's comb table of its key, when the job made it (p256VerifyJob). */
  tb?: Uint8Array | null;
}

interface Job extends P256Job {
  /** The next control step; null when done. */
  f: ((j: Job) => void) | null;
  /** The point formula pending (null none), its operands r, a, b and its cost in units. */
  pg: ((r: Pt, a: Pt, b: Pt) => void) | null;
  pr: Pt;
  pa: Pt;
  pb: Pt;
  pw: number;
  s: Scr | null;
  /** Where a sub-operation (mulG, mulQ, inversion) continues. */
  nx: ((j: Job) => void) | null;
  /** Counters of the control steps. */
  u: number;
  e: number;
  i: number;
  d: number;
  inf: number;
  /** The accumulator point and the scalar (big-endian bytes). */
  A: Pt;
  k: Uint8Array;
  /** Operands and results of the operation (see each). */
  [x: string]: any;
}

function run(this: Job, budget?: number): boolean {
  var j = this;
  if (j.f || j.pg) {
    use(j.s!);
    WK.c = 0;
    var b = budget || P256_STEP;
    try {
      while (WK.c < b && (j.f || j.pg)) {
        if (j.pg) {
          // a point formula runs whole: in a step of its own when it would overrun this one
          if (WK.c > 0 && WK.c + j.pw > b) break;
          var f = j.pg;
          j.pg = null;
          f(j.pr, j.pa, j.pb);
          WK.c += j.pw;
        } else {
          // any other piece is at most PIECE_MAX: it too waits for the next step when it might overrun
          if (WK.c > 0 && WK.c + PIECE_MAX > b) break;
          j.f!(j);
        }
      }
    } catch (e) {
      // malformed input the checks missed: the operation fails (verify: false; ECDH: null)
      j.r = j.x;
      j.f = null;
      j.pg = null;
    }
    use(null);
  }
  if (j.f || j.pg) return false;
  j.s = null;
  return true;
}

function job(first: (j: Job) => void, fail: any, v?: boolean): Job {
  return { run: run, r: null, x: fail, f: first, pg: null, pr: NOPT, pa: NOPT, pb: NOPT, pw: 0, s: newScr(v), nx: null, u: 0, e: 0, i: 0, d: 0, inf: 1, A: pt(), k: NONE8 } as unknown as Job;
}
var NONE8 = new Uint8Array(0);

/** Runs a job to its end in one go (the host, the simulator's server, one-shot callers). */
export function p256Finish(j: P256Job): any {
  while (!j.run(1e9));
  return j.r;
}

// The point formulas, on the working registers t1-t8 (and HH, RR) that use() binds. Each is one
// piece of a step: with native products (convolve.ts) a whole addition is ~42 M x86 instructions
// on the board's stand-in (~0.28 s modelled), so a step can hold one, and their field operations
// are plain calls (interpreting them from a string of operations, as before, cost 26 % more).

/**
 * r = 2a (Jacobian, a = -3: dbl-2001-b, 3M+5S). r may alias a. Infinity (Z = 0) stays
 * infinity. delta t1, gamma t2, beta t3, alpha t4, t t5:
 * delta = Z², gamma = Y², beta = X gamma, alpha = 3(X-delta)(X+delta), Z3 = (Y+Z)² - gamma - delta,
 * X3 = alpha² - 8 beta, Y3 = alpha(4 beta - X3) - 8 gamma².
 */
function DBL(r: Pt, a: Pt): void {
  fsqr(t1, a.z); fsqr(t2, a.y); fmul(t3, a.x, t2); fsub(t5, a.x, t1);
  fadd(t4, a.x, t1); fmul(t4, t5, t4); fscale(t4, t4, 3);
  fadd(t5, a.y, a.z); fsqr(t5, t5); fsub(t5, t5, t2); fsub(r.z, t5, t1);
  fscale(t3, t3, 4); fsqr(t5, t4); fsub(t5, t5, t3);
  fsub(r.x, t5, t3); fsub(t5, t3, r.x); fmul(t5, t4, t5); fsqr(t2, t2);
  fscale(t2, t2, 8); fsub(r.y, t5, t2);
}

/**
 * r = a + b, both Jacobian (add-2007-bl, 11M+5S). r may alias a or b. z1z1 t1, z2z2 t2, u1 t3,
 * s1 t4, h t5, rr t6, t t7, v t8. H = U2 - U1 and r = 2(S2 - S1) are kept in HH, RR: both zero,
 * the inputs were equal (the formulas do not double); H alone zero: opposite. Only the public
 * (verification) path looks at them; the secret paths cannot reach those cases.
 */
function ADD(r: Pt, a: Pt, b: Pt): void {
  fsqr(t1, a.z); fsqr(t2, b.z); fmul(t3, a.x, t2); fmul(t5, b.x, t1);
  fsub(t5, t5, t3); fmul(t4, a.y, b.z); fmul(t4, t4, t2); fmul(t6, b.y, a.z);
  fmul(t6, t6, t1); fsub(t6, t6, t4); fadd(t6, t6, t6); copy(HH, t5);
  copy(RR, t6); fadd(t7, a.z, b.z); fsqr(t7, t7); fsub(t7, t7, t1);
  fsub(t7, t7, t2); fadd(t1, t5, t5); fsqr(t1, t1); fmul(t8, t3, t1);
  fmul(t2, t5, t1); fmul(r.z, t7, t5); fsqr(t7, t6); fsub(t7, t7, t2);
  fsub(t7, t7, t8); fsub(r.x, t7, t8); fsub(t7, t8, r.x); fmul(t7, t6, t7);
  fmul(t4, t4, t2); fadd(t4, t4, t4); fsub(r.y, t7, t4);
}

/** r = a + b, a Jacobian, b affine (b.z unused) (madd-2007-bl, 7M+4S). r may alias a. z1z1 t1, h t2, hh t3, i t4, j t5, rr t6, t t7, v t8. */
function MADD(r: Pt, a: Pt, b: Pt): void {
  fsqr(t1, a.z); fmul(t2, b.x, t1); fsub(t2, t2, a.x); fmul(t6, b.y, a.z);
  fmul(t6, t6, t1); fsub(t6, t6, a.y); fadd(t6, t6, t6); copy(HH, t2);
  copy(RR, t6); fsqr(t3, t2); fscale(t4, t3, 4);
  fmul(t5, t2, t4); fmul(t8, a.x, t4); fadd(t7, a.z, t2); fsqr(t7, t7);
  fsub(t7, t7, t1); fsub(r.z, t7, t3); fmul(t4, a.y, t5); fadd(t4, t4, t4);
  fsqr(t7, t6); fsub(t7, t7, t5); fsub(t7, t7, t8); fsub(r.x, t7, t8);
  fsub(t7, t8, r.x); fmul(t7, t6, t7); fsub(r.y, t7, t4);
}

/**
 * The formulas' costs in units: x86 instructions on the stand-in (callgrind, 10 of each, the
 * minified code from Storage, 2026-12-07) / 5.07 M: DBL 22.8 M, ADD 42.1 M, MADD 31.0 M.
 */
var DBL_UNITS = 4.5, ADD_UNITS = 8.3, MADD_UNITS = 6.1;
/** The three (tests: a piece above PIECE_MAX is one of them). */
export var FORMULA_UNITS = [DBL_UNITS, ADD_UNITS, MADD_UNITS];

/** Makes `prog` (DBL, ADD, MADD) on points r, a, b the job's next piece; its control step `then` follows it. */
function call(j: Job, prog: (r: Pt, a: Pt, b: Pt) => void, r: Pt, a: Pt, b: Pt | null, then: (j: Job) => void): void {
  j.pg = prog;
  j.pr = r;
  j.pa = a;
  j.pb = b || a;
  j.pw = prog === DBL ? DBL_UNITS : prog === ADD ? ADD_UNITS : MADD_UNITS;
  j.f = then;
}

/** r = r + (b - r) * bit over a point (bit 0 or 1): arithmetic select, no branch. */
function ptSel(r: Pt, b: Pt, bit: number): void {
  for (var k = 0; k < 16; k++) {
    r.x[k] += (b.x[k] - r.x[k]) * bit;
    r.y[k] += (b.y[k] - r.y[k]) * bit;
    r.z[k] += (b.z[k] - r.z[k]) * bit;
  }
  WK.c += 0.5;
}

/** The accumulator at infinity (1, 1, 0). */
function ptInf(r: Pt): void {
  copy(r.x, F1);
  copy(r.y, F1);
  for (var k = 0; k < 16; k++) r.z[k] = 0;
}

/** Nibble w (0 = least significant) of a big-endian 32-byte scalar. */
function nib(k: Uint8Array, w: number): number {
  var b = k[31 - (w >> 1)];
  return w & 1 ? b >> 4 : b & 15;
}

export type { Job, Pt };

export { ACC, ADD, DBL, HH, MADD, Q, RR, SUM, W, call, fcanon, job, newScr, nib, pt, ptCopy, ptInf, ptSel, t1, t2, t3, t4, t8, tmpPt, use };
