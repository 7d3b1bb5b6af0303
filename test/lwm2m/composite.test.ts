// Composite operations in the device (LwM2M 1.1 Core §6.3 Read-Composite, Write-Composite,
// §6.4 Observe-Composite; Transport §6.4): FETCH / and iPATCH / through dispatch(), their codes,
// and the Observe-Composite relation in Reporting. Send is end to end in test/sim/send-composite.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispatch } from '../../firmware/lwm2m/dispatch';
import { Reporting, observedChanged } from '../../firmware/lwm2m/reporting';
import { createObjectModel } from '../../objects/index';
import * as ops from '../../objects/ops/index';
import { codec } from '../../objects/formats/index';
import { senmlJson } from '../../objects/formats/senml-json';
import { senmlCbor } from '../../objects/formats/senml-cbor';
import { CODE, OPT, FORMAT, TYPE } from '../../transport/coap/constants';
import type { CoapMessage } from '../../transport/coap/message';
import type { Exchange, ResponseSpec } from '../../transport/coap/endpoint';
import { fakeBoard } from '../objects/fake-board';
import { T_BOOL, T_INT } from '../../objects/core/types';
import { typeOf } from '../objects/helpers';
import { pathsPayload } from '../../sim/lwm2m-composite';
import { attrKey } from '../../objects/core/attrs';

const uint = (n: number) => (n === 0 ? new Uint8Array(0) : n < 256 ? Uint8Array.of(n) : Uint8Array.of(n >> 8, n & 255));
const utf8 = (s: string) => new Uint8Array(Buffer.from(s));

function req(code: number, path: string, o: { cf?: number; accept?: number; payload?: Uint8Array | string; observe?: number } = {}): CoapMessage {
  const options: { num: number; value: Uint8Array }[] = [];
  if (o.observe !== undefined) options.push({ num: OPT.OBSERVE, value: uint(o.observe) });
  for (const s of path.split('/').filter(Boolean)) options.push({ num: OPT.URI_PATH, value: utf8(s) });
  if (o.cf !== undefined) options.push({ num: OPT.CONTENT_FORMAT, value: uint(o.cf) });
  if (o.accept !== undefined) options.push({ num: OPT.ACCEPT, value: uint(o.accept) });
  const payload = typeof o.payload === 'string' ? utf8(o.payload) : o.payload || new Uint8Array(0);
  return { type: TYPE.CON, code, mid: 1, token: Uint8Array.of(1), options, payload };
}

function model() {
  const { board } = fakeBoard();
  const m = createObjectModel(board);
  m.reg.obj(1)!.add(0, { 0: 1, 1: 300, 6: true, 7: 'U' });
  return m.reg;
}

function run(reg: ReturnType<typeof model>, r: CoapMessage, ssid = 1, observed?: (path: number[], q: ops.Req) => void): ResponseSpec {
  let out: ResponseSpec | null = null;
  const rel = { active: true, cancel() {}, notify() {} };
  const ex = { respond: (spec: ResponseSpec) => (out = spec), observe: () => rel } as unknown as Exchange;
  const cl = observed && { now: 0, reporting: { add: (_rel: unknown, q: ops.Req) => observed(q.path, q), clear() {} }, life: () => ({ finish: () => CODE.METHOD_NOT_ALLOWED }) };
  dispatch({ reg, ssid, cl }, r, ex);
  assert.ok(out);
  return out;
}

/** What dispatch() asks of the client (AccountClient): its reporting, at the time `now()` gives. */
function client(rep: Reporting, now: () => number) {
  return { get now() { return now(); }, reporting: rep, life: () => ({ finish: () => CODE.METHOD_NOT_ALLOWED }) };
}

const THREE = '[{"n":"/3/0/0"},{"n":"/3303/0/5700"},{"n":"/3338/0/5850"}]';

