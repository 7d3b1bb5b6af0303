// npm run bench:board-profile -- [--mode psk|nosec|rpk|rpk-psk|rpk-ed25519] [--top N] [--keep DIR]
//
// Where the instructions of power-on → registered go (docs/board-clock.md, "Profiling"): the
// workload of `bench:board --only psk|nosec` (dist/firmware.js from Storage, start() against the
// simulator's servers over real UDP, the device's clock slowed) under callgrind, cut at markers
// instead of at every turn of the event loop, each stretch labelled:
//   - the natives the bundle calls (require('crypto'), require('Storage'), the dgram socket's send
//     and 'message') are wrapped by the run script: `n:sha256`, `n:aes`, `st:write`, `udp:send`, and
//     the JavaScript a datagram runs is `udp:rx`; a timer's `t:<ms>`;
//   - with an RPK mode (dist/firmware-rpk.js, P-256, or rpk-ed25519: dist/firmware-rpk-ed25519.js; rpk-psk: the bootstrap server gives a PSK
//     account for the LwM2M server), each public-key job's steps: `pk:pub`, `pk:shared`,
//     `pk:sign`, `pk:verify` (the job's making is in the same label);
//   - the device's own code may call the global `__P(label)` on entry and `__P()` on leaving
//     (nothing in the committed code does: put them in by hand where you want a cut, build,
//     profile, take them out). Stretches nest: a stretch belongs to the innermost open label.
// It prints Ir per label (exclusive: the nested labels' Ir are theirs), the count of entries, and
// the C functions of Espruino that cost most (self Ir, from the callgrind dumps) over the phase
// and within the largest labels. Marker and wrapper costs are in the counts (a few thousand Ir
// each: small beside the labels' millions).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callgrind, servers, until, DEVICE_SLOW, esp32Seconds } from './board';
import { espruinoBin, storeFiles, NO_ESPRUINO } from '../tools/espruino/bin.mjs';
import { configFiles } from '../tools/board-lib.mjs';

const ROOT = join(import.meta.dirname, '..');

const MODES = ['psk', 'nosec', 'rpk', 'rpk-psk', 'rpk-ed25519'] as const;
type Mode = (typeof MODES)[number];

function args(argv: string[]) {
  const o = { mode: 'psk' as Mode, top: 25, keep: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], v = argv[i + 1];
    if (a === '--mode' && (MODES as readonly string[]).includes(v)) (o.mode = v as Mode), i++;
    else if (a === '--top' && /^\d+$/.test(v || '')) (o.top = +v), i++;
    else if (a === '--keep' && v) (o.keep = v), i++;
    else {
      console.error(`bench:board-profile: bad argument '${a}' (--mode ${MODES.join('|')}, --top N, --keep DIR)`);
      process.exit(2);
    }
  }
  return o;
}

/**
 * The run script: __P, the wrapped natives, and start() given a global whose require() returns
 * them. A marker ends the running stretch and records the label it belonged to.
 */
