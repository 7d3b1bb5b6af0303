// P-256 operations as Jobs run in steps (p256.ts has the whole design): the working storage of
// one operation, the step loop and its budget (P256_STEP), and the point formulas as
// micro-programs of field operations.
import type { Fe, Lb } from './p256-field';
import { F1, P, copy, csub, fadd, fe, fmul, fsqr, fsub } from './p256-field';

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

/** `v`: for verification, which uses neither ACC, W nor SUM (the three left out). */
function newScr(v?: boolean): Scr {
  var f: Fe[] = [], w: Fe[] = [];
  for (var i = 0; i < 12; i++) f.push(v && i === 1 ? NONE : fe());
  for (i = 0; !v && i < 15; i++) w.push(fe());
  return { f: f, w: w, q: pt(), s: v ? NOPT : pt(), t: pt() };
}

/** Binds a job's working storage to the names the formulas use; null lets it go. */
function use(s: Scr | null): void {
  var f = s ? s.f : [];
  for (var i = 0; !s && i < 12; i++) f.push(NONE);
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
  W = s ? s.w : [];
  Q = s ? s.q : NOPT;
  SUM = s ? s.s : NOPT;
  tmpPt = s ? s.t : NOPT;
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
// ESPRUINO.md, "Speed: the board's clock"), and a point addition alone ~0.6 s: every public
// operation here is a Job, run a step at a time (job.run()) by its caller's poll(now), so the
// device goes back to its event loop (console, sockets, Wi-Fi) between steps. A step does field
// operations until it has spent P256_STEP units of work, counted as it goes (WK.c): a unit is
// ~5.07 M x86 instructions on the board's stand-in, what one field multiplication cost while
// its products were interpreted; fmul and fsqr now count FMUL_UNITS, the other bounded pieces
// their measured share. No piece of work between two budget checks costs more than ~5 units.
// The point formulas are micro-programs (DBL, ADD, MADD below) run one field operation per
// check, so a step can end inside a point addition. Results do not depend on where steps end:
// the one-shot functions (p256Verify, …) are the same Jobs run in one go.

/** Work done by the running step, in units (see P256_STEP). */
export var WK = { c: 0 };

/**
 * What fmul (or fsqr) counts: 2.21 M x86 instructions since its products are native
 * (convolve.ts; docs/p256.md), plus its share of the micro-program's stepping, of the
 * 5.07 M unit.
 */
var FMUL_UNITS = 0.5;

/**
 * The budget of one step in units. Measured on Espruino 2v29's ESP32-like Linux build
 * (dist/firmware-rpk.js from Storage) under cachegrind: 60 steps of an ECDH job cost 2.49 G
 * x86 instructions for 491.75 units, 5.07 M per unit (then one fmul). A step is at most 8
 * units plus the largest piece (4.6): 12.2 units (test/dtls/rpk-p256.test.ts, a whole
 * handshake) ≈ 62 M instructions ≈ 0.42 s of modelled ESP32 time (× 1.61 / 240 MHz; 0.2–0.8 s
 * over the model's range), the mean step ~41 M ≈ 0.28 s.
 */
export var P256_STEP = 8;

/** The work the last step did, in units (tests and benches compare it with P256_STEP). */
export function p256LastCost(): number {
  return WK.c;
}

/** A public-key operation in progress: run() does one step, true once done; then `r` is its result. */
export interface P256Job {
  run(budget?: number): boolean;
  r: any;
}

interface Job extends P256Job {
  /** The next control step; null when done. */
  f: ((j: Job) => void) | null;
  /** The micro-program in progress ('' none), its position and its operands. */
  pg: string;
  pc: number;
  g: Fe[];
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
        if (j.pg) fop(j);
        else j.f!(j);
      }
    } catch (e) {
      // malformed input the checks missed: the operation fails (verify: false; ECDH: null)
      j.r = j.x;
      j.f = null;
      j.pg = '';
    }
    use(null);
  }
  if (j.f || j.pg) return false;
  j.s = null;
  return true;
}

