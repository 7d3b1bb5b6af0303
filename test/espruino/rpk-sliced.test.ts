// The sliced DTLS-RPK handshakes on Espruino itself (issue 16 item 2): dist/firmware-rpk.js
// (P-256) and dist/firmware-rpk-ed25519.js (Ed25519 + X25519) loaded from Storage, the client
// driven as the board drives it — a datagram arrives in a timer callback (receive, then the
// scheduler's kick), and the scheduler polls the client again from setTimeout(0) while its
// public-key work remains — against our DTLS server in Node, recorded
// (test/helpers/rpk-record.ts: the client's Rng is a fixed stream, so its datagrams are known
// and each must equal the recorded one).
//
// How "the longest run between yields" is measured: every callback that runs client code
// (a datagram's delivery, each scheduler poll) is timed inside Espruino with getTime() on
// this machine; the longest is compared with the sum of all of them (the whole handshake's
// run time). Counting instructions per callback needs valgrind (minutes: a benchmark's job,
// not CI's), so the test converts with the handshake's known total: P-256, 35.2 G x86
// instructions for the four operations (`npm run bench:board -- --only p256-ops`, 2026-12-07 at
// fe14047: public key 4.27 G, sign 6.29 G, ECDH 10.61 G, verify 14.07 G); Ed25519, the work units the jobs count (c25519LastCost after each callback, one unit
// = 6.4 M x86 instructions, callgrind: transport/crypto/c25519.ts), and prints modelled ESP32
// seconds (× 1.61 / 240 MHz). It asserts structure only, with room for a loaded machine: at
// least as many yields as public-key steps the client took in Node, and no callback above 2 %
// of the whole (an unsliced operation is 15–35 %; a step is ~0.05–0.15 %); for Ed25519 also
// the units of every step, counted in Espruino, within C25519_STEP + its largest piece
// (deterministic: no clock). And the device answers while the handshake runs: a
// setTimeout(100) scheduled when the server's flight arrives prints before the handshake ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runEspruino } from '../helpers/espruino';
import { ESPRUINO_BIN, espruinoSkip } from '../board/espruino-proc';
import { storeFileCode } from '../../tools/espruino/bin.mjs';
import { recordRpkHandshake, RNG_SRC } from '../helpers/rpk-record';
import { C25519_STEP } from '../../transport/crypto/c25519';

const BIN = ESPRUINO_BIN;
const skip = espruinoSkip();
/** Modelled ESP32 seconds per x86 instruction, central (ESPRUINO.md). */
const ESP32_S_PER_INSN = 1.61 / 240e6;
/** x86 instructions of one c25519 work unit, callgrind on the stand-in: `--only ed25519-ops` counted 19.38 G for the four operations at cf8e3b7, a handshake's four count ~3,200 units. */
const C25519_UNIT = 6.0e6;
/** The largest piece of c25519 work between two budget checks, in units (test/crypto/c25519.test.ts). */
const C25519_PIECE = 4.2;

const CURVES = [
  { name: 'P-256', ed: false, bundle: 'firmware-rpk.js', minSteps: 100, timeoutS: 240, insns: 35.2e9 },
  { name: 'Ed25519', ed: true, bundle: 'firmware-rpk-ed25519.js', minSteps: 300, timeoutS: 900, insns: 0 },
];

