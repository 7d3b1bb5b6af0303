// CoAP codec: exact bytes, each case named after the boundary it tests (RFC 7252 §3, §3.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as coapPacket from 'coap-packet';
import {
  CODE, OPT, TYPE, FORMAT, params, engineParams, szxOf,
  encode, decode, message, DECODE_DROP, DECODE_REJECT, uintBytes, readUintValue,
  getOption, getOptions, getUint, addOption, setOption, setUint, getUriPath, getPathString, getUriQuery,
  setUriPath, addUriQuery, getLocationPath, isCritical, blockBytes, readBlock, blockSize,
  type CoapMessage, type EngineParams, type Params,
} from '../../transport/coap/index';
import { fromHex, toHex, utf8Encode } from '../../transport/bytes';

const hex = (s: string) => fromHex(s.replace(/\s+/g, ''))!;
const ascii = (s: string) => toHex(utf8Encode(s));
function dec(h: string): CoapMessage {
  const m = decode(hex(h));
  assert.equal(typeof m, 'object', `decode(${h}) gave ${m}`);
  return m as CoapMessage;
}
const opt = (num: number, value: Uint8Array | string) => ({ num, value: typeof value === 'string' ? utf8Encode(value) : value });

// ---- RFC 7252 Appendix A examples ----

test('RFC 7252 Figure 16: CON GET /temperature, MID 0x7d34, no token', () => {
  const m = message(TYPE.CON, CODE.GET, 0x7d34);
  setUriPath(m, '/temperature');
  const wire = '40 01 7d 34 bb' + ascii('temperature');
  assert.equal(toHex(encode(m)), wire.replace(/\s+/g, ''));
  const d = dec(wire);
  assert.equal(d.type, TYPE.CON);
  assert.equal(d.code, CODE.GET);
  assert.equal(d.mid, 0x7d34);
  assert.equal(d.token.length, 0);
  assert.deepEqual(getUriPath(d), ['temperature']);
});

test('RFC 7252 Figure 16: piggybacked ACK 2.05 "22.3 C"', () => {
  const m = message(TYPE.ACK, CODE.CONTENT, 0x7d34, undefined, undefined, utf8Encode('22.3 C'));
  const wire = '60 45 7d 34 ff' + ascii('22.3 C');
  assert.equal(toHex(encode(m)), wire.replace(/\s+/g, ''));
  const d = dec(wire);
  assert.equal(d.type, TYPE.ACK);
  assert.equal(d.code, 69);
  assert.equal(toHex(d.payload), ascii('22.3 C'));
});

test('RFC 7252 Figure 17: token 0x20, ACK 2.05 with token', () => {
  const m = message(TYPE.ACK, CODE.CONTENT, 0x7d34, hex('20'), undefined, utf8Encode('22.3 C'));
  assert.equal(toHex(encode(m)), '61457d3420ff' + ascii('22.3 C'));
});

test('Empty message: ACK 0.00 is exactly the 4-byte header', () => {
  assert.equal(toHex(encode(message(TYPE.ACK, CODE.EMPTY, 0x1234))), '60001234');
  const d = dec('60001234');
  assert.equal(d.code, 0);
  assert.equal(d.options.length, 0);
});

test('Empty message with a token or bytes after the header is a format error (reject)', () => {
  assert.equal(decode(hex('61001234aa')), DECODE_REJECT);
  assert.equal(decode(hex('60001234ff01')), DECODE_REJECT);
});

// ---- token length ----

test('token length 0 (empty token)', () => {
  const d = dec('50020001');
  assert.equal(d.type, TYPE.NON);
  assert.equal(d.token.length, 0);
  assert.equal(toHex(encode(d)), '50020001');
});

test('token length 8 (longest allowed)', () => {
  const w = '4801abcd0102030405060708';
  const d = dec(w);
  assert.equal(toHex(d.token), '0102030405060708');
  assert.equal(toHex(encode(d)), w);
});

test('token length 9..15 is dropped', () => {
  for (let tkl = 9; tkl <= 15; tkl++) {
    const b = new Uint8Array(4 + tkl);
    b[0] = 0x40 | tkl;
    b[1] = 1;
    assert.equal(decode(b), DECODE_DROP, `TKL ${tkl}`);
  }
});

