// CoAP messaging on a fake clock and a lossy fake network (RFC 7252 §4, §5.2):
// exact retransmission schedule, duplicate suppression, separate responses, RST rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CODE, OPT, TYPE, CoapEndpoint, params, sizes, encode, message, setUriPath, getUint, getPathString, type CoapMessage } from '../../transport/coap/index';
import { fromHex, toHex, utf8Encode } from '../../transport/bytes';
import { Net, fixedRng, msgOf } from './harness';

const text = (s: string) => utf8Encode(s);

function echoServer(net: Net, name = 'srv', calls: CoapMessage[] = []) {
  return net.add(name, {
    onRequest: (req, _peer, ex) => {
      calls.push(req);
      ex.respond({ code: CODE.CONTENT, payload: text('ok ' + getPathString(req)) });
    },
  });
}

test('CON retransmission: ACK_TIMEOUT 2 s with random factor 0, doubling, 4 retransmissions, then timeout at 62 s', () => {
  const net = new Net();
  const cli = net.add('cli', { rng: fixedRng(0) });
  let err: string | null = null;
  let at = -1;
  cli.request(net.peer('nobody'), { code: CODE.GET, path: '/x' }, 0, (e) => { err = e; at = net.now; });
  net.run(200000);
  assert.deepEqual(net.sent('cli').map((d) => d.t), [0, 2000, 6000, 14000, 30000]);
  assert.equal(err, 'timeout');
  assert.equal(at, 62000);
  assert.equal(cli.stats!.retransmissions, 4);
  assert.equal(cli.stats!.timeouts, 1);
  // every retransmission is the same datagram (same MID)
  const mids = net.sent('cli').map((d) => msgOf(d).mid);
  assert.equal(new Set(mids).size, 1);
});

test('CON retransmission: random factor 0.5 of (ACK_RANDOM_FACTOR − 1) gives an initial 2.5 s timeout', () => {
  const net = new Net();
  // fixedRng(0x80): 0x8080 / 65536 = 0.50195…: 2000 + 2000 × 0.5 × 0.50195 = 2501.95 → 2501 ms
  const cli = net.add('cli', { rng: fixedRng(0x80) });
  let at = -1;
  cli.request(net.peer('nobody'), { code: CODE.GET }, 0, () => { at = net.now; });
  net.run(200000);
  assert.deepEqual(net.sent('cli').map((d) => d.t), [0, 2501, 7503, 17507, 37515]);
  assert.equal(at, 77531);
});

test('CON retransmission: the whole wait stays within MAX_TRANSMIT_WAIT at the largest random factor', () => {
  const net = new Net();
  const cli = net.add('cli', { rng: fixedRng(0xff) });
  let at = -1;
  cli.request(net.peer('nobody'), { code: CODE.GET }, 0, () => { at = net.now; });
  net.run(200000);
  assert.ok(at <= cli.params.maxTransmitWait, `${at}`);
  const last = net.sent('cli').at(-1)!.t;
  assert.ok(last <= params().MAX_TRANSMIT_SPAN, `${last}`);
});

test('transmission parameters are overridable per endpoint', () => {
  const net = new Net();
  const cli = net.add('cli', { params: { ACK_TIMEOUT: 1000, MAX_RETRANSMIT: 2 } });
  let at = -1;
  cli.request(net.peer('nobody'), { code: CODE.GET }, 0, () => { at = net.now; });
  net.run(100000);
  assert.deepEqual(net.sent('cli').map((d) => d.t), [0, 1000, 3000]);
  assert.equal(at, 7000);
});

