// Information Reporting's threshold attributes (LwM2M 1.1 Core §5.1.2): gt, lt and st are
// evaluated on the resource's value whatever Content-Format the server observes it in —
// text/plain, TLV or SenML CBOR (issue 15 item 7: they worked with text/plain only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reporting, observedChanged } from '../../firmware/lwm2m/reporting';
import { createObjectModel } from '../../objects/index';
import * as ops from '../../objects/ops/index';
import { fakeBoard } from '../objects/fake-board';

const P = [3303, 0, 5700];

/** A relation that records the formats of its notifications. */
function relation() {
  const sent: number[] = [];
  return { sent, rel: { active: true, cancel() {}, notify: (spec: { contentFormat?: number }) => sent.push(spec.contentFormat ?? -1) } as any };
}

for (const [name, accept] of [['text/plain', 0], ['TLV', 11542], ['SenML CBOR', 112]] as const) {
  test(`gt/lt/st with the server asking ${name} (Accept ${accept}): only crossings and steps are notified`, () => {
    const { reg } = createObjectModel(fakeBoard().board);
    const temp = reg.obj(3303)!;
    temp.set(0, 5700, 21.5);
    assert.equal(ops.writeAttributes(reg, { srv: 101, path: P, query: ['gt=25', 'lt=10', 'st=5'] }).code, 68);
    const rep = new Reporting(reg, false);
    reg.ls = { changed: (o, i, r) => observedChanged(rep, o, i, r), objectEvent() {} };
    const { sent, rel } = relation();
    const req = { srv: 101, path: P, accept };
    rep.add(rel, req, 0);
    let now = 0;
    const step = (v: number) => {
      temp.set(0, 5700, v);
      rep.poll((now += 1000));
      return sent.length;
    };
    assert.equal(step(22), 0, 'no threshold crossed, step 0.5 < 5');
    assert.equal(step(24.9), 0, 'still below gt, step 3.4 < 5');
    assert.equal(step(25.5), 1, 'gt=25 crossed upwards');
    assert.equal(step(26), 1, 'above gt, no step');
    assert.equal(step(31.5), 2, 'st=5: 5.5 since the last notification');
    assert.equal(step(9), 3, 'lt=10 crossed downwards');
    assert.deepEqual(sent, [accept, accept, accept], 'notifications keep the observed format');
  });
}

// Notification Storing When Disabled or Offline (Core §6.4.1, Server /1/x/6), issue 20: while
// the client says the server is out of reach, notifications are kept, bounded, the oldest
// dropped first, and sent in order when it is back; with /1/x/6 false they are dropped.
function storing(notifStoring: boolean, max?: number) {
  const { reg } = createObjectModel(fakeBoard().board);
  reg.obj(1)!.add(0, { 0: 101, 1: 60, 6: notifStoring, 7: 'U' });
  const temp = reg.obj(3303)!;
  temp.set(0, 5700, 0);
  assert.equal(ops.writeAttributes(reg, { srv: 101, path: P, query: ['pmin=0'] }).code, 68);
  const rep = new Reporting(reg, false);
  reg.ls = { changed: (o, i, r) => observedChanged(rep, o, i, r), objectEvent() {} };
  if (max !== undefined) rep.max = max;
  const reach = { up: false, reach: () => reach.up };
  rep.cl = reach;
  const values: string[] = [];
  const rel = { active: true, cancel() {}, notify: (spec: { payload: Uint8Array }) => values.push(Buffer.from(spec.payload).toString()) } as any;
  const req = { srv: 101, path: P, accept: 0 };
  rep.add(rel, req, 0);
  let now = 0;
  const take = (v: number) => {
    temp.set(0, 5700, v);
    rep.poll((now += 10));
  };
  return { rep, reach, values, take, poll: () => rep.poll((now += 10)) };
}

test('notification storing: kept while out of reach, sent in order once back', () => {
  const s = storing(true);
  for (let v = 1; v <= 20; v++) s.take(v);
  assert.deepEqual(s.values, []);
  assert.equal(s.rep.held!.length, 40);
  assert.equal(s.rep.lost, undefined, 'none dropped (absent until one is)');
  s.reach.up = true;
  s.poll();
  assert.deepEqual(s.values, Array.from({ length: 20 }, (_, i) => String(i + 1)));
  assert.equal(s.rep.held, undefined, 'emptied, the list goes');
  s.take(21);
  assert.deepEqual(s.values.slice(20), ['21'], 'then straight out again');
});

test('notification storing: bounded at `max`, the oldest dropped first', () => {
  const s = storing(true, 3);
  for (let v = 1; v <= 7; v++) s.take(v);
  assert.equal(s.rep.held!.length, 6);
  assert.equal(s.rep.lost, 4);
  s.reach.up = true;
  s.poll();
  assert.deepEqual(s.values, ['5', '6', '7']);
});

test('notification storing: with /1/x/6 false notifications taken out of reach are dropped', () => {
  const s = storing(false);
  for (let v = 1; v <= 5; v++) s.take(v);
  assert.equal(s.rep.held, undefined);
  assert.equal(s.rep.lost, 5);
  s.reach.up = true;
  s.poll();
  assert.deepEqual(s.values, []);
  s.take(6);
  assert.deepEqual(s.values, ['6']);
});

test('notification storing: a kept CON notification waits for the one in flight (RFC 7641 §4.5.2 would replace it)', () => {
  const s = storing(true);
  for (let v = 1; v <= 3; v++) s.take(v);
  const rel = s.rep.list[0].rel as any;
  rel._inflight = {};
  s.reach.up = true;
  s.poll();
  assert.deepEqual(s.values, [], 'none while a CON is in flight');
  delete rel._inflight;
  s.poll();
  assert.deepEqual(s.values, ['1', '2', '3']);
});

test('an unacknowledged CON notification (CoapEndpoint.keep): kept first in line, the relation stays, the server is out of reach; with /1/x/6 false dropped, the relation stays', () => {
  for (const on of [true, false]) {
    const s = storing(on);
    s.reach.up = true;
    s.take(1);
    assert.deepEqual(s.values, ['1']);
    const lost: number[] = [];
    s.reach.reach = ((_ssid: number, _now: number, l?: boolean) => (l && lost.push(_ssid), s.reach.up)) as any;
    s.reach.up = false;
    const rel = s.rep.list[0].rel;
    assert.equal(s.rep.kept(rel, { code: 69, contentFormat: 0, payload: Buffer.from('1') }, 100), true, 'the relation is kept');
    assert.deepEqual(lost, [101], 'the client hears its server is out of reach');
    s.take(2);
    s.reach.up = true;
    s.poll();
    assert.deepEqual(s.values, on ? ['1', '1', '2'] : ['1'], on ? 'the lost one first, then the later one' : 'dropped while out of reach');
    assert.equal(s.rep.lost, on ? undefined : 2);
    s.take(3);
    assert.equal(s.values[s.values.length - 1], '3', 'the same relation notifies again');
    assert.equal(s.rep.kept({} as any, {}, 0), false, 'not one of ours: RFC 7641 §4.5, the endpoint ends it');
  }
});
