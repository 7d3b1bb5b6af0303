// Behaviour of the ten objects behind the board ports (fake board, fake clock).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createObjectModel } from '../../objects/index';
import * as ops from '../../objects/ops/index';
import { tlvDec } from '../../objects/formats/tlv';
import { effective } from '../../objects/core/attrs';
import { ON_DOWNLOADED, ON_UPDATED } from '../../objects/5-firmware-update';
import { fakeBoard } from './fake-board';
import { typeOf } from './helpers';

const enc = (s: string) => new TextEncoder().encode(s);
const txt = (b?: Uint8Array) => new TextDecoder().decode(b);

function setup() {
  const fb = fakeBoard();
  const c = createObjectModel(fb.board, { period: 1000 });
  c.reg.obj(1)!.add(0, { 0: 101, 1: 300, 6: true, 7: 'U' });
  const events: string[] = [];
  const changes: string[] = [];
  c.reg.ls = { changed: (o, i, r) => changes.push(`/${o}/${i}/${r}`), objectEvent: (n, ssid, iid) => events.push(`${n}:${ssid}:${iid}`) };
  const rd = (p: number[]) => txt(ops.read(c.reg, { srv: 101, path: p }).payload);
  const wr = (p: number[], s: string) => ops.write(c.reg, { srv: 101, path: p, cf: 0, payload: enc(s) }).code;
  const ex = (p: number[]) => ops.execute(c.reg, { srv: 101, path: p }).code;
  return { ...fb, c, reg: c.reg, events, changes, rd, wr, ex };
}

test('Device: identity, memory, power, binding, current time with UTC offset write, error codes', () => {
  const { rd, wr, ex, state, c, reg } = setup();
  assert.deepEqual([rd([3, 0, 0]), rd([3, 0, 1]), rd([3, 0, 2]), rd([3, 0, 3])], ['ACME', 'E32', 'SN1', '0.1.0']);
  assert.deepEqual([rd([3, 0, 10]), rd([3, 0, 21]), rd([3, 0, 9]), rd([3, 0, 16])], ['42', '320', '100', 'U']);
  assert.equal(rd([3, 0, 13]), '1000');
  assert.equal(wr([3, 0, 13], '1700000000'), 68);
  state.now += 5000;
  assert.equal(rd([3, 0, 13]), '1700000005');
  c.device.error(1);
  c.device.error(1);
  c.device.error(6);
  const d = tlvDec(ops.read(reg, { srv: 101, path: [3, 0, 11] }).payload!, [3, 0, 11], typeOf())!;
  assert.deepEqual(d.map((x) => x.v), [1, 6]);
  assert.equal(ex([3, 0, 12]), 68);
  assert.equal(rd([3, 0, 11, 0]), '0');
});

test('Server: Registration Update Trigger, Disable, Bootstrap-Request, lifetime and binding writes signal', () => {
  const { ex, wr, events } = setup();
  assert.equal(ex([1, 0, 8]), 68);
  assert.equal(ex([1, 0, 4]), 68);
  assert.equal(ex([1, 0, 9]), 68);
  assert.equal(wr([1, 0, 1], '600'), 68);
  assert.equal(wr([1, 0, 7], 'UQ'), 68);
  assert.equal(wr([1, 0, 7], 'ZZ'), 128);
  assert.equal(wr([1, 0, 1], '-5'), 128);
  assert.equal(wr([1, 0, 5], '30'), 68, 'Disable Timeout: no event');
  assert.deepEqual(events, ['update:101:0', 'disable:101:0', 'bootstrap:101:0', 'update:101:0', 'update:101:0']);
});

test('Connectivity Monitoring and Location read the board', () => {
  const { rd } = setup();
  assert.deepEqual([rd([4, 0, 0]), rd([4, 0, 2]), rd([4, 0, 4, 0]), rd([4, 0, 5, 0])], ['21', '-60', '192.168.1.20', '192.168.1.1']);
  assert.deepEqual([rd([6, 0, 0]), rd([6, 0, 1]), rd([6, 0, 5])], ['48.85', '2.35', '1700000000']);
});

