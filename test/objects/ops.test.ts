// The operations on the ten objects with one server: Read / Write / Execute / Create /
// Delete / Discover / Write-Attributes and the bootstrap variants; codes per LwM2M 1.1 §5.4/§5.2.7.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createObjectModel } from '../../objects/index';
import * as ops from '../../objects/ops/index';
import * as bs from '../../objects/ops/bootstrap';
import { effective } from '../../objects/core/attrs';
import { tlvDec, tlvEnc } from '../../objects/formats/tlv';
import { T_STR as S, T_INT as I } from '../../objects/core/types';
import { lifecycle } from '../../firmware/lwm2m/lifecycle';
import { fakeBoard } from './fake-board';
import { hex, toHex, recs, typeOf } from './helpers';

const enc = (s: string) => new TextEncoder().encode(s);
const txt = (b?: Uint8Array) => new TextDecoder().decode(b);
const ty = typeOf();

function setup() {
  const fb = fakeBoard();
  const c = createObjectModel(fb.board);
  const reg = c.reg;
  // Bootstrap account (Security 0) and one LwM2M server (Security 1, Server 0, ssid 101).
  reg.obj(0)!.add(0, { 0: 'coaps://bs.example:5684', 1: true, 2: 0, 3: enc('id'), 4: new Uint8Array(0), 5: enc('k') });
  reg.obj(0)!.add(1, { 0: 'coaps://dm.example:5684', 1: false, 2: 0, 3: enc('id'), 4: new Uint8Array(0), 5: enc('k'), 10: 101 });
  reg.obj(1)!.add(0, { 0: 101, 1: 300, 2: 1, 3: 60, 6: true, 7: 'U' });
  const events: string[] = [];
  const changes: string[] = [];
  reg.ls = { changed: (o, i, r) => changes.push(`/${o}/${i}/${r}`), objectEvent: (n, ssid, iid) => events.push(`${n}:${ssid}:${iid}`) };
  return { ...fb, c, reg, events, changes };
}
const R = (path: number[], more: object = {}) => ({ srv: 101, path, ...more });

test('Read resource: text/plain without Accept; opaque as 42', () => {
  const { reg } = setup();
  const r = ops.read(reg, R([3, 0, 0]));
  assert.deepEqual([r.code, r.format, txt(r.payload)], [69, 0, 'ACME']);
  const t = ops.read(reg, R([3303, 0, 5700]));
  assert.equal(txt(t.payload), '21.5');
});

test('Read instance: the preferred multi-value format (TLV by default, configurable)', () => {
  const { reg } = setup();
  const r = ops.read(reg, R([3, 0]));
  assert.equal(r.format, 11542);
  const d = tlvDec(r.payload!, [3, 0], ty)!;
  assert.deepEqual(d.slice(0, 4).map((x) => x.v), ['ACME', 'E32', 'SN1', '0.1.0']);
  assert.deepEqual(d.filter((x) => x.p[2] === 6).map((x) => x.v), [1, 5]);
  reg.fmt = 112;
  assert.equal(ops.read(reg, R([3, 0])).format, 112);
});

test('Read with Accept: SenML JSON, TLV for one resource; 4.06 for what the format cannot carry', () => {
  const { reg } = setup();
  const j = ops.read(reg, R([3, 0, 6], { accept: 110 }));
  assert.equal(txt(j.payload), '[{"bn":"/3/0/6","n":"/0","v":1},{"n":"/1","v":5}]');
  assert.equal(toHex(ops.read(reg, R([3, 0, 9], { accept: 11542 })).payload!), 'c10964');
  assert.equal(ops.read(reg, R([3, 0], { accept: 0 })).code, 134, 'text for an instance');
  assert.equal(ops.read(reg, R([3, 0, 0], { accept: 42 })).code, 134, 'opaque for a string');
  assert.equal(ops.read(reg, R([3, 0, 0], { accept: 50 })).code, 134, 'unknown format');
});

