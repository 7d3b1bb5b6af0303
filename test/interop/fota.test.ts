// Firmware pull from libcoap's coap-server (libcoap3-bin), as issue 18's proof asks: a signed
// package PUT onto a dynamic resource (`coap-server -d`) by coap-client, then written as the
// device's Package URI by the simulator's LwM2M server, or by Eclipse Leshan's server through
// its REST API (which also executes Update and observes State and Update Result); the device
// (dist/firmware.js in the stripped context) fetches it with Block2, checks it, installs it and
// reboots into it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { needPeer, freeUdpPort } from '../helpers/peers';
import { BootstrapServer, simpleConfig } from '../../sim/bootstrap-server';
import { Lwm2mServer } from '../../sim/lwm2m-server';
import { startDevice, DEFAULT_BUNDLE } from '../../sim/device';
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

/** A signed package of dist/firmware.js announcing `version`, served by a fresh coap-server at the URI returned. */
async function served(dir: string, version: string) {
  const key = vendorKey(join(dir, 'vendor.key'), true);
  const bundle = Buffer.from(readFileSync(DEFAULT_BUNDLE, 'latin1').replace('VERSION="0.1.0"', `VERSION="${version}"`), 'latin1');
  writeFileSync(join(dir, 'fw.pkg'), buildPackage(bundle, key, { version, target: 'psk' }));
  const port = await freeUdpPort();
  const cs = spawn('coap-server-notls', ['-A', '127.0.0.1', '-p', String(port), '-d', '4'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  const uri = `coap://127.0.0.1:${port}/fw`;
  await run('coap-client-notls', ['-B', '20', '-m', 'put', '-b', '1024', '-t', 'application/octet-stream', '-f', join(dir, 'fw.pkg'), uri]);
  return { uri, vendorPub: vendorPublic(key), stop: () => cs.kill() };
}

test('pull from libcoap coap-server -d: the package PUT there by coap-client, fetched by the device with Block2, installed, confirmed (Update Result 1)', async (t) => {
  if (!needPeer(t, 'coap-server-notls', 'libcoap3-bin')) return;
  const dir = mkdtempSync(join(tmpdir(), 'fota-libcoap-'));
  const pkgSrv = await served(dir, '0.3.0');
  const EP = 'urn:dev:fota-libcoap';
  const lw = await Lwm2mServer.start({ port: 0, dtlsPort: -1 });
  const bs = await BootstrapServer.start({ port: 0, dtlsPort: -1 });
  bs.setConfig(EP, simpleConfig({ serverUri: lw.uri!, securityMode: 'NO_SEC', shortServerId: 101, lifetime: 60 }));
  const dev = await startDevice({ endpoint: EP, bootstrapUri: bs.uri!, storage: new MemoryStorage(), vendorPub: pkgSrv.vendorPub });
  try {
    const uri = pkgSrv.uri;
    await dev.waitFor('registered', 10000);
    const read = async (p: number[]) => utf8Decode((await lw.read(EP, p, 0)).payload);
    const w = await lw.write(EP, [5, 0, 1], [{ p: [5, 0, 1], v: uri } as any]);
    assert.equal(w.code, 68);
    await until('Downloaded', async () => (await read([5, 0, 3])) === '2', 30000);
    assert.equal(await read([5, 0, 7]), '0.3.0');
    assert.equal((await lw.execute(EP, [5, 0, 2])).code, 68);
    await until('the new bundle confirmed', async () => dev.reboots > 0 && dev.state() === 'registered' && (await read([5, 0, 5])) === '1', 20000);
    assert.equal(await read([3, 0, 3]), '0.3.0');
    assert.equal(await read([5, 0, 3]), '0');
  } finally {
    dev.kill();
    pkgSrv.stop();
    await lw.close();
    await bs.close();
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