test('lossy network: first two requests lost, third gets through: handler runs once, piggybacked answer', () => {
  const net = new Net();
  const calls: CoapMessage[] = [];
  echoServer(net, 'srv', calls);
  const cli = net.add('cli');
  net.drop = (d, i) => d.from === 'cli' && i < 2;
  let got: CoapMessage | undefined;
  cli.request(net.peer('srv'), { code: CODE.GET, path: '/3/0' }, 0, (e, r) => { assert.equal(e, null); got = r; });
  net.run(100000);
  assert.equal(calls.length, 1);
  assert.equal(got!.type, TYPE.ACK);
  assert.equal(new TextDecoder().decode(got!.payload), 'ok /3/0');
  assert.deepEqual(net.sent('cli').map((d) => d.t), [0, 2000, 6000]);
  assert.equal(cli.stats!.retransmissions, 2);
});

test('duplicate CON (ACK lost): the cached response is resent, the handler is not run twice', () => {
  const net = new Net();
  const calls: CoapMessage[] = [];
  const srv = echoServer(net, 'srv', calls);
  const cli = net.add('cli');
  net.drop = (d, i) => d.from === 'srv' && i === 1; // the first ACK
  let n = 0;
  cli.request(net.peer('srv'), { code: CODE.POST, path: '/a' }, 0, () => n++);
  net.run(100000);
  assert.equal(calls.length, 1);
  assert.equal(n, 1);
  assert.equal(srv.stats!.duplicates, 1);
  const acks = net.sent('srv');
  assert.equal(acks.length, 2);
  assert.equal(toHex(acks[0].bytes), toHex(acks[1].bytes));
});

test('duplicate NON request is ignored within NON_LIFETIME', () => {
  const net = new Net();
  const calls: CoapMessage[] = [];
  const srv = echoServer(net, 'srv', calls);
  const req = encode(message(TYPE.NON, CODE.GET, 0x1111, fromHex('01')!));
  net.inject('x', 'srv', req);
  net.inject('x', 'srv', req);
  assert.equal(calls.length, 1);
  assert.equal(srv.stats!.duplicates, 1);
  assert.equal(msgOf(net.log[0]).type, TYPE.NON); // NON request → NON response
});

test('deduplication expires after EXCHANGE_LIFETIME: the same MID is a new request again', () => {
  const net = new Net();
  const calls: CoapMessage[] = [];
  const srv = echoServer(net, 'srv', calls);
  const req = encode(message(TYPE.CON, CODE.POST, 0x2222, fromHex('02')!));
  net.inject('x', 'srv', req);
  net.now = srv.params.exchangeLifetime - 1;
  net.inject('x', 'srv', req);
  assert.equal(calls.length, 1);
  net.now = srv.params.exchangeLifetime;
  net.inject('x', 'srv', req);
  assert.equal(calls.length, 2);
});

test('deduplication state is bounded by MAX_DEDUP', () => {
  const net = new Net();
  const srv = echoServer(net);
  for (let mid = 0; mid < 1000; mid++) net.inject('x', 'srv', encode(message(TYPE.CON, CODE.POST, mid)));
  assert.equal(sizes(srv).seen, srv.params.maxDedup);
});

test('separate response: empty ACK after SEPARATE_ACK_DELAY, then a CON response the client ACKs', () => {
  const net = new Net();
  let later: (() => void) | null = null;
  net.add('srv', {
    onRequest: (_req, _peer, ex) => { later = () => ex.respond({ code: CODE.CHANGED }, net.now); },
  });
  const cli = net.add('cli');
  let got: CoapMessage | undefined;
  cli.request(net.peer('srv'), { code: CODE.PUT, path: '/1/0/1', payload: text('300') }, 0, (e, r) => { assert.equal(e, null); got = r; });
  net.run(999);
  assert.equal(net.sent('srv').length, 0);
  net.run(1000);
  const ack = msgOf(net.sent('srv')[0]);
  assert.equal(ack.type, TYPE.ACK);
  assert.equal(ack.code, CODE.EMPTY);
  assert.equal(net.sent('srv')[0].t, 1000);
  net.run(5000); // client does not retransmit after the empty ACK
  assert.equal(net.sent('cli').length, 1);
  later!();
  net.run(5000 + 60000);
  assert.equal(got!.type, TYPE.CON);
  assert.equal(got!.code, CODE.CHANGED);
  const srvSent = net.sent('srv');
  assert.equal(srvSent.length, 2); // empty ACK + separate response, no retransmission
  const cliSent = net.sent('cli');
  assert.equal(msgOf(cliSent[1]).type, TYPE.ACK);
  assert.equal(msgOf(cliSent[1]).mid, msgOf(srvSent[1]).mid);
});

