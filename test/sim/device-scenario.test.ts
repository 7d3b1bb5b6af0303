// Issue #6's proofs over real UDP on loopback: the device runs from dist/firmware.js in
// the Espruino-stripped context (sim/device.ts), the servers from sim/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScenario } from '../../sim/scenario';
import { BootstrapServer, simpleConfig, type BsEvent } from '../../sim/bootstrap-server';
import { Lwm2mServer, type ServerEvent } from '../../sim/lwm2m-server';
import { startDevice, type SimDevice } from '../../sim/device';
import { MemoryStorage } from '../../sim/node-ports';
import { Lossy } from '../../sim/lossy';
import { fromHex } from '../../transport/bytes';
import { T_BOOL } from '../../objects/core/types';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

for (const security of ['nosec', 'psk'] as const) {
  test(`scenario (${security}): bootstrap, register, reads, observe, buzzer, de-register`, async () => {
    const lines: string[] = [];
    const keylog = join(mkdtempSync(join(tmpdir(), 'scenario-keys-')), 'keys.log');
    const r = await runScenario({ security, once: true, notifications: 2, print: (l) => lines.push(l), keylog });
    assert.equal(r.ok, true, `${r.failed}: ${r.error}\n${lines.join('\n')}`);
    assert.ok(r.notifications >= 2);
    const text = lines.join('\n');
    for (const step of ['Bootstrap-Request', 'Bootstrap-Delete /0', 'Bootstrap-Write /0/1', 'Bootstrap-Write /1/0', 'Bootstrap-Finish', 'Register from', 'de-registered']) {
      assert.ok(text.includes(step), `timeline lacks ${step}:\n${text}`);
    }
    // --keylog: one NSS key log line per DTLS session (bootstrap, then LwM2M server), the owner's only; none without DTLS
    if (security === 'psk') {
      assert.match(readFileSync(keylog, 'utf8'), /^(CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}\n){2}$/);
      assert.equal(statSync(keylog).mode & 0o777, 0o600);
      assert.match(text, /DTLS session keys → .*keys\.log \(NSS key log/);
    } else assert.equal(existsSync(keylog), false);
  });
}

interface Rig {
  bs: BootstrapServer;
  lw: Lwm2mServer;
  bsEvents: BsEvent[];
  srvEvents: ServerEvent[];
  close(): Promise<void>;
}

async function rig(psk: boolean, lifetime = 60, coap?: Record<string, number>, onBs?: (e: BsEvent) => void): Promise<Rig> {
  const bsEvents: BsEvent[] = [];
  const srvEvents: ServerEvent[] = [];
  const lw = await Lwm2mServer.start({ port: psk ? -1 : 0, dtlsPort: psk ? 0 : -1, onEvent: (e) => srvEvents.push(e), coap });
  const bs = await BootstrapServer.start({ port: psk ? -1 : 0, dtlsPort: psk ? 0 : -1, onEvent: (e) => (bsEvents.push(e), onBs?.(e)), coap });
  if (psk) {
    lw.security.add({ endpoint: 'urn:dev:t', identity: 'dm', key: fromHex('0f0e0d0c0b0a09080706050403020100')! });
    bs.security.add({ endpoint: 'urn:dev:t', identity: 'bs', key: fromHex('000102030405060708090a0b0c0d0e0f')! });
  }
  bs.setConfig('urn:dev:t', simpleConfig({
    serverUri: (psk ? lw.secureUri : lw.uri)!,
    securityMode: psk ? 'PSK' : 'NO_SEC',
    pskIdentity: psk ? 'dm' : undefined,
    pskKey: psk ? fromHex('0f0e0d0c0b0a09080706050403020100')! : undefined,
    shortServerId: 101,
    lifetime,
  }));
  return { bs, lw, bsEvents, srvEvents, close: async () => (await bs.close(), await lw.close()) };
}

function devOpts(r: Rig, psk: boolean) {
  return {
    endpoint: 'urn:dev:t',
    bootstrapUri: (psk ? r.bs.secureUri : r.bs.uri)!,
    pskIdentity: psk ? 'bs' : undefined,
    pskKey: psk ? '000102030405060708090a0b0c0d0e0f' : undefined,
  };
}

const count = (r: Rig, t: string) => r.srvEvents.filter((e) => e.type === t).length;
const requests = (r: Rig) => r.bsEvents.filter((e) => e.type === 'request').length;

test('reboot (Execute /3/0/4): the device restarts from storage and registers again without bootstrapping', async () => {
  const r = await rig(true);
  const storage = new MemoryStorage();
  let dev: SimDevice | null = null;
  try {
    dev = await startDevice({ ...devOpts(r, true), storage });
    await dev.waitFor('registered', 15000);
    assert.equal(requests(r), 1);
    const ex = await r.lw.execute('urn:dev:t', [3, 0, 4]);
    assert.equal(ex.code, 68);
    for (let i = 0; i < 200 && count(r, 'REGISTRATION') < 2; i++) await new Promise((res) => setTimeout(res, 25));
    assert.equal(dev.reboots, 1);
    assert.equal(count(r, 'REGISTRATION'), 2, 'registered again after the reboot');
    assert.equal(requests(r), 1, 'no second Bootstrap-Request');
    // and the new registration answers
    const t = await r.lw.read('urn:dev:t', [3303, 0, 5700]);
    assert.equal(t.code, 69);
  } finally {
    await dev?.stop();
    await r.close();
  }
});

