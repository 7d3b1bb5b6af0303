// text/plain, opaque, SenML JSON, SenML CBOR and link-format: exact bytes, the
// SenML rules, and SenML CBOR cross-checked by an independent decoder (npm cbor).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import cbor from 'cbor';
const { decodeFirstSync, encode: cborEncode } = cbor;
import { textEnc, textDec } from '../../objects/formats/text';
import { opaqueEnc, opaqueDec } from '../../objects/formats/opaque';
import { senmlJson } from '../../objects/formats/senml-json';
import { senmlCbor } from '../../objects/formats/senml-cbor';

const { enc: jsonEnc, dec: jsonDec } = senmlJson();
const { enc: cborEnc, dec: cborDec } = senmlCbor();
import { linkDec } from '../../objects/formats/link';
import { fmtNum, parseNum, b64enc, b64dec } from '../../objects/formats/value';
import { codec } from '../../objects/formats/index';
import { T_STR as S, T_INT as I, T_FLT as F, T_BOOL as B, T_OPQ as O, T_TIME as TM, T_OLNK as OL } from '../../objects/core/types';
import { hex, toHex, recs, typeOf, mkDef } from './helpers';

const ty = typeOf([mkDef(66, '1.0', true, [0, 1, 1, 6, 2, 8, 3, 5])]);
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => (b ? new TextDecoder().decode(b) : 'null');

test('number text: integers exact, fractions to 15 digits, identical on every engine', () => {
  const cases: [number, string][] = [[0, '0'], [-7, '-7'], [21.5, '21.5'], [0.1, '0.1'], [-0.25, '-0.25'], [1 / 3, '0.333333333333333'], [123456.789, '123456.789'], [0.00123, '0.00123'], [1e20, '100000000000000000000'], [99.99999999999999, '100']];
  for (const [v, s] of cases) assert.equal(fmtNum(v), s, String(v));
});

test('number parsing refuses what is not a decimal number', () => {
  for (const s of ['', '-', '1e', '0x10', '1 ', ' 1', '1,5', 'NaN', 'Infinity', '1e999', '--1', '1-2', '1e5e']) assert.ok(Number.isNaN(parseNum(s, false)), s);
  assert.equal(parseNum('-12.5e2', false), -1250);
  assert.ok(Number.isNaN(parseNum('1.5', true)));
  assert.equal(parseNum('-42', true), -42);
});

test('base64 (padded) and base64url (unpadded) round trip; bad input refused', () => {
  const b = hex('fbff00');
  assert.equal(b64enc(b, false), '+/8A');
  assert.equal(b64enc(b, true), '-_8A');
  assert.equal(b64enc(hex('01'), false), 'AQ==');
  assert.equal(b64enc(hex('01'), true), 'AQ');
  assert.equal(toHex(b64dec('AQ==')), '01');
  assert.equal(toHex(b64dec('-_8A')), 'fbff00');
  for (const s of ['A', 'A===', 'AQ*=', 'AQ=A']) assert.equal(b64dec(s), null, s);
});

test('text/plain: each type', () => {
  const one = (p: number[], t: number, v: any, s: string) => {
    assert.equal(dec(textEnc(p, recs([[p, t, v]]))), s);
    assert.deepEqual(textDec(enc(s), p, ty), recs([[p, t, v]]));
  };
  one([3, 0, 0], S, 'Open Mobile Alliance', 'Open Mobile Alliance');
  one([3, 0, 9], I, -5, '-5');
  one([3303, 0, 5700], F, 21.5, '21.5');
  one([1, 0, 6], B, true, '1');
  one([3, 0, 13], TM, 1367491215, '1367491215');
  one([66, 0, 2], OL, '3:0', '3:0');
  one([0, 0, 3], O, hex('0102ff'), 'AQL/');
});

test('text/plain: type mismatch refused', () => {
  for (const [p, s] of [[[3, 0, 9], '1.5'], [[3, 0, 9], 'abc'], [[1, 0, 6], 'true'], [[3303, 0, 5700], '1,5'], [[66, 0, 2], '3:70000'], [[3, 0, 0], '\xff']] as [number[], string][]) {
    assert.equal(textDec(s === '\xff' ? hex('ff') : enc(s), p, ty), null, s);
  }
  assert.equal(textEnc([3, 0], recs([[[3, 0, 0], S, 'a'], [[3, 0, 1], S, 'b']])), null, 'text carries one value');
});

