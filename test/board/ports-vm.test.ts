// The board's ports (firmware/espruino/) from the bundle, in the Node vm context stripped
// to Espruino 2v29 with emulated modules (sim/espruino-modules.ts): CI covers them
// without ESPRUINO_BIN. test/board/real-espruino-board.test.ts runs the same paths in
// Espruino's own interpreter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { join } from 'node:path';
import { loadFirmware } from '../../sim/espruino-vm';
import { emuDgram, emuStorage, emuWifi } from '../../sim/espruino-modules';
import { espruinoCryptoModule } from '../../sim/espruino-crypto';
import { createHash } from 'node:crypto';

const BUNDLE = join(import.meta.dirname, '../../dist/firmware.js');

function boot(extra: Record<string, unknown> = {}) {
  const lines: string[] = [];
  const calls: string[] = [];
  const storage = emuStorage();
  const udp = emuDgram();
  const wifi = emuWifi();
  const modules: Record<string, unknown> = { Storage: storage, dgram: udp, ...extra };
  const { api, ctx } = loadFirmware(BUNDLE, { modules, print: (l) => lines.push(l), temperature: () => 23.5 });
  const g = ctx.context as any;
  // Espruino has these globals; the stripped context (built for Node's absence) does not
  g.process = { memory: () => ({ usage: 1234, free: 15149, total: 16383, blocksize: 14 }), env: { VERSION: '2v29', BOARD: 'ESP32' } };
  g.analogWrite = (pin: unknown, v: number, o: { freq: number }) => calls.push(`analogWrite ${pin} ${v} ${o.freq}`);
  g.digitalWrite = (pin: unknown, v: number) => calls.push(`digitalWrite ${pin} ${v}`);
  g.reset = () => calls.push('reset');
  g.D25 = 25;
  g.E.reboot = () => calls.push('E.reboot');
  const esp = api.espruino;
  const n = new esp.EspruinoNatives(ctx.run('this'));
  return { api, ctx, esp, n, lines, calls, storage, udp, wifi };
}

/** Fake timers recording every call: deterministic, no real time passes. */
function fakeTimers() {
  let id = 0;
  const live = new Map<number, () => void>();
  const log: string[] = [];
  return {
    log,
    live,
    setTimeout(fn: () => void, ms: number) {
      // Espruino reuses ids: hand out the lowest free one
      id = 1;
      while (live.has(id)) id++;
      live.set(id, fn);
      log.push(`set ${id} ${ms}`);
      return id;
    },
    clearTimeout(h: unknown) {
      if (h === undefined || h === null) throw new Error('clearTimeout(' + h + ') throws on Espruino');
      log.push(`clear ${h}`);
      live.delete(h as number);
    },
    fire(h: number) {
      const fn = live.get(h)!;
      live.delete(h);
      fn();
    },
  };
}

test('scheduler: one timer armed for the earliest deadline among engines', () => {
  const { esp, ctx } = boot();
  const t = fakeTimers();
  let now = 1000;
  const s = new esp.Scheduler({ now: () => now }, t);
  const a = { d: 1500, poll: (x: number) => a.d };
  const b = { d: 1200, poll: (x: number) => b.d };
  s.add(a);
  s.add(b);
  // add() never polls inline: it arms the timer for now (the receive path's depth)
  assert.deepEqual(t.log, ['set 1 0']);
  s.kick();
  assert.deepEqual(t.log, ['set 1 0', 'clear 1', 'set 1 200']);
  // same earliest deadline again: the armed timer stays
  s.kick();
  assert.deepEqual(t.log.length, 3);
  ctx.stop();
});

