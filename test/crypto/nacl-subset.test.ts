// tools/nacl-subset.mjs: tweetnacl cut to the `lowlevel` names a bundle uses (the Ed25519
// verifier's, tools/build.mjs NACL_SUBSETS): what it keeps computes what tweetnacl does, and
// what the verifier does not reach (SHA-512 and its table, box, secretbox, sign) is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import vm from 'node:vm';
import nacl from 'tweetnacl';
import { naclSubset } from '../../tools/nacl-subset.mjs';

const NAMES = ['A', 'D', 'L', 'M', 'S', 'Z', 'gf', 'pack25519', 'set25519', 'unpack25519'];
type Low = Record<string, any>;
const full = (nacl as unknown as { lowlevel: Low }).lowlevel;

/** The generated module evaluated as a script: its default export's lowlevel. */
function load(src: string): Low {
  const ctx = { out: null as any, Float64Array, Uint8Array };
  vm.runInNewContext(src.replace('export default', 'out ='), ctx);
  return ctx.out.lowlevel;
}

const fe = (low: Low) => {
  const o = low.gf();
  low.unpack25519(o, new Uint8Array(randomBytes(32)));
  return o;
};

test('nacl-subset: the verifier\'s names compute as tweetnacl does (M, S, A, Z, pack/unpack, set) on random field elements', () => {
  const low = load(naclSubset(NAMES));
  assert.deepEqual(Object.keys(low).sort(), NAMES);
  assert.deepEqual([...low.D], [...full.D]);
  assert.deepEqual([...low.L], [...full.L]);
  for (let n = 0; n < 50; n++) {
    const a = fe(full), b = fe(full);
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
