// npm run bench:rpk-espruino — one DTLS 1.2 raw-public-key handshake (P-256: ECDSA + ECDHE
// secp256r1, dist/firmware-rpk.js; or with CURVE=ed25519 Ed25519 + X25519 from tweetnacl,
// dist/firmware-rpk-ed25519.js) of the bundled client inside Espruino's own
// interpreter (ESPRUINO_BIN, default the ESP32-faithful code-in-flash Linux build). Its
// Rng is a fixed byte stream, so its flights are known in advance: our server runs in
// Node first against the same client (from the same bundle, in the stripped vm) and its
// datagrams are recorded; Espruino's client then gets them replayed, and every datagram
// it sends must equal the recorded one. Prints seconds per step and memory. No assertion
// on time. BUNDLE=path overrides the bundle (to compare builds).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFirmware } from '../sim/espruino-vm';
import { espruinoCryptoModule } from '../sim/espruino-crypto';
import { createDtlsServer } from '../transport/dtls/server';
import { nodeCrypto } from '../sim/node-crypto';
import { ed25519Keys, p256Keys } from '../test/helpers/dtls-net';
import { espruinoBin, storeFileCode } from '../tools/espruino/bin.mjs';

const BIN = espruinoBin();
// CURVE=ed25519 times dist/firmware-rpk-ed25519.js with Ed25519 keys; default P-256 (dist/firmware-rpk.js).
const ED = process.env.CURVE === 'ed25519';
// The ECDHE group of the run, as the step names say it (the build's only one).
const GROUP = ED ? 'X25519' : 'ECDHE secp256r1';
const BUNDLE = process.env.BUNDLE || join(import.meta.dirname, ED ? '../dist/firmware-rpk-ed25519.js' : '../dist/firmware-rpk.js');
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');
const C = ED ? ed25519Keys(4) : p256Keys(4);
const S = ED ? ed25519Keys(5) : p256Keys(5);
const SERVER = { address: '10.0.0.1', port: 5684 };
const CLIENT = { address: '10.0.0.2', port: 40000 };
// The client's Rng: the same fixed stream in Node and in Espruino (a bench, not security).
const RNG_SRC = 'var rc = 0; var rng = { fill: function (u) { for (var i = 0; i < u.length; i++) u[i] = (rc++ * 37 + 11) & 255; } };';

// 1. Record: the bundled client in the stripped vm against our server in Node.
const { ctx } = loadFirmware(BUNDLE, { modules: { crypto: espruinoCryptoModule().mod } });
ctx.run(RNG_SRC);
const bytes = ctx.run('(function (h) { return LwM2M.fromHex(h); })') as (h: string) => Uint8Array;
const toServer: Uint8Array[] = [];
const clientSent: string[] = [];
const serverSent: string[] = [];
(ctx.context as Record<string, unknown>).hostSend = (d: Uint8Array) => { clientSent.push(hex(d)); toServer.push(new Uint8Array(d)); };
(ctx.context as Record<string, unknown>).creds = { key: bytes(hex(C.pkcs8)), spki: bytes(hex(C.spki)), serverSpki: bytes(hex(S.spki)) };
const client = ctx.run(`LwM2M.dtls.createDtlsClient({ socket: { send: function (d, p) { hostSend(d); } }, crypto: LwM2M.crypto.espruinoCrypto(require('crypto')), rng: rng,
  psk: function () { return null; }, rpk: function () { return creds; }, onData: function () {}, onEvent: function (e) { lastEvent = e.type; } })`) as { connect(p: unknown): void; receive(d: Uint8Array, p: unknown): void };
const server = createDtlsServer({
  socket: { send: (d) => { serverSent.push(hex(d)); } },
  crypto: nodeCrypto, rng: { fill: (u) => void randomFillSync(u) }, pskKey: () => null,
  rpk: { key: S.pkcs8, spki: S.spki, trust: () => true }, onData: () => {},
});
client.connect(SERVER);
for (let i = 0; i < 10 && toServer.length; i++) {
  const before = serverSent.length;
  while (toServer.length) server.receive(toServer.shift()!, CLIENT);
  for (const d of serverSent.slice(before)) client.receive(bytes(d), SERVER);
}
if (ctx.run('lastEvent') !== 'connected') throw new Error('the recorded handshake did not complete');
ctx.stop();
console.log(`recorded: client sent ${clientSent.length} datagrams, server ${serverSent.length}`);

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
var C = ${JSON.stringify({ key: hex(C.pkcs8), spki: hex(C.spki), pin: hex(S.spki) })};
var creds = { key: LwM2M.fromHex(C.key), spki: LwM2M.fromHex(C.spki), serverSpki: LwM2M.fromHex(C.pin) };
var client = LwM2M.dtls.createDtlsClient({ socket: { send: function (d) { sent.push(LwM2M.toHex(d)); } },
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
client.connect(peer);
var total = getTime() - t0;
console.log('STEP ClientHello ' + total.toFixed(2) + ' s');
var names = ['HelloVerifyRequest -> ClientHello', 'server flight -> verify, ${GROUP} key pair + shared secret, sign, final flight', 'server Finished'];
var peak = 0;
for (var i = 0; i < replies.length; i++) {
  var t = getTime();
  client.receive(LwM2M.fromHex(replies[i]), peer);
  var dt = getTime() - t;
  total += dt;
  var mu = process.memory().usage;
  if (mu > peak) peak = mu;
  console.log('STEP ' + (names[i] || 'datagram ' + i) + ' ' + dt.toFixed(2) + ' s');
}
var same = sent.length === expect.length;
for (i = 0; i < sent.length && same; i++) if (sent[i] !== expect[i]) same = false;
console.log('RESULT ' + ev.join(',') + ' flights ' + (same ? 'identical to Node' : 'DIFFER') + ' total ' + total.toFixed(2) + ' s');
console.log('MEM ' + JSON.stringify(process.memory()) + ' peak usage after a step ' + peak);
})();
quit();
`;
const dir = mkdtempSync(join(tmpdir(), 'espruino-rpk-'));
try {
  writeFileSync(join(dir, 'run.js'), code);
  execFileSync('mkfifo', [join(dir, 'stdin')]);
  console.log(`Espruino: ${BIN}\nbundle: ${BUNDLE} (${readFileSync(BUNDLE).length} bytes)`);
  const r = spawnSync('sh', ['-c', `exec timeout 900 "$0" "$1" 0<>"$2"`, BIN, join(dir, 'run.js'), join(dir, 'stdin')], { cwd: dir, encoding: 'utf8' });
  if (process.env.RAW) console.log(r.stdout);
  const out = (r.stdout || '').replace(/\r/g, '').split('\n').filter((l) => /LOADED|STEP|OP |RESULT|MEM|Error|ERROR|MEMORY/.test(l));
  for (const l of out) console.log('  ' + l.replace(/^>?\x1b\[J/, ''));
  if (r.status) console.log(`exit status ${r.status}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
