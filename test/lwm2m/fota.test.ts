// Firmware update over object 5 (issue 18, docs/firmware-update.md): the package tool, a push
// with Block1 streamed into Storage, its checks (size, SHA-256, signature, target), Update and
// the reboot into the new bundle with its confirmation, and the return to the old bundle when
// the new one crash-loops. The device is dist/firmware.js in the stripped context
// (sim/device.ts), its Storage in memory; the servers are the simulator's, NoSec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootstrapServer, simpleConfig } from '../../sim/bootstrap-server';
import { Lwm2mServer, type OpResult } from '../../sim/lwm2m-server';
import { startDevice, DEFAULT_BUNDLE, RPK_BUNDLE, type SimDevice } from '../../sim/device';
import { MemoryStorage } from '../../sim/node-ports';
import { buildPackage, parsePackage, vendorKey, vendorPublic } from '../../tools/package-lib.mjs';
import { buildConfig } from '../../tools/board-lib.mjs';
import { pretokenise } from '../../tools/pretokenise.mjs';
import { parseConfig } from '../../firmware/espruino/config';
import { runCli } from '../../sim/cli';
import { UdpCoap } from '../helpers/udp-coap';
import { CODE, OPT } from '../../transport/coap/constants';
import { getStrings } from '../../transport/coap/message';
import { utf8Decode } from '../../transport/bytes';
import dgram from 'node:dgram';
import { randomFillSync } from 'node:crypto';
import { createDtlsServer, type DtlsServerRpk } from '../../transport/dtls/server';
import { serverCurves } from '../../transport/dtls/server-curves';
import { generateRpk } from '../../sim/rpk-keys';
import { existsSync } from 'node:fs';
import { CoapEndpoint } from '../../transport/coap/endpoint';
import { nodeCrypto } from '../../sim/node-crypto';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'fota-'));
const KEY = join(dir, 'vendor.key');
const vendor = vendorKey(KEY, true);
const VENDOR_PUB = vendorPublic(vendor);
const BUNDLE = readFileSync(DEFAULT_BUNDLE);
/** The same bundle announcing another version (Device /3/0/3 is LwM2M.VERSION). */
const NEW_BUNDLE = Buffer.from(BUNDLE.toString('latin1').replace('VERSION="0.1.0"', 'VERSION="0.2.0"'), 'latin1');

function pkg(bundle: Uint8Array, o: { target?: string; key?: ReturnType<typeof vendorKey> } = {}): Buffer {
  return buildPackage(bundle, o.key || vendor, { version: '0.2.0', target: o.target || 'psk' });
}