test('token longer than 8 bytes refused by encode', () => {
  assert.throws(() => encode(message(TYPE.CON, CODE.GET, 1, new Uint8Array(9))));
});

test('token truncated (TKL 4, 3 bytes present) is dropped', () => {
  assert.equal(decode(hex('44010001aabbcc')), DECODE_DROP);
});

// ---- header ----

test('datagram shorter than the 4-byte header is dropped', () => {
  assert.equal(decode(hex('')), DECODE_DROP);
  assert.equal(decode(hex('400100')), DECODE_DROP);
});

test('version 0, 2 and 3 are dropped', () => {
  assert.equal(decode(hex('00010001')), DECODE_DROP);
  assert.equal(decode(hex('80010001')), DECODE_DROP);
  assert.equal(decode(hex('c0010001')), DECODE_DROP);
});

test('reserved code classes 1, 3, 6 and 7 are rejected; 0, 2, 4, 5 decode', () => {
  assert.equal(decode(hex('40200001')), DECODE_REJECT); // 1.00
  assert.equal(decode(hex('40600001')), DECODE_REJECT); // 3.00
  assert.equal(decode(hex('40c00001')), DECODE_REJECT); // 6.00
  assert.equal(decode(hex('40ff0001')), DECODE_REJECT); // 7.31
  assert.equal(dec('40440001').code, CODE.CHANGED);
  assert.equal(dec('40840001').code, CODE.NOT_FOUND);
  assert.equal(dec('40a00001').code, CODE.INTERNAL_SERVER_ERROR);
});

test('message ID 0xffff and type RST round-trip', () => {
  const d = dec('7000ffff');
  assert.equal(d.type, TYPE.RST);
  assert.equal(d.mid, 0xffff);
});

// ---- option delta boundaries (RFC 7252 §3.1) ----

function oneOption(num: number, len: number): string {
  const m = message(TYPE.CON, CODE.GET, 1, undefined, [opt(num, new Uint8Array(len).fill(0x61))]);
  return toHex(encode(m));
}

test('option delta 12: last one-nibble delta', () => {
  assert.equal(oneOption(12, 0), '40010001c0');
  assert.equal(dec('40010001c0').options[0].num, 12);
});

test('option delta 13: nibble 13, extended byte 0x00', () => {
  assert.equal(oneOption(13, 0), '40010001d000');
  assert.equal(dec('40010001d000').options[0].num, 13);
});

test('option delta 14: nibble 13, extended byte 0x01', () => {
  assert.equal(oneOption(14, 0), '40010001d001');
});

test('option delta 268: nibble 13, extended byte 0xff', () => {
  assert.equal(oneOption(268, 0), '40010001d0ff');
  assert.equal(dec('40010001d0ff').options[0].num, 268);
});

test('option delta 269: nibble 14, extended 0x0000', () => {
  assert.equal(oneOption(269, 0), '40010001e00000');
  assert.equal(dec('40010001e00000').options[0].num, 269);
});

test('option delta 65535: nibble 14, extended 0xfef2 (largest option number)', () => {
  assert.equal(oneOption(65535, 0), '40010001e0fef2');
  assert.equal(dec('40010001e0fef2').options[0].num, 65535);
});

test('option number beyond 65535 is rejected', () => {
  // 65535 then delta 1
  assert.equal(decode(hex('40010001e0fef210')), DECODE_REJECT);
});

test('option delta nibble 15 without 0xff is rejected', () => {
  assert.equal(decode(hex('40010001f1aa')), DECODE_REJECT);
});

test('second option delta is relative to the first (11 then 15: delta 4)', () => {
  const m = message(TYPE.CON, CODE.GET, 1);
  setUriPath(m, '/a');
  addUriQuery(m, 'b');
  assert.equal(toHex(encode(m)), '40010001b16141' + '62');
});

// ---- option length boundaries ----

test('option length 12: last one-nibble length', () => {
  const w = oneOption(4, 12);
  assert.equal(w.slice(0, 10), '400100014c');
  assert.equal(dec(w).options[0].value.length, 12);
});

