// Curve25519 work in steps (X25519: x25519.ts; Ed25519: ed25519.ts) on tweetnacl's field
// arithmetic mod p = 2^255 - 19 (its `lowlevel` pack25519, unpack25519, set25519: 16 limbs of 16
// bits in a Float64Array; products, sums and differences are c25519-mul.ts's, in place of its
// M, S, A and Z).
//
// On the board one field multiplication is 1.79 M x86 instructions (≈ 0.012 s of modelled
// ESP32 time, ../shared/ESPRUINO.md "Speed: the board's clock"; tweetnacl's M was ~5.7 M) and a
// whole scalar multiplication thousands of them: every operation is a Job (the DTLS client's
// PkJob, transport/dtls/rpk.ts), run a step at a time, as P-256's are (p256.ts). A step runs
// pieces of work until it has spent C25519_STEP units (one unit: ~5.7 M); each piece says
// what it cost, and none costs more than ~4 units: a point formula or a ladder rung is a
// piece (plain calls, ed25519.ts, x25519.ts), the inversion chains micro-programs run a few
// field operations a piece, the scalar reduction mod L a few bytes a piece. Results do not depend on where steps end (the one-shot callers run the same Jobs in
// one go).
import nacl from 'tweetnacl';
import type { CryptoBackend } from '../ports';
import { add25519, mul25519, sub25519 } from './c25519-mul';

/** The tweetnacl entry points used (its `lowlevel`): no type checks, nothing thrown. */
interface NaclLow {
  crypto_hash(out: Uint8Array, m: Uint8Array, n: number): number;
  gf(init?: number[]): Fe;
  D: Fe;
  L: Float64Array;
  pack25519(o: Uint8Array, n: Fe): void;
  unpack25519(o: Fe, n: Uint8Array): void;
  set25519(o: Fe, a: Fe): void;
}
/** A field element mod p: 16 limbs of 16 bits (tweetnacl's gf). */
export type Fe = Float64Array;
export var low = (nacl as unknown as { lowlevel: NaclLow }).lowlevel;

/**
 * The budget of one step in units. Measured on Espruino 2v29's ESP32-like Linux build under
 * callgrind (see docs/rpk.md): one unit is ~5.7 M x86 instructions (what tweetnacl's field
 * multiplication M cost; mul25519, with native products, counts MUL_UNITS), a step at most
 * C25519_STEP + 2 units ≈ 57 M ≈ 0.38 s of modelled ESP32 time (× 1.61 / 240 MHz).
 */
export var C25519_STEP = 7;

/** What a field multiplication (mul25519, c25519-mul.ts: 1.79 M x86 instructions on the stand-in) and its share of the stepping count. */
export var MUL_UNITS = 0.4;

/** Units the last step spent (tests and benches compare it with C25519_STEP). */
var LAST = 0;
export function c25519LastCost(): number {
  return LAST;
}

/** A public-key operation in progress (transport/dtls/rpk.ts's PkJob): run() does one step, true once done; then `r` is its result. */
export interface Job {
  run(budget?: number): boolean;
  r: any;
  /** The result when a piece throws (malformed input the checks missed). */
  x: any;
  /** The next piece (returns its cost in units); null when done. */
  f: ((j: Job) => number) | null;
  /** The micro-program in progress, its position, repeat count, registers and what follows it. */
  pg: string;
  pc: number;
  n: number;
  g: Fe[];
  nx: ((j: Job) => number) | null;
  /** Operands, results and counters of the operation (see each). */
  [k: string]: any;
}

function run(this: Job, budget?: number): boolean {
  var j = this, b = budget || C25519_STEP, c = 0;
  try {
    while (j.f && c < b) c += j.f(j);
  } catch (e) {
    j.r = j.x;
    j.f = null;
  }
  LAST = c;
  return !j.f;
}

/** A job starting with `first`; `fail` is its result if a piece throws. */
export function job(first: (j: Job) => number, fail: any): Job {
  return { run: run, r: fail, x: fail, f: first, pg: '', pc: 0, n: 0, g: [], nx: null } as Job;
}