test('separate response lost once: retransmitted, client delivers it once and ACKs both copies', () => {
  const net = new Net();
  let later: (() => void) | null = null;
  const srv = net.add('srv', { onRequest: (_r, _p, ex) => { later = () => ex.respond({ code: CODE.CONTENT, payload: text('v') }, net.now); } });
  const cli = net.add('cli');
  let n = 0;
  cli.request(net.peer('srv'), { code: CODE.GET }, 0, () => n++);
  net.run(2000);
  net.drop = (d) => d.from === 'cli' && msgOf(d).type === TYPE.ACK && net.now < 3000;
  later!();
  net.run(100000);
  assert.equal(n, 1);
  assert.equal(srv.stats!.retransmissions, 1);
  assert.equal(cli.stats!.duplicates, 1);
});

test('handler answering synchronously never causes an empty ACK', () => {
  const net = new Net();
  echoServer(net);
  const cli = net.add('cli');
  cli.request(net.peer('srv'), { code: CODE.GET }, 0, () => {});
  net.run(10000);
  assert.equal(net.sent('srv').length, 1);
  assert.equal(msgOf(net.sent('srv')[0]).code, CODE.CONTENT);
});

test('a safe request (CON GET, FETCH) answered at once keeps no deduplication record: a copy is answered again by the handler (RFC 7252 §4.5); a POST\'s copy gets the kept reply', () => {
  const net = new Net();
  const calls: CoapMessage[] = [];
  const srv = echoServer(net, 'srv', calls);
  for (const [code, mid] of [[CODE.GET, 0x2301], [CODE.FETCH, 0x2302]]) {
    const req = encode(message(TYPE.CON, code, mid, fromHex('05')!));
    net.inject('x', 'srv', req);
    assert.equal(srv._seen.length, 0, 'no record held after the answer');
    net.inject('x', 'srv', req);
    assert.equal(srv.stats!.duplicates, 0);
  }
  assert.equal(calls.length, 4);
  const acks = net.sent('srv').map((d) => msgOf(d));
  assert.deepEqual(acks.map((m) => [m.type, m.code, m.mid]), [[TYPE.ACK, CODE.CONTENT, 0x2301], [TYPE.ACK, CODE.CONTENT, 0x2301], [TYPE.ACK, CODE.CONTENT, 0x2302], [TYPE.ACK, CODE.CONTENT, 0x2302]]);
  const post = encode(message(TYPE.CON, CODE.POST, 0x2303, fromHex('06')!));
  net.inject('x', 'srv', post);
  net.inject('x', 'srv', post);
  assert.equal(calls.length, 5, 'the POST handled once');
  assert.equal(srv._seen.length, 1);
  assert.equal(srv.stats!.duplicates, 1);
});

test('duplicate CON while the handler is still working: an empty ACK right away', () => {
  const net = new Net();
  let calls = 0;
  net.add('srv', { onRequest: () => { calls++; } });
  const req = encode(message(TYPE.CON, CODE.GET, 0x3333, fromHex('03')!));
  net.inject('x', 'srv', req);
  assert.equal(net.log.length, 0);
  net.now = 100;
  net.inject('x', 'srv', req);
  assert.equal(calls, 1);
  assert.equal(toHex(net.log[0].bytes), '60003333');
});

