// tools/nacl-subset.mjs: tweetnacl cut to the `lowlevel` names a bundle uses (the Ed25519
// verifier's, tools/build.mjs NACL_SUBSETS): what it keeps computes what tweetnacl does, and
// what the verifier does not reach (SHA-512 and its table, box, secretbox, sign) is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import nacl from 'tweetnacl';
import { naclSubset } from '../../tools/nacl-subset.mjs';

const NAMES = ['A', 'D', 'L', 'M', 'S', 'Z', 'gf', 'pack25519', 'set25519', 'unpack25519'];
type Low = Record<string, any>;
const full = (nacl as unknown as { lowlevel: Low }).lowlevel;

/** The generated module evaluated as a script: its default export's lowlevel. */
function load(src: string): Low {
  const ctx = { out: null as any, Float64Array, Int32Array, Uint8Array };
  vm.runInNewContext(src.replace('export default', 'out ='), ctx);
  return ctx.out.lowlevel;
}

const fe = (low: Low) => {
  const o = low.gf();
  low.unpack25519(o, new Uint8Array(randomBytes(32)));
  return o;
};

for (const int32 of [false, true])
test(`nacl-subset${int32 ? ' (int32 limbs, the verifier\'s)' : ''}: the verifier's names compute as tweetnacl does (M, S, A, Z, pack/unpack, set) on random field elements, chained uncarried`, () => {
  const low = load(naclSubset(NAMES, { int32 }));
  assert.equal(low.gf() instanceof Int32Array, int32);
  assert.deepEqual(Object.keys(low).sort(), NAMES);
  assert.deepEqual([...low.D], [...full.D]);
  assert.deepEqual([...low.L], [...full.L]);
  for (let n = 0; n < 200; n++) {
    // sums and differences of field elements too: A and Z leave their limbs uncarried
    const a = fe(full), b = fe(full);
    if (n % 3 === 1) full.A(a, a, fe(full));
    if (n % 3 === 2) full.Z(b, b, fe(full));
    for (const op of ['M', 'A', 'Z', 'S', 'set25519'] as const) {
      const r1 = full.gf(), r2 = low.gf();
      if (op === 'S' || op === 'set25519') {
        full[op](r1, a);
        low[op](r2, a);
      } else {
        full[op](r1, a, b);
        low[op](r2, a, b);
      }
      const p1 = new Uint8Array(32), p2 = new Uint8Array(32);
      full.pack25519(p1, r1);
      low.pack25519(p2, r2);
      assert.deepEqual(p2, p1, op);
    }
  }
});

test('nacl-subset: keeps only what the names reach (no SHA-512, box, secretbox, sign), and refuses a name tweetnacl lacks', () => {
  const src = naclSubset(NAMES);
  for (const gone of ['crypto_hash', 'crypto_hashblocks_hl', 'var K', 'crypto_box', 'crypto_secretbox', 'crypto_sign', 'core_salsa20', 'poly1305', 'randombytes'])
    assert.ok(!src.includes(gone), gone);
  assert.ok(src.length < 12000, `${src.length} characters`);
  // a name that reaches the hash keeps it and its table
  const h = load(naclSubset(['crypto_hash']));
  const out = new Uint8Array(64), m = new Uint8Array(randomBytes(200));
  h.crypto_hash(out, m, m.length);
  assert.deepEqual(out, nacl.hash(m));
  assert.throws(() => naclSubset(['nope']), /tweetnacl's lowlevel has no 'nope'/);
});

const VED = join(import.meta.dirname, '../../dist/fw-verify-ed25519.js');
test('dist/fw-verify-ed25519.js (its tweetnacl cut, int32 limbs) run on the host as the device steps it: 40 random keys\' signatures accepted, each with one bit of message, R or S changed refused', { skip: existsSync(VED) ? false : 'skipped: dist/fw-verify-ed25519.js not built' }, () => {
  const ctx: Record<string, any> = {};
  const v = vm.runInNewContext(readFileSync(VED, 'utf8'), ctx);
  const sha512 = (m: Uint8Array) => new Uint8Array(createHash('sha512').update(m).digest());
  const run = (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array) => {
    const st = v.verify(pub, msg, sig, sha512);
    for (let n = 0; n < 5000; n++) {
      const r = st();
      if (r) return r;
    }
    throw new Error('no answer in 5000 steps');
  };
  for (let n = 0; n < 40; n++) {
    const k = generateKeyPairSync('ed25519');
    const pub = new Uint8Array(k.publicKey.export({ format: 'der', type: 'spki' }).subarray(12));
    const msg = new Uint8Array(randomBytes(1 + n * 7));
    const sig = new Uint8Array(sign(null, msg, k.privateKey));
    assert.equal(run(pub, msg, sig), 1, `key ${n}`);
    const m2 = msg.slice(), s2 = sig.slice();
    m2[n % msg.length] ^= 1 << (n & 7);
    assert.equal(run(pub, m2, sig), 2, `key ${n}, message changed`);
    s2[(n * 5) % 64] ^= 1 << (n & 7);
    assert.equal(run(pub, msg, s2), 2, `key ${n}, signature changed`);
  }
});
