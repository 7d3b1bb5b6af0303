// Record layer: exact header bytes, several records per datagram, truncation and
// oversize, CCM-8 protection checked against node:crypto's aes-128-ccm, replay window edges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { concat } from '../../transport/bytes';
import { encodeRecord, newWindow, open, openFresh, parseRecords, replayCheck, replayMark, seal, seqNum } from '../../transport/dtls/record';
import { jsCrypto } from '../../transport/crypto/js-backend';
import { nodeCrypto } from '../../sim/node-crypto';

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/ /g, ''), 'hex'));
const toHex = (u: Uint8Array) => Buffer.from(u).toString('hex');

test('record header: type, {254,253}, epoch, 48-bit sequence_number, length', () => {
  const r = encodeRecord(23, 1, 0x0102030405, hex('aabb'));
  assert.equal(toHex(r), '17' + 'fefd' + '0001' + '000102030405' + '0002' + 'aabb');
  const seqMax = 2 ** 48 - 1;
  const p = parseRecords(encodeRecord(22, 65535, seqMax, new Uint8Array(0)));
  assert.equal(p.length, 1);
  assert.equal(p[0].epoch, 65535);
  assert.equal(p[0].seq, seqMax);
  assert.equal(p[0].fragment.length, 0);
});

test('several records in one datagram are all parsed, in order', () => {
  const d = Buffer.concat([encodeRecord(22, 0, 1, hex('01')), encodeRecord(20, 0, 2, hex('01')), encodeRecord(22, 1, 0, hex('0203'))]);
  const p = parseRecords(new Uint8Array(d));
  assert.deepEqual(p.map((r) => [r.type, r.epoch, r.seq, toHex(r.fragment)]), [[22, 0, 1, '01'], [20, 0, 2, '01'], [22, 1, 0, '0203']]);
});

test('a record whose length runs past the datagram is dropped, with what follows; the ones before survive', () => {
  const good = encodeRecord(22, 0, 1, hex('01'));
  const cut = encodeRecord(23, 1, 2, hex('0102030405')).subarray(0, 15);
  const p = parseRecords(new Uint8Array(Buffer.concat([good, cut])));
  assert.equal(p.length, 1);
  assert.equal(parseRecords(good.subarray(0, 12)).length, 0, 'shorter than a header');
});

test('oversized record (length > 2^14 + 2048) is skipped; a non-DTLS version is skipped', () => {
  const big = encodeRecord(23, 1, 1, new Uint8Array(16384 + 2049));
  const ok = encodeRecord(23, 1, 2, new Uint8Array(16384 + 2048));
  const p = parseRecords(new Uint8Array(Buffer.concat([big, ok])));
  assert.deepEqual(p.map((r) => r.seq), [2]);
  const tls = encodeRecord(23, 1, 3, hex('00'));
  tls[1] = 3;
  tls[2] = 3;
  assert.equal(parseRecords(tls).length, 0);
});

test('CCM-8 protection: nonce = IV ‖ epoch ‖ seq, AAD = seq_num ‖ type ‖ version ‖ length, as node:crypto computes it', () => {
  const key = hex('000102030405060708090a0b0c0d0e0f');
  // SessionKeys: the other direction's 20 bytes, then this one's key ‖ implicit IV (at 20)
  const k = concat([new Uint8Array(20).fill(0x55), key, hex('a0a1a2a3')]);
  const pt = new Uint8Array(Buffer.from('hello dtls'));
  for (const c of [jsCrypto, nodeCrypto]) {
    const f = seal(c, k, 20, 23, seqNum(1, 0x10203), pt);
    const explicit = '0001' + '000000010203';
    assert.equal(toHex(f.subarray(0, 8)), explicit);
    const ref = createCipheriv('aes-128-ccm', key, hex('a0a1a2a3' + explicit), { authTagLength: 8 });
    ref.setAAD(hex(explicit + '17' + 'fefd' + '000a'), { plaintextLength: pt.length });
    assert.equal(toHex(f.subarray(8)), Buffer.concat([ref.update(pt), ref.final(), ref.getAuthTag()]).toString('hex'));
    const [r] = parseRecords(encodeRecord(23, 1, 0x10203, f));
    assert.equal(toHex(open(c, k, 20, r)!), toHex(pt));
    assert.equal(open(c, k, 0, r), null, 'the other direction\'s keys do not open it');
  }
});

