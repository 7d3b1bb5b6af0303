// Send and the composite operations end to end (issue #20 part A): the bundle (dist/firmware.js in
// the stripped context) registered with the simulator's LwM2M server over NoSec. The owner's
// send(paths) arrives as `POST /dp` in SenML CBOR (SenML JSON when the device prefers it), the
// server answers 2.04 and reports a SEND event, Mute Send (/1/x/23) stops it; the server reads,
// writes and observes several paths at once through its admin API (Leshan's REST shape).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootstrapServer, simpleConfig } from '../../sim/bootstrap-server';
import { Lwm2mServer, type ServerEvent } from '../../sim/lwm2m-server';
import { startDevice, type SimDevice, type DeviceOptions } from '../../sim/device';
import { CF_SENML_CBOR, CF_SENML_JSON } from '../../objects/formats/index';
import { T_BOOL, T_STR } from '../../objects/core/types';

const EP = 'urn:dev:sendcomp';

async function rig(format?: number, more: Partial<DeviceOptions> = {}) {
  const events: ServerEvent[] = [];
  const lw = await Lwm2mServer.start({ port: 0, dtlsPort: -1, httpPort: 0, api: { tokenFile: null }, onEvent: (e) => events.push(e) });
  const bs = await BootstrapServer.start({ port: 0, dtlsPort: -1 });
  bs.setConfig(EP, simpleConfig({ serverUri: lw.uri!, securityMode: 'NO_SEC', shortServerId: 101, lifetime: 60 }));
  const dev: SimDevice = await startDevice({ endpoint: EP, bootstrapUri: bs.uri!, format, holdOff: 0, ...more });
  await dev.waitFor('registered', 10000);
  const close = async () => {
    await dev.stop();
    await bs.close();
    await lw.close();
  };
  return { lw, bs, dev, events, close };
}

