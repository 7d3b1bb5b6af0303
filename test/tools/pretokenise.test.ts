// tools/pretokenise.mjs on small cases whose bytes are written out here (LEX_* of Espruino 2v29's
// src/jslex.h); test/espruino/pretokenise.test.ts holds every bundle against Espruino's own tokeniser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pretokenise } from '../../tools/pretokenise.mjs';

const bytes = (s: string, opts?: { numbers?: boolean }) => [...Buffer.from(pretokenise(s, opts), 'latin1')];
const c = (s: string) => [...Buffer.from(s, 'latin1')];

test('reserved words and operators become one byte each; names and punctuation stay as they are', () => {
  // if=0xA3 return=0xAB var=0xAC function=0xAA ===0x8B &&=0x9E undefined=0xB7 in=0xB9 case=0xBC typeof=0xBF --=0x99
  assert.deepEqual(bytes('if (a === b && c) return undefined;'), [0xa3, ...c('(a'), 0x8b, ...c('b'), 0x9e, ...c('c)'), 0xab, 0xb7, ...c(';')]);
  assert.deepEqual(bytes('var f = function (x) { return x }'), [0xac, ...c('f='), 0xaa, ...c('(x){'), 0xab, ...c('x}')]);
});

test('numbers stay as written (a `.` after digits gets its space); with { numbers: true } integers in -32768..32767 are raw, as Espruino writes them', () => {
  assert.deepEqual(bytes('x=0;y=127;z=0x7fff;w=1.5'), c('x=0;y=127;z=0x7fff;w=1.5'));
  assert.deepEqual(bytes('x=1..toString()+2 .toString()+(3).a'), c('x=1..toString()+2 .toString()+(3).a'));
  assert.deepEqual(bytes('return 5'), [0xab, ...c('5')]);
  assert.deepEqual(bytes('a=b in 5'), [...c('a=b'), 0xb9, ...c('5')]);
  const n = { numbers: true };
  assert.deepEqual(bytes('x=0', n), [...c('x='), 0xd3]);
  assert.deepEqual(bytes('x=127', n), [...c('x='), 0xd4, 127]);
  assert.deepEqual(bytes('x=128', n), [...c('x='), 0xd5, 128, 0]);
  assert.deepEqual(bytes('x=0x7fff', n), [...c('x='), 0xd5, 0xff, 0x7f]);
  assert.deepEqual(bytes('x=32768', n), c('x=32768'));
  assert.deepEqual(bytes('x=1.5', n), c('x=1.5'));
  assert.deepEqual(bytes('x=1e3', n), c('x=1e3'));
  assert.deepEqual(bytes('x=-5', n), [...c('x=-'), 0xd4, 5]);
});

test('strings are raw behind their length; empty, \\u-escaped or mixed ones as written; others as their UTF-8 bytes, as the ESP32 build reads them', () => {
  assert.deepEqual(bytes('s="ab\\x00\\xff"'), [...c('s='), 0xd1, 4, 0x61, 0x62, 0, 0xff]);
  assert.deepEqual(bytes(`s=''`), c(`s=''`));
  assert.deepEqual(bytes('s="\\u20ac"'), c('s="\\u20ac"'));
  assert.deepEqual(bytes('s="€"'), [...c('s='), 0xd1, 3, 0xe2, 0x82, 0xac]);
  assert.deepEqual(bytes('s="€\\n"'), [...c('s='), ...Buffer.from('"€\\n"')]);
  const long = 'x'.repeat(300);
  assert.deepEqual(bytes(`s="${long}"`), [...c('s='), 0xd2, 300 & 255, 300 >> 8, ...c(long)]);
  assert.deepEqual(bytes('s=atob("AAH/")'), [...c('s='), 0xd1, 3, 0, 1, 0xff]);
});

test('spaces stay only where Espruino\'s lexer needs them to read two tokens apart', () => {
  assert.deepEqual(bytes('a - -b'), c('a- -b'));
  assert.deepEqual(bytes('a + +b'), c('a+ +b'));
  assert.deepEqual(bytes('a - --b'), [...c('a-'), 0x99, ...c('b')]);
  assert.deepEqual(bytes('typeof a in b'), [0xbf, ...c('a'), 0xb9, ...c('b')]);
  assert.deepEqual(bytes('x = a / /re/.source.length'), c('x=a/ /re/.source.length'));
  assert.deepEqual(bytes('case 1: a'), [0xbc, ...c('1:a')]);
  assert.deepEqual(bytes('case 1: a', { numbers: true }), [0xbc, 0xd4, 1, ...c(':a')]);
  assert.deepEqual(bytes('x = 1.5 in o'), [...c('x=1.5'), 0xb9, ...c('o')]);
  assert.deepEqual(bytes('x = 40000 * y'), c('x=40000*y'));
});

test('what is not ES5 is refused with the reason', () => {
  assert.throws(() => pretokenise('let x = `a`'), /Unexpected|template/);
});
