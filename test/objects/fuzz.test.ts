// Seeded fuzzing: every decoder and Write / Create / Bootstrap-Write with mutated and random
// payloads. Nothing may throw, no operation may end in 5.00 (an exception caught by its
// guard), and a refused write must leave every object exactly as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createObjectModel } from '../../objects/index';
import * as ops from '../../objects/ops/index';
import * as bs from '../../objects/ops/bootstrap';
import { tlvEnc, tlvDec } from '../../objects/formats/tlv';
import { senmlJson } from '../../objects/formats/senml-json';
import { senmlCbor } from '../../objects/formats/senml-cbor';

const { enc: jsonEnc, dec: jsonDec } = senmlJson();
const { enc: cborEnc, dec: cborDec } = senmlCbor();
import { textDec } from '../../objects/formats/text';
import { opaqueDec } from '../../objects/formats/opaque';
import { linkDec } from '../../objects/formats/link';
import { Registry } from '../../objects/core/registry';
import { T_STR as S, T_INT as I, T_BOOL as B, T_FLT as F, ids } from '../../objects/core/types';
import { fakeBoard } from './fake-board';
import { recs, rng, typeOf } from './helpers';

const SEED = 0x4c774d32;
const ty = typeOf();
const enc = (s: string) => new TextEncoder().encode(s);

function mutate(r: () => number, b: Uint8Array): Uint8Array {
  const a = Array.from(b);
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const op = Math.floor(r() * 5);
    const i = Math.floor(r() * (a.length + 1));
    if (op === 0 && a.length) a[i % a.length] ^= 1 << Math.floor(r() * 8);
    else if (op === 1) a.splice(i, 0, Math.floor(r() * 256));
    else if (op === 2 && a.length) a.splice(i % a.length, 1 + Math.floor(r() * 3));
    else if (op === 3) a.length = Math.min(a.length, i);
    else if (a.length) a[i % a.length] = [0, 0xff, 0x7f, 0x80, 0x20, 0x22, 0x2f][Math.floor(r() * 7)];
  }
  return Uint8Array.from(a);
}
const randomBytes = (r: () => number) => Uint8Array.from({ length: Math.floor(r() * 40) }, () => Math.floor(r() * 256));

const SAMPLE = recs([
  [[1, 0, 1], I, 600], [[1, 0, 2], I, 5], [[1, 0, 6], B, false], [[1, 0, 7], S, 'UQ'],
]);
const SEEDS = {
  tlv: [tlvEnc([1, 0], SAMPLE)!, tlvEnc([1], SAMPLE)!, tlvEnc([2], recs([[[2, 0, 0], I, 3], [[2, 0, 2, 310], I, 1], [[2, 0, 3], I, 101]]))!],
  json: [jsonEnc([1, 0], SAMPLE)!, jsonEnc([3338, 0], recs([[[3338, 0, 5548], F, 12.5], [[3338, 0, 5850], B, true]]))!],
  cbor: [cborEnc([1, 0], SAMPLE)!, cborEnc([3338, 0], recs([[[3338, 0, 5548], F, 12.5], [[3338, 0, 5850], B, true]]))!],
  text: [enc('600'), enc('-1.5e3'), enc('3:0'), enc('UQ')],
  link: [enc('</>;rt="oma.lwm2m";ct=110,</1>;ver=1.1,</1/0>,</3/0/7>;dim=2;pmin=10')],
};

test('decoders: mutated and random input never throws; output is null or well-formed records', () => {
  const r = rng(SEED);
  const decs: [string, (b: Uint8Array) => unknown, Uint8Array[]][] = [
    ['tlv', (b) => tlvDec(b, [1, 0], ty), SEEDS.tlv],
    ['tlv/2', (b) => tlvDec(b, [2], ty), SEEDS.tlv],
    ['json', (b) => jsonDec(b, [1, 0], ty), SEEDS.json],
    ['cbor', (b) => cborDec(b, [1, 0], ty), SEEDS.cbor],
    ['text int', (b) => textDec(b, [1, 0, 1], ty), SEEDS.text],
    ['text float', (b) => textDec(b, [3338, 0, 5548], ty), SEEDS.text],
    ['text string', (b) => textDec(b, [1, 0, 7], ty), SEEDS.text],
    ['opaque', (b) => opaqueDec(b, [5, 0, 0], ty), SEEDS.text],
    ['link', (b) => linkDec(b), SEEDS.link],
  ];
  let decoded = 0;
  for (const [name, dec, seeds] of decs) {
    for (let k = 0; k < 1500; k++) {
      const input = k % 5 === 4 ? randomBytes(r) : mutate(r, seeds[k % seeds.length]);
      let out: any;
      assert.doesNotThrow(() => (out = dec(input)), `${name} #${k}`);
      if (out === null) continue;
      decoded++;
      assert.ok(Array.isArray(out), name);
      if (name !== 'link')
        for (const rec of out) {
          assert.ok(rec.p.length === 3 || rec.p.length === 4, `${name}: path ${rec.p}`);
          assert.ok(rec.p.every((x: number, i: number) => (i === 1 && x === -1) || (Number.isInteger(x) && x >= 0 && x <= 65535)), `${name}: ids ${rec.p}`);
        }
    }
  }
  assert.ok(decoded > 100, 'the mutations also produce valid payloads (the fuzzer reaches past the first check)');
});

function snapshot(reg: Registry): string {
  return JSON.stringify([ids(reg.o).map((o) => reg.obj(o)!.i), reg.at], (_k, v) => (v instanceof Uint8Array ? 'bytes:' + Buffer.from(v).toString('hex') : v));
}

test('Write / Create / Bootstrap-Write with fuzzed payloads: no 5.00, refused means unchanged', () => {
  const r = rng(SEED + 1);
  const fb = fakeBoard();
  const { reg } = createObjectModel(fb.board);
  reg.obj(1)!.add(0, { 0: 101, 1: 300, 6: true, 7: 'U' });
  const fmts: [number, Uint8Array[]][] = [[11542, SEEDS.tlv], [110, SEEDS.json], [112, SEEDS.cbor], [0, SEEDS.text]];
  const paths = [[1, 0], [1, 0, 1], [1, 0, 7], [2], [3338, 0], [3338, 0, 5548], [3, 0, 14], [1], [2, 0, 2], [5, 0, 1]];
  const counts: Record<number, number> = {};
  for (let k = 0; k < 3000; k++) {
    const [cf, seeds] = fmts[k % fmts.length];
    const payload = k % 7 === 6 ? randomBytes(r) : mutate(r, seeds[Math.floor(r() * seeds.length)]);
    const path = paths[Math.floor(r() * paths.length)];
    const before = snapshot(reg);
    const which = k % 4;
    const req = { srv: 101, path, cf, payload };
    const res =
      which === 0 ? ops.write(reg, req, false) :
      which === 1 ? ops.write(reg, req, true) :
      which === 2 ? ops.create(reg, { ...req, path: path.slice(0, 1) }) :
      bs.bsWrite(reg, req);
    counts[res.code] = (counts[res.code] || 0) + 1;
    assert.notEqual(res.code, 160, `exception inside op #${k} ${which} /${path.join('/')} cf ${cf} ${Buffer.from(payload).toString('hex')}`);
    if (res.code >= 128) assert.equal(snapshot(reg), before, `refused op #${k} changed state`);
    if (which === 2 && res.code === 65) ops.del(reg, { srv: 101, path: res.path! }); // keep the instance count bounded
  }
  console.log('fuzz outcomes by CoAP code:', JSON.stringify(counts));
  assert.ok(counts[68] > 20 && counts[128] > 100, JSON.stringify(counts));
});
