// Client and server roles against each other in memory, on a fake clock: clean runs,
// loss, duplication, reordering, fragmentation, wrong keys, bad messages.
import { test } from 'node:test';
import { eachRecordTwiceReversed } from './datagrams';
import assert from 'node:assert/strict';
import { makePair, CLIENT, SERVER, type Datagram } from '../helpers/dtls-net';
import type { Peer } from '../../transport/ports';
import { encodeRecord, KeyAt, open, parseRecords, seal, seqNum } from '../../transport/dtls/record';
import { encodeHandshake, parseFragments } from '../../transport/dtls/handshake';
import { ESTABLISHED } from '../../transport/dtls/connection';
import { clientRole } from '../../transport/dtls/client';
import { nodeCrypto } from '../../sim/node-crypto';
import { jsCrypto } from '../../transport/crypto/js-backend';
import { espruinoCrypto } from '../../transport/crypto/espruino';
import { espruinoCryptoModule } from '../../sim/espruino-crypto';

const toHex = (u: Uint8Array) => Buffer.from(u).toString('hex');
const text = (s: string) => new Uint8Array(Buffer.from(s));
const fromClient = (d: Datagram) => d.from.port === CLIENT.port;
/** Summary of a datagram: its records as type/epoch(/handshake types). */
function shape(d: Datagram): string {
  return parseRecords(d.data)
    .map((r) => {
      if (r.type === 22 && r.epoch === 0) return 'hs:' + parseFragments(r.fragment)!.map((f) => f.msg_type).join('+');
      return ({ 20: 'ccs', 21: 'alert', 22: 'hs', 23: 'app' } as Record<number, string>)[r.type] + '@' + r.epoch;
    })
    .join(',');
}

test('clean handshake: 3 flights each way, HelloVerifyRequest first, server packs its flight, data both ways', () => {
  const p = makePair({ hint: text('myhint'), serverEcho: true });
  p.client.send(text('hello'), SERVER);
  p.run(10000);
  assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected']);
  assert.deepEqual(p.serverEvents.map((e) => e.type), ['connected']);
  assert.deepEqual(p.serverData, ['hello']);
  assert.deepEqual(p.clientData, ['hello']);
  assert.deepEqual(p.wire.map((d) => (fromClient(d) ? 'C ' : 'S ') + shape(d)), [
    'C hs:1', // ClientHello
    'S hs:3', // HelloVerifyRequest
    'C hs:1', // ClientHello with cookie
    'S hs:2,hs:12,hs:14', // ServerHello, ServerKeyExchange, ServerHelloDone in one datagram
    'C hs:16,ccs@0,hs@1', // ClientKeyExchange, ChangeCipherSpec, Finished
    'S ccs@0,hs@1', // ChangeCipherSpec, Finished
    'C app@1',
    'S app@1',
  ]);
  // handshake state is gone on both sides once Finished verified: deleted, not null (a null property
  // costs a variable on the board, docs/memory.md rule 3), and the client's session holds no
  // flight, no queue, no object or array of its own beyond the peer and keys (the replay window and
  // write sequence numbers are plain fields: ClientHello twice, ClientKeyExchange, CCS in epoch 0; Finished and the data in 1)
  assert.equal('hs' in p.server.get(CLIENT)!, false);
  const s = p.client.get(SERVER)!;
  assert.deepEqual(Object.keys(s).sort(), ['hi', 'identity', 'keys', 'lo', 'peer', 'rEpoch', 'state', 'top', 'wEpoch', 'wSeq0', 'wSeq1']);
  assert.equal(s.keys!.length, 40, 'both directions\' keys in one array');
  assert.deepEqual([s.wSeq0, s.wSeq1, s.rEpoch, s.wEpoch], [4, 2, 1, 1]);
});

test('the client role holds only its half() at rest: start and message are built with the cold half and let go with it', () => {
  // on the board a function costs ~6 variables for as long as it exists (docs/memory.md, rules 1 and 7)
  assert.deepEqual(Object.keys(clientRole), ['half']);
  const p = makePair({ serverEcho: true });
  p.client.send(text('hi'), SERVER);
  assert.equal(typeof p.client.x!.role.message, 'function');
  p.run(10000);
  assert.deepEqual(p.clientData, ['hi']);
  p.client.poll(p.now);
  assert.equal(p.client.x, undefined);
});

