// The serial path (`--port /dev/ttyUSB0`, tools/flash.mjs and tools/hil.mjs) with the board's
// stand-in behind a pseudo-terminal: socat bridges a pty (linked as .../ttyUSB0) to the console of
// Espruino's Linux build, restarted when it exits as a board resets behind its USB-serial adapter.
// What is real: the espruino CLI 0.1.67's serial code (its Node Serial device: @serialport's open,
// termios, reads and writes; the CLI's chunked Storage upload and prompts) and the HIL runner's
// SerialPort console. What stands in: enumeration. The CLI opens only ports `serialport.list()`
// returns, which on Linux runs `udevadm info -e` (@serialport/bindings-cpp linux-list) and keeps
// the tty* device nodes udev knows; a pty is no udev device, so a `udevadm` first on PATH lists
// the pty's link as ttyUSB0 (udev itself is not on this machine, so nothing else is hidden).
//
// The same run makes the device register before the runner's log wrapper is in place (issue 17
// item 7; `hookAfter`, as a faster target does): the registration step must remove the wrapper,
// and the memory step must refuse a figure taken with the wrapper installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { ESPRUINO_BIN, espruinoSkip } from './espruino-proc';
import { needPeer } from '../helpers/peers';

const HIL = join(import.meta.dirname, '../../tools/hil.mjs');
const skip = espruinoSkip();

// one run for both tests below (an upload through the CLI over a serial line takes about a minute)
let run: { status: number | null; out: string } | null = null;

