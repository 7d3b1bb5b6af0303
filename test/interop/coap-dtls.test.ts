// CoAP over DTLS against libcoap 4.3.1 (../shared/INTEROP.md): our CoAP client over our
// DTLS client GETs from coap-server-gnutls (PSK), and coap-client-gnutls (PSK) GETs a
// resource from our CoAP server over our DTLS server, under a tshark capture decrypted
// with the PSK and dissected as CoAP. CoAP sees DTLS through the same DatagramPort it
// uses for plain UDP. Fixed ports: 31020-31021 (this area's range).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needPeer, liveCapture } from '../helpers/peers';
import { createDtlsClient } from '../../transport/dtls/client';
import { createDtlsServer } from '../../transport/dtls/server';
import type { DtlsEvent } from '../../transport/dtls/connection';
import { CoapEndpoint, CODE } from '../../transport/coap/index';
import { getPathString, type CoapMessage } from '../../transport/coap/message';
import { nodeCrypto } from '../../sim/node-crypto';
import { nodeRng, runOnUdp } from '../../sim/dtls-udp';

const ID = 'lwm2m-client';
const KEY_TEXT = 'secretPSK123'; // libcoap's -k takes the key as text
const KEY = new Uint8Array(Buffer.from(KEY_TEXT));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function collect(child: ChildProcess) {
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  return { text: () => out, exited: new Promise<number | null>((r) => child.on('exit', (c) => r(c))) };
}

test('our CoAP client over our DTLS client GETs from coap-server-gnutls (PSK)', async (t) => {
  if (!needPeer(t, 'coap-server-gnutls', 'libcoap3-bin')) return;
  const server = spawn('coap-server-gnutls', ['-A', '127.0.0.1', '-p', '31020', '-k', KEY_TEXT, '-h', 'myhint', '-v', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const so = collect(server);
  await sleep(500);
  const events: DtlsEvent[] = [];
  let coap: CoapEndpoint | null = null;
  const u = await runOnUdp((socket) => createDtlsClient({
    socket, crypto: nodeCrypto, rng: nodeRng, handshakeTimeout: 10000,
    psk: () => ({ identity: new Uint8Array(Buffer.from(ID)), key: KEY }),
    onData: (d, p) => coap!.receive(d, p, Date.now()),
    onEvent: (e) => events.push(e),
  }));
  coap = new CoapEndpoint({ port: u.ep, rng: nodeRng });
  const tick = setInterval(() => { coap!.poll(Date.now()); u.kick(); }, 20);
  const peer = { address: '127.0.0.1', port: 31021 };
  try {
    const res = await new Promise<{ err: string | null; res?: CoapMessage }>((resolve) => {
      coap!.request(peer, { code: CODE.GET, path: '/time' }, Date.now(), (err, res) => resolve({ err, res }));
      u.kick();
    });
    assert.equal(res.err, null, JSON.stringify(events));
    assert.equal(res.res!.code, CODE.CONTENT);
    assert.ok(res.res!.payload.length > 0, 'the time as text');
    assert.deepEqual(events.map((e) => e.type), ['connected']);
  } finally {
    clearInterval(tick);
    u.ep.close(peer);
    await u.close();
    server.kill();
    await so.exited;
  }
});

test('coap-client-gnutls (PSK) GETs from our CoAP server over our DTLS server; tshark decrypts and dissects it cleanly', async (t) => {
  if (!needPeer(t, 'coap-client-gnutls', 'libcoap3-bin') || !needPeer(t, 'tshark', 'tshark')) return;
  const events: DtlsEvent[] = [];
  let coap: CoapEndpoint | null = null;
  const u = await runOnUdp((socket) => createDtlsServer({
    socket, crypto: nodeCrypto, rng: nodeRng, hint: new Uint8Array(Buffer.from('myhint')),
    pskKey: (id) => (Buffer.from(id).toString() === ID ? KEY : null),
    onData: (d, p) => coap!.receive(d, p, Date.now()),
    onEvent: (e) => events.push(e),
  }), 31020);
  coap = new CoapEndpoint({
    port: u.ep, rng: nodeRng,
    onRequest: (req, _peer, ex) => {
      if (getPathString(req) === '/hello') ex.respond({ code: CODE.CONTENT, contentFormat: 0, payload: new Uint8Array(Buffer.from('hello-from-lwm2m-espruino')) }, Date.now());
      else ex.respond({ code: 132 }, Date.now()); // 4.04
      u.kick();
    },
  });
  const tick = setInterval(() => { coap!.poll(Date.now()); u.kick(); }, 20);
  const dir = mkdtempSync(join(tmpdir(), 'coaps-cap-'));
  const cap = join(dir, 'cap.pcapng');
  const ts = await liveCapture(`udp port ${u.port}`, cap);
  const to = collect(ts);
  try {
    const client = spawn('coap-client-gnutls', ['-B', '5', '-u', ID, '-k', KEY_TEXT, `coaps://127.0.0.1:${u.port}/hello`], { stdio: ['ignore', 'pipe', 'pipe'] });
    const co = collect(client);
    await co.exited;
    assert.match(co.text(), /hello-from-lwm2m-espruino/, co.text());
    assert.doesNotMatch(co.text(), /ERR|cannot send/);
    assert.equal(events[0].type, 'connected');
  } finally {
    clearInterval(tick);
    await sleep(300);
    ts.kill('SIGINT');
    await to.exited;
    await u.close();
  }
  const hex = Buffer.from(KEY).toString('hex');
  const read = (extra: string[]) => spawnSync('tshark', ['-r', cap, '-d', `udp.port==${u.port},dtls`, '-o', `dtls.psk:${hex}`, '-d', `dtls.port==${u.port},coap`, ...extra], { encoding: 'utf8' });
  const bad = read(['-Y', '_ws.malformed || _ws.expert.severity >= "warning"']);
  assert.equal(bad.stdout.trim(), '', bad.stdout);
  const coapText = read(['-Y', 'coap', '-T', 'fields', '-e', 'coap.code', '-e', 'coap.opt.uri_path']).stdout;
  assert.match(coapText, /1\thello/, 'the GET /hello, decrypted and dissected as CoAP');
  assert.match(coapText, /^69/m, 'the 2.05 response');
});
