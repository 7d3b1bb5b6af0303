// LwM2M TLV (11542): the examples of the LwM2M Core specification (TS 1.1 §7.4.3.2,
// same bytes as TS 1.0 §6.4.3.1) and one case per type-byte boundary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tlvEnc, tlvDec } from '../../objects/formats/tlv';
import { T_STR as S, T_INT as I, T_FLT as F, T_BOOL as B, T_OPQ as O, T_TIME as TM, T_OLNK as OL, T_UINT as U } from '../../objects/core/types';
import { hex, toHex, str, recs, typeOf, mkDef } from './helpers';

const ty = typeOf([mkDef(66, '1.0', true, [0, 1, 1, 1, 2, 8]), mkDef(9, '1.0', true, [0, 3 | 128, 1, 6, 2, 2])]);

// Device object instance 0 as in the spec's "single Object Instance" example.
const DEVICE = recs([
  [[3, 0, 0], S, 'Open Mobile Alliance'],
  [[3, 0, 1], S, 'Lightweight M2M Client'],
  [[3, 0, 2], S, '345000123'],
  [[3, 0, 3], S, '1.0'],
  [[3, 0, 6, 0], I, 1],
  [[3, 0, 6, 1], I, 5],
  [[3, 0, 7, 0], I, 3800],
  [[3, 0, 7, 1], I, 5000],
  [[3, 0, 8, 0], I, 125],
  [[3, 0, 8, 1], I, 900],
  [[3, 0, 9], I, 100],
  [[3, 0, 10], I, 15],
  [[3, 0, 11, 0], I, 0],
  [[3, 0, 13], TM, 1367491215],
  [[3, 0, 14], S, '+02:00'],
  [[3, 0, 16], S, 'U'],
]);
const DEVICE_TLV =
  'c80014' + str('Open Mobile Alliance') + 'c80116' + str('Lightweight M2M Client') + 'c80209' + str('345000123') + 'c303' + str('1.0') +
  '8606 410001 410105' + '880708 42000ed8 42011388' + '8708 41007d 42010384' + 'c10964' + 'c10a0f' + '830b 410000' + 'c40d5182428f' + 'c60e' + str('+02:00') + 'c11055';

test('spec example: Read /3/0 (resources, 8-bit lengths, multiple resources)', () => {
  assert.equal(toHex(tlvEnc([3, 0], DEVICE)), toHex(hex(DEVICE_TLV)));
  assert.deepEqual(tlvDec(hex(DEVICE_TLV), [3, 0], ty), DEVICE);
});

test('spec example: Read /3 wraps the instance: 0x08 0x00 0x79', () => {
  const b = tlvEnc([3], DEVICE)!;
  assert.equal(toHex(b.subarray(0, 3)), '080079');
  assert.equal(toHex(b.subarray(3)), toHex(hex(DEVICE_TLV)));
  assert.deepEqual(tlvDec(b, [3], ty), DEVICE);
});

const ACL = recs([
  [[2, 0, 0], I, 1],
  [[2, 0, 1], I, 0],
  [[2, 0, 2, 127], I, 7],
  [[2, 0, 3], I, 127],
  [[2, 2, 0], I, 3],
  [[2, 2, 1], I, 0],
  [[2, 2, 2, 127], I, 7],
  [[2, 2, 2, 310], I, 1],
  [[2, 2, 3], I, 127],
]);
const ACL_TLV = '08000e c10001 c10100 8302417f07 c1037f' + '080212 c10003 c10100 8702417f07 61013601 c1037f';

test('spec example: Read /2, two Access Control instances (16-bit resource instance id 310)', () => {
  assert.equal(toHex(tlvEnc([2], ACL)), toHex(hex(ACL_TLV)));
  assert.deepEqual(tlvDec(hex(ACL_TLV), [2], ty), ACL);
});

const SERVER = recs([
  [[1, 0, 0], I, 1],
  [[1, 0, 1], I, 86400],
  [[1, 0, 6], B, true],
  [[1, 0, 7], S, 'U'],
]);
const SERVER_TLV = '08000f c10001 c40100015180 c10601 c10755';

test('spec example: Read /1, Server instance (4-byte integer, boolean)', () => {
  assert.equal(toHex(tlvEnc([1], SERVER)), toHex(hex(SERVER_TLV)));
  assert.deepEqual(tlvDec(hex(SERVER_TLV), [1], ty), SERVER);
});

const OBJLNK = recs([
  [[66, 0, 0], S, 'myService 1'],
  [[66, 0, 1], S, 'Internet.15.234'],
  [[66, 0, 2], OL, '67:0'],
  [[66, 1, 0], S, 'myService 2'],
  [[66, 1, 1], S, 'Internet.15.235'],
  [[66, 1, 2], OL, '65535:65535'],
]);
const OBJLNK_TLV =
  '080026 c8000b' + str('myService 1') + 'c8010f' + str('Internet.15.234') + 'c40200430000' +
  '080126 c8000b' + str('myService 2') + 'c8010f' + str('Internet.15.235') + 'c402ffffffff';