test('Read errors: 4.04 unknown object/instance/resource/instance, 4.05 executable, 4.01 Security', () => {
  const { reg } = setup();
  assert.equal(ops.read(reg, R([99])).code, 132);
  assert.equal(ops.read(reg, R([3, 1])).code, 132);
  assert.equal(ops.read(reg, R([3, 0, 99])).code, 132);
  assert.equal(ops.read(reg, R([3, 0, 6, 7])).code, 132);
  assert.equal(ops.read(reg, R([3, 0, 4])).code, 133);
  assert.equal(ops.read(reg, R([5, 0, 0])).code, 133, 'write-only Package');
  assert.equal(ops.read(reg, R([0])).code, 129);
  assert.equal(ops.read(reg, R([0, 1, 0])).code, 129);
  assert.equal(ops.read(reg, R([3, 0, 6, 1])).payload![0], '5'.charCodeAt(0));
});

test('Write: text to a writable resource; 4.05 read-only; 4.00 type mismatch; 4.15 unknown format', () => {
  const { reg, changes } = setup();
  assert.equal(ops.write(reg, R([3, 0, 14], { cf: 0, payload: enc('+01:00') })).code, 68);
  assert.equal(txt(ops.read(reg, R([3, 0, 14])).payload), '+01:00');
  assert.ok(changes.includes('/3/0/14'));
  assert.equal(ops.write(reg, R([3, 0, 0], { cf: 0, payload: enc('x') })).code, 133);
  assert.equal(ops.write(reg, R([3, 0, 13], { cf: 0, payload: enc('soon') })).code, 128);
  assert.equal(ops.write(reg, R([3, 0, 14], { cf: 50, payload: enc('x') })).code, 143);
  assert.equal(ops.write(reg, R([3, 0, 14], { payload: enc('x') })).code, 128, 'no Content-Format');
  assert.equal(ops.write(reg, R([3, 0, 99], { cf: 0, payload: enc('x') })).code, 132);
  assert.equal(ops.write(reg, R([3], { cf: 0, payload: enc('x') })).code, 133, 'object level');
});

test('Write is all or nothing: one bad value leaves every resource as it was', () => {
  const { reg, events } = setup();
  const bad = tlvEnc([1, 0], recs([[[1, 0, 1], I, 600], [[1, 0, 7], S, 'X']]))!;
  assert.equal(ops.write(reg, R([1, 0], { cf: 11542, payload: bad }), true).code, 128);
  assert.equal(reg.obj(1)!.i[0][1], 300);
  const ro = tlvEnc([1, 0], recs([[[1, 0, 1], I, 600], [[1, 0, 0], I, 5]]))!;
  assert.equal(ops.write(reg, R([1, 0], { cf: 11542, payload: ro }), true).code, 133);
  assert.equal(reg.obj(1)!.i[0][1], 300);
  assert.deepEqual(events, []);
  const good = tlvEnc([1, 0], recs([[[1, 0, 1], I, 600], [[1, 0, 7], S, 'UQ']]))!;
  assert.equal(ops.write(reg, R([1, 0], { cf: 11542, payload: good }), true).code, 68);
  assert.deepEqual([reg.obj(1)!.i[0][1], reg.obj(1)!.i[0][7]], [600, 'UQ']);
  assert.deepEqual(events, ['update:101:0', 'update:101:0']);
});

test('Write replace vs partial update of a multiple resource', () => {
  const { reg } = setup();
  reg.obj(2)!.add(0, { 0: 3, 1: 0, 2: { 127: 7 }, 3: 101 });
  const p = tlvEnc([2, 0, 2], recs([[[2, 0, 2, 5], I, 1]]))!;
  assert.equal(ops.write(reg, R([2, 0, 2], { cf: 11542, payload: p }), true).code, 68);
  assert.deepEqual(reg.obj(2)!.i[0][2], { 5: 1, 127: 7 });
  assert.equal(ops.write(reg, R([2, 0, 2], { cf: 11542, payload: p })).code, 68);
  assert.deepEqual(reg.obj(2)!.i[0][2], { 5: 1 });
  assert.equal(ops.write(reg, R([2, 0, 2, 9], { cf: 0, payload: enc('3') })).code, 68, 'one resource instance');
  assert.deepEqual(reg.obj(2)!.i[0][2], { 5: 1, 9: 3 });
});