/** Runs a job to its end in one go (the host, the simulator's server, one-shot callers). */
export function c25519Finish(j: { run(b?: number): boolean; r: any }): any {
  while (!j.run(1e9));
  return j.r;
}

// ---- micro-programs ---------------------------------------------------------------------
//
// Four characters an instruction: operation, destination, two operands. Operations: * d = a b,
// s d = a², + d = a + b, - d = a - b, c d = a, and q d nn: d squared nn times in place (two
// decimal digits). Registers are letters a-z, indexes into the job's `g`.

/** Starts `prog` over registers `g`; `then` is the piece after it. */
export function call(j: Job, prog: string, g: Fe[], then: (j: Job) => number): number {
  j.pg = prog;
  j.pc = 0;
  j.n = 0;
  j.g = g;
  j.nx = then;
  j.f = fop;
  return 0.1;
}

/**
 * Field operations of the job's micro-program, up to a unit of work a piece (a few operations:
 * each piece costs a call and the step loop's turn). Registers are read by character code
 * ('a' is 97), the operations compared as codes: * 42, s 115, q 113, + 43, - 45, c 99.
 */
function fop(j: Job): number {
  var p = j.pg, c = j.pc, g = j.g, n = p.length, w = 0, o, d, a, b;
  while (w < 1 && c < n) {
    o = p.charCodeAt(c);
    d = g[p.charCodeAt(c + 1) - 97];
    if (o === 113) {
      // q d nn: d squared nn times in place
      mul25519(d, d, d);
      w += MUL_UNITS;
      if (++j.n < (p.charCodeAt(c + 2) - 48) * 10 + p.charCodeAt(c + 3) - 48) continue;
      j.n = 0;
    } else {
      a = g[p.charCodeAt(c + 2) - 97];
      b = g[p.charCodeAt(c + 3) - 97];
      if (o === 42) mul25519(d, a, b);
      else if (o === 115) mul25519(d, a, a);
      else if (o === 43) add25519(d, a, b);
      else if (o === 45) sub25519(d, a, b);
      else low.set25519(d, a);
      w += o === 42 || o === 115 ? MUL_UNITS : 0.2;
    }
    c += 4;
  }
  j.pc = c;
  if (c >= n) j.f = j.nx;
  return w;
}

/**
 * b = a^(p-2) = a^-1 (0 for 0), registers a, b and temporaries c d e f: an addition chain of
 * 254 squarings and 11 multiplications (about half of square-and-multiply's work). The exponents
 * reached: c = a^11, d = a^(2^5-1), 2^10-1, 2^20-1, 2^40-1, 2^50-1, 2^100-1, 2^200-1, 2^250-1,
 * then 2^255 - 32 + 11.
 */
export var INV = 'scaasdccqd01*dad*ccdsecc*dde' + 'sed_qe04*ded' + 'sed_qe09*eed' + 'sfe_qf19*eef' + 'qe10*ded' + 'sed_qe49*eed' + 'sfe_qf99*eef' + 'qe50*ded' + 'qd05*bdc';
/**
 * b = a^((p-5)/8) = a^(2^252-3) (RFC 8032 §5.1.3's square-root candidate), registers as INV:
 * c = a^11, c = a^31 = 2^5-1, … c = 2^250-1, then (2^250-1)·4 + 1.
 */
export var POW2523 = 'scaasdccqd01*dad*ccdscc_*cdc' + 'sdc_qd04*cdc' + 'sdc_qd09*ddc' + 'sed_qe19*dde' + 'qd10*cdc' + 'sdc_qd49*ddc' + 'sed_qe99*dde' + 'qd50*cdc' + 'qc02*bca';

// ---- helpers ------------------------------------------------------------------------------

