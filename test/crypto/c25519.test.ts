// X25519 and Ed25519 as jobs run in steps (transport/crypto/c25519.ts, x25519.ts, ed25519.ts):
// the same bytes as tweetnacl's one-shot functions and node:crypto for many random keys,
// malformed input answered (null / false) without an exception, and every step within its
// budget of field multiplications (C25519_STEP + the largest piece).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import nacl from 'tweetnacl';
import { c25519Finish, c25519LastCost, C25519_STEP, job } from '../../transport/crypto/c25519';
import { x25519BaseJob, x25519Job } from '../../transport/crypto/x25519';
import { ed25519SignJob, ed25519VerifyJob, mulB, naf } from '../../transport/crypto/ed25519';
import { nodeCrypto } from '../../sim/node-crypto';
import { lint } from '../../tools/espruino-lint.mjs';

const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const rnd = (n: number) => new Uint8Array(randomBytes(n));
/** The largest piece of work between two budget checks, in field multiplications (c25519.ts). */
const PIECE = 4.2;

/** Runs a job a step at a time; its result, the number of steps and the largest step's cost. */
function stepped(j: { run(b?: number): boolean; r: unknown }): { r: any; steps: number; max: number } {
  let steps = 0, max = 0;
  for (let done = false; !done; steps++) {
    done = j.run();
    max = Math.max(max, c25519LastCost());
  }
  return { r: j.r, steps, max };
}

/** X25519 in node:crypto (a raw scalar and u through JWK). */
function nodeX25519(k: Uint8Array, u: Uint8Array): string {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  const pub = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64(u) }, format: 'jwk' });
  const priv = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', x: b64(nacl.scalarMult.base(k)), d: b64(k) }, format: 'jwk' });
  return hex(diffieHellman({ privateKey: priv, publicKey: pub }));
}

test('X25519 jobs: RFC 7748 §6.1, and 40 random scalars and points give tweetnacl\'s and node:crypto\'s bytes, stepped or in one go', () => {
  const a = unhex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const b = unhex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
  assert.equal(hex(c25519Finish(x25519BaseJob(a))), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
  assert.equal(hex(c25519Finish(x25519Job(b, c25519Finish(x25519BaseJob(a))))), '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
  for (let i = 0; i < 40; i++) {
    const k = rnd(32);
    // a peer's real public value, and (every fourth) 32 random bytes: any u is a point on the curve or its twist
    const u = i % 4 === 3 ? rnd(32) : nacl.scalarMult.base(rnd(32));
    const s = i < 4 ? stepped(x25519Job(k, u)) : { r: c25519Finish(x25519Job(k, u)) };
    assert.equal(hex(s.r), hex(nacl.scalarMult(k, u)), `scalar ${hex(k)} u ${hex(u)}`);
    if (i % 4 !== 3) assert.equal(hex(s.r), nodeX25519(k, u), `node:crypto, scalar ${hex(k)}`);
    assert.equal(hex(c25519Finish(x25519BaseJob(k))), hex(nacl.scalarMult.base(k)));
  }
});

test('X25519 jobs: u with the top bit set or ≥ p is taken mod p as RFC 7748 §5 says; a low-order u gives null with the zero check, never an exception', () => {
  const k = rnd(32);
  const p = 2n ** 255n - 19n;
  const le = (x: bigint) => { const o = new Uint8Array(32); for (let i = 0; i < 32; i++) { o[i] = Number(x & 255n); x >>= 8n; } return o; };
  const top = nacl.scalarMult.base(rnd(32));
  top[31] |= 128;
  assert.equal(hex(c25519Finish(x25519Job(k, top))), hex(nacl.scalarMult(k, top)));
  assert.equal(hex(c25519Finish(x25519Job(k, le(p + 9n)))), hex(c25519Finish(x25519BaseJob(k))), 'p + 9 is 9');
  // 0, 1, p - 1 and the points of order 8 (RFC 7748 §6.1 "check for the all-zero value")
  for (const u of [0n, 1n, p - 1n, 325606250916557431795983626356110631294008115727848805560023387167927233504n, 39382357235489614581723060781553021112529911719440698176882885853963445705823n, p, p + 1n]) {
    assert.equal(c25519Finish(x25519Job(k, le(u), true)), null, `u = ${u}`);
    assert.equal(hex(c25519Finish(x25519Job(k, le(u)))), '00'.repeat(32));
  }
  // too short a scalar or u: an answer, not an exception
  assert.doesNotThrow(() => c25519Finish(x25519Job(new Uint8Array(3), le(9n), true)));
  assert.doesNotThrow(() => c25519Finish(x25519Job(k, new Uint8Array(5), true)));
});

test('Ed25519 sign job: RFC 8032 §7.1 TEST 1–3 and 40 random seeds and messages give tweetnacl\'s and node:crypto\'s signature, with native or JS SHA-512', () => {
  const vectors = [
    ['9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', '', 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'],
    ['4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', '72', '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'],
    ['c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7', 'af82', '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a'],
  ];
  for (const [seed, msg, sig] of vectors) {
    const kp = nacl.sign.keyPair.fromSeed(unhex(seed));
    assert.equal(hex(c25519Finish(ed25519SignJob(unhex(msg), unhex(seed), kp.publicKey, nodeCrypto))), sig);
    assert.equal(hex(c25519Finish(ed25519SignJob(unhex(msg), unhex(seed), kp.publicKey, null))), sig, 'tweetnacl\'s SHA-512');
  }
  for (let i = 0; i < 40; i++) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const seed = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' })).subarray(16);
    const pub = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })).subarray(12);
    const msg = rnd(i * 29);
    const j = ed25519SignJob(msg, seed, pub, nodeCrypto);
    const sig = i < 3 ? stepped(j).r : c25519Finish(j);
    assert.equal(hex(sig), hex(nodeSign(null, msg, privateKey)), `seed ${hex(seed)}`);
    assert.equal(hex(sig), hex(nacl.sign.detached(msg, nacl.sign.keyPair.fromSeed(seed).secretKey)));
  }
});

