// npm run mem:report -- [--security nosec|psk|rpk] [--port N] [--depth N] [--min N] [--app FILE…] [--bundle FILE] [--queue] [--stored N] (needs ESPRUINO_BIN)
//
// Where a registered device's Espruino variables go. Runs dist/firmware.js from Storage in
// Espruino itself (ESPRUINO_BIN; use a build whose Storage.read returns a flash string, as
// on the ESP32 — see README "On Espruino itself"), against the simulator's bootstrap and
// LwM2M servers, waits for the registration, has the server observe /3/0/13, then asks
// Espruino for E.dumpVariables() (every variable, its size in blocks and its links) and
// prints the variables as a tree: each variable is charged to the first path by which a
// breadth-first walk from the root reaches it, and every node shows the variables it and
// everything charged below it hold. Property names of the bundle are the minified ones
// (dist/firmware.js.map names them). `--save FILE` also writes the raw E.dumpVariables() output.
// `--app FILE` (repeatable, joined as `npm run flash -- --app` joins them: the generated
// owner-objects.js, then the owner's script) runs the owner's script from Storage after the
// bundle, as the board's .boot1 does: its start(global, { objects }) starts the client.
// `--security rpk` runs dist/firmware-rpk.js with fresh P-256 keys for the device and both
// servers (two full handshakes: some 20 s on a quiet host, minutes on a loaded one).
// `--bundle FILE` runs another build of the same kind (a base commit's, to compare).
// `--queue` registers in queue mode (awake 3 s: the dump is taken asleep). `--stored N` (issue 20)
// also observes /3303/0/5700 (pmin 0), tells the client its link is down, sets the value N times
// and prints the variables before and after: what keeping N notifications costs (reporting.ts).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, openSync, writeSync, closeSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchServers, rpkServers, BS_KEY } from './servers';
import { buildConfig, rpkGenerate } from '../tools/board-lib.mjs';
import { espruinoBin, storeFiles, NO_ESPRUINO } from '../tools/espruino/bin.mjs';

function usage(msg: string): never {
  console.error(`mem:report: ${msg}`);
  process.exit(2);
}
const args = process.argv.slice(2);
let security = 'psk';
let depth = 8;
let min = 40;
let save = '';
let bundle = '';
let queue = false;
let stored = 0;
let port = 35993;
const apps: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const v = args[i + 1];
  if (a === '--security' && (v === 'psk' || v === 'nosec' || v === 'rpk')) (security = v), i++;
  else if (a === '--depth' && /^\d+$/.test(v || '')) (depth = +v), i++;
  else if (a === '--min' && /^\d+$/.test(v || '')) (min = +v), i++;
  else if (a === '--save' && v) (save = v), i++;
  else if (a === '--bundle' && v && existsSync(v)) (bundle = v), i++;
  else if (a === '--port' && /^\d+$/.test(v || '') && +v >= 1024 && +v <= 65535) (port = +v), i++;
  else if (a === '--queue') queue = true;
  else if (a === '--stored' && /^\d+$/.test(v || '') && +v <= 200) (stored = +v), i++;
  else if (a === '--app' && v && existsSync(v)) apps.push(v), i++;
  else usage(`bad argument '${a}'${v !== undefined ? ` '${v}'` : ''} (--security nosec|psk|rpk, --port 1024..65535, --depth N, --min N, --save FILE, --app FILE, --bundle FILE, --queue, --stored 0..200)`);
}
const BIN = espruinoBin();
if (!BIN) usage(NO_ESPRUINO);
if (!existsSync(BIN)) usage(`ESPRUINO_BIN '${BIN}' not found`);
const RPK = security === 'rpk';
const BUNDLE = bundle || join(import.meta.dirname, RPK ? '../dist/firmware-rpk.js' : '../dist/firmware.js');
if (!existsSync(BUNDLE)) usage(`${BUNDLE} is missing: run \`npm run build\` first`);

