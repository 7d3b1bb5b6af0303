// X25519 (RFC 7748 §5) as a Job run in steps (c25519.ts): the Montgomery ladder over u, a rung
// a piece, then x2 / z2 by an addition chain (the public key of k: Ed25519's comb instead). The scalar is secret: every bit
// does the same field operations, and the conditional swaps are arithmetic (no branch or index
// on a bit). The result is the same 32 bytes as tweetnacl's crypto_scalarmult.
import { call, cswap, fe, feBytes, Fe, INV, Job, job, low, regs } from './c25519';
import { add25519, mul25519, small25519, sub25519 } from './c25519-mul';
import { mulB } from './ed25519';

/**
 * One ladder rung (RFC 7748 §5), a plain call (no micro-program): g = x1 (u), x2, z2, x3, z3,
 * then temporaries; a24 = 121665 (the (A - 2) / 4 of curve25519) by small25519. 9 products.
 */
function rung(g: Fe[]): number {
  var x1 = g[0], x2 = g[1], z2 = g[2], x3 = g[3], z3 = g[4], A = g[5], AA = g[6], B = g[7], BB = g[8], E = g[9], C = g[10], D = g[11], DA = g[12], CB = g[13];
  add25519(A, x2, z2);
  mul25519(AA, A, A);
  sub25519(B, x2, z2);
  mul25519(BB, B, B);
  sub25519(E, AA, BB);
  add25519(C, x3, z3);
  sub25519(D, x3, z3);
  mul25519(DA, D, A);
  mul25519(CB, C, B);
  add25519(x3, DA, CB);
  mul25519(x3, x3, x3);
  sub25519(z3, DA, CB);
  mul25519(z3, z3, z3);
  mul25519(z3, x1, z3);
  mul25519(x2, AA, BB);
  small25519(z2, E, 121665);
  add25519(z2, z2, AA);
  mul25519(z2, z2, E);
  return 3.8;
}

/** X25519(k, u): 32 bytes, as a job (r: the bytes; with `zero` set, null when they are all zero: a low-order u, RFC 7748 §6.1). */
export function x25519Job(k: Uint8Array, u: Uint8Array, zero?: boolean): Job {
  var j = job(xStart, null);
  j.k = k;
  j.u = u;
  j.zc = zero;
  return j;
}

/**
 * X25519(k, 9): the public value of k, as a job. Not the ladder: Ed25519's comb computes [k]B
 * (ed25519.ts mulB; B is the point of u = 9 on the birationally equivalent Edwards curve), then
 * u = (1 + y) / (1 - y) = (Z + Y) / (Z - Y) (RFC 7748 §4.1), one inversion.
 */
export function x25519BaseJob(k: Uint8Array): Job {
  var j = job(bStart, null);
  j.k = k;
  return j;
}

function bStart(j: Job): number {
  return mulB(j, clamp(j.k), bInv) + 0.2;
}

/** 1 / (Z - Y) by INV (registers: a Z - Y, b the inverse, c-f temporaries). */
function bInv(j: Job): number {
  var Q = j.Q as Fe[], g = regs(6);
  sub25519(g[0], Q[2], Q[1]);
  j.w = g;
  return call(j, INV, g, bEnd) + 0.4;
}

function bEnd(j: Job): number {
  var Q = j.Q as Fe[], g = j.w as Fe[];
  add25519(g[0], Q[2], Q[1]);
  mul25519(g[0], g[0], g[1]);
  j.r = feBytes(g[0]);
  j.f = null;
  return 0.5;
}

/** The scalar, clamped (RFC 7748 §5 decodeScalar25519). */
function clamp(k: Uint8Array): Uint8Array {
  var z = new Uint8Array(k.subarray(0, 32));
  z[0] &= 248;
  z[31] = (z[31] & 127) | 64;
  return z;
}

function xStart(j: Job): number {
  j.z = clamp(j.k);
  var g = regs(14);
  g[0] = fe(j.u);
  low.set25519(g[3], g[0]);
  g[1][0] = g[4][0] = 1;
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
  j.f = xRung;
  return 0.4;
}

function xRung(j: Job): number {
  j.f = xBit;
  return rung(j.w);
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