test('scheduler: a fired handle is forgotten, so a reused id is never cleared', () => {
  const { esp, ctx } = boot();
  const t = fakeTimers();
  let now = 0;
  const s = new esp.Scheduler({ now: () => now }, t);
  const e = { d: 10, poll: () => e.d };
  s.add(e);
  assert.deepEqual(t.log, ['set 1 0']);
  t.fire(1);
  assert.deepEqual(t.log, ['set 1 0', 'set 1 10']);
  now = 10;
  e.d = -1; // done: nothing more due
  t.fire(1);
  assert.equal(s.handle, null);
  // someone else's timer now gets id 1; a kick with nothing due must not clear it
  const other = t.setTimeout(() => {}, 50);
  assert.equal(other, 1);
  s.kick();
  s.stop();
  assert.ok(!t.log.includes('clear 1'), t.log.join(', '));
  assert.ok(t.live.has(1));
  ctx.stop();
});

test('scheduler: an engine that throws is reported and the others still run', () => {
  const { esp, ctx } = boot();
  const t = fakeTimers();
  const errors: string[] = [];
  const s = new esp.Scheduler({ now: () => 0 }, t, (line: string) => errors.push(line));
  s.add({ poll: () => { throw new Error('boom'); } });
  s.add({ poll: () => 40 });
  assert.deepEqual(errors, []);
  s.kick();
  assert.deepEqual(errors, ['engine error Error: boom'], 'one line naming the exception');
  assert.equal(s.armedFor, 40);
  ctx.stop();
});

test('scheduler: kick() from inside a poll re-polls once the round ends, not recursively', () => {
  const { esp, ctx } = boot();
  const t = fakeTimers();
  const s = new esp.Scheduler({ now: () => 0 }, t);
  let polls = 0;
  let depth = 0;
  let maxDepth = 0;
  const e = {
    poll: () => {
      depth++;
      maxDepth = Math.max(maxDepth, depth);
      polls++;
      if (polls === 1) s.kick();
      depth--;
      return -1;
    },
  };
  s.add(e);
  assert.equal(polls, 0, 'add() does not poll inline');
  s.kick();
  assert.equal(polls, 2);
  assert.equal(maxDepth, 1);
  assert.equal(s.handle, null);
  ctx.stop();
});

test('scheduler: a turn a round asked for at once runs an engine\'s step alone (work()); another engine\'s deadline, a value changed (add()) or no step left bring the whole round back', () => {
  const { esp, ctx } = boot();
  const t = fakeTimers();
  let now = 0;
  const s = new esp.Scheduler({ now: () => now }, t);
  const log: string[] = [];
  let left = 3;
  const w = { poll: (x: number) => (log.push('poll w'), left ? x : -1), work: () => (log.push('work'), left ? (left--, true) : false) };
  const o = { d: 50, poll: () => (log.push('poll o'), o.d) };
  s.add(w);
  s.add(o);
  const turn = () => {
    log.length = 0;
    t.fire(1);
    return log.join(', ');
  };
  assert.equal(turn(), 'poll w, poll o', 'the first turn polls both');
  assert.equal(turn(), 'work', 'w asked for now: its step alone');
  assert.equal(turn(), 'work');
  now = 50;
  o.d = 100;
  assert.equal(turn(), 'poll w, poll o', "o's deadline has come: the whole round");
  s.add();
  assert.equal(turn(), 'poll w, poll o', 'a value changed: the whole round');
  assert.equal(turn(), 'work', 'the last step');
  assert.equal(turn(), 'work, poll w, poll o', 'no step left: the round in the same turn');
  assert.equal(s.armedFor, 100);
  ctx.stop();
});

test('scheduler: with the real (stripped) timers, stop() never clears undefined', async () => {
  const { esp, n, ctx } = boot();
  const s = new esp.Scheduler({ now: () => Date.now() }, { setTimeout: n.setTimeout, clearTimeout: n.clearTimeout });
  let fired = 0;
  const e = { due: Date.now(), poll: (now: number) => (fired++ === 0 ? now : -1) };
  s.add(e); // armed with 0 ms; the first poll asks for now → armed with 0 ms again
  while (fired < 2) await new Promise((r) => setTimeout(r, 2));
  assert.equal(s.handle, null);
  s.stop(); // stripped clearTimeout throws on undefined: must not be called
  s.stop();
  assert.equal(s.fired, 2);
  ctx.stop();
});