async function until<T>(what: string, f: () => T | undefined, ms = 5000): Promise<T> {
  for (const end = Date.now() + ms; ; ) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('Send: the owner\'s send(paths) is POST /dp in SenML CBOR, answered 2.04; the server reports the values; Mute Send stops it', async () => {
  const { lw, dev, events, close } = await rig();
  try {
    const answers: string[] = [];
    assert.equal(dev.send(['/3303/0/5700', '/3/0/0', '/3338/0/5850'], (r) => answers.push(r)), '');
    const e = await until('SEND event', () => events.find((x) => x.type === 'SEND'));
    assert.equal(e.path, 'SENML_CBOR');
    assert.deepEqual(e.recs!.map((r) => r.p.join('/')), ['3303/0/5700', '3/0/0', '3338/0/5850']);
    const val = e.value as Record<string, { value: unknown }>;
    assert.equal(val['/3/0/0'].value, 'lwm2m-espruino');
    assert.equal(typeof e.recs![0].v, 'number');
    assert.equal(Number(val['/3303/0/5700'].value), e.recs![0].v);
    assert.equal(val['/3338/0/5850'].value, false);
    await until('2.04 to the device', () => (answers.length ? answers : undefined));
    assert.deepEqual(answers, ['2.04']);
    // bad input: one line naming it
    assert.match(dev.send(['/3303/x']), /^send: \/3303\/x is not a path/);
    assert.match(dev.send([]), /^send: give a list of paths/);
    assert.match(dev.send(['/9999/0/1']), /^send: no value under \/9999\/0\/1 \(4\.04\)/);
    // Mute Send (/1/0/23) written true by the server: no Send
    const w = await lw.write(EP, [1, 0, 23], [{ p: [1, 0, 23], t: T_BOOL, v: true }]);
    assert.match(w.status, /^CHANGED\b/);
    assert.equal(dev.send(['/3303/0/5700']), 'send: muted by the server (/1/x/23)');
    await lw.write(EP, [1, 0, 23], [{ p: [1, 0, 23], t: T_BOOL, v: false }]);
    assert.equal(dev.send(['/3303/0/5700']), '');
    await until('second SEND', () => (events.filter((x) => x.type === 'SEND').length === 2 ? true : undefined));
  } finally {
    await close();
  }
});

test('Send in SenML JSON when the device prefers SenML JSON (110)', async () => {
  const { dev, events, close } = await rig(CF_SENML_JSON);
  try {
    assert.equal(dev.send(['/3303/0']), '');
    const e = await until('SEND event', () => events.find((x) => x.type === 'SEND'));
    assert.equal(e.path, 'SENML_JSON');
    assert.ok(e.recs!.some((r) => r.p.join('/') === '3303/0/5700'));
  } finally {
    await close();
  }
});

test('Read-Composite of three resources, Write-Composite, Observe-Composite and its cancel, through the server', async () => {
  const { lw, dev, events, close } = await rig();
  try {
    const r = await lw.readComposite(EP, [[3, 0, 0], [3303, 0, 5700], [3338, 0, 5850]]);
    assert.match(r.status, /^CONTENT\b/);
    assert.equal(r.format, CF_SENML_CBOR);
    const c = r.content as Record<string, { value: unknown }>;
    assert.deepEqual(Object.keys(c), ['/3/0/0', '/3303/0/5700', '/3338/0/5850']);
    assert.equal(c['/3/0/0'].value, 'lwm2m-espruino');
    const j = await lw.readComposite(EP, [[3, 0, 0], [3303, 0, 5700]], CF_SENML_JSON);
    assert.equal(j.format, CF_SENML_JSON);
    assert.equal(Object.keys(j.content as object).length, 2);
    const none = await lw.readComposite(EP, [[9999, 0, 1]]);
    assert.match(none.status, /^NOT_FOUND\b/);

    const notes: unknown[] = [];
    const first = await lw.observeComposite(EP, [[3338, 0, 5850], [3, 0, 14]], undefined, (n) => notes.push(n.content));
    assert.match(first.status, /^CONTENT\b/);
    assert.equal(first.observe! >= 0, true);
    const w = await lw.writeComposite(EP, [{ p: [3338, 0, 5850], t: T_BOOL, v: true }, { p: [3, 0, 14], t: T_STR, v: '+01:00' }]);
    assert.match(w.status, /^CHANGED\b/);
    assert.equal(dev.buzzer.on, true);
    const n = (await until('composite notification', () => notes.find((x) => (x as any)['/3338/0/5850'].value === true))) as Record<string, { value: unknown }>;
    assert.equal(n['/3/0/14'].value, '+01:00');
    assert.ok(events.some((e) => e.type === 'NOTIFICATION' && e.kind === 'composite'));
    const bad = await lw.writeComposite(EP, [{ p: [3338, 0, 5850], t: T_BOOL, v: false }, { p: [3, 0, 0], t: T_STR, v: 'x' }]);
    assert.match(bad.status, /^METHOD_NOT_ALLOWED\b/);
    assert.equal(dev.buzzer.on, true, 'all or nothing: the buzzer stays on');
    assert.equal(lw.cancelObserveComposite(EP, [[3338, 0, 5850], [3, 0, 14]]), true);
    assert.equal(lw.observations(EP).length, 0);

    // the admin API (Leshan's REST shape): /api/clients/EP/composite
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`http://127.0.0.1:${lw.http!.port}/api/clients/${encodeURIComponent(EP)}${path}`, {
        method, headers: { Authorization: `Bearer ${lw.http!.token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
      });
      return [res.status, await res.json()] as [number, any];
    };
    const [st, rj] = await api('GET', '/composite?paths=/3/0/0,/3303/0/5700,/3338/0/5850&format=SENML_JSON');
    assert.equal(st, 200);
    assert.match(rj.status, /^CONTENT\b/);
    assert.deepEqual(Object.keys(rj.content), ['/3/0/0', '/3303/0/5700', '/3338/0/5850']);
    const [st2, wj] = await api('PUT', '/composite', { '/3338/0/5850': false, '/3/0/14': { value: '+02:00' } });
    assert.deepEqual([st2, wj.code], [200, '2.04']);
    assert.equal(dev.buzzer.on, false);
    const [o1, oj] = await api('POST', '/composite/observe?paths=/3303/0/5700');
    assert.deepEqual([o1, oj.code], [200, '2.05']);
    assert.equal((await api('DELETE', '/composite/observe?paths=/3303/0/5700'))[0], 200);
    // bad input: HTTP 400 with one line
    const [b1, bj] = await api('GET', '/composite?paths=/3/x');
    assert.equal(b1, 400);
    assert.match(bj.error, /invalid LwM2M path '\/3\/x'/);
    assert.equal((await api('GET', '/composite?paths=/3/0/0&format=TLV'))[0], 400);
    assert.equal((await api('PUT', '/composite', { '/3338/0': 1 }))[0], 400);
  } finally {
    await close();
  }
});

test('Send on a timer (sendPaths every sendEvery): POST /dp again and again; Mute Send silences it; a queue-mode device wakes for it', async () => {
  for (const queue of [false, true]) {
    const log: string[] = [];
    const { lw, dev, events, close } = await rig(undefined, { sendPaths: ['/3303/0/5700', '/3/0/0'], sendEvery: 400, queue, awake: 150, log: (e, d) => log.push(`${e}: ${d}`) });
    try {
      const sends = () => events.filter((x) => x.type === 'SEND');
      if (queue) await until('the device to sleep', () => (dev.asleep() ? true : undefined), 3000);
      await until('two timed Sends', () => (sends().length >= 2 ? true : undefined), 4000);
      assert.deepEqual(sends()[0].recs!.map((r) => r.p.join('/')), ['3303/0/5700', '3/0/0']);
      if (queue) {
        const woke = log.indexOf('queue: awake: radio on');
        const sent = log.findIndex((l, i) => i > woke && l.startsWith('send: POST /dp to server 101'));
        assert.ok(woke > log.indexOf('queue: sleeping: radio off') && sent > woke, log.join('\n'));
        continue;
      }
      // Mute Send: the timer goes on, nothing is sent
      await lw.write(EP, [1, 0, 23], [{ p: [1, 0, 23], t: T_BOOL, v: true }]);
      const n = sends().length;
      await until('the timer to find Send muted', () => (log.some((l) => l === 'send: send: muted by the server (/1/x/23)') ? true : undefined), 3000);
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(sends().length <= n + 1, 'at most one in flight when muted');
      const m = sends().length;
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(sends().length, m, 'none while muted');
    } finally {
      await close();
    }
  }
});