test('Execute: reaches the board; 4.05 on non-executables; 4.00 on malformed arguments', () => {
  const { reg, log } = setup();
  assert.equal(ops.execute(reg, R([3, 0, 4])).code, 68);
  assert.equal(ops.execute(reg, R([3, 0, 5], { payload: enc("0='x',1") })).code, 68);
  assert.deepEqual(log, ['reboot', 'factory-reset']);
  assert.equal(ops.execute(reg, R([3, 0, 0])).code, 133);
  assert.equal(ops.execute(reg, R([3, 0])).code, 133);
  assert.equal(ops.execute(reg, R([3, 0, 99])).code, 132);
  for (const a of ['x', '0=x', "0='x", '0,', '10', ',']) assert.equal(ops.execute(reg, R([3, 0, 4], { payload: enc(a) })).code, 128, a);
});

test('Create: new instance, explicit id, existing id 4.00, single-instance object 4.00, bad payload creates nothing', () => {
  const { reg, changes } = setup();
  const p = tlvEnc([2, 0], recs([[[2, 0, 0], I, 3303], [[2, 0, 1], I, 0], [[2, 0, 3], I, 101]]))!;
  const r = ops.create(reg, R([2], { cf: 11542, payload: p }));
  assert.deepEqual([r.code, r.path], [65, [2, 0]]);
  assert.ok(changes.includes('/2/0/-1'));
  const wrapped = tlvEnc([2], recs([[[2, 7, 0], I, 3303], [[2, 7, 1], I, 0], [[2, 7, 3], I, 101]]))!;
  assert.deepEqual(ops.create(reg, R([2], { cf: 11542, payload: wrapped })).path, [2, 7]);
  assert.equal(ops.create(reg, R([2], { cf: 11542, payload: wrapped })).code, 128, 'existing instance');
  assert.equal(ops.create(reg, R([3], { cf: 11542, payload: p })).code, 128, 'single instance');
  assert.equal(ops.create(reg, R([2], { cf: 11542, payload: hex('c10001c1') })).code, 128);
  assert.deepEqual(reg.obj(2)!.iids(), [0, 7]);
  assert.equal(ops.create(reg, R([2, 0], { cf: 11542, payload: p })).code, 133);
});

test('Delete: instances of multi-instance objects; 4.05 for single-instance, hardware-bound and object level', () => {
  const { reg } = setup();
  reg.obj(2)!.add(3, { 0: 1, 1: 0, 3: 101 });
  assert.equal(ops.del(reg, R([2, 3])).code, 66);
  assert.equal(ops.del(reg, R([2, 3])).code, 132);
  assert.equal(ops.del(reg, R([3, 0])).code, 133);
  assert.equal(ops.del(reg, R([3303, 0])).code, 133);
  assert.equal(ops.del(reg, R([2])).code, 133);
  assert.equal(ops.del(reg, R([0, 1])).code, 129, 'Security');
});

test('Discover: object, instance, resource with dim, attributes and inheritance', () => {
  const { reg } = setup();
  const d = txt(ops.discover(reg, R([3])).payload);
  assert.ok(d.startsWith('</3>;ver=1.1,</3/0>,</3/0/0>,</3/0/1>,</3/0/2>,</3/0/3>,</3/0/4>,</3/0/5>,</3/0/6>;dim=2,'), d);
  assert.ok(d.includes('</3/0/11>;dim=1,</3/0/12>'), d);
  assert.equal(ops.writeAttributes(reg, R([3, 0], { query: ['pmin=10'] })).code, 68);
  assert.equal(ops.writeAttributes(reg, R([3, 0, 6], { query: ['pmax=20'] })).code, 68);
  assert.ok(txt(ops.discover(reg, R([3, 0])).payload).startsWith('</3/0>;pmin=10,</3/0/0>,'));
  assert.equal(txt(ops.discover(reg, R([3, 0, 6])).payload), '</3/0/6>;dim=2;pmin=10;pmax=20,</3/0/6/0>,</3/0/6/1>');
  assert.equal(ops.discover(reg, R([3, 0, 99])).code, 132);
  assert.equal(ops.discover(reg, R([0])).code, 129);
  assert.equal(ops.discover(reg, R([3])).format, 40);
});