test('Firmware Update: pull state machine Idle -> Downloading -> Downloaded -> Updating -> Idle (result 1)', () => {
  const { rd, wr, ex, c, log } = setup();
  assert.deepEqual([rd([5, 0, 3]), rd([5, 0, 5]), rd([5, 0, 9]), rd([5, 0, 8, 1])], ['0', '0', '2', '1']);
  assert.equal(ex([5, 0, 2]), 133, 'Update in Idle');
  assert.equal(wr([5, 0, 1], 'coap://fw.example/img'), 68);
  assert.deepEqual(log, ['download coap://fw.example/img']);
  assert.equal(rd([5, 0, 3]), '1');
  assert.equal(wr([5, 0, 1], 'coap://other'), 128, 'new URI while downloading');
  c.fw.hook!(ON_DOWNLOADED, 0, -1);
  assert.equal(rd([5, 0, 3]), '2');
  assert.equal(ex([5, 0, 2]), 68);
  assert.equal(rd([5, 0, 3]), '3');
  c.fw.hook!(ON_UPDATED, 1, -1);
  assert.deepEqual([rd([5, 0, 3]), rd([5, 0, 5])], ['0', '1']);
  assert.deepEqual(log, ['download coap://fw.example/img', 'update']);
});

test('Firmware Update: failures and cancel by empty URI; pushed package', () => {
  const { rd, wr, c, reg, state } = setup();
  wr([5, 0, 1], 'coap://fw.example/img');
  c.fw.hook!(ON_DOWNLOADED, 5, -1);
  assert.deepEqual([rd([5, 0, 3]), rd([5, 0, 5])], ['0', '5'], 'integrity failure');
  wr([5, 0, 1], 'coap://fw.example/img');
  assert.equal(wr([5, 0, 1], ''), 68);
  assert.deepEqual([rd([5, 0, 3]), rd([5, 0, 5])], ['0', '0'], 'cancelled');
  const push = (b: Uint8Array) => ops.write(reg, { srv: 101, path: [5, 0, 0], cf: 42, payload: b }).code;
  assert.equal(push(new Uint8Array([1, 2, 3])), 68);
  assert.equal(rd([5, 0, 3]), '1', 'Downloading while the board checks the package');
  c.fw.hook!(ON_DOWNLOADED, 0, -1);
  assert.equal(rd([5, 0, 3]), '2');
  wr([5, 0, 1], '');
  state.fwResult = 6;
  push(new Uint8Array([9]));
  assert.deepEqual([rd([5, 0, 3]), rd([5, 0, 5])], ['0', '6']);
});

test('Connectivity Statistics: counts only between Start and Stop; Collection Period ends it', () => {
  const { rd, wr, ex, c, state } = setup();
  c.stats.count(true, 5000);
  assert.equal(rd([7, 0, 2]), '0');
  assert.equal(ex([7, 0, 6]), 68);
  c.stats.count(true, 2048);
  c.stats.count(false, 1024);
  c.stats.count(false, 100);
  assert.deepEqual([rd([7, 0, 2]), rd([7, 0, 3]), rd([7, 0, 4]), rd([7, 0, 5])], ['2', '1', '2048', '1057']);
  assert.equal(ex([7, 0, 7]), 68);
  c.stats.count(true, 4096);
  assert.equal(rd([7, 0, 2]), '2');
  assert.equal(wr([7, 0, 8], '10'), 68);
  ex([7, 0, 6]);
  assert.equal(c.stats.poll(state.now), state.now + 10000);
  assert.equal(c.stats.poll(state.now + 10000), -1);
  c.stats.count(true, 4096);
  assert.equal(rd([7, 0, 2]), '0');
});