test('Ed25519 verify job: node:crypto\'s signatures true; a flipped bit, another key, S ≥ L, a non-canonical or off-curve key, x = 0 with the sign bit, wrong lengths: false, never an exception', () => {
  const verify = (m: Uint8Array, s: Uint8Array, p: Uint8Array, c = nodeCrypto) => c25519Finish(ed25519VerifyJob(m, s, p, c));
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const p = 2n ** 255n - 19n;
  const le = (x: bigint) => { const o = new Uint8Array(32); for (let i = 0; i < 32; i++) { o[i] = Number(x & 255n); x >>= 8n; } return o; };
  const be = (b: Uint8Array) => BigInt('0x' + Buffer.from(b).reverse().toString('hex'));
  for (let i = 0; i < 30; i++) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const pub = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })).subarray(12);
    const msg = rnd(i * 31);
    const sig = new Uint8Array(nodeSign(null, msg, privateKey));
    assert.equal(i < 2 ? stepped(ed25519VerifyJob(msg, sig, pub, nodeCrypto)).r : verify(msg, sig, pub), true, `signature ${i}`);
    if (i === 0) assert.equal(verify(msg, sig, pub, null as never), true, 'tweetnacl\'s SHA-512');
    const bad = new Uint8Array(sig);
    bad[(i * 7) % 64] ^= 1 << (i % 8);
    assert.equal(verify(msg, bad, pub), false, `flipped ${i}`);
    assert.equal(nodeVerify(null, msg, publicKey, bad), false);
    const m2 = new Uint8Array(msg.length + 1);
    m2.set(msg);
    assert.equal(verify(m2, sig, pub), false, 'another message');
    // S + L: the same equation, a malleable signature (node:crypto refuses it too)
    const mall = new Uint8Array(64);
    mall.set(sig.subarray(0, 32));
    mall.set(le(be(sig.subarray(32)) + L), 32);
    assert.equal(verify(msg, mall, pub), false, 'S + L');
    if (i === 0) {
      const other = new Uint8Array(generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' })).subarray(12);
      assert.equal(verify(msg, sig, other), false, 'another key');
      for (const [what, s, k] of [['short signature', sig.subarray(1), pub], ['long signature', new Uint8Array(65), pub], ['short key', sig, pub.subarray(1)], ['empty', new Uint8Array(0), new Uint8Array(0)]] as const) {
        assert.equal(verify(msg, s as Uint8Array, k as Uint8Array), false, what);
      }
      // y = p + 1 (non-canonical 1), y = 2 (x² = (4 - 1)/(4d + 1) has no root), x = 0 with the sign bit (y = 1)
      for (const k of [le(p + 1n), le(2n), le(1n | (1n << 255n)), le(2n ** 255n - 1n), new Uint8Array(32).fill(255)]) {
        assert.equal(verify(msg, sig, k), false, hex(k));
      }
    }
  }
  // garbage: false, and tweetnacl agrees
  for (let i = 0; i < 30; i++) {
    const sig = rnd(64);
    sig[63] &= 15;
    const pub = rnd(32);
    assert.equal(verify(unhex('72'), sig, pub), false);
    assert.equal(nacl.sign.detached.verify(unhex('72'), sig, pub), false);
  }
});

