// tools/build.mjs pass 9b (flashTables): the bundle builds its typed arrays of constant integers
// from strings (kept in flash on a board); what they hold is what the source's tables hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'acorn';
import { simple } from 'acorn-walk';
import { allDefs } from '../../objects/core/defs';

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