test('Read-Composite of three resources of three objects: FETCH / with SenML JSON names, 2.05 in SenML JSON', () => {
  const reg = model();
  const r = run(reg, req(CODE.FETCH, '/', { cf: FORMAT.SENML_JSON, payload: THREE }));
  assert.equal(r.code, CODE.CONTENT);
  assert.equal(r.contentFormat, FORMAT.SENML_JSON);
  const recs = senmlJson().dec(r.payload!, [], typeOf())!;
  assert.deepEqual(recs.map((x) => [x.p.join('/'), x.v]), [['3/0/0', 'ACME'], ['3303/0/5700', 21.5], ['3338/0/5850', false]]);
});

test('Read-Composite in SenML CBOR, with Accept deciding the answer format; object and instance paths too', () => {
  const reg = model();
  const body = pathsPayload(FORMAT.SENML_CBOR, [[3, 0, 0], [3303, 0], [3338]]);
  const r = run(reg, req(CODE.FETCH, '/', { cf: FORMAT.SENML_CBOR, payload: body }));
  assert.equal(r.contentFormat, FORMAT.SENML_CBOR);
  const recs = senmlCbor().dec(r.payload!, [], typeOf())!;
  assert.ok(recs.some((x) => x.p.join('/') === '3303/0/5700'));
  assert.ok(recs.some((x) => x.p.join('/') === '3338/0/5850'));
  const j = run(reg, req(CODE.FETCH, '/', { cf: FORMAT.SENML_CBOR, accept: FORMAT.SENML_JSON, payload: body }));
  assert.equal(j.contentFormat, FORMAT.SENML_JSON);
  assert.equal(senmlJson().dec(j.payload!, [], typeOf())!.length, recs.length);
});

test('Read-Composite errors: 4.15 not SenML, 4.00 no format or bad payload, 4.06 Accept not SenML, 4.04 none found, 4.01 Security, 4.05 not on /', () => {
  const reg = model();
  const cases: [CoapMessage, number, string][] = [
    [req(CODE.FETCH, '/', { cf: FORMAT.LWM2M_TLV, payload: THREE }), CODE.UNSUPPORTED_CONTENT_FORMAT, 'TLV paths'],
    [req(CODE.FETCH, '/', { payload: THREE }), CODE.BAD_REQUEST, 'no Content-Format'],
    [req(CODE.FETCH, '/', { cf: FORMAT.SENML_JSON, payload: '[{"n":"/3/x"}]' }), CODE.BAD_REQUEST, 'a name that is no path'],
    [req(CODE.FETCH, '/', { cf: FORMAT.SENML_JSON, payload: '[]' }), CODE.BAD_REQUEST, 'no paths'],
    [req(CODE.FETCH, '/', { cf: FORMAT.SENML_JSON, payload: '{' }), CODE.BAD_REQUEST, 'not JSON'],
    [req(CODE.FETCH, '/', { cf: FORMAT.SENML_CBOR, payload: Uint8Array.of(0x9f) }), CODE.BAD_REQUEST, 'indefinite CBOR'],
    [req(CODE.FETCH, '/', { cf: FORMAT.SENML_JSON, accept: FORMAT.LWM2M_TLV, payload: THREE }), CODE.NOT_ACCEPTABLE, 'Accept TLV'],
    [req(CODE.FETCH, '/', { cf: FORMAT.SENML_JSON, payload: '[{"n":"/9999/0/1"},{"n":"/3/7"}]' }), CODE.NOT_FOUND, 'none exists'],
    [req(CODE.FETCH, '/', { cf: FORMAT.SENML_JSON, payload: '[{"n":"/0/0/0"}]' }), CODE.UNAUTHORIZED, 'Security only'],
    [req(CODE.FETCH, '/3/0', { cf: FORMAT.SENML_JSON, payload: THREE }), CODE.METHOD_NOT_ALLOWED, 'FETCH on an instance'],
    [req(CODE.IPATCH, '/3/0', { cf: FORMAT.SENML_JSON, payload: '[{"n":"/3/0/14","vs":"x"}]' }), CODE.METHOD_NOT_ALLOWED, 'iPATCH on an instance'],
  ];
  for (const [m, code, what] of cases) assert.equal(run(reg, m).code, code, what);
  // the Bootstrap Server has no composite operations (Core §5.2.7)
  assert.equal(run(reg, req(CODE.FETCH, '/', { cf: FORMAT.SENML_JSON, payload: THREE }), -1).code, CODE.METHOD_NOT_ALLOWED);
  // a path that exists among some that do not: the ones found, 2.05
  const part = run(reg, req(CODE.FETCH, '/', { cf: FORMAT.SENML_JSON, payload: '[{"n":"/9999/0/1"},{"n":"/0/0"},{"n":"/3/0/0"}]' }));
  assert.equal(part.code, CODE.CONTENT);
  assert.deepEqual(senmlJson().dec(part.payload!, [], typeOf())!.map((x) => x.p.join('/')), ['3/0/0']);
});