test('ClientHello bytes: record header, handshake header, DTLS 1.2, empty session_id, cookie, one suite 0xC0A8, null compression, connection_id with an empty cid', () => {
  const p = makePair({ seed: 7 });
  p.client.connect(SERVER);
  const ch1 = p.wire[0].data;
  const random = toHex(ch1.subarray(25 + 2, 25 + 34));
  assert.equal(toHex(ch1), '16fefd' + '0000' + '000000000000' + '003d' + '01' + '000031' + '0000' + '000000' + '000031' +
    'fefd' + random + '00' + '00' + '0002c0a8' + '0100' + '0005' + '0036' + '0001' + '00');
  p.run(0);
  const hvr = p.wire[1].data;
  assert.equal(toHex(hvr.subarray(0, 13 + 12 + 3)), '16fefd0000000000000000' + '001f' + '03' + '000013' + '0000' + '000000' + '000013' + 'feff' + '10');
  const ch2 = p.wire[2].data;
  const cookie = toHex(hvr.subarray(28, 44));
  assert.equal(toHex(ch2.subarray(0, 13)), '16fefd' + '0000' + '000000000001' + '004d');
  assert.equal(toHex(ch2.subarray(13, 25)), '01' + '000041' + '0001' + '000000' + '000041');
  assert.equal(toHex(ch2.subarray(25 + 35, 25 + 36 + 16)), '10' + cookie);
});

for (const [name, c] of [['js', jsCrypto], ['espruino', espruinoCrypto(espruinoCryptoModule().mod as never)]] as const) {
  test(`the client on the ${name} backend completes with the server on node:crypto`, () => {
    const p = makePair({ clientCrypto: c, serverEcho: true });
    p.client.send(text('x'), SERVER);
    p.run(10000);
    assert.deepEqual(p.clientData, ['x']);
  });
}

test('no hint: the server omits ServerKeyExchange and the client goes straight to ServerHelloDone', () => {
  const p = makePair();
  p.client.connect(SERVER);
  p.run(10000);
  assert.equal(shape(p.wire[3]), 'hs:2,hs:14');
  assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected']);
});

test('every single lost datagram of the handshake is recovered by retransmission', () => {
  for (let lost = 0; lost < 6; lost++) {
    const p = makePair({ serverEcho: true });
    p.filter = (d, i) => (i === lost ? [] : [d]);
    p.client.send(text('hi'), SERVER);
    p.run(60000);
    assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected'], `lost #${lost}`);
    assert.deepEqual(p.clientData, ['hi'], `lost #${lost}`);
  }
});

test('the final flight lost: the client repeats its Finished, the server answers from its kept flight', () => {
  const p = makePair();
  p.filter = (d, i) => (i === 5 ? [] : [d]);
  p.client.connect(SERVER);
  p.run(60000);
  const server = p.wire.filter((d) => !fromClient(d)).map(shape);
  assert.deepEqual(server, ['hs:3', 'hs:2,hs:14', 'ccs@0,hs@1', 'ccs@0,hs@1']);
  assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected']);
});

test('retransmission timer: 1 s doubling to the configured maximum, then the handshake deadline names server and identity', () => {
  const p = makePair({ handshakeTimeout: 20000, retransmitMax: 4000 });
  const sent: number[] = [];
  p.filter = (d) => {
    if (fromClient(d)) sent.push(p.now);
    return []; // the server never hears anything
  };
  p.client.connect(SERVER);
  p.run(30000);
  assert.deepEqual(sent, [0, 1000, 3000, 7000, 11000, 15000, 19000]);
  assert.equal(p.clientEvents.length, 1);
  const e = p.clientEvents[0];
  assert.equal(e.type, 'error');
  assert.equal(e.name, 'handshake_timeout');
  assert.match(e.message!, /10\.0\.0\.1:5684/);
  assert.match(e.message!, /as PSK identity "lwm2m-client" timed out after \d+ ms: no answer \(wrong PSK or identity, or server unreachable\)$/);
  assert.equal(p.client.get(SERVER), null, 'no session left behind');
});

