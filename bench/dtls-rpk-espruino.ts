// npm run bench:rpk-espruino — one DTLS 1.2 raw-public-key handshake (P-256: ECDSA + ECDHE
// secp256r1, dist/firmware-rpk.js; or with CURVE=ed25519 Ed25519 + X25519 from tweetnacl,
// dist/firmware-rpk-ed25519.js) of the bundled client inside Espruino's own
// interpreter (ESPRUINO_BIN, default the ESP32-faithful code-in-flash Linux build). Its
// Rng is a fixed byte stream, so its flights are known in advance: our server runs in
// Node first against the same client (from the same bundle, in the stripped vm) and its
// datagrams are recorded (test/helpers/rpk-record.ts); Espruino's client then gets them
// replayed, and every datagram it sends must equal the recorded one. The client's
// public-key work runs a step per poll: after each datagram it is polled until it has none
// left. Prints seconds per datagram (all its steps) and the longest step, and memory. No
// assertion on time (test/espruino/rpk-sliced.test.ts drives it with the board's scheduler).
// BUNDLE=path overrides the bundle (to compare builds).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordRpkHandshake, RNG_SRC } from '../test/helpers/rpk-record';
import { runEspruino } from '../test/helpers/espruino';
import { espruinoBin, storeFileCode } from '../tools/espruino/bin.mjs';

const BIN = espruinoBin();
// CURVE=ed25519 times dist/firmware-rpk-ed25519.js with Ed25519 keys; default P-256 (dist/firmware-rpk.js).
const ED = process.env.CURVE === 'ed25519';
// The ECDHE group of the run, as the step names say it (the build's only one).
const GROUP = ED ? 'X25519' : 'ECDHE secp256r1';
const BUNDLE = process.env.BUNDLE || join(import.meta.dirname, ED ? '../dist/firmware-rpk-ed25519.js' : '../dist/firmware-rpk.js');

// 1. Record: the bundled client in the stripped vm against our server in Node.
const rec = recordRpkHandshake(BUNDLE, ED);
const clientSent = rec.rounds.flatMap((r) => r.client);
const serverSent = rec.rounds.flatMap((r) => r.server);
console.log(`recorded: client sent ${clientSent.length} datagrams, server ${serverSent.length}; ${rec.steps} public-key steps`);

if (!BIN || !existsSync(BIN)) {
  console.log(`${BIN || 'no Espruino build'}: run \`npm run espruino:build\` (or set ESPRUINO_BIN) to time the handshake in Espruino`);
  process.exit(0);
}

// 2. Replay in Espruino: the bundle from Storage (code in flash, as on the board).
const code = `${storeFileCode('lwm2m.js', BUNDLE)}
var m0 = process.memory().usage;
eval(require('Storage').read('lwm2m.js'));
console.log('LOADED ' + (process.memory().usage - m0) + ' variables of ' + process.memory().total);
// Inside a function: the bundle's top-level names are globals (minified, short), so none of ours may be.
(function () {
${RNG_SRC}
var expect = ${JSON.stringify(clientSent)};
var replies = ${JSON.stringify(serverSent)};
var sent = [];
var ev = [];
var C = ${JSON.stringify(rec.creds)};
var creds = { key: LwM2M.fromHex(C.key), spki: LwM2M.fromHex(C.spki), serverSpki: LwM2M.fromHex(C.pin) };
var client = LwM2M.dtls.createDtlsClient({ socket: { send: function (d) { sent.push(new Uint8Array(d)); } },
  crypto: LwM2M.crypto.espruinoCrypto(require('crypto')), rng: rng, psk: function () { return null; }, rpk: function () { return creds; },
  onData: function () {}, onEvent: function (e) { ev.push(e.type + (e.name ? ':' + e.name : '')); } });
var peer = { address: '10.0.0.1', port: 5684 };
// time each public-key operation (Ed25519 build: LwM2M.rpk.ec's x25519Base, x25519, sign, verify; the P-256 build has no ec)
var ops = {};
Object.keys(LwM2M.rpk.ec || {}).forEach(function (k) {
  var f = LwM2M.rpk.ec[k];
  LwM2M.rpk.ec[k] = function (a, b, c) { var t = getTime(); var r = f(a, b, c); console.log('OP ' + k + ' ' + (getTime() - t).toFixed(2) + ' s'); return r; };
});
var t0 = getTime();
var longest = 0, steps = 0;
// polls until no public-key work is left (a poll asks for another at once while some remains)
function settle() { for (;;) { var a = getTime(); var r = client.poll(Math.floor(a * 1000)); var d = getTime() - a; if (d > longest) longest = d; if (r !== Math.floor(a * 1000)) return; steps++; } }
client.connect(peer);
settle();
var total = getTime() - t0;
console.log('STEP ClientHello ' + total.toFixed(2) + ' s');
var names = ['HelloVerifyRequest -> ClientHello', 'server flight -> verify, ${GROUP} key pair + shared secret, sign, final flight', 'server Finished'];
var peak = 0;
for (var i = 0; i < replies.length; i++) {
  var t = getTime();
  client.receive(LwM2M.fromHex(replies[i]), peer);
  settle();
  var dt = getTime() - t;
  total += dt;
  var mu = process.memory().usage;
  if (mu > peak) peak = mu;
  console.log('STEP ' + (names[i] || 'datagram ' + i) + ' ' + dt.toFixed(2) + ' s');
}
var same = sent.length === expect.length;
// compared here, not in send(): converting a datagram to hex is a JS loop (~0.2 M x86 instructions a byte), not the board's send
for (i = 0; i < sent.length && same; i++) if (LwM2M.toHex(sent[i]) !== expect[i]) same = false;
console.log('RESULT ' + ev.join(',') + ' flights ' + (same ? 'identical to Node' : 'DIFFER') + ' total ' + total.toFixed(2) + ' s, ' + steps + ' steps, longest ' + longest.toFixed(3) + ' s');
console.log('MEM ' + JSON.stringify(process.memory()) + ' peak usage after a step ' + peak);
})();
quit();
`;
console.log(`Espruino: ${BIN}\nbundle: ${BUNDLE} (${readFileSync(BUNDLE).length} bytes)`);
const r = runEspruino(code, 900, BIN);
if (process.env.RAW) console.log(r.out);
const out = r.out.split('\n').filter((l) => /LOADED|STEP|OP |RESULT|MEM|Error|ERROR|MEMORY/.test(l));
for (const l of out) console.log('  ' + l.replace(/^>?\x1b\[J/, ''));
if (r.status) console.log(`exit status ${r.status}`);