test('Write-Attributes: values, removal, numeric-only gt/lt/st, lt < gt, inheritance with Server defaults', () => {
  const { reg } = setup();
  const P = [3303, 0, 5700];
  assert.deepEqual(effective(reg, 101, P), { pmin: 1, pmax: 60 }, 'Server 1/0/2 and 1/0/3');
  assert.equal(ops.writeAttributes(reg, R([3303], { query: ['pmin=7'] })).code, 68);
  assert.equal(ops.writeAttributes(reg, R(P, { query: ['pmax=9', 'gt=30', 'lt=10.5', 'st=1', 'epmin=1', 'epmax=100'] })).code, 68);
  assert.deepEqual(effective(reg, 101, P), { pmin: 7, pmax: 9, gt: 30, lt: 10.5, st: 1, epmin: 1, epmax: 100 });
  assert.deepEqual(effective(reg, 102, P), {}, 'attributes are per server');
  assert.equal(ops.writeAttributes(reg, R(P, { query: ['gt'] })).code, 68);
  assert.equal(effective(reg, 101, P).gt, undefined);
  for (const q of [['gt=1'], ['foo=1'], ['pmin=-1'], ['pmin=1.5'], ['st=-1'], ['pmin=x']]) assert.equal(ops.writeAttributes(reg, R([3303, 0], { query: q })).code, 128, q[0]);
  assert.equal(ops.writeAttributes(reg, R(P, { query: ['gt=10', 'lt=20'] })).code, 128, 'lt >= gt');
  assert.equal(ops.writeAttributes(reg, R(P, { query: ['gt=20', 'lt=10', 'st=5'] })).code, 128, 'lt + 2 st >= gt');
  assert.equal(ops.writeAttributes(reg, R([3, 0, 0], { query: ['lt=1'] })).code, 128, 'string resource');
  assert.equal(ops.writeAttributes(reg, R([3, 0, 99], { query: ['pmin=1'] })).code, 132);
});

test('Bootstrap: Delete / spares the bootstrap account and Device; Write creates and may write Security; Discover; Read', () => {
  const { reg } = setup();
  assert.equal(bs.bsDelete(reg, { srv: 0, path: [] }).code, 66);
  assert.deepEqual(reg.obj(0)!.iids(), [0]);
  assert.deepEqual(reg.obj(1)!.iids(), []);
  assert.deepEqual(reg.obj(3)!.iids(), [0]);
  assert.equal(bs.bsDelete(reg, { srv: 0, path: [0, 0] }).code, 128);
  const sec = tlvEnc([0, 1], recs([[[0, 1, 0], S, 'coap://127.0.0.1:5683'], [[0, 1, 1], 5, false], [[0, 1, 2], I, 3], [[0, 1, 10], I, 123], [[0, 1, 14], S, 'ignored']]))!;
  assert.equal(bs.bsWrite(reg, { srv: 0, path: [0, 1], cf: 11542, payload: sec }).code, 68);
  const srv = tlvEnc([1], recs([[[1, 0, 0], I, 123], [[1, 0, 1], I, 60], [[1, 0, 7], S, 'U']]))!;
  assert.equal(bs.bsWrite(reg, { srv: 0, path: [1], cf: 11542, payload: srv }).code, 68);
  assert.deepEqual(reg.servers(), [123]);
  assert.equal(bs.bsWrite(reg, { srv: 0, path: [0, 1, 2], cf: 0, payload: enc('9') }).code, 128, 'security mode 9');
  assert.equal(reg.obj(0)!.i[1][2], 3);
  const d = txt(bs.bsDiscover(reg, { srv: 0, path: [] }).payload);
  assert.ok(d.startsWith('lwm2m=1.1,</0>;ver=1.1,</0/0>,</0/1>;ssid=123;uri="coap://127.0.0.1:5683",</1>;ver=1.1,</1/0>;ssid=123,</2>,</3>;ver=1.1,</3/0>'), d);
  assert.equal(bs.bsRead(reg, { srv: 0, path: [1, 0], accept: 110 }).code, 69);
  assert.equal(bs.bsRead(reg, { srv: 0, path: [0] }).code, 129);
  assert.equal(bs.bsRead(reg, { srv: 0, path: [3, 0] }).code, 129);
});