test('spec example: object links (Objlnk 67:0 and the null link 65535:65535)', () => {
  assert.equal(toHex(tlvEnc([66], OBJLNK)), toHex(hex(OBJLNK_TLV)));
  assert.deepEqual(tlvDec(hex(OBJLNK_TLV), [66], ty), OBJLNK);
});

test('type byte: 16-bit resource id (5700), single-precision float', () => {
  const r = recs([[[3303, 0, 5700], F, 21.5]]);
  assert.equal(toHex(tlvEnc([3303, 0, 5700], r)), 'e4164441ac0000');
  assert.deepEqual(tlvDec(hex('e4164441ac0000'), [3303, 0, 5700], ty), r);
});

test('type byte: double when single precision is inexact (0.1)', () => {
  const r = recs([[[3303, 0, 5700], F, 0.1]]);
  assert.equal(toHex(tlvEnc([3303, 0, 5700], r)), 'e81644083fb999999999999a');
  assert.deepEqual(tlvDec(hex('e81644083fb999999999999a'), [3303, 0, 5700], ty), r);
});

test('length: 7 in the type byte, 8 needs the 8-bit length field', () => {
  assert.equal(toHex(tlvEnc([3, 0, 0], recs([[[3, 0, 0], S, 'abcdefg']]))), 'c700' + str('abcdefg'));
  assert.equal(toHex(tlvEnc([3, 0, 0], recs([[[3, 0, 0], S, 'abcdefgh']]))), 'c80008' + str('abcdefgh'));
});

test('length: 255 in 8 bits, 256 needs the 16-bit length field', () => {
  assert.equal(toHex(tlvEnc([3, 0, 0], recs([[[3, 0, 0], S, 'x'.repeat(255)]]))!.subarray(0, 3)), 'c800ff');
  const b = tlvEnc([3, 0, 0], recs([[[3, 0, 0], S, 'x'.repeat(256)]]))!;
  assert.equal(toHex(b.subarray(0, 4)), 'd0000100');
  assert.equal(b.length, 260);
});

test('length: 65536 needs the 24-bit length field', () => {
  const big = new Uint8Array(65536).fill(7);
  const b = tlvEnc([5, 0, 0], recs([[[5, 0, 0], O, big]]))!;
  assert.equal(toHex(b.subarray(0, 5)), 'd800010000');
  const d = tlvDec(b, [5, 0, 0], ty)!;
  assert.equal((d[0].v as Uint8Array).length, 65536);
});

test('integers: smallest of 1/2/4/8 bytes, two\'s complement', () => {
  const cases: [number, string][] = [
    [0, 'c10900'], [127, 'c1097f'], [-128, 'c10980'], [128, 'c2090080'], [-129, 'c209ff7f'], [32767, 'c2097fff'],
    [32768, 'c40900008000'], [-2147483648, 'c40980000000'], [2147483648, 'c809080000000080000000'], [-1, 'c109ff'],
    [2 ** 53 - 1, 'c80908001fffffffffffff'], [-(2 ** 40), 'c80908ffffff0000000000'],
  ];
  for (const [v, h] of cases) {
    const r = recs([[[3, 0, 9], I, v]]);
    assert.equal(toHex(tlvEnc([3, 0, 9], r)), h, String(v));
    assert.deepEqual(tlvDec(hex(h), [3, 0, 9], ty), r, String(v));
  }
});

test('unsigned: 200 is one byte, 65535 two, read back unsigned', () => {
  const r = recs([[[9, 0, 0, 0], U, 200], [[9, 0, 0, 1], U, 65535]]);
  assert.equal(toHex(tlvEnc([9, 0], r)), '8700' + '4100c8' + '4201ffff');
  assert.deepEqual(tlvDec(hex('8700' + '4100c8' + '4201ffff'), [9, 0], ty), r);
});

test('resource instance read /3/0/6/1 is a bare Resource Instance TLV', () => {
  const r = recs([[[3, 0, 6, 1], I, 5]]);
  assert.equal(toHex(tlvEnc([3, 0, 6, 1], r)), '410105');
  assert.deepEqual(tlvDec(hex('410105'), [3, 0, 6, 1], ty), r);
});

test('Create with bare resources: iid unknown (-1)', () => {
  assert.deepEqual(tlvDec(hex('c10001'), [2], ty), recs([[[2, -1, 0], I, 1]]));
});

test('malformed TLV is refused (null)', () => {
  const bad = [
    'c8', // header cut
    'c80014', // length past the end
    'c3090102', // value past the end
    'c309010203', // 3-byte integer
    'c1 0a', // no value byte
    '410105', // resource instance at instance level
    '0800 03 c10001 00', // trailing garbage outside
    '8603 c10001', // resource with value inside a multiple resource
    '0803 0800 00', // instance inside instance
    'c202c0af', // invalid UTF-8 in a string (3/0/2)
    '8606 41000141', // child longer than parent
  ];
  for (const h of bad) assert.equal(tlvDec(hex(h), [3, 0], ty), null, h);
  assert.equal(tlvDec(hex('c10502'), [1, 0], (o, r) => (r === 5 ? B : I)), null, 'boolean 2');
});
