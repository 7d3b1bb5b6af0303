// Seeded fuzzing of the decoder and the whole receive path: random datagrams and
// mutations of valid ones (requests, responses for live tokens, observe, Block1/Block2,
// ACK/RST for live MIDs) fed to a server and a client endpoint on a fake clock.
// Checks: decode never throws and is stable under re-encoding; receive()/poll() never
// throw and catch nothing (`faults` stays 0); no table grows beyond its bound; all state
// drains once the clock moves past EXCHANGE_LIFETIME.
// COAP_FUZZ_CASES (default 100000) and COAP_FUZZ_SEED (default 0xc0a9) change the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CODE, OPT, TYPE, CoapEndpoint, sizes, encode, decode, message, setUriPath, addOption, uintBytes, blockBytes,
  type CoapMessage, type Exchange, type Observation,
} from '../../transport/coap/index';
import { seededRng } from './harness';

const CASES = Number(process.env.COAP_FUZZ_CASES || 100000);
const SEED = Number(process.env.COAP_FUZZ_SEED || 0xc0a9);

function canon(m: CoapMessage) {
  return JSON.stringify([m.type, m.code, m.mid, [...m.token], m.options.map((o) => [o.num, [...o.value]]), [...m.payload]]);
}

test(`fuzz: ${CASES} seeded cases through decode and the receive path (seed ${SEED})`, () => {
  const R = seededRng(SEED);
  const rnd = (n: number) => R.next() % n;
  const peers = [0, 1, 2].map((i) => ({ address: '10.0.0.' + i, port: 5683 }));
  const sent: { bytes: Uint8Array; to: number }[] = [];
  const portFor = (who: number) => ({ send: (b: Uint8Array) => { sent.push({ bytes: new Uint8Array(b), to: who }); if (sent.length > 64) sent.shift(); } });
  const slow: Exchange[] = [];
  const obs: Observation[] = [];
  const big = new Uint8Array(3000).map((_, i) => i & 255);
  let handlerRuns = 0;
  const srv = new CoapEndpoint({
    port: portFor(0), rng: seededRng(SEED + 1),
    params: { MAX_BODY: 4096 },
    streamBlock1: () => rnd(2) === 0,
    onRequest: (req, _peer, ex) => {
      handlerRuns++;
      const p0 = req.options.find((o) => o.num === OPT.URI_PATH);
      const k = p0 && p0.value.length ? p0.value[0] : 0;
      switch (k % 6) {
        case 0: ex.respond({ code: CODE.CONTENT, payload: big }); break;
        case 1: { const o = ex.observe(); if (o && obs.indexOf(o) < 0) obs.push(o); ex.respond({ code: CODE.CONTENT, payload: req.payload }); break; }
        case 2: slow.push(ex); if (slow.length > 20) slow.shift(); break;
        case 3: throw new Error('handler failure');
        case 4: ex.respond({ code: CODE.CHANGED, contentFormat: 42 }); break;
        default: ex.respond({ code: CODE.CONTENT, payload: req.payload.subarray(0, 100) });
      }
    },
  });
  const cli = new CoapEndpoint({ port: portFor(1), rng: seededRng(SEED + 2) });
  const cliReqs: CoapMessage[] = [];
  const cliPort = { send: (b: Uint8Array) => { const m = decode(new Uint8Array(b)); if (typeof m !== 'number') { cliReqs.push(m); if (cliReqs.length > 16) cliReqs.shift(); } } };
  (cli as any)._port = cliPort;

  // valid seeds
  const path = (m: CoapMessage, p: string) => { setUriPath(m, p); return m; };
  const corpus = (): Uint8Array[] => {
    const out: CoapMessage[] = [
      path(message(TYPE.CON, CODE.GET, rnd(65536), new Uint8Array([1, 2, 3, 4])), '/3/0/1'),
      path(message(TYPE.NON, CODE.POST, rnd(65536), new Uint8Array([5]), [], new Uint8Array(40)), '/5/0'),
      path(message(TYPE.CON, CODE.GET, rnd(65536), new Uint8Array([6]), [{ num: OPT.OBSERVE, value: uintBytes(rnd(2)) }]), '1/x'),
      path(message(TYPE.CON, CODE.GET, rnd(65536), new Uint8Array([7]), [{ num: OPT.BLOCK2, value: blockBytes(rnd(4), false, rnd(8)) }]), '0'),
      path(message(TYPE.CON, CODE.PUT, rnd(65536), new Uint8Array([8]), [{ num: OPT.BLOCK1, value: blockBytes(rnd(3), rnd(2) === 0, 2) }], new Uint8Array(64)), '4'),
      path(message(TYPE.CON, CODE.GET, rnd(65536), new Uint8Array([9])), '2/slow'),
      path(message(TYPE.CON, CODE.DELETE, rnd(65536), new Uint8Array(0), [{ num: 2049, value: new Uint8Array(1) }]), '3'),
      message(TYPE.CON, CODE.EMPTY, rnd(65536)),
      message(TYPE.RST, CODE.EMPTY, rnd(65536)),
    ];
    // answers to what the client really sent, and ACK/RST to what the server sent
    if (cliReqs.length) {
      const q = cliReqs[rnd(cliReqs.length)];
      const r = message([TYPE.ACK, TYPE.CON, TYPE.NON][rnd(3)], [CODE.CONTENT, CODE.NOT_FOUND, CODE.EMPTY, CODE.CONTINUE][rnd(4)], q.mid, q.token);
      if (rnd(2)) addOption(r, OPT.BLOCK2, blockBytes(rnd(3), rnd(2) === 0, rnd(7)));
      if (rnd(2)) addOption(r, OPT.BLOCK1, blockBytes(rnd(4), rnd(2) === 0, rnd(7)));
      if (rnd(2)) addOption(r, OPT.OBSERVE, uintBytes(rnd(100)));
      if (r.code !== CODE.EMPTY) r.payload = new Uint8Array(rnd(2) ? 16 << rnd(7) : rnd(40));
      else r.token = new Uint8Array(0);
      out.push(r);
    }
    if (sent.length) {
      const s = decode(sent[rnd(sent.length)].bytes);
      if (typeof s !== 'number') out.push(message(rnd(2) ? TYPE.ACK : TYPE.RST, CODE.EMPTY, s.mid));
    }
    return out.map(encode);
  };

  const mutate = (b: Uint8Array): Uint8Array => {
    let a = Array.from(b);
    const n = 1 + rnd(4);
    for (let i = 0; i < n; i++) {
      const at = a.length ? rnd(a.length) : 0;
      switch (rnd(6)) {
        case 0: if (a.length) a[at] ^= 1 << rnd(8); break;
        case 1: if (a.length) a[at] = rnd(256); break;
        case 2: a.splice(at, 0, rnd(256)); break;
        case 3: a.splice(at, 1); break;
        case 4: a = a.slice(0, rnd(a.length + 1)); break;
        default: for (let k = rnd(8); k > 0; k--) a.push(rnd(256));
      }
    }
    return new Uint8Array(a);
  };

  let now = 0;
  let decoded = 0;
  let rejected = 0;
  let dropped = 0;
  for (let c = 0; c < CASES; c++) {
    let bytes: Uint8Array;
    const kind = rnd(10);
    if (kind < 2) {
      bytes = new Uint8Array(rnd(48)).map(() => rnd(256));
      if (bytes.length) bytes[0] = (bytes[0] & 0x3f) | 0x40; // mostly version 1
    } else {
      const seeds = corpus();
      bytes = seeds[rnd(seeds.length)];
      if (kind < 8) bytes = mutate(bytes);
    }
    // the decoder: never throws; what it accepts re-encodes to something that decodes the same
    const d = decode(bytes);
    if (typeof d === 'number') {
      if (d === 1) rejected++;
      else dropped++;
    } else {
      decoded++;
      const again = decode(encode(d));
      assert.equal(typeof again, 'object');
      assert.equal(canon(again as CoapMessage), canon(d));
    }
    // the receive path, either role, from any of three peers
    const ep = rnd(3) === 0 ? cli : srv;
    ep.receive(bytes, peers[rnd(3)], now);
    if (rnd(50) === 0) {
      const up = rnd(3) === 0;
      cli.request(peers[rnd(3)], {
        code: up ? CODE.PUT : CODE.GET, path: '/c', observe: !up && rnd(3) === 0, block2Size: rnd(2) ? 64 : undefined,
        payload: up ? new Uint8Array(100 + rnd(3000)) : undefined, block1Size: up ? 16 << rnd(7) : undefined,
      }, now, () => {});
    }
    if (rnd(40) === 0 && slow.length) slow.shift()!.respond({ code: CODE.CONTENT, payload: new Uint8Array(rnd(2000)) }, now);
    if (rnd(40) === 0 && obs.length) obs[rnd(obs.length)].notify({ code: rnd(10) ? CODE.CONTENT : CODE.NOT_FOUND, payload: new Uint8Array(rnd(1500)) }, rnd(2) === 0, now);
    if (rnd(20) === 0) {
      now += rnd(5000);
      srv.poll(now);
      cli.poll(now);
    }
    if (c % 1000 === 0) {
      for (const e of [srv, cli]) {
        const s = sizes(e);
        const p = e.params;
        assert.ok(s.seen <= p.maxDedup, `seen ${s.seen}`);
        assert.ok(s.waiting <= p.maxDedup, `waiting ${s.waiting}`);
        assert.ok(s.observations <= p.maxObservations);
        assert.ok(s.cache <= p.maxBlockCache && s.uploads <= p.maxBlockCache);
        assert.ok(s.reqs <= p.maxPendingRequests);
        assert.ok(s.tx <= p.maxDedup + p.maxObservations + p.maxPendingRequests);
      }
    }
  }
  assert.equal(srv.faults, 0, 'exceptions caught in the server receive path');
  assert.equal(cli.faults, 0, 'exceptions caught in the client receive path');
  // every outcome was exercised
  assert.ok(decoded > CASES / 10 && rejected > CASES / 200 && dropped > CASES / 50, `${decoded}/${rejected}/${dropped}`);
  assert.ok(handlerRuns > CASES / 100, `handler ran ${handlerRuns} times`);
  // everything drains
  for (const o of obs) o.cancel();
  for (let t = 0; t < 200; t++) {
    now += srv.params.exchangeLifetime + 1;
    srv.poll(now);
    cli.poll(now);
  }
  for (const e of [srv, cli]) {
    const s = sizes(e);
    for (const k of ['tx', 'seen', 'waiting', 'observations', 'cache', 'uploads']) assert.equal(s[k], 0, k);
  }
});