test('Bootstrap: ops.bootstrap picks the operation by CoAP method (GET+Accept 40 Discover, GET Read, PUT Write, DELETE Delete; POST 4.05)', () => {
  const { reg } = setup();
  assert.equal(txt(ops.bootstrap(reg, { srv: 0, path: [], accept: 40 }, 1).payload), txt(bs.bsDiscover(reg, { srv: 0, path: [] }).payload));
  assert.equal(ops.bootstrap(reg, { srv: 0, path: [1, 0], accept: 110 }, 1).code, 69);
  assert.equal(ops.bootstrap(reg, { srv: 0, path: [3, 0] }, 1).code, 129, 'Bootstrap-Read of Device');
  assert.equal(ops.bootstrap(reg, { srv: 0, path: [0, 1, 2], cf: 0, payload: enc('9') }, 3).code, 128, 'Bootstrap-Write: security mode 9');
  assert.equal(ops.bootstrap(reg, { srv: 0, path: [0, 0] }, 4).code, 128, 'Bootstrap-Delete spares the bootstrap account');
  assert.equal(ops.bootstrap(reg, { srv: 0, path: [1] }, 2).code, 133, 'POST');
  assert.deepEqual(reg.obj(0)!.iids(), [0, 1]);
});

test('Registration object list: no Security, ver when not 1.0', () => {
  const { reg } = setup();
  assert.equal(ops.objectLinks(reg), '</1>;ver=1.1,</1/0>,</2>,</3>;ver=1.1,</3/0>,</4>;ver=1.2,</4/0>,</5>;ver=1.1,</5/0>,</6/0>,</7/0>,</3303>;ver=1.1,</3303/0>,</3338>;ver=1.1,</3338/0>');
});

test('Create -> Write -> Delete on Buzzer 3338: a server-created instance runs its own state and can be deleted; the board\'s cannot (issue 15 item 8)', () => {
  const { reg, log, state } = setup();
  const bz = reg.obj(3338) as any;
  const p = tlvEnc([3338, 1], recs([[[3338, 1, 5850], 5, true]]))!;
  const r = ops.create(reg, R([3338], { cf: 11542, payload: p }));
  assert.deepEqual([r.code, r.path], [65, [3338, 1]]);
  assert.equal(bz.get(1, 5548), 100, 'defaults read');
  bz.poll(state.now);
  assert.deepEqual(log, [], 'a created instance drives no board output');
  assert.equal(ops.write(reg, R([3338, 1, 5548], { cf: 0, payload: enc('40') })).code, 68);
  assert.equal(ops.write(reg, R([3338, 1, 5850], { cf: 0, payload: enc('0') })).code, 68);
  assert.equal(ops.write(reg, R([3338, 1, 5850], { cf: 0, payload: enc('1') })).code, 68);
  assert.equal(ops.read(reg, R([3338, 1, 5548])).code, 69);
  assert.equal(ops.del(reg, R([3338, 1])).code, 66);
  assert.equal(ops.read(reg, R([3338, 1])).code, 132);
  assert.equal(ops.write(reg, R([3338, 1, 5850], { cf: 0, payload: enc('1') })).code, 132);
  bz.poll((state.now += 1000));
  assert.equal(ops.del(reg, R([3338, 0])).code, 133, 'the board\'s buzzer stays');
  assert.equal(ops.write(reg, R([3338, 0, 5850], { cf: 0, payload: enc('1') })).code, 68);
  assert.deepEqual(log, ['buzzer:on:100']);
});