test('option length 13: nibble 13, extended byte 0x00', () => {
  const w = oneOption(4, 13);
  assert.equal(w.slice(0, 12), '400100014d00');
  assert.equal(w.length, (6 + 13) * 2);
  assert.equal(dec(w).options[0].value.length, 13);
});

test('option length 268: nibble 13, extended byte 0xff', () => {
  const w = oneOption(8, 268);
  assert.equal(w.slice(0, 12), '400100018dff');
  assert.equal(w.length, (6 + 268) * 2);
  assert.equal(dec(w).options[0].value.length, 268);
});

test('option length 269: nibble 14, extended 0x0000', () => {
  const w = oneOption(8, 269);
  assert.equal(w.slice(0, 14), '400100018e0000');
  assert.equal(w.length, (7 + 269) * 2);
  assert.equal(dec(w).options[0].value.length, 269);
});

test('option length 65804: nibble 14, extended 0xffff (longest)', () => {
  const w = oneOption(8, 65804);
  assert.equal(w.slice(0, 14), '400100018effff');
  assert.equal(dec(w).options[0].value.length, 65804);
  assert.throws(() => oneOption(8, 65805));
});

test('option delta 269 and length 269 together: both 2-byte extensions', () => {
  const w = oneOption(269, 269);
  assert.equal(w.slice(0, 18), '40010001ee00000000');
});

test('option length nibble 15 is rejected', () => {
  assert.equal(decode(hex('400100014f')), DECODE_REJECT);
});

test('truncated extended delta (nibble 13, no byte) is dropped', () => {
  assert.equal(decode(hex('40010001d0')), DECODE_DROP);
});

test('truncated 2-byte extended delta (nibble 14, one byte) is dropped', () => {
  assert.equal(decode(hex('40010001e000')), DECODE_DROP);
});

test('truncated extended length is dropped', () => {
  assert.equal(decode(hex('400100014d')), DECODE_DROP);
  assert.equal(decode(hex('400100014e01')), DECODE_DROP);
});

test('option value running past the end is dropped', () => {
  assert.equal(typeof decode(hex('40010001b3616263')), 'object'); // exactly fits
  assert.equal(decode(hex('40010001b46162')), DECODE_DROP);
});

// ---- payload marker ----

test('payload marker followed by zero-length payload is rejected', () => {
  assert.equal(decode(hex('40010001ff')), DECODE_REJECT);
  assert.equal(decode(hex('40010001b161ff')), DECODE_REJECT);
});

test('payload of one byte after options', () => {
  const d = dec('40020001b161ff7a');
  assert.equal(toHex(d.payload), '7a');
  assert.deepEqual(getUriPath(d), ['a']);
});

test('no payload: encode writes no marker', () => {
  assert.equal(toHex(encode(message(TYPE.NON, CODE.GET, 2))), '50010002');
});

// ---- options: order, repeats, helpers ----

test('encode sorts options stably by number; repeated options keep their order', () => {
  const m = message(TYPE.CON, CODE.POST, 0x0102, hex('aa'), [opt(15, 'x=1'), opt(11, 'rd'), opt(12, uintBytes(40)), opt(15, 'y=2')]);
  assert.equal(toHex(encode(m)), '41020102aa' + 'b2' + ascii('rd') + '1128' + '33' + ascii('x=1') + '03' + ascii('y=2'));
  const d = dec(toHex(encode(m)));
  assert.deepEqual(getUriQuery(d), ['x=1', 'y=2']);
  assert.equal(getUint(d, OPT.CONTENT_FORMAT, -1), FORMAT.LINK);
});

test('uint option values: 0 is empty, minimal length, up to 4 bytes', () => {
  assert.equal(toHex(uintBytes(0)), '');
  assert.equal(toHex(uintBytes(255)), 'ff');
  assert.equal(toHex(uintBytes(256)), '0100');
  assert.equal(toHex(uintBytes(65535)), 'ffff');
  assert.equal(toHex(uintBytes(65536)), '010000');
  assert.equal(toHex(uintBytes(0xffffff)), 'ffffff');
  assert.equal(toHex(uintBytes(0x1000000)), '01000000');
  assert.equal(toHex(uintBytes(0xffffffff)), 'ffffffff');
  assert.equal(readUintValue(hex('')), 0);
  assert.equal(readUintValue(hex('0001')), 1); // leading zero tolerated
  assert.equal(readUintValue(hex('ffffffff')), 0xffffffff);
});

