// P-256 (transport/crypto/p256.ts): published vectors (NIST CAVP ECC CDH, RFC 6979 A.2.5),
// agreement with node:crypto (OpenSSL) in both directions on random keys, and every input
// the public functions must refuse: points off the curve or with coordinates >= p, the point
// at infinity, compressed or short encodings, scalars 0 and >= n, signatures with r or s
// zero or >= n, and DER that is not strictly DER. Then the same code bundled to ES5 and run
// in the Espruino-stripped vm context.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH, createHash, createPublicKey, generateKeyPairSync, sign, verify, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import ts from 'typescript';
import { minify } from 'terser';
import { P256_STEP, P256_TABLE_BYTES, p256Ecdh, p256EcdhJob, p256Finish, p256LastCost, p256PrivateKey, p256PublicKey, p256PublicKeyJob, p256Sign, p256SignJob, p256Spki, p256Verify, p256VerifyJob, p256VerifyTableJob, p256VerifyWithTable, spkiP256, type P256Job } from '../../transport/crypto/p256';
import { nodeCrypto } from '../../sim/node-crypto';
import { FORMULA_UNITS, PIECE_MAX, job } from '../../transport/crypto/p256-job';
import { ninv } from '../../transport/crypto/p256-ninv';
import { espruinoCryptoModule } from '../../sim/espruino-crypto';
import { createEspruinoContext } from '../../sim/espruino-vm';
import { lint } from '../../tools/espruino-lint.mjs';
import { ESPRUINO_BIN, espruinoDir, espruinoSkip, startEspruino } from '../board/espruino-proc';
import { storeFileCode } from '../../tools/espruino/bin.mjs';
import { writeFileSync, rmSync } from 'node:fs';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (u: Uint8Array | Buffer) => Buffer.from(u).toString('hex');
const sha256 = (s: string | Uint8Array) => new Uint8Array(createHash('sha256').update(s).digest());
const big = (u: Uint8Array) => BigInt('0x' + (toHex(u) || '0'));
const bytes32 = (v: bigint) => hex(v.toString(16).padStart(64, '0'));
/** node:crypto gives private keys and JWK coordinates without their leading zero bytes: back to 32. */
const pad32 = (b: Uint8Array | Buffer) => {
  const o = new Uint8Array(32);
  o.set(b, 32 - b.length);
  return o;
};

const P = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
const G = '04' + '6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296' + '4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5';

/** node:crypto's public point for a scalar (OpenSSL as the reference). */
function nodePub(d: Uint8Array): string {
  const e = createECDH('prime256v1');
  e.setPrivateKey(Buffer.from(d));
  return e.getPublicKey('hex');
}

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const jwk = privateKey.export({ format: 'jwk' });
  const d = pad32(Buffer.from(jwk.d!, 'base64url'));
  const point = new Uint8Array(Buffer.concat([Buffer.from([4]), pad32(Buffer.from(jwk.x!, 'base64url')), pad32(Buffer.from(jwk.y!, 'base64url'))]));
  return { privateKey, publicKey, d, point };
}

// NIST CAVP KAS ECC CDH primitive test vectors (KAS_ECC_CDH_PrimitiveTest.txt), [P-256] COUNT = 0 and 1.
const CDH = [
  {
    qx: '700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287', qy: 'db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ac',
    d: '7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534',
    ix: 'ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385ed281d8a6b230', iy: '28af61281fd35e2fa7002523acc85a429cb06ee6648325389f59edfce1405141',
    z: '46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd7b',
  },
  {
    qx: '809f04289c64348c01515eb03d5ce7ac1a8cb9498f5caa50197e58d43a86a7ae', qy: 'b29d84e811197f25eba8f5194092cb6ff440e26d4421011372461f579271cda3',
    d: '38f65d6dce47676044d58ce5139582d568f64bb16098d179dbab07741dd5caf5',
    ix: '119f2f047902782ab0c9e27a54aff5eb9b964829ca99c06b02ddba95b0a3f6d0', iy: '8f52b726664cac366fc98ac7a012b2682cbd962e5acb544671d41b9445704d1d',
    z: '057d636096cb80b67a8c038c890e887d1adfa4195e9b3ce241c8a778c59cda67',
  },
];