/** The status without its code: 'CHANGED(204)' → 'CHANGED'. */
const st = (r: OpResult) => r.status.replace(/\(\d+\)$/, '');

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 15000): Promise<void> {
  for (const end = Date.now() + ms; !(await cond()); ) {
    if (Date.now() > end) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function rig(ep: string, o: { storageSize?: number; vendorPub?: string; coap?: Record<string, number>; extraSecurity?: Record<string, unknown>; bundle?: string } = {}) {
  const lw = await Lwm2mServer.start({ port: 0, dtlsPort: -1, httpPort: 0 });
  const bs = await BootstrapServer.start({ port: 0, dtlsPort: -1 });
  const cfg = simpleConfig({ serverUri: lw.uri!, securityMode: 'NO_SEC', shortServerId: 101, lifetime: 60 });
  Object.assign(cfg.security, o.extraSecurity);
  bs.setConfig(ep, cfg);
  const log: string[] = [];
  const storage = new MemoryStorage();
  const dev: SimDevice = await startDevice({ endpoint: ep, bootstrapUri: bs.uri!, storage, vendorPub: o.vendorPub || VENDOR_PUB, storageSize: o.storageSize, coap: o.coap, bundle: o.bundle, log: (e, d) => log.push(`${e}: ${d}`) });
  await dev.waitFor('registered', 10000);
  await until('registration at the server', () => lw.clients().some((c: any) => c.endpoint === ep));
  const read = async (p: number[]) => {
    const r: OpResult = await lw.read(ep, p, 0);
    return r.success ? utf8Decode(r.payload) : `error ${r.status}`;
  };
  const push = (b: Uint8Array) => lw.write(ep, [5, 0, 0], [{ p: [5, 0, 0], v: b } as any], { format: 42, timeoutMs: 20000 });
  return {
    lw, bs, dev, log, storage, read, push,
    close: async () => {
      dev.kill();
      await lw.close();
      await bs.close();
    },
  };
}

test('package tool: a signed manifest binds the bundle, pretokenised as a board\'s Storage holds it; bad arguments get one line and exit 2', () => {
  const out = join(dir, 'fw.pkg');
  execFileSync(process.execPath, [join(ROOT, 'tools/package.mjs'), '--key', KEY, '--version', '0.2.0', DEFAULT_BUNDLE, '-o', out]);
  const p = parsePackage(readFileSync(out), VENDOR_PUB);
  assert.equal(p.sigOk, true);
  const stored = Buffer.from(pretokenise(readFileSync(DEFAULT_BUNDLE, 'utf8')), 'latin1');
  assert.deepEqual([p.manifest.v, p.manifest.t, p.manifest.n], ['0.2.0', 'psk', stored.length]);
  assert.ok(p.bundle.equals(stored));
  assert.ok(stored.length < readFileSync(DEFAULT_BUNDLE).length * 0.9, `pretokenised ${stored.length} bytes`);
  for (const [args, msg] of [
    [['--bogus'], /^package: unknown option '--bogus'\n$/],
    [[DEFAULT_BUNDLE], /^package: --key is required/],
    [['--key', join(dir, 'none.key'), DEFAULT_BUNDLE], /^package: --key .*none\.key not found \(--new-key creates one\)\n$/],
    [['--key', KEY, '--target', 'esp8266', DEFAULT_BUNDLE, '-o', join(dir, 'x.pkg')], /^package: --target 'esp8266' must be one of psk, rpk, rpk-ed25519\n$/],
    [['--key', KEY, join(dir, 'missing.js')], /^package: bundle '.*missing\.js' not found/],
  ] as [string[], RegExp][]) {
    const r = spawnSync(process.execPath, [join(ROOT, 'tools/package.mjs'), ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, msg);
  }
});

test('push with Block1 → Downloaded (State/Update Result observed) → Update → reboot into the new bundle, which confirms itself (Update Result 1)', async () => {
  const EP = 'urn:dev:fota-ok';
  const r = await rig(EP);
  try {
    const seen: string[] = [];
    const first = await r.lw.observe(EP, [5, 0, 3], 0, (n) => seen.push('state ' + utf8Decode(n.payload)));
    assert.equal(utf8Decode(first.payload), '0');
    await r.lw.observe(EP, [5, 0, 5], 0, (n) => seen.push('result ' + utf8Decode(n.payload)));
    const p = pkg(NEW_BUNDLE);
    const t0 = Date.now();
    const w = await r.push(p);
    const ms = Date.now() - t0;
    assert.equal(st(w), 'CHANGED', r.log.join('\n'));
    await until('Downloaded', async () => (await r.read([5, 0, 3])) === '2');
    console.log(`# pushed ${p.length} bytes in ${ms} ms: ${Math.round(p.length / ms)} KB/s (simulator, loopback); checked by ${Date.now() - t0} ms`);
    assert.ok(r.storage.read('lwm2m.js2')!.length === NEW_BUNDLE.length && Buffer.from(r.storage.read('lwm2m.js2')!).equals(NEW_BUNDLE), 'the bundle streamed into the second file');
    assert.equal(await r.read([5, 0, 7]), '0.2.0');
    // notified (Downloading may fall within the server's pmin and be reported as Downloaded only)
    await until('the State notification', () => seen.includes('state 2'));
    const reboots = r.dev.reboots;
    assert.equal(st(await r.lw.execute(EP, [5, 0, 2])), 'CHANGED');
    await until('the reboot', () => r.dev.reboots > reboots);
    await r.dev.waitFor('registered', 10000);
    await until('the new bundle confirmed', () => r.log.some((l) => l.startsWith('board: booted lwm2m.js2')) && (r.dev.client() && true));
    await until('Update Result 1', async () => (await r.read([5, 0, 5])) === '1');
    assert.equal(await r.read([5, 0, 3]), '0');
    assert.equal(await r.read([3, 0, 3]), '0.2.0', 'the new bundle runs');
    assert.ok(r.storage.read('lwm2m.fwb.a') || r.storage.read('lwm2m.fwb.b'));
    // a later reboot keeps the new bundle
    r.dev.reboot();
    await r.dev.waitFor('registered', 10000);
    assert.equal(await r.read([3, 0, 3]), '0.2.0');
  } finally {
    await r.close();
  }
});

test('bad packages leave the old bundle: wrong signature or SHA-256 → 5, another build → 6 (4.00), larger than free Storage → 2 (4.13)', async () => {
  const EP = 'urn:dev:fota-bad';
  const r = await rig(EP, { storageSize: 400 * 1024 });
  try {
    const other = vendorKey(join(dir, 'other.key'), true);
    const result = async () => [await r.read([5, 0, 3]), await r.read([5, 0, 5])];
    // signed by another key
    assert.equal(st(await r.push(pkg(NEW_BUNDLE, { key: other }))), 'CHANGED');
    await until('Update Result 5 (signature)', async () => (await r.read([5, 0, 5])) === '5');
    assert.deepEqual(await result(), ['0', '5']);
    assert.equal(r.storage.read('lwm2m.js2'), null, 'the rejected bundle is erased');
    // a bundle byte changed after signing
    const bad = pkg(NEW_BUNDLE);
    bad[bad.length - 10] ^= 1;
    assert.equal(st(await r.push(bad)), 'CHANGED');
    await until('Update Result 5 (SHA-256)', async () => (await r.read([5, 0, 5])) === '5' && (await r.read([5, 0, 3])) === '0');
    // a manifest for the RPK build
    assert.equal(st(await r.push(pkg(NEW_BUNDLE, { target: 'rpk' }))), 'BAD_REQUEST');
    assert.deepEqual(await result(), ['0', '6']);
    // larger than the free Storage (400 KB in all)
    const big = Buffer.alloc(420 * 1024, 0x20);
    assert.equal(st(await r.push(pkg(big))), 'REQUEST_ENTITY_TOO_LARGE');
    assert.deepEqual(await result(), ['0', '2']);
    assert.equal(await r.read([3, 0, 3]), '0.1.0', 'the old bundle runs');
    assert.equal(st(await r.lw.execute(EP, [5, 0, 2])), 'METHOD_NOT_ALLOWED', 'no Update without a package');
  } finally {
    await r.close();
  }
});

test('Ed25519 vendor key: a package it signed is checked by lwm2m.ved and applied; a tampered signature or a P-256 one → 5', async () => {
  const EP = 'urn:dev:fota-ed';
  const ed = vendorKey(join(dir, 'ed.key'), true, 'ed25519');
  const r = await rig(EP, { vendorPub: vendorPublic(ed) });
  try {
    const result = async () => [await r.read([5, 0, 3]), await r.read([5, 0, 5])];
    const good = pkg(NEW_BUNDLE, { key: ed });
    assert.equal(good[5], 2, 'an Ed25519 package');
    // the signature changed in its last byte (S): the verifier refuses it
    const bad = Buffer.from(good);
    bad[10 + bad.readUInt16BE(6) + 63] ^= 1;
    assert.equal(st(await r.push(bad)), 'CHANGED');
    await until('Update Result 5 (Ed25519 signature)', async () => (await result()).join() === '0,5');
    assert.equal(r.storage.read('lwm2m.js2'), null, 'the rejected bundle is erased');
    // signed by a P-256 key: not the vendor's
    assert.equal(st(await r.push(pkg(NEW_BUNDLE))), 'CHANGED');
    await until('Update Result 5 (another algorithm)', async () => (await result()).join() === '0,5');
    const t0 = Date.now();
    assert.equal(st(await r.push(good)), 'CHANGED', r.log.join('\n'));
    await until('Downloaded', async () => (await r.read([5, 0, 3])) === '2');
    console.log(`# Ed25519 package pushed and checked in ${Date.now() - t0} ms (simulator)`);
    assert.equal(await r.read([5, 0, 5]), '0');
    assert.equal(st(await r.lw.execute(EP, [5, 0, 2])), 'CHANGED');
    await until('the new bundle confirmed', async () => r.dev.reboots > 0 && r.dev.state() === 'registered' && (await r.read([5, 0, 5])) === '1');
    assert.equal(await r.read([3, 0, 3]), '0.2.0');
  } finally {
    await r.close();
  }
});

test('a new bundle that crashes at boot: three tries, then the old bundle boots and reports Update Result 8', async () => {
  const EP = 'urn:dev:fota-crash';
  const r = await rig(EP);
  try {
    assert.equal(st(await r.push(pkg(Buffer.from('throw new Error("broken build");\n')))), 'CHANGED');
    await until('Downloaded', async () => (await r.read([5, 0, 3])) === '2');
    const reboots = r.dev.reboots;
    assert.equal(st(await r.lw.execute(EP, [5, 0, 2])), 'CHANGED');
    await until('three failed boots and the return', () => r.dev.reboots >= reboots + 4, 10000);
    await r.dev.waitFor('registered', 10000);
    assert.equal(r.log.filter((l) => /lwm2m\.js2 failed to load/.test(l)).length, 3, r.log.filter((l) => l.startsWith('board')).join('\n'));
    await until('Update Result 8', async () => (await r.read([5, 0, 5])) === '8');
    assert.equal(await r.read([5, 0, 3]), '0');
    assert.equal(await r.read([3, 0, 3]), '0.1.0');
  } finally {
    await r.close();
  }
});

test('provisioning stores the vendor key (--vendor-pub: point or SPKI); the device refuses a malformed one', () => {
  const base = ['--endpoint', 'e', '--bootstrap', 'coap://h:5683'];
  assert.equal(buildConfig([...base, '--vendor-pub', VENDOR_PUB]).vendorPub, VENDOR_PUB);
  assert.equal(buildConfig([...base, '--vendor-pub', '3059301306072a8648ce3d020106082a8648ce3d030107034200' + VENDOR_PUB]).vendorPub, VENDOR_PUB);
  assert.throws(() => buildConfig([...base, '--vendor-pub', 'abcd']), /^Error: --vendor-pub is 2 bytes: the vendor key is a P-256 point \(65 bytes 04‖X‖Y\) or an Ed25519 key/);
  const edPub = vendorPublic(vendorKey(join(dir, 'ed.key'), true, 'ed25519'));
  assert.equal(edPub.length, 64);
  assert.equal(buildConfig([...base, '--vendor-pub', edPub]).vendorPub, edPub);
  assert.equal(buildConfig([...base, '--vendor-pub', '302a300506032b6570032100' + edPub]).vendorPub, edPub);
  assert.equal(parseConfig(JSON.stringify({ v: 1, endpoint: 'e', bootstrap: 'coap://h:5683', mode: 'nosec', vendorPub: edPub })).cfg!.vendorPub, edPub);
  assert.throws(() => buildConfig([...base, '--vendor-pub', '04' + '00'.repeat(64)]), /^Error: --vendor-pub is not a P-256 public key/);
  const cfg = { v: 1, endpoint: 'e', bootstrap: 'coap://h:5683', mode: 'nosec' };
  assert.equal(parseConfig(JSON.stringify({ ...cfg, vendorPub: VENDOR_PUB })).cfg!.vendorPub, VENDOR_PUB);
  assert.equal(parseConfig(JSON.stringify({ ...cfg, vendorPub: 'zz' })).error, 'lwm2m.cfg: vendorPub must be a P-256 point (65 bytes hex) or an Ed25519 key (32)');
});

test('npm run sim -- fota push EP FILE / fota update EP: the package through the server\'s API, then the new bundle; bad arguments one line', async () => {
  const EP = 'urn:dev:fota-cli';
  const r = await rig(EP);
  const out: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => out.push(a.join(' '));
  try {
    const api = ['--api', `http://127.0.0.1:${r.lw.http!.port}`];
    const file = join(dir, 'cli.pkg');
    writeFileSync(file, pkg(NEW_BUNDLE));
    const errs: string[] = [];
    for (const [args, re] of [
      [['fota', 'send', EP], /^lwm2m-sim: fota needs push, update or state, got 'send'$/],
      [['fota', 'push', EP], /^lwm2m-sim: missing package FILE/],
      [['fota', 'push', EP, join(dir, 'none.pkg')], /^lwm2m-sim: package '.*none\.pkg': not found$/],
      [['fota', 'push', EP, DEFAULT_BUNDLE], /^lwm2m-sim: '.*firmware\.js' is not a firmware package \(no LWFW header\)/],
      [['fota', 'update', EP, 'x'], /^lwm2m-sim: unexpected argument 'x'$/],
    ] as [string[], RegExp][]) {
      errs.length = 0;
      assert.equal(await runCli([...args, ...api], (l) => errs.push(l)), 2, args.join(' '));
      assert.match(errs.join('|'), re);
    }
    assert.equal(await runCli(['fota', 'push', EP, file, ...api], (l) => errs.push(l)), 0, errs.join('|'));
    assert.match(out.join('\n'), /fota: \d+ bytes in \d+ ms/);
    await until('Downloaded', async () => (await r.read([5, 0, 3])) === '2');
    assert.equal(await runCli(['fota', 'update', EP, ...api], (l) => errs.push(l)), 0, errs.join('|'));
    await until('the new bundle registered', async () => r.dev.reboots > 0 && r.dev.state() === 'registered' && (await r.read([3, 0, 3])) === '0.2.0');
    await until('Update Result 1', async () => (await r.read([5, 0, 5])) === '1');
  } finally {
    console.log = log;
    await r.close();
  }
});

/** A CoAP server holding `files` by path (Block2 as the client asks); `drop(n)` loses its n-th datagram. */
async function fileServer(files: Record<string, Uint8Array>, drop: (n: number) => boolean = () => false) {
  const gets: number[] = [];
  const srv = new UdpCoap({
    onRequest: (req, _p, ex) => {
      const path = '/' + (getStrings(req, OPT.URI_PATH) || []).join('/');
      gets.push(req.mid);
      ex.respond(files[path] ? { code: CODE.CONTENT, payload: files[path], contentFormat: 42 } : { code: CODE.NOT_FOUND });
    },
  });
  let n = 0;
  const send = srv.sock.send.bind(srv.sock) as (...a: unknown[]) => void;
  (srv.sock as any).send = (...a: unknown[]) => (drop(++n) ? undefined : send(...a));
  // the message ID of every datagram received (retransmissions too)
  const rx: number[] = [];
  srv.sock.on('message', (m) => rx.push(m.readUInt16BE(2)));
  const port = await srv.bind();
  return { uri: `coap://127.0.0.1:${port}`, gets, rx, close: () => srv.close() };
}

test('pull: a coap:// Package URI fetched with Block2, streamed into Storage, lost datagrams retransmitted → Downloaded; http:// → 9, no URI → 7, not found → 7', async () => {
  const EP = 'urn:dev:fota-pull';
  const p = pkg(NEW_BUNDLE);
  // the file server loses its 3rd and 10th answers: the device's CON retransmissions bring them again
  const fs = await fileServer({ '/fw/pkg': p }, (n) => n === 3 || n === 10);
  const r = await rig(EP);
  try {
    const wr = async (v: string) => st(await r.lw.write(EP, [5, 0, 1], [{ p: [5, 0, 1], v } as any]));
    const result = async () => [await r.read([5, 0, 3]), await r.read([5, 0, 5])];
    assert.equal(await wr('http://127.0.0.1/fw.pkg'), 'CHANGED');
    await until('Update Result 9', async () => (await result()).join() === '0,9');
    assert.equal(await wr('fw.pkg'), 'CHANGED');
    await until('Update Result 7', async () => (await result()).join() === '0,7');
    assert.equal(await wr(`${fs.uri}/fw/none`), 'CHANGED');
    await until('Update Result 7 (4.04)', async () => (await result()).join() === '0,7');
    const t0 = Date.now();
    assert.equal(await wr(`${fs.uri}/fw/pkg`), 'CHANGED');
    await until('Downloaded', async () => (await r.read([5, 0, 3])) === '2', 30000);
    console.log(`# pulled ${p.length} bytes in ${Date.now() - t0} ms with two answers lost (${Math.ceil(p.length / 512)} blocks of 512)`);
    assert.ok(Buffer.from(r.storage.read('lwm2m.js2')!).equals(NEW_BUNDLE));
    assert.equal(await r.read([5, 0, 5]), '0');
    assert.equal(st(await r.lw.execute(EP, [5, 0, 2])), 'CHANGED');
    await until('the new bundle confirmed', async () => r.dev.reboots > 0 && r.dev.state() === 'registered' && (await r.read([5, 0, 5])) === '1');
    assert.equal(await r.read([3, 0, 3]), '0.2.0');
  } finally {
    fs.close();
    await r.close();
  }
});

test('pull: a server that stops answering mid-way → resumed from the next block RESUMES (3) times, then Update Result 4; the old bundle stays', async () => {
  const EP = 'urn:dev:fota-pull-lost';
  let answered = 0;
  const stopAt = 5;
  // answers the first five GETs (blocks 0-4), then nothing more
  const fs = await fileServer({ '/fw/pkg': pkg(NEW_BUNDLE) }, () => ++answered > stopAt);
  // short CoAP timers (the device factory's coap, which the pull shares): a request gives up after ~0.1+0.2+0.4 s × ≤1.5
  const r = await rig(EP, { coap: { ACK_TIMEOUT: 100, MAX_RETRANSMIT: 2 } });
  try {
    const t0 = Date.now();
    assert.equal(st(await r.lw.write(EP, [5, 0, 1], [{ p: [5, 0, 1], v: `${fs.uri}/fw/pkg` } as any])), 'CHANGED');
    await until('Update Result 4', async () => (await r.read([5, 0, 5])) === '4', 20000);
    const ms = Date.now() - t0;
    assert.equal(await r.read([5, 0, 3]), '0');
    // the GETs after the last answered: the one lost and its 3 resumptions, each a new request
    // (a message ID of its own) sent 1 + MAX_RETRANSMIT times
    const lost = [...new Set(fs.rx.slice(stopAt))];
    assert.equal(lost.length, 4, `distinct requests after the server stopped: ${lost.length}`);
    assert.equal(fs.rx.length - stopAt, 4 * 3, 'each sent 1 + MAX_RETRANSMIT times');
    assert.equal(r.storage.read('lwm2m.js2'), null, 'the partial bundle is erased');
    assert.equal(await r.read([3, 0, 3]), '0.1.0', 'the old bundle runs');
    console.log(`# a pull whose server stopped answering gave up with Update Result 4 after ${ms} ms`);
  } finally {
    fs.close();
    await r.close();
  }
});

/**
 * A CoAP server over DTLS 1.2 (our server, transport/dtls/server.ts) holding `files` by path:
 * PSK with `keys` by identity (changeable); with `rpk` also raw public keys (its key pair
 * changeable, read at each handshake).
 */
async function dtlsFileServer(files: Record<string, Uint8Array>, keys: Record<string, Uint8Array>, rpk?: DtlsServerRpk) {
  const sock = dgram.createSocket('udp4');
  const now = () => Math.floor(performance.now());
  const rng = { fill: (b: Uint8Array) => void randomFillSync(b) };
  const events: string[] = [];
  const dtls = createDtlsServer({
    socket: { send: (d, p) => sock.send(d, p.port, p.address) },
    crypto: nodeCrypto,
    rng,
    pskKey: (id) => keys[Buffer.from(id).toString()] || null,
    rpk,
    onData: (d, p) => coap.receive(d, p, now()),
    onEvent: (e) => events.push(`${e.type}${e.name ? ' ' + e.name : ''}`),
  });
  const coap = new CoapEndpoint({
    port: dtls,
    rng,
    onRequest: (req, _p, ex) => {
      const path = '/' + (getStrings(req, OPT.URI_PATH) || []).join('/');
      ex.respond(files[path] ? { code: CODE.CONTENT, payload: files[path], contentFormat: 42 } : { code: CODE.NOT_FOUND });
    },
  });
  sock.on('message', (m, r) => dtls.receive(new Uint8Array(m), { address: r.address, port: r.port }));
  const tick = setInterval(() => {
    coap.poll(now());
    dtls.poll(now());
  }, 5);
  await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
  return { uri: `coaps://127.0.0.1:${sock.address().port}`, events, close: () => (clearInterval(tick), sock.close()) };
}

test('pull: a coaps:// Package URI over DTLS-PSK with the Security instance whose Server URI names that host and port → Downloaded; no such account → 9; a key the server refuses → 4', async () => {
  const EP = 'urn:dev:fota-coaps';
  const p = pkg(NEW_BUNDLE);
  const keys: Record<string, Uint8Array> = { 'fw-download': new Uint8Array(16).fill(7) };
  const fs = await dtlsFileServer({ '/fw/pkg': p }, keys);
  // the bootstrap server writes the download server's account as /0/2 (Short Server ID 102, no Server instance: not an LwM2M server)
  const dl = simpleConfig({ serverUri: fs.uri, securityMode: 'PSK', pskIdentity: 'fw-download', pskKey: new Uint8Array(16).fill(7), shortServerId: 102, securityInstance: 2 }).security;
  const r = await rig(EP, { extraSecurity: dl });
  try {
    const wr = async (v: string) => st(await r.lw.write(EP, [5, 0, 1], [{ p: [5, 0, 1], v } as any]));
    const result = async () => (await r.read([5, 0, 3])) + ',' + (await r.read([5, 0, 5]));
    // a coaps:// host and port no account names: the device has no credentials for it
    const other = fs.uri.replace(/:(\d+)$/, (_m, n) => `:${+n === 65535 ? 65534 : +n + 1}`);
    assert.equal(await wr(`${other}/fw/pkg`), 'CHANGED');
    await until('Update Result 9', async () => (await result()) === '0,9');
    const t0 = Date.now();
    assert.equal(await wr(`${fs.uri}/fw/pkg`), 'CHANGED');
    await until('Downloaded', async () => (await r.read([5, 0, 3])) === '2', 30000);
    console.log(`# pulled ${p.length} bytes over DTLS-PSK in ${Date.now() - t0} ms`);
    assert.ok(Buffer.from(r.storage.read('lwm2m.js2')!).equals(NEW_BUNDLE));
    assert.ok(fs.events.includes('connected'), fs.events.join());
    assert.equal(await r.read([5, 0, 5]), '0');
    // an empty URI cancels (Idle); then the server no longer takes the device's key
    assert.equal(await wr(''), 'CHANGED');
    keys['fw-download'] = new Uint8Array(16).fill(8);
    assert.equal(await wr(`${fs.uri}/fw/pkg`), 'CHANGED');
    await until('Update Result 4 (handshake refused)', async () => (await result()) === '0,4', 30000);
  } finally {
    fs.close();
    await r.close();
  }
});

/** The RPK build (P-256) announcing version 0.2.0, when built. */
const rpkSkip = existsSync(RPK_BUNDLE) ? false : 'skipped: dist/firmware-rpk.js not built (npm run build)';

/**
 * An RPK download account (Security Mode 1) for `uri`: the device's P-256 key pair in /0/2/3 and
 * /0/2/5, the server's key `serverSpki` in /0/2/4; Short Server ID 102, no Server instance.
 */
function rpkAccount(uri: string, dev: ReturnType<typeof generateRpk>, serverSpki: Uint8Array) {
  return simpleConfig({ serverUri: uri, securityMode: 'RPK', rpkPublicKey: dev.spki, rpkSecretKey: dev.pkcs8, serverPublicKey: serverSpki, shortServerId: 102, securityInstance: 2 }).security;
}

test('pull: coaps:// with an RPK account (RPK build): the device\'s key pair, the server\'s key pinned from /0/x/4 → Downloaded; a server presenting another key → 4', { skip: rpkSkip }, async () => {
  const EP = 'urn:dev:fota-coaps-rpk';
  serverCurves();
  const devKey = generateRpk('p256');
  const srvKey = generateRpk('p256');
  const other = generateRpk('p256');
  const rpkBundle = readFileSync(RPK_BUNDLE);
  const newRpk = Buffer.from(rpkBundle.toString('latin1').replace('VERSION="0.1.0"', 'VERSION="0.2.0"'), 'latin1');
  const p = pkg(newRpk, { target: 'rpk' });
  // the keys clients presented to the server, which trusts the device's only
  const presented: Buffer[] = [];
  const trust = (spki: Uint8Array) => {
    presented.push(Buffer.from(spki));
    return Buffer.from(spki).equals(Buffer.from(devKey.spki));
  };
  // the server starts with a key other than the one the device pins
  const srv: DtlsServerRpk = { key: other.pkcs8, spki: other.spki, trust };
  const fs = await dtlsFileServer({ '/fw/pkg': p }, {}, srv);
  const r = await rig(EP, { bundle: RPK_BUNDLE, extraSecurity: rpkAccount(fs.uri, devKey, srvKey.spki) });
  try {
    const wr = async (v: string) => st(await r.lw.write(EP, [5, 0, 1], [{ p: [5, 0, 1], v } as any]));
    const result = async () => (await r.read([5, 0, 3])) + ',' + (await r.read([5, 0, 5]));
    // the server's key is not /0/2/4: the device refuses it at the server's Certificate (bad_certificate),
    // before presenting its own key; the download never starts
    assert.equal(await wr(`${fs.uri}/fw/pkg`), 'CHANGED');
    await until('Update Result 4 (server key refused)', async () => (await result()) === '0,4', 60000);
    assert.equal(presented.length, 0, 'the device stopped before its own Certificate');
    assert.ok(!fs.events.includes('connected'), fs.events.join());
    assert.equal(r.storage.read('lwm2m.js2'), null);
    // the server with the pinned key
    Object.assign(srv, { key: srvKey.pkcs8, spki: srvKey.spki });
    fs.events.length = 0;
    const t0 = Date.now();
    assert.equal(await wr(`${fs.uri}/fw/pkg`), 'CHANGED');
    await until('Downloaded', async () => (await r.read([5, 0, 3])) === '2', 60000);
    console.log(`# pulled ${p.length} bytes over DTLS-RPK (P-256) in ${Date.now() - t0} ms`);
    assert.ok(fs.events.includes('connected'), fs.events.join());
    assert.ok(presented.length > 0 && presented.every((k) => k.equals(Buffer.from(devKey.spki))), 'the device presented its key from /0/2/3');
    assert.ok(Buffer.from(r.storage.read('lwm2m.js2')!).equals(newRpk));
    assert.equal(await r.read([5, 0, 5]), '0');
    assert.equal(await r.read([5, 0, 7]), '0.2.0');
  } finally {
    fs.close();
    await r.close();
  }
});

test('pull: coaps:// with an RPK account on the PSK build (no RPK code) → 9, no handshake', async () => {
  const EP = 'urn:dev:fota-coaps-rpk-psk';
  serverCurves();
  const devKey = generateRpk('p256');
  const srvKey = generateRpk('p256');
  const fs = await dtlsFileServer({ '/fw/pkg': pkg(NEW_BUNDLE) }, {}, { key: srvKey.pkcs8, spki: srvKey.spki, trust: () => true });
  const r = await rig(EP, { extraSecurity: rpkAccount(fs.uri, devKey, srvKey.spki) });
  try {
    assert.equal(st(await r.lw.write(EP, [5, 0, 1], [{ p: [5, 0, 1], v: `${fs.uri}/fw/pkg` } as any])), 'CHANGED');
    await until('Update Result 9', async () => (await r.read([5, 0, 3])) + ',' + (await r.read([5, 0, 5])) === '0,9');
    await new Promise((res) => setTimeout(res, 200));
    assert.deepEqual(fs.events, [], 'no datagram reached the server');
  } finally {
    fs.close();
    await r.close();
  }
});