test('opaque: raw bytes of an Opaque resource only', () => {
  const b = hex('00ff10');
  assert.equal(toHex(opaqueEnc([5, 0, 0], recs([[[5, 0, 0], O, b]]))), '00ff10');
  assert.deepEqual(opaqueDec(b, [5, 0, 0], ty), recs([[[5, 0, 0], O, b]]));
  assert.equal(opaqueDec(b, [3, 0, 0], ty), null);
  assert.equal(opaqueEnc([3, 0, 0], recs([[[3, 0, 0], S, 'x']])), null);
});

const MIXED = recs([
  [[66, 0, 0], S, 'myService'],
  [[66, 0, 1], O, hex('fbff')],
  [[66, 0, 2], OL, '67:0'],
  [[66, 0, 3], B, false],
  [[3303, 0, 5700], F, 21.5],
]);

test('SenML JSON: exact text for an instance read (bn, n, v/vs/vb/vd)', () => {
  const r = recs([[[3, 0, 0], S, 'ACME'], [[3, 0, 6, 0], I, 1], [[3, 0, 6, 1], I, 5], [[3, 0, 9], I, 100]]);
  const s = dec(jsonEnc([3, 0], r));
  assert.equal(s, '[{"bn":"/3/0/","n":"0","vs":"ACME"},{"n":"6/0","v":1},{"n":"6/1","v":5},{"n":"9","v":100}]');
  assert.deepEqual(jsonDec(enc(s), [3, 0], ty), r);
  assert.equal(dec(jsonEnc([3303, 0, 5700], recs([[[3303, 0, 5700], F, 21.5]]))), '[{"bn":"/3303/0/5700","v":21.5}]');
  assert.equal(dec(jsonEnc([3, 0, 6], recs([[[3, 0, 6, 1], I, 5]]))), '[{"bn":"/3/0/6","n":"/1","v":5}]');
});

test('SenML JSON: checked by JSON.parse against the SenML rules (RFC 8428 §4, LwM2M 1.1 §7.4.4)', () => {
  for (const base of [[66], [66, 0], [66, 0, 1]]) {
    const rs = MIXED.filter((r) => base.every((x, i) => r.p[i] === x));
    const a = JSON.parse(dec(jsonEnc(base, rs)));
    assert.ok(Array.isArray(a));
    let bn = '';
    a.forEach((e: any, i: number) => {
      if (i === 0) assert.equal(typeof e.bn, 'string');
      else assert.equal(e.bn, undefined, 'bn only in the first record');
      if (e.bn !== undefined) bn = e.bn;
      const name = bn + (e.n ?? '');
      assert.equal(name, '/' + rs[i].p.join('/'));
      const keys = Object.keys(e).filter((k) => ['v', 'vs', 'vb', 'vd', 'vlo'].includes(k));
      assert.equal(keys.length, 1, 'exactly one value field');
      const v = rs[i].v;
      if (v instanceof Uint8Array) assert.deepEqual(Buffer.from(e.vd, 'base64url'), Buffer.from(v));
      else if (rs[i].t === OL) assert.equal(e.vlo, v);
      else if (typeof v === 'boolean') assert.equal(e.vb, v);
      else if (typeof v === 'number') assert.equal(e.v, v);
      else assert.equal(e.vs, v);
    });
  }
});

test('SenML JSON: decode follows bn across records and refuses what breaks the rules', () => {
  const s = '[{"bn":"/66/0/","n":"0","vs":"x"},{"n":"3","vb":true},{"bn":"/3303/0/","n":"5700","v":-1.5}]';
  assert.deepEqual(jsonDec(enc(s), [], ty), recs([[[66, 0, 0], S, 'x'], [[66, 0, 3], B, true], [[3303, 0, 5700], F, -1.5]]));
  const bad = [
    '{"n":"/3/0/0","vs":"x"}', // not an array
    '[{"n":"/3/0/0","vs":"x"', // truncated
    '[{"n":"/3/0/0","v":1}]', // string resource given v
    '[{"n":"/3/0/9","vs":"1"}]', // integer given vs
    '[{"n":"/3/0/9","v":1.5}]', // integer given a fraction
    '[{"n":"/3/0/9","v":1,"vs":"x"}]', // two values
    '[{"n":"/3/0/9"}]', // no value
    '[{"n":"3/0/9","v":1}]', // not absolute
    '[{"n":"/3/0/70000","v":1}]', // id out of range
    '[{"n":"/3/0","v":1}]', // not a resource
    '[{"n":"/3/0/9","v":1,"x_":1}]', // must-understand field
    '[{"n":"/66/0/1","vd":"*"}]', // bad base64
    '[1]',
  ];
  for (const b of bad) assert.equal(jsonDec(enc(b), [3, 0], ty), null, b);
});

