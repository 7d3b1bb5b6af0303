// npm run bench:fota -- [--size KB] [--no-key] [--ed25519]
// (--no-key: the device holds no vendor key, so the check ends at the SHA-256, Update Result 5,
// and the verifier never loads: the transfer's own peak; --ed25519: an Ed25519 vendor key, the
// check by dist/fw-verify-ed25519.js) (needs the Espruino build: npm run espruino:build)
//
// A firmware package pushed to the PSK bundle running in Espruino itself (the ESP32-faithful
// Linux build, Storage memory-mapped), as on the board: the simulator's servers, a package of
// --size KB (default 100: dist/firmware.js padded) written to /5/0/0 with Block1 over DTLS,
// then the device's SHA-256 and sliced P-256 check. Prints the transfer and check times
// (host seconds) and the device's variables: at rest, and the peak while the package
// streamed and was checked (process.memory() sampled every 20 ms in Espruino, after its GC).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, writeSync, openSync, closeSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchServers, BS_KEY } from './servers';
import { espruinoBin, storeFiles, NO_ESPRUINO } from '../tools/espruino/bin.mjs';
import { buildPackage, vendorKey, vendorPublic } from '../tools/package-lib.mjs';

const args = process.argv.slice(2);
let kb = 100;
let noKey = false;
let ed = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--no-key') noKey = true;
  else if (args[i] === '--ed25519') ed = true;
  else if (args[i] === '--size' && /^\d+$/.test(args[i + 1] || '') && +args[i + 1] >= 1 && +args[i + 1] <= 400) kb = +args[++i];
  else {
    console.error(`bench:fota: bad argument '${args[i]}' (--size KB, 1..400; --no-key; --ed25519)`);
    process.exit(2);
  }
}
const BIN = espruinoBin();
if (!BIN) {
  console.error(`bench:fota: ${NO_ESPRUINO}`);
  process.exit(2);
}
const ROOT = join(import.meta.dirname, '..');
const BUNDLE = join(ROOT, 'dist/firmware.js');
const VERIFIER = join(ROOT, ed ? 'dist/fw-verify-ed25519.js' : 'dist/fw-verify.js');
if (!existsSync(BUNDLE) || !existsSync(VERIFIER)) {
  console.error(`bench:fota: dist/firmware.js or ${VERIFIER} missing: run \`npm run build\` first`);
  process.exit(2);
}
const EP = 'urn:dev:fota-bench';
const dir = mkdtempSync(join(tmpdir(), 'fota-bench-'));
const key = vendorKey(join(dir, 'vendor.key'), true, ed ? 'ed25519' : 'p256');
const code = readFileSync(BUNDLE);
const bundle = Buffer.concat([code, Buffer.alloc(Math.max(0, kb * 1024 - code.length - 1), 0x20), Buffer.from('\n')]).subarray(0, Math.max(kb * 1024, code.length + 1));
const pkg = buildPackage(bundle, key, { version: '9.9.9', target: 'psk' });
const { lw, events, bootstrapUri, close } = await benchServers(EP, true, 300, { timeoutMs: 120000 });
const cfg = { v: 1, endpoint: EP, bootstrap: bootstrapUri, mode: 'psk', pskId: 'bs', pskKey: Buffer.from(BS_KEY).toString('hex'), vendorPub: noKey ? undefined : vendorPublic(key) };
writeFileSync(join(dir, 'cfg.json'), JSON.stringify(cfg));
storeFiles(BIN, dir, { 'lwm2m.js': BUNDLE, 'lwm2m.cfg': join(dir, 'cfg.json'), [ed ? 'lwm2m.ved' : 'lwm2m.ver']: VERIFIER });
writeFileSync(join(dir, 'run.js'), [
  `eval(require('Storage').read('lwm2m.js'));`,
  `LwM2M.espruino.start(global);`,
  `var FOTA_PEAK = 0;`,
  `function FOTA_sample() { var u = process.memory().usage; if (u > FOTA_PEAK) FOTA_PEAK = u; }`,
].join('\n'));
execFileSync('mkfifo', [join(dir, 'stdin')]);
const child = spawn('sh', ['-c', 'exec "$0" run.js 0<>stdin', BIN], { cwd: dir });
let out = '';
child.stdout.on('data', (d) => (out += d.toString().replace(/\r/g, '')));
const until = async (what: string, c: () => boolean | Promise<boolean>, ms: number) => {
  for (const end = Date.now() + ms; !(await c()); ) {
    if (Date.now() > end) throw new Error(`${what} did not happen; Espruino printed:\n${out.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};
const fd = openSync(join(dir, 'stdin'), 'w');
const ask = async (expr: string, tag: string): Promise<string> => {
  const from = out.length;
  // the tag split in two: the REPL's echo of the line does not match
  writeSync(fd, `print('${tag.slice(0, 1)}'+'${tag.slice(1)} '+(${expr}));\n`);
  await until(tag, () => new RegExp(`${tag} (\\S+)`).test(out.slice(from)), 30000);
  return new RegExp(`${tag} (\\S+)`).exec(out.slice(from))![1];
};
const text = async (p: number[]) => Buffer.from((await lw.read(EP, p, 0)).payload).toString();
try {
  await until('registration', () => events.some((e) => e.type === 'REGISTRATION'), 60000);
  await new Promise((r) => setTimeout(r, 1000));
  const rest = await ask('process.memory().usage', 'REST');
  await ask("(global.FOTA_SAMPLER = setInterval(FOTA_sample, 20)) && 1", 'SAMPLING');
  const t0 = Date.now();
  const w = await lw.write(EP, [5, 0, 0], [{ p: [5, 0, 0], v: pkg } as any], { format: 42, timeoutMs: 600000 });
  const t1 = Date.now();
  if (w.code !== 68) throw new Error(`the push answered ${w.status}; Espruino printed:\n${out.slice(-2000)}`);
  const peakTransfer = await ask('FOTA_PEAK', 'PEAKT');
  await until('the check', async () => (await text([5, 0, 3])) !== '1', 900000);
  const t2 = Date.now();
  const result = await text([5, 0, 5]);
  const peak = await ask('FOTA_PEAK', 'FOTA_PEAK');
  await ask('clearInterval(FOTA_SAMPLER) || 1', 'STOP');
  await new Promise((r) => setTimeout(r, 500));
  const after = await ask('process.memory().usage', 'AFTER');
  const total = 16383;
  const pct = (v: string) => `${v} (${((100 * +v) / total).toFixed(1)} %)`;
  console.log(`fota on Espruino (PSK build, DTLS, ${noKey ? 'no vendor key' : ed ? 'Ed25519' : 'P-256'}): package ${pkg.length} bytes pushed in ${((t1 - t0) / 1000).toFixed(1)} s (${Math.round(pkg.length / (t1 - t0))} KB/s host), checked in ${((t2 - t1) / 1000).toFixed(1)} s host; State ${await text([5, 0, 3])}, Update Result ${result}`);
  console.log(`variables of ${total}: at rest ${pct(rest)}; peak during the transfer ${pct(peakTransfer)}, during transfer and check ${pct(peak)}; after ${pct(after)}`);
} catch (e) {
  console.error(`bench:fota: ${(e as Error).message}; Espruino printed:\n${out.slice(-3000)}`);
  process.exitCode = 1;
} finally {
  closeSync(fd);
  child.kill('SIGKILL');
  await close();
  rmSync(dir, { recursive: true, force: true });
}
