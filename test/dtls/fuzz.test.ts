// Seeded fuzz: the record parser, every handshake parser, and both endpoints fed
// mutated real traffic at every stage of the handshake. Endpoints are driven through
// input() (receive() minus its catch-all), so an exception is a failure here, not
// something the safety net hides. Invariants: nothing throws; nothing forged is
// delivered; a client only ever connects when the server verified it too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePair, seededRng, CLIENT, SERVER, type Datagram } from '../helpers/dtls-net';
import { encodeRecord, parseRecords } from '../../transport/dtls/record';
import {
  decodeClientHello, decodeHelloVerifyRequest, decodePskVector, decodeServerHello, parseFragments,
} from '../../transport/dtls/handshake';
import { ESTABLISHED } from '../../transport/dtls/connection';

const SEED = Number(process.env.FUZZ_SEED || 20261125);
const text = (s: string) => new Uint8Array(Buffer.from(s));

type R = ReturnType<typeof seededRng>;
function mutate(r: R, src: Uint8Array): Uint8Array {
  const d = new Uint8Array(src);
  const kind = r.next() % 6;
  if (kind === 0 && d.length) d[r.next() % d.length] ^= 1 << (r.next() % 8); // flip a bit
  else if (kind === 1 && d.length) d[r.next() % d.length] = r.next() & 255; // random byte
  else if (kind === 2) return d.subarray(0, r.next() % (d.length + 1)); // truncate
  else if (kind === 3) {
    // grow: random tail
    const t = new Uint8Array(d.length + 1 + (r.next() % 40));
    t.set(d);
    for (let i = d.length; i < t.length; i++) t[i] = r.next() & 255;
    return t;
  } else if (kind === 4 && d.length > 2) {
    // a length field (any 2 bytes) set to something large or zero
    const at = r.next() % (d.length - 1);
    d[at] = r.next() & 1 ? 0xff : 0;
    d[at + 1] = r.next() & 255;
  } else if (d.length) for (let i = 0, n = 1 + (r.next() % 8); i < n; i++) d[r.next() % d.length] = r.next() & 255;
  return d;
}

function randomBytes(r: R, n: number): Uint8Array {
  const b = new Uint8Array(n);
  r.fill(b);
  return b;
}

/** Every datagram of a clean run with a hint (so every message type appears). */
function cleanRun(): Datagram[] {
  const p = makePair({ hint: text('hint'), serverEcho: true });
  p.client.send(text('ping'), SERVER);
  p.run(5000);
  return p.wire;
}

test('record parser and every handshake parser: random and mutated input never throws', () => {
  const r = seededRng(SEED);
  const wire = cleanRun();
  const bodies: Uint8Array[] = [];
  for (const d of wire) for (const rec of parseRecords(d.data)) if (rec.epoch === 0 && rec.type === 22) for (const f of parseFragments(rec.fragment)!) bodies.push(f.body);
  const parsers = [parseFragments, decodeClientHello, decodeServerHello, decodeHelloVerifyRequest, decodePskVector];
  for (let i = 0; i < 20000; i++) {
    const input = i & 1 ? randomBytes(r, r.next() % 200) : mutate(r, bodies[r.next() % bodies.length]);
    for (const p of parsers) p(input);
    parseRecords(i & 1 ? input : mutate(r, wire[r.next() % wire.length].data));
  }
  // and the valid ones decode
  assert.ok(decodeClientHello(bodies[0]));
  assert.ok(decodeHelloVerifyRequest(bodies[1]));
  assert.ok(decodeServerHello(bodies[3]));
});

