// npm run bench:board -- [--quick] [--only W[,W…]] [--notifications N]   (needs the stand-in:
// `npm run espruino:build`, or ESPRUINO_BIN; and Debian's valgrind)
//
// The board's clock (docs/board-clock.md, ../shared/ESPRUINO.md "Speed: the board's clock"):
// each workload runs in the stand-in (Espruino 2v29 for Linux built as the ESP32 is: -m32 -Og,
// 16,383 variables, Storage memory-mapped) under `valgrind --tool=callgrind --cache-sim=no`,
// which counts the x86 instructions it executes (Ir) and writes one count per stretch:
//   --dump-before=jsiLoop                  one per turn of Espruino's event loop: a stretch is
//                                          everything the interpreter ran between two yields
//                                          (timers, UDP, console input and the JS they call);
//   --dump-before=jswrap_espruino_getAddressOf   a marker the bench calls (E.getAddressOf(0)) to
//                                          cut the run into phases.
// The first stretch is start-up and loading the bundle from Storage (Storage is written before,
// in a run of its own): a workload's count is the sum of its phase's stretches, so start-up and
// loading are not in it; "longest run" is the largest single stretch in the phase. Modelled ESP32
// seconds = Ir × {0.78, 1.61, 3.09} / 240e6 (low, central, high).
//
// Workloads: see WORKLOADS below; --quick runs QUICK. Under valgrind Espruino runs ~50–100 times
// slower than natively: the P-256 and Ed25519 work takes hours in all (ESPRUINO.md: a P-256
// handshake is ~37 G instructions). A developer command, not CI.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, writeSync, closeSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomFillSync, sign, createPrivateKey } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchServers, BS_KEY, DM_KEY, type SlowDevice } from './servers';
import { es5Script, p256Es5 } from './p256-es5';
import { espruinoBin, storeFiles, NO_ESPRUINO } from '../tools/espruino/bin.mjs';
import { configFiles, p256VerifyTable, rpkGenerate } from '../tools/board-lib.mjs';
import { P256_TABLE_BYTES } from '../transport/crypto/p256';
import { BootstrapServer, simpleConfig } from '../sim/bootstrap-server';
import { Lwm2mServer, type ServerEvent } from '../sim/lwm2m-server';
import { rpkFromPrivate, spkiHash } from '../sim/rpk-keys';
import { T_BOOL } from '../objects/core/types';
import { loadFirmware } from '../sim/espruino-vm';
import { espruinoCryptoModule } from '../sim/espruino-crypto';
import { createDtlsServer } from '../transport/dtls/server';
import { serverCurves } from '../transport/dtls/server-curves';
import { nodeCrypto } from '../sim/node-crypto';
import { ed25519Keys, p256Keys } from '../test/helpers/dtls-net';

const ROOT = join(import.meta.dirname, '..');
const DIST = (f: string) => join(ROOT, 'dist', f);
/** ESP32 cycles per x86 instruction: low, central, high (ESPRUINO.md's calibration), at 240 MHz. */
export const CPI = [0.78, 1.61, 3.09] as const;
export const ESP32_HZ = 240e6;
/**
 * The device's clock runs this many times slower under valgrind, as the device does: its DTLS and
 * CoAP retransmission timers and the RPK handshake's 15-minute deadline keep their meaning
 * (otherwise it retransmits flights the servers already answered, and each is counted).
 */
export const DEVICE_SLOW = 40;
/**
 * The servers wait for a device under valgrind (50–100 times slower than natively): no CoAP or
 * DTLS retransmission while it computes (a retransmitted request would be counted as its work),
 * and hours for an answer or a handshake. Every datagram is counted (the `datagrams` line).
 */
export const slowDevice = (tally: { in: number; out: number }): SlowDevice => ({
  timeoutMs: 3600000, coap: { ACK_TIMEOUT: 3600000 }, dtlsRetransmit: 3600000, dtlsTimeout: 4 * 3600000,
  onDatagram: (dir) => void tally[dir]++,
});

function usage(msg: string): never {
  console.error(`bench:board: ${msg}`);
  process.exit(2);
}

/** One measured row: instructions and the longest stretch between two yields in that phase. */
interface Row { workload: string; what: string; ir: number | null; longest: number | null; note?: string }

/** One stretch of a callgrind run: why it was cut (jsiLoop, marker, end) and its Ir. */
export interface Stretch { trigger: 'loop' | 'marker' | 'end'; ir: number }

/** The stretches of a finished callgrind run in `dir`, in order. */
export function stretches(dir: string): Stretch[] {
  const files = readdirSync(dir).filter((f) => /^callgrind\.out\.\d+(\.\d+)?$/.test(f));
  const part = (f: string) => (/\.\d+\.(\d+)$/.test(f) ? +f.split('.').pop()! : Infinity);
  return files.sort((a, b) => part(a) - part(b)).map((f) => {
    const t = readFileSync(join(dir, f), 'latin1');
    const trig = /^desc: Trigger: (.*)$/m.exec(t)?.[1] || '';
    const ir = +(/^summary: (\d+)$/m.exec(t)?.[1] || /^totals: (\d+)$/m.exec(t)?.[1] || 0);
    return { trigger: /getAddressOf/.test(trig) ? 'marker' : /jsiLoop/.test(trig) ? 'loop' : 'end', ir } as Stretch;
  });
}

/**
 * Phases between markers: phase 0 is before the first marker (without the first stretch: start-up
 * and loading). `turns`: the phase's whole turns' counts in order (a phase that runs a job a step
 * per turn: its making, then its steps); `at`: the index in `turns` of the longest (-1: none).
 */
export function phases(s: Stretch[]): Phase[] {
  const out: Phase[] = [{ ir: 0, longest: 0, at: -1, turns: [] }];
  for (let i = 1; i < s.length; i++) {
    const p = out[out.length - 1];
    p.ir += s[i].ir;
    // a stretch cut by a marker is the start of a turn, not a whole one: the whole ones end at a loop
    if (s[i].trigger === 'loop') {
      if (s[i].ir > p.longest) [p.longest, p.at] = [s[i].ir, p.turns.length];
      p.turns.push(s[i].ir);
    }
    if (s[i].trigger === 'marker') out.push({ ir: 0, longest: 0, at: -1, turns: [] });
  }
  return out;
}
export interface Phase { ir: number; longest: number; at: number; turns: number[] }

