import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader, Writer, bytesToBin, binToBytes, concat, copyOf, equal, equalConstTime, fromHex, toHex, utf8Decode, utf8Encode, utf8Valid, readUint, writeUint } from '../../transport/bytes';

test('utf8: 1-, 2-, 3- and 4-byte sequences match TextEncoder', () => {
  for (const s of ['', 'a', '\u00e9', '\u07ff', '\u0800', '\u20ac', '\uffff', '\u{10000}', '\u{10ffff}', 'mixed \u00e9\u20ac\u{1f600}']) {
    const ours = utf8Encode(s);
    assert.deepEqual(ours, new TextEncoder().encode(s), s);
    assert.equal(utf8Decode(ours), s);
  }
});

test('utf8: lone surrogate encodes as U+FFFD', () => {
  assert.equal(toHex(utf8Encode('\ud800')), 'efbfbd');
});

test('utf8: malformed input is refused, not replaced', () => {
  for (const hex of ['80', 'c0af', 'c2', 'e0808f', 'eda080', 'f4908080', 'f8', 'e282']) {
    assert.equal(utf8Decode(fromHex(hex)!), null, hex);
    assert.equal(utf8Valid(fromHex(hex)!, 0, hex.length / 2), false, hex);
  }
});

test('hex: round trip, odd length and bad digit refused', () => {
  assert.equal(toHex(fromHex('00ff7A')!), '00ff7a');
  assert.equal(fromHex('abc'), null);
  assert.equal(fromHex('zz'), null);
});

test('binary strings: 1,000 bytes in 256-byte chunks', () => {
  const b = new Uint8Array(1000).map((_, i) => i & 255);
  const s = bytesToBin(b);
  assert.equal(s.length, 1000);
  assert.deepEqual(binToBytes(s), b);
});

test('uint: 1..6 bytes big-endian, 48-bit boundary', () => {
  const b = new Uint8Array(6);
  writeUint(b, 0, 6, 2 ** 48 - 1);
  assert.equal(toHex(b), 'ffffffffffff');
  assert.equal(readUint(b, 0, 6), 2 ** 48 - 1);
  writeUint(b, 0, 3, 0x010203);
  assert.equal(readUint(b, 0, 3), 0x010203);
});

test('Reader: past-the-end reads turn ok false and return zero/empty', () => {
  const r = new Reader(fromHex('0102')!);
  assert.equal(r.u8(), 1);
  assert.equal(r.uint(2), 0);
  assert.equal(r.ok, false);
  assert.equal(r.bytes(1).length, 0);
  const v = new Reader(fromHex('0003aabbcc')!);
  assert.equal(toHex(v.vec(2)), 'aabbcc');
  assert.equal(v.ok, true);
  assert.equal(v.left(), 0);
});

test('Writer, concat, copyOf, equal', () => {
  const w = new Writer(6);
  w.u8(1);
  w.vec(1, fromHex('aabb')!);
  w.uint(2, 0x0102);
  assert.equal(toHex(w.buf), '0102aabb0102');
  const c = concat([fromHex('01')!, fromHex('0203')!]);
  assert.equal(toHex(c), '010203');
  const k = copyOf(c, 1);
  c[1] = 9;
  assert.equal(toHex(k), '0203');
  assert.ok(equal(k, fromHex('0203')!));
  assert.ok(!equal(k, fromHex('0209')!) && !equal(k, fromHex('02')!));
});

test('equal is equalConstTime: one function held on the board, not two (docs/memory.md, rule 1)', () => {
  assert.equal(equal, equalConstTime);
});