test('wrong key: the server answers the undecryptable Finished with a fatal decrypt_error (51); the client reports "wrong PSK" at once', () => {
  const p = makePair({ clientKey: new Uint8Array(16).fill(9), handshakeTimeout: 30000 });
  p.client.connect(SERVER);
  p.run(40000);
  const last = p.wire[p.wire.length - 1];
  assert.ok(!fromClient(last));
  // an epoch-0 alert record: the server never switched its write epoch
  assert.equal(toHex(last.data), '15fefd0000' + toHex(last.data.subarray(5, 11)) + '0002' + '0233');
  assert.equal(p.wire.filter((d) => shape(d).includes('alert')).length, 1, 'one alert, from the server');
  assert.deepEqual(p.serverEvents.map((e) => e.name), ['wrong_psk']);
  assert.match(p.serverEvents[0].message!, /10\.0\.0\.2:40000: its Finished does not decrypt with our key for PSK identity "lwm2m-client" \(wrong PSK\)/);
  assert.deepEqual(p.clientEvents.map((e) => e.name), ['wrong_psk']);
  assert.equal(p.clientEvents[0].alert, 51);
  assert.equal(p.clientEvents[0].message, 'wrong PSK for PSK identity "lwm2m-client": DTLS fatal alert 51 from 10.0.0.1:5684 refused our Finished');
  // at once: one round trip after the client's final flight, not at the 30 s deadline
  assert.ok(p.wire.length <= 7, 'no retransmission before the answer');
  assert.equal(p.client.get(SERVER), null);
  assert.equal(p.server.get(CLIENT), null);
});

test('wrong key with a Connection ID (RFC 9146): the client\'s Finished is a tls12_cid record; decrypt_error all the same', () => {
  const p = makePair({ cid: true, clientKey: new Uint8Array(16).fill(9) });
  p.client.connect(SERVER);
  p.run(40000);
  assert.ok(p.wire.some((d) => fromClient(d) && parseRecords(d.data, 6).some((r) => r.type === 25)), 'the client sent a tls12_cid record');
  assert.deepEqual(p.serverEvents.map((e) => e.name), ['wrong_psk']);
  assert.deepEqual(p.clientEvents.map((e) => e.name), ['wrong_psk']);
  assert.ok(p.wire.length <= 7, 'at once');
});

test('unknown PSK identity: the server answers unknown_psk_identity (115); the client reports the alert naming the identity', () => {
  const p = makePair({ clientIdentity: text('stranger') });
  p.client.connect(SERVER);
  p.run(10000);
  assert.deepEqual(p.serverEvents.map((e) => e.name), ['unknown_psk_identity']);
  assert.match(p.serverEvents[0].message!, /used an unknown PSK identity "stranger"/);
  const last = p.wire[p.wire.length - 1];
  assert.equal(toHex(last.data), '15fefd0000' + toHex(last.data.subarray(5, 11)) + '0002' + '0273');
  assert.equal(p.clientEvents[0].name, 'alert_received');
  assert.equal(p.clientEvents[0].alert, 115);
  assert.equal(p.clientEvents[0].message, 'DTLS fatal alert 115 from 10.0.0.1:5684 (unknown PSK identity "stranger")');
});

test('an empty PSK is no PSK: the client starts no handshake and says no_psk', () => {
  const p = makePair({ clientKey: new Uint8Array(0), serverKeys: { 'lwm2m-client': new Uint8Array(0) } });
  p.client.connect(SERVER);
  p.run(10000);
  assert.deepEqual(p.wire, []);
  assert.deepEqual(p.clientEvents.map((e) => e.name), ['no_psk']);
  assert.equal(p.client.get(SERVER), null);
});

test('duplicated and reordered datagrams: every datagram twice, each flight reversed', () => {
  const p = makePair({ hint: text('h'), serverEcho: true });
  // split each datagram into one datagram per record, reverse them, send each twice
  p.filter = eachRecordTwiceReversed;
  p.client.send(text('dup'), SERVER);
  p.run(60000);
  assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected']);
  assert.deepEqual(p.serverData, ['dup'], 'the duplicated application record is delivered once');
  assert.deepEqual(p.clientData, ['dup']);
});