test('Create -> Write -> Delete on Temperature 3303: a created instance keeps its values, reads no sensor, and can be deleted (issue 15 item 8)', () => {
  const { reg, state } = setup();
  const p = tlvEnc([3303], recs([[[3303, 4, 5700], 4, 3.5], [[3303, 4, 5750], S, 'fridge']]))!;
  assert.deepEqual(ops.create(reg, R([3303], { cf: 11542, payload: p })).path, [3303, 4]);
  assert.equal(ops.write(reg, R([3303, 4, 5750], { cf: 0, payload: enc('freezer') })).code, 68);
  state.temp = 30;
  (reg.obj(3303) as any).poll(state.now + 1e6);
  assert.equal(txt(ops.read(reg, R([3303, 4, 5700])).payload), '3.5');
  assert.equal(txt(ops.read(reg, R([3303, 4, 5701])).payload), 'Cel');
  assert.equal(txt(ops.read(reg, R([3303, 0, 5700])).payload), '30');
  assert.equal(ops.execute(reg, R([3303, 4, 5605])).code, 68);
  assert.equal(ops.del(reg, R([3303, 4])).code, 66);
  assert.deepEqual(reg.obj(3303)!.iids(), [0]);
  assert.equal(ops.del(reg, R([3303, 0])).code, 133);
});

test('Bootstrap-Write creates the instance a resource path names; Bootstrap-Delete / removes all but the bootstrap account and Device, the device\'s own come back at Finish (issue 15 item 13)', () => {
  const { reg } = setup();
  assert.equal(bs.bsWrite(reg, { srv: 0, path: [1, 5, 1], cf: 0, payload: enc('120') }).code, 68);
  assert.deepEqual(reg.obj(1)!.i[5][1], 120);
  assert.equal(reg.obj(1)!.i[5][7], 'U', 'the new instance got its defaults');
  assert.equal(bs.bsWrite(reg, { srv: 0, path: [3, 1, 14], cf: 0, payload: enc('Z') }).code, 128, 'a second Device instance');
  assert.equal(bs.bsDelete(reg, { srv: 0, path: [] }).code, 66);
  for (const oid of [1, 2, 4, 5, 6, 7, 3303, 3338]) assert.deepEqual(reg.obj(oid)!.iids(), [], `/${oid}`);
  assert.deepEqual(reg.obj(0)!.iids(), [0]);
  assert.deepEqual(reg.obj(3)!.iids(), [0]);
  const d = txt(bs.bsDiscover(reg, { srv: 0, path: [] }).payload);
  assert.ok(d.startsWith('lwm2m=1.1,</0>;ver=1.1,</0/0>,</1>;ver=1.1,</2>,</3>;ver=1.1,</3/0>,</4>;ver=1.2,</5>;ver=1.1,</6>,</7>,'), d);
  assert.equal(bs.bsWrite(reg, { srv: 0, path: [3303, 0, 5750], cf: 0, payload: enc('outdoor') }).code, 68);
  assert.equal(reg.obj(3303)!.get(0, 5701), 'Cel', 'written on top of the device\'s own instance');
  assert.equal(reg.obj(3303)!.i[0][5750], 'outdoor');
  lifecycle({ reg } as any).bsRestore(); // Bootstrap-Finish's step (firmware/lwm2m/lifecycle.ts)
  for (const oid of [4, 5, 6, 7, 3303, 3338]) assert.deepEqual(reg.obj(oid)!.iids(), [0], `/${oid} back`);
  assert.equal(reg.obj(3303)!.i[0][5750], 'outdoor');
  assert.equal(reg.obj(5)!.get(0, 9), 2, 'as it was');
  assert.deepEqual(reg.obj(1)!.iids(), []);
});