const RUN = `(function(){var n=Date.now,t=n();Date.now=function(){return t+(n()-t)/${DEVICE_SLOW};};})();
var __PL=new Uint8Array(20000),__PN=0,__PI={},__PK=[],__PS=['top'];
function __P(l){var k=__PS.join('>'),i=__PI[k];if(i===undefined){i=__PI[k]=__PK.length;__PK.push(k);}__PL[__PN++]=i;E.getAddressOf(0);if(l)__PS.push(l);else __PS.pop();}
function __wrapF(o,k,l){var f=o[k];return function(){__P(l);try{return f.apply(o,arguments);}finally{__P();}};}
var __REQ=require;
function __preq(name){
  var m=__REQ(name);
  if(name==='crypto')return {SHA256:__wrapF(m,'SHA256','n:sha256'),AES:{encrypt:__wrapF(m.AES,'encrypt','n:aes')}};
  if(name==='Storage')return {read:__wrapF(m,'read','st:read'),write:__wrapF(m,'write','st:write'),erase:__wrapF(m,'erase','st:erase'),list:__wrapF(m,'list','st:list'),compact:m.compact};
  if(name==='dgram')return {createSocket:function(a,b){var s=m.createSocket(a,b);return {bind:function(p,cb){return s.bind(p,cb);},send:__wrapF(s,'send','udp:send'),close:function(){s.close();},
    on:function(ev,cb){s.on(ev,function(x,y){__P('udp:'+ev);try{cb(x,y);}finally{__P();}});},address:function(){return s.address();}};}};
  return m;
}
function __pst(f,ms){return setTimeout(function(){__P('t:'+ms);try{f();}finally{__P();}},ms);}
var __G={require:__preq,E:E,process:process,setTimeout:__pst,clearTimeout:clearTimeout,print:print,global:global};
eval(require('Storage').read('lwm2m.js'));
if(LwM2M.rpk)(function(){var s=LwM2M.rpk.rpkSigs[0],g=LwM2M.rpk.rpkGroups[0];
  function job(o,n){var f=o[n];o[n]=function(){__P('pk:'+n);try{var j=f.apply(o,arguments);}finally{__P();}
    return {r:null,run:function(b){__P('pk:'+n);try{var d=j.run(b);}finally{__P();}if(d)this.r=j.r;return d;}};};}
  job(s,'sign');job(s,'verify');job(g,'pub');job(g,'shared');})();
setTimeout(function(){__P('start');LwM2M.espruino.start(__G);__P();},1);
`;

/** Self Ir per C function in one callgrind dump (--dump-instr=no, --compress-strings=no). */
function selfCosts(text: string, into: Map<string, number>) {
  let fn = '';
  let afterCalls = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('fn=')) fn = line.slice(3);
    else if (line.startsWith('calls=')) afterCalls = true;
    else if (/^[+\-*]?\d/.test(line)) {
      if (afterCalls) afterCalls = false;
      else {
        const ir = +line.split(' ')[1];
        if (ir) into.set(fn, (into.get(fn) || 0) + ir);
      }
    }
  }
}

const M = (ir: number) => `${(ir / 1e6).toFixed(1)} M`;

