// Observe (RFC 7641) and block-wise transfer (RFC 7959) between two endpoints on a
// fake clock, and with hand-made datagrams where the exact wire form matters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CODE, OPT, TYPE, encode, message, getUint, getOption, readBlock, blockBytes, uintBytes, setUriPath, addOption, getPathString, observations, cancelObservations, sizes,
  type CoapMessage, type Observation,
} from '../../transport/coap/index';
import { fromHex, toHex, utf8Encode } from '../../transport/bytes';
import { Net, msgOf, seededRng } from './harness';

const text = (s: string) => utf8Encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);
function body(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >> 8)) & 255;
  return b;
}

function observedServer(net: Net, obsOut: Observation[], reasons: string[], params = {}) {
  let value = 20;
  return net.add('srv', {
    params,
    rng: seededRng(7),
    onRequest: (req, _p, ex) => {
      const o = ex.observe();
      if (o && obsOut.indexOf(o) < 0) {
        obsOut.push(o);
        o.onCancel = (r) => reasons.push(r);
      }
      ex.respond({ code: CODE.CONTENT, contentFormat: 0, payload: text(String(value++)) });
      void req;
    },
  });
}

// ---- Observe, server side ----

test('observe: GET Observe=0 registers; the response and notifications carry increasing Observe numbers', () => {
  const net = new Net();
  const obs: Observation[] = [];
  const reasons: string[] = [];
  observedServer(net, obs, reasons);
  const cli = net.add('cli', { rng: seededRng(1) });
  const got: CoapMessage[] = [];
  cli.request(net.peer('srv'), { code: CODE.GET, path: '/3303/0/5700', observe: true }, 0, (e, r) => { assert.equal(e, null); got.push(r!); });
  net.run(10);
  assert.equal(obs.length, 1);
  assert.equal(obs[0].path, '/3303/0/5700');
  obs[0].notify({ code: CODE.CONTENT, payload: text('21') }, false, net.now);
  net.run(20);
  obs[0].notify({ code: CODE.CONTENT, payload: text('22') }, true, net.now);
  net.run(30);
  assert.deepEqual(got.map((m) => str(m.payload)), ['20', '21', '22']);
  const seqs = got.map((m) => getUint(m, OPT.OBSERVE, -1));
  assert.ok(seqs[0] < seqs[1] && seqs[1] < seqs[2], String(seqs));
  assert.equal(got[1].type, TYPE.NON);
  assert.equal(got[2].type, TYPE.CON);
  assert.equal(net.sent('cli').filter((d) => msgOf(d).type === TYPE.ACK).length, 1); // ACK for the CON notification
  assert.deepEqual(reasons, []);
});

test('observe: a handler that does not call observe() answers without Observe (not observed)', () => {
  const net = new Net();
  net.add('srv', { onRequest: (_r, _p, ex) => ex.respond({ code: CODE.CONTENT, payload: text('x') }) });
  const cli = net.add('cli');
  let n = 0;
  let res: CoapMessage | undefined;
  cli.request(net.peer('srv'), { code: CODE.GET, path: '/a', observe: true }, 0, (_e, r) => { n++; res = r; });
  net.run(10);
  assert.equal(n, 1);
  assert.equal(getOption(res!, OPT.OBSERVE), null);
  assert.equal(sizes(net.nodes.cli).reqs, 0);
});

test('observe: GET with Observe=1 on the same token deregisters', () => {
  const net = new Net();
  const obs: Observation[] = [];
  const reasons: string[] = [];
  const srv = observedServer(net, obs, reasons);
  const reg = message(TYPE.CON, CODE.GET, 0x0100, fromHex('abcd')!, [{ num: OPT.OBSERVE, value: uintBytes(0) }]);
  setUriPath(reg, '/t');
  net.inject('c', 'srv', encode(reg));
  assert.equal(observations(srv).length, 1);
  const dereg = message(TYPE.CON, CODE.GET, 0x0101, fromHex('abcd')!, [{ num: OPT.OBSERVE, value: uintBytes(1) }]);
  setUriPath(dereg, '/t');
  net.inject('c', 'srv', encode(dereg));
  assert.equal(observations(srv).length, 0);
  assert.deepEqual(reasons, ['deregister']);
  const r = msgOf(net.log[1]);
  assert.equal(r.code, CODE.CONTENT);
  assert.equal(getOption(r, OPT.OBSERVE), null); // a plain response now
});

