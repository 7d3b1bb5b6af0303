// npm run mem:hot -- [--security nosec|psk]: which of the bundle's functions run while a
// registered device is at rest, and which only ran to get it there. The simulated device
// (dist/firmware.js in the Espruino-stripped vm) bootstraps and registers against the
// simulator's servers under V8's precise coverage; the counters are reset at the
// registration, then the server observes /3/0/13 and reads, writes and executes what the
// seed scenario does, and the device updates its registration. Every function of the
// bundle is then charged to its source module (dist/firmware.js.map) as "at rest" (ran in
// that window) or "cold" (did not). On Espruino each function that exists costs about six
// variables (docs/memory.md), so cold functions that are alive at rest are what loading
// on demand would save.
import { Session } from 'node:inspector/promises';
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import { parse } from 'acorn';
import { simple } from 'acorn-walk';
import { benchServers, BS_KEY } from './servers';
import { startDevice } from '../sim/device';
import { T_BOOL } from '../objects/core/types';

const args = process.argv.slice(2);
let security = 'psk';
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--security' && (args[i + 1] === 'psk' || args[i + 1] === 'nosec')) security = args[++i];
  else {
    console.error(`mem:hot: bad argument '${args[i]}' (--security nosec|psk)`);
    process.exit(2);
  }
}
const PSK = security === 'psk';
const root = join(import.meta.dirname, '..');
const BUNDLE = join(root, 'dist/firmware.js');
const EP = 'urn:dev:hot';
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const { lw, events, bootstrapUri, close } = await benchServers(EP, PSK, 20);

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
const dev = await startDevice({ endpoint: EP, bootstrapUri, pskIdentity: PSK ? 'bs' : undefined, pskKey: PSK ? hex(BS_KEY) : undefined, bundle: BUNDLE, period: 200 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
try {
  await dev.waitFor('registered', 60000);
  const before = await session.post('Profiler.takePreciseCoverage');
  // at rest: notifications, the seed's reads/writes/execute, and a registration update
  let notes = 0;
  const o = await lw.observe(EP, [3303, 0, 5700], undefined, () => notes++);
  if (o.code !== 69) throw new Error(`Observe answered ${o.code}`);
  await lw.read(EP, [3, 0]);
  await lw.read(EP, [3303, 0, 5700]);
  await lw.write(EP, [3338, 0, 5850], [{ p: [3338, 0, 5850], t: T_BOOL, v: true }], { replace: true });
  await lw.write(EP, [3338, 0, 5850], [{ p: [3338, 0, 5850], t: T_BOOL, v: false }], { replace: true });
  await lw.writeAttributes(EP, [3303, 0, 5700], ['pmin=1']);
  const updates = () => events.filter((e) => e.type === 'UPDATED').length;
  const u0 = updates();
  for (const end = Date.now() + 30000; updates() === u0 && Date.now() < end; ) await sleep(200);
  if (updates() === u0) throw new Error('no registration update within 30 s');
  for (const end = Date.now() + 10000; notes < 5 && Date.now() < end; ) await sleep(200);
  const after = await session.post('Profiler.takePreciseCoverage');
  report(before.result, after.result, notes);
} finally {
  dev.kill();
  await close();
  session.disconnect();
}

type Script = { url: string; functions: { functionName: string; ranges: { startOffset: number; endOffset: number; count: number }[] }[] };
function report(boot: Script[], rest: Script[], notes: number): void {
  const code = readFileSync(BUNDLE, 'utf8');
  const map = new TraceMap(JSON.parse(readFileSync(BUNDLE + '.map', 'utf8')));
  const lineStarts = [0];
  for (let i = 0; i < code.length; i++) if (code[i] === '\n') lineStarts.push(i + 1);
  const where = (off: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= off) lo = mid;
      else hi = mid - 1;
    }
    const p = originalPositionFor(map, { line: lo + 1, column: off - lineStarts[lo] });
    const src = p.source ? relative(root, resolve(join(root, 'dist'), p.source)) : '(glue)';
    return { src: src.replace(/^.*node_modules\//, 'node_modules/'), line: p.line ?? 0, name: p.name };
  };
  const fns = (s: Script[]) => {
    const m = new Map<number, number>();
    for (const sc of s) if (sc.url.endsWith('firmware.js')) for (const f of sc.functions) if (f.ranges[0].startOffset > 0) m.set(f.ranges[0].startOffset, f.ranges[0].count);
    return m;
  };
  const b = fns(boot);
  const r = fns(rest);
  // Every function of the bundle (V8 reports only those it compiled or ran).
  const all: number[] = [];
  const onFn = (n: any) => all.push(n.start);
  simple(parse(code, { ecmaVersion: 5 }) as any, { FunctionDeclaration: onFn, FunctionExpression: onFn });
  const per = new Map<string, { rest: number; bootOnly: number; never: number; cold: string[]; nv: string[] }>();
  let unmatched = 0;
  for (const off of all) {
    if (!b.has(off) && !r.has(off) && code.slice(off, off + 8) !== 'function') unmatched++;
    const w = where(off);
    const e = per.get(w.src) || { rest: 0, bootOnly: 0, never: 0, cold: [], nv: [] };
    if ((r.get(off) || 0) > 0) e.rest++;
    else if ((b.get(off) || 0) > 0) e.bootOnly++, e.cold.push(`${w.name || '?'}:${w.line}`);
    else e.never++, e.nv.push(`${w.name || '?'}:${w.line}`);
    per.set(w.src, e);
  }
  if (unmatched) console.log(`(${unmatched} functions not at a 'function' keyword)`);
  const rows = [...per].sort((x, y) => y[1].bootOnly + y[1].never - (x[1].bootOnly + x[1].never));
  let tr = 0, tb = 0, tn = 0;
  console.log(`${security}: ${notes} notifications in the window. Functions of dist/firmware.js V8 saw (nested ones included):`);
  console.log('  at rest  boot-only  never  module');
  for (const [src, e] of rows) {
    tr += e.rest; tb += e.bootOnly; tn += e.never;
    console.log(`${String(e.rest).padStart(9)}${String(e.bootOnly).padStart(11)}${String(e.never).padStart(7)}  ${src}${e.cold.length ? '  boot-only: ' + e.cold.join(' ') : ''}${e.nv.length ? '  never: ' + e.nv.join(' ') : ''}`);
  }
  console.log(`${String(tr).padStart(9)}${String(tb).padStart(11)}${String(tn).padStart(7)}  total`);
}
