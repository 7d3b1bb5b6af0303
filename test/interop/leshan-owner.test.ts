// The owner's own objects (issue #19) against Eclipse Leshan's LwM2M server demo (NoSec, through
// Leshan's bootstrap server): Humidity 3304, Power Control 3312 and Push button 3347 (Leshan
// knows their models) and an object of our own, 33000, whose model Leshan reads from the XML
// this test writes (`-m`), the same file tools/objects.mjs turns into the device's definition.
// Leshan reads, writes, observes (a notification after the owner's set()), creates and deletes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import { startDevice, type SimDevice } from '../../sim/device';
import { leshanMissing, leshanNoSec } from '../../sim/leshan';
import { EXAMPLE_XML } from '../../sim/ipso-xml';
import { readObjects, emitJs } from '../../tools/objects.mjs';

// Fixed ports (the demo takes no port 0), from this area's range 26500-26599 (leshan.test.ts: 26580-26584).
const PORTS = { coapPort: 26591, coapsPort: 26592, webPort: 26590 };
const EP = 'urn:dev:leshan-owner';
const WAIT = 20_000;

const missing = leshanMissing();
if (missing && process.env.REQUIRE_PEERS === '1') throw new Error(`Leshan is required under .ci/run: ${missing}`);

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

test('Leshan manages owner objects: read, write, observe after set(), create/delete, discover, an object from our own XML', { skip: missing ? `skipped: ${missing}` : false, timeout: 120_000 }, async () => {
  const xml = mkdtempSync(join(tmpdir(), 'leshan-owner-xml-'));
  const models = mkdtempSync(join(tmpdir(), 'leshan-owner-models-'));
  dirs.push(xml, models);
  for (const [n, x] of Object.entries(EXAMPLE_XML)) writeFileSync(join(xml, n), x);
  writeFileSync(join(models, 'vent.xml'), EXAMPLE_XML['vent.xml']);
  const lwm2mDef = vm.runInNewContext(emitJs(readObjects(Object.keys(EXAMPLE_XML).map((n) => join(xml, n)))) + '\nlwm2mDef;');
  const def = (id: number) => Array.from(lwm2mDef(id) as number[]);

  const { server, bs, ev } = await leshanNoSec(EP, { ...PORTS, models });
  const relay: unknown[] = [];
  const hum: any = { def: def(3304), inst: { 0: { 5701: '%RH' } }, read: (iid: number, rid: number) => (rid === 5700 ? 41.5 : undefined) };
  const sw: any = { def: def(3312), inst: { 0: { 5850: false } }, write: (iid: number, rid: number, v: unknown) => relay.push(v) };
  const button: any = { def: def(3347), inst: { 0: { 5500: false, 5501: 0 } } };
  const vent: any = { def: def(33000), inst: { 0: { 1: 0, 3: 'roof' } }, max: 2 };
  const api = (method: string, path: string, body?: unknown) => server.api(method, `/clients/${encodeURIComponent(EP)}${path}`, body);
  let dev: SimDevice | null = null;
  try {
    dev = await startDevice({ endpoint: EP, bootstrapUri: bs.coapUri, objects: [hum, sw, button, vent] });
    const reg = await ev.wait((e) => e.event === 'REGISTRATION', WAIT, 'REGISTRATION');
    const urls = reg.data.objectLinks.map((l: any) => l.url);
    for (const u of ['/3304/0', '/3312/0', '/3347/0', '/33000/0']) assert.ok(urls.includes(u), `${u} in ${urls}`);

    // Read: the owner's read callback; a whole instance of our own object, in TLV (Leshan decodes by its model)
    assert.deepEqual((await api('GET', '/3304/0/5700')).content, { id: 5700, value: 41.5 });
    const inst = (await api('GET', '/33000/0?format=TLV')).content;
    assert.deepEqual(inst.resources.map((r: any) => [r.id, r.value]), [[1, 0], [3, 'roof']]);

    // Write: Leshan's TLV Boolean; the write callback drives the relay
    assert.equal((await api('PUT', '/3312/0/5850?format=TLV', { id: 5850, value: true })).status, 'CHANGED(204)');
    assert.deepEqual(relay, [true]);
    assert.deepEqual((await api('GET', '/3312/0/5850')).content, { id: 5850, value: true });

    // Observe: pmin 0, then the owner's set() from a timer; Leshan gets the notification
    assert.equal((await api('PUT', '/3347/0/5501/attributes?pmin=0')).status, 'CHANGED(204)');
    const mark = ev.events.length;
    assert.equal((await api('POST', '/3347/0/5501/observe?format=TLV')).status, 'CONTENT(205)');
    setTimeout(() => button.set(0, 5501, 1), 50);
    const n = await ev.wait((e) => e.event === 'NOTIFICATION' && e.data.res === '/3347/0/5501' && e.data.val.value === 1, 5000, 'notification of 5501 = 1', mark);
    assert.equal(n.data.val.id, 5501);

    // Create (Leshan's JSON instance, sent in TLV) up to max 2, the Update announces it; Delete
    const c = await api('POST', '/33000?format=TLV', { id: 1, resources: [{ id: 1, value: 12.5 }, { id: 3, value: 'side' }] });
    assert.equal(c.status, 'CREATED(201)', JSON.stringify(c));
    assert.equal(vent.get(1, 3), 'side');
    await ev.wait((e) => e.event === 'UPDATED' && e.data.registration.objectLinks.some((l: any) => l.url === '/33000/1'), WAIT, 'an UPDATED with /33000/1');
    assert.equal((await api('POST', '/33000?format=TLV', { id: 2, resources: [{ id: 1, value: 1 }] })).status, 'BAD_REQUEST(400)', 'beyond max: 2');
    assert.equal((await api('DELETE', '/33000/1')).status, 'DELETED(202)');

    // Discover
    const d = await api('GET', '/33000/0/discover');
    assert.deepEqual(d.objectLinks.map((l: any) => l.url), ['/33000/0', '/33000/0/1', '/33000/0/2', '/33000/0/3']);
  } catch (e) {
    (e as Error).message += `\nLeshan server log:\n${server.log()}`;
    throw e;
  } finally {
    ev.close();
    await dev?.stop();
    await Promise.all([server.stop(), bs.stop()]);
  }
});
