// The whole client inside Espruino's own interpreter (ESPRUINO_BIN, best an ESP32-like
// build: 32-bit, 16,383 variables): the bundle from Storage, lwm2m.cfg, start(global) as
// the boot file does — against the simulator's servers over real UDP. NoSec: the Linux
// build has no E.getTemperature, so the temperature is not read here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort } from '../helpers/free-port';
import { BootstrapServer, simpleConfig } from '../../sim/bootstrap-server';
import { Lwm2mServer, type ServerEvent } from '../../sim/lwm2m-server';
import { T_BOOL } from '../../objects/core/types';
import { ESPRUINO_BIN, espruinoSkip } from '../board/espruino-proc';
import { storeFileCode } from '../../tools/espruino/bin.mjs';

const BIN = ESPRUINO_BIN;
const BUNDLE = join(import.meta.dirname, '../../dist/firmware.js');

test('Espruino itself: bootstrap, register, Update, Read /3/0, Write the buzzer; memory printed', { skip: espruinoSkip(), timeout: 120000 }, async () => {
  const events: ServerEvent[] = [];
  const lw = await Lwm2mServer.start({ port: 0, dtlsPort: -1, onEvent: (e) => events.push(e) });
  const bs = await BootstrapServer.start({ port: 0, dtlsPort: -1 });
  bs.setConfig('urn:dev:esp', simpleConfig({ serverUri: lw.uri!, securityMode: 'NO_SEC', shortServerId: 101, lifetime: 20 }));
  const devicePort = await freeUdpPort();
  const dir = mkdtempSync(join(tmpdir(), 'espruino-dev-'));
  const script = join(dir, 'run.js');
  writeFileSync(script, [
    storeFileCode('lwm2m.js', BUNDLE),
    `require('Storage').write('lwm2m.cfg', JSON.stringify({ v: 1, endpoint: 'urn:dev:esp', bootstrap: ${JSON.stringify(bs.uri)}, mode: 'nosec', port: ${devicePort} }));`,
    `var m0 = process.memory().usage;`,
    `eval(require('Storage').read('lwm2m.js'));`,
    `print('LOADED ' + (process.memory().usage - m0));`,
    `LwM2M.espruino.start(global);`,
    `setInterval(function () { print('MEM ' + process.memory().usage + '/' + process.memory().total); }, 2000);`,
  ].join('\n'));
  execFileSync('mkfifo', [join(dir, 'stdin')]);
  const child = spawn('sh', ['-c', `exec "$0" "$1" 0<>"$2"`, BIN!, script, join(dir, 'stdin')], { cwd: dir });
  let out = '';
  child.stdout.on('data', (d) => (out += d.toString().replace(/\r/g, '')));
  const until = async (what: string, cond: () => boolean, ms: number) => {
    for (const end = Date.now() + ms; !cond(); ) {
      if (Date.now() > end) throw new Error(`${what} did not happen; Espruino printed:\n${out.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    await until('registration', () => events.some((e) => e.type === 'REGISTRATION'), 60000);
    const d = await lw.read('urn:dev:esp', [3, 0], 11542);
    assert.equal(d.code, 69);
    assert.ok(d.recs!.some((r) => r.p[2] === 0), 'manufacturer');
    const w = await lw.write('urn:dev:esp', [3338, 0, 5850], [{ p: [3338, 0, 5850], t: T_BOOL, v: true }], { replace: true });
    assert.equal(w.code, 68);
    await until('an Update before the 20 s lifetime ends', () => events.some((e) => e.type === 'UPDATED'), 20000);
    await until('a memory line', () => /MEM \d+/.test(out), 5000);
    const loaded = /LOADED (\d+)/.exec(out)![1];
    const mem = [...out.matchAll(/MEM (\d+)\/(\d+)/g)].pop()!;
    console.log(`espruino: bundle from Storage ${loaded} variables; registered and serving: ${mem[1]} of ${mem[2]} variables`);
  } finally {
    child.kill('SIGKILL');
    await bs.close();
    await lw.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