test('Write-Composite: iPATCH / with records of two objects writes both; one bad record writes none', () => {
  const reg = model();
  const ok = run(reg, req(CODE.IPATCH, '/', { cf: FORMAT.SENML_JSON, payload: '[{"bn":"/3338/0/","n":"5850","vb":true},{"bn":"","n":"/1/0/1","v":120},{"n":"/3/0/14","vs":"+02:00"}]' }));
  assert.equal(ok.code, CODE.CHANGED);
  assert.deepEqual([reg.obj(3338)!.get(0, 5850), reg.obj(1)!.get(0, 1), reg.obj(3)!.get(0, 14)], [true, 120, '+02:00']);
  const cbor = codec(FORMAT.SENML_CBOR)!.enc([], [{ p: [3338, 0, 5850], t: T_BOOL, v: false }, { p: [1, 0, 1], t: T_INT, v: 200 }])!;
  assert.equal(run(reg, req(CODE.IPATCH, '/', { cf: FORMAT.SENML_CBOR, payload: cbor })).code, CODE.CHANGED);
  assert.deepEqual([reg.obj(3338)!.get(0, 5850), reg.obj(1)!.get(0, 1)], [false, 200]);
  const before = [reg.obj(3338)!.get(0, 5850), reg.obj(1)!.get(0, 1)];
  const cases: [string, number, string][] = [
    ['[{"n":"/3338/0/5850","vb":true},{"n":"/3/0/0","vs":"x"}]', CODE.METHOD_NOT_ALLOWED, 'a read-only resource'],
    ['[{"n":"/3338/0/5850","vb":true},{"n":"/1/0/1","vs":"x"}]', CODE.BAD_REQUEST, 'a value of the wrong type'],
    ['[{"n":"/3338/0/5850","vb":true},{"n":"/3338/9/5850","vb":true}]', CODE.NOT_FOUND, 'an instance that does not exist'],
    ['[{"n":"/3338/0/5850","vb":true},{"n":"/0/0/0","vs":"coap://x"}]', CODE.UNAUTHORIZED, 'the Security object'],
    ['[{"n":"/3338/0","vb":true}]', CODE.BAD_REQUEST, 'an instance path with a value'],
    ['[{"n":"/3338/0/5850"}]', CODE.BAD_REQUEST, 'a record without a value'],
  ];
  for (const [p, code, what] of cases) {
    assert.equal(run(reg, req(CODE.IPATCH, '/', { cf: FORMAT.SENML_JSON, payload: p })).code, code, what);
    assert.deepEqual([reg.obj(3338)!.get(0, 5850), reg.obj(1)!.get(0, 1)], before, `${what}: nothing written`);
  }
  assert.equal(run(reg, req(CODE.IPATCH, '/', { cf: FORMAT.LWM2M_TLV, payload: Uint8Array.of(0xc1, 0, 1) })).code, CODE.UNSUPPORTED_CONTENT_FORMAT);
});