test('both endpoints fed mutated traffic at each handshake stage: no exception, no false connection, nothing forged delivered', () => {
  const r = seededRng(SEED + 1);
  let connectedRuns = 0;
  for (let iter = 0; iter < 600; iter++) {
    const p = makePair({ seed: 1 + (iter % 7), hint: text('hint'), serverEcho: true, handshakeTimeout: 8000 });
    const victim = r.next() % 8; // which datagram of the exchange is replaced by mutants
    p.filter = (d, i) => {
      if (i !== victim) return [d];
      const out: Datagram[] = [];
      for (let k = 0; k < 4; k++) out.push({ ...d, data: mutate(r, d.data) });
      if (r.next() & 1) out.push(d); // sometimes the original also arrives, after the mutants
      return out;
    };
    // drive through input(): exceptions surface
    const deliver = () => {
      while (p.inFlight.length) {
        const d = p.inFlight.shift()!;
        if (d.to.port === SERVER.port) p.server.input(d.data, d.from);
        else p.client.input(d.data, d.from);
      }
    };
    p.client.send(text('ping'), SERVER);
    for (let t = 0; t <= 10000; t += 250) {
      p.now = t;
      deliver();
      p.client.poll(t);
      p.server.poll(t);
      deliver();
    }
    const cs = p.client.get(SERVER);
    const ss = p.server.get(CLIENT);
    if (cs && cs.state === ESTABLISHED) {
      connectedRuns++;
      assert.ok(ss && ss.state === ESTABLISHED, `iteration ${iter}: client connected without a server that verified it`);
    }
    for (const x of p.serverData) assert.equal(x, 'ping', `iteration ${iter}: forged data at the server`);
    for (const x of p.clientData) assert.equal(x, 'ping', `iteration ${iter}: forged data at the client`);
  }
  assert.ok(connectedRuns > 100, `most runs still complete (${connectedRuns}/600)`);
});

test('flipped bits over every protected record of a session: each dropped, the session survives', () => {
  const p = makePair({ serverEcho: true });
  p.client.send(text('a'), SERVER);
  p.run(5000);
  const protectedDgrams = p.wire.filter((d) => parseRecords(d.data).some((x) => x.epoch === 1));
  assert.ok(protectedDgrams.length >= 4);
  const r = seededRng(SEED + 2);
  for (const d of protectedDgrams) {
    const target = d.to.port === SERVER.port ? p.server : p.client;
    for (let k = 0; k < 300; k++) {
      const bad = new Uint8Array(d.data);
      const bit = r.next() % (bad.length * 8);
      bad[bit >> 3] ^= 1 << (bit & 7);
      target.input(bad, d.from);
    }
  }
  assert.deepEqual(p.serverData, ['a']);
  assert.deepEqual(p.clientData, ['a']);
  assert.equal(p.client.get(SERVER)!.state, ESTABLISHED);
  assert.equal(p.server.get(CLIENT)!.state, ESTABLISHED);
  // and still works
  p.client.send(text('b'), SERVER);
  p.run(6000);
  assert.deepEqual(p.clientData, ['a', 'b']);
});

test('random datagrams to a fresh server and a handshaking client: no exception, no state for garbage', () => {
  const r = seededRng(SEED + 3);
  const p = makePair();
  p.client.connect(SERVER);
  for (let i = 0; i < 5000; i++) {
    const n = r.next() % 120;
    const d = randomBytes(r, n);
    // make many of them look like DTLS records so they reach deeper code
    if (n > 13 && i & 1) {
      d[1] = 254;
      d[2] = 253;
      d[3] = 0;
      d[4] = r.next() & 1;
      d[11] = 0;
      d[12] = n - 13;
      if (i & 2) d[0] = 22;
    }
    p.server.input(d, { address: '10.9.9.9', port: 1000 + (i % 50) });
    p.client.input(d, SERVER);
  }
  assert.equal(Object.keys(p.server.s).length, 0, 'no server session without a valid cookie');
  // a record built by hand: a ClientHello fragment claiming a length past its data
  p.server.input(encodeRecord(22, 0, 0, new Uint8Array([1, 0, 0, 200, 0, 0, 0, 0, 0, 0, 0, 10, 1, 2])), CLIENT);
});
