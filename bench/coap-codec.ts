// npm run bench:coap — our CoAP codec against npm's coap-packet (node-coap's codec) on the
// same LwM2M-shaped messages in one run: messages/s for encode, decode and both, and the
// ratio. Each codec starts from its own native form (our CoapMessage with Uint8Array
// values; coap-packet's Packet with Buffers and option names), and both decode the same
// bytes. Rounds alternate between the codecs; the best round of each is reported.
// Not a test: numbers depend on the machine. `BENCH_MS` sets the time per round (default 300).
import * as coapPacket from 'coap-packet';
import { CODE, OPT, TYPE, FORMAT, encode, decode, message, uintBytes, blockBytes, type CoapMessage } from '../transport/coap/index';
import { utf8Encode } from '../transport/bytes';

const ROUND_MS = Number(process.env.BENCH_MS || 300);
const ROUNDS = 5;

const u = (s: string) => utf8Encode(s);
const tok = (n: number) => new Uint8Array(n).map((_, i) => 0xa0 + i);
const fill = (n: number) => new Uint8Array(n).map((_, i) => (i * 31) & 255);

// LwM2M traffic: Register, Update, a Read and its TLV answer, an Observe registration and a
// notification, a Block2 firmware block, an empty ACK.
const ours: CoapMessage[] = [
  message(TYPE.CON, CODE.POST, 0x1001, tok(4), [
    { num: OPT.URI_PATH, value: u('rd') },
    { num: OPT.CONTENT_FORMAT, value: uintBytes(FORMAT.LINK) },
    { num: OPT.URI_QUERY, value: u('ep=urn:dev:os:esp32-0001') },
    { num: OPT.URI_QUERY, value: u('lt=300') },
    { num: OPT.URI_QUERY, value: u('lwm2m=1.1') },
    { num: OPT.URI_QUERY, value: u('b=U') },
  ], u('</>;rt="oma.lwm2m";ct=11542,</1/0>,</3/0>,</4/0>,</5/0>,</6/0>,</7/0>,</3303/0>,</3338/0>')),
  message(TYPE.CON, CODE.POST, 0x1002, tok(4), [{ num: OPT.URI_PATH, value: u('rd') }, { num: OPT.URI_PATH, value: u('5a3f') }]),
  message(TYPE.CON, CODE.GET, 0x1003, tok(8), [
    { num: OPT.URI_PATH, value: u('3') }, { num: OPT.URI_PATH, value: u('0') }, { num: OPT.ACCEPT, value: uintBytes(FORMAT.LWM2M_TLV) },
  ]),
  message(TYPE.ACK, CODE.CONTENT, 0x1003, tok(8), [{ num: OPT.CONTENT_FORMAT, value: uintBytes(FORMAT.LWM2M_TLV) }], fill(120)),
  message(TYPE.CON, CODE.GET, 0x1004, tok(2), [
    { num: OPT.OBSERVE, value: uintBytes(0) }, { num: OPT.URI_PATH, value: u('3303') }, { num: OPT.URI_PATH, value: u('0') }, { num: OPT.URI_PATH, value: u('5700') },
  ]),
  message(TYPE.NON, CODE.CONTENT, 0x1005, tok(2), [{ num: OPT.OBSERVE, value: uintBytes(0x1234) }, { num: OPT.CONTENT_FORMAT, value: uintBytes(FORMAT.TEXT) }], u('23.5')),
  message(TYPE.ACK, CODE.CONTENT, 0x1006, tok(4), [
    { num: OPT.CONTENT_FORMAT, value: uintBytes(FORMAT.OCTET) }, { num: OPT.BLOCK2, value: blockBytes(17, true, 6) }, { num: OPT.SIZE2, value: uintBytes(262144) },
  ], fill(1024)),
  message(TYPE.ACK, CODE.EMPTY, 0x1007),
];

const NAMES: Record<number, string> = { 6: 'Observe', 11: 'Uri-Path', 12: 'Content-Format', 15: 'Uri-Query', 17: 'Accept', 23: 'Block2', 28: 'Size2' };
const TYPES = ['confirmable', 'non', 'ack', 'reset'];
const codeStr = (c: number) => `${c >> 5}.${String(c & 31).padStart(2, '0')}`;
const theirs: coapPacket.Packet[] = ours.map((m) => ({
  messageId: m.mid,
  token: Buffer.from(m.token),
  code: codeStr(m.code),
  confirmable: m.type === TYPE.CON,
  ack: m.type === TYPE.ACK,
  reset: m.type === TYPE.RST,
  options: m.options.map((o) => ({ name: NAMES[o.num] as coapPacket.OptionName, value: Buffer.from(o.value) })),
  payload: Buffer.from(m.payload),
}));
void TYPES;

const wire = ours.map((m) => encode(m));
const wireBuf = wire.map((b) => Buffer.from(b));
// the two encoders agree byte for byte on every message (else the comparison means nothing)
for (let i = 0; i < ours.length; i++) {
  const a = Buffer.from(encode(ours[i])).toString('hex');
  const b = coapPacket.generate(theirs[i]).toString('hex');
  if (a !== b) throw new Error(`message ${i}: ours ${a} ≠ coap-packet ${b}`);
}

let sink = 0;
function rate(fn: () => void): number {
  const n0 = ours.length;
  let msgs = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ROUND_MS) {
    for (let k = 0; k < 50; k++) fn();
    msgs += 50 * n0;
    t = performance.now();
  }
  return msgs / ((t - t0) / 1000);
}

const cases: Record<string, [() => void, () => void]> = {
  encode: [
    () => { for (let i = 0; i < ours.length; i++) sink += encode(ours[i]).length; },
    () => { for (let i = 0; i < theirs.length; i++) sink += coapPacket.generate(theirs[i]).length; },
  ],
  decode: [
    () => { for (let i = 0; i < wire.length; i++) sink += (decode(wire[i]) as CoapMessage).options.length; },
    () => { for (let i = 0; i < wireBuf.length; i++) sink += coapPacket.parse(wireBuf[i]).options.length; },
  ],
  'encode+decode': [
    () => { for (let i = 0; i < ours.length; i++) sink += (decode(encode(ours[i])) as CoapMessage).options.length; },
    () => { for (let i = 0; i < theirs.length; i++) sink += coapPacket.parse(coapPacket.generate(theirs[i])).options.length; },
  ],
};

console.log(`CoAP codec benchmark: ${ours.length} LwM2M-shaped messages (${wire.reduce((a, b) => a + b.length, 0)} bytes), ${ROUNDS} alternating rounds of ${ROUND_MS} ms, best round, Node ${process.version}`);
console.log('| operation | ours (msg/s) | coap-packet (msg/s) | ratio |');
console.log('|---|---:|---:|---:|');
for (const [name, [a, b]] of Object.entries(cases)) {
  let bestA = 0;
  let bestB = 0;
  for (let r = 0; r < ROUNDS; r++) {
    bestA = Math.max(bestA, rate(a));
    bestB = Math.max(bestB, rate(b));
  }
  console.log(`| ${name} | ${Math.round(bestA).toLocaleString('en')} | ${Math.round(bestB).toLocaleString('en')} | ${(bestA / bestB).toFixed(2)}× |`);
}
if (sink === 42) console.log('');