test('Ed25519 verify job: the scalar h\'s 64 digits let go once reduced (not held through the double-scalar loop, ~40 variables on Espruino)', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })).subarray(12);
  const msg = rnd(100);
  const j = ed25519VerifyJob(msg, new Uint8Array(nodeSign(null, msg, privateKey)), pub, nodeCrypto);
  let loop = 0;
  while (!j.run()) if (j.h) loop++, assert.equal(j.mx, null, 'j.mx held in the loop');
  assert.equal(j.r, true);
  assert.ok(loop > 100, `${loop} steps of the loop`);
});

/** Edwards arithmetic mod p in BigInt (RFC 8032 §5.1, projective-free and slow: a reference for a few scalars). */
const P = 2n ** 255n - 19n, ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
const md = (a: bigint) => ((a % P) + P) % P;
const pw = (b: bigint, e: bigint) => { let r = 1n; for (b = md(b); e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P; return r; };
const ED_D = md(-121665n * pw(121666n, P - 2n));
/** [k](x, y) in extended coordinates (X, Y, Z, T), by double-and-add with the complete formulas. */
function refMul(k: bigint, x: bigint, y: bigint): bigint[] {
  const add = (p: bigint[], q: bigint[]) => {
    const A = md((p[1] - p[0]) * (q[1] - q[0])), B = md((p[1] + p[0]) * (q[1] + q[0])), C = md(2n * ED_D * p[3] * q[3]), D = md(2n * p[2] * q[2]);
    const E = B - A, F = D - C, G = D + C, H = B + A;
    return [md(E * F), md(G * H), md(F * G), md(E * H)];
  };
  let r = [0n, 1n, 1n, 0n];
  const b = [x, y, 1n, md(x * y)];
  for (let i = 255; i >= 0; i--) {
    r = add(r, r);
    if ((k >> BigInt(i)) & 1n) r = add(r, b);
  }
  return r;
}
const BX = 15112221349535400772501151409588531511454012693041857206046113283949847762202n, BY = md(4n * pw(5n, P - 2n));
const limbs = (f: ArrayLike<number>) => { let v = 0n; for (let i = 15; i >= 0; i--) v = v * 65536n + BigInt(f[i]); return md(v); };
const leBytes = (x: bigint) => { const o = new Uint8Array(32); for (let i = 0; i < 32; i++) { o[i] = Number(x & 255n); x >>= 8n; } return o; };

test('Ed25519 comb k·B (mulB, the generated table of B): edge scalars 0, 1, 2, L - 1, L, 2^51, 2^254, 2^255 - 1 (every digit 31) and random ones give the reference point, stepped', () => {
  const ks = [0n, 1n, 2n, ORDER - 1n, ORDER, 1n << 51n, (1n << 51n) - 1n, 1n << 254n, (1n << 255n) - 1n, ...Array.from({ length: 6 }, () => BigInt('0x' + hex(rnd(32))) >> 1n)];
  for (const k of ks) {
    const j = job((j) => mulB(j, leBytes(k), (j) => { j.r = j.Q; j.f = null; return 0; }), null);
    const s = stepped(j);
    assert.ok(s.max <= C25519_STEP + PIECE, `a step of ${s.max} units`);
    const [X, Y, Z, T] = (s.r as Float64Array[]).map(limbs), [x, y, z, t] = refMul(k, BX, BY);
    // the same point: X/Z = x/z, Y/Z = y/z, and T = XY/Z
    assert.equal(md(X * z), md(x * Z), `x of [${k}]B`);
    assert.equal(md(Y * z), md(y * Z), `y of [${k}]B`);
    assert.equal(md(T * Z), md(X * Y), `T of [${k}]B`);
    assert.equal(md(t * z), md(x * y));
  }
});

test('X25519 public key by Ed25519\'s comb and u = (1 + y) / (1 - y): node:crypto\'s and tweetnacl\'s bytes for edge and random scalars (the clamped bits ignored)', () => {
  const nine = new Uint8Array(32);
  nine[0] = 9;
  const ks = [new Uint8Array(32), new Uint8Array(32).fill(255), leBytes(7n), leBytes(1n << 254n), leBytes(ORDER), leBytes(8n * ORDER - (1n << 255n)), ...Array.from({ length: 10 }, () => rnd(32))];
  for (const k of ks) {
    const u = hex(c25519Finish(x25519BaseJob(k)));
    assert.equal(u, hex(nacl.scalarMult.base(k)), `scalar ${hex(k)}`);
    assert.equal(u, nodeX25519(k, nine), `node:crypto, scalar ${hex(k)}`);
    assert.equal(u, hex(c25519Finish(x25519Job(k, nine))), 'the ladder');
  }
});

test('Ed25519 verify job: signatures of a reference signer whose R is [r]B for edge r (0: R the neutral point, 1, L - 1, 2^252 - 1, 0x77…7): true; S + 1: false', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const seed = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' })).subarray(16);
  const pub = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })).subarray(12);
  const h = new Uint8Array(createHash('sha512').update(seed).digest());
  h[0] &= 248;
  h[31] = (h[31] & 127) | 64;
  const a = BigInt('0x' + hex(h.subarray(0, 32).reverse()));
  const enc = (q: bigint[]) => { const zi = pw(q[2], P - 2n), x = md(q[0] * zi), y = md(q[1] * zi), o = leBytes(y); o[31] |= Number(x & 1n) << 7; return o; };
  const msg = unhex('72');
  for (const r of [0n, 1n, ORDER - 1n, (1n << 252n) - 1n, 0x7777777777777777777777777777777777777777777777777777777777777n]) {
    const R = enc(refMul(r, BX, BY));
    const hh = BigInt('0x' + hex(new Uint8Array(createHash('sha512').update(Buffer.concat([R, pub, msg])).digest()).reverse())) % ORDER;
    const s = (r + hh * a) % ORDER;
    const sig = new Uint8Array(64);
    sig.set(R);
    sig.set(leBytes(s), 32);
    assert.equal(nodeVerify(null, msg, publicKey, sig), true, 'node:crypto');
    assert.equal(c25519Finish(ed25519VerifyJob(msg, sig, pub, nodeCrypto)), true, `r = ${r}`);
    sig.set(leBytes((s + 1n) % ORDER), 32);
    assert.equal(c25519Finish(ed25519VerifyJob(msg, sig, pub, nodeCrypto)), false, `r = ${r}, S + 1`);
  }
});