test('observe: re-registration with the same token updates the entry, not a second one', () => {
  const net = new Net();
  const obs: Observation[] = [];
  const srv = observedServer(net, obs, []);
  for (const mid of [1, 2]) {
    const reg = message(TYPE.CON, CODE.GET, mid, fromHex('01')!, [{ num: OPT.OBSERVE, value: uintBytes(0) }]);
    net.inject('c', 'srv', encode(reg));
  }
  assert.equal(observations(srv).length, 1);
  assert.equal(obs.length, 1);
});

test('observe: RST to a NON notification cancels the relation', () => {
  const net = new Net();
  const obs: Observation[] = [];
  const reasons: string[] = [];
  const srv = observedServer(net, obs, reasons);
  net.inject('c', 'srv', encode(message(TYPE.CON, CODE.GET, 5, fromHex('05')!, [{ num: OPT.OBSERVE, value: uintBytes(0) }])));
  obs[0].notify({ code: CODE.CONTENT, payload: text('n') });
  const n = msgOf(net.log[1]);
  assert.equal(n.type, TYPE.NON);
  net.inject('c', 'srv', encode(message(TYPE.RST, CODE.EMPTY, n.mid)));
  assert.deepEqual(reasons, ['reset']);
  assert.equal(observations(srv).length, 0);
  obs[0].notify({ code: CODE.CONTENT, payload: text('m') });
  assert.equal(net.log.length, 2); // nothing more sent
});

test('observe: a CON notification that is never acknowledged ends the relation with timeout', () => {
  const net = new Net();
  const obs: Observation[] = [];
  const reasons: string[] = [];
  const srv = observedServer(net, obs, reasons);
  net.inject('c', 'srv', encode(message(TYPE.CON, CODE.GET, 5, fromHex('05')!, [{ num: OPT.OBSERVE, value: uintBytes(0) }])));
  obs[0].notify({ code: CODE.CONTENT, payload: text('n') }, true, 0);
  net.run(200000);
  assert.deepEqual(reasons, ['timeout']);
  assert.equal(observations(srv).length, 0);
  assert.equal(net.sent('srv').length, 1 + 5);
  assert.equal(srv.stats!.timeouts, 1);
});

test('observe: a CON notification at least every OBSERVE_CON_INTERVAL', () => {
  const net = new Net();
  const obs: Observation[] = [];
  observedServer(net, obs, [], { OBSERVE_CON_INTERVAL: 60000 });
  net.add('c', { rng: seededRng(3) });
  net.inject('c', 'srv', encode(message(TYPE.CON, CODE.GET, 5, fromHex('05')!, [{ num: OPT.OBSERVE, value: uintBytes(0) }])));
  const types: number[] = [];
  for (let t = 10000; t <= 130000; t += 10000) {
    net.now = t;
    obs[0].notify({ code: CODE.CONTENT, payload: text(String(t)) }, false, t);
    types.push(msgOf(net.log.at(-1)!).type);
    // acknowledge CON notifications so none stays in flight
    const last = msgOf(net.log.at(-1)!);
    if (last.type === TYPE.CON) net.inject('c', 'srv', encode(message(TYPE.ACK, CODE.EMPTY, last.mid)));
  }
  // registration at 0: CON at 60 s and 120 s, NON otherwise
  assert.deepEqual(types.map((t) => (t === TYPE.CON ? 'C' : 'N')).join(''), 'NNNNNCNNNNNCN');
});

test('observe: a newer notification replaces one in flight and goes out when it is acknowledged', () => {
  const net = new Net();
  const obs: Observation[] = [];
  observedServer(net, obs, []);
  net.inject('c', 'srv', encode(message(TYPE.CON, CODE.GET, 5, fromHex('05')!, [{ num: OPT.OBSERVE, value: uintBytes(0) }])));
  obs[0].notify({ code: CODE.CONTENT, payload: text('a') }, true, 0);
  obs[0].notify({ code: CODE.CONTENT, payload: text('b') }, false, 0);
  obs[0].notify({ code: CODE.CONTENT, payload: text('c') }, false, 0);
  assert.equal(net.log.length, 2); // registration response + 'a'
  net.inject('c', 'srv', encode(message(TYPE.ACK, CODE.EMPTY, msgOf(net.log[1]).mid)));
  assert.equal(net.log.length, 3);
  assert.equal(str(msgOf(net.log[2]).payload), 'c');
  assert.ok(getUint(msgOf(net.log[2]), OPT.OBSERVE, 0) > getUint(msgOf(net.log[1]), OPT.OBSERVE, 0));
});