function job(first: (j: Job) => void, fail: any, v?: boolean): Job {
  return { run: run, r: null, x: fail, f: first, pg: '', pc: 0, g: [], s: newScr(v), nx: null, u: 0, e: 0, i: 0, d: 0, inf: 1, A: pt(), k: NONE8 } as unknown as Job;
}
var NONE8 = new Uint8Array(0);

/** Runs a job to its end in one go (the host, the simulator's server, one-shot callers). */
export function p256Finish(j: P256Job): any {
  while (!j.run(1e9));
  return j.r;
}

// Micro-programs of field operations, 4 characters each: operation (* mul, s square, + add,
// - sub, c copy), destination, operands. Registers: a b c = r.x r.y r.z; d e f = a.x a.y a.z;
// g h i = b.x b.y b.z; 1-8 = t1-t8; H R = HH RR. Transcribed from the formulas, in their order.
var REG = 'abcdefghi12345678HR';

/**
 * r = 2a (Jacobian, a = -3: dbl-2001-b, 3M+5S). r may alias a. Infinity (Z = 0) stays
 * infinity. delta t1, gamma t2, beta t3, alpha t4, t t5:
 * delta = Z², gamma = Y², beta = X gamma, alpha = 3(X-delta)(X+delta), Z3 = (Y+Z)² - gamma - delta,
 * X3 = alpha² - 8 beta, Y3 = alpha(4 beta - X3) - 8 gamma².
 */
var DBL = 's1ffs2ee*3d2-5d1+4d1*454+544+454+5efs555-552-c51+333+333s544-553-a53-53a*545s222+222+222+222-b52';
/**
 * r = a + b, both Jacobian (add-2007-bl, 11M+5S). r may alias a or b. z1z1 t1, z2z2 t2, u1 t3,
 * s1 t4, h t5, rr t6, t t7, v t8. H = U2 - U1 and r = 2(S2 - S1) are kept in HH, RR: both zero,
 * the inputs were equal (the formulas do not double); H alone zero: opposite. Only the public
 * (verification) path looks at them; the secret paths cannot reach those cases.
 */
var ADD = 's1ffs2ii*3d2*5g1-553*4ei*442*6hf*661-664+666cH55cR66+7fis777-771-772+155s111*831*251*c75s766-772-778-a78-78a*767*442+444-b74';
/** r = a + b, a Jacobian, b affine (b.z unused) (madd-2007-bl, 7M+4S). r may alias a. z1z1 t1, h t2, hh t3, i t4, j t5, rr t6, t t7, v t8. */
var MADD = 's1ff*2g1-22d*6hf*661-66e+666cH22cR66s322+433+444*524*8d4+7f2s777-771-c73*4e5+444s766-775-778-a78-78a*767-b74';

/** Starts a micro-program on points r, a, b; the job's control step `then` follows it. */
function call(j: Job, prog: string, r: Pt, a: Pt, b: Pt | null, then: (j: Job) => void): void {
  var q = b || a;
  j.g = [r.x, r.y, r.z, a.x, a.y, a.z, q.x, q.y, q.z, t1, t2, t3, t4, t5, t6, t7, t8, HH, RR];
  j.pg = prog;
  j.pc = 0;
  j.f = then;
}

/** One field operation of the job's micro-program. */
function fop(j: Job): void {
  var p = j.pg, c = j.pc, g = j.g, o = p.charAt(c);
  var d = g[REG.indexOf(p.charAt(c + 1))], x = g[REG.indexOf(p.charAt(c + 2))], y = g[REG.indexOf(p.charAt(c + 3))];
  if (o === '*') {
    fmul(d, x, y);
    WK.c += FMUL_UNITS;
  } else if (o === 's') {
    fsqr(d, x);
    WK.c += FMUL_UNITS;
  } else {
    if (o === '+') fadd(d, x, y);
    else if (o === '-') fsub(d, x, y);
    else copy(d, x);
    WK.c += 0.05;
  }
  j.pc = c += 4;
  if (c >= p.length) j.pg = '';
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

export { ACC, ADD, DBL, HH, MADD, Q, RR, SUM, W, call, fcanon, job, newScr, nib, pt, ptCopy, ptInf, ptSel, t1, t8, tmpPt, use };