test('LwM2M content formats encode as 2-byte uints', () => {
  const m = message(TYPE.ACK, CODE.CONTENT, 1);
  setUint(m, OPT.CONTENT_FORMAT, FORMAT.LWM2M_TLV);
  assert.equal(toHex(encode(m)), '60450001c22d16');
  setUint(m, OPT.CONTENT_FORMAT, FORMAT.SENML_CBOR);
  assert.equal(toHex(encode(m)), '60450001c170');
  setUint(m, OPT.CONTENT_FORMAT, FORMAT.TEXT);
  assert.equal(toHex(encode(m)), '60450001c0');
});

test('option helpers: get/getAll/set/add, paths and location', () => {
  const m = message(TYPE.ACK, CODE.CREATED, 7);
  addOption(m, OPT.LOCATION_PATH, utf8Encode('rd'));
  addOption(m, OPT.LOCATION_PATH, utf8Encode('5a3f'));
  assert.deepEqual(getLocationPath(m), ['rd', '5a3f']);
  assert.equal(getOptions(m, OPT.LOCATION_PATH).length, 2);
  assert.equal(getOption(m, OPT.ETAG), null);
  setOption(m, OPT.LOCATION_PATH, null);
  assert.equal(m.options.length, 0);
  setUriPath(m, '3/0/1');
  assert.deepEqual(getUriPath(m), ['3', '0', '1']);
  assert.equal(getPathString(m), '/3/0/1');
  setUriPath(m, '/');
  assert.equal(getPathString(m), '/');
  assert.equal(getUint(m, OPT.OBSERVE, -1), -1);
});

test('Uri-Path that is not UTF-8 reads as null', () => {
  const m = dec('40010001b1c0');
  assert.equal(getUriPath(m), null);
});

test('critical options are the odd numbers', () => {
  assert.equal(isCritical(OPT.URI_PATH), true);
  assert.equal(isCritical(OPT.IF_MATCH), true);
  assert.equal(isCritical(OPT.BLOCK2), true);
  assert.equal(isCritical(OPT.CONTENT_FORMAT), false);
  assert.equal(isCritical(OPT.SIZE1), false);
});

// ---- block option values (RFC 7959 §2.2) ----

test('block value NUM 0, M 0, SZX 6 is one byte 0x06', () => {
  assert.equal(toHex(blockBytes(0, false, 6)), '06');
  assert.equal(toHex(blockBytes(0, false, 0)), '');
});

test('block value NUM 15 (last 1-byte NUM), NUM 16 (first 2-byte), NUM 4096 (first 3-byte)', () => {
  assert.equal(toHex(blockBytes(15, true, 6)), 'fe');
  assert.equal(toHex(blockBytes(16, true, 6)), '010e');
  assert.equal(toHex(blockBytes(4095, false, 2)), 'fff2');
  assert.equal(toHex(blockBytes(4096, false, 2)), '010002');
  assert.deepEqual(readBlock(hex('010e')), { num: 16, more: true, szx: 6 });
  assert.deepEqual(readBlock(hex('')), { num: 0, more: false, szx: 0 });
});

test('block value SZX 7 and 4-byte values are refused', () => {
  assert.equal(readBlock(hex('07')), null);
  assert.equal(readBlock(hex('00000006')), null);
});

test('block sizes: SZX 0 → 16 bytes, SZX 6 → 1024', () => {
  assert.equal(blockSize(0), 16);
  assert.equal(blockSize(6), 1024);
  assert.equal(szxOf(16), 0);
  assert.equal(szxOf(1024), 6);
  assert.equal(szxOf(2048), -1);
  assert.equal(szxOf(100), -1);
});

// ---- transmission parameters (RFC 7252 §4.8.2) ----

test('derived transmission parameters from the RFC defaults', () => {
  const p = params();
  assert.equal(p.ACK_TIMEOUT, 2000);
  assert.equal(p.MAX_TRANSMIT_SPAN, 45000);
  assert.equal(p.MAX_TRANSMIT_WAIT, 93000);
  assert.equal(p.MAX_RTT, 202000);
  assert.equal(p.EXCHANGE_LIFETIME, 247000);
  assert.equal(p.NON_LIFETIME, 145000);
  assert.equal(p.PROCESSING_DELAY, 2000);
});