test('udp: 1500-byte binary datagrams round-trip between the port and a Node socket', async () => {
  const { esp, n, ctx, udp } = boot();
  const node = dgram.createSocket('udp4');
  await new Promise<void>((r) => node.bind(0, '127.0.0.1', () => r()));
  node.on('message', (m, r) => node.send(Buffer.from(m).reverse(), r.port, r.address));
  const got: Uint8Array[] = [];
  const done = new Promise<void>((resolve) => {
    const port = new esp.EspruinoUdp(n, { port: 0 }, (d: Uint8Array, peer: { address: string; port: number }) => {
      got.push(d);
      assert.equal(peer.address, '127.0.0.1');
      resolve();
    }, undefined, () => {
      const data = new Uint8Array(1500);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 255; // every byte value, 0x00 and 0xff included
      port.send(data, { address: '127.0.0.1', port: node.address().port });
    });
  });
  await done;
  const want = new Uint8Array(1500);
  for (let i = 0; i < 1500; i++) want[1499 - i] = (i * 7) & 255;
  assert.equal(got[0].length, 1500, 'recvBufferSize raised above 528');
  assert.deepEqual(Array.from(got[0]), Array.from(want));
  udp.sockets.forEach((s) => s.close());
  node.close();
  ctx.stop();
});

test('udp: an exception in the receive path is caught at the port and counted', async () => {
  const { esp, n, ctx, udp } = boot();
  const node = dgram.createSocket('udp4');
  await new Promise<void>((r) => node.bind(0, '127.0.0.1', () => r()));
  const errors: string[] = [];
  let port: any;
  await new Promise<void>((bound) => {
    port = new esp.EspruinoUdp(n, { port: 0 }, () => { throw new Error('layer above failed'); }, (e: Error) => errors.push(e.message), bound);
  });
  node.send(Buffer.from([1, 2, 3]), udp.sockets[0].boundPort, '127.0.0.1');
  while (errors.length === 0) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(errors, ['layer above failed']);
  assert.equal(port.dropped, 1);
  port.close();
  port.send(new Uint8Array(1), { address: '127.0.0.1', port: 9 }); // closed: ignored
  node.close();
  ctx.stop();
});