// RFC 6979 A.2.5: ECDSA, 256 bits (prime field), with SHA-256.
const R6979 = {
  x: 'c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721',
  ux: '60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6',
  uy: '7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299',
  sigs: [
    { msg: 'sample', r: 'efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716', s: 'f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8' },
    { msg: 'test', r: 'f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367', s: '019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083' },
  ],
};

/** DER SEQUENCE { INTEGER r, INTEGER s } of two 32-byte hex values, built independently of p256.ts. */
function der(r: string, s: string): string {
  const int = (h: string) => {
    let b = Buffer.from(h, 'hex');
    while (b.length > 1 && b[0] === 0 && !(b[1] & 0x80)) b = b.subarray(1);
    if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
    return Buffer.concat([Buffer.from([2, b.length]), b]);
  };
  const body = Buffer.concat([int(r), int(s)]);
  return toHex(Buffer.concat([Buffer.from([0x30, body.length]), body]));
}

test('NIST CAVP ECC CDH P-256 COUNT 0 and 1: public key dIUT*G = QIUT and shared x = ZIUT', () => {
  for (const v of CDH) {
    assert.equal(toHex(p256PublicKey(hex(v.d))), '04' + v.ix + v.iy);
    assert.equal(toHex(p256Ecdh(hex(v.d), hex('04' + v.qx + v.qy))!), v.z);
  }
});

test('RFC 6979 A.2.5 P-256/SHA-256: public key and deterministic signatures for "sample" and "test", byte for byte', () => {
  assert.equal(toHex(p256PublicKey(hex(R6979.x))), '04' + R6979.ux + R6979.uy);
  const pub = hex('04' + R6979.ux + R6979.uy);
  for (const v of R6979.sigs) {
    const sig = p256Sign(hex(R6979.x), sha256(v.msg), nodeCrypto);
    assert.equal(toHex(sig), der(v.r, v.s), v.msg);
    assert.ok(p256Verify(pub, sha256(v.msg), sig), v.msg);
  }
});

test('ECDH agrees with node:crypto on random key pairs, both directions, and public keys match', () => {
  for (let i = 0; i < 12; i++) {
    const a = createECDH('prime256v1');
    a.generateKeys();
    const b = createECDH('prime256v1');
    b.generateKeys();
    const da = pad32(a.getPrivateKey()), db = pad32(b.getPrivateKey());
    assert.equal(toHex(p256PublicKey(da)), a.getPublicKey('hex'));
    const want = a.computeSecret(b.getPublicKey()).toString('hex');
    assert.equal(toHex(p256Ecdh(da, new Uint8Array(b.getPublicKey()))!), want);
    assert.equal(toHex(p256Ecdh(db, p256PublicKey(da))!), want);
  }
});

test('scalar multiplication at the window edges: small scalars, zero top windows, all-ones nibbles, n-1, n-2', () => {
  const scalars = [1n, 2n, 3n, 15n, 16n, 17n, 255n, 256n, 2n ** 128n, 2n ** 252n - 1n, 2n ** 255n, 2n ** 256n - 2n ** 224n, N - 1n, N - 2n, N - 16n];
  const q = createECDH('prime256v1');
  q.generateKeys();
  for (const k of scalars) {
    const d = bytes32(k);
    assert.equal(toHex(p256PublicKey(d)), nodePub(d), `k*G, k = ${k.toString(16)}`);
    assert.equal(toHex(p256Ecdh(d, new Uint8Array(q.getPublicKey()))!), toHex(q.computeSecret(Buffer.from(nodePub(d), 'hex'))), `k*Q, k = ${k.toString(16)}`);
  }
  // 1*Q = Q and (n-1)*Q = -Q share Q's x-coordinate.
  assert.equal(toHex(p256Ecdh(bytes32(1n), hex(G))!), G.slice(2, 66));
  assert.equal(toHex(p256Ecdh(bytes32(N - 1n), hex(G))!), G.slice(2, 66));
});

