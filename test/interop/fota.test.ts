// Firmware pull from libcoap's coap-server (libcoap3-bin), as issue 18's proof asks: a signed
// package PUT onto a dynamic resource (`coap-server -d`) by coap-client, then written as the
// device's Package URI by the simulator's LwM2M server, or by Eclipse Leshan's server through
// its REST API (which also executes Update and observes State and Update Result); the device
// (dist/firmware.js in the stripped context) fetches it with Block2, checks it, installs it and
// reboots into it. Over DTLS too (coaps://): coap-server-gnutls with a PSK (-k, -h, -i: the key
// of the device's PSK identity) and with a raw public key (-M, P-256; the device is
// dist/firmware-rpk.js and pins the server's key from its Security instance).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { needPeer, freeUdpPort } from '../helpers/peers';
import { BootstrapServer, simpleConfig } from '../../sim/bootstrap-server';
import { Lwm2mServer } from '../../sim/lwm2m-server';
import { startDevice, DEFAULT_BUNDLE, RPK_BUNDLE } from '../../sim/device';
import { generateRpk, type RpkKeyPair } from '../../sim/rpk-keys';
import { MemoryStorage } from '../../sim/node-ports';
import { buildPackage, vendorKey, vendorPublic } from '../../tools/package-lib.mjs';
import { utf8Decode } from '../../transport/bytes';
import { LeshanServer, leshanMissing, type SseEvent } from '../../sim/leshan';

/** Leshan's server demo takes no port 0: fixed ports of the 26500-26599 range, apart from test/interop/leshan.test.ts's. */
const LESHAN_PORTS = { coapPort: 26593, coapsPort: 26594, webPort: 26590 };
const leshanSkip = leshanMissing();
if (leshanSkip && process.env.REQUIRE_PEERS === '1') throw new Error(`Leshan is required under .ci/run: ${leshanSkip}`);

const run = promisify(execFile);