test('state absent until used (memory: each property holds Espruino variables): Connectivity Statistics before its first Start, a Buzzer never sounded, attributes before a Write-Attributes', () => {
  const { rd, ex, c, state } = setup();
  for (const k of ['run', 'tx', 'rx', 'n', 'max', 'end']) assert.ok(!(k in c.stats), k);
  assert.deepEqual(Object.keys(c.reg.obj(7)!.i[0]), []);
  assert.deepEqual([rd([7, 0, 2]), rd([7, 0, 3]), rd([7, 0, 4]), rd([7, 0, 5]), rd([7, 0, 8])], ['0', '0', '0', '0', '0']);
  assert.equal(c.stats.poll(state.now), -1, 'no Collection Period');
  c.stats.count(true, 100);
  assert.ok(!('tx' in c.stats), 'nothing counted before Start');
  assert.equal(ex([7, 0, 6]), 68);
  c.stats.count(true, 100);
  assert.equal(rd([7, 0, 5]), '100');
  assert.deepEqual((c.buzzer as any).st[0], { offAt: -1 });
  assert.ok(!('at' in c.reg), 'no Write-Attributes yet');
  assert.equal(ops.writeAttributes(c.reg, { srv: 101, path: [3303, 0, 5700], query: ['pmin=5'] }).code, 68);
  assert.deepEqual(effective(c.reg, 101, [3303, 0, 5700]).pmin, 5);
});

test('Temperature: sensor port sampled by poll, change reported, min/max and their reset', () => {
  const { rd, ex, c, state, changes } = setup();
  assert.deepEqual([rd([3303, 0, 5700]), rd([3303, 0, 5701]), rd([3303, 0, 5603])], ['21.5', 'Cel', '-40']);
  state.temp = 25;
  assert.equal(c.temp!.poll(state.now), state.now + 1000);
  assert.ok(changes.includes('/3303/0/5700'));
  state.temp = 18;
  c.temp!.poll(state.now + 1000);
  assert.deepEqual([rd([3303, 0, 5700]), rd([3303, 0, 5601]), rd([3303, 0, 5602])], ['18', '18', '25']);
  changes.length = 0;
  c.temp!.poll(state.now + 1500);
  assert.deepEqual(changes, [], 'not due yet');
  state.temp = NaN;
  c.temp!.poll(state.now + 5000);
  assert.equal(rd([3303, 0, 5700]), '18', 'a failed reading keeps the last value');
  state.temp = 18;
  assert.equal(ex([3303, 0, 5605]), 68);
  assert.deepEqual([rd([3303, 0, 5601]), rd([3303, 0, 5602])], ['18', '18']);
});

test('Buzzer: On drives the output, Delay Duration turns it off, Level follows', () => {
  const { wr, rd, c, state, log, changes } = setup();
  assert.equal(wr([3338, 0, 5521], '2.5'), 68);
  assert.equal(wr([3338, 0, 5548], '40'), 68);
  assert.equal(wr([3338, 0, 5548], '101'), 128);
  assert.equal(wr([3338, 0, 5850], '1'), 68);
  assert.deepEqual(log, ['buzzer:on:40']);
  assert.equal(c.buzzer!.poll(state.now), state.now + 2500);
  assert.equal(wr([3338, 0, 5548], '60'), 68);
  assert.deepEqual(log, ['buzzer:on:40', 'buzzer:on:60']);
  changes.length = 0;
  assert.equal(c.buzzer!.poll(state.now + 2500), -1);
  assert.deepEqual(log.slice(2), ['buzzer:off:60']);
  assert.equal(rd([3338, 0, 5850]), '0');
  assert.ok(changes.includes('/3338/0/5850'));
});

test('Buzzer: Minimum Off-time holds a new On back until it has passed', () => {
  const { wr, c, state, log } = setup();
  wr([3338, 0, 5525], '3');
  wr([3338, 0, 5850], '1');
  wr([3338, 0, 5850], '0');
  assert.deepEqual(log, ['buzzer:on:100', 'buzzer:off:100']);
  state.now += 1000;
  wr([3338, 0, 5850], '1');
  assert.equal(log.length, 2, 'still within the minimum off-time');
  assert.equal(c.buzzer!.poll(state.now), state.now + 2000, 'deadline = off time + 3 s');
  assert.equal(c.poll(state.now), state.now + 1000, 'the client polls the earliest: temperature sampling');
  c.buzzer!.poll(state.now + 1999);
  assert.equal(log.length, 2);
  assert.equal(c.buzzer!.poll(state.now + 2000), -1);
  assert.deepEqual(log.slice(2), ['buzzer:on:100']);
});
