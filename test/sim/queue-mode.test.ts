// Issue #20 part B over real UDP on loopback, the device running dist/firmware.js in the
// Espruino-stripped context: queue mode (Core §6.5) against our LwM2M server, which keeps a
// sleeping client's requests until it is heard from again, and notification storing while
// the server cannot be reached (Core §6.4.1, /1/x/6), delivered in order afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootstrapServer, simpleConfig } from '../../sim/bootstrap-server';
import { Lwm2mServer, type ServerEvent, type OpResult } from '../../sim/lwm2m-server';
import { startDevice, type SimDevice, type DeviceOptions } from '../../sim/device';
import { OpTimeout } from '../../sim/lwm2m-api';
import { fromHex } from '../../transport/bytes';
import type { Peer } from '../../transport/ports';

const EP = 'urn:dev:queue';
const T = [3303, 0, 5700];

async function until(what: string, cond: () => boolean, ms = 10000): Promise<void> {
  for (const end = Date.now() + ms; !cond(); ) {
    if (Date.now() > end) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rig(lifetime: number, awakeTimeMs?: number) {
  const events: ServerEvent[] = [];
  const lw = await Lwm2mServer.start({ port: -1, dtlsPort: 0, onEvent: (e) => events.push(e), awakeTimeMs });
  const bs = await BootstrapServer.start({ port: -1, dtlsPort: 0 });
  lw.security.add({ endpoint: EP, identity: 'dm', key: fromHex('0f0e0d0c0b0a09080706050403020100')! });
  bs.security.add({ endpoint: EP, identity: 'bs', key: fromHex('000102030405060708090a0b0c0d0e0f')! });
  bs.setConfig(EP, simpleConfig({ serverUri: lw.secureUri!, securityMode: 'PSK', pskIdentity: 'dm', pskKey: fromHex('0f0e0d0c0b0a09080706050403020100')!, shortServerId: 101, lifetime }));
  const opts: DeviceOptions = { endpoint: EP, bootstrapUri: bs.secureUri!, pskIdentity: 'bs', pskKey: '000102030405060708090a0b0c0d0e0f', period: 3600000 };
  return { lw, bs, events, opts, close: async () => (await bs.close(), await lw.close()) };
}

test('queue mode: the device registers with Q, sleeps (socket closed) after its awake time, wakes at pmax with an Update, and answers the Read our server queued', async () => {
  // the server takes a client to sleep 1 s after it was last heard (Leshan: 93 s); the device sleeps after 1.5 s
  const r = await rig(300, 1000);
  const log: string[] = [];
  let dev: SimDevice | null = null;
  try {
    dev = await startDevice({ ...r.opts, queue: true, awake: 1500, log: (e, d) => log.push(`${e}: ${d}`) });
    await dev.waitFor('registered', 10000);
    const reg = r.lw.get(EP)!;
    assert.equal(reg.queuemode, true, 'Register carried Q');
    assert.equal(reg.bindingMode, 'U', 'b=U (LwM2M 1.1: queue mode is the Q parameter, not a binding)');
    // in the awake window: a notification at least every 4 s wakes the device later
    assert.equal((await r.lw.writeAttributes(EP, T, ['pmax=4'])).code, 68);
    assert.equal((await r.lw.observe(EP, T)).code, 69);
    await until('the device to sleep', () => dev!.asleep(), 5000);
    assert.ok(log.some((l) => l === 'queue: sleeping: radio off'), log.join('\n'));
    assert.equal(r.lw.asleep(EP), true);

    // a request with a short timeout: never sent, and said so
    await assert.rejects(r.lw.read(EP, [3, 0, 0], undefined, 300), (e: Error) => e instanceof OpTimeout && /is sleeping \(queue mode\) and did not wake within 300 ms: the request was not sent/.test(e.message));
    // a queued Read: sent once the device's Update says it is awake
    const asked = Date.now();
    const updatesBefore = r.events.filter((e) => e.type === 'UPDATED').length;
    const res: OpResult = await r.lw.read(EP, [3, 0, 0], undefined, 10000);
    assert.equal(res.code, 69);
    assert.deepEqual(res.recs?.map((x) => x.v), ['lwm2m-espruino']);
    const waited = Date.now() - asked;
    assert.ok(waited > 200, `the Read waited for the device to wake (${waited} ms)`);
    assert.ok(r.events.filter((e) => e.type === 'UPDATED').length > updatesBefore, 'the device announced itself with an Update');
    assert.ok(r.events.some((e) => e.type === 'AWAKE'));
    assert.ok(log.some((l) => l === 'queue: awake: radio on'), log.join('\n'));
    // and it sleeps again after the exchange
    await until('the device to sleep again', () => dev!.asleep(), 5000);
  } finally {
    await dev?.stop();
    await r.close();
  }
});

test('queue mode: the Update before the lifetime ends wakes a sleeping device on its own', async () => {
  const r = await rig(4);
  const log: string[] = [];
  let dev: SimDevice | null = null;
  try {
    dev = await startDevice({ ...r.opts, queue: true, awake: 300, log: (e, d) => log.push(`${e}: ${d}`) });
    await dev.waitFor('registered', 10000);
    await until('the device to sleep', () => dev!.asleep(), 3000);
    const n = r.events.filter((e) => e.type === 'UPDATED').length;
    // lifetime 4 s: its Update at 2 s (half the lifetime: the default margin, 93 s, is longer)
    await until('an Update from the sleeping device', () => r.events.filter((e) => e.type === 'UPDATED').length > n, 4000);
    assert.ok(log.indexOf('queue: awake: radio on') > log.indexOf('queue: sleeping: radio off'), log.join('\n'));
    await until('the device to sleep again', () => dev!.asleep(), 3000);
    assert.equal(dev.state(), 'registered');
  } finally {
    await dev?.stop();
    await r.close();
  }
});

/** A device of `rig(lifetime)`, started with `more` and a log, given to `body`; both closed after. */
async function withDevice(lifetime: number, more: Partial<DeviceOptions>, body: (r: Awaited<ReturnType<typeof rig>>, dev: SimDevice, log: string[]) => Promise<void>): Promise<void> {
  const r = await rig(lifetime);
  const log: string[] = [];
  let dev: SimDevice | null = null;
  try {
    dev = await startDevice({ ...r.opts, ...more, log: (e, d) => log.push(`${e}: ${d}`) });
    await body(r, dev, log);
  } finally {
    await dev?.stop();
    await r.close();
  }
}

/** Registered, the temperature observed by the server with pmin=0: the contents of its notifications, in order. */
async function observeTemp(r: Awaited<ReturnType<typeof rig>>, dev: SimDevice): Promise<unknown[]> {
  await dev.waitFor('registered', 10000);
  assert.equal((await r.lw.writeAttributes(EP, T, ['pmin=0'])).code, 68);
  const got: unknown[] = [];
  assert.equal((await r.lw.observe(EP, T, 0, (n) => got.push(n.content))).code, 69);
  return got;
}

/** The 20 values 1..20 written into the observed temperature while the server cannot be reached, one poll each. */
async function take20(dev: SimDevice): Promise<void> {
  const temp = dev.client().reg.obj(3303);
  for (let i = 1; i <= 20; i++) {
    temp.set(0, 5700, i);
    await sleep(5);
  }
}

test('notification storing: 20 notifications taken while the server is unreachable (its Update unanswered) arrive in order afterwards', async () => {
  const r = await rig(10);
  const log: string[] = [];
  let cut = false;
  const gate = (send: (d: Uint8Array, p: Peer) => void) => (d: Uint8Array, p: Peer) => {
    if (!cut) send(d, p);
  };
  let dev: SimDevice | null = null;
  try {
    // Update 8 s before the lifetime (10 s) ends, at most half of it: at 5 s; a fast retransmission span (0.9 s)
    dev = await startDevice({ ...r.opts, network: gate, updateMargin: 8000, coap: { ACK_TIMEOUT: 200, MAX_RETRANSMIT: 1 }, log: (e, d) => log.push(`${e}: ${d}`) });
    const got = await observeTemp(r, dev);
    cut = true;
    await until('the device to find its server out of reach', () => log.some((l) => l.startsWith('offline: server 101: Update timeout')), 8000);
    await take20(dev);
    assert.equal(got.length, 0);
    assert.equal(dev.client().reporting.held?.length, 40, 'twenty kept (two entries each)');
    cut = false;
    await until('the 20 notifications', () => got.length >= 20, 3000);
    assert.deepEqual(got.map((c: any) => Number(c.value)), Array.from({ length: 20 }, (_, i) => i + 1), 'in the order taken');
    assert.ok(log.some((l) => l === 'updated: server 101: reachable again'), log.join('\n'));
    assert.equal(dev.state(), 'registered');
    assert.equal(r.events.filter((e) => e.type === 'REGISTRATION').length, 1, 'the same registration throughout');
  } finally {
    await dev?.stop();
    await r.close();
  }
});

test('notification storing: a link loss (the socket closed, the client told) keeps notifications; back, they go in order', async () => {
  const r = await rig(300);
  let dev: SimDevice | null = null;
  try {
    dev = await startDevice({ ...r.opts, store: 5 });
    const got = await observeTemp(r, dev);
    dev.link(false);
    await take20(dev);
    assert.equal(dev.client().reporting.lost, 15, 'store: 5 keeps the newest five');
    dev.link(true);
    await until('the 5 notifications', () => got.length >= 5, 3000);
    await sleep(100);
    assert.deepEqual(got.map((c: any) => Number(c.value)), [16, 17, 18, 19, 20]);
  } finally {
    await dev?.stop();
    await r.close();
  }
});

test('notification storing: a CON notification the server does not acknowledge keeps the observation; it and the later ones arrive in order after the next answered Update', async () => {
  let cut = false;
  const gate = (send: (d: Uint8Array, p: Peer) => void) => (d: Uint8Array, p: Peer) => {
    if (!cut) send(d, p);
  };
  // CON notifications, a fast retransmission span (ACK_TIMEOUT 200 ms, one retransmission: 0.6–0.9 s)
  await withDevice(60, { network: gate, notifyCon: true, coap: { ACK_TIMEOUT: 200, MAX_RETRANSMIT: 1 } }, async (r, dev, log) => {
    const got = await observeTemp(r, dev);
    cut = true;
    const temp = dev.client().reg.obj(3303);
    temp.set(0, 5700, 1);
    await until('the unacknowledged notification to be taken as the server out of reach', () => log.some((l) => l === 'offline: server 101: notification unacknowledged; keeping notifications until it answers'), 5000);
    assert.equal(dev.client().reporting.list.length, 1, 'the observation stays');
    for (let v = 2; v <= 5; v++) {
      temp.set(0, 5700, v);
      await sleep(5);
    }
    assert.equal(dev.client().reporting.held?.length, 10, 'the lost one and four more kept');
    cut = false;
    await until('the 5 notifications', () => got.length >= 5, 5000);
    await sleep(100);
    assert.deepEqual(got.map((c: any) => Number(c.value)), [1, 2, 3, 4, 5], 'in the order taken');
    assert.ok(log.some((l) => l === 'updated: server 101: reachable again'), log.join('\n'));
    temp.set(0, 5700, 6);
    await until('the next notification on the same observation', () => got.length >= 6, 3000);
    assert.equal(r.events.filter((e) => e.type === 'REGISTRATION').length, 1, 'the same registration throughout');
  });
});

test('notification storing: the link back with a new address (Wi-Fi rejoined): the kept notifications survive, the registration and observation stand, they go in order after an Update from the new address', async () => {
  await withDevice(300, {}, async (r, dev, log) => {
    const got = await observeTemp(r, dev);
    const before = dev.port();
    dev.link(false);
    const temp = dev.client().reg.obj(3303);
    for (let v = 1; v <= 5; v++) {
      temp.set(0, 5700, v);
      await sleep(5);
    }
    assert.equal(dev.client().reporting.held?.length, 10);
    await dev.move();
    assert.notEqual(dev.port(), before);
    await until('the 5 notifications', () => got.length >= 5, 5000);
    await sleep(100);
    assert.deepEqual(got.map((c: any) => Number(c.value)), [1, 2, 3, 4, 5], 'in the order taken');
    const upd = r.events.filter((e) => e.type === 'UPDATED').pop() as any;
    assert.equal(upd?.registration.address, `127.0.0.1:${dev.port()}`, 'the server has the new address from the Update');
    assert.equal(r.events.filter((e) => e.type === 'REGISTRATION').length, 1, 'the same registration throughout');
    temp.set(0, 5700, 6);
    await until('the next notification, from the new address', () => got.length >= 6, 3000);
    assert.ok(log.includes('reconnect: a new address: Update on the registrations kept'), log.join('\n'));
  });
});