test('separate ACK delay 0: empty ACK immediately', () => {
  const net = new Net();
  net.add('srv', { params: { SEPARATE_ACK_DELAY: 0 }, onRequest: () => {} });
  net.inject('x', 'srv', encode(message(TYPE.CON, CODE.GET, 0x0102)));
  assert.equal(toHex(net.log[0].bytes), '60000102');
});

test('client waits SEPARATE_RESPONSE_TIMEOUT after an empty ACK, then no-response', () => {
  const net = new Net();
  net.add('srv', { onRequest: () => {} });
  const cli = net.add('cli', { params: { SEPARATE_RESPONSE_TIMEOUT: 30000 } });
  let err: string | null = null;
  let at = -1;
  cli.request(net.peer('srv'), { code: CODE.GET }, 0, (e) => { err = e; at = net.now; });
  net.run(100000);
  assert.equal(err, 'no-response');
  assert.equal(at, 31000);
});

test('NON request: no retransmission; no-response after NON_RESPONSE_TIMEOUT', () => {
  const net = new Net();
  const cli = net.add('cli');
  let err: string | null = null;
  cli.request(net.peer('nobody'), { code: CODE.GET, confirmable: false }, 0, (e) => { err = e; });
  net.run(200000);
  assert.equal(net.sent('cli').length, 1);
  assert.equal(msgOf(net.sent('cli')[0]).type, TYPE.NON);
  assert.equal(err, 'no-response');
});

test('NON request answered by a NON response', () => {
  const net = new Net();
  echoServer(net);
  const cli = net.add('cli');
  let got: CoapMessage | undefined;
  cli.request(net.peer('srv'), { code: CODE.GET, path: 'a', confirmable: false }, 0, (_e, r) => { got = r; });
  net.run(1000);
  assert.equal(got!.type, TYPE.NON);
});

test('NSTART 1: a second request to the same peer waits for the first ACK', () => {
  const net = new Net();
  const order: string[] = [];
  echoServer(net);
  const cli = net.add('cli');
  net.drop = (d, i) => d.from === 'cli' && i === 0;
  cli.request(net.peer('srv'), { code: CODE.GET, path: '/one' }, 0, () => order.push('one'));
  cli.request(net.peer('srv'), { code: CODE.GET, path: '/two' }, 0, () => order.push('two'));
  net.run(0);
  assert.equal(net.sent('cli').length, 1); // /two is queued
  net.run(100000);
  assert.deepEqual(order, ['one', 'two']);
  const paths = net.sent('cli').map((d) => getPathString(msgOf(d)));
  assert.deepEqual(paths, ['/one', '/one', '/two']);
});

test('NSTART is per peer: requests to two peers go out at once', () => {
  const net = new Net();
  const cli = net.add('cli');
  cli.request(net.peer('a'), { code: CODE.GET }, 0, () => {});
  cli.request(net.peer('b'), { code: CODE.GET }, 0, () => {});
  assert.equal(net.sent('cli').length, 2);
});

test('cancelled request: no callback, no retransmission, the next queued one starts', () => {
  const net = new Net();
  const cli = net.add('cli');
  let n = 0;
  const h = cli.request(net.peer('z'), { code: CODE.GET, path: '/1' }, 0, () => n++);
  cli.request(net.peer('z'), { code: CODE.GET, path: '/2' }, 0, () => n++);
  h.cancel();
  assert.equal(net.sent('cli').length, 2);
  assert.equal(getPathString(msgOf(net.sent('cli')[1])), '/2');
  net.run(200000);
  assert.equal(n, 1); // only /2's timeout
  assert.equal(net.sent('cli').length, 1 + 5);
});

test('RST to our CON request fails it with reset', () => {
  const net = new Net();
  const cli = net.add('cli');
  let err: string | null = null;
  cli.request(net.peer('p'), { code: CODE.GET }, 0, (e) => { err = e; });
  const mid = msgOf(net.sent('cli')[0]).mid;
  net.inject('p', 'cli', encode(message(TYPE.RST, CODE.EMPTY, mid)));
  assert.equal(err, 'reset');
  net.run(100000);
  assert.equal(net.sent('cli').length, 1);
});

