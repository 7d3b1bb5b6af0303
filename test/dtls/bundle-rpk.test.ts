// The RPK device bundles as shipped: dist/firmware-rpk.js (firmware/main-rpk.ts: main.ts +
// transport/dtls/rpk.ts + P-256) and dist/firmware-rpk-ed25519.js (the same with Ed25519 +
// X25519 from tweetnacl) pass the Espruino lint, run in the Espruino-stripped vm context on
// the Espruino crypto backend, and complete a raw-public-key handshake with our server;
// each carries only its curve, and the PSK bundle dist/firmware.js carries none of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { parse } from 'acorn';
import { lint } from '../../tools/espruino-lint.mjs';
import { loadFirmware } from '../../sim/espruino-vm';
import { espruinoCryptoModule } from '../../sim/espruino-crypto';
import { createDtlsServer } from '../../transport/dtls/server';
import { serverCurves } from '../../transport/dtls/server-curves';
import { nodeCrypto } from '../../sim/node-crypto';
import { ed25519Keys, p256Keys } from '../helpers/dtls-net';
import type { Peer } from '../../transport/ports';

// our server's key types and groups (importing server.ts enables none)
serverCurves();

const P256_BUNDLE = join(import.meta.dirname, '../../dist/firmware-rpk.js');
const ED_BUNDLE = join(import.meta.dirname, '../../dist/firmware-rpk-ed25519.js');
const PSK_BUNDLE = join(import.meta.dirname, '../../dist/firmware.js');
const CLIENT: Peer = { address: '10.0.0.2', port: 40000 };
const SERVER: Peer = { address: '10.0.0.1', port: 5684 };
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

for (const b of [P256_BUNDLE, ED_BUNDLE]) {
  test(`${b.split('/').pop()} is ES5 and has no Espruino-unsafe constructs (its curve code included)`, () => {
    const code = readFileSync(b, 'utf8');
    assert.doesNotThrow(() => parse(code, { ecmaVersion: 5 }));
    assert.deepEqual(lint(code), []);
    for (const m of code.matchAll(/\brequire\(\s*["']([^"']*)["']\s*\)/g)) assert.ok(['dgram', 'crypto', 'Storage', 'Wifi', 'ESP32', 'net'].includes(m[1]), m[1]);
  });
}

test('each RPK bundle carries only its curve: firmware-rpk.js P-256 without tweetnacl, firmware-rpk-ed25519.js tweetnacl without P-256', () => {
  const p = readFileSync(P256_BUNDLE, 'utf8');
  const e = readFileSync(ED_BUNDLE, 'utf8');
  // tweetnacl's and p256.ts's own error strings survive minification
  for (const s of ['crypto_scalarmult', 'nacl']) assert.ok(!p.includes(s) && e.includes(s), s);
  for (const s of ['p256: bad sign input', 'p256: private key out of range']) assert.ok(p.includes(s) && !e.includes(s), s);
});

test('firmware-rpk.js carries P-256 only inside $p256lib() (its body in flash on the board, built per use), not at its top level', () => {
  const code = readFileSync(P256_BUNDLE, 'utf8');
  const ast = parse(code, { ecmaVersion: 5 }) as any;
  const lib = ast.body.filter((n: any) => n.type === 'FunctionDeclaration' && n.id.name === '$p256lib');
  assert.equal(lib.length, 1, 'one top-level $p256lib');
  const inside = code.slice(lib[0].start, lib[0].end);
  const outside = code.slice(0, lib[0].start) + code.slice(lib[0].end);
  // p256.ts's own error strings, and the field prime p-3 of p256-field.ts (the curve's a)
  for (const s of ['p256: bad sign input', 'p256: private key out of range', 'ffffffff00000001000000000000000000000000fffffffffffffffffffffffd']) {
    assert.ok(inside.includes(s) && !outside.includes(s), s);
  }
});