test('observe: the replacing notification inherits the retransmission timer of the one in flight', () => {
  const net = new Net();
  const obs: Observation[] = [];
  observedServer(net, obs, []);
  net.inject('c', 'srv', encode(message(TYPE.CON, CODE.GET, 5, fromHex('05')!, [{ num: OPT.OBSERVE, value: uintBytes(0) }])));
  obs[0].notify({ code: CODE.CONTENT, payload: text('a') }, true, 0);
  const first = net.log.length;
  net.now = 500;
  obs[0].notify({ code: CODE.CONTENT, payload: text('b') }, false, 500);
  net.run(200000);
  const after = net.log.slice(first);
  assert.deepEqual(after.map((d) => str(msgOf(d).payload)), ['b', 'b', 'b', 'b']);
  assert.equal(msgOf(after[0]).type, TYPE.CON);
  assert.equal(net.sent('srv').length, 1 + 5);
});

test('observe: a non-2.xx notification is sent without Observe and ends the relation', () => {
  const net = new Net();
  const obs: Observation[] = [];
  const reasons: string[] = [];
  const srv = observedServer(net, obs, reasons);
  net.inject('c', 'srv', encode(message(TYPE.CON, CODE.GET, 5, fromHex('05')!, [{ num: OPT.OBSERVE, value: uintBytes(0) }])));
  obs[0].notify({ code: CODE.NOT_FOUND });
  const n = msgOf(net.log[1]);
  assert.equal(n.code, CODE.NOT_FOUND);
  assert.equal(n.type, TYPE.CON);
  assert.equal(getOption(n, OPT.OBSERVE), null);
  assert.deepEqual(reasons, ['error']);
  assert.equal(observations(srv).length, 0);
});

test('observe: sequence numbers are 24-bit and wrap', () => {
  const net = new Net();
  const obs: Observation[] = [];
  const srv = observedServer(net, obs, []);
  (srv as any)._seqCounter = 0xfffffe;
  net.inject('c', 'srv', encode(message(TYPE.NON, CODE.GET, 5, fromHex('05')!, [{ num: OPT.OBSERVE, value: uintBytes(0) }])));
  obs[0].notify({ code: CODE.CONTENT, payload: text('x') });
  obs[0].notify({ code: CODE.CONTENT, payload: text('y') });
  assert.deepEqual(net.log.map((d) => toHex(getOption(msgOf(d), OPT.OBSERVE)!)), ['ffffff', '', '01']);
});

test('observe: application cancel and cancelObservations(peer)', () => {
  const net = new Net();
  const obs: Observation[] = [];
  const reasons: string[] = [];
  const srv = observedServer(net, obs, reasons);
  net.inject('a', 'srv', encode(message(TYPE.NON, CODE.GET, 5, fromHex('05')!, [{ num: OPT.OBSERVE, value: uintBytes(0) }])));
  net.inject('b', 'srv', encode(message(TYPE.NON, CODE.GET, 6, fromHex('06')!, [{ num: OPT.OBSERVE, value: uintBytes(0) }])));
  net.inject('b', 'srv', encode(message(TYPE.NON, CODE.GET, 7, fromHex('07')!, [{ num: OPT.OBSERVE, value: uintBytes(0) }])));
  assert.equal(observations(srv).length, 3);
  obs[0].cancel();
  cancelObservations(srv, net.peer('b'));
  assert.equal(observations(srv).length, 0);
  assert.deepEqual(reasons, ['cancelled', 'cancelled', 'cancelled']);
});

test('observe: relations are bounded by MAX_OBSERVATIONS', () => {
  const net = new Net();
  const obs: Observation[] = [];
  const srv = observedServer(net, obs, [], { MAX_OBSERVATIONS: 2 });
  for (let i = 0; i < 5; i++) net.inject('a', 'srv', encode(message(TYPE.NON, CODE.GET, i, new Uint8Array([i]), [{ num: OPT.OBSERVE, value: uintBytes(0) }])));
  assert.equal(observations(srv).length, 2);
  assert.equal(getOption(msgOf(net.log[4]), OPT.OBSERVE), null);
});

// ---- Observe, client side ----

test('client observe: cancel, then the next notification is answered with RST and the server drops the relation', () => {
  const net = new Net();
  const obs: Observation[] = [];
  const reasons: string[] = [];
  const srv = observedServer(net, obs, reasons);
  const cli = net.add('cli', { rng: seededRng(9) });
  const got: string[] = [];
  const h = cli.request(net.peer('srv'), { code: CODE.GET, path: '/x', observe: true }, 0, (_e, r) => got.push(str(r!.payload)));
  net.run(10);
  obs[0].notify({ code: CODE.CONTENT, payload: text('1') }, false, net.now);
  net.run(20);
  h.cancel();
  obs[0].notify({ code: CODE.CONTENT, payload: text('2') }, false, net.now);
  net.run(30);
  assert.deepEqual(got, ['20', '1']);
  assert.deepEqual(reasons, ['reset']);
  assert.equal(observations(srv).length, 0);
});