test('private scalar 0, n, n+1 and 2^256-1 or not 32 bytes: ECDH gives null, public key and sign throw', () => {
  const peer = hex(G);
  for (const k of [0n, N, N + 1n, 2n ** 256n - 1n]) {
    assert.equal(p256Ecdh(bytes32(k), peer), null, k.toString(16));
    assert.throws(() => p256PublicKey(bytes32(k)), /out of range/);
    assert.throws(() => p256Sign(bytes32(k), sha256('x'), nodeCrypto), /bad sign input/);
  }
  assert.equal(p256Ecdh(new Uint8Array(31).fill(1), peer), null);
  assert.throws(() => p256Sign(bytes32(5n), new Uint8Array(31), nodeCrypto), /bad sign input/);
});

test('p256PrivateKey draws again while the Rng gives 0 or a value >= n', () => {
  const draws = [bytes32(0n), bytes32(N), bytes32(2n ** 256n - 1n), bytes32(N - 1n)];
  let calls = 0;
  const k = p256PrivateKey({ fill: (out) => out.set(draws[calls++]) });
  assert.equal(calls, 4);
  assert.equal(big(k), N - 1n);
});

/** A point with a small x (< 2^256 - p), so that x + p still fits in 32 bytes. */
function smallXPoint(): { x: bigint; y: bigint } {
  const pow = (b: bigint, e: bigint) => {
    let r = 1n;
    b %= P;
    for (; e; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
    return r;
  };
  for (let x = 1n; ; x++) {
    const rhs = (((x * x * x - 3n * x + B) % P) + P) % P;
    const y = pow(rhs, (P + 1n) / 4n); // p = 3 mod 4
    if ((y * y) % P === rhs) return { x, y };
  }
}

test('peer point validation (RFC 8422 §5.11): off the curve, x or y >= p, infinity, compressed, hybrid, wrong lengths', () => {
  const d = bytes32(0x1234567n);
  const { x, y } = smallXPoint();
  const good = hex('04' + toHex(bytes32(x)) + toHex(bytes32(y)));
  assert.notEqual(p256Ecdh(d, good), null, 'the small-x point itself is valid');
  const e = createECDH('prime256v1');
  e.setPrivateKey(Buffer.from(d));
  assert.equal(toHex(p256Ecdh(d, good)!), e.computeSecret(Buffer.from(good)).toString('hex'));
  // x + p is x mod p: only the range check refuses it (the curve equation would hold).
  assert.equal(p256Ecdh(d, hex('04' + toHex(bytes32(x + P)) + toHex(bytes32(y)))), null, 'x >= p');
  assert.equal(p256Ecdh(d, hex('04' + toHex(bytes32(x)) + toHex(bytes32(P)))), null, 'y = p');
  assert.equal(p256Ecdh(d, hex('04' + toHex(bytes32(x)) + toHex(bytes32((y + 1n) % P)))), null, 'off the curve');
  assert.equal(p256Ecdh(d, hex('04' + '00'.repeat(64))), null, '(0, 0) is not on the curve (b != 0)');
  assert.equal(p256Ecdh(d, hex('00')), null, 'SEC 1 encoding of infinity');
  assert.equal(p256Ecdh(d, hex('02' + G.slice(2, 66))), null, 'compressed');
  assert.equal(p256Ecdh(d, hex('06' + G.slice(2))), null, 'hybrid');
  assert.equal(p256Ecdh(d, hex(G.slice(0, 128))), null, '64 bytes');
  assert.equal(p256Ecdh(d, hex(G + '00')), null, '66 bytes');
  assert.notEqual(p256Ecdh(d, hex(G)), null, 'G itself');
});

test('signatures verify in node:crypto (DER) and node:crypto signatures verify here; a changed hash, key or bit fails', () => {
  for (let i = 0; i < 10; i++) {
    const kp = keyPair();
    const msg = randomBytes(40 + i);
    const h = sha256(msg);
    const ours = p256Sign(kp.d, h, nodeCrypto);
    assert.ok(verify('sha256', msg, { key: kp.publicKey, dsaEncoding: 'der' }, ours), 'node verifies ours');
    const theirs = new Uint8Array(sign('sha256', msg, { key: kp.privateKey, dsaEncoding: 'der' }));
    assert.ok(p256Verify(kp.point, h, theirs), 'we verify node');
    assert.ok(p256Verify(kp.point, h, ours), 'we verify ours');
    const h2 = new Uint8Array(h);
    h2[0] ^= 1;
    assert.equal(p256Verify(kp.point, h2, theirs), false, 'other hash');
    assert.equal(p256Verify(keyPair().point, h, theirs), false, 'other key');
    const bad = new Uint8Array(theirs);
    bad[bad.length - 1] ^= 0x10;
    assert.equal(p256Verify(kp.point, h, bad), false, 'flipped bit in s');
  }
});

test('RFC 6979 §3.6 extra data changes k: different signature, still valid in node:crypto', () => {
  const kp = keyPair();
  const h = sha256('m');
  const a = p256Sign(kp.d, h, nodeCrypto);
  assert.equal(toHex(p256Sign(kp.d, h, nodeCrypto)), toHex(a), 'deterministic without extra data');
  const b = p256Sign(kp.d, h, nodeCrypto, randomBytes(32));
  assert.notEqual(toHex(b), toHex(a));
  assert.ok(verify('sha256', Buffer.from('m'), { key: kp.publicKey, dsaEncoding: 'der' }, b));
});

test('a hash >= n is reduced mod n (FIPS 186-4 §6.4: e = leftmost 256 bits, then mod n)', () => {
  const kp = keyPair();
  for (const h of [new Uint8Array(32).fill(0xff), bytes32(N), bytes32(N + 5n)]) {
    const sig = p256Sign(kp.d, h, nodeCrypto);
    assert.ok(p256Verify(kp.point, h, sig));
    // the same signature is valid for h mod n
    assert.ok(p256Verify(kp.point, bytes32(big(h) % N), sig));
  }
});

test('verification refuses r or s zero, equal to n or above, and accepts the high-s twin (n - s) as ECDSA does', () => {
  const pub = hex('04' + R6979.ux + R6979.uy);
  const h = sha256('sample');
  const { r, s } = R6979.sigs[0];
  const h32 = (v: bigint) => v.toString(16).padStart(64, '0');
  assert.ok(p256Verify(pub, h, hex(der(r, s))));
  assert.ok(p256Verify(pub, h, hex(der(r, h32(N - BigInt('0x' + s))))), 'n - s');
  for (const [rr, ss, why] of [
    ['00', s, 'r = 0'], [r, '00', 's = 0'], [h32(N), s, 'r = n'], [r, h32(N), 's = n'],
    [h32(2n ** 256n - 1n), s, 'r = 2^256 - 1'],
  ] as const) {
    assert.equal(p256Verify(pub, h, hex(der(rr.padStart(64, '0'), ss.padStart(64, '0')))), false, why);
  }
  // r + n as a 33-byte INTEGER: > 256 bits.
  const rn = (BigInt('0x' + r) + N).toString(16);
  assert.equal(p256Verify(pub, h, hex(der('0' + rn, s).replace(/^3046022100/, '3046022101'))), false, 'r + n (257 bits)');
});

/** Affine addition on the curve (null: infinity), for reference values. */
function refAdd(a: bigint[] | null, b: bigint[] | null): bigint[] | null {
  if (!a) return b;
  if (!b) return a;
  const m = (v: bigint) => ((v % P) + P) % P;
  const inv = (v: bigint) => { let r = 1n, x = m(v); for (let e = P - 2n; e; e >>= 1n, x = (x * x) % P) if (e & 1n) r = (r * x) % P; return r; };
  let l: bigint;
  if (a[0] === b[0]) {
    if (m(a[1] + b[1]) === 0n) return null;
    l = (m(3n * a[0] * a[0] - 3n) * inv(2n * a[1])) % P;
  } else l = (m(b[1] - a[1]) * inv(b[0] - a[0])) % P;
  const x = m(l * l - a[0] - b[0]);
  return [x, m(l * (a[0] - x) - a[1])];
}

test('verification makes its key\'s comb table (entry d = sum of 2^(52 i) Q over d\'s bits, affine), and with it gives the same answers', () => {
  const { d, point: q } = keyPair();
  const h = sha256('table');
  const sig = p256Sign(d, h, nodeCrypto);
  const j = p256VerifyTableJob(q, h, sig, null, true);
  assert.equal(p256Finish(j), true);
  const tb = j.tb!;
  assert.equal(tb.length, P256_TABLE_BYTES);
  const teeth = [[big(q.subarray(1, 33)), big(q.subarray(33))]];
  for (let i = 1; i < 5; i++) {
    let t: bigint[] | null = teeth[i - 1];
    for (let k = 0; k < 52; k++) t = refAdd(t, t);
    teeth.push(t!);
  }
  for (let e = 1; e < 32; e++) {
    let want: bigint[] | null = null;
    for (let i = 0; i < 5; i++) if (e & (1 << i)) want = refAdd(want, teeth[i]);
    assert.equal(toHex(tb.subarray(64 * (e - 1), 64 * e)), toHex(bytes32(want![0])) + toHex(bytes32(want![1])), `entry ${e}`);
  }
  // given the table: no new one, the same answers (a changed hash, the high-s twin)
  const j2 = p256VerifyTableJob(q, h, sig, tb);
  assert.equal(p256Finish(j2), true);
  assert.equal(j2.tb, null);
  const h2 = h.slice();
  h2[3] ^= 1;
  assert.equal(p256VerifyWithTable(q, h2, sig, tb), false);
  for (let i = 0; i < 4; i++) {
    const m = sha256('more ' + i);
    const s2 = p256Sign(d, m, nodeCrypto);
    assert.equal(p256VerifyWithTable(q, m, s2, tb), true);
    assert.equal(p256Verify(q, m, s2), true);
  }
  // a table that is not this key's (another key's, cut short) is not used: the job makes its own
  const other = keyPair();
  const jo = p256VerifyTableJob(other.point, h, p256Sign(other.d, h, nodeCrypto), null, true);
  p256Finish(jo);
  for (const t of [jo.tb!, tb.subarray(0, 1000)]) {
    const k = p256VerifyTableJob(q, h, sig, t, true);
    assert.equal(p256Finish(k), true);
    assert.equal(toHex(k.tb!), toHex(tb));
    // not asked to make one: the NAF path, no table
    const n = p256VerifyTableJob(q, h, sig, t);
    assert.equal(p256Finish(n), true);
    assert.equal(n.tb, null);
  }
});

test('an addition of equal points inside the combs (Q = G, e = r: u1 = u2) still verifies: the columns run again exactly', () => {
  const modPow = (b: bigint, e: bigint, m: bigint) => { let r = 1n; for (b %= m; e; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m; return r; };
  const q = hex(G);
  for (let i = 0; i < 3; i++) {
    const k = big(randomBytes(32)) % (N - 1n) + 1n;
    const r = big(p256PublicKey(bytes32(k)).subarray(1, 33)) % N;
    const s = (modPow(k, N - 2n, N) * 2n * r) % N; // k^-1 (e + r d) with d = 1, e = r
    const sig = hex(der(r.toString(16).padStart(64, '0'), s.toString(16).padStart(64, '0')));
    const h = bytes32(r);
    // valid by construction: u1 + u2 = (e + r) / s = k, and x(kG) mod n = r
    const w = modPow(s, N - 2n, N);
    assert.equal(big(p256PublicKey(bytes32((((r * w) % N) * 2n) % N)).subarray(1, 33)) % N, r);
    const j = p256VerifyTableJob(q, h, sig, null, true);
    assert.equal(p256Finish(j), true, 'making the table');
    assert.equal(p256Verify(q, h, sig), true, 'by the NAFs');
    assert.equal(p256VerifyWithTable(q, h, sig, j.tb!), true, 'with the table');
    h[31] ^= 1;
    assert.equal(p256VerifyWithTable(q, h, sig, j.tb!), false);
  }
});

test('inversion mod n (p256-ninv.ts, batched binary GCD on 53-bit approximations): 1, 2, n-1, n-2, powers of two, small and random values, against BigInt', () => {
  const limbs = (v: bigint) => { const a = new Uint16Array(16); for (let i = 0; i < 16; i++) a[i] = Number((v >> BigInt(16 * i)) & 0xffffn); return a; };
  const val = (a: ArrayLike<number>) => { let v = 0n; for (let i = 15; i >= 0; i--) v = (v << 16n) + BigInt(a[i]); return v; };
  const cases = [1n, 2n, 3n, N - 1n, N - 2n, 1n << 255n, (1n << 128n) + 1n, 0xffffffffn, (1n << 52n) - 1n, 1n << 52n, (1n << 53n) + 1n];
  for (let i = 0; i < 400; i++) cases.push((big(randomBytes(32)) % (N - 1n)) + 1n);
  for (let i = 0; i < 64; i++) cases.push(big(randomBytes(1 + (i % 32))) % (N - 1n) + 1n);
  for (const x of cases) {
    let batches = 0;
    const j = job((j) => ninv(j, limbs(x), (j) => { j.f = null; j.r = j.iv; batches = j.gn; }), null);
    const r = p256Finish(j) as Uint16Array;
    assert.equal((val(r) * x) % N, 1n, x.toString(16));
    assert.ok(val(r) < N);
    assert.ok(batches <= 22, `${batches} batches for ${x.toString(16)}`);
  }
});

test('strict DER: long-form lengths, trailing bytes, negative INTEGERs, superfluous leading zeros, truncation, wrong tags', () => {
  const pub = hex('04' + R6979.ux + R6979.uy);
  const h = sha256('test');
  const good = der(R6979.sigs[1].r, R6979.sigs[1].s); // r has its high bit set (33 bytes), s starts 0x01 (32 bytes)
  assert.equal(good.slice(0, 10), '3045022100');
  assert.ok(p256Verify(pub, h, hex(good)));
  const body = good.slice(4);
  const rInt = body.slice(0, 2 * 35), sInt = body.slice(2 * 35);
  const cases: [string, string][] = [
    ['3081' + good.slice(2), 'long-form SEQUENCE length'],
    ['3046' + body + '00', 'trailing byte after the SEQUENCE (length covers it)'],
    [good + '00', 'trailing byte after the SEQUENCE'],
    ['3045' + '028121' + rInt.slice(4) + sInt, 'long-form INTEGER length'],
    ['3044' + '0220' + rInt.slice(6) + sInt, 'r negative (high bit set, no 00)'],
    ['3046' + '022200' + rInt.slice(4) + sInt, 'r with two leading zeros'],
    ['3045' + '022101' + rInt.slice(6) + sInt, 'r of 33 bytes whose first byte is not 00 (it would be dropped)'],
    ['3045' + '022180' + rInt.slice(6) + sInt, 'r of 33 bytes, negative'],
    ['3046' + rInt + '022100' + sInt.slice(4), 's with a superfluous leading zero'],
    ['3045' + '0321' + rInt.slice(4) + sInt, 'r tagged BIT STRING'],
    ['3145' + body, 'SET instead of SEQUENCE'],
    [good.slice(0, -2), 'truncated'],
    ['3023' + rInt, 's missing'],
    ['3000', 'empty SEQUENCE'],
    ['', 'empty'],
    ['3045' + rInt + '0200', 's of length 0'],
  ];
  for (const [sig, why] of cases) assert.equal(p256Verify(pub, h, hex(sig)), false, why);
  // never throws, whatever it is given
  assert.equal(p256Verify(null as unknown as Uint8Array, h, hex(good)), false);
  assert.equal(p256Verify(pub, h, null as unknown as Uint8Array), false);
  assert.equal(p256Verify(pub, new Uint8Array(31), hex(good)), false, '31-byte hash');
  assert.equal(p256Verify(hex('04' + R6979.ux + R6979.ux), h, hex(good)), false, 'key off the curve');
  for (let i = 0; i < 300; i++) p256Verify(pub, h, randomBytes(i % 80));
});

test('SPKI: our encoding equals node:crypto\'s DER export; spkiP256 reads it back and refuses other keys', () => {
  const kp = keyPair();
  const spki = new Uint8Array(kp.publicKey.export({ type: 'spki', format: 'der' }));
  assert.equal(toHex(p256Spki(kp.point)), toHex(spki));
  assert.equal(toHex(spkiP256(spki)!), toHex(kp.point));
  const ed = new Uint8Array(generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }));
  assert.equal(spkiP256(ed), null, 'Ed25519 SPKI');
  const offCurve = new Uint8Array(spki);
  offCurve[90] ^= 1;
  assert.equal(spkiP256(offCurve), null, 'point off the curve');
  const oid = new Uint8Array(spki);
  oid[20] ^= 1;
  assert.equal(spkiP256(oid), null, 'other curve OID');
  assert.equal(spkiP256(spki.subarray(0, 90)), null, 'short');
  assert.ok(createPublicKey({ key: Buffer.from(p256Spki(p256PublicKey(bytes32(7n)))), format: 'der', type: 'spki' }));
});