test('the PSK bundle firmware.js carries neither tweetnacl nor the RPK suite', () => {
  const code = readFileSync(PSK_BUNDLE, 'utf8');
  for (const s of ['nacl', 'bad_rpk_credentials', 'certificate_request', 'crypto_scalarmult']) assert.ok(!code.includes(s), s);
  for (const s of ['p256', 'secp256r1']) assert.ok(!code.includes(s), s);
  for (const b of [P256_BUNDLE, ED_BUNDLE]) {
    const rpk = readFileSync(b, 'utf8');
    for (const s of ['bad_rpk_credentials', 'certificate_request']) assert.ok(rpk.includes(s), `${s} in ${b}`);
    // and no bundle has the server role
    for (const s of ['createDtlsServer', 'rpk_not_trusted', 'cookieRotation']) assert.ok(!rpk.includes(s), s);
  }
});

for (const [name, BUNDLE, keys] of [
  ['P-256', P256_BUNDLE, () => { const k = [p256Keys(4), p256Keys(5)]; return k.map((x) => ({ spki: x.spki, pkcs8: x.pkcs8 })); }],
  ['Ed25519', ED_BUNDLE, () => { const k = [ed25519Keys(4), ed25519Keys(5)]; return k.map((x) => ({ spki: x.spki, pkcs8: x.pkcs8 })); }],
] as [string, string, () => { spki: Uint8Array; pkcs8: Uint8Array }[]][]) test(`the bundled ${name} RPK client (stripped context, Espruino crypto backend) handshakes with our RPK server, pins its key, exchanges data`, () => {
  const holder: { mod?: unknown } = {};
  const { api, ctx } = loadFirmware(BUNDLE, { modules: { get crypto() { return holder.mod; } } as Record<string, unknown> });
  const realm = ctx.run('(function (u) { var a = new Uint8Array(u.length); for (var i = 0; i < u.length; i++) a[i] = u[i]; return a.buffer; })') as (u: Uint8Array) => ArrayBuffer;
  const toCtx = ctx.run('(function (b) { return new Uint8Array(b); })') as (b: ArrayBuffer) => Uint8Array;
  const bytes = (u: Uint8Array) => toCtx(realm(u));
  holder.mod = espruinoCryptoModule({ realm }).mod;
  // deepest JS stack under client.receive(), probed where the curve code calls Math.floor
  // (tweetnacl's field arithmetic: one call in 2,000 sampled, a stack trace on each would
  // take minutes; p256.ts calls it rarely: one in 20)
  const prevLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 200;
  let entry = 0;
  let deepest = 0;
  const depth = () => (new Error().stack || '').split('\n').length - 1;
  const floor = ctx.run('Math.floor') as (x: number) => number;
  let calls = 0;
  (ctx.run('Math') as { floor: (x: number) => number }).floor = (x: number) => {
    if (entry && ++calls % (name === 'P-256' ? 20 : 2000) === 1) deepest = Math.max(deepest, depth() - entry);
    return floor(x);
  };
  const [C, S] = keys();
  // the bundle's own DER helpers agree with node:crypto
  if (name === 'Ed25519') {
    const E = ed25519Keys(4);
    assert.equal(hex(api.rpk.ed25519Spki(bytes(E.pub))), hex(E.spki));
    assert.equal(hex(api.rpk.pkcs8Ed25519Seed(bytes(E.pkcs8))), hex(E.seed));
  } else {
    const P = p256Keys(4);
    assert.equal(hex(api.rpk.p256Spki(bytes(P.point))), hex(P.spki));
    assert.equal(hex(api.rpk.spkiP256(bytes(P.spki))), hex(P.point));
    assert.equal(hex(api.rpk.p256PrivateKeyOf(bytes(P.pkcs8Full))), hex(P.d));
    assert.equal(api.rpk.ed25519Spki === undefined, false, 'the Ed25519 DER codecs stay (no curve code)');
  }
  const toServer: Uint8Array[] = [];
  const toClient: Uint8Array[] = [];
  const events: string[] = [];
  const got: string[] = [];
  const creds = { key: bytes(C.pkcs8), spki: bytes(C.spki), serverSpki: bytes(S.spki) };
  const client = api.dtls.createDtlsClient({
    socket: { send: (d: Uint8Array) => toServer.push(new Uint8Array(d)) },
    crypto: ctx.run("LwM2M.crypto.espruinoCrypto(require('crypto'))"),
    rng: { fill: (u: Uint8Array) => { const b = new Uint8Array(u.length); randomFillSync(b); for (let i = 0; i < u.length; i++) u[i] = b[i]; } },
    psk: () => null,
    rpk: () => creds,
    onData: (d: Uint8Array) => got.push(Buffer.from(d).toString()),
    onEvent: (e: { type: string; name?: string; message?: string }) => events.push(e.type + (e.name ? ':' + e.name + ' ' + e.message : '')),
  });
  let serverSaw = '';
  const server = createDtlsServer({
    socket: { send: (d) => toClient.push(new Uint8Array(d)) },
    crypto: nodeCrypto, rng: { fill: (u) => void randomFillSync(u) },
    pskKey: () => null,
    rpk: { key: S.pkcs8, spki: S.spki, trust: (k) => { serverSaw = hex(k); return true; } },
    onData: (d, p) => server.send(d, p),
  });
  client.send(bytes(new Uint8Array(Buffer.from('rpk-from-the-board'))), SERVER);
  // the client's public-key work runs a step per poll: poll again at once while it asks to (returns now)
  let working = false;
  for (let i = 0; i < 5000 && (toServer.length || toClient.length || working); i++) {
    while (toServer.length) server.receive(toServer.shift()!, CLIENT);
    while (toClient.length) {
      const d = toClient.shift()!;
      entry = depth() + 1;
      client.receive(bytes(d), SERVER);
      entry = 0;
    }
    working = client.poll(0) === 0;
  }
  Error.stackTraceLimit = prevLimit;
  ctx.stop();
  assert.deepEqual(events, ['connected']);
  assert.deepEqual(got, ['rpk-from-the-board']);
  assert.equal(serverSaw, hex(C.spki));
  assert.equal(server.get(CLIENT)!.rpk, true);
  console.log(`${name} RPK client: deepest curve-code frame ${deepest} frames below receive() (incl. 1 probe frame)`);
  assert.ok(deepest > 0, 'the probe saw the curve code run');
  // The UDP → DTLS → CoAP → LwM2M path must stay under 25 frames; the handshake's crypto must too.
  assert.ok(deepest <= 20, `curve code at depth ${deepest}`);
});