test('CCM-8 open refuses: every flipped bit of header or fragment, a fragment shorter than 16 bytes', () => {
  const k = concat([hex('000102030405060708090a0b0c0d0e0f'), hex('a0a1a2a3')]);
  const rec = encodeRecord(23, 1, 7, seal(nodeCrypto, k, 0, 23, seqNum(1, 7), hex('0102030405')));
  for (let bit = 0; bit < rec.length * 8; bit++) {
    if (bit >= 8 && bit < 24) continue; // version bytes: a changed major makes it no DTLS record at all (checked above)
    if (bit >= 88 && bit < 104) continue; // the length field: changes framing (truncation test covers it)
    const bad = new Uint8Array(rec);
    bad[bit >> 3] ^= 1 << (bit & 7);
    const rs = parseRecords(bad);
    for (const r of rs) assert.equal(open(nodeCrypto, k, 0, r), null, `bit ${bit}`);
  }
  const short = parseRecords(encodeRecord(23, 1, 7, new Uint8Array(15)));
  assert.equal(open(nodeCrypto, k, 0, short[0]), null);
});

test('replay window: new, duplicate, 63 behind (inside), 64 behind (outside), out of order, big jumps', () => {
  const w = newWindow();
  const accept = (s: number) => {
    if (!replayCheck(w, s)) return false;
    replayMark(w, s);
    return true;
  };
  assert.equal(accept(0), true);
  assert.equal(accept(0), false, 'duplicate of the first');
  assert.equal(accept(100), true);
  assert.equal(accept(37), true, '63 behind top is inside the window');
  assert.equal(accept(37), false, 'and now a duplicate');
  assert.equal(accept(36), false, '64 behind top is outside');
  assert.equal(accept(99), true);
  assert.equal(accept(68), true, 'bit 32 (hi word)');
  assert.equal(accept(69), true, 'bit 31 (lo word)');
  assert.equal(accept(68), false);
  assert.equal(accept(69), false);
  assert.equal(accept(132), true, 'shift by 32 moves lo into hi');
  assert.equal(accept(69), false, '63 behind: seen before, remembered at bit 63');
  assert.equal(accept(70), true, '62 behind, never seen');
  assert.equal(accept(100), false, 'seen, now in the hi word');
  assert.equal(accept(99), false);
  assert.equal(accept(2 ** 48 - 1), true, 'jump past the whole window');
  assert.equal(accept(132), false, 'far behind');
  assert.equal(accept(2 ** 48 - 1), false);
  assert.equal(accept(2 ** 48 - 64), true);
  assert.equal(accept(2 ** 48 - 65), false);
});

test('replay window: check does not mark (a record that fails its MAC does not move the window)', () => {
  const w = newWindow();
  replayMark(w, 5);
  assert.equal(replayCheck(w, 1000), true);
  assert.equal(replayCheck(w, 6), true);
  assert.equal(replayCheck(w, 5), false);
  replayMark(w, 6);
  assert.equal(replayCheck(w, 5), false);
  assert.equal(replayCheck(w, 4), true);
});

test('openFresh: the plaintext of a record the window has not seen, read with the keys at KeyAt.READ, and marked seen; null for a replay or a bad tag, the window then unmoved', () => {
  const rk = concat([hex('000102030405060708090a0b0c0d0e0f'), hex('a0a1a2a3')]);
  const s = { ...newWindow(), keys: concat([new Uint8Array(20), rk]) };
  const [r] = parseRecords(encodeRecord(23, 1, 7, seal(nodeCrypto, rk, 0, 23, seqNum(1, 7), hex('0102'))));
  assert.equal(toHex(openFresh(nodeCrypto, s, r)!), '0102');
  assert.equal(s.top, 7, 'an authentic record is marked');
  assert.equal(openFresh(nodeCrypto, s, r), null, 'a replay');
  const [bad] = parseRecords(encodeRecord(23, 1, 9, seal(nodeCrypto, new Uint8Array(20), 0, 23, seqNum(1, 9), hex('0102'))));
  assert.equal(openFresh(nodeCrypto, s, bad), null, 'another key');
  assert.equal(s.top, 7, 'a record that fails its MAC does not move the window');
});
