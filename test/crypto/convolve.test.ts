// The field products' native columns (transport/crypto/convolve.ts): Node's stand-in for
// Espruino's E.convolve means the same, and on the board's stand-in (ESPRUINO_BIN) the native
// gives the same sums, for the arrays and offsets the products use and for signed limbs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convolve, REV, REVL } from '../../transport/crypto/convolve';
import { runEspruino } from '../helpers/espruino';
import { espruinoSkip } from '../board/espruino-proc';

/** The definition Espruino documents: v = sum over i of arr1[i] * arr2[(i + offset) % arr2.length], offset taken mod the length. */
function reference(a: ArrayLike<number>, b: ArrayLike<number>, offset: number): number {
  let s = 0;
  const n = b.length;
  for (let i = 0; i < a.length; i++) s += a[i] * b[(((i + offset) % n) + n) % n];
  return s;
}

/** Deterministic limbs: signed, up to 2^21 in size (the loosely reduced field elements' range). */
function limbs(seed: number, n: number): Int32Array {
  const r = new Int32Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    r[i] = (x % (1 << 22)) - (1 << 21);
  }
  return r;
}

test('convolve: the sum Espruino documents, for every offset a product uses, negative and past the length', () => {
  const a = limbs(1, 16), b = limbs(2, 32);
  for (let off = -40; off <= 70; off++) assert.equal(convolve(a, b, off), reference(a, b, off), `offset ${off}`);
  // REV: b's limbs reversed then zeros, so offset 15 - k gives column k of a*b
  const x = limbs(3, 16), y = limbs(4, 16);
  REVL.set(y);
  REVL.reverse();
  for (let k = 0; k < 31; k++) {
    let col = 0;
    for (let i = 0; i < 16; i++) if (k - i >= 0 && k - i < 16) col += x[i] * y[k - i];
    assert.equal(convolve(x, REV, (15 - k + 32) % 32), col, `column ${k}`);
  }
});

test('convolve: E.convolve on the board\'s stand-in gives the same sums (Int32Array, Uint16Array, signed limbs)', { skip: espruinoSkip() }, () => {
  const cases: [number[], number[], number][] = [];
  for (let s = 0; s < 8; s++) {
    const a = [...limbs(10 + s, 16)], b = [...limbs(20 + s, 32)];
    for (const off of [0, 1, 15, 17, 31, -3]) cases.push([a, b, off]);
  }
  const code = `var C = ${JSON.stringify(cases)}, out = [];
C.forEach(function (c) { out.push(E.convolve(new Int32Array(c[0]), new Int32Array(c[1]), c[2])); });
out.push(E.convolve(new Int32Array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), new Uint16Array([65535, 7]), 0));
print('CONV ' + JSON.stringify(out));
setTimeout(function () { quit(); }, 1);
`;
  const { out } = runEspruino(code, 60);
  const m = /CONV (\[.*\])/.exec(out);
  assert.ok(m, out.slice(-2000));
  const got = JSON.parse(m![1]) as number[];
  const want = cases.map(([a, b, off]) => convolve(Int32Array.from(a), Int32Array.from(b), off));
  want.push(convolve(Int32Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), Uint16Array.from([65535, 7]), 0));
  assert.deepEqual(got, want);
  assert.equal(want[want.length - 1], 65535);
});