test('fragmented handshake messages (5-byte fragments, one per datagram, shuffled) are reassembled', () => {
  const p = makePair({ hint: text('a-rather-long-hint-to-fragment'), serverEcho: true });
  let k = 0;
  p.filter = (d) => {
    if (fromClient(d)) return [d];
    const out: Datagram[] = [];
    for (const r of parseRecords(d.data)) {
      if (r.type !== 22 || r.epoch !== 0) {
        out.push({ ...d, data: encodeRecord(r.type, r.epoch, r.seq, r.fragment) });
        continue;
      }
      for (const f of parseFragments(r.fragment)!) {
        for (let o = 0; o < f.body.length || o === 0; o += 5) {
          const part = f.body.subarray(o, o + 5);
          const h = new Uint8Array(12 + part.length);
          h[0] = f.msg_type;
          h.set([f.length >> 16, (f.length >> 8) & 255, f.length & 255], 1);
          h.set([f.message_seq >> 8, f.message_seq & 255], 4);
          h.set([o >> 16, (o >> 8) & 255, o & 255], 6);
          h.set([part.length >> 16, (part.length >> 8) & 255, part.length & 255], 9);
          h.set(part, 12);
          out.push({ ...d, data: encodeRecord(22, 0, r.seq, h) });
          if (f.body.length === 0) break;
        }
      }
    }
    // deterministic shuffle
    for (let i = out.length - 1; i > 0; i--) {
      const j = (k = (k * 1103515245 + 12345) >>> 0) % (i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };
  p.client.send(text('frag'), SERVER);
  p.run(60000);
  assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected']);
  assert.deepEqual(p.clientData, ['frag']);
});

test('unexpected handshake message: ServerHelloDone instead of ServerHello gets a fatal unexpected_message (10)', () => {
  const p = makePair();
  p.filter = (d, i) => (i === 3 ? [] : [d]); // the real server flight is lost
  p.client.connect(SERVER);
  p.run(0);
  const shd = encodeHandshake(14, 1, new Uint8Array(0));
  p.client.receive(encodeRecord(22, 0, 5, shd), SERVER);
  const last = p.wire[p.wire.length - 1];
  assert.equal(toHex(last.data.subarray(0, 3)), '15fefd');
  assert.equal(toHex(last.data.subarray(13)), '020a');
  assert.equal(p.clientEvents[0].name, 'alert_sent');
  assert.equal(p.client.get(SERVER), null);
});

/** A handshake fragment (RFC 6347 §4.2.2) with its own length, offset and body. */
function fragment(type: number, length: number, seq: number, offset: number, body: Uint8Array): Uint8Array {
  const h = new Uint8Array(12 + body.length);
  h[0] = type;
  h.set([length >> 16, (length >> 8) & 255, length & 255, seq >> 8, seq & 255, offset >> 16, (offset >> 8) & 255, offset & 255], 1);
  h.set([body.length >> 16, (body.length >> 8) & 255, body.length & 255], 9);
  h.set(body, 12);
  return h;
}
const SERVER_HELLO = new Uint8Array([0xfe, 0xfd, ...new Uint8Array(32).fill(3), 0, 0xc0, 0xa8, 0]);

// (a later record of the same datagram finds no session: the alert dropped it)
test('a fatal alert ends the processing at once: a bad ServerKeyExchange, then ServerHelloDone in the same record: no keys, no Finished', () => {
  const p = makePair();
  p.filter = (d, i) => (i === 3 ? [] : [d]); // the real server flight is lost
  p.client.connect(SERVER);
  p.run(0);
  const sh = encodeHandshake(2, 1, SERVER_HELLO);
  const ske = encodeHandshake(12, 2, new Uint8Array([0, 5])); // hint length 5, no bytes: decode_error
  const shd = encodeHandshake(14, 3, new Uint8Array(0));
  const dgram = encodeRecord(22, 0, 5, new Uint8Array(Buffer.concat([sh, ske, shd])));
  const before = p.wire.length;
  p.client.receive(dgram, SERVER);
  const sent = p.wire.slice(before).map(shape);
  assert.deepEqual(sent, ['alert@0'], 'only the alert: no ClientKeyExchange, ChangeCipherSpec or Finished');
  assert.equal(toHex(p.wire[p.wire.length - 1].data.subarray(13)), '0232');
  assert.deepEqual(p.clientEvents.map((e) => e.name), ['alert_sent']);
  assert.equal(p.client.get(SERVER), null);
});

test('a spoofed fragment claiming another length for a message does not shadow the real message: the handshake completes without waiting', () => {
  const clean = makePair();
  clean.client.connect(SERVER);
  clean.run(60000);
  const p = makePair();
  // before the real server flight, an off-path fragment of "message 1" (ServerHello) with a length of its own
  const spoof = encodeRecord(22, 0, 1, fragment(2, 60, 1, 0, new Uint8Array(10).fill(0xaa)));
  p.filter = (d, i) => (i === 3 ? [{ ...d, data: spoof }, d] : [d]);
  p.client.connect(SERVER);
  p.run(60000);
  assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected']);
  assert.equal(p.wire.length, clean.wire.length, 'no retransmission needed');
});

test('reassembly is bounded: 8 spoofed fragments claiming 4 KB messages (208 bytes) hold at most DTLS.REASSEMBLY (4,096) bytes, and the real flight still completes', () => {
  const p = makePair();
  let held = 0;
  p.filter = (d, i) => {
    if (i !== 3) return [d];
    // message_seq 1..8 (the client expects 1), each claiming 4,096 bytes, one body byte: 26 bytes a datagram
    const spoofs = [1, 2, 3, 4, 5, 6, 7, 8].map((seq) => ({ ...d, data: encodeRecord(22, 0, seq, fragment(12, 4096, seq, 0, new Uint8Array([seq]))) }));
    assert.equal(spoofs.reduce((n, x) => n + x.data.length, 0), 208);
    return [...spoofs, d];
  };
  // count what the client holds right after the spoofs, before the real flight
  const receive = p.client.receive.bind(p.client);
  let n = 0;
  p.client.receive = (data, peer) => {
    receive(data, peer);
    if (++n === 9) {
      const parts = p.client.get(SERVER)!.hs!.parts as Record<string, { body: Uint8Array; have: Uint8Array }>;
      for (const k in parts) held += parts[k].body.length + parts[k].have.length;
    }
  };
  p.client.connect(SERVER);
  p.run(60000);
  assert.ok(held > 0 && held <= 4096 + 512, `held ${held} bytes`);
  assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected']);
  // a fragment claiming more than the budget is never buffered
  const q = makePair();
  q.filter = (d, i) => (i === 3 ? [] : [d]);
  q.client.connect(SERVER);
  q.run(0);
  q.client.receive(encodeRecord(22, 0, 9, fragment(2, 0xffffff, 1, 0, new Uint8Array(4))), SERVER);
  assert.deepEqual(Object.keys(q.client.get(SERVER)!.hs!.parts), []);
});

test('unsolicited extension in ServerHello gets unsupported_extension (110)', () => {
  const p = makePair();
  p.filter = (d, i) => (i === 3 ? [] : [d]);
  p.client.connect(SERVER);
  p.run(0);
  // heartbeat (15), which we never offered
  const body = new Uint8Array([0xfe, 0xfd, ...new Uint8Array(32), 0, 0xc0, 0xa8, 0, 0, 5, 0x00, 0x0f, 0, 1, 1]);
  p.client.receive(encodeRecord(22, 0, 5, encodeHandshake(2, 1, body)), SERVER);
  assert.equal(toHex(p.wire[p.wire.length - 1].data.subarray(13)), '026e');
});

test('application data is never accepted before the client Finished verified, even when correctly protected', () => {
  const p = makePair();
  let held: Datagram | null = null;
  p.filter = (d, i) => {
    if (i === 4) {
      held = d;
      // deliver CKE + CCS, hold back the Finished
      const rs = parseRecords(d.data).slice(0, 2).map((r) => encodeRecord(r.type, r.epoch, r.seq, r.fragment));
      return [{ ...d, data: new Uint8Array(Buffer.concat(rs)) }];
    }
    return [d];
  };
  p.client.connect(SERVER);
  p.run(0);
  assert.ok(held);
  const cs = p.client.get(SERVER)!;
  assert.equal(p.server.get(CLIENT)!.rEpoch, 1, 'server switched to epoch 1');
  // a record the server can decrypt, sent before Finished
  const app = encodeRecord(23, 1, 99, seal(nodeCrypto, cs.keys!, KeyAt.WRITE, 23, seqNum(1, 99), text('early')));
  p.server.receive(app, CLIENT);
  assert.deepEqual(p.serverData, []);
  assert.notEqual(p.server.get(CLIENT)!.state, ESTABLISHED);
});

test('replayed application record is dropped; a flipped bit in a protected record is dropped silently', () => {
  const p = makePair();
  p.client.connect(SERVER);
  p.run(5000);
  p.client.send(text('once'), SERVER);
  const rec = p.inFlight[0].data;
  p.run(5000);
  const before = p.wire.length;
  p.server.receive(rec, CLIENT);
  assert.deepEqual(p.serverData, ['once']);
  for (let bit = 0; bit < rec.length * 8; bit++) {
    const bad = new Uint8Array(rec);
    bad[bit >> 3] ^= 1 << (bit & 7);
    p.server.receive(bad, CLIENT);
  }
  assert.deepEqual(p.serverData, ['once']);
  assert.equal(p.wire.length, before, 'nothing answered');
  assert.equal(p.server.get(CLIENT)!.state, ESTABLISHED, 'session intact');
});

test('renegotiation refused: a ClientHello inside the session gets a no_renegotiation warning (100)', () => {
  const p = makePair();
  p.client.connect(SERVER);
  p.run(5000);
  const cs = p.client.get(SERVER)!;
  const ch = encodeHandshake(1, 5, new Uint8Array([0xfe, 0xfd, ...new Uint8Array(32), 0, 0, 0, 2, 0xc0, 0xa8, 1, 0]));
  p.server.receive(encodeRecord(22, 1, 50, seal(nodeCrypto, cs.keys!, KeyAt.WRITE, 22, seqNum(1, 50), ch)), CLIENT);
  const reply = parseRecords(p.inFlight[0].data)[0];
  assert.deepEqual([...open(nodeCrypto, cs.keys!, KeyAt.READ, reply)!], [1, 100]);
  p.run(6000);
  assert.equal(p.server.get(CLIENT)!.state, ESTABLISHED);
});

test('close_notify: the server answers with its own and both forget the session', () => {
  const p = makePair();
  p.client.connect(SERVER);
  p.run(5000);
  p.client.close(SERVER);
  p.run(6000);
  assert.deepEqual(p.serverEvents.map((e) => e.type), ['connected', 'closed']);
  assert.equal(p.server.get(CLIENT), null);
  assert.equal(p.client.get(SERVER), null);
});

test('a client that lost its state handshakes again; the server replaces the old session', () => {
  const p = makePair({ serverEcho: true });
  p.client.send(text('one'), SERVER);
  p.run(5000);
  delete p.client.s['p' + SERVER.address + ':' + SERVER.port];
  p.client.send(text('two'), SERVER);
  p.run(10000);
  assert.deepEqual(p.clientData, ['one', 'two']);
  assert.deepEqual(p.serverEvents.map((e) => e.type), ['connected', 'connected']);
});

test('cookie secret rotates: a cookie stays valid for one rotation, not two', () => {
  const p = makePair();
  p.filter = (d, i) => (i === 2 ? [] : [d]); // hold ClientHello 2 back
  p.client.connect(SERVER);
  p.run(0);
  const ch2 = p.wire[2];
  p.filter = (d) => [d];
  // within two rotation periods (60 s each) the cookie is still accepted: the server answers with its flight
  p.now = 70000;
  p.server.poll(p.now);
  p.server.receive(ch2.data, CLIENT);
  assert.equal(shape(p.inFlight[p.inFlight.length - 1]), 'hs:2,hs:14');
  p.inFlight.length = 0;
  const p2 = makePair();
  p2.filter = (d, i) => (i === 2 ? [] : [d]);
  p2.client.connect(SERVER);
  p2.run(0);
  p2.server.poll(0);
  p2.server.poll(60000);
  p2.server.poll(120000);
  p2.server.receive(p2.wire[2].data, CLIENT);
  assert.equal(shape(p2.inFlight[p2.inFlight.length - 1]), 'hs:3', 'after two rotations: a new HelloVerifyRequest');
});


/** A PSK ClientHello record from `peer` with `cookie` (message_seq 0; a random of its own per peer). */
function clientHello(peer: Peer, cookie: Uint8Array): Uint8Array {
  const body = [0xfe, 0xfd, ...new Uint8Array(32).fill(peer.port & 255), 0, cookie.length, ...cookie, 0, 2, 0xc0, 0xa8, 1, 0];
  return encodeRecord(22, 0, 0, encodeHandshake(1, 0, new Uint8Array(body)));
}

/** A ClientHello from `peer` through the cookie exchange: the server's answer to the one with the cookie. */
function verifiedHello(p: ReturnType<typeof makePair>, peer: Peer): string {
  p.inFlight.length = 0;
  p.server.receive(clientHello(peer, new Uint8Array(0)), peer);
  const hvr = p.inFlight.pop()!.data;
  p.server.receive(clientHello(peer, hvr.subarray(13 + 12 + 3, 13 + 12 + 3 + hvr[13 + 12 + 2])), peer);
  const answer = p.inFlight.pop();
  p.inFlight.length = 0;
  return answer ? shape(answer) : 'nothing';
}

test('server: one address holds at most 8 handshakes in progress (maxPerAddress), whatever its ports; other addresses still get theirs', () => {
  const p = makePair();
  const answers: string[] = [];
  // 64 cookie-verified ClientHellos (128 datagrams) from one address would have taken all 64 slots
  for (let i = 0; i < 64; i++) answers.push(verifiedHello(p, { address: '10.9.9.9', port: 1000 + i }));
  assert.deepEqual(answers.slice(0, 8), new Array(8).fill('hs:2,hs:14'));
  assert.deepEqual(answers.slice(8), new Array(56).fill('nothing'));
  assert.equal(Object.keys(p.server.s).length, 8);
  // a real client elsewhere completes
  p.client.connect(SERVER);
  p.run(10000);
  assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected']);
});

test('server: a PSK handshake must finish within 20 s of its cookie (20 retransmission timeouts), not 60 s', () => {
  const p = makePair();
  p.filter = (d) => (fromClient(d) && shape(d).startsWith('hs:16') ? [] : [d]); // the client's final flight never arrives
  p.client.connect(SERVER);
  p.run(19999);
  assert.ok(p.server.get(CLIENT), 'still waiting at 19.999 s');
  p.run(20000);
  assert.equal(p.server.get(CLIENT), null, 'its slot is free at 20 s');
  assert.deepEqual(p.serverEvents.map((e) => e.name), ['handshake_timeout']);
  assert.equal(p.serverEvents[0].message, 'DTLS client 10.0.0.2:40000 did not finish its PSK handshake within 20000 ms of its cookie');
});

test('server: a client signalling RFC 5746 (renegotiation_info or the SCSV) gets an empty renegotiation_info back', () => {
  const hello = (cookie: Uint8Array, suites: number[], ext: number[]) => {
    const body = [0xfe, 0xfd, ...new Uint8Array(32).fill(7), 0, cookie.length, ...cookie, 0, suites.length * 2, ...suites.flatMap((x) => [x >> 8, x & 255]), 1, 0, ...ext];
    return encodeRecord(22, 0, 0, encodeHandshake(1, 0, new Uint8Array(body)));
  };
  const serverHelloTail = (suites: number[], ext: number[]) => {
    const p = makePair();
    p.server.receive(hello(new Uint8Array(0), suites, ext), CLIENT);
    const hvr = parseFragments(parseRecords(p.inFlight[0].data)[0].fragment)![0];
    assert.equal(hvr.msg_type, 3);
    p.inFlight.length = 0;
    p.server.receive(hello(hvr.body.subarray(3), suites, ext), CLIENT);
    const sh = parseFragments(parseRecords(p.inFlight[0].data)[0].fragment)![0];
    assert.equal(sh.msg_type, 2);
    assert.equal(sh.body[34], 32, 'a session_id for resumption (session-cache.ts)');
    return toHex(sh.body.subarray(35 + 32));
  };
  assert.equal(serverHelloTail([0xc0a8], []), 'c0a8' + '00', 'nothing asked, no extension');
  assert.equal(serverHelloTail([0xc0a8, 0x00ff], []), 'c0a8' + '00' + '0005' + 'ff01' + '0001' + '00', 'SCSV');
  assert.equal(serverHelloTail([0xc0a8], [0, 5, 0xff, 0x01, 0, 1, 0]), 'c0a8' + '00' + '0005' + 'ff01' + '0001' + '00', 'extension');
});