/** A stand-in process under callgrind in `dir` (Storage already written there), driven through its console FIFO. */
export function callgrind(bin: string, dir: string, script: string, dumps = ['jsiLoop', 'jswrap_espruino_getAddressOf']) {
  writeFileSync(join(dir, 'run.js'), script);
  execFileSync('mkfifo', [join(dir, 'stdin')]);
  const args = ['--tool=callgrind', '--cache-sim=no', '--dump-instr=no', '--compress-strings=no', ...dumps.map((f) => `--dump-before=${f}`), bin, 'run.js'];
  const p = spawn('sh', ['-c', 'exec valgrind "$@" 0<>stdin', 'valgrind', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d) => (out += d.toString('latin1').replace(/\r/g, '')));
  p.stderr.on('data', (d) => (out += d.toString('latin1')));
  let exited = false;
  const done = new Promise<number | null>((r) => p.on('close', (c) => { exited = true; r(c); }));
  const fd = openSync(join(dir, 'stdin'), 'w');
  return {
    out: () => out,
    exited: () => exited,
    /** Runs one console line on the target (a marker, quit()). */
    send: (js: string) => writeSync(fd, js + '\n'),
    async end(): Promise<Stretch[]> {
      // a stand-in that already ended (it quits at the end of some scripts) reads no quit()
      if (!exited) writeSync(fd, 'quit()\n');
      const code = await done;
      closeSync(fd);
      if (code !== 0) throw new Error(`valgrind ended with ${code}:\n${out.slice(-2000)}`);
      return stretches(dir);
    },
    kill: () => p.kill('SIGKILL'),
  };
}

