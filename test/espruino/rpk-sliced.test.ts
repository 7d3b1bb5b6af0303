// The sliced DTLS-RPK P-256 handshake on Espruino itself (issue 16 item 2): dist/firmware-rpk.js
// loaded from Storage, its client driven as the board drives it — a datagram arrives in a
// timer callback (receive, then the scheduler's kick), and the scheduler polls the client
// again from setTimeout(0) while its public-key work remains — against our DTLS server in
// Node, recorded (test/helpers/rpk-record.ts: the client's Rng is a fixed stream, so its
// datagrams are known and each must equal the recorded one).
//
// How "the longest run between yields" is measured: every callback that runs client code
// (a datagram's delivery, each scheduler poll) is timed inside Espruino with getTime() on
// this machine, in two runs of the same handshake, each callback's time the smaller of its
// two (a loaded host preempts a callback now and then; rarely the same one twice); the longest
// is compared with the sum of all of them (the whole handshake's run time). Counting
// instructions per callback needs valgrind (an hour: a benchmark's job, not CI's), so the test
// converts with the handshake's known total, 37.5 G x86 instructions for the four P-256
// operations (cachegrind, ../shared/ESPRUINO.md "Speed: the board's clock"), and prints
// modelled ESP32 seconds (× 1.61 / 240 MHz). It asserts: many yields (at least 80 % of the
// client's polls in Node), and no callback above 1 s of modelled board time (see the bound
// below). And the device answers while the handshake runs: a setTimeout(100) scheduled when
// the server's flight arrives prints before the handshake ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runEspruino } from '../helpers/espruino';
import { ESPRUINO_BIN, espruinoSkip } from '../board/espruino-proc';
import { storeFileCode } from '../../tools/espruino/bin.mjs';
import { recordRpkHandshake, RNG_SRC } from '../helpers/rpk-record';

const BIN = ESPRUINO_BIN;
const skip = espruinoSkip();
const BUNDLE = join(import.meta.dirname, '../../dist/firmware-rpk.js');
/** x86 instructions of the handshake's public-key work (P-256 publicKey + sign + ECDH + verify, ESPRUINO.md). */
const HANDSHAKE_INSTRUCTIONS = 37.5e9;
/** Modelled ESP32 seconds per x86 instruction, central (ESPRUINO.md). */
const ESP32_S_PER_INSN = 1.61 / 240e6;