test('a response with an unknown token: CON gets RST', () => {
  const net = new Net();
  net.add('cli');
  net.inject('p', 'cli', encode(message(TYPE.CON, CODE.CONTENT, 0x4444, fromHex('deadbeef')!)));
  assert.equal(toHex(net.log[0].bytes), '70004444');
});

test('piggybacked response must carry the request token', () => {
  const net = new Net();
  const cli = net.add('cli');
  let n = 0;
  cli.request(net.peer('p'), { code: CODE.GET }, 0, () => n++);
  const m = msgOf(net.sent('cli')[0]);
  net.inject('p', 'cli', encode(message(TYPE.ACK, CODE.CONTENT, m.mid, fromHex('00')!)));
  assert.equal(n, 0);
  // it still acknowledged the CON: no retransmission, then no-response
  let err: string | null = null;
  cli.request(net.peer('p'), { code: CODE.GET }, 0, (e) => { err = e; }); // queued behind nothing: NSTART slot was freed
  assert.equal(net.sent('cli').length, 2);
  net.run(cli.params.separateResponseTimeout);
  assert.equal(n, 1);
  void err;
});

test('an ACK carrying a request code is ignored', () => {
  const net = new Net();
  const cli = net.add('cli');
  let n = 0;
  cli.request(net.peer('p'), { code: CODE.GET }, 0, () => n++);
  const m = msgOf(net.sent('cli')[0]);
  net.inject('p', 'cli', encode(message(TYPE.ACK, CODE.GET, m.mid, m.token)));
  assert.equal(n, 0);
  assert.equal(cli.stats!.rejected, 1);
  net.run(1999);
  assert.equal(net.sent('cli').length, 1);
  net.run(2000);
  assert.equal(net.sent('cli').length, 2); // still retransmitting: that was no ACK
});

// ---- bad input (RFC 7252 §3, §4.2, §5.4.1) ----

test('CON with a message format error gets RST (nibble 15 in an option)', () => {
  const net = new Net();
  const srv = echoServer(net);
  net.inject('x', 'srv', fromHex('40015555f0')!);
  assert.equal(toHex(net.log[0].bytes), '70005555');
  assert.equal(srv.stats!.rejected, 1);
});

test('NON with a format error is ignored', () => {
  const net = new Net();
  echoServer(net);
  net.inject('x', 'srv', fromHex('50015555ff')!);
  assert.equal(net.log.length, 0);
});

test('CON ping (Empty CON) gets RST', () => {
  const net = new Net();
  echoServer(net);
  net.inject('x', 'srv', fromHex('40006666')!);
  assert.equal(toHex(net.log[0].bytes), '70006666');
});

test('unknown version, TKL 9, truncated options: dropped without answer', () => {
  const net = new Net();
  const srv = echoServer(net);
  for (const h of ['80010001', '49010001' + '00'.repeat(9), '40010001d0', '40010001b5616263']) net.inject('x', 'srv', fromHex(h)!);
  assert.equal(net.log.length, 0);
  assert.equal(srv.stats!.dropped, 4);
});

test('unrecognised critical option in a CON request: 4.02, handler not run', () => {
  const net = new Net();
  const calls: CoapMessage[] = [];
  echoServer(net, 'srv', calls);
  const m = message(TYPE.CON, CODE.GET, 0x7777, fromHex('aa')!, [{ num: 9, value: new Uint8Array(0) }]);
  net.inject('x', 'srv', encode(m));
  const r = msgOf(net.log[0]);
  assert.equal(r.type, TYPE.ACK);
  assert.equal(r.code, CODE.BAD_OPTION);
  assert.equal(toHex(r.token), 'aa');
  assert.equal(calls.length, 0);
});