async function main() {
  // the simulator's servers run the same modules in Node: markers put in by hand do nothing there
  (globalThis as { __P?: unknown }).__P ??= () => {};
  const o = args(process.argv.slice(2));
  const bin = espruinoBin();
  if (!bin) throw new Error(NO_ESPRUINO);
  const tally = { in: 0, out: 0 };
  const ep = `urn:dev:bench-${o.mode}`;
  const rpk = o.mode.startsWith('rpk');
  const ed = o.mode === 'rpk-ed25519';
  const srv = await servers(rpk ? 'rpk' : (o.mode as 'psk' | 'nosec'), ep, ed ? 'ed25519' : 'p256', tally, o.mode === 'rpk-psk');
  // a device port of its own: a profile may run beside `bench:board`, whose devices take 35995
  srv.cfg.port = 35996;
  const dir = o.keep || mkdtempSync(join(tmpdir(), 'bench-prof-'));
  let run: ReturnType<typeof callgrind> | null = null;
  try {
    writeFileSync(join(dir, 'cfg.json'), JSON.stringify(srv.cfg));
    // and what `npm run flash` stores beside the configuration (the Bootstrap-Server's verification table)
    const more = Object.entries(configFiles(srv.cfg)).map(([n, b]) => (writeFileSync(join(dir, n), b), [n, join(dir, n)]));
    storeFiles(bin, dir, { 'lwm2m.js': join(ROOT, 'dist', ed ? 'firmware-rpk-ed25519.js' : rpk ? 'firmware-rpk.js' : 'firmware.js'), 'lwm2m.cfg': join(dir, 'cfg.json'), ...Object.fromEntries(more) });
    run = callgrind(bin, dir, RUN, ['jswrap_espruino_getAddressOf']);
    const r = run;
    await until('no registration', () => srv.events.some((e) => e.type === 'REGISTRATION'), (rpk ? 12 : 1) * 3600000, r.out);
    // the labels as ids into the list of paths (a string per marker would fill the device's memory)
    r.send(`__P('end');print('PK='+JSON.stringify(__PK));print('PL='+__PL.slice(0,__PN).join(','));`);
    await until('the labels', () => /PL=[\d,]*\n/.test(r.out()), 600000, r.out);
    const paths: string[] = JSON.parse(/PK=(\[.*\])\n/.exec(r.out())![1]);
    const labels = /PL=([\d,]*)\n/.exec(r.out())![1].split(',').map((i) => paths[+i]);
    await r.end();
    run = null;
    const files = readdirSync(dir).filter((f) => /^callgrind\.out\.\d+\.\d+$/.test(f)).sort((a, b) => +a.split('.').pop()! - +b.split('.').pop()!);
    // dump k (1-based) ends at the k-th marker: labels[k-1]; dump 1 is start-up and loading
    const per = new Map<string, { ir: number; n: number; fns: Map<string, number> }>();
    const all = new Map<string, number>();
    const timeline: { ev: string; ir: number; closed: boolean; parts: Map<string, number> }[] = [];
    writeFileSync(join(dir, 'labels.json'), JSON.stringify(labels));
    let total = 0;
    for (let k = 2; k <= labels.length && k <= files.length; k++) {
      const t = readFileSync(join(dir, files[k - 1]), 'latin1');
      const ir = +(/^summary: (\d+)$/m.exec(t)?.[1] || /^totals: (\d+)$/m.exec(t)?.[1] || 0);
      const path = labels[k - 1];
      const l = path.split('>').pop()!;
      // the timeline: one row per top-level event (a datagram, a timer, start), inclusive
      const ev = path.split('>').slice(0, 2).join('>');
      if (ev !== 'top' && (!timeline.length || timeline[timeline.length - 1].ev !== ev || timeline[timeline.length - 1].closed)) timeline.push({ ev, ir: 0, closed: false, parts: new Map() });
      const cur = timeline[timeline.length - 1];
      if (ev === 'top') { if (cur) cur.closed = true; } else { cur.ir += ir; cur.parts.set(l, (cur.parts.get(l) || 0) + ir); }
      const e = per.get(l) || { ir: 0, n: 0, fns: new Map() };
      e.ir += ir;
      e.n++;
      selfCosts(t, e.fns);
      selfCosts(t, all);
      per.set(l, e);
      total += ir;
    }
    const c = esp32Seconds(total)[1];
    console.log(`${o.mode}: power-on → registered ${M(total)} Ir (${c.toFixed(2)} s modelled), ${files.length} dumps; datagrams in/out ${tally.in}/${tally.out}`);
    console.log('\nlabel (exclusive Ir) | stretches | M Ir | %');
    for (const [l, e] of [...per].sort((a, b) => b[1].ir - a[1].ir)) console.log(`${l} | ${e.n} | ${M(e.ir)} | ${((100 * e.ir) / total).toFixed(1)}`);
    console.log('\ntimeline (inclusive Ir of each top-level event; its labels):');
    for (const t of timeline) console.log(`${t.ev.slice(4).padEnd(14)} ${M(t.ir).padStart(9)}  ${[...t.parts].filter(([, v]) => v > 0.5e6).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${M(v)}`).join(', ')}`);
    const topFns = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([f, ir]) => `  ${M(ir).padStart(9)}  ${f}`).join('\n');
    console.log(`\nC functions, self Ir over the phase:\n${topFns(all, o.top)}`);
    for (const [l, e] of [...per].sort((a, b) => b[1].ir - a[1].ir).slice(0, 4)) console.log(`\nin ${l}:\n${topFns(e.fns, 12)}`);
  } finally {
    if (run) run.kill();
    await srv.close();
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
