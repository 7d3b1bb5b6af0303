// The owner's own objects (issue #19), end to end: definitions generated from registry XML
// this test writes (tools/objects.mjs), handed to the bundle (dist/firmware.js in the
// stripped context) through startDevice's `objects`, and served to the simulator's LwM2M
// server like the built-in ones: Register links, Read, Write, Observe with attributes
// (notifications after the owner's set() from a timer, with no polling), Create up to the
// instance limit, Delete, Discover, Execute; and the bad input of the list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import vm from 'node:vm';
import { BootstrapServer, simpleConfig } from '../../sim/bootstrap-server';
import { Lwm2mServer } from '../../sim/lwm2m-server';
import { startDevice, type SimDevice } from '../../sim/device';
import { readObjects, emitJs } from '../../tools/objects.mjs';
import { writeExampleXml as writeXml, item, objectXml } from '../../sim/ipso-xml';
import { utf8Decode, utf8Encode } from '../../transport/bytes';
import { CODE } from '../../transport/coap/constants';

const EP = 'urn:dev:owner';
const root = join(import.meta.dirname, '../..');

/** lwm2mDef from the generated JS, evaluated as the board evaluates it. */
function defsFrom(js: string): (id: number) => number[] | undefined {
  const f = vm.runInNewContext(js + '\nlwm2mDef;');
  return (id: number) => {
    const d = f(id);
    return d && Array.from(d as number[]);
  };
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !cond(); ) {
    if (Date.now() > end) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function rig() {
  const lw = await Lwm2mServer.start({ port: 0, dtlsPort: -1 });
  const bs = await BootstrapServer.start({ port: 0, dtlsPort: -1 });
  bs.setConfig(EP, simpleConfig({ serverUri: lw.uri!, securityMode: 'NO_SEC', shortServerId: 101, lifetime: 60 }));
  return { lw, bs, close: async () => (await bs.close(), await lw.close()) };
}

const text = (b: Uint8Array) => utf8Decode(b) ?? "(not UTF-8)";

test('npm run objects: XML -> lwm2mDef (only the objects named) and typings with resource names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'owner-objects-'));
  const files = writeXml(dir);
  const out = join(dir, 'owner-objects.js');
  const r = spawnSync(process.execPath, [join(root, 'tools/objects.mjs'), files[0], files[3], '-o', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const def = defsFrom(readFileSync(out, 'utf8'));
  // Humidity 1.0, multiple instances (256 | 0x10); 5700 Float R mandatory (4 | 16 | 256), 5605 E (64)
  assert.deepEqual(def(3304), [3304, 0x110, 7, 5700, 276, 5601, 20, 5602, 20, 5603, 20, 5604, 20, 5701, 17, 5605, 64]);
  assert.deepEqual(def(33000), [33000, 0x111, 4, 1, 4 | 48 | 256, 2, 64, 3, 1 | 48, 4, 2 | 16 | 128]);
  assert.equal(def(3312), undefined, 'an object not named is not in the output');
  const dts = readFileSync(join(dir, 'owner-objects.d.ts'), 'utf8');
  assert.match(dts, /interface LwM2MResources3304 \{\n  \/\*\* Sensor Value \(R, mandatory\): Sensor Value\. \*\/\n  5700: number;/);
  assert.match(dts, /declare const enum GreenhouseVent33000 \{\n  Opening = 1,\n  Open = 2,/);
  assert.match(dts, /declare function lwm2mDef\(id: 3304\): LwM2MDef<LwM2MResources3304>;/);
  assert.match(dts, /4\?: LwM2MMulti<number>;/);
  // the typings compile, and a wrong value type is a compile error
  writeFileSync(join(dir, 'app.ts'), `/// <reference path="owner-objects.d.ts" />\nconst h = { def: lwm2mDef(3304), read(iid: number, rid: number) { return rid === 5700 ? 40 + iid : undefined; } } as LwM2MHumidity3304;\nh.set(0, 5700, 42.5);\nh.set(0, Humidity3304.SensorUnits, '%');\nLwM2M.espruino.start({}, { objects: [h] });\n// @ts-expect-error 5700 is a number\nh.set(0, 5700, 'wet');\n`);
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--lib', 'es5', '--types', 'espruino', '--typeRoots', join(root, 'node_modules/@types'), join(dir, 'app.ts')], { encoding: 'utf8' });
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
});

test('npm run objects: bad XML and unknown types get one line naming the file and the element', () => {
  const dir = mkdtempSync(join(tmpdir(), 'owner-objects-bad-'));
  const cases: [string, RegExp][] = [
    ['<LWM2M><Object><ObjectID>9</Object></LWM2M>', /^objects: .*broken\.xml: not well-formed XML: .*line 1/],
    [objectXml(33001, 'X', '1.0', true, [item(1, 'A', 'R', 'Double')]), /^objects: .*broken\.xml: <Item ID="1"> <Type>Double<\/Type>: unknown type/],
    [objectXml(33001, 'X', '1.0', true, [item(1, 'A', 'RX', 'Float')]), /^objects: .*broken\.xml: <Item ID="1"> <Operations>RX<\/Operations> is not R, W, RW or E/],
    ['<LWM2M><Object><Name>x</Name></Object></LWM2M>', /^objects: .*broken\.xml: <Object> has no <ObjectID>/],
    ['<Other/>', /^objects: .*broken\.xml: <LWM2M> expected as the root element, found <Other>/],
  ];
  for (const [xml, re] of cases) {
    writeFileSync(join(dir, 'broken.xml'), xml);
    const r = spawnSync(process.execPath, [join(root, 'tools/objects.mjs'), join(dir, 'broken.xml'), '-o', join(dir, 'o.js')], { encoding: 'utf8' });
    assert.equal(r.status, 2, xml);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
  const files = writeXml(dir);
  const r = spawnSync(process.execPath, [join(root, 'tools/objects.mjs'), files[0], files[0], '-o', join(dir, 'o.js')], { encoding: 'utf8' });
  assert.match(r.stderr, /^objects: .*3304\.xml: object 3304 is already defined by 3304\.xml\n$/);
  const none = spawnSync(process.execPath, [join(root, 'tools/objects.mjs'), join(dir, 'nope.xml')], { encoding: 'utf8' });
  assert.match(none.stderr, /^objects: .*nope\.xml: not found\n$/);
});

test('owner objects on the bundle: register, read, write, observe after set(), create/delete to the limit, discover, execute, a throwing callback', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'owner-objects-dev-'));
  const def = defsFrom(emitJs(readObjects(writeXml(dir))));
  const r = await rig();
  const log: string[] = [];
  let humidity = 41.5;
  const relay: [number, number, unknown][] = [];
  const opened: string[] = [];
  let failRead = false;
  const hum: any = {
    def: def(3304),
    inst: { 0: { 5701: '%RH' } },
    read(iid: number, rid: number) {
      if (rid === 5700) {
        if (failRead) throw new Error('sensor unplugged');
        return humidity;
      }
      return undefined;
    },
  };
  const sw: any = { def: def(3312), inst: { 0: { 5850: false, 5750: 'fan' } }, write: (iid: number, rid: number, v: unknown) => relay.push([iid, rid, v]) };
  const button: any = { def: def(3347), inst: { 0: { 5500: false, 5501: 0 } } };
  const vent: any = {
    def: def(33000),
    inst: { 0: { 1: 0, 3: 'roof', 4: { 0: 7 } } },
    max: 2,
    exec(iid: number, rid: number, args: string) {
      opened.push(`${iid}/${rid}(${args})`);
      this.set(iid, 1, 100);
    },
  };
  let dev: SimDevice | null = null;
  try {
    dev = await startDevice({ endpoint: EP, bootstrapUri: r.bs.uri!, objects: [hum, sw, button, vent], log: (ev, d) => log.push(`${ev}: ${d}`) });
    await dev.waitFor('registered', 5000);
    const links = r.lw.get(EP)!.objectLinks.map((l) => l.url);
    for (const l of ['/3304/0', '/3312/0', '/3347/0', '/33000/0', '/3303/0', '/3338/0']) assert.ok(links.includes(l), `${l} registered: ${links}`);
    assert.equal(r.lw.get(EP)!.objectLinks.find((l) => l.url === '/33000')!.attributes.ver, '1.1');

    // Read: the owner's read callback, the stored values, a whole instance (SenML CBOR carries the types)
    let res = await r.lw.read(EP, [3304, 0, 5700], 0);
    assert.equal(res.code, CODE.CONTENT);
    assert.equal(text(res.payload), '41.5');
    res = await r.lw.read(EP, [33000, 0], 112);
    assert.equal(res.code, CODE.CONTENT);
    assert.deepEqual(res.recs!.map((x) => [x.p.join('/'), x.v]), [['33000/0/1', 0], ['33000/0/3', 'roof'], ['33000/0/4/0', 7]]);

    // Write: stored, the write callback drives the relay; a wrong type is 4.00 and changes nothing
    res = await r.lw.write(EP, [3312, 0, 5850], [{ p: [3312, 0, 5850], t: 5, v: true }]);
    assert.equal(res.code, CODE.CHANGED);
    assert.deepEqual(relay, [[0, 5850, true]]);
    assert.equal(sw.get(0, 5850), true);
    const bad = await r.lw.send(EP, { code: CODE.PUT, path: '/3312/0/5850', contentFormat: 0, payload: utf8Encode('maybe') });
    assert.equal(bad.code, CODE.BAD_REQUEST);
    const badInt = await r.lw.send(EP, { code: CODE.PUT, path: '/3312/0/5851', contentFormat: 0, payload: utf8Encode('1.5') });
    assert.equal(badInt.code, CODE.BAD_REQUEST);
    assert.equal(relay.length, 1, 'no write callback for a refused write');

    // Observe: the owner's set() from a timer notifies at once (pmin 0, no pmax: nothing polls); gt filters
    const notes: string[] = [];
    assert.equal((await r.lw.writeAttributes(EP, [3347, 0, 5501], ['gt=2', 'pmin=0'])).code, CODE.CHANGED);
    res = await r.lw.observe(EP, [3347, 0, 5501], 0, (n) => notes.push(text(n.payload)));
    assert.equal(text(res.payload), '0');
    const t0 = Date.now();
    setTimeout(() => button.set(0, 5501, 1), 20);
    setTimeout(() => button.set(0, 5501, 5), 60);
    await until('a notification after set(0, 5501, 5)', () => notes.length > 0, 3000);
    assert.deepEqual(notes, ['5'], '1 does not cross gt=2; 5 does');
    assert.ok(Date.now() - t0 < 1000, `notified ${Date.now() - t0} ms after: no pmax, no polling`);

    // Create up to max: 2 (one given by the owner), the Update announces it; beyond it 4.00; Delete
    res = await r.lw.create(EP, 33000, [{ p: [33000, 1, 1], t: 4, v: 12.5 }, { p: [33000, 1, 3], t: 1, v: 'side' }]);
    assert.equal(res.code, CODE.CREATED);
    assert.equal(vent.get(1, 3), 'side');
    await until('an Update with /33000/1', () => r.lw.get(EP)!.objectLinks.some((l) => l.url === '/33000/1'));
    res = await r.lw.create(EP, 33000, [{ p: [33000, 2, 1], t: 4, v: 1 }]);
    assert.equal(res.code, CODE.BAD_REQUEST, 'beyond max: 2');
    assert.equal((await r.lw.delete(EP, [33000, 1])).code, CODE.DELETED);
    assert.deepEqual(Array.from(vent.iids()), [0]);
    assert.equal((await r.lw.create(EP, 3304, [{ p: [3304, 1, 5701], t: 1, v: 'g/m3' }])).code, CODE.CREATED, 'no max: Create as the definition allows');

    // Discover: the definition's resources that have values, and the executable one
    res = await r.lw.discover(EP, [33000, 0]);
    assert.equal(text(res.payload), '</33000/0>,</33000/0/1>,</33000/0/2>,</33000/0/3>,</33000/0/4>;dim=1');

    // Execute: the exec callback, `this` the object
    assert.equal((await r.lw.execute(EP, [33000, 0, 2], "1='wide'")).code, CODE.CHANGED);
    assert.deepEqual(opened, ["0/2(1='wide')"]);
    assert.equal(vent.get(0, 1), 100);
    assert.equal((await r.lw.execute(EP, [3304, 0, 5605])).code, CODE.METHOD_NOT_ALLOWED, 'no exec callback: 4.05');

    // A read callback that throws: an observation of it ends with 5.00, a Read gets 5.00, the
    // failure is logged once, the device keeps serving
    const humNotes: number[] = [];
    assert.equal((await r.lw.writeAttributes(EP, [3304, 0, 5700], ['pmin=0'])).code, CODE.CHANGED);
    assert.equal((await r.lw.observe(EP, [3304, 0, 5700], 0, (n) => humNotes.push(n.code))).code, CODE.CONTENT);
    failRead = true;
    hum.set(0, 5700, 40); // the owner signals a new reading: the notification reads it through the callback
    await until('the 5.00 notification', () => humNotes.length > 0, 3000);
    assert.deepEqual(humNotes, [CODE.INTERNAL_SERVER_ERROR]);
    assert.equal(dev.client().reporting.list.length, 1, 'only the 5501 observation is left');
    assert.equal((await r.lw.read(EP, [3304, 0, 5700], 0)).code, CODE.INTERNAL_SERVER_ERROR);
    assert.equal((await r.lw.read(EP, [3304, 0], 112)).code, CODE.INTERNAL_SERVER_ERROR);
    assert.deepEqual(log.filter((l) => l.startsWith('error:')), ['error: object callback /3304/0/5700: Error: sensor unplugged']);
    assert.equal(text((await r.lw.read(EP, [3312, 0, 5750], 0)).payload), 'fan');
    assert.equal(dev.state(), 'registered');
  } finally {
    await dev?.stop();
    await r.close();
  }
});

test('owner objects: bad definitions are refused with one line naming the object; 3303 is replaced only when asked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'owner-objects-bad-dev-'));
  const def = defsFrom(emitJs(readObjects(writeXml(dir))));
  const base = { endpoint: EP, bootstrapUri: 'coap://127.0.0.1:9' };
  for (const [objects, msg] of [
    [[{ def: [33002, 0x110, 1, 1, 12 | 16] }], 'owner object 33002: resource 1 has an unknown type (12)'],
    [[{ def: def(3304) }, { def: def(3304) }], 'owner object 3304: duplicate object ID'],
    [[{ def: [3, 0x10, 0] }], 'owner object 3: clashes with the built-in object 3'],
    [[{ def: [3303, 0x111, 1, 5700, 4 | 16] }], 'owner object 3303: clashes with the built-in object 3303 (replace: true replaces it)'],
    [[{ def: [33003, 0x110, 2, 1, 4 | 16] }], 'owner object 0: def is not an object definition (from `npm run objects`)'],
    [[{}], 'owner object 0: def is not an object definition (from `npm run objects`)'],
  ] as [any[], string][]) {
    await assert.rejects(startDevice({ ...base, objects }), (e: Error) => e.message === msg);
  }
  // replacing the built-in Temperature: the owner's value is what a server reads
  const r = await rig();
  const t: any = { def: [3303, 0x111, 2, 5700, 4 | 16 | 256, 5701, 1 | 16], inst: { 0: { 5700: 19.25, 5701: 'Cel' } }, replace: true };
  const dev = await startDevice({ endpoint: EP, bootstrapUri: r.bs.uri!, objects: [t] });
  try {
    await dev.waitFor('registered', 5000);
    assert.equal(text((await r.lw.read(EP, [3303, 0, 5700], 0)).payload), '19.25');
    t.set(0, 5700, 20);
    assert.equal(text((await r.lw.read(EP, [3303, 0, 5700], 0)).payload), '20');
    assert.equal((await r.lw.read(EP, [3303, 0, 5601], 0)).code, CODE.NOT_FOUND, 'the built-in driver\'s resources are gone');
  } finally {
    await dev.stop();
    await r.close();
  }
});