test('unrecognised elective option is ignored', () => {
  const net = new Net();
  const calls: CoapMessage[] = [];
  echoServer(net, 'srv', calls);
  net.inject('x', 'srv', encode(message(TYPE.CON, CODE.GET, 1, undefined, [{ num: 2048, value: text('x') }])));
  assert.equal(calls.length, 1);
  assert.equal(msgOf(net.log[0]).code, CODE.CONTENT);
});

test('unrecognised critical option in a NON request: rejected silently', () => {
  const net = new Net();
  const calls: CoapMessage[] = [];
  echoServer(net, 'srv', calls);
  net.inject('x', 'srv', encode(message(TYPE.NON, CODE.GET, 1, undefined, [{ num: 2049, value: text('x') }])));
  assert.equal(calls.length, 0);
  assert.equal(net.log.length, 0);
});

test('Proxy-Uri to a non-proxy: 5.05', () => {
  const net = new Net();
  echoServer(net);
  net.inject('x', 'srv', encode(message(TYPE.CON, CODE.GET, 1, undefined, [{ num: OPT.PROXY_URI, value: text('coap://a/b') }])));
  assert.equal(msgOf(net.log[0]).code, CODE.PROXYING_NOT_SUPPORTED);
});

test('a handler that throws: 5.00, the endpoint keeps working', () => {
  const net = new Net();
  let n = 0;
  net.add('srv', { onRequest: (_r, _p, ex) => { if (n++ === 0) throw new Error('boom'); ex.respond({ code: CODE.CONTENT }); } });
  net.inject('x', 'srv', encode(message(TYPE.CON, CODE.GET, 1)));
  net.inject('x', 'srv', encode(message(TYPE.CON, CODE.GET, 2)));
  assert.equal(msgOf(net.log[0]).code, CODE.INTERNAL_SERVER_ERROR);
  assert.equal(msgOf(net.log[1]).code, CODE.CONTENT);
});

test('no handler: 4.04', () => {
  const net = new Net();
  net.add('srv');
  net.inject('x', 'srv', encode(message(TYPE.CON, CODE.GET, 1)));
  assert.equal(msgOf(net.log[0]).code, CODE.NOT_FOUND);
});

test('request API: path, query, content format, accept land as options in order', () => {
  const net = new Net();
  const cli = net.add('cli', { rng: fixedRng(0x11) });
  cli.request(net.peer('s'), { code: CODE.POST, path: '/rd', query: ['ep=dev1', 'lt=300'], contentFormat: 40, accept: 11542, payload: text('</1/0>') }, 0, () => {});
  const m = msgOf(net.sent('cli')[0]);
  assert.equal(toHex(m.token), '11111111');
  assert.equal(m.mid, 0x1111);
  assert.equal(getUint(m, OPT.CONTENT_FORMAT, -1), 40);
  assert.equal(getUint(m, OPT.ACCEPT, -1), 11542);
  assert.equal(toHex(net.sent('cli')[0].bytes),
    '44021111' + '11111111' + 'b2' + toHex(text('rd')) + '1128' + '37' + toHex(text('ep=dev1')) + '06' + toHex(text('lt=300')) + '22' + '2d16' + 'ff' + toHex(text('</1/0>')));
});

test('stats count datagrams and bytes both ways', () => {
  const net = new Net();
  const srv = echoServer(net);
  const cli = net.add('cli');
  cli.request(net.peer('srv'), { code: CODE.GET, path: 'a' }, 0, () => {});
  net.run(10);
  assert.equal(cli.stats!.txDatagrams, 1);
  assert.equal(srv.stats!.rxDatagrams, 1);
  assert.equal(srv.stats!.rxBytes, cli.stats!.txBytes);
  assert.equal(cli.stats!.rxBytes, srv.stats!.txBytes);
  assert.equal(cli.stats!.rxDatagrams, 1);
});