async function until(what: string, cond: () => Promise<boolean>, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !(await cond()); ) {
    if (Date.now() > end) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A libcoap coap-server on loopback with `args` (its port: `-p N` serves coap:// on N and coaps:// on N + 1). */
async function coapServer(cmd: string, args: string[]): Promise<{ port: number; cs: ChildProcess }> {
  const port = await freeUdpPort();
  const cs = spawn(cmd, ['-A', '127.0.0.1', '-p', String(port), ...args], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  return { port, cs };
}

/**
 * A signed package of the bundle (dist/firmware.js, or `o.bundle` for `o.target`) announcing
 * `version`, served by a fresh coap-server at the URI returned: coap-server-notls, or `o.dtls`
 * (coap-server-gnutls with its credential options `o.dtls.server`, the package PUT over coaps://
 * by coap-client-gnutls with `o.dtls.client`).
 */
async function served(dir: string, version: string, o: { bundle?: string; target?: string; dtls?: { server: string[]; client: string[] } } = {}) {
  const key = vendorKey(join(dir, 'vendor.key'), true);
  const bundle = Buffer.from(readFileSync(o.bundle || DEFAULT_BUNDLE, 'latin1').replace('VERSION="0.1.0"', `VERSION="${version}"`), 'latin1');
  writeFileSync(join(dir, 'fw.pkg'), buildPackage(bundle, key, { version, target: o.target || 'psk' }));
  const tls = o.dtls ? 'gnutls' : 'notls';
  const { port, cs } = await coapServer(`coap-server-${tls}`, ['-d', '4', ...(o.dtls ? o.dtls.server : [])]);
  const uri = o.dtls ? `coaps://127.0.0.1:${port + 1}/fw` : `coap://127.0.0.1:${port}/fw`;
  const put = await run(`coap-client-${tls}`, ['-B', '20', ...(o.dtls ? o.dtls.client : []), '-m', 'put', '-b', '1024', '-t', 'application/octet-stream', '-f', join(dir, 'fw.pkg'), uri]);
  // coap-client exits 0 even when DTLS fails (INTEROP.md): its output says so
  assert.doesNotMatch(put.stdout + put.stderr, /ERR|cannot send/, `the PUT to ${uri}`);
  return { uri, vendorPub: vendorPublic(key), stop: () => cs.kill() };
}

/** The device's Security instance `iid` for a download server at `uri` (Short Server ID 100 + iid, no Server instance: not an LwM2M server). */
function download(uri: string, iid: number, a: { psk?: [string, string]; rpk?: [RpkKeyPair, Uint8Array] }) {
  return simpleConfig({
    serverUri: uri.replace(/\/fw$/, ''),
    ...(a.psk ? { securityMode: 'PSK', pskIdentity: a.psk[0], pskKey: new Uint8Array(Buffer.from(a.psk[1])) } : { securityMode: 'RPK', rpkPublicKey: a.rpk![0].spki, rpkSecretKey: a.rpk![0].pkcs8, serverPublicKey: a.rpk![1] }),
    shortServerId: 100 + iid,
    securityInstance: iid,
  }).security;
}

/**
 * The simulator's servers (NoSec) and a device (`bundle`) whose bootstrap also writes
 * `security` (download accounts), registered.
 */
async function pullRig(ep: string, vendorPub: string, security: Record<string, unknown>, bundle?: string) {
  const lw = await Lwm2mServer.start({ port: 0, dtlsPort: -1 });
  const bs = await BootstrapServer.start({ port: 0, dtlsPort: -1 });
  const cfg = simpleConfig({ serverUri: lw.uri!, securityMode: 'NO_SEC', shortServerId: 101, lifetime: 60 });
  Object.assign(cfg.security, security);
  bs.setConfig(ep, cfg);
  const dev = await startDevice({ endpoint: ep, bootstrapUri: bs.uri!, storage: new MemoryStorage(), vendorPub, bundle });
  await dev.waitFor('registered', 10000);
  const read = async (p: number[]) => utf8Decode((await lw.read(ep, p, 0)).payload);
  const state = async () => (await read([5, 0, 3])) + ',' + (await read([5, 0, 5]));
  /** Writes the Package URI; waits for State,Update Result `want`. */
  const pull = async (uri: string, want: string, ms = 30000) => {
    assert.equal((await lw.write(ep, [5, 0, 1], [{ p: [5, 0, 1], v: uri } as any])).code, 68);
    await until(`State,Update Result ${want}`, async () => (await state()) === want, ms);
  };
  return {
    pull,
    /** The package at `uri` (of `version`) pulled, Downloaded, then Update: the new bundle runs and confirmed itself. */
    install: async (uri: string, version: string, ms = 30000) => {
      const t0 = Date.now();
      await pull(uri, '2,0', ms);
      console.log(`# pulled ${uri} in ${Date.now() - t0} ms`);
      assert.equal(await read([5, 0, 7]), version);
      assert.equal((await lw.execute(ep, [5, 0, 2])).code, 68);
      await until('the new bundle confirmed', async () => dev.reboots > 0 && dev.state() === 'registered' && (await read([5, 0, 5])) === '1', 20000);
      assert.equal(await read([5, 0, 3]), '0');
      assert.equal(await read([3, 0, 3]), version);
    },
    close: async () => {
      dev.kill();
      await lw.close();
      await bs.close();
    },
  };
}

test('pull from libcoap coap-server -d: the package PUT there by coap-client, fetched by the device with Block2, installed, confirmed (Update Result 1)', async (t) => {
  if (!needPeer(t, 'coap-server-notls', 'libcoap3-bin')) return;
  const dir = mkdtempSync(join(tmpdir(), 'fota-libcoap-'));
  const pkgSrv = await served(dir, '0.3.0');
  const r = await pullRig('urn:dev:fota-libcoap', pkgSrv.vendorPub, {});
  try {
    await r.install(pkgSrv.uri, '0.3.0');
  } finally {
    pkgSrv.stop();
    await r.close();
  }
});

test('coaps:// pull over DTLS-PSK from libcoap coap-server-gnutls -k/-h/-i -d: the key of the device\'s PSK identity from /0/2, the package PUT there by coap-client-gnutls; installed, confirmed', async (t) => {
  if (!needPeer(t, 'coap-server-gnutls', 'libcoap3-bin')) return;
  const dir = mkdtempSync(join(tmpdir(), 'fota-libcoap-psk-'));
  // -k is the key for identities -i does not name: the device gets its package only by its own identity's key (-k, -i take text)
  writeFileSync(join(dir, 'ids'), 'fwhint,fw-download,fwDownloadKey42\n');
  const dtls = { server: ['-k', 'notTheDeviceKey', '-h', 'fwhint', '-i', join(dir, 'ids')], client: ['-u', 'fw-download', '-k', 'fwDownloadKey42'] };
  const pkgSrv = await served(dir, '0.5.0', { dtls });
  const r = await pullRig('urn:dev:fota-libcoap-psk', pkgSrv.vendorPub, download(pkgSrv.uri, 2, { psk: ['fw-download', 'fwDownloadKey42'] }));
  try {
    await r.install(pkgSrv.uri, '0.5.0');
  } finally {
    pkgSrv.stop();
    await r.close();
  }
});

/**
 * A fresh P-256 key and libcoap's -M file for it (PUBLIC KEY PEM, then PRIVATE KEY PEM; GnuTLS
 * 3.7.9 needs the public key inside the private key's DER too, so not the short PKCS#8 form
 * Leshan writes); gives its SubjectPublicKeyInfo DER.
 */
function rpkFile(file: string): Uint8Array {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(file, String(publicKey.export({ type: 'spki', format: 'pem' })) + String(privateKey.export({ type: 'pkcs8', format: 'pem' })), { mode: 0o600 });
  return new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
}

test('coaps:// pull over DTLS-RPK (P-256) from libcoap coap-server-gnutls -M -d (the RPK build, the server\'s key pinned from /0/x/4); another server\'s key → 4; installed, confirmed', async (t) => {
  if (!needPeer(t, 'coap-server-gnutls', 'libcoap3-bin')) return;
  if (!existsSync(RPK_BUNDLE)) return t.skip('dist/firmware-rpk.js not built (npm run build)');
  const dir = mkdtempSync(join(tmpdir(), 'fota-libcoap-rpk-'));
  const srvSpki = rpkFile(join(dir, 'server.pem'));
  rpkFile(join(dir, 'client.pem'));
  rpkFile(join(dir, 'other.pem'));
  const pkgSrv = await served(dir, '0.6.0', { bundle: RPK_BUNDLE, target: 'rpk', dtls: { server: ['-M', join(dir, 'server.pem')], client: ['-M', join(dir, 'client.pem')] } });
  // a second coap-server with a key of its own, for which the device's account pins the first one's
  const other = await coapServer('coap-server-gnutls', ['-M', join(dir, 'other.pem')]);
  const otherUri = `coaps://127.0.0.1:${other.port + 1}/fw`;
  const devKey = generateRpk('p256');
  const accounts = { ...download(pkgSrv.uri, 2, { rpk: [devKey, srvSpki] }), ...download(otherUri, 3, { rpk: [devKey, srvSpki] }) };
  const r = await pullRig('urn:dev:fota-libcoap-rpk', pkgSrv.vendorPub, accounts, RPK_BUNDLE);
  try {
    await r.pull(otherUri, '0,4');
    await r.install(pkgSrv.uri, '0.6.0', 60000);
  } finally {
    other.cs.kill();
    pkgSrv.stop();
    await r.close();
  }
});

test('Leshan writes the Package URI and executes Update (REST); the device pulls from coap-server; Leshan sees State and Update Result change', { skip: leshanSkip ? `skipped: ${leshanSkip}` : false }, async (t) => {
  if (!needPeer(t, 'coap-server-notls', 'libcoap3-bin')) return;
  const dir = mkdtempSync(join(tmpdir(), 'fota-leshan-'));
  const pkgSrv = await served(dir, '0.4.0');
  const server = await LeshanServer.start(LESHAN_PORTS);
  const EP = `urn:dev:fota-leshan-${process.pid}`;
  const bs = await BootstrapServer.start({ port: 0, dtlsPort: -1 });
  bs.setConfig(EP, simpleConfig({ serverUri: server.coapUri, securityMode: 'NO_SEC', shortServerId: 123, lifetime: 60 }));
  const ev = server.events(EP);
  await ev.open;
  const dev = await startDevice({ endpoint: EP, bootstrapUri: bs.uri!, storage: new MemoryStorage(), vendorPub: pkgSrv.vendorPub });
  const api = (m: string, p: string, body?: unknown) => server.api(m, `/clients/${encodeURIComponent(EP)}${p}`, body);
  try {
    await ev.wait((e) => e.event === 'REGISTRATION', 20000, 'the registration');
    for (const r of ['3', '5']) assert.equal((await api('POST', `/5/0/${r}/observe`)).status, 'CONTENT(205)');
    const seen = (r: string, v: number) => (e: SseEvent) => e.event === 'NOTIFICATION' && e.data.res === `/5/0/${r}` && String(e.data.val.value) === String(v);
    assert.equal((await api('PUT', '/5/0/1', { id: 1, kind: 'singleResource', type: 'string', value: pkgSrv.uri })).status, 'CHANGED(204)');
    await ev.wait(seen('3', 2), 30000, 'State Downloaded at Leshan');
    assert.equal((await api('GET', '/5/0/7')).content.value, '0.4.0');
    assert.equal((await api('POST', '/5/0/2')).status, 'CHANGED(204)');
    // the new bundle registers again and confirms itself: Leshan reads Update Result 1, State Idle
    await ev.wait((e) => e.event === 'REGISTRATION' && dev.reboots > 0, 20000, 'the registration of the new bundle');
    await until('Update Result 1 at Leshan', async () => String((await api('GET', '/5/0/5')).content.value) === '1', 20000);
    assert.equal(String((await api('GET', '/5/0/3')).content.value), '0');
    assert.equal((await api('GET', '/3/0/3')).content.value, '0.4.0');
  } finally {
    dev.kill();
    ev.close();
    pkgSrv.stop();
    await bs.close();
    await server.stop();
  }
});
