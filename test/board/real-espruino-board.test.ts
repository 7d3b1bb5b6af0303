// The board's ports inside Espruino's own interpreter (ESPRUINO_BIN, best the ESP32-like
// build: 32-bit, 16,383 variables): a UDP round trip with a Node socket, the accounts'
// persistence on real Storage across a kill -9 and a torn slot, the one-timer scheduler on real
// timers (reused ids), the bundle's memory when run from Storage, and the JS call depth
// the port paths leave to the layers above. Skips without a build (fails under CI: espruino-proc.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { readFileSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ESPRUINO_BIN, espruinoDir, espruinoSkip, startEspruino } from './espruino-proc';
import { espruinoRequired } from '../../tools/espruino/bin.mjs';

const BUNDLE = join(import.meta.dirname, '../../dist/firmware.js');
const skip = espruinoSkip();
// fixed ports from this branch's range (Espruino's dgram cannot report an ephemeral port)
const P_UDP = 34210;
const P_MEM = 34211;
const P_DEPTH = 34212;

const PRELUDE = 'var esp = LwM2M.espruino;\nvar n = new esp.EspruinoNatives(global);\n';

function script(dir: string, name: string, code: string, withBundle = true): string {
  const file = join(dir, name);
  // the bundle runs from Storage, as on the board: loaded as a file into RAM, a bundle
  // over ~60 KB does not fit the ESP32's 16,383 variables (ESPRUINO.md "Memory")
  writeFileSync(file, (withBundle ? "eval(require('Storage').read('lwm2m.js'));\n" + PRELUDE : '') + code + '\n');
  return file;
}

/** Writes `content` to Storage file `name` in `dir`'s flash, 8 KB per run (a script holding all of it would not fit in RAM). */
async function storeFile(dir: string, name: string, content: string): Promise<void> {
  const CHUNK = 8192;
  for (let off = 0; off < content.length; off += CHUNK) {
    const part = content.slice(off, off + CHUNK);
    const args = off === 0 ? `${off}, ${content.length}` : `${off}`;
    const file = join(dir, 'store.js');
    writeFileSync(file, `require('Storage').write(${JSON.stringify(name)}, atob(${JSON.stringify(Buffer.from(part, 'latin1').toString('base64'))}), ${args});\nprint('STORED');\nquit();\n`);
    const r = startEspruino(dir, [file], ESPRUINO_BIN, 30);
    await r.waitFor(/^STORED$/m, 20000);
    await r.done;
  }
}

/** A directory whose flash holds the bundle as `lwm2m.js`. */
async function bundleDir(): Promise<string> {
  const dir = espruinoDir();
  await storeFile(dir, 'lwm2m.js', readFileSync(BUNDLE, 'latin1'));
  return dir;
}

async function nodeSocket(onMessage: (m: Buffer, r: dgram.RemoteInfo, s: dgram.Socket) => void) {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  s.on('message', (m, r) => onMessage(m, r, s));
  return s;
}