for (const BUNDLE of [P256_BUNDLE, ED_BUNDLE]) test(`${BUNDLE.split('/').pop()}: the client with the wrong pinned key refuses the server (bad_certificate)`, () => {
  const { api, ctx } = loadFirmware(BUNDLE, { modules: { crypto: espruinoCryptoModule().mod } });
  const toCtx = ctx.run('(function (a) { var u = new Uint8Array(a.length); for (var i = 0; i < a.length; i++) u[i] = a[i]; return u; })') as (a: number[]) => Uint8Array;
  const bytes = (u: Uint8Array) => toCtx([...u]);
  const [C, S] = BUNDLE === P256_BUNDLE ? [p256Keys(4), p256Keys(5)] : [ed25519Keys(4), ed25519Keys(5)];
  const toServer: Uint8Array[] = [];
  const toClient: Uint8Array[] = [];
  const events: { name?: string; alert?: number }[] = [];
  const client = api.dtls.createDtlsClient({
    socket: { send: (d: Uint8Array) => toServer.push(new Uint8Array(d)) },
    crypto: ctx.run("LwM2M.crypto.espruinoCrypto(require('crypto'))"),
    rng: { fill: (u: Uint8Array) => { for (let i = 0; i < u.length; i++) u[i] = (i * 13) & 255; } },
    psk: () => null,
    rpk: () => ({ key: bytes(C.pkcs8), spki: bytes(C.spki), serverSpki: bytes(C.spki) }),
    onData: () => {},
    onEvent: (e: { name?: string; alert?: number }) => events.push(e),
  });
  const server = createDtlsServer({
    socket: { send: (d) => toClient.push(new Uint8Array(d)) },
    crypto: nodeCrypto, rng: { fill: (u) => void randomFillSync(u) }, pskKey: () => null,
    rpk: { key: S.pkcs8, spki: S.spki, trust: () => true }, onData: () => {},
  });
  client.connect(SERVER);
  for (let i = 0; i < 10 && (toServer.length || toClient.length); i++) {
    while (toServer.length) server.receive(toServer.shift()!, CLIENT);
    while (toClient.length) client.receive(bytes(toClient.shift()!), SERVER);
  }
  ctx.stop();
  assert.equal(events.length, 1);
  assert.equal(events[0].name, 'bad_certificate');
  assert.equal(events[0].alert, 42);
});