test('power cut during the bootstrap writes: the device comes back with a loadable configuration and bootstraps again', async () => {
  let dev: SimDevice | null = null;
  let cut: () => void = () => {};
  let cuts = 0;
  const powerCut = new Promise<void>((res) => (cut = res));
  // cut the power the moment the device has answered the Security write, before Bootstrap-Finish
  const r = await rig(false, 60, undefined, (e) => {
    if (e.type === 'write' && dev && cuts++ === 0) {
      dev.kill();
      cut();
    }
  });
  const storage = new MemoryStorage();
  dev = await startDevice({ ...devOpts(r, false), storage });
  try {
    await powerCut;
    const writtenBefore = storage.list('');
    dev = await startDevice({ ...devOpts(r, false), storage });
    await dev.waitFor('registered', 40000);
    assert.deepEqual(writtenBefore, [], 'nothing persisted before Bootstrap-Finish');
    assert.equal(requests(r), 2);
    assert.ok(storage.list('lwm2m.acc').length >= 1, 'persisted after the finish');
    // a second power cycle registers from storage
    await dev.stop();
    dev = await startDevice({ ...devOpts(r, false), storage });
    await dev.waitFor('registered', 15000);
    assert.equal(requests(r), 2, 'no bootstrap after a clean restart');
  } finally {
    await dev?.stop();
    await r.close();
  }
});

test('lossy network (30% loss, duplicates, reordering both ways): the flow completes and an Execute runs exactly once', { timeout: 240000 }, async () => {
  // Both sides retransmit 8 times (an exchange then fails with probability 0.51^9 ≈ 0.2%
  // at 30% loss each way), with a short ACK_TIMEOUT so the test takes seconds, not minutes.
  const coap = { ACK_TIMEOUT: 500, MAX_RETRANSMIT: 8 };
  const r = await rig(true, 60, coap);
  const net = new Lossy({ loss: 0.3, dup: 0.1, reorder: 0.1, maxDelay: 80, seed: 7 });
  const executed: string[] = [];
  const dev = await startDevice({
    ...devOpts(r, true),
    network: (send) => net.wrap(send),
    backoffBase: 500,
    coap,
    dtlsRetransmit: 300,
    dtlsTimeout: 10000,
    log: (ev, d) => {
      if (process.env.LOSSY_LOG) console.log(Date.now() % 1000000, ev, d);
      if (ev === 'request' && d.includes('POST /3303/0/5605')) executed.push(d);
    },
  });
  // an administrator retries a timed-out operation, as a person or script would
  const retry = async <T>(f: () => Promise<T & { code: number }>): Promise<T & { code: number }> => {
    for (let i = 0; ; i++) {
      try {
        return await f();
      } catch (e) {
        if (i >= 4) throw e;
      }
    }
  };
  try {
    await dev.waitFor('registered', 180000);
    const t = await retry(() => r.lw.read('urn:dev:t', [3303, 0, 5700]));
    assert.equal(t.code, 69);
    const w = await retry(() => r.lw.write('urn:dev:t', [3338, 0, 5850], [{ p: [3338, 0, 5850], t: T_BOOL, v: true }], { replace: true }));
    assert.equal(w.code, 68);
    assert.equal(dev.buzzer.on, true);
    const ex = await r.lw.execute('urn:dev:t', [3303, 0, 5605]);
    assert.equal(ex.code, 68);
    // let every retransmission and duplicate of that exchange arrive
    await new Promise((res) => setTimeout(res, 1500));
    assert.equal(executed.length, 1, `Execute ran ${executed.length} times`);
    assert.ok(net.stats.dropped > 0 && net.stats.duplicated > 0, JSON.stringify(net.stats));
  } finally {
    net.stop();
    await dev.stop();
    await r.close();
  }
});

test('Disable (Execute /1/0/4): the device de-registers, and registers again when the Disable Timeout (/1/0/5) ends', async () => {
  const r = await rig(false);
  const dev = await startDevice({ ...devOpts(r, false) });
  try {
    await dev.waitFor('registered', 15000);
    const w = await r.lw.write('urn:dev:t', [1, 0, 5], [{ p: [1, 0, 5], t: 2, v: 1 }], { replace: true });
    assert.equal(w.code, 68);
    const t0 = Date.now();
    assert.equal((await r.lw.execute('urn:dev:t', [1, 0, 4])).code, 68);
    for (let i = 0; i < 100 && count(r, 'DEREGISTRATION') < 1; i++) await new Promise((res) => setTimeout(res, 20));
    assert.equal(count(r, 'DEREGISTRATION'), 1, 'de-registered after the 2.04');
    for (let i = 0; i < 200 && count(r, 'REGISTRATION') < 2; i++) await new Promise((res) => setTimeout(res, 25));
    assert.equal(count(r, 'REGISTRATION'), 2, 'registered again after the Disable Timeout');
    assert.ok(Date.now() - t0 >= 900, `not before the 1 s timeout (${Date.now() - t0} ms)`);
    assert.equal(requests(r), 1, 'no new bootstrap');
  } finally {
    await dev.stop();
    await r.close();
  }
});