export async function until(what: string, cond: () => boolean, ms: number, out: () => string) {
  for (const end = Date.now() + ms; !cond(); ) {
    if (Date.now() > end) throw new Error(`${what} within ${Math.round(ms / 1000)} s; Espruino printed:\n${out().slice(-2500)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const MARK = 'E.getAddressOf(0)';
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The simulator's servers for one power-on → registered run (NoSec, PSK, or RPK with the device's key enrolled). */
export async function servers(mode: 'nosec' | 'psk' | 'rpk', ep: string, curve: 'p256' | 'ed25519', tally: { in: number; out: number }, serverPsk = false) {
  if (mode !== 'rpk') {
    const s = await benchServers(ep, mode === 'psk', 300, slowDevice(tally));
    const cfg = { v: 1, endpoint: ep, bootstrap: s.bootstrapUri, mode, pskId: mode === 'psk' ? 'bs' : undefined, pskKey: mode === 'psk' ? hex(BS_KEY) : undefined, port: 35995 };
    return { lw: s.lw, events: s.events, cfg, close: s.close };
  }
  const dev = rpkGenerate(curve), bsKey = rpkGenerate(curve), dmKey = rpkGenerate(curve);
  const events: ServerEvent[] = [];
  const lw = await Lwm2mServer.start({ port: -1, dtlsPort: 0, ...slowDevice(tally), rpk: serverPsk ? undefined : rpkFromPrivate(Buffer.from(dmKey.pkcs8, 'hex')), onEvent: (e) => events.push(e) });
  const { timeoutMs: _t, ...bsSlow } = slowDevice(tally);
  const bs = await BootstrapServer.start({ port: -1, dtlsPort: 0, ...bsSlow, rpk: rpkFromPrivate(Buffer.from(bsKey.pkcs8, 'hex')) });
  const spki = new Uint8Array(Buffer.from(dev.spki, 'hex'));
  bs.enrol(spkiHash(spki), 24 * 3600000);
  if (serverPsk) {
    // after the RPK bootstrap, a PSK account for the LwM2M server (sim/scenario.ts serverSecurity 'psk')
    lw.security.add({ endpoint: ep, identity: 'dm', key: DM_KEY });
    bs.setConfig(ep, simpleConfig({ serverUri: lw.secureUri!, securityMode: 'PSK', shortServerId: 101, lifetime: 300, pskIdentity: 'dm', pskKey: DM_KEY }));
  } else {
    lw.security.addRpk(ep, spki);
    bs.setConfig(ep, simpleConfig({ serverUri: lw.secureUri!, securityMode: 'RPK', shortServerId: 101, lifetime: 300, serverPublicKey: lw.rpkSpki }));
  }
  const cfg = { v: 1, endpoint: ep, bootstrap: bs.secureUri, mode: 'rpk', rpkPriv: dev.pkcs8, rpkPub: dev.spki, rpkServerPub: bsKey.spki, port: 35995 };
  return { lw, events, cfg, close: async () => { await bs.close(); await lw.close(); } };
}

/**
 * Power-on → registered (and, with `notifications`, one notification: Write → 2.04 → notification,
 * averaged): the bundle from Storage, start(global) as the boot file calls it, against the
 * simulator's servers over real UDP.
 */
async function boot(bin: string, mode: 'nosec' | 'psk' | 'rpk', curve: 'p256' | 'ed25519', notifications: number, serverPsk = false, flashed = true): Promise<Row[]> {
  const ep = `urn:dev:bench-${mode}`;
  const tally = { in: 0, out: 0 };
  const srv = await servers(mode, ep, curve, tally, serverPsk);
  const dir = mkdtempSync(join(tmpdir(), 'bench-board-'));
  const bundle = mode === 'rpk' ? DIST(curve === 'ed25519' ? 'firmware-rpk-ed25519.js' : 'firmware-rpk.js') : DIST('firmware.js');
  const label = mode === 'rpk' ? `RPK ${curve === 'ed25519' ? 'Ed25519' : 'P-256'}${serverPsk ? ' bootstrap, PSK LwM2M server' : ''}${flashed ? '' : ', no verification table flashed'}` : mode === 'psk' ? 'PSK' : 'NoSec';
  let run: ReturnType<typeof callgrind> | null = null;
  try {
    writeFileSync(join(dir, 'cfg.json'), JSON.stringify(srv.cfg));
    // what `npm run flash` stores beside the configuration (the Bootstrap-Server's verification table)
    const more = Object.entries(flashed ? configFiles(srv.cfg) : {}).map(([n, b]) => (writeFileSync(join(dir, n), b), [n, join(dir, n)]));
    storeFiles(bin, dir, { 'lwm2m.js': bundle, 'lwm2m.cfg': join(dir, 'cfg.json'), ...Object.fromEntries(more) });
    const slow = `(function(){var n=Date.now,t=n();Date.now=function(){return t+(n()-t)/${DEVICE_SLOW};};})();\n`;
    // the device marks the end of power-on → registered itself, as it logs the registration (Platform.log): a marker
    // the host sent could be read before or after the turns around it, as the host's timing went (~30 M)
    const markAtRegistered = `var d=LwM2M.espruino.start(global);if(!d||typeof d.log!=='function')throw Error('bench: no device log to mark the registration at');var p=d.log,m=0;d.log=function(s){p(s);if(!m&&s.indexOf('registered: ')===0){m=1;${MARK};}};`;
    run = callgrind(bin, dir, `${slow}eval(require('Storage').read('lwm2m.js'));\nsetTimeout(function(){${markAtRegistered}},1);\n`);
    const r = run;
    const hours = mode === 'rpk' ? 12 : 1;
    await until('no registration', () => srv.events.some((e) => e.type === 'REGISTRATION') && /lwm2m: registered: /.test(r.out()), hours * 3600000, r.out);
    const atReg = { ...tally };
    const rows: Row[] = [];
    if (notifications) {
      const p = [3338, 0, 5850];
      const wa = await srv.lw.writeAttributes(ep, p, ['pmin=0']);
      if (wa.code !== 68) throw new Error(`Write-Attributes answered ${wa.code}`);
      const notes: unknown[] = [];
      const o = await srv.lw.observe(ep, p, undefined, (x) => notes.push(x));
      if (o.code !== 69) throw new Error(`Observe answered ${o.code}`);
      let v = false;
      // a few first, so that the counted ones find the bounded stores (CoAP dedup) as they stay
      for (let i = 0; i < notifications + 5; i++) {
        if (i === 5) r.send(MARK);
        v = !v;
        const w = await srv.lw.write(ep, p, [{ p, t: T_BOOL, v }], { replace: true });
        if (w.code !== 68) throw new Error(`Write answered ${w.code}`);
        await until(`notification ${i + 1}`, () => notes.length > i, 120000, r.out);
      }
      r.send(MARK);
    }
    const ph = phases(await r.end());
    run = null;
    // the servers' side of the wire: retransmissions would show here (bench:flow gives the minimum)
    console.log(`  ${label}: datagrams to → registered, servers received / sent: ${atReg.in} / ${atReg.out}; in all ${tally.in} / ${tally.out}`);
    rows.push({ workload: mode === 'rpk' ? `rpk-${curve}${serverPsk ? '-psk' : ''}` : mode, what: `power-on → registered, ${label}`, ir: ph[0].ir, longest: ph[0].longest });
    if (notifications) rows.push({ workload: 'notification', what: `one notification (${label}: Write → 2.04 → notification; mean of ${notifications})`, ir: ph[2].ir / notifications, longest: ph[2].longest });
    return rows;
  } finally {
    if (run) run.kill();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A step of a `steps()` script: its JavaScript, run in a turn of its own; a step whose code
 * returns true runs again in the next turn (only an unmarked one may: each run is a turn).
 */
export interface Step { name: string; js: string; mark?: boolean }

/**
 * The Espruino script that runs `list` one step per turn of the event loop after `prelude`, the
 * bundle evaluated from Storage first. Each distinct step is one function and the order a string
 * of their indices: a handshake is some 1,500 steps (a poll each), as many functions would not fit
 * in the board's 16,383 variables. `tail` runs after the last marker: counted in no step (a
 * harness's checks go there).
 */
export function stepsScript(prelude: string, list: Step[], tail = ''): string {
  const bodies: string[] = [];
  let order = '';
  for (const s of list) {
    const body = `${s.mark === false ? '' : MARK + ';'}${s.js}`;
    let i = bodies.indexOf(body);
    if (i < 0) i = bodies.push(body) - 1;
    if (i > 70) throw new Error(`steps: more than 70 distinct steps`);
    order += String.fromCharCode(48 + i);
  }
  // the script's own globals have names no bundle's top-level name has (tools/build.mjs pass 9
  // gives those a `$`; older bundles had bare ones of one or two characters)
  return `eval(require('Storage').read('b.js'));\n${prelude}\nvar _b_S=[${bodies.map((b) => `function(){${b}}`).join(',\n')}],_b_Q=${JSON.stringify(order)},_b_k=0;\n` +
    `function _b_next(){if(_b_k<_b_Q.length){if(_b_S[_b_Q.charCodeAt(_b_k)-48]()!==true)_b_k++;setTimeout(_b_next,1);}else{${MARK};${tail}print('STEPS-DONE');}}\nsetTimeout(_b_next,1);\n`;
}

/**
 * Runs `list` (stepsScript) under callgrind: one count per marked step (a step with
 * `mark: false` adds its turn to the marked step before it, so a phase can span many turns
 * and its longest run is the longest of them).
 */
async function steps(bin: string, bundle: string, prelude: string, list: Step[], check: RegExp, tail = ''): Promise<StepsRow[]> {
  const { out, ph } = await runSteps(bin, bundle, stepsScript(prelude, list, tail), check, 'the steps');
  // a phase that ran a sliced job prints `JOB steps largest-units [each step's units]` (jobOp)
  const jl = [...out.matchAll(/JOB (\d+) ([\d.]+)(?: ([\d.,]+))?/g)];
  const marked = list.filter((s) => s.mark !== false);
  return marked.map((s, i) => ({
    name: s.name, ir: ph[i + 1].ir, longest: ph[i + 1].longest, turns: ph[i + 1].turns,
    jobSteps: jl[i] ? +jl[i][1] : undefined, jobUnits: jl[i]?.[2], units: jl[i]?.[3]?.split(',').map(Number),
  }));
}
interface StepsRow { name: string; ir: number; longest: number; turns: number[]; jobSteps?: number; jobUnits?: string; units?: number[] }

/**
 * The steps() of one operation run as a Job a step per turn, as the DTLS client runs it: a marked
 * turn that makes the job (`make`, into _b_J), then one turn per step (the step repeats while the
 * job runs: `mark: false`), `cost` (the units the step counted) kept for each; after the last
 * step, `then` with the result in r. Its JOB line gives steps, the largest units and each step's.
 * The prelude declares _b_J, _b_n, _b_mx, _b_u. `budget`: run()'s argument (none: the job's own).
 */
export function jobOp(name: string, make: string, then: string, cost: string, budget = ''): Step[] {
  return [
    { name, js: `_b_J=${make};_b_n=0;_b_mx=0;_b_u=[];` },
    { name: `${name} steps`, mark: false, js: `var d=_b_J.run(${budget}),u=${cost};_b_n++;_b_u.push(u.toFixed(2));_b_mx=Math.max(_b_mx,u);if(!d)return true;print('JOB '+_b_n+' '+_b_mx.toFixed(2)+' '+_b_u.join(','));var r=_b_J.r;${then}` },
  ];
}
const JOB_VARS = '_b_J=null,_b_n=0,_b_mx=0,_b_u=[]';

/**
 * An operation's `top` longest steps (steps() of a jobOp): "#index Ir (units)", the index from 1;
 * its first turn (making the job) is step 0. Needs one whole turn per step (else says so).
 */
export function topSteps(x: Pick<StepsRow, 'turns' | 'jobSteps' | 'units'>, top = 3): string {
  if (x.jobSteps === undefined || x.turns.length !== x.jobSteps + 1) return `(${x.turns.length} turns for ${x.jobSteps} steps: not one turn each)`;
  return x.turns.map((ir, i) => ({ ir, i })).sort((a, b) => b.ir - a.ir).slice(0, top)
    .map(({ ir, i }) => `#${i} ${g(ir)}${i ? ` (${x.units?.[i - 1]} units)` : ''}`).join(', ');
}

/** A stepsScript `script` under callgrind with `bundle` in Storage: what the stand-in printed (checked) and the phases. */
async function runSteps(bin: string, bundle: string, script: string, check: RegExp, what: string): Promise<{ out: string; ph: Phase[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-board-'));
  let r: ReturnType<typeof callgrind> | null = null;
  try {
    storeFiles(bin, dir, { 'b.js': bundle });
    r = callgrind(bin, dir, script);
    const run = r;
    await until(what, () => /STEPS-DONE/.test(run.out()) || run.exited(), 24 * 3600000, run.out);
    if (!check.test(run.out())) throw new Error(`${what}: the results are wrong:\n${run.out().slice(-2500)}`);
    const out = run.out();
    const ph = phases(await run.end());
    r = null;
    return { out, ph };
  } finally {
    if (r) r.kill();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  }
}

/** P-256 public-key operations on the same code the RPK build runs (transport/crypto/p256.ts, ES5, minified as the firmware). */
async function p256Ops(bin: string, pieces = false): Promise<Row[]> {
  const code = await p256Es5();
  const dir = mkdtempSync(join(tmpdir(), 'bench-board-p256-'));
  writeFileSync(join(dir, 'p256.js'), code);
  const k = p256Keys(7), peer = p256Keys(8);
  const d = hex(k.d), pub = hex(k.spki.subarray(26)), q = hex(peer.spki.subarray(26));
  const h = '00'.repeat(31) + '2a';
  const prelude = `var hx=function(s){var u=new Uint8Array(s.length/2);for(var i=0;i<u.length;i++)u[i]=parseInt(s.substr(2*i,2),16);return u;};` +
    `var d=hx('${d}'),q=hx('${q}'),h=hx('${h}'),pub=hx('${pub}'),c=P256.espruinoCrypto(require('crypto')),sig,tb,res=[],${JOB_VARS};`;
  // pieces: a budget below any piece's weight, so each step is one piece (and the weightless ones before it)
  const op = (name: string, make: string, then: string) => jobOp(name, make, then, 'P256.p256LastCost()', pieces ? '1e-9' : '');
  try {
    const r = await steps(bin, join(dir, 'p256.js'), prelude, [
      ...op('P-256 public key (d·G)', 'P256.p256PublicKeyJob(d)', 'res.push(r.length);'),
      ...op('P-256 ECDSA sign', 'P256.p256SignJob(d,h,c)', 'sig=r;res.push(sig.length>60);'),
      ...op('P-256 ECDH', 'P256.p256EcdhJob(d,q)', 'res.push(r.length);'),
      ...op('P-256 ECDSA verify', 'P256.p256VerifyJob(pub,h,sig)', 'res.push(r);'),
      ...op('P-256 ECDSA verify, making the key\'s comb table', 'P256.p256VerifyTableJob(pub,h,sig,null,true)', 'res.push(r);tb=_b_J.tb;'),
      // the table the previous operation made
      ...op('P-256 ECDSA verify with the key\'s comb table', 'P256.p256VerifyTableJob(pub,h,sig,tb)', "res.push(r);print('P256 '+res.join(','));"),
    ], /P256 65,true,32,true,true,true/);
    for (const x of r) console.log(`  ${x.name}: ${x.jobSteps} steps, longest ${topSteps(x)}`);
    if (pieces) return r.map((x) => (console.log(pieceTable(x)), { workload: 'p256-pieces', what: `${x.name}, ${x.jobSteps} pieces`, ir: x.ir, longest: x.longest }));
    return r.map((x) => ({ workload: 'p256-ops', what: `${x.name}, ${x.jobSteps} steps (largest ${x.jobUnits} units)`, ir: x.ir, longest: x.longest }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A job's pieces (p256Ops with `pieces`: a step each) grouped by their weight in units: how many,
 * their x86 instructions (mean, largest) and the mean per unit (P256_STEP's unit is ~5.07 M: a
 * group well above it is underweighted). The making turn (step 0) is not in it.
 */
export function pieceTable(x: Pick<StepsRow, 'name' | 'turns' | 'jobSteps' | 'units'>): string {
  if (!x.units || x.turns.length !== x.units.length + 1) return `  ${x.name}: ${topSteps(x)}`;
  const by = new Map<number, { n: number; ir: number; max: number; at: number }>();
  x.units.forEach((u, i) => {
    const ir = x.turns[i + 1], e = by.get(u) || { n: 0, ir: 0, max: 0, at: 0 };
    if (ir > e.max) [e.max, e.at] = [ir, i + 1];
    by.set(u, { ...e, n: e.n + 1, ir: e.ir + ir });
  });
  return [`  ${x.name}: units × pieces: mean, largest (at step), M per unit`,
    ...[...by].sort((a, b) => a[0] - b[0]).map(([u, e]) => `    ${u.toFixed(2).padStart(6)} × ${String(e.n).padStart(3)}: ${g(e.ir / e.n).padStart(8)}, ${g(e.max).padStart(8)} (#${e.at}), ${u ? (e.ir / e.n / u / 1e6).toFixed(2) : '-'}`)].join('\n');
}

/**
 * X25519 and Ed25519 as the Ed25519 build runs them: the jobs of transport/crypto/x25519.ts and
 * ed25519.ts (tweetnacl's field arithmetic; SHA-512 from Espruino's crypto module, as the board's
 * CryptoBackend gives it), each run a step per turn of the event loop as the DTLS client runs
 * them, so "longest run" is the longest step; the steps and their work units are printed.
 */
async function ed25519Ops(bin: string): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-board-ed-'));
  writeFileSync(join(dir, 'ed.js'), await es5Script(`export { x25519Job, x25519BaseJob } from './transport/crypto/x25519';
export { ed25519SignJob, ed25519VerifyJob } from './transport/crypto/ed25519';
export { c25519LastCost } from './transport/crypto/c25519';
export { espruinoCrypto } from './transport/crypto/espruino';
export { fromHex } from './transport/bytes';`, 'ED'));
  const e = ed25519Keys(9);
  const prelude = `var sk=ED.fromHex('${hex(e.seed)}'),pub=ED.fromHex('${hex(e.pub)}'),m=new Uint8Array(64),c=ED.espruinoCrypto(require('crypto')),u,sig,res=[],${JOB_VARS};`;
  const op = (name: string, make: string, then: string) => jobOp(name, make, then, 'ED.c25519LastCost()');
  const r = await steps(bin, join(dir, 'ed.js'), prelude, [
    ...op('X25519 public key (k·B)', 'ED.x25519BaseJob(sk)', 'u=r;res.push(u.length);'),
    ...op('X25519 shared secret', 'ED.x25519Job(sk,u)', 'res.push(r.length);'),
    ...op('Ed25519 sign', 'ED.ed25519SignJob(m,sk,pub,c)', 'sig=r;res.push(sig.length);'),
    ...op('Ed25519 verify', 'ED.ed25519VerifyJob(m,sig,pub,c)', "res.push(r);print('ED '+res.join(','));"),
  ], /ED 32,32,64,true/).finally(() => rmSync(dir, { recursive: true, force: true }));
  for (const x of r) console.log(`  ${x.name}: ${x.jobSteps} steps, longest ${topSteps(x)}`);
  return r.map((x) => ({ workload: 'ed25519-ops', what: `${x.name}, ${x.jobSteps} steps (largest ${x.jobUnits} work units)`, ir: x.ir, longest: x.longest }));
}

/**
 * One full DTLS-RPK P-256 handshake, and one abbreviated (session resumption, RFC 5246 §7.3)
 * when the build has it: the client from dist/firmware-rpk.js with a fixed Rng runs first in
 * Node against our server, whose datagrams are recorded; in Espruino the same client gets them
 * replayed, each datagram its own turn of the event loop, and must send the same bytes.
 * Resumption: the `connected` event's session record (`ses`) offered to a second client
 * (`connect(peer, ses)`); when the build has no such record, or the server answers the offer
 * with a full handshake (a ServerHelloDone), the row says n/a.
 */
/**
 * The handshakes' Espruino steps, recorded in Node (see handshakes()). `fake`: the public-key
 * jobs' results (P-256 sign, verify, key pair, ECDH) are recorded in Node and handed back in
 * Espruino by jobs done in one step, each hashing what the real one hashes, so the run costs
 * a minute and counts every other turn exactly (handshakeTurns()); each turn is marked.
 */
export function handshakeSteps(fake = false): { bundle: string; prelude: string; list: Step[]; tail: string; check: RegExp; resumed: boolean; ses: boolean; turns: string } {
  const BUNDLE = DIST('firmware-rpk.js');
  const C = p256Keys(4), S = p256Keys(5);
  const RNG = 'var _b_rc=0,_b_rng={fill:function(u){for(var i=0;i<u.length;i++)u[i]=(_b_rc++*37+11)&255;}};';
  const { ctx } = loadFirmware(BUNDLE, { modules: { crypto: espruinoCryptoModule().mod } });
  ctx.run(RNG);
  // each public-key job's result, by kind, in the order the jobs were made
  if (fake) ctx.run(`var _b_R={sign:[],verify:[],pub:[],shared:[]};(function(){var s=LwM2M.rpk.rpkSigs[0],g=LwM2M.rpk.rpkGroups[0];
    function rec(o,n){var f=o[n];o[n]=function(){var j=f.apply(o,arguments),q=_b_R[n],i=q.push(null)-1;return {r:null,run:function(b){var d=j.run(b);if(d){this.r=j.r;q[i]=j.r;}return d;}};};}
    rec(s,'sign');rec(s,'verify');rec(g,'pub');rec(g,'shared');})();`);
  const g = ctx.context as Record<string, unknown>;
  const bytes = ctx.run('(function (h) { return LwM2M.fromHex(h); })') as (h: string) => Uint8Array;
  const SERVER = { address: '10.0.0.1', port: 5684 };
  const flights: { sent: string[]; replies: string[] }[] = [];
  let toServer: Uint8Array[] = [];
  g.hostSend = (d: Uint8Array) => { flights[flights.length - 1].sent.push(hex(d)); toServer.push(new Uint8Array(d)); };
  // the server key's verification table as a device keeps it after its first handshake with that key (persistence.ts)
  const table = hex(p256VerifyTable(hex(S.spki)).subarray(0, P256_TABLE_BYTES));
  g.creds = { key: bytes(hex(C.pkcs8)), spki: bytes(hex(C.spki)), serverSpki: bytes(hex(S.spki)), serverTable: bytes(table) };
  const serverOut: string[] = [];
  serverCurves();
  const server = createDtlsServer({ socket: { send: (d) => { serverOut.push(hex(d)); } }, crypto: nodeCrypto, rng: { fill: (u) => void randomFillSync(u) }, pskKey: () => null, rpk: { key: S.pkcs8, spki: S.spki, trust: () => true }, onData: () => {} });
  const mk = `LwM2M.dtls.createDtlsClient({ socket: { send: function (d) { hostSend(d); } }, crypto: LwM2M.crypto.espruinoCrypto(require('crypto')), rng: _b_rng,
    psk: function () { return null; }, rpk: function () { return creds; }, idle: function () { return 0; }, onData: function () {}, onEvent: function (e) { if (e.type === 'connected') { done = true; _b_ses = e.ses; } } })`;
  // (idle 0: no next key pair made after the handshake, so that its row is the handshake alone; it makes its own pair, cold)
  // The client's public-key work runs a step per poll (transport/dtls/rpk.ts): poll(now) returns
  // `now` while a step is due. The recording notes each poll as its own action, so that Espruino
  // replays the same turns: connect, then per server datagram its delivery, each followed by the
  // polls that ran before the next.
  const NOW = 1000;
  type Action = { reply: number } | { poll: true } | { connect: true };
  const actions: Action[][] = [];
  const pollAll = (acts: Action[]) => {
    const cl = ctx.run('_b_cl') as { poll(now: number): number };
    for (let n = 0; n < 1e6 && cl.poll(NOW) === NOW; n++) acts.push({ poll: true });
  };
  const handshake = (offer: boolean) => {
    flights.push({ sent: [], replies: [] });
    const acts: Action[] = [{ connect: true }];
    actions.push(acts);
    ctx.run(`done = false; var _b_cl = ${mk}; _b_cl.connect({ address: '10.0.0.1', port: 5684 }${offer ? ', _b_ses' : ''});`);
    pollAll(acts);
    for (let i = 0; i < 10 && toServer.length; i++) {
      const before = serverOut.length;
      const q = toServer;
      toServer = [];
      for (const d of q) server.receive(d, { address: '10.0.0.2', port: 40000 });
      for (const d of serverOut.slice(before)) {
        const f = flights[flights.length - 1];
        acts.push({ reply: f.replies.length });
        f.replies.push(d);
        (ctx.run('_b_cl') as { receive(d: Uint8Array, p: unknown): void }).receive(bytes(d), SERVER);
        pollAll(acts);
      }
    }
    if (!ctx.run('done')) throw new Error('the recorded handshake did not complete');
  };
  handshake(false);
  const ses = ctx.run('_b_ses') as Uint8Array | undefined;
  let resumed = false;
  if (ses && ses.length) {
    handshake(true);
    // a full handshake's server flight carries a ServerHelloDone (type 14) in epoch 0
    const helloDone = flights[1].replies.some((d) => { const b = Buffer.from(d, 'hex'); return b[0] === 22 && b.readUInt16BE(3) === 0 && b[13] === 14; });
    resumed = !helloDone;
  }
  const results = fake ? JSON.stringify(ctx.run('_b_R'), (k, v) => (v && typeof v === 'object' && typeof v.length === 'number' && !Array.isArray(v) ? hex(v) : v)) : '';
  ctx.stop();
  const n = resumed ? 2 : 1;
  // Espruino: connect, then each server datagram, each its own turn; after each, a poll per turn
  // for as long as the client has a step due (poll(now) returns now): the steps' sizes may
  // differ from Node's (P-256 sizes its steps by their cost), so their number is Espruino's own.
  const list: Step[] = [];
  // fake: every turn marked and labelled (_b_L), so each has its own count; the datagrams decoded in the prelude
  const mark = fake ? undefined : false;
  const label = (l: string) => (fake ? `_b_L.push('${l}');` : '');
  // as the board's scheduler turns: a public-key step alone (work()) when there is one, else a poll
  const polls: Step = { name: 'polls', mark, js: `${label('poll')}return _b_cl.work(${NOW})||_b_cl.poll(${NOW})===${NOW};` };
  // The client's socket keeps each datagram (a native copy, as cheap as the board's E.toString and
  // send); the tail compares them with Node's, after the last marker: converting the final flight
  // to hex in its turn was ~64 M instructions, more than the flight itself (2026-12-07).
  for (let f = 0; f < n; f++) {
    list.push({ name: `h${f}`, js: `${label(`h${f} connect`)}sent=_b_out[${f}]=[];done=false;_b_cl=${mk.replace('hostSend(d)', 'sent.push(new Uint8Array(d))')};_b_cl.connect(peer${f ? ',_b_ses' : ''});` }, polls);
    flights[f].replies.forEach((d, i) => list.push({ name: `h${f} reply`, mark, js: `${label(`h${f} datagram ${i}`)}_b_cl.receive(_b_D[${f}][${i}],peer);` }, polls));
    list.push({ name: `h${f} end`, mark, js: `${label('end')}_b_done[${f}]=done;` });
  }
  const tail = `var _b_rec=${JSON.stringify(flights.slice(0, n).map((f) => f.sent.join(',')))};for(var f=0;f<${n};f++)print('H'+f+' '+_b_done[f]+' '+(_b_out[f].map(function(d){return LwM2M.toHex(d);}).join(',')===_b_rec[f]));` +
    (fake ? `print('LABELS '+_b_L.join(','));` : '');
  // the server's datagrams, decoded before the first counted turn: LwM2M.fromHex in a turn was
  // ~0.25 M x86 instructions a byte, the server flight's turn 161 M of which ~120 M the harness's (2026-12-07)
  const datagrams = `var _b_D=${JSON.stringify(flights.slice(0, n).map((f) => f.replies))}.map(function(f){return f.map(LwM2M.fromHex);});`;
  const fakeJobs = !fake ? '' : `var _b_L=[],_b_R=${results};` +
    `(function(){var s=LwM2M.rpk.rpkSigs[0],g=LwM2M.rpk.rpkGroups[0];for(var k in _b_R)_b_R[k]=_b_R[k].map(function(x){return typeof x==='string'?LwM2M.fromHex(x):x;});` +
    `function fake(o,n,h){o[n]=function(m,a,b,c){if(h)c.sha256(m);var r=_b_R[n].shift();return {r:null,run:function(){this.r=r;return true;}};};}` +
    `fake(s,'sign',1);fake(s,'verify',1);fake(g,'pub');fake(g,'shared');})();`;
  const prelude = `${RNG}var peer={address:'10.0.0.1',port:5684},sent=[],done=false,_b_ses,_b_cl,_b_out=[],_b_done=[];var _b_C=${JSON.stringify({ key: hex(C.pkcs8), spki: hex(C.spki), pin: hex(S.spki), table })};` +
    `var creds={key:LwM2M.fromHex(_b_C.key),spki:LwM2M.fromHex(_b_C.spki),serverSpki:LwM2M.fromHex(_b_C.pin),serverTable:LwM2M.fromHex(_b_C.table)};${datagrams}${fakeJobs}`;
  return { bundle: BUNDLE, prelude, list, tail, check: resumed ? /H0 true true[\s\S]*H1 true true/ : /H0 true true/, resumed, ses: !!(ses && ses.length), turns: actions.map((a, f) => `h${f} ${a.length} turns in Node`).join(', ') };
}

async function handshakes(bin: string): Promise<Row[]> {
  const { bundle, prelude, list, tail, check, resumed, ses, turns } = handshakeSteps();
  const r = await steps(bin, bundle, prelude, list, check, tail);
  console.log(`  handshakes: ${turns}`);
  const row = (f: number, what: string): Row => ({ workload: f ? 'resumed-p256' : 'handshake-p256', what, ir: r[f].ir, longest: r[f].longest });
  return [row(0, 'one full DTLS-RPK handshake, P-256 (client side; the server key\'s verification table kept from an earlier one)'),
    resumed ? row(1, 'one abbreviated handshake (resumed session), P-256') : { workload: 'resumed-p256', what: 'one abbreviated handshake (resumed session), P-256', ir: null, longest: null, note: ses ? 'n/a: the server did not resume' : 'n/a: no session resumption in this build' }];
}

/**
 * The turns of the same handshakes other than public-key steps, each counted: handshakeSteps(true)
 * (the jobs' results replayed, a step each), every turn marked and labelled. Prints each turn's
 * count; the row is their sum and the longest (the public-key steps are p256-ops' and RPK_STEP's).
 */
async function handshakeTurns(bin: string): Promise<Row[]> {
  const { bundle, prelude, list, tail, check, resumed } = handshakeSteps(true);
  const { out, ph } = await runSteps(bin, bundle, stepsScript(prelude, list, tail), check, 'the turns');
  const labels = (/LABELS (.*)/.exec(out)?.[1] || '').split(',');
  // a turn belongs to the handshake whose connect came last (polls, datagrams and the end are labelled after it)
  const per = [0, 1].map(() => ({ ir: 0, longest: 0, at: '' }));
  let f = 0;
  labels.forEach((l, i) => {
    if (/^h\d /.test(l)) f = +l[1];
    const x = ph[i + 1].ir;
    console.log(`  turn ${String(i).padStart(3)}: ${l.padEnd(16)} ${g(x).padStart(9)}`);
    if (l === 'end') return; // the harness's
    per[f].ir += x;
    if (x > per[f].longest) Object.assign(per[f], { longest: x, at: `${l}, turn ${i}` });
  });
  return per.slice(0, resumed ? 2 : 1).map((p, k) => ({
    workload: 'handshake-turns', what: `${k ? 'abbreviated' : 'full'} DTLS-RPK P-256 handshake without its public-key steps (results replayed; longest: ${p.at})`, ir: p.ir, longest: p.longest,
  }));
}

/**
 * The firmware package's signature check as the device runs it (firmware/lwm2m/fota.ts check()):
 * each verifier bundle (dist/fw-verify.js, dist/fw-verify-ed25519.js) evaluated from Storage, then
 * its step function run one step per turn of the event loop over a package head's signature
 * (P-256 over the head's SHA-256, Ed25519 over the head with native SHA-512). The bundle's SHA-256
 * is one native call over the flash-backed file and is not in these rows.
 */
async function fwCheck(bin: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const alg of ['p256', 'ed25519'] as const) {
    const file = DIST(alg === 'p256' ? 'fw-verify.js' : 'fw-verify-ed25519.js');
    if (!existsSync(file)) throw new Error(`${file} missing: run \`npm run build\``);
    const k = alg === 'p256' ? p256Keys(7) : ed25519Keys(9);
    const msg = Buffer.from('LWFW\x01\x02{"v":"9.0.1","t":"psk","n":102400,"h":"' + 'ab'.repeat(32) + '"}', 'latin1');
    const priv = createPrivateKey({ key: Buffer.from(k.pkcs8), format: 'der', type: 'pkcs8' });
    const sig = alg === 'p256' ? sign('sha256', msg, priv) : sign(null, msg, priv);
    const pub = hex(k.spki.subarray(alg === 'p256' ? 26 : 12));
    const call = alg === 'p256' ? `V.verify(hx('${pub}'),new Uint8Array(c.SHA256(hx('${hex(msg)}'))),hx('${hex(sig)}'))` : `V.verify(hx('${pub}'),hx('${hex(msg)}'),hx('${hex(sig)}'),function(m){return new Uint8Array(c.SHA512(m));})`;
    const prelude = `var hx=function(s){var u=new Uint8Array(s.length/2);for(var i=0;i<u.length;i++)u[i]=parseInt(s.substr(2*i,2),16);return u;};var c=require('crypto'),V=LwM2MV,_b_J=null,_b_n=0;`;
    const r = await steps(bin, file, prelude, [
      { name: 'check', js: `_b_J=${call};_b_n=0;` },
      { name: 'check steps', mark: false, js: `var d=_b_J();_b_n++;if(!d)return true;print('JOB '+_b_n+' 0');print('FWCHECK '+d);` },
    ], /FWCHECK 1/);
    rows.push({ workload: 'fw-check', what: `package signature check, ${alg === 'p256' ? 'P-256' : 'Ed25519'} verifier from Storage, ${r[0].jobSteps} steps`, ir: r[0].ir, longest: r[0].longest });
  }
  return rows;
}

type Runner = (bin: string, n: number) => Promise<Row[]>;
/** Every workload: name → what it runs. */
export const WORKLOADS: Record<string, { what: string; run: Runner }> = {
  nosec: { what: 'power-on → registered, NoSec', run: (b) => boot(b, 'nosec', 'p256', 0) },
  psk: { what: 'power-on → registered, PSK (with --notifications N: one notification too)', run: (b, n) => boot(b, 'psk', 'p256', n) },
  'rpk-p256': { what: 'power-on → registered, RPK P-256 (two full handshakes: bootstrap server, LwM2M server)', run: (b) => boot(b, 'rpk', 'p256', 0) },
  'rpk-p256-psk': { what: 'power-on → registered, RPK P-256 bootstrap (one full handshake), then a PSK account for the LwM2M server', run: (b) => boot(b, 'rpk', 'p256', 0, true) },
  'rpk-p256-psk-unflashed': { what: 'the same without the Bootstrap-Server\'s verification table `npm run flash` stores: the handshake makes it', run: (b) => boot(b, 'rpk', 'p256', 0, true, false) },
  'rpk-ed25519': { what: 'power-on → registered, RPK Ed25519', run: (b) => boot(b, 'rpk', 'ed25519', 0) },
  'p256-ops': { what: 'P-256 public key, sign, ECDH, verify (by the NAFs; making the key\'s comb table; with it)', run: (b) => p256Ops(b) },
  'p256-pieces': { what: 'the same operations a piece of work per step (budget 1e-9): each kind of piece\'s instructions against its weight', run: (b) => p256Ops(b, true) },
  'ed25519-ops': { what: 'X25519 public key and shared secret, Ed25519 sign and verify', run: (b) => ed25519Ops(b) },
  handshakes: { what: 'one full DTLS-RPK P-256 handshake and one abbreviated (n/a without resumption)', run: (b) => handshakes(b) },
  'handshake-turns': { what: 'the same handshakes, each turn but the public-key steps counted (their results replayed): a minute', run: (b) => handshakeTurns(b) },
  'fw-check': { what: 'the firmware package\'s signature check (P-256 and Ed25519 verifiers from Storage, stepped)', run: (b) => fwCheck(b) },
};
/** --quick: the minutes-long ones (NoSec, PSK and one notification). */
export const QUICK = ['nosec', 'psk'];

export const esp32Seconds = (ir: number) => CPI.map((c) => (ir * c) / ESP32_HZ);
const g = (ir: number) => (ir >= 1e9 ? `${(ir / 1e9).toFixed(2)} G` : `${(ir / 1e6).toFixed(1)} M`);
const sec = (s: number) => (s >= 120 ? `${(s / 60).toFixed(1)} min` : s >= 10 ? `${s.toFixed(0)} s` : s >= 1 ? `${s.toFixed(1)} s` : `${s.toFixed(2)} s`);
/** One line of the table: x86 instructions, modelled ESP32 seconds central (low–high), the longest stretch. */
export function tableRow(r: Row): string {
  if (r.ir === null) return `| ${r.what} | ${r.note || 'n/a'} | | |`;
  const [lo, c, hi] = esp32Seconds(r.ir);
  const [llo, lc, lhi] = esp32Seconds(r.longest || 0);
  return `| ${r.what} | ${g(r.ir)} | ${sec(c)} (${sec(lo)}–${sec(hi)}) | ${g(r.longest || 0)}: ${sec(lc)} (${sec(llo)}–${sec(lhi)}) |`;
}

/** The command line: workloads (--only, --quick) and notifications; a bad argument throws one line naming it. */
export function parseBoardArgs(argv: string[]): { names: string[]; notifications: number } {
  let only: string[] = [];
  let quick = false;
  let notifications = 10;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--only') {
      const v = argv[++i];
      if (!v) throw new Error('--only needs a list of workloads');
      only = v.split(',');
      for (const w of only) if (!WORKLOADS[w]) throw new Error(`--only: unknown workload '${w}' (${Object.keys(WORKLOADS).join(', ')})`);
    } else if (a === '--notifications') {
      const v = argv[++i] || '';
      if (!/^\d+$/.test(v) || +v < 1 || +v > 1000) throw new Error(`--notifications '${v}' must be 1-1000`);
      notifications = +v;
    } else throw new Error(`unknown option '${a}' (--quick, --only W[,W…], --notifications N)`);
  }
  return { names: only.length ? only : quick ? QUICK : Object.keys(WORKLOADS), notifications };
}

async function main() {
  let args: ReturnType<typeof parseBoardArgs>;
  try {
    args = parseBoardArgs(process.argv.slice(2));
  } catch (e) {
    usage((e as Error).message);
  }
  const { names, notifications } = args;
  const bin = espruinoBin();
  if (!bin) usage(NO_ESPRUINO);
  if (!existsSync(bin)) usage(`ESPRUINO_BIN '${bin}' not found`);
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  } catch {
    usage('valgrind is not installed (Debian: apt-get install valgrind)');
  }
  // the builds the workloads run (fw-check: the verifiers alone)
  const need = [...(names.some((w) => w !== 'fw-check') ? ['firmware.js', 'firmware-rpk.js', 'firmware-rpk-ed25519.js'] : []), ...(names.includes('fw-check') ? ['fw-verify.js', 'fw-verify-ed25519.js'] : [])];
  for (const f of need) if (!existsSync(DIST(f))) usage(`dist/${f} is missing: run \`npm run build\` first`);
  const commit = (() => { try { return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(); } catch { return '?'; } })();
  console.log(`bench:board on ${bin} (callgrind), commit ${commit}, ${new Date().toISOString().slice(0, 10)}: ${names.join(', ')}`);
  const rows: Row[] = [];
  for (const w of names) {
    const t = Date.now();
    try {
      const r = await WORKLOADS[w].run(bin, notifications);
      rows.push(...r);
      for (const x of r) console.log(`  ${x.what}: ${x.ir === null ? x.note : `${g(x.ir)} instructions, longest run ${g(x.longest || 0)}`} (${Math.round((Date.now() - t) / 1000)} s under valgrind)`);
    } catch (e) {
      rows.push({ workload: w, what: WORKLOADS[w].what, ir: null, longest: null, note: `failed: ${String((e as Error).message).split('\n')[0]}` });
      console.log(`  ${w}: FAILED ${(e as Error).message}`);
    }
  }
  console.log(`\nThe board's clock: x86 instructions in the stand-in (start-up and loading not counted), modelled ESP32 at 240 MHz = Ir × {0.78, 1.61, 3.09} / 240e6 (docs/board-clock.md)\n`);
  console.log('| workload | x86 instructions | ESP32, central (low–high) | longest run between yields |');
  console.log('|---|---:|---:|---:|');
  for (const r of rows) console.log(tableRow(r));
  if (rows.some((r) => r.note?.startsWith('failed'))) process.exit(1);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) await main();