test('Observe-Composite: FETCH / Observe=0 opens one relation whose notifications carry every path, on a change of any', () => {
  const reg = model();
  const rep = new Reporting(reg, false);
  reg.ls = { changed: (o, i, r) => observedChanged(rep, o, i, r), objectEvent() {} };
  const sent: Uint8Array[] = [];
  const mk = () => ({ active: true, cancel() {}, notify: (spec: ResponseSpec) => sent.push(spec.payload!) }) as any;
  const rels: any[] = [];
  const observe = (payload: string) => {
    const rel = mk();
    rels.push(rel);
    let out: ResponseSpec | null = null;
    const ex = { respond: (s: ResponseSpec) => (out = s), observe: () => rel } as unknown as Exchange;
    dispatch({ reg, ssid: 1, cl: client(rep, () => 0) }, req(CODE.FETCH, '/', { cf: FORMAT.SENML_JSON, payload, observe: 0 }), ex);
    return out! as ResponseSpec;
  };
  assert.equal(observe('[{"n":"/3303/0/5700"},{"n":"/3338/0/5850"}]').code, CODE.CONTENT);
  assert.equal(observe('[{"n":"/3/0/14"}]').code, CODE.CONTENT);
  assert.equal(rep.list.length, 2, 'a second composite relation does not replace the first');
  reg.obj(3338)!.set(0, 5850, true);
  rep.poll(1000);
  assert.equal(sent.length, 1, 'one notification, of the relation that covers the buzzer');
  const recs = senmlJson().dec(sent[0], [], typeOf())!;
  assert.deepEqual(recs.map((x) => [x.p.join('/'), x.v]), [['3303/0/5700', 21.5], ['3338/0/5850', true]]);
  reg.obj(6) && reg.obj(6)!.set(0, 0, 1);
  rep.poll(2000);
  assert.equal(sent.length, 1, 'a change elsewhere notifies nothing');
  // Observe=1 on the same token: the endpoint ends the relation; the next poll drops it and no other
  rels[0].active = false;
  rep.poll(3000);
  assert.equal(rep.list.length, 1);
  assert.deepEqual(rep.list[0].ps, [[3, 0, 14]]);
});

test('Observe-Composite honours the attributes of its paths (Core §6.4, §5.1.2): a change waits for that path\'s pmin, the smallest pmax brings a notification', () => {
  const reg = model();
  const rep = new Reporting(reg, false);
  reg.ls = { changed: (o, i, r) => observedChanged(rep, o, i, r), objectEvent() {} };
  const at: number[] = [];
  let now = 0;
  const rel = { active: true, cancel() {}, notify: () => at.push(now) } as any;
  let out: ResponseSpec | null = null;
  const ex = { respond: (s: ResponseSpec) => (out = s), observe: () => rel } as unknown as Exchange;
  // Write-Attributes by server 1: pmin=10 on the temperature, pmax=30 on the buzzer
  reg.at = { [attrKey(1, [3303, 0, 5700])]: { pmin: 10 }, [attrKey(1, [3338, 0, 5850])]: { pmax: 30 } };
  dispatch({ reg, ssid: 1, cl: client(rep, () => now) }, req(CODE.FETCH, '/', { cf: FORMAT.SENML_JSON, payload: '[{"n":"/3303/0/5700"},{"n":"/3338/0/5850"}]', observe: 0 }), ex);
  assert.equal(out!.code, CODE.CONTENT);
  const tick = (t: number) => rep.poll((now = t));
  reg.obj(3303)!.set(0, 5700, 30.5);
  tick(1000);
  tick(9999);
  assert.deepEqual(at, [], 'the temperature changed, its pmin (10 s) not over');
  tick(10000);
  assert.deepEqual(at, [10000], 'at its pmin');
  reg.obj(3338)!.set(0, 5850, true);
  tick(11000);
  assert.deepEqual(at, [10000, 11000], 'the buzzer has no pmin: at once');
  assert.equal(tick(12000), 41000, 'next: the buzzer\'s pmax after the last notification');
  tick(40999);
  assert.equal(at.length, 2);
  tick(41000);
  assert.deepEqual(at, [10000, 11000, 41000], 'pmax 30 s without a change');
  // pmin counts from the last notification: a temperature change at once after it waits 10 s
  reg.obj(3303)!.set(0, 5700, 31);
  tick(41001);
  tick(50999);
  assert.equal(at.length, 3);
  tick(51000);
  assert.deepEqual(at.slice(3), [51000]);
});