test('client observe: an older (reordered) notification is not delivered', () => {
  const net = new Net();
  const cli = net.add('cli', { rng: seededRng(2) });
  const got: string[] = [];
  cli.request(net.peer('s'), { code: CODE.GET, observe: true }, 0, (_e, r) => got.push(str(r!.payload)));
  const req = msgOf(net.sent('cli')[0]);
  const note = (mid: number, type: number, seq: number, p: string) =>
    net.inject('s', 'cli', encode(message(type, CODE.CONTENT, mid, req.token, [{ num: OPT.OBSERVE, value: uintBytes(seq) }], text(p))));
  note(req.mid, TYPE.ACK, 10, 'a');
  note(100, TYPE.NON, 12, 'b');
  note(101, TYPE.NON, 11, 'old');
  note(102, TYPE.NON, 13, 'c');
  assert.deepEqual(got, ['a', 'b', 'c']);
});

// ---- Block2 ----

function bigServer(net: Net, size: number, calls: { n: number }, params = {}) {
  const data = body(size);
  net.add('srv', {
    params,
    onRequest: (_r, _p, ex) => {
      calls.n++;
      ex.respond({ code: CODE.CONTENT, contentFormat: 42, payload: data });
    },
  });
  return data;
}

test('block2: a 3000-byte response to a client asking 512-byte blocks: 6 blocks, handler run once', () => {
  const net = new Net();
  const calls = { n: 0 };
  const data = bigServer(net, 3000, calls);
  const cli = net.add('cli', { rng: seededRng(4) });
  let res: CoapMessage | undefined;
  cli.request(net.peer('srv'), { code: CODE.GET, path: '/5/0/0', block2Size: 512 }, 0, (e, r) => { assert.equal(e, null); res = r; });
  net.run(1000);
  assert.equal(calls.n, 1);
  assert.equal(toHex(res!.payload), toHex(data));
  const blocks = net.sent('srv').map((d) => readBlock(getOption(msgOf(d), OPT.BLOCK2)!)!);
  assert.deepEqual(blocks.map((b) => [b.num, b.more, b.szx]), [[0, true, 5], [1, true, 5], [2, true, 5], [3, true, 5], [4, true, 5], [5, false, 5]]);
  assert.equal(getUint(msgOf(net.sent('srv')[0]), OPT.SIZE2, -1), 3000);
  assert.equal(getUint(msgOf(net.sent('srv')[1]), OPT.CONTENT_FORMAT, -1), 42);
});

test('block2: without early negotiation the server splits at BLOCK_SIZE 1024 and the client follows', () => {
  const net = new Net();
  const calls = { n: 0 };
  const data = bigServer(net, 3000, calls);
  const cli = net.add('cli', { rng: seededRng(4) });
  let res: CoapMessage | undefined;
  cli.request(net.peer('srv'), { code: CODE.GET, path: '/big' }, 0, (_e, r) => { res = r; });
  net.run(1000);
  assert.equal(net.sent('srv').length, 3);
  assert.equal(toHex(res!.payload), toHex(data));
  assert.equal(getOption(res!, OPT.BLOCK2), null);
});

test('block2: 16-byte blocks (SZX 0), a body of exactly two blocks', () => {
  const net = new Net();
  const calls = { n: 0 };
  const data = bigServer(net, 32, calls);
  const cli = net.add('cli', { rng: seededRng(4) });
  let res: CoapMessage | undefined;
  cli.request(net.peer('srv'), { code: CODE.GET, block2Size: 16 }, 0, (_e, r) => { res = r; });
  net.run(1000);
  assert.equal(net.sent('srv').length, 2);
  assert.equal(toHex(res!.payload), toHex(data));
});

test('block2: a body of exactly 1024 bytes fits one block (no Block2 option)', () => {
  const net = new Net();
  bigServer(net, 1024, { n: 0 });
  net.add('cli').request(net.peer('srv'), { code: CODE.GET }, 0, () => {});
  net.run(10);
  assert.equal(getOption(msgOf(net.sent('srv')[0]), OPT.BLOCK2), null);
});