test('the generated field arithmetic (p256-field.ts, c25519-mul.ts) is what tools/gen-field.mjs writes', () => {
  execFileSync(process.execPath, [join(import.meta.dirname, '../../tools/gen-field.mjs'), '--check']);
});

test('p256.ts and its parts, compiled to ES5, pass tools/espruino-lint (hoisting, missing built-ins, ES5 syntax); each under 500 lines', () => {
  for (const f of ['p256', 'p256-field', 'p256-job', 'p256-mul', 'p256-verify']) {
    const src = readFileSync(join(import.meta.dirname, `../../transport/crypto/${f}.ts`), 'utf8');
    assert.ok(src.split('\n').length <= 500, `${f}.ts: ${src.split('\n').length} lines`);
    let js = ts.transpileModule(src, { compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.CommonJS } }).outputText;
    // TypeScript's CommonJS glue assigns the exports before the declarations: move it last.
    const glue = js.match(/^exports\.\w+ = \w+;$/gm) || [];
    assert.ok(glue.length >= 1, f);
    for (const g of glue) js = js.replace(g + '\n', '');
    assert.deepEqual(lint(js + glue.join('\n') + '\n'), [], f);
  }
});

/** p256 and the Espruino CryptoBackend as one ES5 IIFE (global P256), minified as the firmware is. */
let bundled: Promise<string> | null = null;
function bundle(): Promise<string> {
  bundled ??= (async () => {
    const entry = `export { p256Ecdh, p256PublicKey, p256Sign, p256Verify } from './transport/crypto/p256';
export { espruinoCrypto } from './transport/crypto/espruino';`;
    const root = join(import.meta.dirname, '../..');
    const r = await build({ stdin: { contents: entry, resolveDir: root, loader: 'ts' }, bundle: true, format: 'iife', globalName: 'P256', target: 'es2015', write: false });
    const es5 = ts.transpileModule(r.outputFiles[0].text, { compilerOptions: { target: ts.ScriptTarget.ES5 } }).outputText;
    // terser with the project's Espruino-safe options (package.json "minify"), as the firmware build.
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    return (await minify(es5, { ecma: 5, compress: pkg.minify.compress, mangle: { reserved: pkg.minify.mangle.reserved } })).code!;
  })();
  return bundled;
}

