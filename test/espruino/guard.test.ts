// The Espruino guard (issue #2): dist/firmware.js must be ES5, free of the constructs
// Espruino 2v29 mishandles, and must run in a context stripped to Espruino's built-ins
// and in a second embedded ES5 engine (duktape).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'acorn';
import { lint } from '../../tools/espruino-lint.mjs';
import { createEspruinoContext, loadFirmware } from '../../sim/espruino-vm';
import { needPeer } from '../helpers/peers';

const BUNDLE = join(import.meta.dirname, '../../dist/firmware.js');
const SMOKE = join(import.meta.dirname, 'smoke.es5.js');
const bundle = readFileSync(BUNDLE, 'utf8');

test('bundle parses as ECMAScript 5', () => {
  assert.doesNotThrow(() => parse(bundle, { ecmaVersion: 5 }));
});

test('bundle has no Espruino-unsafe constructs', () => {
  assert.deepEqual(lint(bundle), []);
});

test('bundle requires only Espruino built-in modules', () => {
  const mods = [...bundle.matchAll(/\brequire\(\s*["']([^"']*)["']\s*\)/g)].map((m) => m[1]);
  for (const m of mods) assert.ok(['dgram', 'crypto', 'Storage', 'Wifi', 'ESP32', 'net'].includes(m), m);
});

test('static checker: every rule fires on a sample', () => {
  const samples: Record<string, string> = {
    'use-before-declaration': 'var a = b; var b = 1;',
    label: 'x: for (;;) { break x; }',
    'default-before-case': 'switch (1) { default: break; case 1: break; }',
    'array-hole': 'var h = [1,,2];',
    regex: 'var r = /(?:a)/;',
    'reserved-identifier': 'var of = 1;',
    'builtin-prototype': 'var s = Array.prototype.slice;',
    'missing-builtin': 'var m = new Map();',
    'logical-sequence': 'var a, b; a && (a = 1, b = 2);',
    'es5-syntax': 'let x = 1;',
  };
  for (const [rule, code] of Object.entries(samples)) {
    assert.ok(lint(code).some((f) => f.rule === rule), `${rule} did not fire on: ${code}`);
  }
  // a call that runs a function body reading a later declaration
  assert.ok(lint('f(); var q = 1; function f() { return q; }').some((f) => f.message.includes('`q`')));
  // and safe code stays quiet
  assert.deepEqual(lint('var q = 1; function f() { return q; } f(); typeof Symbol;'), []);
});

test('stripped context lacks what Espruino lacks', () => {
  const ctx = createEspruinoContext();
  for (const expr of ['typeof Map', 'typeof Set', 'typeof Symbol', 'typeof TextEncoder', 'typeof Object.assign', 'typeof Array.from', 'typeof Math.imul']) {
    assert.equal(ctx.run(expr), 'undefined', expr);
  }
  assert.equal(ctx.run('Array.isArray(new Uint8Array(3).slice(1))'), true, 'typed-array slice gives a plain Array');
  assert.throws(() => ctx.run('String.fromCharCode.apply(null, new Uint8Array(300))'));
  assert.throws(() => ctx.run('clearTimeout(undefined)'));
  assert.notEqual(ctx.run('Date.now() % 1'), 0);
  // a bundle that used Map would fail here
  assert.throws(() => ctx.run('new Map()'), /Map is not defined/);
});

test('bundle runs the codec smoke test in the Espruino-stripped context', () => {
  const { ctx } = loadFirmware(BUNDLE);
  const out = ctx.run(readFileSync(SMOKE, 'utf8'));
  assert.match(String(out), /^smoke ok/);
  ctx.stop();
});

test('bundle runs the codec smoke test under duktape', (t) => {
  if (!needPeer(t, 'duk', 'duktape')) return;
  const dir = mkdtempSync(join(tmpdir(), 'duk-'));
  const file = join(dir, 'smoke.js');
  // the one Espruino built-in the bundle reads at load (tools/build.mjs pass 9b: its tables from strings)
  const E = 'var E={toArrayBuffer:function(s){var u=new Uint8Array(s.length);for(var i=0;i<s.length;i++)u[i]=s.charCodeAt(i);return u.buffer;}};';
  writeFileSync(file, `${E}\n${bundle}\nprint(${readFileSync(SMOKE, 'utf8').trim().replace(/;$/, '')});\n`);
  const out = execFileSync('duk', [file], { encoding: 'utf8' });
  assert.match(out, /^smoke ok/);
});