test('block2: server BLOCK_SIZE smaller than asked wins', () => {
  const net = new Net();
  bigServer(net, 100, { n: 0 }, { BLOCK_SIZE: 32 });
  const cli = net.add('cli');
  let res: CoapMessage | undefined;
  cli.request(net.peer('srv'), { code: CODE.GET, block2Size: 1024 }, 0, (_e, r) => { res = r; });
  net.run(10);
  assert.equal(net.sent('srv').length, 4);
  assert.equal(res!.payload.length, 100);
});

test('block2: a block number beyond the body gets 4.02', () => {
  const net = new Net();
  bigServer(net, 100, { n: 0 });
  net.inject('c', 'srv', encode(message(TYPE.CON, CODE.GET, 1, undefined, [{ num: OPT.BLOCK2, value: blockBytes(7, false, 2) }])));
  assert.equal(msgOf(net.log[0]).code, CODE.BAD_OPTION);
});

test('block2: a later block without a cached body calls the handler and slices (stateless)', () => {
  const net = new Net();
  const calls = { n: 0 };
  const data = bigServer(net, 100, calls);
  net.inject('c', 'srv', encode(message(TYPE.CON, CODE.GET, 1, undefined, [{ num: OPT.BLOCK2, value: blockBytes(2, false, 1) }])));
  const r = msgOf(net.log[0]);
  assert.equal(calls.n, 1);
  assert.deepEqual(readBlock(getOption(r, OPT.BLOCK2)!), { num: 2, more: true, szx: 1 });
  assert.equal(toHex(r.payload), toHex(data.subarray(64, 96)));
});

test('block2: a reserved SZX 7 in the request gets 4.00', () => {
  const net = new Net();
  bigServer(net, 100, { n: 0 });
  net.inject('c', 'srv', encode(message(TYPE.CON, CODE.GET, 1, undefined, [{ num: OPT.BLOCK2, value: fromHex('07')! }])));
  assert.equal(msgOf(net.log[0]).code, CODE.BAD_REQUEST);
});

test('block2 client: a body above MAX_BODY fails with too-large', () => {
  const net = new Net();
  bigServer(net, 5000, { n: 0 });
  const cli = net.add('cli', { params: { MAX_BODY: 2048 } });
  let err: string | null = null;
  cli.request(net.peer('srv'), { code: CODE.GET }, 0, (e) => { err = e; });
  net.run(100);
  assert.equal(err, 'too-large');
});

test('block2: a notification larger than a block carries block 0; the rest comes from the cache', () => {
  const net = new Net();
  const obs: Observation[] = [];
  let calls = 0;
  const big = body(2500);
  net.add('srv', {
    onRequest: (_r, _p, ex) => {
      calls++;
      const o = ex.observe();
      if (o) obs.push(o);
      ex.respond({ code: CODE.CONTENT, payload: text('small') });
    },
  });
  const reg = message(TYPE.NON, CODE.GET, 9, fromHex('09')!, [{ num: OPT.OBSERVE, value: uintBytes(0) }]);
  setUriPath(reg, '/big');
  net.inject('c', 'srv', encode(reg));
  obs[0].notify({ code: CODE.CONTENT, payload: big });
  const n = msgOf(net.log[1]);
  assert.deepEqual(readBlock(getOption(n, OPT.BLOCK2)!), { num: 0, more: true, szx: 6 });
  assert.ok(getOption(n, OPT.OBSERVE) !== null);
  const next = message(TYPE.CON, CODE.GET, 10, fromHex('0a')!, [{ num: OPT.BLOCK2, value: blockBytes(1, false, 6) }]);
  setUriPath(next, '/big');
  net.inject('c', 'srv', encode(next));
  const b1 = msgOf(net.log[2]);
  assert.equal(calls, 1);
  assert.equal(getOption(b1, OPT.OBSERVE), null);
  assert.equal(toHex(b1.payload), toHex(big.subarray(1024, 2048)));
});

// ---- Block1 (server side) ----

function upload(net: Net, chunks: { num: number; more: boolean; szx: number; data: Uint8Array }[], mid0 = 100) {
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i];
    const m = message(TYPE.CON, CODE.PUT, mid0 + i, fromHex('b1')!, [], c.data);
    setUriPath(m, '/5/0/0');
    addOption(m, OPT.BLOCK1, blockBytes(c.num, c.more, c.szx));
    net.inject('c', 'srv', encode(m));
  }
}