test('poll returns -1 when nothing is pending, and the retransmission time otherwise', () => {
  const net = new Net();
  const cli = net.add('cli');
  assert.equal(cli.poll(0), -1);
  cli.request(net.peer('q'), { code: CODE.GET }, 0, () => {});
  assert.equal(cli.poll(0), 2000);
  assert.equal(cli.poll(1999), 2000);
  assert.equal(cli.poll(2000), 6000);
});

test('message IDs increase by one from a random start', () => {
  const net = new Net();
  const cli = net.add('cli', { rng: fixedRng(0xff) });
  cli.request(net.peer('a'), { code: CODE.GET }, 0, () => {});
  cli.request(net.peer('b'), { code: CODE.GET }, 0, () => {});
  assert.deepEqual(net.sent('cli').map((d) => msgOf(d).mid), [0xffff, 0]);
  void setUriPath;
});

test('stack budget: receive → handler ≤ 4 frames, receive → port.send ≤ 7 (Espruino has ~35-46 frames in all)', () => {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 100;
  const depth = (stack: string) => {
    const lines = stack.split('\n').slice(1);
    const i = lines.findIndex((l) => /CoapEndpoint\.receive/.test(l));
    assert.ok(i >= 0, stack);
    return i; // frames above receive
  };
  let toHandler = -1;
  let toSend = 0;
  try {
    const net = new Net();
    const srv = net.add('srv', {
      onRequest: (_r, _p, ex) => {
        toHandler = depth(new Error().stack!) - 1; // minus the handler itself
        ex.respond({ code: CODE.CONTENT, payload: new Uint8Array(3000) }); // block-wise: the deepest send path
      },
    });
    (srv as any)._port = { send: () => { toSend = Math.max(toSend, depth(new Error().stack!) - 1); } };
    srv.receive(encode(message(TYPE.CON, CODE.GET, 1, undefined, [{ num: OPT.OBSERVE, value: new Uint8Array(0) }])), net.peer('c'), 0);
  } finally {
    Error.stackTraceLimit = limit;
  }
  assert.ok(toHandler >= 1 && toHandler <= 4, `receive → handler: ${toHandler} frames`);
  assert.ok(toSend >= 3 && toSend <= 7, `receive → port.send: ${toSend} frames`);
});

test('a port that throws loses the datagram: counted in faults, retransmission carries on, nothing escapes poll', () => {
  let calls = 0;
  const ep = new CoapEndpoint({
    rng: fixedRng(0),
    port: { send: () => { calls++; if (calls <= 2) throw new Error('socket closed'); } },
  });
  let err: string | null = null;
  ep.request({ address: 'x', port: 1 }, { code: CODE.GET }, 0, (e) => { err = e; });
  assert.equal(ep.poll(2000), 6000);
  assert.equal(ep.faults, 2);
  assert.equal(ep.stats, undefined, 'no counters unless EndpointOptions.stats asks for them');
  for (let t = 6000; t >= 0; t = ep.poll(t));
  assert.equal(err, 'timeout');
  assert.equal(calls, 5);
});

test('an application callback that throws is contained (faults) and the next request still runs', () => {
  const net = new Net();
  echoServer(net);
  const cli = net.add('cli');
  cli.request(net.peer('srv'), { code: CODE.GET }, 0, () => { throw new Error('app bug'); });
  let ok = false;
  cli.request(net.peer('srv'), { code: CODE.GET }, 0, (e) => { ok = e === null; });
  net.run(10000);
  assert.equal(cli.faults, 1);
  assert.equal(ok, true);
});

test('close() drops everything the endpoint holds (on Espruino a closed connection is collected only so)', () => {
  const net = new Net();
  const srv = echoServer(net);
  const cli = net.add('cli');
  cli.request(net.peer('srv'), { code: CODE.GET, path: '/x' }, 0, () => {});
  net.run(1000);
  assert.ok(Object.keys(srv).length > 0);
  srv.close();
  assert.deepEqual(Object.keys(srv), []);
});