for (const C of CURVES) {
  test(`the DTLS-RPK ${C.name} handshake on Espruino runs in steps: many yields, no long run, and a timer set mid-handshake fires before it ends`, { skip, timeout: (C.timeoutS + 60) * 1000 }, () => {
    const BUNDLE = join(import.meta.dirname, '../../dist', C.bundle);
    const rec = recordRpkHandshake(BUNDLE, C.ed);
    assert.ok(rec.steps >= C.minSteps, `the client took ${rec.steps} public-key steps in Node`);
    const code = `${storeFileCode('lwm2m.js', BUNDLE)}
eval(require('Storage').read('lwm2m.js'));
(function () {
${RNG_SRC}
var R = ${JSON.stringify(rec.rounds)};
var K = ${JSON.stringify(rec.creds)};
var creds = { key: LwM2M.fromHex(K.key), spki: LwM2M.fromHex(K.spki), serverSpki: LwM2M.fromHex(K.pin) };
var peer = { address: '10.0.0.1', port: 5684 };
var round = 0, sentN = 0, bad = 0, ev = [], ns = 0, inner = false, mark = -1, units = 0, umax = 0;
var T = new Float32Array(8000);
var cost = LwM2M.rpk.c25519LastCost;
function ms() { return getTime() * 1000; }
var sch = new LwM2M.espruino.Scheduler({ now: function () { return Math.floor(ms()); } }, { setTimeout: setTimeout, clearTimeout: clearTimeout });
function timed(f) { var a = getTime(); inner = true; f(); inner = false; if (ns < T.length) T[ns] = getTime() - a; ns++; }
function deliver(ans) {
  // the server's flight, a datagram per callback as the UDP port delivers it
  // decoded here, outside the timed callback: on the board a datagram arrives as bytes (E.toUint8Array, native),
  // and fromHex's JS loop costs ~0.32 M x86 instructions a byte (1 s of board time for the 472-byte flight)
  ans.forEach(function (h) { var d = LwM2M.fromHex(h); setTimeout(function () { timed(function () { client.receive(d, peer); sch.kick(); }); }, 0); });
  if (round === 2) setTimeout(function () { mark = ns; console.log('MARK after ' + ns + ' callbacks'); }, 100);
}
function finish() {
  var max = 0, at = 0, sum = 0, s = '';
  out.forEach(function (o) { var r = R[o[0]]; if (!r || r.client[o[1]] !== LwM2M.toHex(o[2])) bad++; });
  for (var i = 0; i < ns && i < T.length; i++) { sum += T[i]; if (T[i] > max) { max = T[i]; at = i; } }
  console.log('RESULT ' + ev.join(',') + ' flights ' + (bad ? bad + ' DIFFER' : 'identical to Node') + ' callbacks ' + ns + ' mark ' + mark + ' sum ' + sum.toFixed(3) + ' max ' + max.toFixed(4) + ' at ' + at + ' units ' + units.toFixed(1) + ' umax ' + umax.toFixed(2));
  for (i = 0; i < ns && i < T.length; i++) { s += (T[i] * 1000).toFixed(1) + ','; if (s.length > 400) { console.log('T ' + s); s = ''; } }
  console.log('T ' + s);
  console.log('END');
  quit();
}
// the client's datagrams are kept and compared with Node's in finish(): converting one to hex in
// send() is a JS loop (~0.2 M x86 instructions a byte, the final flight's ~64 M), which the board's
// send (E.toString, native) does not do, and it made the final flight's callback look the longest
var out = [];
var client = LwM2M.dtls.createDtlsClient({ socket: { send: function (d) {
    var r = R[round];
    out.push([round, sentN, new Uint8Array(d)]);
    if (r && ++sentN === r.client.length) { round++; sentN = 0; deliver(r.server); }
  } },
  crypto: LwM2M.crypto.espruinoCrypto(require('crypto')), rng: rng, psk: function () { return null; }, rpk: function () { return creds; },
  onData: function () {}, onEvent: function (e) { ev.push(e.type + (e.name ? ':' + e.name : '')); if (e.type !== 'connected' && e.type !== 'error') return; setTimeout(finish, 0); } });
var poll = client.poll, work = client.work;
// each scheduler poll or step alone (work) outside a delivery is one callback between yields; the work units of the step it ran (Ed25519 build)
function counted(u) { units += u; if (u > umax) umax = u; }
client.poll = function (now) {
  if (inner) return poll.call(client, now);
  var r;
  timed(function () { r = poll.call(client, now); });
  if (cost && r === now) counted(cost());
  idle = r !== now;
  return r;
};
client.work = function (now) {
  var r;
  timed(function () { r = work.call(client, now); });
  if (cost && r) counted(cost());
  return r;
};
// as in Node's recording: the scheduler polls the endpoint once it is added, and its idle polls make
// the next ephemeral key pair (rpk.ts precompute) before it connects; that work is not the handshake's
// (a handshake under way makes none), so the counts and timings start at connect
var idle = false;
function start() {
  if (!idle) return setTimeout(start, 20);
  ns = 0; units = 0; umax = 0;
  timed(function () { client.connect(peer); sch.kick(); });
}
sch.add(client);
sch.kick();
setTimeout(start, 0);
})();
`;
    const { status, out } = runEspruino(code, C.timeoutS);
    const lines = out.split('\n');
    const result = lines.find((l) => l.includes('RESULT '));
    assert.ok(result, `no result from Espruino (exit ${status}):\n${out.slice(-3000)}`);
    const m = /RESULT (\S*) flights (.*) callbacks (\d+) mark (-?\d+) sum ([\d.]+) max ([\d.]+) at (\d+) units ([\d.]+) umax ([\d.]+)/.exec(result!);
    assert.ok(m, result);
    assert.equal(m![1], 'connected', result);
    assert.equal(m![2], 'identical to Node', result);
    const calls = Number(m![3]), mark = Number(m![4]), sum = Number(m![5]), max = Number(m![6]), units = Number(m![8]), umax = Number(m![9]);
    const steps = lines.filter((l) => l.startsWith('T ')).join('').replace(/T /g, '').split(',').filter(Boolean).map(Number);
    assert.equal(steps.length, calls);
    const share = max / sum;
    const insns = C.insns || units * C25519_UNIT;
    const perS = insns / sum;
    const sorted = steps.slice().sort((a, b) => b - a);
    const top = sorted.slice(0, 4).map((x) => `${x.toFixed(1)} ms at #${steps.indexOf(x)}`);
    const counted = C.ed ? `; counted in Espruino: ${units.toFixed(0)} work units ≈ ${(insns / 1e9).toFixed(1)} G x86 instructions ≈ ${(insns * ESP32_S_PER_INSN / 60).toFixed(1)} min modelled ESP32, largest step ${umax.toFixed(2)} units ≈ ${(umax * C25519_UNIT / 1e6).toFixed(0)} M ≈ ${(umax * C25519_UNIT * ESP32_S_PER_INSN).toFixed(2)} s` : '';
    console.log(`espruino sliced ${C.name} handshake: ${calls} callbacks (${rec.steps} public-key steps in Node), ${sum.toFixed(1)} s in them on this host; ` +
      `longest ${(max * 1000).toFixed(1)} ms = ${(share * 100).toFixed(3)} % of the whole ≈ ${(share * insns / 1e6).toFixed(0)} M x86 instructions ≈ ` +
      `${(share * insns * ESP32_S_PER_INSN).toFixed(2)} s modelled ESP32 (central; the longest: ${top.join(', ')}; ` +
      `99th percentile ${(sorted[Math.floor(calls / 100)] / 1000 * perS * ESP32_S_PER_INSN).toFixed(2)} s, mean ${(sum / calls * perS * ESP32_S_PER_INSN).toFixed(2)} s); timer set mid-handshake fired after callback ${mark} of ${calls}${counted}`);
    // Espruino takes fewer polls than the same bundle in Node's vm (1,913 against 2,213 for the same P-256 handshake,
    // measured 2026-12-07: its steps do more work each, cause not found), so the bound leaves room for it
    assert.ok(calls >= rec.steps * 0.8, `${calls} callbacks for ${rec.steps} polls in Node`);
    assert.ok(share < 0.02, `the longest callback is ${(share * 100).toFixed(2)} % of the handshake`);
    // Issue 16's goal is 0.5 s of modelled board time per turn; bench:board counts it (callgrind). Under callgrind
    // (`--only handshake-turns`, 2026-12-07) the P-256 server flight's turn is 46 M x86 instructions (0.31 s), the
    // final flight's 35 M (0.24 s), a resumed handshake's server flight 59 M (0.39 s); `p256-ops` and RPK_STEP size a
    // public-key step at 50-73 M (0.34-0.49 s). This test's wall-clock share on a shared host is noisier: the bound is 1.5 s.
    if (!C.ed) assert.ok(share * insns * ESP32_S_PER_INSN <= 1.5, `the longest callback ≈ ${(share * insns * ESP32_S_PER_INSN).toFixed(2)} s modelled`);
    if (C.ed) {
      assert.ok(umax > 0 && umax <= C25519_STEP + C25519_PIECE, `the largest step did ${umax} units of work (C25519_STEP ${C25519_STEP})`);
      // the same work as in Node: the counts are the code's, not the clock's (a step the scheduler runs
      // inside a datagram's delivery is timed with it but not counted: one step's work apart at most for each
      // of the server's three flights)
      assert.equal(umax.toFixed(2), rec.maxUnits.toFixed(2));
      assert.ok(Math.abs(units - rec.units) <= 3 * (C25519_STEP + C25519_PIECE), `${units} units in Espruino, ${rec.units} in Node`);
    }
    const markLine = lines.findIndex((l) => l.includes('MARK '));
    assert.ok(markLine >= 0 && markLine < lines.indexOf(result!), 'the mid-handshake timer printed before the handshake ended');
    assert.ok(mark >= 0 && calls - mark >= 10, `the timer fired after callback ${mark} of ${calls}`);
  });
}