test('block1: three 64-byte blocks: 2.31 Continue twice, then the handler sees the whole body once', () => {
  const net = new Net();
  const seen: Uint8Array[] = [];
  net.add('srv', { onRequest: (req, _p, ex) => { seen.push(new Uint8Array(req.payload)); ex.respond({ code: CODE.CHANGED }); } });
  const data = body(150);
  upload(net, [
    { num: 0, more: true, szx: 2, data: data.subarray(0, 64) },
    { num: 1, more: true, szx: 2, data: data.subarray(64, 128) },
    { num: 2, more: false, szx: 2, data: data.subarray(128) },
  ]);
  const codes = net.log.map((d) => msgOf(d).code);
  assert.deepEqual(codes, [CODE.CONTINUE, CODE.CONTINUE, CODE.CHANGED]);
  assert.deepEqual(net.log.map((d) => toHex(getOption(msgOf(d), OPT.BLOCK1)!)), ['0a', '1a', '22']);
  assert.equal(seen.length, 1);
  assert.equal(toHex(seen[0]), toHex(data));
});

test('block1: a block out of sequence gets 4.08 Request Entity Incomplete', () => {
  const net = new Net();
  net.add('srv', { onRequest: (_r, _p, ex) => ex.respond({ code: CODE.CHANGED }) });
  const data = body(200);
  upload(net, [
    { num: 0, more: true, szx: 2, data: data.subarray(0, 64) },
    { num: 2, more: false, szx: 2, data: data.subarray(128) },
  ]);
  assert.equal(msgOf(net.log[1]).code, CODE.REQUEST_ENTITY_INCOMPLETE);
});

test('block1: a body over MAX_BODY gets 4.13 with Size1', () => {
  const net = new Net();
  net.add('srv', { params: { MAX_BODY: 100 }, onRequest: (_r, _p, ex) => ex.respond({ code: CODE.CHANGED }) });
  const data = body(200);
  upload(net, [
    { num: 0, more: true, szx: 2, data: data.subarray(0, 64) },
    { num: 1, more: true, szx: 2, data: data.subarray(64, 128) },
  ]);
  const r = msgOf(net.log[1]);
  assert.equal(r.code, CODE.REQUEST_ENTITY_TOO_LARGE);
  assert.equal(getUint(r, OPT.SIZE1, -1), 100);
});

test('block1: a single final block (NUM 0, M 0) is delivered directly and echoed', () => {
  const net = new Net();
  let got = '';
  net.add('srv', { onRequest: (req, _p, ex) => { got = str(req.payload); ex.respond({ code: CODE.CHANGED }); } });
  upload(net, [{ num: 0, more: false, szx: 6, data: text('tiny') }]);
  assert.equal(got, 'tiny');
  assert.equal(toHex(getOption(msgOf(net.log[0]), OPT.BLOCK1)!), '06');
});

test('block1: a retransmitted block is not appended twice (deduplication)', () => {
  const net = new Net();
  const seen: Uint8Array[] = [];
  net.add('srv', { onRequest: (req, _p, ex) => { seen.push(new Uint8Array(req.payload)); ex.respond({ code: CODE.CHANGED }); } });
  const data = body(80);
  upload(net, [{ num: 0, more: true, szx: 2, data: data.subarray(0, 64) }], 100);
  upload(net, [{ num: 0, more: true, szx: 2, data: data.subarray(0, 64) }], 100);
  upload(net, [{ num: 1, more: false, szx: 2, data: data.subarray(64) }], 101);
  assert.equal(toHex(seen[0]), toHex(data));
});

test('block2 client streaming (onData): blocks handed over in order, nothing kept, MAX_BODY not applied', () => {
  const net = new Net();
  const data = bigServer(net, 5000, { n: 0 });
  const cli = net.add('cli', { params: { MAX_BODY: 2048 } });
  const pieces: [number, number, boolean][] = [];
  const got = new Uint8Array(5000);
  let res: CoapMessage | undefined;
  cli.request(net.peer('srv'), { code: CODE.GET, block2Size: 1024, onData: (d, off, more) => { pieces.push([off, d.length, more]); got.set(d, off); } }, 0, (e, r) => { assert.equal(e, null); res = r; });
  net.run(100);
  assert.deepEqual(pieces, [[0, 1024, true], [1024, 1024, true], [2048, 1024, true], [3072, 1024, true], [4096, 904, false]]);
  assert.equal(toHex(got), toHex(data));
  assert.equal(res!.payload.length, 0);
  assert.equal(res!.code, CODE.CONTENT);
});