test('derived parameters follow overridden base values; derived values overridable', () => {
  const p = params({ ACK_TIMEOUT: 1000, MAX_RETRANSMIT: 2 });
  assert.equal(p.MAX_TRANSMIT_SPAN, 1000 * 3 * 1.5);
  assert.equal(p.MAX_TRANSMIT_WAIT, 1000 * 7 * 1.5);
  assert.equal(p.PROCESSING_DELAY, 1000);
  assert.equal(p.EXCHANGE_LIFETIME, 4500 + 200000 + 1000);
  assert.equal(params({ EXCHANGE_LIFETIME: 5 }).EXCHANGE_LIFETIME, 5);
});

test('engineParams: each value the engine reads is the RFC-named one, overrides included; one object per argument', () => {
  const names: [keyof EngineParams, keyof Params][] = [
    ['ackTimeout', 'ACK_TIMEOUT'], ['ackRandomFactor', 'ACK_RANDOM_FACTOR'], ['maxRetransmit', 'MAX_RETRANSMIT'],
    ['nstart', 'NSTART'], ['maxTransmitWait', 'MAX_TRANSMIT_WAIT'], ['exchangeLifetime', 'EXCHANGE_LIFETIME'],
    ['nonLifetime', 'NON_LIFETIME'], ['separateAckDelay', 'SEPARATE_ACK_DELAY'],
    ['separateResponseTimeout', 'SEPARATE_RESPONSE_TIMEOUT'], ['nonResponseTimeout', 'NON_RESPONSE_TIMEOUT'],
    ['observeConInterval', 'OBSERVE_CON_INTERVAL'], ['tokenLength', 'TOKEN_LENGTH'], ['blockSize', 'BLOCK_SIZE'],
    ['maxBody', 'MAX_BODY'], ['maxDedup', 'MAX_DEDUP'], ['maxObservations', 'MAX_OBSERVATIONS'],
    ['maxBlockCache', 'MAX_BLOCK_CACHE'], ['maxPendingRequests', 'MAX_PENDING_REQUESTS'],
  ];
  const defaults = engineParams();
  assert.deepEqual(Object.keys(defaults).sort(), names.map(([e]) => e).sort());
  for (const [e, r] of names) assert.equal(defaults[e], params()[r], e);
  names.forEach(([e, r], i) => assert.equal(engineParams({ [r]: 7 + i })[e], 7 + i, `${r} overridden`));
  const o = { ACK_TIMEOUT: 1000 };
  assert.equal(engineParams(o), engineParams(o));
  assert.equal(engineParams(o).exchangeLifetime, params(o).EXCHANGE_LIFETIME);
});

// ---- cross-check with an independent codec (node-coap's coap-packet) ----

test('coap-packet parses what we encode, and we decode what it generates', () => {
  const m = message(TYPE.CON, CODE.PUT, 0xbeef, hex('01020304'), [opt(11, '3'), opt(11, '0'), opt(12, uintBytes(11542)), opt(23, blockBytes(2, true, 4))], hex('c80500'));
  const theirs = coapPacket.parse(Buffer.from(encode(m)));
  assert.equal(theirs.messageId, 0xbeef);
  assert.equal(theirs.code, '0.03');
  assert.equal(theirs.confirmable, true);
  assert.equal(theirs.options.length, 4);
  assert.equal(toHex(theirs.payload), 'c80500');
  const gen = coapPacket.generate({ messageId: 0x42, token: Buffer.from('abcd', 'hex'), code: '2.05', ack: true, options: [{ name: 'Content-Format', value: Buffer.from([0x2d, 0x16]) }], payload: Buffer.from('hi') });
  const ours = dec(gen.toString('hex'));
  assert.equal(ours.type, TYPE.ACK);
  assert.equal(ours.code, CODE.CONTENT);
  assert.equal(ours.mid, 0x42);
  assert.equal(getUint(ours, OPT.CONTENT_FORMAT, -1), 11542);
  assert.equal(toHex(encode(ours)), gen.toString('hex'));
});
