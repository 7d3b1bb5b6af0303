// The example of docs/owner-objects.md on the board's stand-in (Espruino's own Linux build):
// its owner-objects.js generated from registry XML by `npm run objects`, the example run from
// Storage after the bundle as the board's .boot1 runs it, against the simulator's servers
// over real UDP (NoSec). The stand-in has no ADC and no button: analogRead reads 0, and the
// button's interrupt is emulated by the console calling what the setWatch handler calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, openSync, writeSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { freeUdpPort } from '../helpers/free-port';
import { BootstrapServer, simpleConfig } from '../../sim/bootstrap-server';
import { Lwm2mServer, type ServerEvent } from '../../sim/lwm2m-server';
import { writeExampleXml } from '../../sim/ipso-xml';
import { ESPRUINO_BIN, espruinoSkip, espruinoDir, startEspruino } from './espruino-proc';
import { storeFiles } from '../../tools/espruino/bin.mjs';
import { T_BOOL } from '../../objects/core/types';

const ROOT = join(import.meta.dirname, '../..');
const EXAMPLE = join(ROOT, 'docs/examples/greenhouse.js');
const EP = 'urn:dev:greenhouse';

test('docs/owner-objects.md shows docs/examples/greenhouse.js verbatim', () => {
  const md = readFileSync(join(ROOT, 'docs/owner-objects.md'), 'utf8');
  const block = /```js\n([\s\S]*?)```/.exec(md);
  assert.ok(block, 'a js block');
  assert.equal(block[1], readFileSync(EXAMPLE, 'utf8'));
});

test('the greenhouse example on Espruino: its three objects registered, read, written, observed after the interrupt; a composite read and a Send', { skip: espruinoSkip(), timeout: 120000 }, async () => {
  const events: ServerEvent[] = [];
  const lw = await Lwm2mServer.start({ port: 0, dtlsPort: -1, onEvent: (e) => events.push(e) });
  const bs = await BootstrapServer.start({ port: 0, dtlsPort: -1 });
  bs.setConfig(EP, simpleConfig({ serverUri: lw.uri!, securityMode: 'NO_SEC', shortServerId: 101, lifetime: 60 }));
  const dir = espruinoDir();
  const xml = mkdtempSync(join(tmpdir(), 'greenhouse-xml-'));
  const files = writeExampleXml(xml).slice(0, 3);
  const gen = spawnSync(process.execPath, [join(ROOT, 'tools/objects.mjs'), ...files, '-o', join(xml, 'owner-objects.js')], { encoding: 'utf8' });
  assert.equal(gen.status, 0, gen.stderr);
  // what `npm run flash -- --app owner-objects.js --app greenhouse.js` joins into .boot1
  writeFileSync(join(dir, 'app.js'), readFileSync(join(xml, 'owner-objects.js'), 'utf8') + '\n' + readFileSync(EXAMPLE, 'utf8') + '\n');
  writeFileSync(join(dir, 'cfg.json'), JSON.stringify({ v: 1, endpoint: EP, bootstrap: bs.uri, mode: 'nosec', port: await freeUdpPort() }));
  storeFiles(ESPRUINO_BIN, dir, { 'lwm2m.js': join(ROOT, 'dist/firmware.js'), 'lwm2m.cfg': join(dir, 'cfg.json'), 'app.js': join(dir, 'app.js') });
  writeFileSync(join(dir, 'run.js'), [
    `eval(require('Storage').read('lwm2m.js'));`,
    `eval(require('Storage').read('app.js'));`,
    // .boot0's E.on('init') call: the client runs already (started once, with the owner's objects)
    `print('SECOND ' + (LwM2M.espruino.start(global) === LwM2M.espruino.device()));`,
    `setInterval(function () { print('MEM ' + process.memory().usage + '/' + process.memory().total); }, 1000);`,
  ].join('\n'));
  const esp = startEspruino(dir, ['run.js'], ESPRUINO_BIN!, 110);
  const fd = openSync(join(dir, 'stdin'), 'w');
  try {
    await esp.waitFor(/SECOND true/, 20000);
    for (const end = Date.now() + 30000; !events.some((e) => e.type === 'REGISTRATION'); ) {
      if (Date.now() > end) throw new Error('no registration:\n' + esp.out().slice(-3000));
      await new Promise((r) => setTimeout(r, 100));
    }
    const links = lw.get(EP)!.objectLinks.map((l) => l.url);
    for (const l of ['/3304/0', '/3312/0', '/3347/0', '/3303/0']) assert.ok(links.includes(l), `${l} in ${links}`);
    const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
    assert.equal(text((await lw.read(EP, [3304, 0, 5701], 0)).payload), '%RH');
    assert.equal((await lw.write(EP, [3312, 0, 5850], [{ p: [3312, 0, 5850], t: T_BOOL, v: true }])).code, 68);
    assert.equal(text((await lw.read(EP, [3312, 0, 5850], 0)).payload), '1', 'text/plain Boolean');
    assert.equal((await lw.writeAttributes(EP, [3347, 0, 5501], ['pmin=0'])).code, 68);
    const notes: string[] = [];
    assert.equal(text((await lw.observe(EP, [3347, 0, 5501], 0, (n) => notes.push(text(n.payload)))).payload), '0');
    // the button's setWatch handler on a press (e.state false)
    writeSync(fd, `button.set(0, 5500, true); button.set(0, 5501, button.get(0, 5501) + 1);\n`);
    for (const end = Date.now() + 5000; !notes.length; ) {
      if (Date.now() > end) throw new Error('no notification after the press:\n' + esp.out().slice(-3000));
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(notes, ['1']);
    // LwM2M 1.1 on Espruino itself (docs/send-composite.md): a Read-Composite of three resources, and
    // the owner's send() on what start() returned, answered 2.04 by the server
    const rc = await lw.readComposite(EP, [[3304, 0, 5701], [3312, 0, 5850], [3347, 0, 5501]]);
    assert.deepEqual(Object.entries(rc.content as Record<string, { value: unknown }>).map(([k, v]) => [k, v.value]), [['/3304/0/5701', '%RH'], ['/3312/0/5850', true], ['/3347/0/5501', '1']]);
    writeSync(fd, `print('SEND [' + LwM2M.espruino.device().send(['/3304/0', '/3347/0/5501'], function (r) { print('SENT ' + r); }) + ']');\n`);
    await esp.waitFor(/SEND \[\]/, 5000);
    await esp.waitFor(/SENT 2\.04/, 5000);
    const sent = events.find((e) => e.type === 'SEND');
    assert.ok(sent && sent.path === 'SENML_CBOR', 'a SEND in SenML CBOR');
    assert.deepEqual(sent.recs!.filter((r) => r.p[0] === 3347).map((r) => r.v), [1]);
    const mem = await esp.waitFor(/MEM (\d+)\/(\d+)\n[\s\S]*MEM (\d+)\/(\d+)\n/, 5000);
    console.log(`greenhouse example on Espruino (NoSec, registered, one observation): ${mem[3]} of ${mem[4]} variables`);
  } finally {
    closeSync(fd);
    esp.kill();
    await esp.done;
    await bs.close();
    await lw.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(xml, { recursive: true, force: true });
  }
});

test('npm run flash -- --app: a missing file is one line naming it, before any upload', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'tools/flash.mjs'), '--port', '/dev/null', '--no-config', '--app', 'no-such-app.js'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.equal(r.stderr, "flash: --app 'no-such-app.js' not found\n");
});
