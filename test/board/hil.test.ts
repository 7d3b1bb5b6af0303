// The HIL runner's target side (tools/hil.mjs). With ESPRUINO_BIN it runs the real thing
// (Espruino's Linux build as the target, uploaded through the espruino CLI) inside a
// private network namespace; its argument checks run everywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHilArgs, STEPS, FOTA_STEPS, FOTA_VERSION, FOTA_PEAK_GOAL, MODES, MEMORY_GOAL, modeConfig, pskCredentials, rpkCredentials, memoryFlat, FLAT_TOLERANCE, BOOTSTRAP_DTLS_PORT } from '../../tools/hil.mjs';
import { rpkLabel, SPKI_ED25519_PREFIX, SPKI_P256_PREFIX } from '../../tools/board-lib.mjs';
import { existsSync } from 'node:fs';
import { ESPRUINO_BIN, espruinoSkip } from './espruino-proc';
import { espruinoRequired } from '../../tools/espruino/bin.mjs';

const HIL = join(import.meta.dirname, '../../tools/hil.mjs');
const BIN = ESPRUINO_BIN;
const skip = espruinoSkip();
/** No target at all: ESPRUINO_BIN set and empty (unset, the runner would find the cached build). */
const NONE = { ESPRUINO_BIN: '' };
/** The runner's upload pace, KB/s, from its `upload: N bytes in M ms (X KB/s, …)` line (NaN without one). */
const uploadKBs = (out: string) => +(/upload: \d+ bytes in \d+ ms \(([\d.]+) KB\/s/.exec(out) || [])[1];

test('hil arguments: a target is required; each bad argument is one line', () => {
  assert.throws(() => parseHilArgs([], NONE), /--port is required .* or set ESPRUINO_BIN/);
  assert.throws(() => parseHilArgs(['--port', 'ttyUSB0'], {}), /neither a serial device/);
  assert.throws(() => parseHilArgs(['--port'], {}), /--port needs a value/);
  assert.throws(() => parseHilArgs(['--frob'], {}), /unknown option '--frob'/);
  assert.throws(() => parseHilArgs([], { ESPRUINO_BIN: '/nonexistent/espruino' }), /ESPRUINO_BIN '\/nonexistent\/espruino' not found/);
  assert.equal(parseHilArgs(['--port', 'tcp://10.0.0.5'], {}).port, 'tcp://10.0.0.5');
  assert.throws(() => parseHilArgs(['--port', 'tcp://h', '--security', 'x509'], {}), /--security 'x509' must be nosec, psk, rpk, all or a list like nosec,rpk/);
  assert.throws(() => parseHilArgs(['--port', 'tcp://h', '--security', 'psk,x509'], {}), /--security 'psk,x509' must be/);
  assert.throws(() => parseHilArgs(['--port', 'tcp://h', '--security', 'rpk', '--rpk-bundle', '/nonexistent.js'], {}), /RPK bundle '\/nonexistent.js' not found/);
  // the RPK bundle is needed only when RPK runs
  assert.deepEqual(parseHilArgs(['--port', 'tcp://h', '--security', 'psk', '--rpk-bundle', '/nonexistent.js'], {}).modes, ['psk']);
  assert.throws(() => parseHilArgs(['--port', 'tcp://h', '--notifications', '9'], {}), /--notifications '9' must be 10-100000/);
  assert.throws(() => parseHilArgs(['--port', 'tcp://h', '--notifications', '1e3'], {}), /--notifications '1e3'/);
  assert.throws(() => parseHilArgs(['--port', 'tcp://h', '--fota', 'rsa'], {}), /^Error: --fota 'rsa' must be p256 or ed25519 \(the vendor key type\)$/);
  assert.equal(parseHilArgs(['--port', 'tcp://h', '--fota', 'ed25519'], {}).fota, 'ed25519');
  const r = spawnSync(process.execPath, [HIL], { encoding: 'utf8', env: { ...process.env, ESPRUINO_BIN: '' } });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('hil security: all three modes by default, NoSec first, RPK last; one mode or a list on request', { skip: existsSync(join(import.meta.dirname, '../../dist/firmware-rpk.js')) ? false : 'skipped: dist/firmware-rpk.js not built' }, () => {
  const o = parseHilArgs(['--port', 'tcp://h'], {});
  assert.deepEqual(o.modes, ['nosec', 'psk', 'rpk']);
  assert.deepEqual(MODES, ['nosec', 'psk', 'rpk']);
  assert.deepEqual(parseHilArgs(['--port', 'tcp://h', '--security', 'rpk,nosec'], {}).modes, ['nosec', 'rpk']);
  assert.deepEqual(MEMORY_GOAL, { nosec: 0.2, psk: 0.2, rpk: 0.25 });
  assert.equal(o.notifications, 1000);
  assert.deepEqual(parseHilArgs(['--port', 'tcp://h', '--security', 'psk'], {}).modes, ['psk']);
  // RPK: P-256 and its build by default; --curve ed25519 takes the other build; --rpk-bundle replaces the build
  assert.equal(o.curve, 'p256');
  assert.equal(o.rpkBundle, join(import.meta.dirname, '../../dist/firmware-rpk.js'));
  const ed = parseHilArgs(['--port', 'tcp://h', '--curve', 'ed25519'], {});
  assert.deepEqual([ed.curve, ed.rpkBundle], ['ed25519', join(import.meta.dirname, '../../dist/firmware-rpk-ed25519.js')]);
  assert.equal(parseHilArgs(['--port', 'tcp://h', '--rpk-bundle', o.bundle], {}).rpkBundle, o.bundle);
  assert.throws(() => parseHilArgs(['--port', 'tcp://h', '--curve', 'x25519'], {}), /--curve 'x25519' must be p256 or ed25519/);
  assert.deepEqual(parseHilArgs(['--port', 'tcp://h', '--security', 'all', '--notifications', '200'], {}), { ...o, notifications: 200 });
});

test('hil PSK config: coaps:// bootstrap on the DTLS port, the bootstrap account\'s identity and key', () => {
  const creds = pskCredentials('hil-1');
  assert.equal(creds.bs.key.length, 16);
  assert.notDeepEqual(creds.bs.key, creds.dm.key);
  const psk = modeConfig('psk', '127.0.0.1', 'hil-1-psk', creds);
  assert.deepEqual(psk, {
    v: 1, endpoint: 'hil-1-psk', bootstrap: `coaps://127.0.0.1:${BOOTSTRAP_DTLS_PORT}`, mode: 'psk',
    pskId: 'hil-1-bs', pskKey: Buffer.from(creds.bs.key).toString('hex'), port: 34301,
  });
  // RPK: one key type for the device and both servers, P-256 unless asked for Ed25519
  for (const [curve, prefix, arg] of [['p256', SPKI_P256_PREFIX, []], ['ed25519', SPKI_ED25519_PREFIX, ['ed25519']]] as const) {
    const rk = rpkCredentials(...arg);
    assert.equal(rk.curve, curve);
    const rpk = modeConfig('rpk', '127.0.0.1', 'hil-1-rpk', { ...creds, rpk: rk });
    assert.deepEqual(rpk, {
      v: 1, endpoint: 'hil-1-rpk', bootstrap: `coaps://127.0.0.1:${BOOTSTRAP_DTLS_PORT}`, mode: 'rpk',
      rpkPriv: rk.device.pkcs8, rpkPub: rk.device.spki, rpkServerPub: rk.bs.spki, port: 34301,
    });
    for (const k of [rk.device, rk.bs, rk.dm]) assert.ok(k.spki.startsWith(prefix), `${curve}: ${k.spki}`);
    assert.equal(new Set([rk.device.spki, rk.bs.spki, rk.dm.spki]).size, 3);
    assert.equal(rpkLabel(rpk), rk.device.label);
  }
  const nosec = modeConfig('nosec', '192.0.2.7', 'hil-1', creds, ['--wifi-ssid', 'lab']);
  assert.deepEqual(nosec, { v: 1, endpoint: 'hil-1', bootstrap: 'coap://192.0.2.7:34300', mode: 'nosec', port: 34301, wifi: { ssid: 'lab' } });
});

test('hil memory flat: growth above the tolerance or a rise at every sample fails; jitter passes', () => {
  assert.deepEqual(memoryFlat([5000, 5001, 5000, 5001, 5001]), { ok: true, growth: 1 });
  assert.deepEqual(memoryFlat([5000, 4990]), { ok: true, growth: -10 });
  assert.equal(memoryFlat([5000, 5000 + FLAT_TOLERANCE]).ok, true);
  const over = memoryFlat([5000, 5005, 5000 + FLAT_TOLERANCE + 1]);
  assert.equal(over.ok, false);
  assert.match(over.reason!, /grew by 21 variables \(tolerance 20\)/);
  const creep = memoryFlat([5000, 5001, 5002, 5003, 5004]);
  assert.equal(creep.ok, false);
  assert.match(creep.reason!, /rose at every one of 4 samples \(\+4\)/);
  assert.equal(memoryFlat([5000]).ok, false);
});

test('hil steps are a list the scenario extends, starting with boot', () => {
  assert.deepEqual(STEPS.map((s) => s.name).slice(0, 2), ['boot', 'memory before']);
  assert.equal(STEPS[STEPS.length - 1].name, 'memory after');
  // the LwM2M scenario follows boot, in the seed scenario's order
  const names = STEPS.map((s) => s.name.split(' ')[0]);
  assert.deepEqual(names.slice(2, 9), ['bootstrap', 'registration', 'Read', 'Read', 'Observe', 'Write', 'Execute']);
  // after the reboot (no observation left on the device): the notification run
  assert.equal(STEPS[9].name, 'notifications, memory flat');
});

test('hil against Espruino\'s Linux build: upload via the CLI, then NoSec and PSK: boot, the LwM2M scenario, notifications, UDP echo, memory', { skip }, () => {
  // 200 notifications per mode keeps this test near 2.5 minutes; `npm run hil` runs 1,000 (and RPK, below)
  const r = spawnSync(process.execPath, [HIL, '--security', 'nosec,psk', '--notifications', '200'], { encoding: 'utf8', timeout: 420000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /ok {2}boot .* endpoint hil-\d+/);
  // over the stand-in's telnet console the CLI sends its Storage writes without pausing after each
  // (board-lib uploadToStorage): with its 250 ms pauses an upload never passes 1.5 KB/s
  assert.ok(uploadKBs(r.stdout) > 10, r.stdout.split('\n').filter((l) => l.startsWith('upload:')).join('\n'));
  assert.match(r.stdout, /upload: \d+ bytes in \d+ ms \([\d.]+ KB\/s, without the CLI's pauses\)/);
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
  assert.match(r.stdout, /--- security psk: endpoint hil-\d+-psk, bootstrap coaps:\/\/127\.0\.0\.1:34400, PSK identity 'hil-\d+-bs'/);
  assert.match(r.stdout, /servers: bootstrap coaps:\/\/127\.0\.0\.1:34400, LwM2M coaps:\/\/127\.0\.0\.1:34402 \(DTLS 1\.2 PSK/);
  assert.match(r.stdout, /ok {2}notifications, memory flat .* 200 notifications \(after 40 warm-up\), all in order/);
  // the Bootstrap-Finish time may be missing, and the boot time too when the device registered before the
  // runner watched its log (docs/hil.md: a NoSec boot takes ~50 ms on the stand-in since the board-clock cuts)
  // the memory budgets (MEMORY_GOAL): 20 % of 16,383 with NoSec and PSK
  for (const mode of ['nosec', 'psk']) {
    assert.match(r.stdout, new RegExp(`\\n  ${mode} +boot → registered (\\d+ ms[^;]*|not measured); registered \\+ 1 observation \\d+/16383 variables \\([\\d.]+ %; goal ≤ 20 % = 3276: met\\); 200 notifications: \\d+ → \\d+ \\([+-]\\d+\\), flat`));
  }
  assert.match(r.stdout, /\n  rpk +not run \(--security nosec,psk\)/);
  assert.match(r.stdout, new RegExp(`HIL PASS: nosec ${STEPS.length} steps, psk ${STEPS.length} steps`));
  console.log(r.stdout.split('\n').filter((l) => /ok {2}|^upload: \d|memory|HIL|---|summary|^ {2}(nosec|psk|rpk) /.test(l)).join('\n'));
});

// RPK on Espruino takes minutes per handshake (three handshakes: bootstrap, register, after
// the reboot), so on a developer's machine this run is asked for explicitly (HIL_RPK=1);
// under CI (CI=true or REQUIRE_PEERS=1) it always runs.
const skipRpk = skip || (process.env.HIL_RPK !== '1' && !espruinoRequired() ? 'skipped: HIL_RPK=1 not set (minutes per RPK handshake on Espruino)' : false);

test('hil against Espruino\'s Linux build, RPK: the RPK build uploaded, the QR label enrolled, the LwM2M scenario over DTLS-RPK', { skip: skipRpk }, () => {
  const r = spawnSync(process.execPath, [HIL, '--security', 'rpk', '--notifications', '50'], { encoding: 'utf8', timeout: 3600000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // P-256 by default: its build, and P-256 keys for the device and both servers
  assert.match(r.stdout, /upload: \S*\/firmware-rpk\.js → /);
  assert.match(r.stdout, /servers: .*DTLS 1\.2 RPK, ECDSA P-256 \+ ECDHE secp256r1; QR label enrolled/);
  assert.match(r.stdout, /--- security rpk: endpoint hil-\d+-rpk, bootstrap coaps:\/\/127\.0\.0\.1:34400, QR label [0-9a-f]{64}/);
  assert.match(r.stdout, /ok {2}registration .* Register: lifetime 300 s/);
  assert.match(r.stdout, /ok {2}Execute \/3\/0\/4, .* Bootstrap-Requests seen: 1/);
  // its memory budget (MEMORY_GOAL): issue 16's 25 % of 16,383 (4,272 at aa21ba8, before P-256 was built on demand)
  assert.match(r.stdout, /\n  rpk +boot → registered \d+ ms .*; registered \+ 1 observation \d+\/16383 variables \([\d.]+ %; goal ≤ 25 % = 4095: met\); 50 notifications: \d+ → \d+ \([+-]\d+\), flat/);
  console.log(r.stdout.split('\n').filter((l) => /ok {2}|^upload: \d|HIL|summary|^ {2}(nosec|psk|rpk) /.test(l)).join('\n'));
});

test('hil --fota against Espruino\'s Linux build (PSK): an Ed25519-signed update pushed, checked, applied through the reboot and confirmed (1); a crash-looping one rolled back (8)', { skip }, () => {
  const r = spawnSync(process.execPath, [HIL, '--security', 'psk', '--notifications', '10', '--fota', 'ed25519'], { encoding: 'utf8', timeout: 900000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // the stand-in exits at E.reboot() and the runner starts it again on the same Storage
  assert.match(r.stdout, new RegExp(`ok {2}firmware update: push, check, Update, reboot, confirmed .* \\d+ bytes pushed in \\d+ ms .*, Ed25519 check \\d+ ms; Update → registered \\d+ ms \\(process restarted 1\\); Update Result 1, State 0, running bundle ${FOTA_VERSION.replace(/\./g, '\\.')}`));
  // issue 18: the transfer's peak within 25 % of the variables (the runner fails above it too)
  const peak = /ok {2}firmware update: push.* peak (\d+) variables/.exec(r.stdout);
  assert.ok(peak && +peak[1] <= Math.floor(FOTA_PEAK_GOAL * 16383), `transfer peak ${peak && peak[1]}`);
  assert.match(r.stdout, /ok {2}firmware update: crash-looping bundle rolled back \(Update Result 8\) .* Update → 4 restarts \(1 \+ 3 failed boots\) → the confirmed bundle registered \d+ ms later; Update Result 8, State 0, running bundle 9\.0\.1/);
  assert.match(r.stdout, new RegExp(`HIL PASS: psk ${STEPS.length + FOTA_STEPS.length} steps`));
  console.log(r.stdout.split('\n').filter((l) => /ok {2}firmware|^upload: \d|HIL/.test(l)).join('\n'));
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

// The upload over tcp:// (board-lib uploadToStorage): without the CLI's pauses while the target keeps up;
// again with them when its check is not confirmed. A proxy before the stand-in's telnet console plays a
// busy target on its first connection: it hands the console 500 bytes a second, so the CLI leaves before the
// check is printed (the stand-in then drops what that connection still held when the next one comes).
test('upload over tcp://: the CLI without its pauses when the target keeps up, with them after an unconfirmed check', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-upload-'));
  try {
    const script = join(dir, 'upload.mjs');
    writeFileSync(script, `import { uploadToStorage } from ${JSON.stringify(join(import.meta.dirname, '../../tools/board-lib.mjs'))};
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
const dir = ${JSON.stringify(dir)};
execFileSync('mkfifo', [dir + '/stdin']);
const target = spawn('sh', ['-c', 'exec "$0" --telnet 0<>stdin', ${JSON.stringify(BIN)}], { cwd: dir, stdio: 'ignore' });
const up = () => new Promise((r) => { const s = net.connect(2323, '127.0.0.1', () => { s.destroy(); r(true); }); s.on('error', () => r(false)); });
while (!(await up())) await new Promise((r) => setTimeout(r, 50));
let conns = 0;
const proxy = net.createServer((c) => {
  const busy = ++conns === 1;
  const t = net.connect(2323, '127.0.0.1');
  t.on('error', () => {});
  c.on('error', () => {});
  t.pipe(c);
  if (!busy) return c.pipe(t);
  let held = Buffer.alloc(0);
  c.on('data', (d) => (held = Buffer.concat([held, d])));
  const iv = setInterval(() => {
    if (t.destroyed) return clearInterval(iv);
    t.write(held.subarray(0, 50));
    held = held.subarray(50);
  }, 100);
});
await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
const port = 'tcp://127.0.0.1:' + proxy.address().port;
const files = { 'hil.up': randomBytes(3000).toString('latin1') };
const res = [];
for (let i = 0; i < 2; i++) {
  const t = Date.now();
  const u = await uploadToStorage({ port, files, quiet: true });
  res.push({ paused: u.paused, unpaused: u.unpaused || '', ms: Date.now() - t, conns });
}
console.log('RESULT ' + JSON.stringify(res));
target.kill('SIGKILL');
process.exit(0);
`);
    const r = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, script], { encoding: 'utf8', timeout: 120000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const [busy, idle] = JSON.parse(/RESULT (.*)/.exec(r.stdout)![1]);
    // the busy target: the check not reported, the upload done again with the pauses (3,000 bytes: 8 writes)
    assert.equal(busy.paused, true, r.stdout);
    assert.match(busy.unpaused, /hil\.up on the target differs from what was sent \(CRC-32 not reported\)/);
    assert.equal(busy.conns, 2);
    // one that keeps up: one connection, no pauses (with them, 8 writes would take 2 s)
    assert.deepEqual([idle.paused, idle.conns], [false, 3], r.stdout);
    console.log(`upload of 3,000 bytes over tcp://: busy target ${busy.ms} ms (unconfirmed, then with the CLI's pauses), target keeping up ${idle.ms} ms (without)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