test('Ed25519 verification\'s signed digits (naf): sum to the scalar, odd and at most 7 in size, nonzero ones 4 places apart or more; edge and random scalars below 2^253, at an offset', () => {
  const ks = [0n, 1n, 7n, 8n, 15n, 16n, ORDER - 1n, (1n << 253n) - 1n, BigInt('0x' + '9'.repeat(63)) >> 3n, ...Array.from({ length: 40 }, () => BigInt('0x' + hex(rnd(32))) >> 3n)];
  for (const k of ks) {
    const buf = new Uint8Array(64);
    buf.set(leBytes(k), 32);
    const r = naf(buf, 32);
    let v = 0n, last = -10;
    for (let i = 255; i >= 0; i--) v = v * 2n + BigInt(r[i]);
    assert.equal(v, k, `digits of ${k}`);
    r.forEach((d, i) => {
      if (!d) return;
      assert.ok(d % 2 !== 0 && d >= -7 && d <= 7, `digit ${d}`);
      assert.ok(i - last >= 4, `digits at ${last} and ${i}`);
      last = i;
    });
  }
});

test('every step of the four operations stays within C25519_STEP + the largest piece; steps per operation', () => {
  const k = rnd(32), kp = nacl.sign.keyPair.fromSeed(rnd(32)), msg = rnd(700);
  const sig = nacl.sign.detached(msg, kp.secretKey);
  const ops = {
    'X25519 public key': x25519BaseJob(k),
    'X25519 shared secret': x25519Job(k, nacl.scalarMult.base(rnd(32))),
    'Ed25519 sign (700 bytes)': ed25519SignJob(msg, kp.secretKey.subarray(0, 32), kp.publicKey, nodeCrypto),
    'Ed25519 verify (700 bytes)': ed25519VerifyJob(msg, sig, kp.publicKey, nodeCrypto),
  };
  const lines: string[] = [];
  for (const [name, j] of Object.entries(ops)) {
    const s = stepped(j);
    assert.ok(s.r === true || (s.r as Uint8Array).length > 0, name);
    assert.ok(s.max <= C25519_STEP + PIECE, `${name}: a step of ${s.max} units`);
    // sliced: tens of steps (66 for the cheapest, X25519's public key by Ed25519's comb, 2026-12-07)
    assert.ok(s.steps > 40, `${name}: ${s.steps} steps`);
    lines.push(`${name} ${s.steps} steps, largest ${s.max.toFixed(2)}`);
  }
  console.log(`c25519 jobs (C25519_STEP ${C25519_STEP}): ${lines.join('; ')}`);
});

test('c25519.ts, x25519.ts and ed25519.ts compiled to ES5 pass tools/espruino-lint (hoisting, missing built-ins, ES5 syntax)', () => {
  for (const f of ['c25519', 'x25519', 'ed25519']) {
    const src = readFileSync(join(import.meta.dirname, `../../transport/crypto/${f}.ts`), 'utf8');
    let js = ts.transpileModule(src, { compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.CommonJS } }).outputText;
    // TypeScript's CommonJS glue assigns the exports before the declarations: move it last.
    const glue = js.match(/^exports\.\w+ = \w+;$/gm) || [];
    for (const g of glue) js = js.replace(g + '\n', '');
    assert.deepEqual(lint(js + glue.join('\n') + '\n'), [], f);
  }
});