test('storage port: every byte value round-trips; names over 28 characters are refused', () => {
  const { esp, n, ctx, storage } = boot();
  const st = new esp.EspruinoStorage(n);
  const all = new Uint8Array(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  st.write('b1', all);
  assert.deepEqual(Array.from(st.read('b1')), Array.from(all));
  assert.equal(st.read('missing'), null);
  const n28 = 'x'.repeat(28);
  st.write(n28, new Uint8Array([1]));
  assert.throws(() => st.write('x'.repeat(29), new Uint8Array([1])), /1-28/);
  assert.throws(() => st.read(''), /1-28/);
  // zero-length write: Espruino throws, the port erases instead
  st.write('b1', new Uint8Array(0));
  assert.equal(st.read('b1'), null);
  st.write('lw.b', new Uint8Array([1]));
  st.write('lw.a', new Uint8Array([1]));
  st.write('other', new Uint8Array([1]));
  assert.deepEqual(Array.from(st.list('lw.')), ['lw.a', 'lw.b']);
  assert.ok(storage.files[n28]);
  ctx.stop();
});

test('clock floors Date.now(); rng fills every byte from E.hwRand() mixed with the clock in µs (the same hwRand sequence after a reboot gives other bytes)', () => {
  const { esp, n, ctx } = boot();
  const c = n; // the natives are the clock and the RNG
  assert.equal(c.now() % 1, 0);
  const fill = (ms: number) => {
    let k = 0;
    n.E.hwRand = () => [0x04030201, 0x08070605 | 0, 0xfffefdfc | 0][k++];
    ctx.run(`Date.now = function () { return ${ms}; }`);
    const out = new Uint8Array(10);
    n.fill(out);
    assert.equal(k, 3, 'one hwRand() per 4 bytes');
    return Array.from(out);
  };
  const bytes = (words: number[], us: number) => words.flatMap((w) => [0, 1, 2, 3].map((i) => (((w ^ us) >>> (8 * i)) & 255))).slice(0, 10);
  const words = [0x04030201, 0x08070605, 0xfffefdfc];
  assert.deepEqual(fill(1000.5), bytes(words, 1000500));
  assert.deepEqual(fill(0), [1, 2, 3, 4, 5, 6, 7, 8, 0xfc, 0xfd], 'at clock 0: hwRand alone');
  assert.notDeepEqual(fill(2000), fill(2001), 'a reboot a millisecond later: other bytes from the same hwRand sequence');
  ctx.stop();
});

test('board: the sensor reads E.getTemperature(), the buzzer is a PWM tone on the configured pin and off, reboot with fallback, memory in KB, the WLAN address', () => {
  const { esp, n, ctx, calls } = boot();
  const clock = { now: () => 5 };
  const b = new esp.EspruinoBoard(n, { clock, buzzerPin: 'D25', buzzerHz: 2500, network: () => ({ connected: true, ip: '192.0.2.9', ssid: 'lab', rssi: -61 }) });
  assert.equal(b.clock, clock);
  assert.equal(b.sensor('temperature'), 23.5);
  assert.ok(Number.isNaN(b.sensor('humidity')));
  b.output('buzzer', true, 100);
  b.output('buzzer', true, 50);
  b.output('led', true, 100); // not an output of this board: no call
  b.output('buzzer', false, 100);
  b.reboot();
  b.factoryReset(); // without a client: a reboot
  delete n.E.reboot;
  b.reboot();
  assert.deepEqual(calls, ['analogWrite 25 0.5 2500', 'analogWrite 25 0.25 2500', 'digitalWrite 25 0', 'E.reboot', 'E.reboot', 'reset']);
  assert.equal(b.memFree(), Math.floor((15149 * 14) / 1024));
  assert.equal(b.memTotal(), Math.floor((16383 * 14) / 1024));
  assert.deepEqual(JSON.parse(JSON.stringify(b.net())), { bearer: 21, available: [21], rssi: -61, ips: ['192.0.2.9'] });
  assert.equal(b.info.firmware, '2v29');
  // no pin configured: silent, no call; no Wi-Fi link: no address
  const bare = new esp.EspruinoBoard(n, { clock });
  bare.output('buzzer', true, 100);
  assert.equal(calls.length, 6);
  assert.deepEqual(JSON.parse(JSON.stringify(bare.net())), { bearer: 21, available: [21], rssi: 0, ips: [] });
  ctx.stop();
});

test('wifi: joins, backs off 1 s then 2 s on failures, rejoins on loss, reports address changes', () => {
  const { esp, ctx, wifi } = boot();
  let now = 0;
  let kicks = 0;
  const addrs: string[] = [];
  wifi.connectResult = 'auth fail';
  const link = new esp.WifiLink(wifi, 'lab', 'secret123', () => now, () => kicks++, (ip: string, prev: string) => addrs.push(`${prev}->${ip}`));
  assert.equal(link.poll(0), 1000); // joined, failed: retry in 1 s
  assert.equal(link.poll(500), 1000);
  now = 1000;
  assert.equal(link.poll(1000), 3000); // second failure: 2 s
  wifi.connectResult = null;
  now = 3000;
  assert.equal(link.poll(3000), -1);
  assert.deepEqual(addrs, ['->192.0.2.10']);
  assert.equal(link.info().connected, true);
  wifi.emit('disconnected');
  assert.equal(link.info().connected, false);
  assert.equal(link.info().ip, '');
  assert.equal(link.poll(now), now + 1000); // backoff reset after the successful join
  wifi.ip = '192.0.2.77';
  now += 1000;
  assert.equal(link.poll(now), -1);
  assert.deepEqual(addrs, ['->192.0.2.10', '192.0.2.10->192.0.2.77']);
  assert.deepEqual(wifi.connects, ['lab/secret123', 'lab/secret123', 'lab/secret123', 'lab/secret123']);
  assert.ok(kicks >= 3);
  ctx.stop();
});

test('start: reads lwm2m.cfg, builds the ports, starts the client once Wi-Fi has an address', async () => {
  const w = emuWifi();
  const { esp, ctx, lines, storage } = boot({ Wifi: w });
  storage.files['lwm2m.cfg'] = JSON.stringify({ v: 1, endpoint: 'ep-7', bootstrap: 'coaps://192.0.2.1:5684', mode: 'psk', pskId: 'id', pskKey: '0011', wifi: { ssid: 'lab', password: 'pw123456' }, buzzerPin: 'D25', port: 34205 });
  const started: any[] = [];
  const dev = esp.start(ctx.run('this'), { client: (d: any) => started.push(d) });
  assert.ok(dev);
  // the Wi-Fi link is first polled from the scheduler's timer (never inline)
  for (let i = 0; i < 100 && !started.length; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(started.length, 1);
  assert.equal(started[0], dev);
  assert.equal(dev.cfg.endpoint, 'ep-7');
  assert.equal(esp.device(), dev);
  assert.deepEqual([...dev.board.net().ips], ['192.0.2.10']);
  assert.match(lines[0], /^lwm2m: booted ep-7 mem 1234\/16383$/);
  dev.scheduler.stop();
  ctx.stop();
});

test('start: the client\'s crypto backend, loaded on first use, hashes SHA-512 natively (Ed25519 signs and verifies whole transcripts: in JavaScript each block was ~160 M x86 instructions in one step)', async () => {
  const { esp, ctx, storage, udp } = boot({ crypto: espruinoCryptoModule().mod });
  storage.files['lwm2m.cfg'] = JSON.stringify({ v: 1, endpoint: 'ep', bootstrap: 'coap://192.0.2.1', mode: 'nosec' });
  const dev = esp.start(ctx.run('this'));
  assert.ok(dev && dev.cl, 'the client started');
  const c = dev.cl.ports.crypto;
  assert.equal(typeof c.sha512, 'function');
  const m = new Uint8Array(300).map((_, i) => i * 7);
  const want = createHash('sha512').update(m).digest('hex');
  // the first call loads require('crypto') and takes its SHA512; the second is the native one itself
  assert.equal(Buffer.from(c.sha512(m)).toString('hex'), want);
  assert.equal(Buffer.from(c.sha512(m)).toString('hex'), want);
  dev.scheduler.stop();
  udp.sockets.forEach((s: { close(): void }) => s.close());
  ctx.stop();
});

test('start: the client\'s UDP port is drawn from the dynamic range (49152-65535) by E.hwRand() at each boot unless lwm2m.cfg fixes it', async () => {
  const bound = async (cfg: Record<string, unknown>, rand: number) => {
    const { esp, ctx, storage, udp } = boot();
    storage.files['lwm2m.cfg'] = JSON.stringify({ v: 1, endpoint: 'ep', bootstrap: 'coap://192.0.2.1', mode: 'nosec', ...cfg });
    const g = ctx.run('this') as any;
    g.E.hwRand = () => rand;
    let port = -1;
    let done: () => void;
    const ready = new Promise<void>((r) => (done = r));
    esp.start(g, { client: (d: any) => (port = d.openUdp(() => {}, undefined, () => done()).port) });
    await ready;
    const real = udp.sockets[0].boundPort;
    udp.sockets[0].close();
    ctx.stop();
    return [port, real];
  };
  assert.deepEqual(await bound({}, 0x1234567), [49152 + 0x0567, 49152 + 0x0567]);
  assert.deepEqual(await bound({}, -1), [65535, 65535]);
  assert.deepEqual(await bound({}, 0), [49152, 49152]);
  // fixed by the configuration (provision --port): the RNG is not asked
  assert.deepEqual(await bound({ port: 34206 }, 0x1234567), [34206, 34206]);
});

test('start: values changed while a datagram runs neither read the clock nor arm a timer: the kick after it polls every engine (a Bootstrap-Write changes ~10)', async () => {
  const { esp, ctx, storage, udp } = boot();
  storage.files['lwm2m.cfg'] = JSON.stringify({ v: 1, endpoint: 'ep', bootstrap: 'coap://192.0.2.1', mode: 'nosec' });
  const g = ctx.run('this') as any;
  // a port of its own (the other tests' draws are fixed)
  g.E.hwRand = () => Math.floor(Math.random() * 2 ** 31);
  let dev: any;
  let polls = 0;
  type Stats = { armed: number; cleared: number; polls: number };
  const seen: { before?: Stats; after?: Stats } = {};
  let done: () => void;
  const handled = new Promise<void>((r) => (done = r));
  let bound: () => void;
  const ready = new Promise<void>((r) => (bound = r));
  esp.start(g, {
    client: (d: any) => {
      dev = d;
      d.scheduler.add({ poll: () => (polls++, -1) });
      d.openUdp(() => {
        seen.before = { armed: d.scheduler.armed, cleared: d.scheduler.cleared, polls };
        // what Registry.changed does for each value written (reg.wake = the scheduler)
        for (let i = 0; i < 10; i++) d.scheduler.add();
        setTimeout(() => ((seen.after = { armed: d.scheduler.armed, cleared: d.scheduler.cleared, polls }), done()), 0);
      }, undefined, () => bound());
    },
  });
  await ready;
  // the engine's first poll (from the timer add() armed) done: nothing armed any more
  while (dev.scheduler.handle !== null) await new Promise((r) => setTimeout(r, 5));
  const node = dgram.createSocket('udp4');
  node.send(Buffer.from([0x40, 1, 0, 1]), udp.sockets[0].boundPort, '127.0.0.1');
  await handled;
  node.close();
  const { before, after } = seen as Required<typeof seen>;
  assert.equal(after.polls, before.polls + 1, 'the kick after the datagram polled the engine');
  assert.equal(after.armed, before.armed, 'no timer armed for the changes');
  assert.equal(after.cleared, before.cleared);
  assert.equal(dev.scheduler.busy, false);
  dev.scheduler.stop();
  udp.sockets.forEach((s) => s.close());
  ctx.stop();
});

test('start: the client reads the configuration once (the device drops it, the client keeps its own part); Factory Reset forgets its accounts; the firmware port is the board\'s', () => {
  const { esp, ctx, storage, udp } = boot();
  storage.files['lwm2m.cfg'] = JSON.stringify({ v: 1, endpoint: 'ep-9', bootstrap: 'coap://192.0.2.1', mode: 'nosec', vendorPub: '11'.repeat(32) });
  const dev = esp.start(ctx.run('this'));
  assert.ok(dev && dev.cl, 'the client started');
  // held parsed once only: the device's copy goes once the client has read it
  assert.equal(dev.cfg, undefined);
  assert.equal(dev.cl.cfg.endpoint, 'ep-9');
  assert.equal(dev.board.vendorPub, '11'.repeat(32));
  assert.equal(typeof dev.board.fwPort, 'function');
  storage.files['lwm2m.acc.a'] = '{}';
  storage.files['lwm2m.ses1'] = 'x';
  dev.board.factoryReset();
  assert.equal(storage.files['lwm2m.acc.a'], undefined);
  assert.equal(storage.files['lwm2m.ses1'], undefined);
  dev.scheduler.stop();
  udp.sockets.forEach((s: { close(): void }) => s.close());
  ctx.stop();
});

test('start: board.reboot() waits REBOOT_GRACE_MS on the scheduler, so the Execute answer leaves first', () => {
  const { esp, ctx, storage, calls } = boot();
  storage.files['lwm2m.cfg'] = JSON.stringify({ v: 1, endpoint: 'ep', bootstrap: 'coap://192.0.2.1', mode: 'nosec' });
  const t = fakeTimers();
  let now = 1000;
  const g = ctx.run('this') as any;
  g.setTimeout = t.setTimeout;
  g.clearTimeout = t.clearTimeout;
  g.Date = { now: () => now + 0.5 };
  // no client: this test watches the scheduler hold the reboot back, alone
  const dev = esp.start(g, { client: () => {} });
  dev.board.reboot();
  assert.deepEqual(calls, []);
  // the one-shot engine is first polled from the timer at once, then waits its grace
  assert.deepEqual(t.log, ['set 1 0']);
  t.fire(1);
  assert.deepEqual(calls, []);
  assert.deepEqual(t.log, ['set 1 0', `set 1 ${esp.REBOOT_GRACE_MS}`]);
  now += esp.REBOOT_GRACE_MS;
  t.fire(1);
  assert.deepEqual(calls, ['E.reboot']);
  assert.equal(dev.scheduler.engines.length, 0);
  assert.equal(dev.scheduler.handle, null);
  ctx.stop();
});

const K32 = '11'.repeat(32);

test('start: a missing or bad configuration prints one line and starts nothing', () => {
  const cases: [string | undefined, RegExp][] = [
    [undefined, /no lwm2m.cfg in Storage/],
    ['{', /not JSON/],
    [JSON.stringify({ v: 1, endpoint: 'e', bootstrap: 'http://x', mode: 'nosec' }), /bootstrap must be/],
    [JSON.stringify({ v: 1, endpoint: 'e', bootstrap: 'coaps://x', mode: 'psk', pskId: 'i', pskKey: 'zz' }), /psk needs/],
    [JSON.stringify({ v: 2 }), /unknown version/],
    // RPK: each key present, hex, and of a key's length (raw 32 bytes to 160 bytes DER; the key type is the client's to check)
    [JSON.stringify({ v: 1, endpoint: 'e', bootstrap: 'coaps://x', mode: 'rpk', rpkPub: K32, rpkServerPub: K32 }), /rpk needs rpkPriv \(hex\)/],
    [JSON.stringify({ v: 1, endpoint: 'e', bootstrap: 'coaps://x', mode: 'rpk', rpkPriv: K32, rpkServerPub: K32 }), /rpk needs rpkPub \(hex\)/],
    [JSON.stringify({ v: 1, endpoint: 'e', bootstrap: 'coaps://x', mode: 'rpk', rpkPriv: K32.slice(2), rpkPub: K32, rpkServerPub: K32 }), /rpkPriv is 31 bytes; a key is 32 \(raw\) to 160 bytes \(DER\)/],
    [JSON.stringify({ v: 1, endpoint: 'e', bootstrap: 'coaps://x', mode: 'rpk', rpkPriv: K32, rpkPub: K32.repeat(5) + '00', rpkServerPub: K32 }), /rpkPub is 161 bytes; a key is 32 \(raw\) to 160 bytes \(DER\)/],
    [JSON.stringify({ v: 1, endpoint: 'e', bootstrap: 'coaps://x', mode: 'rpk', rpkPriv: K32, rpkPub: K32, rpkServerPub: K32.slice(2) }), /rpkServerPub is 31 bytes; a key is 32 \(raw\) to 160 bytes \(DER\)/],
    [JSON.stringify({ v: 1, endpoint: 'e', bootstrap: 'coap://x', mode: 'rpk', rpkPriv: K32, rpkPub: K32, rpkServerPub: K32 }), /rpk needs a coaps:\/\/ bootstrap URI/],
    // the mode and the scheme agree: NoSec on coaps:// would offer an empty PSK, PSK on coap:// would not use its key
    [JSON.stringify({ v: 1, endpoint: 'e', bootstrap: 'coaps://x', mode: 'nosec' }), /nosec needs a coap:\/\/ bootstrap URI/],
    [JSON.stringify({ v: 1, endpoint: 'e', bootstrap: 'coap://x', mode: 'psk', pskId: 'i', pskKey: '0011' }), /psk needs a coaps:\/\/ bootstrap URI/],
  ];
  for (const [cfg, re] of cases) {
    const { esp, ctx, lines, storage } = boot();
    if (cfg !== undefined) storage.files['lwm2m.cfg'] = cfg;
    assert.equal(esp.start(ctx.run('this'), { client: () => assert.fail('client started') }), null);
    assert.equal(lines.length, 1);
    assert.match(lines[0], re);
    ctx.stop();
  }
});
