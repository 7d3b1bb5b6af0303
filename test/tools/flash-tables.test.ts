// tools/build.mjs pass 9b (flashTables): the bundle builds its typed arrays of constant integers
// from strings (kept in flash on a board); what they hold is what the source's tables hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'acorn';
import { simple } from 'acorn-walk';
import { allDefs } from '../../objects/core/defs';
import { flashTables } from '../../tools/flash-tables.mjs';

const DIST = join(import.meta.dirname, '../../dist');

test('the object definitions in dist/firmware.js: a string of little-endian 16-bit values, ASCII escapes only, the same numbers as objects/core/defs.ts', () => {
  const code = readFileSync(join(DIST, 'firmware.js'), 'utf8');
  const tables: { type: string; raw: string; value: string }[] = [];
  const literals: number[] = [];
  simple(parse(code, { ecmaVersion: 5 }) as never, {
    NewExpression(n: any) {
      if (!/^Uint(8|16|32)Array$/.test(n.callee.name || '') || n.arguments.length !== 1) return;
      const a = n.arguments[0];
      if (a.type === 'ArrayExpression' && a.elements.every((e: any) => e && e.type === 'Literal' && typeof e.value === 'number')) literals.push(a.elements.length);
      if (a.type === 'CallExpression' && a.callee.type === 'MemberExpression' && a.callee.object.name === 'E' && a.callee.property.name === 'toArrayBuffer') {
        tables.push({ type: n.callee.name, raw: a.arguments[0].raw, value: a.arguments[0].value });
      }
    },
  });
  assert.equal(tables.length, 1, 'one table: the object definitions');
  assert.ok(literals.every((n) => n * 2 < 32), `a constant table left as numbers: ${literals}`);
  const t = tables[0];
  assert.equal(t.type, 'Uint16Array');
  assert.match(t.raw, /^"[\x20-\x7e]*"$/, 'only printable ASCII, every other byte an escape');
  const bytes = Buffer.from(t.value, 'latin1');
  const values = Array.from({ length: bytes.length / 2 }, (_, i) => bytes.readUInt16LE(2 * i));
  assert.deepEqual(values, allDefs().flatMap((d) => Array.from(d as unknown as Uint16Array)));
});

const table = (name: string) => `var ${name}=new Uint16Array([${Array.from({ length: 20 }, (_, i) => i * 300).join(',')}]);`;

test('a table the code only reads through its members is built from a string', () => {
  const src = table('T') + 'function f(i){return T[i]+T.length+T.subarray(1,3)[0]}';
  const { code, made } = flashTables(src, undefined);
  assert.equal(made, 1);
  assert.match(code, /var T=new Uint16Array\(E\.toArrayBuffer\("/);
});

test('a table the code writes, or hands on whole, stays as numbers: on a board a table in flash is read-only', () => {
  for (const use of ['T[0]=1', 'T[1]++', 'T.set([1],0)', 'T.fill(0)', 'g(T)', 'T=null']) {
    const { code, made } = flashTables(`${table('T')}function f(){${use}}`, undefined);
    assert.equal(made, 0, use);
    assert.doesNotMatch(code, /toArrayBuffer/, use);
  }
  // and a table that is no `var`'s value at all
  assert.equal(flashTables(`g(new Uint16Array([${Array(20).fill(7).join(',')}]))`, undefined).made, 0);
});