test('espruino: 1500-byte binary datagrams round-trip between the dgram port and a Node socket', { skip }, async () => {
  const dir = await bundleDir();
  const node = await nodeSocket((m, r, s) => s.send(Buffer.from(m).reverse(), r.port, r.address));
  const file = script(dir, 'udp.js', `
var want = new Uint8Array(1500);
for (var i = 0; i < 1500; i++) want[i] = (i * 7) & 255;
var port = new esp.EspruinoUdp(n, { port: ${P_UDP} }, function (d, peer) {
  var ok = d.length === 1500;
  for (var i = 0; i < 1500 && ok; i++) if (d[i] !== want[1499 - i]) ok = false;
  print('RESULT ' + (ok ? 'ok' : 'bad ' + d.length) + ' ' + peer.address + ' sent ' + port.sent + ' received ' + port.received);
  port.close();
  quit();
}, function (e) { print('ERR ' + e); }, function () { port.send(want, { address: '127.0.0.1', port: ${node.address().port} }); });
`);
  const run = startEspruino(dir, [file], ESPRUINO_BIN, 30);
  try {
    const m = await run.waitFor(/RESULT [^\n]*/);
    assert.equal(m[0], 'RESULT ok 127.0.0.1 sent 1 received 1', run.out());
    await run.done;
  } finally {
    run.kill();
    node.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('espruino: accounts saved through the Storage port survive a kill -9; a torn newest slot falls back to the older one', { skip }, async () => {
  const dir = await bundleDir();
  // objects 0, 1, 2 as persistence sees them (reg.obj(oid).i), opaque bytes included
  const REG = `var objs = {};
var reg = { obj: function (oid) { return objs[oid] || (objs[oid] = { i: {} }); } };
var store = LwM2M.lwm2m.accountStore(new esp.EspruinoStorage(n));
function show() { var o = reg.obj(1).i[0]; return o ? o[0] + '/' + o[1] + '/' + E.toString(reg.obj(0).i[0][5]) : 'none'; }
`;
  try {
    const w = startEspruino(dir, [script(dir, 'w.js', REG + `
reg.obj(0).i = { 0: { 0: 'coaps://dm:5684', 5: E.toUint8Array('key-one') } };
reg.obj(1).i = { 0: { 0: 101, 1: 300 } };
store.save(reg);
reg.obj(0).i = { 0: { 0: 'coaps://dm:5684', 5: E.toUint8Array('key-two') } };
reg.obj(1).i = { 0: { 0: 102, 1: 600 } };
store.save(reg);
print('SAVED ' + require('Storage').list(/^lwm2m\.acc/).sort().join(','));
setInterval(function () {}, 1000);
`)], ESPRUINO_BIN, 30);
    await w.waitFor(/^SAVED .*/m);
    w.kill(); // the power cut: nothing else reaches flash
    await w.done;
    const r = startEspruino(dir, [script(dir, 'r.js', REG + `
objs = {};
print('LOADED ' + store.load(reg) + ' ' + show());
// a torn write of the newest slot (the last bytes never reached flash): the older record wins
var st = require('Storage');
var newest = E.toUint8Array(st.read('${'lwm2m.acc.b'}'));
st.write('${'lwm2m.acc.b'}', E.toString(new Uint8Array(newest.subarray(0, newest.length - 3))));
objs = {};
print('TORN ' + store.load(reg) + ' ' + show());
quit();
`)], ESPRUINO_BIN, 30);
    await r.waitFor(/TORN .*/);
    assert.match(w.out(), /SAVED lwm2m\.acc\.a,lwm2m\.acc\.b/);
    assert.match(r.out(), /LOADED true 102\/600\/key-two/, r.out());
    assert.match(r.out(), /TORN true 101\/300\/key-one/, r.out());
    await r.done;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('espruino: the scheduler re-arms one timer for the earliest deadline and never clears a reused id', { skip }, async () => {
  const dir = await bundleDir();
  const file = script(dir, 'sched.js', `
var ids = [];
var timers = {
  setTimeout: function (fn, ms) { var h = setTimeout(fn, ms); ids.push(h); return h; },
  clearTimeout: function (h) { if (h === undefined) print('FAIL clearTimeout(undefined)'); clearTimeout(h); }
};
var sched = new esp.Scheduler(n, timers, function (e) { print('FAIL engine ' + e); });
var t0 = Math.floor(Date.now());
var order = [];
function engine(name, at) {
  var e = { due: t0 + at, poll: function (now) { if (e.due >= 0 && now >= e.due) { order.push(name); e.due = -1; } return e.due; } };
  return e;
}
sched.add(engine('a', 60));
sched.add(engine('b', 20));
var check = setInterval(function () {
  if (order.length < 2) return;
  clearInterval(check);
  var last = ids[ids.length - 1];
  // nothing due: the scheduler holds no handle; a new timer may reuse the last id
  var other = setTimeout(function () {
    print('RESULT order ' + order.join(',') + ' handle ' + sched.handle + ' reused ' + (other === last) + ' stats ' + JSON.stringify({ armed: sched.armed, cleared: sched.cleared, fired: sched.fired }));
    quit();
  }, 30);
  sched.kick();
  sched.stop();
}, 5);
`);
  const run = startEspruino(dir, [file], ESPRUINO_BIN, 30);
  try {
    const m = await run.waitFor(/RESULT .*/);
    assert.doesNotMatch(run.out(), /FAIL|Uncaught/);
    assert.match(m[0], /^RESULT order b,a handle null reused (true|false) stats /);
    const stats = JSON.parse(m[0].slice(m[0].indexOf('stats ') + 6));
    // add() never polls inline: armed for now (the first poll), fired; re-armed for b (20),
    // fired; re-armed for a (60), fired — never cleared
    assert.deepEqual({ armed: stats.armed, cleared: stats.cleared, fired: stats.fired }, { armed: 3, cleared: 0, fired: 3 });
    console.log(`espruino scheduler: ${m[0]}`);
    await run.done;
  } finally {
    run.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Espruino keeps an object locked for good once it was locked 15 times at one moment (its
// issue #2616), and the garbage collector then keeps it and everything it references. A CoAP
// endpoint is `this` in many nested calls (two locks each) on a response's callback path, so
// the Client empties the endpoint of every connection it closes (CoapEndpoint.close).
test('espruino: an endpoint locked for good by nested calls frees what it held once closed', { skip }, async () => {
  const dir = await bundleDir();
  try {
    const r = startEspruino(dir, [script(dir, 'lock.js', `
function left(close) {
  var m0 = process.memory().usage;
  (function () {
    var held = [];
    for (var i = 0; i < 200; i++) held.push(i);
    var ep = new LwM2M.coap.CoapEndpoint({ port: { send: function () {} }, rng: { fill: function () {} }, onRequest: function () { return held; } });
    ep.deep = function (k) { if (k > 0) this.deep(k - 1); };
    ep.deep(8);
    if (close) ep.close();
  })();
  return process.memory().usage - m0;
}
print('LEFT ' + left(false) + ' ' + left(true));
quit();
`)], ESPRUINO_BIN, 30);
    const m = await r.waitFor(/LEFT (\d+) (\d+)/);
    await r.done;
    const [kept, closed] = [+m[1], +m[2]];
    console.log(`espruino: a locked-for-good endpoint holding 200 numbers keeps ${kept} variables, closed ${closed}`);
    assert.ok(closed <= 10, `${closed} variables left after close()`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

let startedVars = -1;
test('espruino: memory of the bundle run from Storage, and of the started device', { skip }, async () => {
  const dir = espruinoDir();
  const bundle = readFileSync(BUNDLE, 'latin1');
  const cfg = JSON.stringify({ v: 1, endpoint: 'mem-ep', bootstrap: 'coap://127.0.0.1:34213', mode: 'nosec', port: P_MEM });
  try {
    await storeFile(dir, 'lwm2m.js', bundle);
    await storeFile(dir, 'lwm2m.cfg', cfg);
    const r = startEspruino(dir, [script(dir, 'm.js', `
var m0 = process.memory();
eval(require('Storage').read('lwm2m.js'));
var m1 = process.memory();
var dev = LwM2M.espruino.start(global);
var m2 = process.memory();
print('MEM ' + m0.usage + ' ' + m1.usage + ' ' + m2.usage + ' ' + m1.total);
// from a timer: the Linux build sets its run flag again after evaluating the file, so a quit() at the
// top level is lost and the started client's timers would keep it running until the 30 s guard
setTimeout(quit, 0);
`, false)], ESPRUINO_BIN, 30);
    const m = await r.waitFor(/MEM (\d+) (\d+) (\d+) (\d+)/);
    // ended by its quit(), not killed by the guard
    assert.equal((await r.done).code, 0, r.out().slice(-500));
    const [before, loaded, started, total] = m.slice(1).map(Number);
    const kb = statSync(BUNDLE).size / 1024;
    console.log(`espruino memory (${ESPRUINO_BIN}): before eval ${before}, after eval(Storage.read('lwm2m.js')) ${loaded} (bundle ${loaded - before} vars for ${kb.toFixed(1)} KB), after start() (the client bootstrapping on its UDP port) ${started} (+${started - loaded}), of ${total}`);
    assert.match(r.out(), /lwm2m: booted mem-ep mem \d+\/\d+/);
    startedVars = started;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Issue #7's budget: 20 % of the ESP32's 16,383 variables for the whole PSK client right after
// start(), while it bootstraps (its lifecycle, the DTLS handshake half and the bootstrap
// connection all exist: more than the registered device holds, which the HIL holds to 20 %).
// Missed for a while (2026-12-07 morning: 3,448 = 21.0 %), met again by session 13's memory cuts
// (3,147 = 19.2 % at 5d41459): held to 20 % from then on.
test('espruino: the started device within issue #7\'s 20 %', { skip }, () => {
  assert.ok(startedVars >= 0, 'the memory test did not run');
  console.log(`started device: ${startedVars} variables = ${(startedVars / 163.83).toFixed(1)} % of 16,383 (issue #7's 20 % = 3,276: ${startedVars <= 3276 ? 'met' : `missed by ${startedVars - 3276}`})`);
  assert.ok(startedVars <= 3276, `${startedVars} variables in use after start() (20 % = 3,276)`);
});

/** Depth a plain recursion reaches from where `entry` calls `probe()` before Espruino stops it. */
async function depthFrom(entry: string, node?: dgram.Socket): Promise<number> {
  const dir = await bundleDir();
  try {
    const file = script(dir, 'depth.js', `
var deepest = 0;
function probe(d) { deepest = d; print('D ' + d); probe(d + 1); }
${entry}
`);
    const run = startEspruino(dir, [file], ESPRUINO_BIN, 30);
    if (node) {
      await run.waitFor(/^BOUND$/m);
      node.send(Buffer.from([0x40, 1, 0, 1]), P_DEPTH, '127.0.0.1');
    }
    await run.waitFor(/Too much recursion/);
    run.kill();
    await run.done;
    const ds = [...run.out().matchAll(/^D (\d+)$/gm)].map((x) => +x[1]);
    return ds[ds.length - 1];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('espruino: call depth the port paths (UDP receive, scheduler timer) use of the stack', { skip }, async (t) => {
  let top: number;
  try {
    top = await depthFrom('probe(1);');
  } catch (e) {
    // a fixed pool of 16,383 variables runs out before the interpreter's stack does
    // (tools/espruino's build models the ESP32's 25 KB stack, so under CI this is a failure)
    if (/ran out of memory/.test(String(e)) && !espruinoRequired()) return t.skip('this build runs out of variables before its stack: measure on a build whose pool grows (Espruino\'s default Linux build)');
    throw e;
  }
  const node = await nodeSocket(() => {});
  // the client start() runs holds its own port; the probe's port is P_DEPTH
  const cfg = JSON.stringify({ v: 1, endpoint: 'd', bootstrap: 'coap://127.0.0.1:1', mode: 'nosec', port: P_DEPTH + 20 });
  const udp = await depthFrom(`require('Storage').write('lwm2m.cfg', ${JSON.stringify(cfg)});
var dev = esp.start(global);
dev.openUdp(function (data, peer) { probe(1); }, ${P_DEPTH}, function () { print('BOUND'); });`, node);
  node.close();
  const timer = await depthFrom(`var s = new esp.Scheduler(n, { setTimeout: setTimeout, clearTimeout: clearTimeout });
var fired = false;
s.add({ poll: function (now) { if (fired) probe(1); fired = true; return now + 5; } });`);
  console.log(`espruino call depth (${ESPRUINO_BIN}): a plain recursion reaches ${top} from the top level, ${udp} inside the UDP receive callback (dgram → port → device wrapper → handler), ${timer} inside a timer-fired poll (timer → scheduler.kick → engine.poll); the ports cost ${top - udp} and ${top - timer} frame-equivalents`);
  // the port layer must leave the budget to DTLS → CoAP → LwM2M → object: at most 4 frames each
  assert.ok(top - udp <= 4 * 4, `udp path uses ${top - udp}`);
  assert.ok(top - timer <= 4 * 4, `timer path uses ${top - timer}`);
});
