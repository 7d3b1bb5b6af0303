// The device's DTLS client as shipped: dist/firmware.js in the Espruino-stripped vm
// context, on the Espruino crypto backend (require('crypto') emulated on node:crypto,
// ArrayBuffer returns and all), against our server on node:crypto. Also measures the
// JS stack the client uses on its receive path (Espruino's stack is tiny: the whole
// UDP → DTLS → CoAP → LwM2M → object path must stay under 25 frames).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomFillSync } from 'node:crypto';
import { loadFirmware } from '../../sim/espruino-vm';
import { espruinoCryptoModule } from '../../sim/espruino-crypto';
import { createDtlsServer } from '../../transport/dtls/server';
import { nodeCrypto } from '../../sim/node-crypto';
import type { Peer } from '../../transport/ports';

const BUNDLE = join(import.meta.dirname, '../../dist/firmware.js');
const CLIENT: Peer = { address: '10.0.0.2', port: 40000 };
const SERVER: Peer = { address: '10.0.0.1', port: 5684 };

test('the bundled client (Espruino backend, stripped context) completes a handshake with our server and exchanges data; receive-path depth', () => {
  const holder: { mod?: unknown } = {};
  const { api, ctx } = loadFirmware(BUNDLE, { modules: { get crypto() { return holder.mod; } } as Record<string, unknown> });
  const realm = ctx.run('(function (u) { var a = new Uint8Array(u.length); for (var i = 0; i < u.length; i++) a[i] = u[i]; return a.buffer; })') as (u: Uint8Array) => ArrayBuffer;
  const toCtx = ctx.run('(function (b) { return new Uint8Array(b); })') as (b: ArrayBuffer) => Uint8Array;
  const bytes = (u: Uint8Array) => toCtx(realm(u));
  const emu = espruinoCryptoModule({ realm });
  // depth probe: the stack at every native crypto call and at onData
  const prevLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 200;
  let maxDepth = 0;
  let entryDepth = 0;
  const depth = () => (new Error().stack || '').split('\n').length - 1;
  const probe = () => { maxDepth = Math.max(maxDepth, depth() - entryDepth); };
  const sha = emu.mod.SHA256;
  const enc = emu.mod.AES.encrypt;
  emu.mod.SHA256 = (d) => { probe(); return sha(d); };
  emu.mod.AES.encrypt = (d, k, o) => { probe(); return enc(d, k, o); };
  holder.mod = emu.mod;

  const toServer: Uint8Array[] = [];
  const toClient: Uint8Array[] = [];
  const got: string[] = [];
  let onDataDepth = 0;
  const events: string[] = [];
  const client = api.dtls.createDtlsClient({
    socket: { send: (d: Uint8Array) => toServer.push(new Uint8Array(d)) },
    crypto: ctx.run("LwM2M.crypto.espruinoCrypto(require('crypto'))"),
    rng: { fill: (u: Uint8Array) => { const b = new Uint8Array(u.length); randomFillSync(b); for (let i = 0; i < u.length; i++) u[i] = b[i]; } },
    psk: () => ({ identity: bytes(new Uint8Array(Buffer.from('lwm2m-client'))), key: bytes(new Uint8Array(16).fill(3)) }),
    onData: (d: Uint8Array) => { onDataDepth = depth() - entryDepth; got.push(Buffer.from(d).toString()); },
    onEvent: (e: { type: string; name?: string }) => events.push(e.type + (e.name ? ':' + e.name : '')),
  });
  const server = createDtlsServer({
    socket: { send: (d) => toClient.push(new Uint8Array(d)) },
    crypto: nodeCrypto, rng: { fill: (u) => void randomFillSync(u) }, hint: new Uint8Array(Buffer.from('hint')),
    pskKey: () => new Uint8Array(16).fill(3),
    onData: (d, p) => server.send(d, p),
  });
  client.send(bytes(new Uint8Array(Buffer.from('from-the-board'))), SERVER);
  for (let i = 0; i < 20 && (toServer.length || toClient.length); i++) {
    while (toServer.length) server.receive(toServer.shift()!, CLIENT);
    while (toClient.length) {
      const d = toClient.shift()!;
      entryDepth = depth() + 1; // frames below client.receive
      client.receive(bytes(d), SERVER);
    }
    client.poll(0);
  }
  Error.stackTraceLimit = prevLimit;
  ctx.stop();
  assert.deepEqual(events, ['connected']);
  assert.deepEqual(got, ['from-the-board']);
  console.log(`client receive path: ${onDataDepth} DTLS frames below onData (receive, input, onRecord); deepest native crypto call ${maxDepth} frames below receive() (incl. 2 probe/emulation frames)`);
  // Budget: DTLS may use at most 8 of the 25 frames before handing data to CoAP.
  assert.ok(onDataDepth > 0 && onDataDepth <= 8, `onData at depth ${onDataDepth}`);
  assert.ok(maxDepth <= 20, `deepest crypto call at depth ${maxDepth}`);
});