test('hil over a serial port: the espruino CLI uploads through a pty bridged to the Linux build\'s console, the runner drives the device over it', { skip, timeout: 400000 }, (t) => {
  if (!needPeer(t, 'socat', 'socat')) return;
  const dir = mkdtempSync(join(tmpdir(), 'hil-serial-'));
  try {
    const script = join(dir, 'serial.mjs');
    writeFileSync(script, `import { runHil, parseHilArgs, STEPS, ask, watchLog, unwatchLog } from ${JSON.stringify(HIL)};
import { spawn } from 'node:child_process';
import serialport from ${JSON.stringify(createRequire(import.meta.url).resolve('serialport'))};
const { SerialPort } = serialport;
import { writeFileSync, readFileSync, mkdirSync, chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
const dir = ${JSON.stringify(dir)};
const tty = join(dir, 'ttyUSB0');
mkdirSync(join(dir, 'bin'));
// udev's enumeration, for the pty alone (what @serialport reads: N: the node, E: DEVNAME=its path)
writeFileSync(join(dir, 'bin/udevadm'), '#!/bin/sh\\nprintf "P: /devices/virtual/tty/ttyUSB0\\\\nN: ttyUSB0\\\\nE: DEVNAME=%s\\\\nE: SUBSYSTEM=tty\\\\n\\\\n" "' + tty + '"\\n');
chmodSync(join(dir, 'bin/udevadm'), 0o755);
// the board: E.reboot() ends the Linux build, so power it up again; its Storage (espruino.flash) stays in dir
// (a background job's stdin is /dev/null in sh: the console goes through fd 3)
writeFileSync(join(dir, 'board.sh'), '#!/bin/sh\\nexec 3<&0\\necho $$ > board.pid\\ntrap \\'kill $p 2>/dev/null; exit 0\\' TERM\\nwhile :; do "' + ${JSON.stringify(ESPRUINO_BIN)} + '" <&3 & p=$!; echo $p > espruino.pid; wait $p; done\\n');
chmodSync(join(dir, 'board.sh'), 0o755);
const socat = spawn('socat', ['PTY,link=' + tty + ',rawer,echo=0', 'EXEC:' + join(dir, 'board.sh') + ',pty,rawer,echo=0,setsid,ctty'], { cwd: dir, stdio: 'ignore' });
for (let i = 0; i < 100 && !existsSync(tty); i++) await new Promise((r) => setTimeout(r, 50));
// as one waits for a board to be up before flashing it: its prompt answers over the line
const sp = new SerialPort({ path: tty, baudRate: 115200 });
let seen = '';
sp.on('data', (d) => (seen += d));
for (let i = 0; i < 100 && !/SERIAL-UP/.test(seen); i++) {
  if (sp.isOpen) sp.write('\\x10print("SERIAL-"+"UP")\\n');
  await new Promise((r) => setTimeout(r, 200));
}
await new Promise((r) => sp.close(r));
process.env.PATH = join(dir, 'bin') + ':' + process.env.PATH;
const o = parseHilArgs(['--port', tty, '--host-ip', '127.0.0.1', '--security', 'nosec', '--notifications', '10'], { ESPRUINO_BIN: '' });
// the device registers before the runner wraps its log
o.hookAfter = /lwm2m: registered:/;
const byName = (n) => STEPS.find((s) => s.name.startsWith(n));
const steps = [byName('boot'), byName('memory before'), byName('bootstrap'), byName('registration'),
  { name: 'log wrapper gone', async run(ctx) {
    if (await ask(ctx.con, "LwM2M.espruino.device().log.toString().indexOf('HIL-AT')>=0")) throw new Error('the log wrapper is still installed after the registration step');
    return 'WRAPPER-GONE';
  } },
  { name: 'memory step with the wrapper installed', async run(ctx) {
    await watchLog(ctx);
    const e = await byName('Observe').run(ctx).then(() => null, (x) => x);
    await unwatchLog(ctx);
    if (!e) throw new Error('the Observe step measured memory with the log wrapper installed');
    return 'REFUSED: ' + e.message;
  } },
  ...STEPS.slice(STEPS.indexOf(byName('Read /3/0')))];
const r = await runHil(o, steps);
// socat passes no SIGTERM to its EXEC child (a session of its own), and the Linux build outlives a
// SIGTERM: end the board's loop and the board itself first
for (const f of ['board.pid', 'espruino.pid']) try { process.kill(+readFileSync(join(dir, f), 'utf8'), 'SIGKILL'); } catch {}
socat.kill('SIGTERM');
process.exit(r.ok ? 0 : 1);
`);
    const r = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, script], { encoding: 'utf8', timeout: 380000 });
    run = { status: r.status, out: r.stdout + r.stderr };
    assert.equal(r.status, 0, run.out);
    // the CLI's upload and every step over the serial line
    assert.match(r.stdout, new RegExp(`upload: \\S+/firmware\\.js → ${dir}/ttyUSB0 \\(espruino CLI`));
    assert.match(r.stdout, /ok {2}boot .* endpoint hil-\d+, \d+\/16383 variables at boot \(Espruino's Linux build\)/);
    assert.match(r.stdout, /ok {2}Execute \/3\/0\/4, .* registered again \d+ ms after the Execute; Bootstrap-Requests seen: 1/);
    assert.match(r.stdout, /ok {2}udp echo .* 1200 bytes there and back/);
    assert.match(r.stdout, new RegExp(`summary \\(${dir}/ttyUSB0;`));
    assert.match(r.stdout, /HIL PASS: nosec 14 steps/);
    console.log(r.stdout.split('\n').filter((l) => /ok {2}|HIL|summary|upload/.test(l)).join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hil: a device registered before the runner wrapped its log is left unwrapped, and the memory step refuses a wrapped one', { skip }, (t) => {
  if (!run) return t.skip('skipped: the serial run above did not run');
  // registered before the wrapper: the target's clock could not time it, and the step removed the wrapper
  assert.match(run.out, /ok {2}registration .* target clock: not measured \(the device registered before the runner watched its log\); log wrapper removed/);
  assert.match(run.out, /ok {2}log wrapper gone .* WRAPPER-GONE/);
  assert.match(run.out, /ok {2}memory step with the wrapper installed .* REFUSED: the runner's log wrapper is still installed on the device/);
  // the run's memory figure was taken without it
  assert.match(run.out, /ok {2}Observe .* memory while observed \d+\/16383/);
});
