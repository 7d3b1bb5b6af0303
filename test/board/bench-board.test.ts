// bench:board's counting (bench/board.ts, docs/board-clock.md): callgrind's dumps in order, cut
// into phases at the markers, start-up and loading (the first stretch) in none; the ESP32 model;
// its arguments. The valgrind runs themselves are the bench's, not a test's (minutes to hours).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { stretches, phases, esp32Seconds, tableRow, parseBoardArgs, stepsScript, handshakeSteps, jobOp, topSteps, pieceTable, WORKLOADS, QUICK, type Step } from '../../bench/board';
import { storeFiles } from '../../tools/espruino/bin.mjs';
import { ESPRUINO_BIN, espruinoSkip } from './espruino-proc';

const dump = (trigger: string, ir: number) => `# callgrind format\nversion: 1\npart: 1\n\ndesc: Timerange: Basic block 1 - 2\ndesc: Trigger: ${trigger}\n\npositions: line\nevents: Ir\nsummary: ${ir}\n\nfn=(1) x\n0 ${ir}\ntotals: ${ir}\n`;

test('bench:board: dumps read in part order (10 after 9), phases cut at markers, the first stretch (start-up, loading) in none', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cg-'));
  try {
    const loop = '--dump-before=jsiLoop', mark = '--dump-before=jswrap_espruino_getAddressOf';
    const parts: [string, string, number][] = [['1', loop, 1000000], ['2', loop, 50], ['3', mark, 7], ['9', loop, 300], ['10', mark, 5], ['11', loop, 20], ['', 'Program termination', 9]];
    for (const [n, t, ir] of parts) writeFileSync(join(dir, `callgrind.out.4242${n ? '.' + n : ''}`), dump(t, ir));
    writeFileSync(join(dir, 'run.js'), '');
    const s = stretches(dir);
    assert.deepEqual(s.map((x) => x.ir), [1000000, 50, 7, 300, 5, 20, 9]);
    assert.deepEqual(s.map((x) => x.trigger), ['loop', 'loop', 'marker', 'loop', 'marker', 'loop', 'end']);
    // a stretch ended by a marker is part of a turn: never the longest
    assert.deepEqual(phases(s), [{ ir: 57, longest: 50, at: 0, turns: [50] }, { ir: 305, longest: 300, at: 0, turns: [300] }, { ir: 29, longest: 20, at: 0, turns: [20] }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench:board: a job a step per turn: the longest steps by index (0: making it) with their units; pieces grouped by weight', () => {
  const loop = (ir: number) => ({ trigger: 'loop' as const, ir });
  // start-up, a marker, the making turn, three steps, the next marker
  const [, ph] = phases([loop(1e9), { trigger: 'marker', ir: 1 }, loop(2e5), loop(60e6), loop(72.5e6), loop(10e6), { trigger: 'marker', ir: 3 }]);
  assert.deepEqual(ph, { ir: 142.7e6 + 3, longest: 72.5e6, at: 2, turns: [2e5, 60e6, 72.5e6, 10e6] });
  const x = { name: 'op', turns: ph.turns, jobSteps: 3, units: [12, 11.5, 1.2] };
  assert.equal(topSteps(x, 2), '#2 72.5 M (11.5 units), #1 60.0 M (12 units)');
  assert.equal(topSteps({ ...x, jobSteps: 4 }), '(4 turns for 4 steps: not one turn each)');
  assert.equal(pieceTable({ ...x, units: [1.2, 1.2, 4.5], turns: [1, 6e6, 7e6, 22.5e6] }).split('\n').slice(1).join('\n'),
    '      1.20 ×   2:    6.5 M,    7.0 M (#2), 5.42\n      4.50 ×   1:   22.5 M,   22.5 M (#3), 5.00');
  // a step's code: run() with the budget given (none: the job's own), its cost kept, the JOB line at the end
  const [make, step] = jobOp('op', 'mk()', 'x=r;', 'C()', '1e-9');
  assert.equal(make.mark, undefined);
  assert.equal(step.mark, false);
  assert.match(step.js, /_b_J\.run\(1e-9\),u=C\(\);.*if\(!d\)return true;print\('JOB '\+_b_n\+' '\+_b_mx\.toFixed\(2\)\+' '\+_b_u\.join\(','\)\);var r=_b_J\.r;x=r;$/);
  assert.match(jobOp('op', 'mk()', '', 'C()')[1].js, /_b_J\.run\(\)/);
});

test('bench:board: ESP32 seconds = Ir × {0.78, 1.61, 3.09} / 240 MHz; a row without a count says why', () => {
  assert.deepEqual(esp32Seconds(240e6).map((x) => +x.toFixed(6)), [0.78, 1.61, 3.09]);
  assert.equal(tableRow({ workload: 'psk', what: 'PSK', ir: 590e6, longest: 100e6 }), '| PSK | 590.0 M | 4.0 s (1.9 s–7.6 s) | 100.0 M: 0.67 s (0.33 s–1.3 s) |');
  assert.equal(tableRow({ workload: 'resumed-p256', what: 'abbreviated', ir: null, longest: null, note: 'n/a: no session resumption in this build' }), '| abbreviated | n/a: no session resumption in this build | | |');
  for (const w of QUICK) assert.ok(WORKLOADS[w], w);
});

test('bench:board: a bad argument is one line naming it, exit status 2; --quick and --only pick the workloads', () => {
  assert.throws(() => parseBoardArgs(['--only', 'nope']), /^Error: --only: unknown workload 'nope'/);
  assert.throws(() => parseBoardArgs(['--only']), /--only needs a list of workloads/);
  assert.throws(() => parseBoardArgs(['--notifications', '0']), /--notifications '0' must be 1-1000/);
  assert.throws(() => parseBoardArgs(['--frob']), /unknown option '--frob'/);
  assert.deepEqual(parseBoardArgs(['--quick']), { names: QUICK, notifications: 10 });
  assert.deepEqual(parseBoardArgs(['--only', 'psk,handshakes', '--notifications', '3']), { names: ['psk', 'handshakes'], notifications: 3 });
  assert.deepEqual(parseBoardArgs([]).names, Object.keys(WORKLOADS));
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../bench/board.ts'), '--frob'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trim(), "bench:board: unknown option '--frob' (--quick, --only W[,W…], --notifications N)");
});

test('bench:board: a script of 3,000 steps (a handshake is ~1,500 polls) runs in the stand-in, in order, one turn each, a step returning true again', { skip: espruinoSkip() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'steps-'));
  try {
    writeFileSync(join(dir, 'bundle.js'), 'var seen = "", turns = 0; setInterval(function () { turns++; }, 0);');
    storeFiles(ESPRUINO_BIN!, dir, { 'b.js': join(dir, 'bundle.js') });
    const list: Step[] = [{ name: 'a', js: 'seen += "a";' }];
    for (let i = 0; i < 3000; i++) list.push(i % 1000 === 999 ? { name: 'b', js: 'seen += "b";' } : { name: 'p', mark: false, js: 'seen += ".";' });
    // a step that returns true runs again, a turn each time
    list.push({ name: 'again', mark: false, js: 'seen += "r"; return seen.split("r").length < 4;' });
    list.push({ name: 'end', mark: false, js: 'print("SEEN " + seen.length + " " + seen.split("b").length + " " + seen.charAt(0));' });
    // quit() once done: the bundle's interval would keep the stand-in running until `timeout` ends it
    writeFileSync(join(dir, 'run.js'), stepsScript('', list, 'quit();'));
    const r = spawnSync('sh', ['-c', 'exec timeout 60 "$0" run.js </dev/null', ESPRUINO_BIN!], { cwd: dir, encoding: 'latin1' });
    assert.match(r.stdout, /SEEN 3004 4 a/, r.stdout.slice(-1500));
    assert.match(r.stdout, /STEPS-DONE/);
    // ended by its quit(), not by `timeout` (124)
    assert.equal(r.status, 0, r.stdout.slice(-500));
    assert.throws(() => stepsScript('', Array.from({ length: 80 }, (_, i) => ({ name: 's', js: `x=${i};` }))), /more than 70 distinct steps/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const RPK_BUNDLE = join(import.meta.dirname, '../../dist/firmware-rpk.js');

for (const fake of [true, false]) {
test(`bench:board handshakes${fake ? ' (the public-key results handed back as handshake-turns does)' : ' (the real public-key work, as --only handshakes counts it)'}: replayed in the stand-in, the client sends the recorded datagrams, and the harness turns none into or out of hex inside a counted turn`, { skip: espruinoSkip() || (!existsSync(RPK_BUNDLE) && 'dist/firmware-rpk.js not built') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hs-turns-'));
  try {
    const { bundle, prelude, list, tail, resumed } = handshakeSteps(fake);
    storeFiles(ESPRUINO_BIN!, dir, { 'b.js': bundle });
    // LwM2M.toHex and fromHex are JS loops over bytes (~0.2 M x86 instructions a byte on the stand-in): the final
    // flight in hex was ~64 M, more than the flight itself, when the harness's send() did it, and decoding the
    // server's flight ~120 M of the 161 M of its turn (2026-12-07)
    // (LwM2M is built on each read, tools/build.mjs pass 5b: the counting one is pinned as the global's)
    const count = 'var _b_hx=0,_b_after=0;(function(L,f,g){L.toHex=function(d){if(!_b_after)_b_hx++;return f(d);};L.fromHex=function(d){if(!_b_after)_b_hx++;return g(d);};' +
      "Object.defineProperty(global,'LwM2M',{configurable:true,get:function(){return L;}});})(LwM2M,LwM2M.toHex,LwM2M.fromHex);";
    writeFileSync(join(dir, 'run.js'), stepsScript(prelude + count, list, `_b_after=1;print('HEX '+_b_hx);${tail}`));
    const r = spawnSync('sh', ['-c', 'exec timeout 300 "$0" run.js </dev/null', ESPRUINO_BIN!], { cwd: dir, encoding: 'latin1' });
    assert.match(r.stdout, resumed ? /H0 true true[\s\S]*H1 true true/ : /H0 true true/, r.stdout.slice(-1500));
    assert.match(r.stdout, /HEX 0\b/, r.stdout.slice(-1500));
    if (fake) assert.match(r.stdout, /LABELS h0 connect,poll/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
}
