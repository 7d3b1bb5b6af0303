// Session resumption by session ID (RFC 5246 §7.3; transport/dtls/resume.ts and
// session-cache.ts): our client and server in memory on a fake clock. A full handshake gives
// the client a session record; offered again it buys an abbreviated handshake (no key
// exchange, no certificate, no public-key operation), PSK and RPK; an unknown, expired,
// refused or malformed offer gets a full handshake; a wrong Finished a decrypt_error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePair, ed25519Keys, CLIENT, SERVER, type Pair, type PairOptions } from '../helpers/dtls-net';
import { fromClient, shape } from './rpk-cases';
import { encodeRecord, KeyAt, open, parseRecords, seal, seqNum } from '../../transport/dtls/record';
import { parseFragments } from '../../transport/dtls/handshake';
import { enableEd25519 } from '../../transport/dtls/rpk-ed25519';
import { nodeCrypto } from '../../sim/node-crypto';

enableEd25519();

const text = (s: string) => new Uint8Array(Buffer.from(s));
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');
const C = ed25519Keys(1);
const S = ed25519Keys(2);
const RPK: PairOptions = {
  clientRpk: { key: C.pkcs8, spki: C.spki, serverSpki: S.spki },
  serverRpk: { key: S.seed, spki: S.spki, trust: (k) => hex(k) === hex(C.spki) },
};

/** A full handshake, then the client closes (close_notify): its session record. */
function firstSession(p: Pair): Uint8Array {
  p.client.connect(SERVER);
  p.run(10000);
  const ev = p.clientEvents.find((e) => e.type === 'connected')!;
  assert.ok(ev && ev.ses, 'connected carries a session record');
  p.client.close(SERVER);
  p.run(p.now + 10);
  p.wire.length = 0;
  p.clientEvents.length = 0;
  p.serverEvents.length = 0;
  return ev.ses!;
}

for (const [name, o] of [['PSK', {}], ['RPK (Ed25519)', RPK]] as [string, PairOptions][]) {
  test(`${name}: the session record offered again buys an abbreviated handshake: ServerHello, CCS, Finished; no key exchange, no certificate`, () => {
    const p = makePair({ serverEcho: true, strict: true, ...o });
    const ses = firstSession(p);
    assert.equal(ses.length, 1 + 32 + 48);
    assert.equal(ses[0], 32);
    p.client.connect(SERVER, ses);
    p.client.send(text('again'), SERVER);
    p.run(p.now + 10000);
    assert.deepEqual(p.wire.map((d) => (fromClient(d) ? 'C ' : 'S ') + shape(d)), [
      'C hs:1', // ClientHello offering the session
      'S hs:3', // HelloVerifyRequest
      'C hs:1', // ClientHello with cookie
      'S hs:2,ccs@0,hs@1', // ServerHello (same session_id), ChangeCipherSpec, Finished
      'C ccs@0,hs@1', // ChangeCipherSpec, Finished
      'C app@1',
      'S app@1',
    ]);
    // the ClientHello carries the session_id; the ServerHello repeats it
    const ch = parseFragments(parseRecords(p.wire[2].data)[0].fragment)![0].body;
    assert.equal(hex(ch.subarray(35, 35 + ch[34])), hex(ses.subarray(1, 33)));
    const sh = parseFragments(parseRecords(p.wire[3].data)[0].fragment)![0].body;
    assert.equal(hex(sh.subarray(35, 35 + sh[34])), hex(ses.subarray(1, 33)));
    assert.deepEqual(p.clientEvents.map((e) => [e.type, e.name, e.ses]), [['connected', 'resumed', undefined]]);
    assert.deepEqual(p.serverEvents.map((e) => [e.type, e.name]), [['connected', 'resumed']]);
    assert.deepEqual(p.clientData, ['again']);
    // the server knows who resumed: the identity of the first handshake
    assert.equal(hex(p.server.get(CLIENT)!.identity!), o.clientRpk ? hex(C.spki) : hex(text('lwm2m-client')));
    assert.equal(!!p.server.get(CLIENT)!.rpk, !!o.clientRpk);
  });
}

test('a new address (reboot behind another port): the server resumes by session ID alone', () => {
  const p = makePair({ serverEcho: true, strict: true });
  const ses = firstSession(p);
  p.clientAddr = { address: '10.0.0.3', port: 40001 };
  p.client.connect(SERVER, ses);
  p.client.send(text('moved'), SERVER);
  p.run(p.now + 10000);
  assert.deepEqual(p.serverEvents.map((e) => [e.type, e.name, e.peer.port]), [['connected', 'resumed', 40001]]);
  assert.deepEqual(p.clientData, ['moved']);
});

test('the resumed flights survive the loss of any one datagram (the client keeps its final flight for the server\'s repeat)', () => {
  for (let lost = 0; lost < 6; lost++) {
    const p = makePair({ serverEcho: true, strict: true });
    const ses = firstSession(p);
    const base = 0;
    p.filter = (d, i) => (i === base + lost ? [] : [d]);
    p.client.connect(SERVER, ses);
    p.client.send(text('x'), SERVER);
    p.run(p.now + 60000);
    assert.deepEqual(p.clientEvents.map((e) => [e.type, e.name]), [['connected', 'resumed']], `lost #${lost}`);
    assert.deepEqual(p.serverData, ['x'], `lost #${lost}`);
  }
});

