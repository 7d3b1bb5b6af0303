// Finding the board's stand-in (tools/espruino/bin.mjs): ESPRUINO_BIN, else the cached build of
// tools/espruino/build.sh for today's inputs; under CI a missing build fails the tests that need it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { espruinoBin, espruinoCacheDir, espruinoRequired } from '../../tools/espruino/bin.mjs';
import { espruinoSkip } from './espruino-proc';

const ROOT = join(import.meta.dirname, '../..');

test('espruino binary: ESPRUINO_BIN wins, set and empty means none, unset finds the cached build of today\'s inputs only', () => {
  const cache = mkdtempSync(join(tmpdir(), 'espruino-cache-'));
  try {
    const env = { LWM2M_ESPRUINO_CACHE: cache };
    assert.equal(espruinoBin({ ...env, ESPRUINO_BIN: '/x/espruino' }), '/x/espruino');
    assert.equal(espruinoBin({ ...env, ESPRUINO_BIN: '' }), '');
    assert.equal(espruinoBin(env), '', 'nothing built yet');
    // a build of other inputs (an older patch) is not picked up
    mkdirSync(join(cache, '2v29-esp32-0000000000000000'));
    writeFileSync(join(cache, '2v29-esp32-0000000000000000/espruino'), '');
    assert.equal(espruinoBin(env), '');
    const dir = espruinoCacheDir(env);
    assert.match(dir, new RegExp(`^${cache}/2v29-esp32-[0-9a-f]{16}$`));
    mkdirSync(dir);
    writeFileSync(join(dir, 'espruino'), '');
    assert.equal(espruinoBin(env), join(dir, 'espruino'));
    // without the Espruino source there is no key, hence no build
    assert.equal(espruinoCacheDir({ ...env, ESPRUINO_SRC: '/nonexistent.tar.xz' }), '');
    assert.equal(espruinoRequired({ CI: 'true' }), true);
    assert.equal(espruinoRequired({ REQUIRE_PEERS: '1' }), true);
    assert.equal(espruinoRequired({}), false);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test('espruino binary: under CI a test that needs Espruino fails without a build; elsewhere it skips and says how to get one', () => {
  const run = (env: Record<string, string>) => spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./test/board/espruino-proc.ts').then((m) => console.log('SKIP ' + m.espruinoSkip()))"],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '', REQUIRE_PEERS: '', ...env, ESPRUINO_BIN: '' } });
  const dev = run({});
  assert.equal(dev.status, 0, dev.stderr);
  assert.match(dev.stdout, /SKIP skipped: no Espruino build: run `npm run espruino:build` once \(or set ESPRUINO_BIN\)/);
  for (const env of [{ CI: 'true' }, { REQUIRE_PEERS: '1' }] as Record<string, string>[]) {
    const ci = run(env);
    assert.notEqual(ci.status, 0, ci.stdout);
    assert.match(ci.stderr, /Espruino is required under CI: no Espruino build/);
  }
});

test('espruino binary: tools/espruino/build.sh and bin.mjs agree on the cached build', { skip: espruinoSkip() || (existsSync(join(espruinoCacheDir(), 'espruino')) ? false : 'skipped: not built with `npm run espruino:build`') }, () => {
  // built already: build.sh prints its path at once
  const r = spawnSync('bash', [join(ROOT, 'tools/espruino/build.sh')], { encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), join(espruinoCacheDir(), 'espruino'));
});