/** A field element from 32 little-endian bytes (the top bit ignored). */
export function fe(b: Uint8Array | number[]): Fe {
  var o = low.gf();
  low.unpack25519(o, b instanceof Uint8Array ? b : new Uint8Array(b));
  return o;
}

/** The canonical 32 bytes of a field element. */
export function feBytes(a: Fe): Uint8Array {
  var b = new Uint8Array(32);
  low.pack25519(b, a);
  return b;
}

/** n fresh field elements (zero). */
export function regs(n: number): Fe[] {
  var g: Fe[] = [];
  for (var i = 0; i < n; i++) g.push(low.gf());
  return g;
}

/** a, b = b, a when bit is 1, arithmetically (no branch on the bit). */
export function cswap(a: Fe, b: Fe, bit: number): void {
  for (var i = 0; i < 16; i++) {
    var t = (b[i] - a[i]) * bit;
    a[i] += t;
    b[i] -= t;
  }
}

/** SHA-512 (for Ed25519): the backend's native one when it has it (Espruino's crypto.SHA512), else tweetnacl's (~160 M x86 instructions a block in Espruino). */
export function sha512(c: CryptoBackend | null, m: Uint8Array): Uint8Array {
  if (c && c.sha512) return c.sha512(m);
  var h = new Uint8Array(64);
  low.crypto_hash(h, m, m.length);
  return h;
}

// ---- scalars mod L ------------------------------------------------------------------------
//
// L = 2^252 + 27742317777372353535851937790883648493 (RFC 8032 §5.1), the order of B. A value
// is 64 byte-sized digits in a Float64Array (digits may exceed 255: products are summed in
// place). Reduction folds the top digits down, 2^256 ≡ -16 (L - 2^252) (mod L), four a piece.

/** j.mo = j.mx mod L (32 bytes, canonical), then `then`. j.mx is consumed. */
export function modL(j: Job, then: (j: Job) => number): number {
  j.mi = 63;
  j.nx = then;
  j.f = modFold;
  return 0.1;
}

/** Digits j.mi, j.mi - 1, … (four) of 2^256 and above, folded onto the digits 20 bytes lower. */
function modFold(j: Job): number {
  var x = j.mx as Float64Array, L = low.L, i = j.mi, e = i - 4, k, c, v;
  for (; i > e; i--) {
    v = 16 * x[i];
    c = 0;
    // x[i] 2^(8i) = 16 x[i] 2^(8(i-32)) 2^252 ≡ -16 x[i] (L - 2^252) 2^(8(i-32)); L - 2^252 has 16 bytes, the carry runs 4 further
    for (k = i - 32; k < i - 12; k++) {
      x[k] += c - v * L[k - i + 32];
      c = Math.floor((x[k] + 128) / 256);
      x[k] -= c * 256;
    }
    x[k] += c;
    x[i] = 0;
  }
  j.mi = i;
  if (i < 32) j.f = modTop;
  return 1.6;
}

/** The last bits above 2^252 (in x[31]), then the digits to canonical bytes. */
function modTop(j: Job): number {
  var x = j.mx as Float64Array, L = low.L, o = new Uint8Array(32), k, c = 0, t = x[31] >> 4;
  for (k = 0; k < 32; k++) {
    x[k] += c - t * L[k];
    c = x[k] >> 8;
    x[k] &= 255;
  }
  // c is 0 or -1 (the value went below 0 by at most L): add L back in that case
  for (k = 0; k < 32; k++) x[k] -= c * L[k];
  for (k = 0; k < 32; k++) {
    if (k < 31) x[k + 1] += x[k] >> 8;
    o[k] = x[k] & 255;
  }
  j.mo = o;
  // let the 64 digits go (~40 variables on Espruino): Ed25519's verification holds the job for its whole loop
  j.mx = null;
  j.f = j.nx;
  return 1.5;
}

/** 64 bytes as digits for modL. */
export function digits(b: Uint8Array): Float64Array {
  var x = new Float64Array(64);
  for (var i = 0; i < b.length; i++) x[i] = b[i];
  return x;
}