test('SenML CBOR: exact bytes (labels bn -2, n 0, v 2, vs 3, vb 4, vd 8, "vlo")', () => {
  const b = cborEnc([66, 0], MIXED.slice(0, 4))!;
  assert.equal(
    toHex(b),
    '84' + 'a3' + '21' + '662f36362f302f' + '00' + '6130' + '03' + '696d7953657276696365' +
      'a2' + '00' + '6131' + '08' + '42fbff' +
      'a2' + '00' + '6132' + '63766c6f' + '6436373a30' +
      'a2' + '00' + '6133' + '04' + 'f4',
  );
  assert.equal(toHex(cborEnc([3303, 0, 5700], recs([[[3303, 0, 5700], F, 21.5]]))), '81a2216c2f333330332f302f3537303002fa41ac0000');
  assert.equal(toHex(cborEnc([3, 0, 9], recs([[[3, 0, 9], I, -300]]))), '81a221662f332f302f390239012b');
});

test('SenML CBOR: our encoding decoded by npm cbor matches the records', () => {
  const all = [...MIXED, ...recs([[[3, 0, 13], TM, 1367491215], [[3, 0, 9], I, -(2 ** 40)], [[3303, 0, 5700], F, 0.1]])];
  const a = decodeFirstSync(Buffer.from(cborEnc([], all)!));
  let bn = '';
  a.forEach((m: Map<any, any>, i: number) => {
    if (m.has(-2)) bn = m.get(-2);
    assert.equal(bn + (m.get(0) ?? ''), '/' + all[i].p.join('/'));
    const v = all[i].v;
    const got = m.get(2) ?? m.get(3) ?? m.get(4) ?? m.get(8) ?? m.get('vlo');
    if (v instanceof Uint8Array) assert.deepEqual(Buffer.from(got), Buffer.from(v));
    else assert.equal(got, v);
  });
});

test('SenML CBOR: decodes what npm cbor encodes (half/single/double floats, 64-bit ints)', () => {
  const m = (o: [any, any][]) => new Map(o);
  const b = cborEncode([m([[-2, '/3303/0/'], [0, '5700'], [2, 21.5]]), m([[0, '5601'], [2, 0.1]]), m([[-2, '/3/0/'], [0, '13'], [2, 2 ** 33]]), m([[0, '9'], [2, -100]])]);
  assert.deepEqual(cborDec(new Uint8Array(b), [], ty), recs([[[3303, 0, 5700], F, 21.5], [[3303, 0, 5601], F, 0.1], [[3, 0, 13], TM, 2 ** 33], [[3, 0, 9], I, -100]]));
  // half precision 1.5 = f9 3e00
  assert.deepEqual(cborDec(hex('81a2006c2f333330332f302f3537303002f93e00'), [], ty), recs([[[3303, 0, 5700], F, 1.5]]));
});

test('SenML CBOR: malformed refused', () => {
  const bad = [
    '', '80ff', // trailing byte
    '81', // truncated
    '9f', // indefinite array
    '81a1006c2f333330332f302f35373030', // no value
    '81a2006c2f333330332f302f3537303003617a', // float resource given vs
    '81a2006c2f333330332f302f3537303002c11a', // tag
    '81a2006c2f333330332f302f3537303002fb7ff8000000000000', // NaN
    '81a20062c0af02f5', // bad UTF-8 name
  ];
  for (const h of bad) assert.equal(cborDec(hex(h), [], ty), null, h);
});

test('link-format: parse registration-style documents', () => {
  assert.deepEqual(linkDec(enc('</>;rt="oma.lwm2m";ct=110,</1>;ver=1.1,</1/0>,</3/0/7>;dim=2;pmin=10')), [
    { uri: '/', a: { rt: 'oma.lwm2m', ct: '110' } },
    { uri: '/1', a: { ver: '1.1' } },
    { uri: '/1/0', a: {} },
    { uri: '/3/0/7', a: { dim: '2', pmin: '10' } },
  ]);
  assert.deepEqual(linkDec(enc('</a>;t="x,y";b')), [{ uri: '/a', a: { t: 'x,y', b: '' } }]);
  for (const s of ['/1', '</1', '</1>;', '</1>,', '</1>;a="x', '</1>x', '</1>;a=']) assert.equal(linkDec(enc(s)), null, s);
});

test('the Content-Format table', () => {
  for (const cf of [0, 42, 110, 112, 11542]) assert.ok(codec(cf), String(cf));
  assert.equal(codec(11543), null);
  assert.equal(codec(50), null);
});
