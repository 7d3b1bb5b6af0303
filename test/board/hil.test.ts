// The HIL runner's target side (tools/hil.mjs). With ESPRUINO_BIN it runs the real thing
// (Espruino's Linux build as the target, uploaded through the espruino CLI) inside a
// private network namespace; its argument checks run everywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHilArgs, STEPS } from '../../tools/hil.mjs';

const HIL = join(import.meta.dirname, '../../tools/hil.mjs');
const BIN = process.env.ESPRUINO_BIN;
const skip = BIN ? false : 'skipped: ESPRUINO_BIN not set';

test('hil arguments: a target is required; each bad argument is one line', () => {
  assert.throws(() => parseHilArgs([], {}), /--port is required .* or set ESPRUINO_BIN/);
  assert.throws(() => parseHilArgs(['--port', 'ttyUSB0'], {}), /neither a serial device/);
  assert.throws(() => parseHilArgs(['--port'], {}), /--port needs a value/);
  assert.throws(() => parseHilArgs(['--frob'], {}), /unknown option '--frob'/);
  assert.throws(() => parseHilArgs([], { ESPRUINO_BIN: '/nonexistent/espruino' }), /ESPRUINO_BIN '\/nonexistent\/espruino' not found/);
  assert.equal(parseHilArgs(['--port', 'tcp://10.0.0.5'], {}).port, 'tcp://10.0.0.5');
  const r = spawnSync(process.execPath, [HIL], { encoding: 'utf8', env: { ...process.env, ESPRUINO_BIN: '' } });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('hil steps are a list the scenario extends, starting with boot', () => {
  assert.deepEqual(STEPS.map((s) => s.name).slice(0, 2), ['boot', 'memory before']);
  assert.equal(STEPS[STEPS.length - 1].name, 'memory after');
  // the LwM2M scenario follows boot, in the seed scenario's order
  const names = STEPS.map((s) => s.name.split(' ')[0]);
  assert.deepEqual(names.slice(2, 9), ['bootstrap', 'registration', 'Read', 'Read', 'Observe', 'Write', 'Execute']);
});

test('hil against Espruino\'s Linux build: upload via the CLI, boot, the LwM2M scenario, UDP echo, memory', { skip }, () => {
  const r = spawnSync(process.execPath, [HIL], { encoding: 'utf8', timeout: 300000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /ok {2}boot .* endpoint hil-\d+/);
  assert.match(r.stdout, /ok {2}udp echo .* 1200 bytes there and back/);
  const mem = r.stdout.match(/memory \(target's process.memory\(\)\): before (\d+)\/16383, after (\d+)\/16383/);
  if (BIN!.includes('esp32like')) assert.ok(mem, r.stdout);
  assert.match(r.stdout, /ok {2}bootstrap .* Bootstrap-Request → done/);
  assert.match(r.stdout, /ok {2}registration .* Register: lifetime 300 s/);
  assert.match(r.stdout, /ok {2}Read \/3\/0 \(2\.05\) .* 2\.05, \d+ resources/);
  // the Linux build has no E.getTemperature(): 4.04 accepted there, and said so
  assert.match(r.stdout, /ok {2}Read \/3303\/0\/5700 .* accepted on Espruino's Linux build \(ESPRUINO_BIN\)/);
  assert.match(r.stdout, /ok {2}Observe .* \/3\/0\/13 .* notifications \d+, \d+ after/);
  assert.match(r.stdout, /ok {2}Write \/3338\/0\/5850 .* 2\.04, read back 2\.05 true/);
  assert.match(r.stdout, /ok {2}Execute \/3\/0\/4, .* registered again \d+ ms after the Execute; Bootstrap-Requests seen: 1/);
  assert.match(r.stdout, new RegExp(`HIL PASS: ${STEPS.length} steps`));
  console.log(r.stdout.split('\n').filter((l) => /ok {2}|memory|HIL/.test(l)).join('\n'));
});

test('hil: a failing step is named, with the target\'s console output', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-fail-'));
  try {
    const script = join(dir, 'fail.mjs');
    writeFileSync(script, `import { runHil, parseHilArgs, STEPS } from ${JSON.stringify(HIL)};
const steps = [STEPS[0], { name: 'deliberately failing step', async run(ctx) {
  ctx.con.send("print('TARGET-SAYS-' + (6 * 7))");
  await ctx.con.waitFor(/TARGET-SAYS-42/);
  throw new Error('expected failure');
} }];
const r = await runHil(parseHilArgs([]), steps);
process.exit(r.ok ? 0 : 1);
`);
    const r = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, script], { encoding: 'utf8', timeout: 180000 });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /HIL FAIL: step 'deliberately failing step': expected failure/);
    assert.match(r.stdout, /--- target console ---[\s\S]*lwm2m: booted hil-\d+[\s\S]*TARGET-SAYS-42[\s\S]*--- end of target console ---/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