test('the DTLS-RPK P-256 handshake on Espruino runs in steps: many yields, no long run, and a timer set mid-handshake fires before it ends', { skip, timeout: 300000 }, () => {
  const rec = recordRpkHandshake(BUNDLE, false);
  assert.ok(rec.steps >= 100, `the client took ${rec.steps} public-key steps in Node`);
  const code = `${storeFileCode('lwm2m.js', BUNDLE)}
eval(require('Storage').read('lwm2m.js'));
(function () {
${RNG_SRC}
var R = ${JSON.stringify(rec.rounds)};
var K = ${JSON.stringify(rec.creds)};
var creds = { key: LwM2M.fromHex(K.key), spki: LwM2M.fromHex(K.spki), serverSpki: LwM2M.fromHex(K.pin) };
var peer = { address: '10.0.0.1', port: 5684 };
var round = 0, sentN = 0, bad = 0, ev = [], ns = 0, inner = false, mark = -1;
var T = new Float32Array(8000);
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
  for (var i = 0; i < ns && i < T.length; i++) { sum += T[i]; if (T[i] > max) { max = T[i]; at = i; } }
  console.log('RESULT ' + ev.join(',') + ' flights ' + (bad ? bad + ' DIFFER' : 'identical to Node') + ' callbacks ' + ns + ' mark ' + mark + ' sum ' + sum.toFixed(3) + ' max ' + max.toFixed(4) + ' at ' + at);
  for (i = 0; i < ns && i < T.length; i++) { s += (T[i] * 1000).toFixed(1) + ','; if (s.length > 400) { console.log('T ' + s); s = ''; } }
  console.log('T ' + s);
  console.log('END');
  quit();
}
var client = LwM2M.dtls.createDtlsClient({ socket: { send: function (d) {
    var r = R[round];
    if (!r || r.client[sentN] !== LwM2M.toHex(d)) bad++;
    if (r && ++sentN === r.client.length) { round++; sentN = 0; deliver(r.server); }
  } },
  crypto: LwM2M.crypto.espruinoCrypto(require('crypto')), rng: rng, psk: function () { return null; }, rpk: function () { return creds; },
  onData: function () {}, onEvent: function (e) { ev.push(e.type + (e.name ? ':' + e.name : '')); if (e.type !== 'connected' && e.type !== 'error') return; setTimeout(finish, 0); } });
var poll = client.poll;
// each scheduler poll outside a delivery is one callback between yields
client.poll = function (now) { if (inner) return poll.call(client, now); var r; timed(function () { r = poll.call(client, now); }); return r; };
sch.add(client);
setTimeout(function () { timed(function () { client.connect(peer); sch.kick(); }); }, 0);
})();
`;
  // Two runs: each callback's time is the smaller of its two (the handshake is the same callback for callback; a
  // callback this loaded 2-core host preempted in one run is rarely preempted again at the same place).
  const runs = [runEspruino(code, 240), runEspruino(code, 240)].map(({ status, out }) => {
    const lines = out.split('\n');
    const result = lines.find((l) => l.includes('RESULT '));
    assert.ok(result, `no result from Espruino (exit ${status}):\n${out.slice(-3000)}`);
    const m = /RESULT (\S*) flights (.*) callbacks (\d+) mark (-?\d+) sum ([\d.]+) max ([\d.]+) at (\d+)/.exec(result!);
    assert.ok(m, result);
    assert.equal(m![1], 'connected', result);
    assert.equal(m![2], 'identical to Node', result);
    const steps = lines.filter((l) => l.startsWith('T ')).join('').replace(/T /g, '').split(',').filter(Boolean).map(Number);
    assert.equal(steps.length, Number(m![3]));
    return { lines, result: result!, calls: Number(m![3]), mark: Number(m![4]), steps };
  });
  const [r0, r1] = runs;
  assert.equal(r1.calls, r0.calls, 'the same callbacks in both runs');
  const { lines, result, calls, mark } = r0;
  const steps = r0.steps.map((x, i) => Math.min(x, r1.steps[i]));
  let sum = 0, max = 0;
  for (const x of steps) {
    sum += x / 1000;
    max = Math.max(max, x / 1000);
  }
  const share = max / sum;
  const perS = HANDSHAKE_INSTRUCTIONS / sum;
  const sorted = steps.slice().sort((a, b) => b - a);
  const top = sorted.slice(0, 4).map((x) => `${x.toFixed(1)} ms at #${steps.indexOf(x)}`);
  console.log(`espruino sliced P-256 handshake: ${calls} callbacks (${rec.steps} public-key steps in Node), ${sum.toFixed(1)} s in them on this host; ` +
    `longest ${(max * 1000).toFixed(1)} ms = ${(share * 100).toFixed(3)} % of the whole ≈ ${(share * HANDSHAKE_INSTRUCTIONS / 1e6).toFixed(0)} M x86 instructions ≈ ` +
    `${(share * HANDSHAKE_INSTRUCTIONS * ESP32_S_PER_INSN).toFixed(2)} s modelled ESP32 (central; the longest: ${top.join(', ')}; ` +
    `99th percentile ${(sorted[Math.floor(calls / 100)] / 1000 * perS * ESP32_S_PER_INSN).toFixed(2)} s, mean ${(sum / calls * perS * ESP32_S_PER_INSN).toFixed(2)} s); timer set mid-handshake fired after callback ${mark} of ${calls}`);
  // Espruino takes fewer polls than the same bundle in Node's vm (1,913 against 2,213 for the same handshake, measured
  // 2026-12-07: its steps do more work each, cause not found), so the bound leaves room for it
  assert.ok(calls >= rec.steps * 0.8, `${calls} callbacks for ${rec.steps} polls in Node`);
  // Issue 16's goal is 0.5 s of modelled board time. Under callgrind the server's flight is 52 M x86 instructions
  // (0.35 s; 192 M before it was split, plus the first public-key step in the same callback), connecting 28-46 M,
  // a public-key step 50-73 M (0.34-0.49 s). By this test's wall-clock share the longest is now the final flight's
  // turn, ~0.6 s (two PRFs for the Finished values, the records): the bound is 1 s until that turn is split too.
  assert.ok(share * HANDSHAKE_INSTRUCTIONS * ESP32_S_PER_INSN <= 1, `the longest callback is ${(share * 100).toFixed(3)} % of the handshake ≈ ${(share * HANDSHAKE_INSTRUCTIONS * ESP32_S_PER_INSN).toFixed(2)} s modelled`);
  const markLine = lines.findIndex((l) => l.includes('MARK '));
  assert.ok(markLine >= 0 && markLine < lines.indexOf(result!), 'the mid-handshake timer printed before the handshake ended');
  assert.ok(mark >= 0 && calls - mark >= 10, `the timer fired after callback ${mark} of ${calls}`);
});