const PSK = security === 'psk';
const EP = 'urn:dev:mem';
const PORT = port; // the device's own UDP port: give each of two reports run at once its own
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const device = rpkGenerate('p256');
const { lw, events, bootstrapUri, bootstrapSpki, close } = RPK ? await rpkServers(EP, device.spki, 300) : { ...(await benchServers(EP, PSK, 300)), bootstrapSpki: null };
const cfg = RPK
  ? buildConfig(['--endpoint', EP, '--port', String(PORT), ...(queue ? ['--queue', '--awake', '3'] : []), '--bootstrap', bootstrapUri, '--mode', 'rpk', '--rpk-priv', device.pkcs8, '--rpk-pub', device.spki, '--rpk-server-pub', hex(bootstrapSpki!)])
  : { v: 1, endpoint: EP, bootstrap: bootstrapUri, mode: security, pskId: PSK ? 'bs' : undefined, pskKey: PSK ? hex(BS_KEY) : undefined, port: PORT, ...(queue ? { queue: true, awake: 3 } : {}) };
const dir = mkdtempSync(join(tmpdir(), 'mem-report-'));
// Storage written in a run of its own, as the CLI writes a board's before it boots
writeFileSync(join(dir, 'cfg.json'), JSON.stringify(cfg));
if (apps.length) writeFileSync(join(dir, 'app.js'), Buffer.concat(apps.map((f) => Buffer.concat([readFileSync(f), Buffer.from('\n')]))));
storeFiles(BIN, dir, { 'lwm2m.js': BUNDLE, 'lwm2m.cfg': join(dir, 'cfg.json'), ...(apps.length ? { 'app.js': join(dir, 'app.js') } : {}) });
writeFileSync(join(dir, 'run.js'), [
  `var m0 = process.memory().usage;`,
  `eval(require('Storage').read('lwm2m.js'));`,
  `print('LOADED ' + (process.memory().usage - m0) + ' ' + process.memory().usage);`,
  ...(apps.length ? [`m0 = process.memory().usage;`, `eval(require('Storage').read('app.js'));`, `print('APP ' + (process.memory().usage - m0));`] : []),
  `LwM2M.espruino.start(global);`,
].join('\n'));
execFileSync('mkfifo', [join(dir, 'stdin')]);
const child = spawn('sh', ['-c', 'exec "$0" run.js 0<>stdin', BIN], { cwd: dir });
let out = '';
child.stdout.on('data', (d) => (out += d.toString().replace(/\r/g, '')));
const until = async (what: string, c: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; !c(); ) {
    if (Date.now() > end) throw new Error(`${what} did not happen; Espruino printed:\n${out.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};
const fd = openSync(join(dir, 'stdin'), 'w');
try {
  await until('registration', () => events.some((e) => e.type === 'REGISTRATION'), RPK ? 30 * 60000 : 60000);
  const o = await lw.observe(EP, [3, 0, 13]);
  if (o.code !== 69) throw new Error(`Observe /3/0/13 answered ${o.code}`);
  let storedLine = '';
  if (stored) {
    // a second observation, then the link down and N values: N notifications kept
    // the stand-in has no temperature sensor (E.getTemperature() is NaN there): a value first
    writeSync(fd, `var C=LwM2M.espruino.device().cl;C.reg.obj(3303).set(0,5700,0);\n`);
    await new Promise((r) => setTimeout(r, 300));
    if ((await lw.writeAttributes(EP, [3303, 0, 5700], ['pmin=0'])).code !== 68) throw new Error('Write-Attributes pmin=0 refused');
    const ob = await lw.observe(EP, [3303, 0, 5700]);
    if (ob.code !== 69) throw new Error(`Observe /3303/0/5700 answered ${ob.code}`);
    await new Promise((r) => setTimeout(r, 500));
    writeSync(fd, `C.life().link(false,Math.floor(Date.now()));C.poll(Math.floor(Date.now()));var M0=process.memory().usage;for(var K=1;K<=${stored};K++){C.reg.obj(3303).set(0,5700,K);C.poll(Math.floor(Date.now()));}print('STORED '+(C.reporting.held.length/2)+' '+M0+' '+process.memory().usage);\n`);
    await until('the notifications kept', () => /STORED \d+ \d+ \d+/.test(out), 30000);
    const [, n, before, after] = /STORED (\d+) (\d+) (\d+)/.exec(out)!;
    storedLine = `; ${n} notifications kept (link down): ${before} -> ${after} variables (+${+after - +before}, ${((+after - +before) / +n).toFixed(1)} per notification)`;
  }
  await new Promise((r) => setTimeout(r, queue ? 4500 : 1500));
  // one console line, so that the REPL's history holds as little as possible
  writeSync(fd, `print('USAGE '+process.memory().usage+' '+process.memory().total);print('DUMPSTART');E.dumpVariables();print('DUMPEND');\n`);
  await until('the variable dump', () => /DUMPEND\n/.test(out.slice(out.indexOf('DUMPSTART'))), 60000);
  const [, loaded] = /LOADED (\d+)/.exec(out)!;
  const [, used, total] = /USAGE (\d+) (\d+)/.exec(out)!;
  const dump = out.slice(out.indexOf('DUMPSTART'), out.lastIndexOf('DUMPEND'));
  const app = /APP (-?\d+)/.exec(out);
  console.log(`${security}: bundle from Storage ${loaded} variables;${app ? ` the owner's script (--app, which starts the client) ${app[1]};` : ''} registered${queue ? ' in queue mode (asleep)' : ''} with ${stored ? 'two observations' : 'one observation'}: ${used} of ${total} (${((100 * +used) / +total).toFixed(1)} %)${storedLine}`);
  if (save) writeFileSync(save, dump);
  report(dump, depth, min);
} finally {
  closeSync(fd);
  child.kill('SIGKILL');
  await close();
  rmSync(dir, { recursive: true, force: true });
}

/** The breadth-first ownership tree of E.dumpVariables()'s output (`ref,size,flags,name,links…`). */
function report(dump: string, maxDepth: number, minSize: number): void {
  const vars = new Map<number, { size: number; name: string; links: number[] }>();
  for (const line of dump.split('\n')) {
    const m = /^(\d+),(\d+),(\d+),(.*)$/.exec(line);
    if (!m) continue;
    const parts = m[4].replace(/,$/, '').split(',');
    const links: number[] = [];
    while (parts.length && /^\d+$/.test(parts[parts.length - 1])) links.unshift(+parts.pop()!);
    vars.set(+m[1], { size: +m[2], name: parts.join(','), links });
  }
  const parent = new Map<number, number>();
  const kids = new Map<number, number[]>();
  const order = [1];
  parent.set(1, 0);
  for (let i = 0; i < order.length; i++) {
    for (const y of vars.get(order[i])?.links || []) {
      if (!vars.has(y) || parent.has(y)) continue;
      parent.set(y, order[i]);
      order.push(y);
      if (!kids.has(order[i])) kids.set(order[i], []);
      kids.get(order[i])!.push(y);
    }
  }
  const sub = new Map<number, number>();
  for (let i = order.length - 1; i >= 0; i--) {
    const x = order[i];
    sub.set(x, (sub.get(x) || 0) + vars.get(x)!.size);
    if (i) sub.set(parent.get(x)!, (sub.get(parent.get(x)!) || 0) + sub.get(x)!);
  }
  let all = 0;
  for (const v of vars.values()) all += v.size;
  console.log(`E.dumpVariables(): ${vars.size} variables holding ${all} blocks; reached from the root: ${sub.get(1)} (the rest is held by the interpreter itself: locks, the lexer, the REPL)`);
  const show = (x: number, d: number) => {
    const list = (kids.get(x) || []).slice().sort((a, b) => sub.get(b)! - sub.get(a)!);
    for (const y of list) {
      if (sub.get(y)! < minSize) continue;
      const n = vars.get(y)!.name;
      console.log(`${'  '.repeat(d)}${String(sub.get(y)).padStart(6)}  ${n.length > 50 ? n.slice(0, 50) + '…' : n || '(value)'}`);
      if (d < maxDepth) show(y, d + 1);
    }
  };
  show(1, 0);
}
