// The provisioning step's flag parsing (tools/board-lib.mjs): every bad argument gets one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig, checkTarget, BOOT_CODE } from '../../tools/board-lib.mjs';

const PSK = ['--endpoint', 'ep1', '--bootstrap', 'coaps://192.0.2.1:5684', '--psk-id', 'ep1-id', '--psk-key', '00112233AABB'];

test('provision: PSK with Wi-Fi and buzzer builds the lwm2m.cfg JSON', () => {
  const cfg = buildConfig([...PSK, '--wifi-ssid', 'lab', '--wifi-password', 'secret123', '--buzzer-pin', '25', '--port=56830']);
  assert.deepEqual(cfg, {
    v: 1, endpoint: 'ep1', bootstrap: 'coaps://192.0.2.1:5684', mode: 'psk', pskId: 'ep1-id', pskKey: '00112233aabb',
    wifi: { ssid: 'lab', password: 'secret123' }, buzzerPin: 'D25', port: 56830,
  });
  assert.deepEqual(buildConfig(['--endpoint', 'e', '--bootstrap', 'coap://h:5683']).mode, 'nosec');
});

test('provision: each bad argument is one line naming it', () => {
  const bad: [string[], RegExp][] = [
    [['--endpoint'], /--endpoint needs a value/],
    [['--bootstrap', 'coaps://h'], /--endpoint is required/],
    [['--endpoint', 'e'], /--bootstrap is required/],
    [['--endpoint', 'e', '--bootstrap', 'http://h'], /is not coap:\/\/HOST/],
    [['--endpoint', 'e', '--bootstrap', 'coaps://h:70000'], /port 70000 out of range/],
    [['--endpoint', 'e', '--bootstrap', 'coaps://h'], /--psk-id is required/],
    [[...PSK.slice(0, 6), '--psk-key', 'abc'], /--psk-key must be an even number of hex digits/],
    [[...PSK, '--mode', 'x509'], /--mode 'x509' must be psk, rpk or nosec/],
    [['--endpoint', 'e', '--bootstrap', 'coap://h', '--mode', 'psk'], /--mode psk needs a coaps:\/\//],
    [[...PSK, '--wifi-password', 'secret123'], /without --wifi-ssid/],
    [[...PSK, '--wifi-ssid', 'lab', '--wifi-password', 'short'], /8-63/],
    [[...PSK, '--buzzer-pin', 'PA5'], /must be a pin like D25/],
    [[...PSK, '--port', '0'], /--port '0' must be 1-65535/],
    [[...PSK, '--frobnicate', '1'], /unknown option '--frobnicate'/],
  ];
  for (const [argv, re] of bad) {
    assert.throws(() => buildConfig(argv), (e: Error) => re.test(e.message) && !e.message.includes('\n'), argv.join(' '));
  }
});

test('provision CLI: writes the file, or exits 2 with one line on stderr', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prov-'));
  const out = join(dir, 'c.json');
  const tool = join(import.meta.dirname, '../../tools/provision.mjs');
  const ok = spawnSync(process.execPath, [tool, ...PSK, '--out', out], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(readFileSync(out, 'utf8')).pskKey, '00112233aabb');
  const bad = spawnSync(process.execPath, [tool, '--endpoint', 'e'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr, 'provision: --bootstrap is required (coap://HOST:PORT or coaps://HOST:PORT)\n');
});

test('flash target: serial device or tcp://HOST[:PORT]', () => {
  assert.equal(checkTarget('/dev/ttyUSB0'), '/dev/ttyUSB0');
  assert.equal(checkTarget('tcp://192.168.1.50'), 'tcp://192.168.1.50');
  assert.equal(checkTarget('tcp://127.0.0.1:2323'), 'tcp://127.0.0.1:2323');
  assert.throws(() => checkTarget(''), /--port is required/);
  assert.throws(() => checkTarget('ttyUSB0'), /neither a serial device/);
  assert.throws(() => checkTarget('tcp://h:x'), /not tcp:\/\/HOST/);
});

test('boot file evals the bundle from Storage and starts on init', () => {
  assert.match(BOOT_CODE, /eval\(require\('Storage'\)\.read\('lwm2m\.js'\)\)/);
  assert.match(BOOT_CODE, /E\.on\('init', function \(\) \{ LwM2M\.espruino\.start\(global\); \}\)/);
});