test('a server that does not know the session (restarted) answers with a new session_id: full handshake, a new record', () => {
  const p = makePair({ serverEcho: true, strict: true });
  const ses = firstSession(p);
  const q = makePair({ serverEcho: true, strict: true, seed: 9 });
  q.client.connect(SERVER, ses);
  q.run(10000);
  assert.deepEqual(q.wire.map((d) => (fromClient(d) ? 'C ' : 'S ') + shape(d)).slice(3, 5), ['S hs:2,hs:14', 'C hs:16,ccs@0,hs@1']);
  const ev = q.clientEvents.find((e) => e.type === 'connected')!;
  assert.equal(ev.name, undefined);
  assert.equal(ev.ses!.length, 81);
  assert.notEqual(hex(ev.ses!.subarray(1, 33)), hex(ses.subarray(1, 33)));
});

test('an expired session, a removed PSK identity, an untrusted key: full handshake', () => {
  // expired: older than resumeLifetime (default 24 h)
  const q = makePair({ serverEcho: true, strict: true });
  const ses = firstSession(q);
  q.run(q.now + 25 * 3600 * 1000);
  q.wire.length = 0;
  q.client.connect(SERVER, ses);
  q.run(q.now + 10000);
  assert.equal(shape(q.wire[3]), 'hs:2,hs:14', 'expired after 24 h: full handshake');
  // the PSK identity removed from the server
  const keys: Record<string, Uint8Array> = { 'lwm2m-client': new Uint8Array(Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex')) };
  const r = makePair({ serverEcho: true, strict: true, serverKeys: keys });
  const s2 = firstSession(r);
  delete keys['lwm2m-client'];
  keys['other'] = new Uint8Array(16);
  r.client.connect(SERVER, s2);
  r.run(r.now + 10000);
  assert.equal(shape(r.wire[3]), 'hs:2,hs:14', 'identity gone: full handshake (which then fails)');
  // the raw public key no longer trusted
  let trusted = true;
  const t = makePair({ serverEcho: true, strict: true, ...RPK, serverRpk: { ...RPK.serverRpk!, trust: () => trusted } });
  const s3 = firstSession(t);
  trusted = false;
  t.client.connect(SERVER, s3);
  t.run(t.now + 10000);
  assert.deepEqual(parseFragments(parseRecords(t.wire[3].data)[0].fragment)!.map((f) => f.msg_type), [2], 'full RPK flight starts with a ServerHello');
  assert.ok(t.wire.some((d) => !fromClient(d) && parseRecords(d.data).some((x) => x.type === 22 && x.epoch === 0 && parseFragments(x.fragment)!.some((f) => f.msg_type === 11))), 'a Certificate: full handshake');
});

test('resumable: 0 turns resumption off: empty session_id, and the client reports an empty record (forget the kept one)', () => {
  const q = makePair({ serverEcho: true, strict: true, resumable: 0 });
  q.client.connect(SERVER);
  q.run(10000);
  const ev = q.clientEvents.find((e) => e.type === 'connected')!;
  assert.equal(ev.ses!.length, 0);
});

test('a malformed session record offers nothing: empty session_id, full handshake', () => {
  for (const bad of [new Uint8Array(0), new Uint8Array([32, 1, 2]), new Uint8Array(1 + 33 + 48).fill(33), new Uint8Array(82).fill(0)]) {
    const p = makePair({ serverEcho: true, strict: true });
    p.client.connect(SERVER, bad);
    p.run(10000);
    const ch = parseFragments(parseRecords(p.wire[0].data)[0].fragment)![0].body;
    assert.equal(ch[34], 0, 'no session_id offered');
    assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected']);
  }
});

/** Re-seals the first epoch-1 handshake record from `who` with its verify_data's first byte flipped (valid MAC, wrong Finished). */
function tamperFinished(p: Pair, fromC: boolean) {
  let done = false;
  p.filter = (d) => {
    if (done || fromClient(d) !== fromC) return [d];
    const rs = parseRecords(d.data);
    const fin = rs.find((r) => r.type === 22 && r.epoch === 1);
    if (!fin) return [d];
    done = true;
    const s = fromC ? p.client.get(SERVER)! : p.server.get(CLIENT)!;
    const plain = open(nodeCrypto, s.keys!, KeyAt.WRITE, fin)!;
    plain[12] ^= 1;
    const out: Uint8Array[] = rs.map((r) => (r === fin ? encodeRecord(22, 1, r.seq, seal(nodeCrypto, s.keys!, KeyAt.WRITE, 22, seqNum(1, r.seq), plain)) : encodeRecord(r.type, r.epoch, r.seq, r.fragment)));
    return [{ ...d, data: new Uint8Array(Buffer.concat(out)) }];
  };
}

for (const fromC of [true, false]) {
  test(`a tampered resumed Finished from the ${fromC ? 'client' : 'server'} (valid record, wrong verify_data) gets a fatal decrypt_error`, () => {
    const p = makePair({ serverEcho: true, strict: true });
    const ses = firstSession(p);
    tamperFinished(p, fromC);
    p.client.connect(SERVER, ses);
    p.run(p.now + 10000);
    const victim = fromC ? p.serverEvents : p.clientEvents;
    assert.deepEqual(victim.map((e) => [e.type, e.name, e.alert]), [['error', 'alert_sent', 51]]);
  });
}
