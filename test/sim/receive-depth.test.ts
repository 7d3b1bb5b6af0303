// Issue #7: the deepest JavaScript call chain on the device's receive path (DTLS record →
// CoAP → LwM2M → object → board, and the response back down to the UDP port) stays below
// 25 frames: Espruino on an ESP32 holds only ~35-46 nested JS calls, and its "Too much
// recursion" cannot be caught.
//
// What runs is the board itself: dist/firmware.js in the Espruino-stripped vm context,
// booted by `LwM2M.espruino.start(global)` as the board's .boot0 does, on emulated
// Espruino modules (dgram, Storage, crypto) and natives (E, analogWrite, timers, Date),
// against the simulator's Bootstrap and LwM2M servers over DTLS-PSK. Every native the
// bundle can call is wrapped (test/helpers/frame-depth.ts): each call captures a V8
// stack and counts the frames from the outermost bundle frame — the dgram 'message'
// handler of EspruinoUdp for a datagram, the Scheduler's timer callback for a timer — to
// the innermost, plus one for the native. That is the stack Espruino holds at that point.
// A second run does the same on a copy of the bundle in which every function first calls a
// probe, to find the deepest point of each path where no native is called. docs/depth.md
// has the numbers and the chains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { loadFirmware } from '../../sim/espruino-vm';
import { emuDgram, emuStorage } from '../../sim/espruino-modules';
import { espruinoCryptoModule } from '../../sim/espruino-crypto';
import { BootstrapServer, simpleConfig, type BsEvent } from '../../sim/bootstrap-server';
import { Lwm2mServer, type OpResult } from '../../sim/lwm2m-server';
import { fromHex } from '../../transport/bytes';
import { CODE } from '../../transport/coap/constants';
import { T_BOOL } from '../../objects/core/types';
import { DepthProbe, ENTRY_PROBE, FrameNamer, instrumentBundle, type Hit } from '../helpers/frame-depth';

const BUNDLE = join(import.meta.dirname, '../../dist/firmware.js');
/** Issue #7's bound: every chain strictly below this many frames. */
const MAX_FRAMES = 25;
/** A chain at or above this is reported as close to the bound. */
const NEAR = 20;
/** Espruino's dgram cannot bind an ephemeral port and report it: a fixed one from this helper's range. */
const DEVICE_PORT = 34450;
const EP = 'urn:dev:depth';
const BS_KEY = '000102030405060708090a0b0c0d0e0f';
const DM_KEY = '0f0e0d0c0b0a09080706050403020100';