test('block2 client streaming: a body that came whole is handed over once', () => {
  const net = new Net();
  bigServer(net, 10, { n: 0 });
  const cli = net.add('cli');
  const pieces: [number, number, boolean][] = [];
  cli.request(net.peer('srv'), { code: CODE.GET, onData: (d, off, more) => pieces.push([off, d.length, more]) }, 0, () => {});
  net.run(100);
  assert.deepEqual(pieces, [[0, 10, false]]);
});

test('block2 client streaming: onData throwing aborts the transfer', () => {
  const net = new Net();
  bigServer(net, 3000, { n: 0 });
  const cli = net.add('cli');
  let err: string | null = null;
  cli.request(net.peer('srv'), { code: CODE.GET, onData: () => { throw new Error('flash full'); } }, 0, (e) => { err = e; });
  net.run(100);
  assert.equal(err, 'aborted');
  assert.equal(net.sent('cli').length, 1);
});

test('block1 streamed (streamBlock1): the handler sees every block with its offset and answers 2.31 itself', () => {
  const net = new Net();
  const parts: [number, number, boolean][] = [];
  net.add('srv', {
    params: { MAX_BODY: 100 },
    streamBlock1: (req) => getPathString(req) === '/5/0/0',
    onRequest: (req, _p, ex) => {
      parts.push([ex.blockOffset, req.payload.length, ex.blockMore]);
      ex.respond({ code: ex.blockMore ? CODE.CONTINUE : CODE.CHANGED });
    },
  });
  const data = body(150);
  upload(net, [
    { num: 0, more: true, szx: 2, data: data.subarray(0, 64) },
    { num: 1, more: true, szx: 2, data: data.subarray(64, 128) },
    { num: 2, more: false, szx: 2, data: data.subarray(128) },
  ]);
  assert.deepEqual(parts, [[0, 64, true], [64, 64, true], [128, 22, false]]);
  assert.deepEqual(net.log.map((d) => msgOf(d).code), [CODE.CONTINUE, CODE.CONTINUE, CODE.CHANGED]);
  assert.deepEqual(net.log.map((d) => toHex(getOption(msgOf(d), OPT.BLOCK1)!)), ['0a', '1a', '22']);
});

test('block1 streamed: a gap still gets 4.08 without calling the handler', () => {
  const net = new Net();
  let calls = 0;
  net.add('srv', { streamBlock1: () => true, onRequest: (_r, _p, ex) => { calls++; ex.respond({ code: CODE.CONTINUE }); } });
  const data = body(200);
  upload(net, [
    { num: 0, more: true, szx: 2, data: data.subarray(0, 64) },
    { num: 2, more: true, szx: 2, data: data.subarray(128, 192) },
  ]);
  assert.equal(calls, 1);
  assert.equal(msgOf(net.log[1]).code, CODE.REQUEST_ENTITY_INCOMPLETE);
});

test('block1 streamed: the last block again (its 2.31 lost, sent anew with a new MID) gets 2.31 once more, not 4.08, and the handler sees it once', () => {
  const net = new Net();
  const parts: number[] = [];
  net.add('srv', { streamBlock1: () => true, onRequest: (_r, _p, ex) => { parts.push(ex.blockOffset); ex.respond({ code: ex.blockMore ? CODE.CONTINUE : CODE.CHANGED }); } });
  const data = body(150);
  upload(net, [
    { num: 0, more: true, szx: 2, data: data.subarray(0, 64) },
    { num: 1, more: true, szx: 2, data: data.subarray(64, 128) },
    { num: 1, more: true, szx: 2, data: data.subarray(64, 128) },
    { num: 2, more: false, szx: 2, data: data.subarray(128) },
  ]);
  assert.deepEqual(parts, [0, 64, 128]);
  assert.deepEqual(net.log.map((d) => msgOf(d).code), [CODE.CONTINUE, CODE.CONTINUE, CODE.CONTINUE, CODE.CHANGED]);
});

