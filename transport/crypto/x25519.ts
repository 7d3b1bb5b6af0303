// X25519 (RFC 7748 §5) as a Job run in steps (c25519.ts): the Montgomery ladder over u, one
// field operation a piece, then x2 / z2 by an addition chain. The scalar is secret: every bit
// does the same field operations, and the conditional swaps are arithmetic (no branch or index
// on a bit). The result is the same 32 bytes as tweetnacl's crypto_scalarmult.
import { call, cswap, fe, feBytes, INV, Job, job, low, regs } from './c25519';
import { mul25519 } from './c25519-mul';

// One ladder rung (RFC 7748 §5), registers: a x1 (u), b x2, c z2, d x3, e z3, f A, g AA, h B,
// i BB, j E, k C, l D, m DA, n CB, o a24 = 121665 (the (A - 2) / 4 of curve25519).
var RUNG = '+fbcsgf_-hbcsih_-jgi+kde-lde*mlf*nkh+dmnsdd_-emnsee_*eae*bgi*coj+ccg*ccj';

/** X25519(k, u): 32 bytes, as a job (r: the bytes; with `zero` set, null when they are all zero: a low-order u, RFC 7748 §6.1). */
export function x25519Job(k: Uint8Array, u: Uint8Array, zero?: boolean): Job {
  var j = job(xStart, null);
  j.k = k;
  j.u = u;
  j.zc = zero;
  return j;
}

/** X25519(k, 9): the public value of k. */
export function x25519BaseJob(k: Uint8Array): Job {
  var u = new Uint8Array(32);
  u[0] = 9;
  return x25519Job(k, u);
}

function xStart(j: Job): number {
  // the scalar, clamped (RFC 7748 §5 decodeScalar25519)
  var z = new Uint8Array(j.k.subarray(0, 32));
  z[0] &= 248;
  z[31] = (z[31] & 127) | 64;
  j.z = z;
  var g = regs(14);
  g[0] = fe(j.u);
  low.set25519(g[3], g[0]);
  g[1][0] = g[4][0] = 1;
  g.push(low.gf([0xdb41, 1]));
  j.g = g;
  j.w = g;
  j.i = 254;
  j.sw = 0;
  j.f = xBit;
  return 0.5;
}

/** Bit j.i of the scalar: the swap it calls for, then the rung; after bit 0, the inversion. */
function xBit(j: Job): number {
  var g = j.w as Float64Array[], t = j.i, b = t < 0 ? 0 : (j.z[t >> 3] >> (t & 7)) & 1;
  cswap(g[1], g[3], j.sw ^ b);
  cswap(g[2], g[4], j.sw ^ b);
  j.sw = b;
  j.i = t - 1;
  // z2^-1 into f (temporaries g h i j)
  if (t < 0) return call(j, INV, [g[2], g[5], g[6], g[7], g[8], g[9]], xEnd) + 0.4;
  return call(j, RUNG, g, xBit) + 0.4;
}

function xEnd(j: Job): number {
  var g = j.w as Float64Array[];
  mul25519(g[1], g[1], g[5]);
  var r = feBytes(g[1]), d = 0;
  for (var i = 0; i < 32; i++) d |= r[i];
  j.r = d || !j.zc ? r : null;
  j.f = null;
  return 3.7;
}