test('Device: UTC Offset and Timezone are validated (ISO 8601 offset, IANA name): 4.00 otherwise (issue 15 item 13)', () => {
  const { reg } = setup();
  for (const v of ['banana', '+5', '+05:60', '+15:00', '05:00', '+0530x', '']) assert.equal(ops.write(reg, R([3, 0, 14], { cf: 0, payload: enc(v) })).code, 128, v);
  for (const v of ['Z', '+05:30', '-0800', '+14', '-12:00']) assert.equal(ops.write(reg, R([3, 0, 14], { cf: 0, payload: enc(v) })).code, 68, v);
  for (const v of ['banana', 'europe/paris', 'Europe//Paris', 'Europe/', 'Europe/Par is', '']) assert.equal(ops.write(reg, R([3, 0, 15], { cf: 0, payload: enc(v) })).code, 128, v);
  for (const v of ['UTC', 'Europe/Paris', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'America/Port-au-Prince']) assert.equal(ops.write(reg, R([3, 0, 15], { cf: 0, payload: enc(v) })).code, 68, v);
  assert.equal(reg.obj(3)!.i[0][15], 'America/Port-au-Prince');
});

test('Execute under /0 answers 4.01 as every other operation on the Security object does (issue 15 item 8)', () => {
  const { reg } = setup();
  assert.equal(ops.execute(reg, R([0, 1, 0])).code, 129);
});

test('defaults are read, not stored (memory: each stored value holds Espruino variables); a written value replaces its default', () => {
  const { reg, board } = setup();
  (board as any).location = undefined; // a board without a location port
  const stored = (oid: number) => Object.keys(reg.obj(oid)!.i[0]).sort((a, b) => +a - +b).join(',');
  assert.equal(stored(5), '3,5', 'Firmware Update: State and Update Result only');
  assert.equal(stored(6), '', 'Location');
  assert.equal(stored(3), '0,1,2,3', 'Device: what the board told');
  for (const rid of ['5603', '5604', '5701']) assert.ok(!(rid in reg.obj(3303)!.i[0]), `Temperature ${rid}`);
  assert.deepEqual([5603, 5604, 5701].map((r) => txt(ops.read(reg, R([3303, 0, r])).payload)), ['-40', '125', 'Cel']);
  assert.equal(stored(3338), '5750', 'Buzzer: its output name');
  const all = (p: number[]) => tlvDec(ops.read(reg, R(p)).payload!, p, ty)!.map((x) => x.p.slice(2).join('/') + '=' + (x.v instanceof Uint8Array ? toHex(x.v) : x.v));
  assert.deepEqual(all([5, 0]), ['1=', '3=0', '5=0', '6=', '7=', '8/0=0', '8/1=1', '9=2']);
  assert.deepEqual(all([6, 0]), ['0=0', '1=0', '5=0']);
  assert.deepEqual(all([3338, 0]), ['5850=false', '5548=100', '5521=0', '5525=0', '5750=buzzer']);
  assert.deepEqual(all([3, 0]).filter((s) => /^1[1456]\b/.test(s)), ['11/0=0', '14=+00:00', '15=Etc/UTC', '16=U']);
  assert.equal(txt(ops.read(reg, R([3303, 0, 5701])).payload), 'Cel');
  assert.equal(ops.write(reg, R([3, 0, 15], { cf: 0, payload: enc('Europe/Paris') })).code, 68);
  assert.equal(txt(ops.read(reg, R([3, 0, 15])).payload), 'Europe/Paris');
  reg.obj(6)!.set(0, 0, 48.85);
  assert.equal(txt(ops.read(reg, R([6, 0, 0])).payload), '48.85');
  (reg.obj(3) as any).error(2);
  assert.deepEqual(all([3, 0, 11]), ['11/0=2']);
  // a server-created Temperature instance keeps the unit it was given
  assert.equal(ops.create(reg, R([3303], { cf: 11542, payload: tlvEnc([3303], [{ p: [3303, 7, 5701], t: S, v: 'Far' }])! })).code, 65);
  assert.equal(txt(ops.read(reg, R([3303, 7, 5701])).payload), 'Far');
});