const HELPERS = `var hex = function (s) { var u = new Uint8Array(s.length / 2); for (var i = 0; i < u.length; i++) u[i] = parseInt(s.substr(2 * i, 2), 16); return u; };
var toHex = function (u) { var s = ''; for (var i = 0; i < u.length; i++) s += (256 + u[i]).toString(16).substr(1); return s; };`;

test('bundled to ES5, minified as the firmware is, run in the Espruino-stripped vm: CAVP ECDH, RFC 6979 signature on Espruino\'s crypto module, verify', async () => {
  const min = await bundle();
  // Espruino parses nested expressions recursively on a tiny stack: terser's collapse_vars once
  // folded the generated mod-n multiplication into one expression 60 parentheses deep.
  let depth = 0, deepest = 0;
  for (const ch of min) if (ch === '(') deepest = Math.max(deepest, ++depth); else if (ch === ')') depth--;
  assert.ok(deepest <= 8, `minified p256 nests ${deepest} parentheses deep`);
  const ctx = createEspruinoContext({ modules: { crypto: espruinoCryptoModule().mod } });
  ctx.run(min);
  ctx.run(HELPERS);
  const v = CDH[0];
  assert.equal(ctx.run(`toHex(P256.p256Ecdh(hex('${v.d}'), hex('04${v.qx}${v.qy}')))`), v.z);
  assert.equal(ctx.run(`toHex(P256.p256PublicKey(hex('${v.d}')))`), '04' + v.ix + v.iy);
  const s = R6979.sigs[0];
  const sig = ctx.run(`var c = P256.espruinoCrypto(require('crypto')); toHex(P256.p256Sign(hex('${R6979.x}'), hex('${toHex(sha256(s.msg))}'), c))`);
  assert.equal(sig, der(s.r, s.s));
  assert.equal(ctx.run(`P256.p256Verify(hex('04${R6979.ux}${R6979.uy}'), hex('${toHex(sha256(s.msg))}'), hex('${sig}'))`), true);
  assert.equal(ctx.run(`P256.p256Verify(hex('04${R6979.ux}${R6979.uy}'), hex('${toHex(sha256('x'))}'), hex('${sig}'))`), false);
  ctx.stop();
});

