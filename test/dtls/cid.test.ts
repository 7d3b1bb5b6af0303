// DTLS 1.2 Connection ID (RFC 9146; transport/dtls/cid.ts, record.ts): our client (which offers
// an empty CID) and our server (which gives a 6-byte one) in memory on a fake clock. The
// client's protected records are tls12_cid records, checked here against node:crypto's
// AES-128-CCM with RFC 9146 §5's additional data built independently; a NAT rebinding keeps
// the session with no handshake; unknown CIDs, forgeries and replays never move it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import { makePair, CLIENT, SERVER, type Pair } from '../helpers/dtls-net';
import { parseRecords, encodeRecord } from '../../transport/dtls/record';
import { parseFragments } from '../../transport/dtls/handshake';

const text = (s: string) => new Uint8Array(Buffer.from(s));
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');
const NAT = { address: '192.0.2.7', port: 61000 };
const fromClient = (p: Pair) => p.wire.filter((d) => d.to.port === SERVER.port);

function connected(): Pair {
  const p = makePair({ serverEcho: true, strict: true, cid: true });
  p.client.send(text('hello'), SERVER);
  p.run(10000);
  assert.deepEqual(p.clientData, ['hello']);
  return p;
}

test('the server gives a 6-byte CID in its ServerHello; from the client\'s Finished on its records are tls12_cid (25) with that CID; the server answers with plain records', () => {
  const p = connected();
  const sh = parseFragments(parseRecords(p.wire[3].data)[0].fragment)![0];
  const body = sh.body;
  const ext = hex(body.subarray(38 + body[34]));
  const cid = p.client.get(SERVER)!.cid!;
  assert.equal(cid.length, 6);
  assert.ok(ext.endsWith('0036' + '0007' + '06' + hex(cid)), ext);
  const c = fromClient(p).slice(2).map((d) => parseRecords(d.data, 6).map((r) => `${r.type}@${r.epoch}${r.cid ? ':' + hex(r.cid) : ''}`).join(','));
  assert.deepEqual(c, [`22@0,20@0,25@1:${hex(cid)}`, `25@1:${hex(cid)}`]);
  const s = p.wire.filter((d) => d.to.port === CLIENT.port).slice(2).map((d) => parseRecords(d.data).map((r) => `${r.type}@${r.epoch}`).join(','));
  assert.deepEqual(s, ['20@0,22@1', '23@1']);
  assert.equal(p.server.get(CLIENT)!.cid, undefined, 'the client gave an empty CID: none in our records to it');
});

test('a tls12_cid record opens with node:crypto under RFC 9146 §5\'s additional data: DTLSInnerPlaintext = content ‖ real type', () => {
  const p = connected();
  const s = p.client.get(SERVER)!;
  const d = fromClient(p).pop()!.data;
  const r = parseRecords(d, 6)[0];
  const f = r.fragment;
  const len = f.length - 16;
  // seq_num_placeholder ‖ tls12_cid ‖ cid_length ‖ tls12_cid ‖ version ‖ epoch ‖ sequence_number ‖ cid ‖ length_of_DTLSInnerPlaintext
  const aad = Buffer.concat([Buffer.alloc(8, 0xff), Buffer.from([25, 6, 25, 0xfe, 0xfd]), Buffer.from(d.subarray(3, 11)), Buffer.from(r.cid!), Buffer.from([len >> 8, len & 255])]);
  const dec = createDecipheriv('aes-128-ccm', Buffer.from(s.keys!.subarray(0, 16)), Buffer.concat([Buffer.from(s.keys!.subarray(16, 20)), Buffer.from(f.subarray(0, 8))]), { authTagLength: 8 });
  dec.setAuthTag(Buffer.from(f.subarray(f.length - 8)));
  dec.setAAD(aad, { plaintextLength: len });
  const inner = Buffer.concat([dec.update(Buffer.from(f.subarray(8, f.length - 8))), dec.final()]);
  assert.equal(inner.toString('latin1'), 'hello\x17', 'the content, then its real type application_data (23)');
});

test('NAT rebinding: the client\'s next record comes from another address; the server finds the session by its CID, moves it there, no handshake', () => {
  const p = connected();
  const n = p.wire.length;
  p.clientAddr = NAT;
  p.client.send(text('after'), SERVER);
  p.run(p.now + 10000);
  assert.deepEqual(p.serverData, ['hello', 'after']);
  assert.deepEqual(p.clientData, ['hello', 'after'], 'the echo went to the new address');
  assert.deepEqual(p.wire.slice(n).map((d) => parseRecords(d.data, 6).map((r) => r.type).join(',')), ['25', '23'], 'one record each way, no handshake');
  assert.equal(p.server.get(CLIENT), null);
  assert.ok(p.server.get(NAT));
  assert.equal(p.serverEvents.length, 1, 'no new connection');
});

test('bad input: an unknown CID, a forged record and a replay from another address are dropped silently and never move the session', () => {
  const p = connected();
  const cid = p.client.get(SERVER)!.cid!;
  const last = fromClient(p).pop()!.data;
  const n = p.wire.length;
  // unknown CID: same record, another CID
  const other = new Uint8Array(last);
  other[11] ^= 0xff;
  p.server.input(other, NAT);
  // forged: right CID, a flipped ciphertext bit
  const forged = new Uint8Array(last);
  forged[forged.length - 3] ^= 1;
  p.server.input(forged, NAT);
  // replay: the very record again, from the new address (not newer than the last one seen)
  p.server.input(new Uint8Array(last), NAT);
  // truncated CID header, and a CID record at epoch 0
  p.server.input(last.subarray(0, 15), NAT);
  p.server.input(encodeRecord(25, 0, 9, new Uint8Array([...cid, 0, 1, 1])), NAT);
  p.run(p.now + 1000);
  assert.equal(p.wire.length, n, 'nothing answered');
  assert.deepEqual(p.serverData, ['hello'], 'nothing delivered');
  assert.ok(p.server.get(CLIENT), 'the session stays at its address');
  assert.equal(p.server.get(NAT), null);
  assert.deepEqual(p.serverEvents.map((e) => e.type), ['connected']);
});

test('a server that gives no CID (connectionId: false, or one that ignores the extension): plain records, as before', () => {
  const p = makePair({ serverEcho: true, strict: true });
  p.client.send(text('x'), SERVER);
  p.run(10000);
  assert.equal(p.client.get(SERVER)!.cid, undefined);
  assert.deepEqual(fromClient(p).slice(3).map((d) => parseRecords(d.data).map((r) => r.type).join(',')), ['23']);
});

test('resumption and CID together: the resumed ServerHello gives a new CID, and the rebinding works on the resumed session', () => {
  const p = connected();
  const ses = p.clientEvents[0].ses!;
  p.client.close(SERVER);
  p.run(p.now + 10);
  p.client.connect(SERVER, ses);
  p.client.send(text('resumed'), SERVER);
  p.run(p.now + 10000);
  assert.deepEqual(p.clientEvents.map((e) => [e.type, e.name]), [['connected', undefined], ['connected', 'resumed']]);
  assert.equal(p.client.get(SERVER)!.cid!.length, 6);
  p.clientAddr = NAT;
  p.client.send(text('moved'), SERVER);
  p.run(p.now + 10000);
  assert.deepEqual(p.clientData, ['hello', 'resumed', 'moved']);
});