/** What a datagram from a server is, from its DTLS record header (RFC 6347 §4.1, §4.2.2). */
function datagramKind(msg: string): string {
  const type = msg.charCodeAt(0);
  const epoch = (msg.charCodeAt(3) << 8) | msg.charCodeAt(4);
  if (type === 22 && epoch === 0) {
    const hs = msg.charCodeAt(13);
    if (hs === 3) return 'DTLS flight 2: HelloVerifyRequest';
    if (hs === 2) return 'DTLS flight 4: ServerHello … ServerHelloDone';
    return `DTLS handshake type ${hs}`;
  }
  if (type === 20) return 'DTLS flight 6: ChangeCipherSpec, Finished';
  if (type === 21) return 'DTLS alert';
  if (type === 23) return 'app';
  return `record type ${type}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  for (const t0 = Date.now(); !ok(); await sleep(10)) if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
}

interface Measured {
  /** Calls of natives. */
  hits: Hit[];
  /** Instrumented run: the deepest function entry of each path. */
  entries: Hit[];
  top: Hit;
  namer: FrameNamer;
}

/**
 * Boots the board from the bundle, drives every path, returns every probe hit (labelled).
 * `instrument`: run a copy of the bundle whose every function calls a probe first, to find
 * the deepest point of each path even where it calls no native.
 */
async function measure(o: { instrument: boolean; port: number }): Promise<Measured> {
  const probe = new DepthProbe();
  let file = BUNDLE;
  let tmp: string | null = null;
  let original: ((line: number, col: number) => { line: number; col: number }) | undefined;
  if (o.instrument) {
    const ins = instrumentBundle(readFileSync(BUNDLE, 'utf8'));
    tmp = mkdtempSync(join(tmpdir(), 'depth-'));
    file = join(tmp, 'firmware.js');
    writeFileSync(file, ins.code);
    original = ins.original;
  }
  const bsEvents: BsEvent[] = [];
  const lw = await Lwm2mServer.start({ port: -1, dtlsPort: 0 });
  const bs = await BootstrapServer.start({ port: -1, dtlsPort: 0, onEvent: (e) => bsEvents.push(e) });
  lw.security.add({ endpoint: EP, identity: 'dm', key: fromHex(DM_KEY)! });
  bs.security.add({ endpoint: EP, identity: 'bs', key: fromHex(BS_KEY)! });
  bs.setConfig(EP, simpleConfig({ serverUri: lw.secureUri!, securityMode: 'PSK', pskIdentity: 'dm', pskKey: fromHex(DM_KEY)!, shortServerId: 101, lifetime: 60 }));
  const bsPort = Number(bs.secureUri!.split(':').pop());

  // --- the board's natives, each a probe point
  const storage = emuStorage();
  storage.files['lwm2m.cfg'] = JSON.stringify({ v: 1, endpoint: EP, bootstrap: bs.secureUri, mode: 'psk', pskId: 'bs', pskKey: BS_KEY, buzzerPin: 'D25', port: o.port });
  const dgram = emuDgram();
  let bsApp = 0; // app-data datagrams from the Bootstrap Server so far: labelled after the fact by its events
  const sockets = {
    createSocket: probe.port('dgram.createSocket', (opts: { type: string; recvBufferSize?: number }) => {
      const s = dgram.createSocket(opts);
      return {
        on: probe.port('socket.on', (ev: string, h: (a: any, b: any) => void) =>
          s.on(ev, ev !== 'message' ? h : (msg: string, rinfo: { port: number }) => {
            const from = rinfo.port === bsPort ? 'bootstrap server' : 'LwM2M server';
            let kind = datagramKind(msg);
            if (kind === 'app') kind = rinfo.port === bsPort ? `bs#${bsApp++}` : probe.label;
            else kind = `${kind} (${from})`;
            probe.run('udp', kind, () => h(msg, rinfo));
          }),
        ),
        bind: probe.port('socket.bind', (port: number, cb?: () => void) => s.bind(port, cb)),
        send: probe.port('dgram.send', (...a: any[]) => s.send(...(a as [string, number, string]))),
        close: probe.port('socket.close', () => s.close()),
      };
    }),
  };
  let realm = (u: Uint8Array): ArrayBuffer => u.buffer as ArrayBuffer;
  const emu = espruinoCryptoModule({ realm: (u) => realm(u) });
  const crypto = { ...probe.module('crypto', emu.mod, ['SHA256']), AES: probe.module('crypto.AES', emu.mod.AES, ['encrypt', 'decrypt']) };
  let temp = 21.5;
  const { api, ctx } = loadFirmware(file, {
    modules: { Storage: probe.module('Storage', storage, ['read', 'write', 'erase', 'list']), dgram: sockets, crypto },
    temperature: () => (temp += 0.37),
  });
  const U8 = ctx.run('Uint8Array') as Uint8ArrayConstructor;
  realm = (u) => {
    const c = new U8(u.length);
    c.set(u);
    return c.buffer as ArrayBuffer;
  };
  const g = ctx.run('this') as any;
  if (o.instrument) g[ENTRY_PROBE] = () => probe.enter();
  const calls: string[] = [];
  g.process = { memory: probe.port('process.memory', () => ({ usage: 1234, free: 15149, total: 16383, blocksize: 14 })), env: { VERSION: '2v29', BOARD: 'ESP32' } };
  g.analogWrite = probe.port('analogWrite', (pin: unknown, v: number) => calls.push(`analogWrite ${pin} ${v}`));
  g.digitalWrite = probe.port('digitalWrite', (pin: unknown, v: number) => calls.push(`digitalWrite ${pin} ${v}`));
  g.reset = probe.port('reset', () => calls.push('reset'));
  g.D25 = 25;
  for (const k of ['toString', 'toUint8Array', 'hwRand', 'getTemperature', 'getSizeOf']) g.E[k] = probe.port(`E.${k}`, g.E[k]);
  g.E.reboot = probe.port('E.reboot', () => calls.push('E.reboot'));
  g.print = probe.port('print', g.print);
  g.Date.now = probe.port('Date.now', g.Date.now);
  const setT = g.setTimeout;
  g.setTimeout = probe.port('setTimeout', (fn: () => void, ms: number) => setT(() => probe.run('timer', `timer: ${probe.label}`, fn), ms));
  g.clearTimeout = probe.port('clearTimeout', g.clearTimeout);

  let dev: any = null;
  const notes: OpResult[] = [];
  try {
    // --- boot, DTLS to the Bootstrap Server, bootstrap, DTLS to the LwM2M Server, Register
    probe.label = 'Register → 2.01';
    dev = probe.run('boot', 'boot: start() → first ClientHello', () => api.espruino.start(g));
    assert.ok(dev, 'the board started');
    await until('registration', () => lw.get(EP) !== null, 20000);
    await sleep(50);

    const op = async (label: string, f: () => Promise<OpResult>, code: number) => {
      probe.label = label;
      const r = await f();
      assert.equal(r.code, code, `${label}: ${r.status}`);
      await sleep(20); // let the last datagram of the exchange be handled under this label
    };
    const { CF_TLV, CF_SENML_CBOR } = { CF_TLV: 11542, CF_SENML_CBOR: 112 };
    await op('Read /3/0 (TLV)', () => lw.read(EP, [3, 0], CF_TLV), CODE.CONTENT);
    await op('Read /3/0 (SenML CBOR)', () => lw.read(EP, [3, 0], CF_SENML_CBOR), CODE.CONTENT);
    await op('Read /3303/0/5700', () => lw.read(EP, [3303, 0, 5700]), CODE.CONTENT);
    await op('Write /3338/0/5850 true', () => lw.write(EP, [3338, 0, 5850], [{ p: [3338, 0, 5850], t: T_BOOL, v: true }], { replace: true }), CODE.CHANGED);
    await op('Discover /3', () => lw.discover(EP, [3]), CODE.CONTENT);
    await op('Write-Attributes /3303/0/5700?pmin=1&pmax=2', () => lw.writeAttributes(EP, [3303, 0, 5700], ['pmin=1', 'pmax=2']), CODE.CHANGED);
    await op('Read /3/0 in Block2 of 16 bytes', async () => {
      const m = await lw.send(EP, { code: CODE.GET, path: '/3/0', accept: CF_TLV, block2Size: 16 });
      assert.ok(m.payload.length > 16 * 2, 'the answer took several blocks');
      return { code: m.code, status: String(m.code), success: true, format: CF_TLV, payload: m.payload };
    }, CODE.CONTENT);
    await op('Observe /3303/0/5700', () => lw.observe(EP, [3303, 0, 5700], undefined, (r) => notes.push(r)), CODE.CONTENT);
    // notifications come from the device's timers: the scheduler samples the sensor
    // (a value change), reporting sees pmin/pmax pass, CoAP → DTLS → dgram.send
    probe.label = 'notification';
    await until('two notifications', () => notes.length >= 2, 15000);
    // the board samples every 5 s: wait for a sample on the timer, then the notification of its change
    await until('a sensor sample', () => probe.hits.some((h) => h.entry === 'timer' && h.label === 'timer: notification' && h.port === 'E.getTemperature'), 8000);
    const n0 = notes.length;
    await until('the notification after the sample', () => notes.length > n0, 5000);
    await op('Execute /3303/0/5605 (reset min/max: samples the sensor)', () => lw.execute(EP, [3303, 0, 5605]), CODE.CHANGED);
    // no notification falls due while the reboot is handled (its nested scheduler kick would
    // send it, deeper still: docs/depth.md), so that the measurement does not depend on timing
    await op('Write-Attributes /3303/0/5700?pmax=60', () => lw.writeAttributes(EP, [3303, 0, 5700], ['pmax=60']), CODE.CHANGED);
    await op('Execute /3/0/4 (reboot)', () => lw.execute(EP, [3, 0, 4]), CODE.CHANGED);
    probe.label = 'after reboot';
    await until('E.reboot', () => calls.includes('E.reboot'), 3000);
  } finally {
    if (dev) dev.scheduler.stop();
    ctx.stop();
    for (const s of dgram.sockets) s.close();
    await bs.close();
    await lw.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }

  // --- label the bootstrap's app-data datagrams: the 2.04 to Bootstrap-Request, then each of the server's requests in order
  const steps = bsEvents.filter((e) => e.type === 'delete' || e.type === 'write' || e.type === 'finish');
  assert.equal(bsApp, steps.length + 1, `app-data datagrams from the bootstrap server (${bsApp}) are the 2.04 to Bootstrap-Request and one per step (${steps.length}): none lost or repeated`);
  const bsLabel = (i: number) => (i === 0 ? 'Bootstrap-Request → 2.04' : `Bootstrap-${steps[i - 1].type[0].toUpperCase()}${steps[i - 1].type.slice(1)} ${steps[i - 1].type === 'finish' ? '' : steps[i - 1].path}`.trim());
  const entries = [...probe.entries.values()];
  for (const h of [...probe.hits, ...entries]) if (/^bs#\d+$/.test(h.label)) h.label = bsLabel(Number(h.label.slice(3)));

  // --- report
  const namer = new FrameNamer(BUNDLE + '.map', original);
  const deepest = (hs: Hit[]) => hs.reduce<Hit | null>((a, h) => (!a || h.depth > a.depth ? h : a), null);
  const paths = new Map<string, Hit[]>();
  for (const h of probe.hits) {
    const k = `${h.entry}\u0000${h.label}`;
    if (!paths.has(k)) paths.set(k, []);
    paths.get(k)!.push(h);
  }
  if (o.instrument) return reportEntries(probe.hits, entries, namer);
  const lines: string[] = [`deepest JS call chains (frames from the bundle's entry to the native called, inclusive; bound < ${MAX_FRAMES})`];
  for (const hs of paths.values()) {
    const d = deepest(hs)!;
    const send = deepest(hs.filter((h) => h.port === 'dgram.send'));
    const board = deepest(hs.filter((h) => /^(analogWrite|digitalWrite|E\.getTemperature|E\.reboot|Storage\.write)$/.test(h.port)));
    const parts = [`max ${d.depth} at ${d.port}`];
    if (send) parts.push(`send ${send.depth}`);
    if (board) parts.push(`${board.port} ${board.depth}`);
    lines.push(`  ${String(d.depth).padStart(2)}  [${d.entry}] ${d.label}: ${parts.join(', ')}`);
    // every native reached on this path, with its deepest chain's depth
    const ports = [...new Set(hs.map((h) => h.port))].map((p) => deepest(hs.filter((h) => h.port === p))!);
    lines.push(`        ${ports.map((h) => `${h.port} ${h.depth}`).join(', ')}`);
  }
  const others = new Set(probe.hits.flatMap((h) => h.frames.filter((f) => f.kind === 'other').map((f) => f.fn)));
  lines.push(`non-bundle frames between bundle frames (counted): ${others.size ? [...others].join(', ') : 'none'}`);
  const top = deepest(probe.hits)!;
  lines.push('', `deepest of all: ${top.depth} frames, [${top.entry}] ${top.label} → ${top.port}, innermost first:`);
  top.frames.forEach((f, i) => lines.push(`  ${String(top.depth - i).padStart(2)}  ${namer.name(f)}`));
  /** A chain's functions, without call lines: paths through the same functions group together. */
  const sig = (h: Hit) => h.frames.map((f) => namer.name(f).replace(/:\d+\)$/, ')')).join('\n');
  // every other chain at or above NEAR, each distinct chain once with the paths that reach it
  const chains = new Map<string, { hit: Hit; labels: string[] }>();
  for (const hs of paths.values()) {
    const h = deepest(hs)!;
    if (h.depth < NEAR) continue;
    const key = sig(h);
    const c = chains.get(key);
    if (c) c.labels.push(`[${h.entry}] ${h.label}`);
    else chains.set(key, { hit: h, labels: [`[${h.entry}] ${h.label}`] });
  }
  // and, nearer the bound, the deepest chain to each other native on each path (the object's
  // handler reaching the board, the scheduler, the clock)
  for (const hs of paths.values()) {
    for (const p of new Set(hs.map((h) => h.port))) {
      const h = deepest(hs.filter((x) => x.port === p))!;
      if (h.depth < NEAR + 2) continue;
      const key = sig(h);
      const c = chains.get(key);
      if (c) {
        if (!c.labels.includes(`[${h.entry}] ${h.label}`)) c.labels.push(`[${h.entry}] ${h.label}`);
      } else chains.set(key, { hit: h, labels: [`[${h.entry}] ${h.label}`] });
    }
  }
  for (const [key, c] of chains) {
    if (key === sig(top)) {
      lines.push('', `the same ${c.hit.depth}-frame chain (same functions, call lines may differ) is the deepest of: ${c.labels.join('; ')}`);
      continue;
    }
    lines.push('', `${c.hit.depth} frames (≥ ${NEAR}) → ${c.hit.port}, deepest of: ${c.labels.join('; ')}; innermost first:`);
    c.hit.frames.forEach((f, i) => lines.push(`  ${String(c.hit.depth - i).padStart(2)}  ${namer.name(f)}`));
  }
  console.log(lines.join('\n'));

  // --- every path the issue names was measured (no vacuous pass) …
  const seen = (label: RegExp, port: string, entry = 'udp') =>
    assert.ok(probe.hits.some((h) => h.entry === entry && label.test(h.label) && h.port === port), `no ${port} measured on [${entry}] ${label}`);
  seen(/HelloVerifyRequest \(bootstrap/, 'dgram.send');
  seen(/ServerHello … ServerHelloDone \(bootstrap/, 'crypto.SHA256');
  seen(/ServerHello … ServerHelloDone \(bootstrap/, 'dgram.send');
  seen(/ChangeCipherSpec, Finished \(bootstrap/, 'crypto.AES.encrypt');
  seen(/ChangeCipherSpec, Finished \(LwM2M/, 'crypto.AES.encrypt');
  seen(/^Bootstrap-Write \/0\//, 'dgram.send');
  seen(/^Bootstrap-Finish/, 'Storage.write');
  seen(/^Register → 2.01/, 'Date.now');
  for (const l of ['Read /3/0 (TLV)', 'Read /3/0 (SenML CBOR)', 'Read /3303/0/5700', 'Discover /3', 'Write-Attributes', 'Observe /3303', 'Block2', 'Execute /3/0/4']) {
    seen(new RegExp(l.replace(/[()/]/g, (c) => '\\' + c)), 'dgram.send');
  }
  seen(/^Write \/3338\/0\/5850/, 'analogWrite');
  seen(/^Execute \/3303\/0\/5605/, 'E.getTemperature');
  seen(/^timer: notification/, 'dgram.send', 'timer');
  seen(/^timer: notification/, 'E.getTemperature', 'timer');
  seen(/^timer: /, 'E.reboot', 'timer');
  // … and the Block2 read took several request/response exchanges
  assert.ok(probe.hits.filter((h) => h.label.includes('Block2') && h.port === 'dgram.send').length >= 3);

  return { hits: probe.hits, entries, top, namer };
}

const deepestOf = (hs: Hit[]) => hs.reduce<Hit | null>((a, h) => (!a || h.depth > a.depth ? h : a), null);

/** The instrumented run: per path, the deepest function entry against the deepest native call. */
function reportEntries(hits: Hit[], entries: Hit[], namer: FrameNamer): Measured {
  const lines = [
    'instrumented copy (every function calls a probe first): per path, the deepest function entered (frames from the',
    "bundle's entry to that function, inclusive) against the deepest native call of the same run (frames + the native)",
  ];
  for (const e of entries) {
    const n = deepestOf(hits.filter((h) => h.entry === e.entry && h.label === e.label));
    lines.push(`  ${String(e.depth).padStart(2)}  [${e.entry}] ${e.label}: function ${namer.name(e.frames[0])}; deepest native ${n ? `${n.depth} at ${n.port}` : 'none'}`);
  }
  const top = deepestOf(entries)!;
  lines.push('', `deepest function entered: ${top.depth} frames, [${top.entry}] ${top.label}, innermost first:`);
  top.frames.forEach((f, i) => lines.push(`  ${String(top.depth - i).padStart(2)}  ${namer.name(f)}`));
  console.log(lines.join('\n'));
  const all = deepestOf([...hits, ...entries])!;
  return { hits, entries, top: all, namer };
}

let measured: Promise<Measured[]> | null = null;
/** The bundle as it is (natives probed), then an instrumented copy (every function entry probed). */
const runs = async () => [await measure({ instrument: false, port: DEVICE_PORT }), await measure({ instrument: true, port: DEVICE_PORT + 1 })];
const once = async (): Promise<Measured> => {
  measured = measured || runs();
  const r = await measured;
  const top = deepestOf(r.map((m) => m.top))!;
  return { ...r.find((m) => m.top === top)!, top };
};

test('receive path depth: the board booted from the bundle answers every operation over DTLS-PSK, each path measured', { timeout: 120000 }, async () => {
  await once();
});

// Issue #7's bound. First measured at 94c804f: 26 frames on every request answered over DTLS
// and 28 in Execute /3/0/4 (the reboot kicked the scheduler inside the receive path). Since
// then the scheduler never polls inline from add(), the socket delivers straight into
// Client.receive, the lazy crypto wrapper steps aside after its first call, and the
// Bootstrap-Server's connection is closed from poll(): 24 at most (docs/depth.md).
test(`receive path depth: every chain stays below ${MAX_FRAMES} frames (issue #7)`, { timeout: 120000 }, async () => {
  const { top, namer } = await once();
  assert.ok(top.depth < MAX_FRAMES, `deepest chain ${top.depth} ≥ ${MAX_FRAMES}: [${top.entry}] ${top.label}\n${top.frames.map((f) => namer.name(f)).join('\n')}`);
});