test('in Espruino itself (ESPRUINO_BIN), loaded from Storage: CAVP ECDH and the RFC 6979 "sample" signature', { skip: espruinoSkip() }, async () => {
  const dir = espruinoDir();
  try {
    writeFileSync(join(dir, 'p256.js'), await bundle());
    const v = CDH[0], s = R6979.sigs[0];
    writeFileSync(join(dir, 'run.js'), `${storeFileCode('p256.js', 'p256.js')}
eval(require('Storage').read('p256.js'));
${HELPERS}
print('Z=' + toHex(P256.p256Ecdh(hex('${v.d}'), hex('04${v.qx}${v.qy}'))));
print('SIG=' + toHex(P256.p256Sign(hex('${R6979.x}'), hex('${toHex(sha256(s.msg))}'), P256.espruinoCrypto(require('crypto')))));
quit();
`);
    const run = startEspruino(dir, ['run.js'], ESPRUINO_BIN, 240);
    const { out } = await run.done;
    assert.equal(/Z=(\w+)/.exec(out)?.[1], v.z, out.slice(-1000));
    assert.equal(/SIG=(\w+)/.exec(out)?.[1], der(s.r, s.s), out.slice(-1000));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the look-ahead\'s contract: every piece of every operation weighs at most PIECE_MAX units (a point formula its own), so no step passes P256_STEP', () => {
  const { d, point: q } = keyPair();
  const other = keyPair();
  const h = sha256('pieces');
  const sig = p256Sign(d, h, nodeCrypto);
  const tb = p256VerifyTableJob(q, h, sig, null, true);
  p256Finish(tb);
  const jobs: [string, () => P256Job][] = [
    ['public key', () => p256PublicKeyJob(d)], ['sign', () => p256SignJob(d, h, nodeCrypto)], ['ECDH', () => p256EcdhJob(d, other.point)],
    ['verify', () => p256VerifyJob(q, h, sig)], ['verify, making the table', () => p256VerifyTableJob(q, h, sig, null, true)], ['verify with the table', () => p256VerifyTableJob(q, h, sig, tb.tb)],
  ];
  for (const [what, make] of jobs) {
    // a budget below every weight: a step is one weighed piece (and the unweighed ones before it)
    const j = make();
    let done = false;
    while (!done) {
      done = j.run(1e-9);
      const c = p256LastCost();
      assert.ok(c <= PIECE_MAX || FORMULA_UNITS.includes(c), `${what}: a piece of ${c} units`);
    }
    const s = make();
    let n = 0, most = 0;
    for (done = false; !done; n++) {
      done = s.run();
      most = Math.max(most, p256LastCost());
    }
    assert.ok(most <= P256_STEP + 1e-9, `${what}: a step of ${most} units`);
    assert.deepEqual(s.r, j.r, what);
  }
});