test('block1 streamed: one deduplication record for the whole upload (the block last answered); its copy gets the same answer, a late copy of an earlier block 4.08 and no handler call', () => {
  // issue 18: a record per block (MAX_DEDUP of them, kept EXCHANGE_LIFETIME) fragmented
  // Espruino's variables during a package push until a DTLS record's AES found no flat block
  const net = new Net();
  const parts: number[] = [];
  const srv = net.add('srv', { streamBlock1: () => true, onRequest: (_r, _p, ex) => { parts.push(ex.blockOffset); ex.respond({ code: ex.blockMore ? CODE.CONTINUE : CODE.CHANGED }); } });
  const data = body(40 * 64 + 10);
  const chunks = [];
  for (let i = 0; i <= 40; i++) chunks.push({ num: i, more: i < 40, szx: 2, data: data.subarray(i * 64, i * 64 + 64) });
  upload(net, chunks.slice(0, 20));
  assert.equal(srv._seen.length, 1, 'mid-upload: the record of the block last answered only');
  upload(net, chunks.slice(20), 120);
  assert.equal(parts.length, 41);
  assert.equal(srv._seen.length, 1, 'after the upload: the last block\'s record only');
  assert.equal(srv.stats!.duplicates, 0);
  // the last block again, same MID (its 2.04 lost): the cached answer, from the record
  upload(net, [chunks[40]], 140);
  assert.equal(srv.stats!.duplicates, 1);
  assert.equal(msgOf(net.log[net.log.length - 1]).code, CODE.CHANGED);
  // a late copy of block 39 (its record gone): 4.08, which the client no longer waits for
  upload(net, [chunks[39]], 139);
  assert.equal(msgOf(net.log[net.log.length - 1]).code, CODE.REQUEST_ENTITY_INCOMPLETE);
  assert.equal(parts.length, 41);
});

// ---- Block1 (client side) ----

test('block1 client: a 3000-byte PUT goes as three 1024-byte blocks with Size1; the server reassembles it', () => {
  const net = new Net();
  const seen: Uint8Array[] = [];
  net.add('srv', { onRequest: (req, _p, ex) => { seen.push(new Uint8Array(req.payload)); ex.respond({ code: CODE.CHANGED }); } });
  const cli = net.add('cli', { rng: seededRng(5) });
  const data = body(3000);
  let res: CoapMessage | undefined;
  cli.request(net.peer('srv'), { code: CODE.PUT, path: '/5/0/0', payload: data }, 0, (e, r) => { assert.equal(e, null); res = r; });
  net.run(100);
  const sent = net.sent('cli').map(msgOf);
  assert.deepEqual(sent.map((m) => readBlock(getOption(m, OPT.BLOCK1)!)), [{ num: 0, more: true, szx: 6 }, { num: 1, more: true, szx: 6 }, { num: 2, more: false, szx: 6 }]);
  assert.deepEqual(sent.map((m) => m.payload.length), [1024, 1024, 952]);
  assert.equal(getUint(sent[0], OPT.SIZE1, -1), 3000);
  assert.equal(res!.code, CODE.CHANGED);
  assert.equal(seen.length, 1);
  assert.equal(toHex(seen[0]), toHex(data));
});

test('block1 client: the server asks for 256-byte blocks in its first 2.31; the client follows (NUM 4 next)', () => {
  const net = new Net();
  const seen: Uint8Array[] = [];
  net.add('srv', { params: { BLOCK_SIZE: 256 }, onRequest: (req, _p, ex) => { seen.push(new Uint8Array(req.payload)); ex.respond({ code: CODE.CHANGED }); } });
  const cli = net.add('cli', { rng: seededRng(6) });
  const data = body(2000);
  cli.request(net.peer('srv'), { code: CODE.PUT, path: '/x', payload: data }, 0, () => {});
  net.run(100);
  const blocks = net.sent('cli').map((d) => readBlock(getOption(msgOf(d), OPT.BLOCK1)!)!);
  assert.deepEqual(blocks.map((b) => [b.num, b.szx]), [[0, 6], [4, 4], [5, 4], [6, 4], [7, 4]]);
  assert.equal(toHex(seen[0]), toHex(data));
});

test('block1 client: block1Size 64 and a server error mid-way ends the upload with that response', () => {
  const net = new Net();
  let n = 0;
  net.add('srv', { streamBlock1: () => true, onRequest: (_r, _p, ex) => { n++; ex.respond({ code: n < 2 ? CODE.CONTINUE : CODE.REQUEST_ENTITY_TOO_LARGE }); } });
  const cli = net.add('cli');
  let res: CoapMessage | undefined;
  cli.request(net.peer('srv'), { code: CODE.POST, payload: body(300), block1Size: 64 }, 0, (_e, r) => { res = r; });
  net.run(100);
  assert.equal(net.sent('cli').length, 2);
  assert.equal(res!.code, CODE.REQUEST_ENTITY_TOO_LARGE);
});

test('block1 client: a payload that fits one block is sent plain', () => {
  const net = new Net();
  const cli = net.add('cli');
  cli.request(net.peer('s'), { code: CODE.PUT, payload: body(1024) }, 0, () => {});
  assert.equal(getOption(msgOf(net.sent('cli')[0]), OPT.BLOCK1), null);
});
