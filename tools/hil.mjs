#!/usr/bin/env node
// Hardware-in-the-loop runner, target side.
//   npm run hil -- --port /dev/ttyUSB0|tcp://HOST[:23] [--host-ip A.B.C.D] [--wifi-ssid S --wifi-password P]
//   npm run hil                       (Espruino's Linux build is the target: ESPRUINO_BIN, else the
//                                     cached `npm run espruino:build`, tools/espruino/bin.mjs; docs/hil.md)
//   either with [--security nosec|psk|rpk|all or a list like nosec,psk] (default all)
//   [--notifications N] (default 1000) [--bundle dist/firmware.js] [--curve p256|ed25519] [--rpk-bundle FILE]
//   [--fota p256|ed25519] (after the steps, FOTA_STEPS: an update pushed, checked, applied with its reboot and
//   confirmation, and a crash-looping one rolled back; packages signed by a vendor key of that type)
//   (RPK: --curve picks the key type, default P-256, and its build: dist/firmware-rpk.js, or
//   dist/firmware-rpk-ed25519.js for ed25519; --rpk-bundle replaces that build)
// It starts the target (with ESPRUINO_BIN and no --port: `espruino --telnet` in a temporary
// directory, reached at tcp://127.0.0.1:2323, inside a private network namespace so port
// 2323 never collides), provisions and uploads through the same espruino-CLI path as
// `npm run flash`, boots it, captures its console, runs the steps in order and prints the
// target's own process.memory() before and after and each step's time as the target saw
// it. A failing step is named, with the target's console output; exit status 1.
// Steps are a list (STEPS below), run once per security mode (--security nosec|psk|rpk|all,
// default all: NoSec, then DTLS-PSK on the same target, re-provisioned and rebooted with
// load(), then DTLS-RPK with the RPK build uploaded in place of the PSK build: each mode
// is measured on the bundle a device of that mode is flashed with).
// RPK: the runner makes the device's key pair and the servers' (P-256, or Ed25519 with
// --curve ed25519), enrols the device's QR label (SHA-256 of its SPKI) with the bootstrap
// server as an installer would, and tells the LwM2M server the device's key. The target
// computes ECDH and signatures for seconds per handshake: both servers retransmit after 9 s
// and allow 15 minutes a handshake, and the steps that wait for a handshake wait RPK_SLOW times longer. Before they run, the runner starts the simulator's bootstrap server and LwM2M
// server for that mode (NoSec: BOOTSTRAP_PORT, LWM2M_PORT; PSK: BOOTSTRAP_DTLS_PORT,
// LWM2M_DTLS_PORT) in this process (through tsx's loader), so they share the runner's
// network namespace with the target; LWM2M_STEPS asserts the seed scenario against them
// from the server side. The summary gives, per mode, boot → registered on the target's
// own clock, process.memory() while registered with one observation, and the memory
// samples across the notification run.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { randomBytes, generateKeyPairSync } from 'node:crypto';
import { espruinoBin } from './espruino/bin.mjs';
import { buildConfig, checkTarget, uploadToStorage, rpkGenerate, rpkLabel, RPK_CURVES, ROOT, BUNDLE_FILE, BOOT_FILE, CONFIG_FILE, VERIFIERS } from './board-lib.mjs';
import { buildIfStale, bundleName } from './build-first.mjs';
import { buildPackage, vendorPublic } from './package-lib.mjs';
import { pretokenise } from './pretokenise.mjs';

const SELF = fileURLToPath(import.meta.url);
const USAGE = `usage: npm run hil -- --port /dev/ttyUSB0|tcp://HOST[:23] [--host-ip A.B.C.D] [--wifi-ssid S --wifi-password P]
       ESPRUINO_BIN=/path/to/espruino npm run hil     (Espruino's Linux build is the target)
  [--security nosec|psk|rpk|all|LIST] [--notifications N] [--bundle FILE] [--curve p256|ed25519] [--rpk-bundle FILE]
  [--fota p256|ed25519] (firmware update steps, packages signed with a vendor key of that type)
  [--no-build] [--keep] [--no-netns]   (docs/hil.md); the bundles are built first when stale`;
// fixed ports in this project's HIL range: the device's own UDP port, the bootstrap server
export const DEVICE_UDP_PORT = 34301;
export const BOOTSTRAP_PORT = 34300;
export const LWM2M_PORT = 34302;
// the echo step's own port on the device: the LwM2M client already holds DEVICE_UDP_PORT
export const ECHO_UDP_PORT = 34303;
// DTLS-PSK listeners of the bootstrap server and the LwM2M server (the PSK pass)
export const BOOTSTRAP_DTLS_PORT = 34400;
export const LWM2M_DTLS_PORT = 34402;
/** The security modes the device is built with, in the order `--security all` runs them. */
export const MODES = ['nosec', 'psk', 'rpk'];
/** The memory goals: registered + one observation, share of all variables, per build (issue #7's 20 %; issue #16's 25 % for RPK, P-256). */
export const MEMORY_GOAL = { nosec: 0.2, psk: 0.2, rpk: 0.25 };
/** Issue 18: a package's transfer peaks at most this share of the variables (PSK build). */
export const FOTA_PEAK_GOAL = 0.25;
/** The RPK pass's enrolment window: a loaded host's Espruino spends minutes per handshake (the sim's default is 10 min). */
export const RPK_ENROL_MS = 60 * 60 * 1000;
/** Waits for a handshake's outcome are this many times longer in RPK mode (public-key operations take seconds on the target). */
export const RPK_SLOW = 15;
/** The servers' DTLS timers in RPK mode: first retransmission (RFC 7925 §11: 9 s on slow links) and handshake deadline. */
export const RPK_DTLS = { dtlsRetransmit: 9000, dtlsTimeout: 900000 };
/** Notifications the flat-memory step drives by default (issue #7). */
export const NOTIFICATIONS = 1000;
/** Notifications before the first memory sample: fill the bounded stores (the CoAP deduplication records, 32). */
export const HIL_WARMUP = 40;
/**
 * Allowed growth (variables) between the first and the last memory sample of the
 * notification run. A leak of one variable per notification would add 1,000; 20 is
 * a little more than one small record (a dedup entry or an exchange with its options),
 * i.e. what may legitimately be alive at one sample and not at another.
 */
export const FLAT_TOLERANCE = 20;

export function parseHilArgs(argv, env = process.env) {
  const o = {
    port: '', hostIp: '', bundle: join(ROOT, 'dist', 'firmware.js'), rpkBundle: '', curve: 'p256', netns: true, inNetns: false, wifi: [], bin: espruinoBin(env), keep: false,
    modes: MODES.slice(), notifications: NOTIFICATIONS, build: true, help: false, fota: '',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const need = () => {
      const v = argv[++i];
      if (!v) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--port' || a === '-p') o.port = need();
    else if (a === '--host-ip') o.hostIp = need();
    else if (a === '--bundle') o.bundle = need();
    else if (a === '--rpk-bundle') o.rpkBundle = need();
    else if (a === '--curve') {
      o.curve = need();
      if (!RPK_CURVES.includes(o.curve)) throw new Error(`--curve '${o.curve}' must be p256 or ed25519`);
    }
    else if (a === '--wifi-ssid' || a === '--wifi-password') o.wifi.push(a, need());
    else if (a === '--no-netns') o.netns = false;
    else if (a === '--in-netns') o.inNetns = true;
    else if (a === '--keep') o.keep = true;
    else if (a === '--no-build') o.build = false;
    else if (a === '--fota') {
      o.fota = need();
      if (o.fota !== 'p256' && o.fota !== 'ed25519') throw new Error(`--fota '${o.fota}' must be p256 or ed25519 (the vendor key type)`);
    }
    else if (a === '--help' || a === '-h') o.help = true;
    else if (a === '--security') {
      const v = need();
      const list = v === 'all' ? MODES.slice() : v.split(',');
      for (const m of list) if (!MODES.includes(m)) throw new Error(`--security '${v}' must be nosec, psk, rpk, all or a list like nosec,rpk`);
      // always in MODES' order, each once
      o.modes = MODES.filter((m) => list.includes(m));
    } else if (a === '--notifications') {
      const v = need();
      if (!/^\d+$/.test(v) || +v < 10 || +v > 100000) throw new Error(`--notifications '${v}' must be 10-100000`);
      o.notifications = +v;
    } else throw new Error(`unknown option '${a}'`);
  }
  // the build for the key type: one key type per RPK build
  if (!o.rpkBundle) o.rpkBundle = join(ROOT, 'dist', o.curve === 'ed25519' ? 'firmware-rpk-ed25519.js' : 'firmware-rpk.js');
  if (o.help) return o;
  if (o.port) checkTarget(o.port);
  else if (!o.bin) throw new Error('--port is required (/dev/ttyUSB0 or tcp://HOST[:23]), or set ESPRUINO_BIN (or run `npm run espruino:build`) to run Espruino\'s Linux build');
  if (!o.port && !existsSync(o.bin)) throw new Error(`ESPRUINO_BIN '${o.bin}' not found`);
  // a bundle the build makes is built (when stale) after these checks: main()
  const missing = (b) => !existsSync(b) && !(o.build && bundleName(b));
  if (o.modes.some((m) => m !== 'rpk') && missing(o.bundle)) throw new Error(`bundle '${o.bundle}' not found: run \`npm run build\` first`);
  if (o.modes.includes('rpk') && missing(o.rpkBundle)) throw new Error(`RPK bundle '${o.rpkBundle}' not found: run \`npm run build\` first`);
  return o;
}

/** The host address a board on the LAN reaches us at: the first non-internal IPv4. */
function lanAddress() {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list || []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

// ---- the target's console ----------------------------------------------------------

/** A line console over TCP (Espruino's telnet console) or a serial port. */
export async function openConsole(port) {
  let out = '';
  const waiters = new Set();
  const feed = (d) => {
    out += Buffer.from(d).toString('latin1').replace(/\r/g, '');
    for (const w of [...waiters]) w();
  };
  let write;
  let close;
  if (port.startsWith('tcp://')) {
    const [host, p] = port.slice(6).split(':');
    const connect = () => new Promise((resolve, reject) => {
      const s = net.connect({ host, port: +(p || 23) }, () => resolve(s));
      s.once('error', reject);
    });
    let sock = await connect();
    let closed = false;
    // A reboot drops the telnet console (ESP32: until Wi-Fi is back; Linux: until the
    // runner restarts the process): reconnect for up to 60 s, keeping the output so far.
    const attach = (s) => {
      s.on('data', feed);
      s.on('error', () => {});
      s.on('close', async () => {
        if (closed) return;
        const until = Date.now() + 60000;
        while (!closed && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 200));
          try {
            sock = await connect();
            attach(sock);
            out += '[console reconnected]\n';
            return;
          } catch {}
        }
      });
    };
    attach(sock);
    write = (s) => sock.write(Buffer.from(s, 'latin1'));
    close = () => {
      closed = true;
      sock.destroy();
    };
  } else {
    const { SerialPort } = await import('serialport');
    const sp = await new Promise((resolve, reject) => {
      const s = new SerialPort({ path: port, baudRate: 115200 }, (err) => (err ? reject(err) : resolve(s)));
    });
    sp.on('data', feed);
    write = (s) => sp.write(Buffer.from(s, 'latin1'));
    close = () => sp.close();
  }
  return {
    output: () => out,
    /** Runs one line of JS on the target; \x10 keeps the REPL from echoing it. */
    send: (js) => write('\x10' + js.replace(/\n/g, ' ') + '\n'),
    waitFor(re, timeoutMs = 20000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const complete = out.slice(from, out.lastIndexOf('\n') + 1);
          const m = complete.match(re);
          if (m) {
            done();
            resolve(m);
          }
        };
        const t = setTimeout(() => {
          done();
          reject(new Error(`no ${re} from the target within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(t);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => close(),
  };
}

/** Asks the target for a value printed as one JSON line after a unique tag. */
export async function ask(con, expr, timeoutMs) {
  const tag = 'HIL' + Math.floor(Math.random() * 1e9);
  const from = con.output().length;
  con.send(`print('${tag} '+JSON.stringify(${expr}))`);
  const m = await con.waitFor(new RegExp(`${tag} (.*)`), timeoutMs, from);
  return JSON.parse(m[1]);
}


// ---- the LwM2M scenario against the simulator's servers (started by runHil) ---------

/** Polls `cond` every 50 ms until it holds; throws `what` after `ms`. */
async function until(what, cond, ms) {
  for (const end = Date.now() + ms; !cond(); ) {
    if (Date.now() > end) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const codeStr = (c) => `${c >> 5}.${String(c & 31).padStart(2, '0')}`;
const recVal = (r, path) => {
  const x = (r.recs || []).find((q) => q.p.join('/') === path.join('/'));
  return x ? x.v : undefined;
};
/**
 * Memory samples (process.memory().usage, in order) are flat when the last is at most
 * FLAT_TOLERANCE above the first, and they do not climb at every sample (a slow leak
 * below the tolerance still rises each time; a flat heap jitters by a variable or two).
 */
export function memoryFlat(usage) {
  if (usage.length < 2) return { ok: false, growth: 0, reason: 'fewer than 2 memory samples' };
  const growth = usage[usage.length - 1] - usage[0];
  if (growth > FLAT_TOLERANCE) return { ok: false, growth, reason: `memory grew by ${growth} variables (tolerance ${FLAT_TOLERANCE})` };
  if (usage.length > 2 && usage.slice(1).every((x, i) => x > usage[i])) return { ok: false, growth, reason: `memory rose at every one of ${usage.length - 1} samples (+${growth})` };
  return { ok: true, growth };
}

/** Waits until the console answers again after a reboot, with the device running (a board reconnects; the Linux build is restarted by the runner). */
async function consoleBack(ctx) {
  for (const end = Date.now() + 30000 * slow(ctx); ; ) {
    const e = await ask(ctx.con, "(function(){var d=LwM2M.espruino.device();return d?(d.cfg||d.cl.cfg).endpoint:''})()", 2000).catch(() => null);
    if (e === ctx.cfg.endpoint) return;
    if (Date.now() > end) throw new Error('the console did not come back after the reboot');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** How many times longer a step waits for something behind a DTLS handshake. */
const slow = (ctx) => (ctx.mode === 'rpk' ? RPK_SLOW : 1);

/** A real board has E.getTemperature(); Espruino's Linux build does not (the boot step asks the target its BOARD: also over --port). */
const isLinux = (ctx) => !!ctx.target || !!ctx.linux;

export const LWM2M_STEPS = [
  {
    name: 'bootstrap (bootstrap server reports done)',
    async run(ctx) {
      const ep = ctx.cfg.endpoint;
      const s = ctx.sim;
      await until('no Bootstrap-Request/Finish from the device', () => s.bsEvents.some((e) => e.ep === ep && (e.type === 'done' || e.type === 'failed')), 60000 * slow(ctx));
      const f = s.bsEvents.find((e) => e.ep === ep && e.type === 'failed');
      if (f) throw new Error(`bootstrap failed: ${f.reason}`);
      const req = s.bsEvents.find((e) => e.ep === ep && e.type === 'request');
      const done = s.bsEvents.find((e) => e.ep === ep && e.type === 'done');
      const writes = s.bsEvents.filter((e) => e.ep === ep && (e.type === 'write' || e.type === 'delete')).length;
      const bsAt = ctx.bsLate ? null : await ctx.con.waitFor(/HIL-AT bs (\d+)/, 10000, ctx.bootFrom).catch(() => null);
      ctx.bootToBs = bsAt ? +bsAt[1] - ctx.loadAt : null;
      return `Bootstrap-Request → done (${writes} deletes/writes, Finish) in ${done.at - req.at} ms; ${done.at - s.bootAt} ms after boot (host)` +
        (ctx.bootToBs !== null ? `, Bootstrap-Finish ${ctx.bootToBs} ms after load() (target)` : '');
    },
  },
  {
    name: 'registration (server lists the endpoint)',
    async run(ctx) {
      const ep = ctx.cfg.endpoint;
      const s = ctx.sim;
      await until(`'${ep}' not registered`, () => s.lw.clients().some((r) => r.endpoint === ep), 60000 * slow(ctx));
      const reg = s.lw.get(ep);
      const ev = s.lwEvents.find((e) => e.ep === ep && e.type === 'REGISTRATION');
      let target = 'target clock: not measured (the device registered before the runner watched its log)';
      if (!ctx.hookLate) {
        const at = await ctx.con.waitFor(/HIL-AT reg (\d+)/, 10000, ctx.bootFrom);
        ctx.bootToReg = +at[1] - ctx.loadAt;
        target = `registered ${ctx.bootToReg} ms after load() (target)`;
      }
      // the wrapper removes itself at 'registered:'; when that line came before it, here
      if ((await unwatchLog(ctx)) === 'restored') target += '; log wrapper removed';
      return `Register: lifetime ${reg.lifetime} s, binding ${reg.bindingMode || reg.binding || '?'}, ${(reg.objectLinks || []).length} object links; ${ev.at - s.bootAt} ms after boot (host), ${target}`;
    },
  },
  {
    name: 'Read /3/0 (2.05)',
    async run(ctx) {
      const r = await ctx.sim.lw.read(ctx.cfg.endpoint, [3, 0]);
      if (r.code !== 69) throw new Error(`Read /3/0 answered ${codeStr(r.code)} (${r.status}), expected 2.05`);
      return `2.05, ${(r.recs || []).length} resources, format ${r.format}, manufacturer '${recVal(r, [3, 0, 0])}', memory free ${recVal(r, [3, 0, 10])} KB`;
    },
  },
  {
    name: 'Read /3303/0/5700 (temperature)',
    async run(ctx) {
      const r = await ctx.sim.lw.read(ctx.cfg.endpoint, [3303, 0, 5700]);
      if (isLinux(ctx)) {
        // Espruino's Linux build has no E.getTemperature(): no value, 4.04 (Core §5.4.1)
        if (r.code !== 132 && r.code !== 69) throw new Error(`Read answered ${codeStr(r.code)}, expected 4.04 (Linux build: no E.getTemperature) or 2.05`);
        return `${codeStr(r.code)} (${r.status}): accepted on Espruino's Linux build (ESPRUINO_BIN), which has no E.getTemperature(); a board must answer 2.05`;
      }
      if (r.code !== 69) throw new Error(`Read /3303/0/5700 answered ${codeStr(r.code)} (${r.status}), expected 2.05 on a board`);
      return `2.05, ${recVal(r, [3303, 0, 5700])} °C (a board: 2.05 required)`;
    },
  },
  {
    name: 'Observe (after pmin=1&pmax=2), 2 notifications',
    async run(ctx) {
      const ep = ctx.cfg.endpoint;
      const lw = ctx.sim.lw;
      // on the Linux build the temperature has no value: observe the device's clock instead
      const path = isLinux(ctx) ? [3, 0, 13] : [3303, 0, 5700];
      // this step's memory figure is the device's alone
      await assertUnwatched(ctx);
      const wa = await lw.writeAttributes(ep, path, ['pmin=1', 'pmax=2']);
      if (wa.code !== 68) throw new Error(`Write-Attributes /${path.join('/')} answered ${codeStr(wa.code)}, expected 2.04`);
      const notes = [];
      const t = Date.now();
      const first = await lw.observe(ep, path, undefined, (r) => notes.push({ at: Date.now(), v: recVal(r, path) }));
      if (first.code !== 69) throw new Error(`Observe /${path.join('/')} answered ${codeStr(first.code)}, expected 2.05`);
      await until(`fewer than 2 notifications (${notes.length})`, () => notes.length >= 2, 10000);
      ctx.memObserving = await ask(ctx.con, 'process.memory()');
      const gaps = notes.slice(0, 2).map((n, i) => n.at - (i ? notes[i - 1].at : t));
      return `/${path.join('/')}${isLinux(ctx) ? ' (Linux build: no temperature)' : ''}: 2.04, 2.05 ${recVal(first, path)}, notifications ${notes.slice(0, 2).map((n) => n.v).join(', ')} after ${gaps.join(' + ')} ms; memory while observed ${ctx.memObserving.usage}/${ctx.memObserving.total}`;
    },
  },
  {
    name: 'Write /3338/0/5850 true (2.04), read back',
    async run(ctx) {
      const ep = ctx.cfg.endpoint;
      const p = [3338, 0, 5850];
      const w = await ctx.sim.lw.write(ep, p, [{ p, t: ctx.sim.T_BOOL, v: true }], { replace: true });
      if (w.code !== 68) throw new Error(`Write answered ${codeStr(w.code)} (${w.status}), expected 2.04`);
      const r = await ctx.sim.lw.read(ep, p);
      if (r.code !== 69 || recVal(r, p) !== true) throw new Error(`read back ${codeStr(r.code)} ${JSON.stringify(recVal(r, p))}, expected 2.05 true`);
      return '2.04, read back 2.05 true';
    },
  },
  {
    name: 'Execute /3/0/4, re-register, no new Bootstrap',
    async run(ctx) {
      const ep = ctx.cfg.endpoint;
      const s = ctx.sim;
      const u = await executeReboot(ctx, [3, 0, 4], 0, 60000);
      const bsReq = s.bsEvents.filter((e) => e.ep === ep && e.type === 'request').length;
      if (bsReq !== 1) throw new Error(`the bootstrap server saw ${bsReq} Bootstrap-Requests, expected exactly 1`);
      return `2.04; ${u.restarts !== null ? `process restarted (${u.restarts}), ` : ''}registered again ${u.regMs} ms after the Execute; Bootstrap-Requests seen: ${bsReq}`;
    },
  },
  {
    // Issue #7: memory stays flat across many notifications. After the reboot above the
    // device holds no observation; this step makes exactly one, on the buzzer's on/off
    // with pmin=0 (the bootstrapped server's default pmin is 1 s), and each Write of the
    // opposite value makes the device send one notification (NON, from its next poll).
    // Lockstep: the next Write goes only once the notification for this one has arrived,
    // so every notification is checked, in order — its value and its Observe sequence
    // number (RFC 7641 §4.4, 24-bit serial arithmetic). The target's process.memory()
    // (it runs a garbage collection first) is sampled every tenth of the run.
    name: 'notifications, memory flat',
    async run(ctx) {
      const ep = ctx.cfg.endpoint;
      const lw = ctx.sim.lw;
      const p = [3338, 0, 5850];
      const n = ctx.notifications || NOTIFICATIONS;
      const every = Math.max(1, Math.round(n / 10));
      await assertUnwatched(ctx);
      const wa = await lw.writeAttributes(ep, p, ['pmin=0']);
      if (wa.code !== 68) throw new Error(`Write-Attributes /${p.join('/')}?pmin=0 answered ${codeStr(wa.code)}, expected 2.04`);
      const notes = [];
      let wake = () => {};
      const first = await lw.observe(ep, p, undefined, (r) => {
        notes.push(r);
        wake();
      });
      // resolves once `count` notifications are in (event-driven: polling would add its period to every round)
      const arrived = (count, ms) => new Promise((resolve, reject) => {
        if (notes.length >= count) return resolve();
        const t = setTimeout(() => reject(new Error(`notification ${count} of ${n + HIL_WARMUP} did not arrive within ${ms} ms (${notes.length} so far)`)), ms);
        wake = () => {
          if (notes.length < count) return;
          clearTimeout(t);
          wake = () => {};
          resolve();
        };
      });
      if (first.code !== 69 || first.observe < 0) throw new Error(`Observe /${p.join('/')} answered ${codeStr(first.code)}${first.observe < 0 ? ' without Observe' : ''}, expected 2.05 with Observe`);
      let v = recVal(first, p);
      if (typeof v !== 'boolean') throw new Error(`Observe /${p.join('/')} gave ${JSON.stringify(v)}, expected a boolean`);
      let seq = first.observe;
      let k = 0;
      let writeMs = 0;
      let noteMs = 0;
      const one = async () => {
        v = !v;
        const tw = Date.now();
        const w = await lw.write(ep, p, [{ p, t: ctx.sim.T_BOOL, v }], { replace: true });
        if (w.code !== 68) throw new Error(`Write #${k + 1} answered ${codeStr(w.code)} (${w.status}), expected 2.04`);
        const tc = Date.now();
        k++;
        await arrived(k, 5000);
        writeMs += tc - tw;
        noteMs += Date.now() - tc;
        const r = notes[k - 1];
        if (r.code !== 69) throw new Error(`notification ${k} is ${codeStr(r.code)}, expected 2.05`);
        if (recVal(r, p) !== v) throw new Error(`notification ${k} carries ${JSON.stringify(recVal(r, p))}, the Write set ${v}`);
        const d = (r.observe - seq) & 0xffffff;
        if (r.observe < 0 || d === 0 || d >= 0x800000) throw new Error(`notification ${k}: Observe ${r.observe} is not newer than ${seq}`);
        seq = r.observe;
      };
      // Warm-up: bounded stores fill first and then stay full — above all the CoAP
      // deduplication records of received CONs (MAX_DEDUP = 32, each kept for
      // EXCHANGE_LIFETIME, RFC 7252 §4.5), which after the reboot is nearly empty.
      for (let i = 0; i < HIL_WARMUP; i++) await one();
      writeMs = noteMs = 0;
      const samples = [];
      const t = Date.now();
      samples.push({ at: 0, usage: (await ask(ctx.con, 'process.memory().usage')) });
      for (let i = 1; i <= n; i++) {
        await one();
        if (i % every === 0 || i === n) samples.push({ at: i, usage: await ask(ctx.con, 'process.memory().usage') });
      }
      const ms = Date.now() - t;
      lw.cancelObserve(ep, p);
      if (notes.length !== k) throw new Error(`${notes.length} notifications for ${k} Writes`);
      const verdict = memoryFlat(samples.map((x) => x.usage));
      const growth = verdict.growth;
      ctx.flat = { n, warmup: HIL_WARMUP, samples, growth, ms };
      const list = samples.map((x) => `${x.at}:${x.usage}`).join(' ');
      if (!verdict.ok) throw new Error(`${verdict.reason} over ${n} notifications: ${list}`);
      return `${n} notifications (after ${HIL_WARMUP} warm-up), all in order, in ${ms} ms with the samples ` +
        `(Write → 2.04 ${(writeMs / n).toFixed(1)} ms, 2.04 → notification ${(noteMs / n).toFixed(1)} ms, on average); usage at notification ${list}; ` +
        `${growth >= 0 ? '+' : ''}${growth} variables: flat`;
    },
  },
];

/** Loads the simulator (TypeScript) into this .mjs through tsx's loader (harmless when tsx already runs us). */
async function loadSim() {
  const { register } = await import('tsx/esm/api');
  register();
  return Promise.all([import('../sim/bootstrap-server.ts'), import('../sim/lwm2m-server.ts'), import('../objects/core/types.ts'), import('../sim/rpk-keys.ts')]);
}

/** Fresh PSK credentials for one run: the bootstrap account (in lwm2m.cfg) and the LwM2M server account (bootstrapped). */
export function pskCredentials(endpoint) {
  return {
    bs: { identity: `${endpoint}-bs`, key: randomBytes(16) },
    dm: { identity: `${endpoint}-dm`, key: randomBytes(16) },
  };
}

/** Fresh RPK key pairs for one run (hex DER, as `npm run provision` makes them): the device's and the servers', of one key type. */
export function rpkCredentials(curve = 'p256') {
  return { curve, device: rpkGenerate(curve), bs: rpkGenerate(curve), dm: rpkGenerate(curve) };
}

/** The device configuration for one security mode (buildConfig checks it as `npm run provision` does). */
export function modeConfig(mode, hostIp, endpoint, creds, wifi = []) {
  const args = ['--endpoint', endpoint, '--port', String(DEVICE_UDP_PORT), ...wifi];
  if (mode === 'psk') {
    args.push('--bootstrap', `coaps://${hostIp}:${BOOTSTRAP_DTLS_PORT}`, '--psk-id', creds.bs.identity, '--psk-key', creds.bs.key.toString('hex'));
  } else if (mode === 'rpk') {
    args.push('--bootstrap', `coaps://${hostIp}:${BOOTSTRAP_DTLS_PORT}`, '--mode', 'rpk', '--rpk-priv', creds.rpk.device.pkcs8, '--rpk-pub', creds.rpk.device.spki, '--rpk-server-pub', creds.rpk.bs.spki);
  } else args.push('--bootstrap', `coap://${hostIp}:${BOOTSTRAP_PORT}`);
  // --fota: the runner's vendor key
  if (creds.vendorPub) args.push('--vendor-pub', creds.vendorPub);
  return buildConfig(args);
}

/**
 * The bootstrap server and the LwM2M server for one mode, in this process (and network
 * namespace). NoSec: BOOTSTRAP_PORT, LWM2M_PORT. PSK: DTLS-PSK listeners only
 * (BOOTSTRAP_DTLS_PORT, LWM2M_DTLS_PORT), the bootstrap server handing the device a PSK
 * account for the LwM2M server, as the `npm start` scenario does (sim/scenario.ts).
 */
async function startServers(hostIp, endpoint, mode, creds) {
  const [bsm, lwm, types, keys] = await loadSim();
  const host = hostIp === '127.0.0.1' ? '127.0.0.1' : '0.0.0.0';
  const rpk = mode === 'rpk';
  const psk = mode === 'psk' || rpk;
  const bsEvents = [];
  const lwEvents = [];
  const timers = rpk ? RPK_DTLS : {};
  const lw = await lwm.Lwm2mServer.start({
    host, port: psk ? -1 : LWM2M_PORT, dtlsPort: psk ? LWM2M_DTLS_PORT : -1, ...timers,
    // the key the bootstrap server pins in the device's LwM2M server account (/0/1/4): the build's key type
    rpk: rpk ? keys.rpkFromPrivate(Buffer.from(creds.rpk.dm.pkcs8, 'hex')) : undefined, onEvent: (e) => lwEvents.push({ ...e, at: Date.now() }) });
  let bs;
  try {
    bs = await bsm.BootstrapServer.start({
      host, port: psk ? -1 : BOOTSTRAP_PORT, dtlsPort: psk ? BOOTSTRAP_DTLS_PORT : -1, ...timers,
      // the key the device's configuration pins (rpkServerPub)
      rpk: rpk ? keys.rpkFromPrivate(Buffer.from(creds.rpk.bs.pkcs8, 'hex')) : undefined,
      onEvent: (e) => bsEvents.push({ ...e, at: Date.now() }),
    });
  } catch (e) {
    await lw.close();
    throw e;
  }
  const serverUri = psk ? `coaps://${hostIp}:${LWM2M_DTLS_PORT}` : `coap://${hostIp}:${LWM2M_PORT}`;
  if (rpk) {
    const spki = new Uint8Array(Buffer.from(creds.rpk.device.spki, 'hex'));
    lw.security.addRpk(endpoint, spki);
    // the installer scans the device's QR label; the window outlasts a slow target's handshakes
    bs.enrol(keys.spkiHash(spki), RPK_ENROL_MS);
  } else if (psk) {
    lw.security.add({ endpoint, identity: creds.dm.identity, key: new Uint8Array(creds.dm.key) });
    bs.security.add({ endpoint, identity: creds.bs.identity, key: new Uint8Array(creds.bs.key) });
  }
  bs.setConfig(endpoint, bsm.simpleConfig({
    serverUri, securityMode: rpk ? 'RPK' : psk ? 'PSK' : 'NO_SEC', shortServerId: 101, lifetime: 300,
    pskIdentity: psk && !rpk ? creds.dm.identity : undefined, pskKey: psk && !rpk ? new Uint8Array(creds.dm.key) : undefined,
    // RPK: the LwM2M server's key pinned in /0/1/4; the device keeps its own key pair
    serverPublicKey: rpk ? lw.rpkSpki : undefined,
  }));
  return {
    bs, lw, bsEvents, lwEvents, T_BOOL: types.T_BOOL, bootAt: Date.now(),
    bsUri: psk ? `coaps://${hostIp}:${BOOTSTRAP_DTLS_PORT}` : `coap://${hostIp}:${BOOTSTRAP_PORT}`, serverUri,
    async close() {
      await bs.close();
      await lw.close();
    },
  };
}

/**
 * Re-provisions the running target for the next mode through its console: the new
 * lwm2m.cfg, and every other Storage file erased except the code (the bootstrapped
 * accounts of the previous mode), so the next `load()` boots like a freshly flashed board.
 */
async function reprovision(con, cfg) {
  const keep = JSON.stringify([BUNDLE_FILE, BOOT_FILE, CONFIG_FILE, ...VERIFIERS.map((v) => v[0])]);
  return ask(con, `(function(){var s=require('Storage');s.write('${CONFIG_FILE}',${JSON.stringify(JSON.stringify(cfg))});` +
    `var e=[];s.list().forEach(function(f){if(${keep}.indexOf(f)<0){s.erase(f);e.push(f);}});return e;})()`, 20000);
}

// ---- the runner's log wrapper on the target ------------------------------------------

/**
 * Wraps the device's log (d.log) so that the target prints its own clock at Bootstrap-Finish
 * and at the first registration (`HIL-AT bs|reg <ms>`), then puts the original back. The
 * wrapper keeps the original as its `hil` property (unwatchLog restores it from there).
 */
export async function watchLog(ctx) {
  const hooked = await ask(ctx.con, "(function(){var d=LwM2M.espruino.device();if(!d)return 'no device';var l=d.log;" +
    "var w=function(s){var k=s.indexOf('bootstrap-finish: accepted')===0?'bs':s.indexOf('registered:')===0?'reg':'';" +
    "if(k)print('HIL-AT '+k+' '+Math.floor(Date.now()));if(k==='reg')d.log=l;l(s);};w.hil=l;d.log=w;return 'hooked';})()", 20000 * slow(ctx));
  if (hooked !== 'hooked') throw new Error(`could not watch the device's log: ${hooked}`);
}

/** Puts the device's own log back if the wrapper is still in place: 'restored', or 'clean' when it was gone. */
export function unwatchLog(ctx) {
  return ask(ctx.con, "(function(){var d=LwM2M.espruino.device();if(!d||!d.log.hil)return 'clean';d.log=d.log.hil;return 'restored';})()", 20000 * slow(ctx));
}

/** A memory figure with the wrapper (a closure and its scope, ~21 variables) in it would not be the device's: fail. */
export async function assertUnwatched(ctx) {
  const w = await ask(ctx.con, "(function(){var d=LwM2M.espruino.device();return !!(d&&d.log.hil);})()", 20000 * slow(ctx));
  if (w) throw new Error('the runner\'s log wrapper is still installed on the device: it would count in the memory figure');
}

// ---- steps ------------------------------------------------------------------------
// Each step: { name, run(ctx) → optional detail string }. ctx: { con, cfg, hostIp, target, log, sim }.
// A step throws to fail.

export const STEPS = [
  {
    name: 'boot',
    async run(ctx) {
      // Espruino's Linux build (over --port too: a pty bridged to its console) has no temperature;
      // asked before load(): once the device runs, an RPK target computes for seconds unanswering
      ctx.linux = /^LINUX/.test(await ask(ctx.con, 'process.env.BOARD', 20000 * slow(ctx)));
      const from = ctx.con.output().length;
      if (ctx.sim) ctx.sim.bootAt = Date.now();
      // the target's clock as load() is called: boot → registered is measured from here
      ctx.con.send("print('HIL-LOAD '+Math.floor(Date.now()));load()");
      const l = await ctx.con.waitFor(/HIL-LOAD (\d+)/, 10000, from);
      ctx.loadAt = +l[1];
      ctx.bootFrom = from;
      const m = await ctx.con.waitFor(/lwm2m: booted (\S+) mem (\d+)\/(\d+)/, 30000, from);
      if (m[1] !== ctx.cfg.endpoint) throw new Error(`booted as '${m[1]}', provisioned '${ctx.cfg.endpoint}'`);
      // (a test's knob: install the wrapper only once this line is out, as a faster target would make it)
      if (ctx.hookAfter) await ctx.con.waitFor(ctx.hookAfter, 60000 * slow(ctx), from);
      // The target timestamps its own milestones: the device's log goes through d.log
      // (looked up at each call), so wrapping it prints the target's clock at Bootstrap-Finish
      // and at the first registration. Installed right after `booted`, before the first round
      // trip ends; removed at the first registration, by itself or, when the device registered
      // before it was in place, by the registration step (unwatchLog): nothing stays behind for
      // the memory numbers, and the memory steps check that (assertUnwatched).
      await watchLog(ctx);
      // the console is one stream: a log line before the hook's answer was printed before the hook existed
      const before = ctx.con.output().slice(from, ctx.con.output().indexOf(' "hooked"', from));
      ctx.hookLate = /lwm2m: registered:/.test(before);
      ctx.bsLate = /lwm2m: bootstrap-finish: accepted/.test(before);
      return `endpoint ${m[1]}, ${m[2]}/${m[3]} variables at boot${ctx.linux ? ' (Espruino\'s Linux build)' : ''}`;
    },
  },
  {
    name: 'memory before',
    async run(ctx) {
      // RPK: the target may be inside a handshake's public-key work, answering nothing for seconds
      ctx.memBefore = await ask(ctx.con, 'process.memory()', 20000 * slow(ctx));
      return `usage ${ctx.memBefore.usage} of ${ctx.memBefore.total}`;
    },
  },
  ...LWM2M_STEPS,
  {
    name: 'udp echo (target port → host socket → target)',
    async run(ctx) {
      const sock = dgram.createSocket('udp4');
      await new Promise((r) => sock.bind(0, ctx.hostIp, r));
      let seen = 0;
      sock.on('message', (m, r) => {
        seen++;
        sock.send(Buffer.from(m).reverse(), r.port, r.address);
      });
      try {
        const from = ctx.con.output().length;
        const n = 1200;
        ctx.con.send(`(function(){var d=LwM2M.espruino.device();var t0=Date.now();var w=new Uint8Array(${n});for(var i=0;i<${n};i++)w[i]=(i*7)&255;` +
          `var u=d.openUdp(function(x,p){var ok=x.length===${n};for(var i=0;ok&&i<${n};i++)if(x[i]!==w[${n - 1}-i])ok=false;` +
          `print('HIL-ECHO '+(ok?'ok':'bad '+x.length)+' '+Math.floor(Date.now()-t0));u.close();},${ECHO_UDP_PORT},` +
          `function(){u.send(w,{address:'${ctx.hostIp}',port:${sock.address().port}});});})()`);
        const m = await ctx.con.waitFor(/HIL-ECHO (\S+) (\d+)/, 15000, from);
        if (m[1] !== 'ok') throw new Error(`echo came back ${m[1]} (host saw ${seen} datagram(s))`);
        ctx.targetMs = +m[2];
        return `${n} bytes there and back, ${m[2]} ms on the target's clock`;
      } finally {
        sock.close();
      }
    },
  },
  {
    name: 'memory after',
    async run(ctx) {
      ctx.memAfter = await ask(ctx.con, 'process.memory()');
      return `usage ${ctx.memAfter.usage} of ${ctx.memAfter.total} (${ctx.memAfter.usage - ctx.memBefore.usage >= 0 ? '+' : ''}${ctx.memAfter.usage - ctx.memBefore.usage})`;
    },
  },
];

// ---- firmware update (--fota; docs/firmware-update.md) ------------------------------

/** The version the runner's updated bundle announces (Device /3/0/3 is the bundle's VERSION). */
export const FOTA_VERSION = '9.0.1';

/** The package target of a mode's build (tools/package-lib.mjs TARGETS). */
const fotaTarget = (ctx) => (ctx.mode !== 'rpk' ? 'psk' : ctx.rpkCurve === 'ed25519' ? 'rpk-ed25519' : 'rpk');

/** Pushes `pkg` to /5/0/0 (Block1) and waits for the check: State 2 (Downloaded), else the Update Result that ended it. */
async function fotaPush(ctx, pkg) {
  const ep = ctx.cfg.endpoint;
  const lw = ctx.sim.lw;
  // the transfer's peak variables (process.memory() every 100 ms on the target, until the
  // verifier is loaded after the last block: LwM2MV): issue 18's goal, ≤ 25 % with PSK
  await ask(ctx.con, '(global.HILFP=0,global.HILFS=setInterval(function(){if(global.LwM2MV&&HILFP>=0)HILFP=-HILFP||-1;if(HILFP>=0){var u=process.memory().usage;if(u>HILFP)HILFP=u}},100))&&1');
  const t = Date.now();
  const w = await lw.write(ep, [5, 0, 0], [{ p: [5, 0, 0], v: pkg }], { format: 42, timeoutMs: 600000 * slow(ctx) });
  if (w.code !== 68) throw new Error(`the push of /5/0/0 answered ${codeStr(w.code)} (${w.status}), expected 2.04`);
  const pushMs = Date.now() - t;
  const peak = Math.abs(await ask(ctx.con, '(clearInterval(HILFS),HILFP)'));
  const goal = Math.floor(FOTA_PEAK_GOAL * 16383);
  if (ctx.mode === 'psk' && peak > goal) throw new Error(`the transfer peaked at ${peak} variables, above issue 18's ${goal} (25 %)`);
  let st = 1;
  // the check: the P-256 or Ed25519 verifier in slices (seconds on the stand-in, 1.5-2.5 min on an ESP32)
  for (const end = Date.now() + 900000; st === 1; ) {
    if (Date.now() > end) throw new Error('the package was not checked within 900 s');
    await new Promise((r) => setTimeout(r, 250));
    st = recVal(await lw.read(ep, [5, 0, 3]), [5, 0, 3]);
  }
  const res = recVal(await lw.read(ep, [5, 0, 5]), [5, 0, 5]);
  if (st !== 2) throw new Error(`the package ended in State ${st}, Update Result ${res}, expected State 2 (Downloaded)`);
  return { pushMs, checkMs: Date.now() - t - pushMs, peak };
}

/**
 * Executes `path` (a reboot: Device /3/0/4, Update /5/0/2) and waits for the device to register
 * again (within `ms`, times slow()) after the Linux target restarted at least `restarts` times,
 * then for its console; { regMs, restarts } (null: a board, not counted).
 */
async function executeReboot(ctx, path, restarts, ms) {
  const ep = ctx.cfg.endpoint;
  const s = ctx.sim;
  const regs = () => s.lwEvents.filter((e) => e.ep === ep && e.type === 'REGISTRATION').length;
  const before = regs();
  const r0 = ctx.target ? ctx.target.restarts : 0;
  const t = Date.now();
  const x = await s.lw.execute(ep, path);
  if (x.code !== 68) throw new Error(`Execute /${path.join('/')} answered ${codeStr(x.code)} (${x.status}), expected 2.04`);
  await until('no new Register after the reboot', () => regs() > before && (!ctx.target || ctx.target.restarts - r0 >= restarts), ms * slow(ctx));
  const regMs = Date.now() - t;
  await consoleBack(ctx);
  return { regMs, restarts: ctx.target ? ctx.target.restarts - r0 : null };
}

/** Waits for the Update Result `want` (the confirmation follows the registration). */
async function fotaResult(ctx, want) {
  const ep = ctx.cfg.endpoint;
  let res;
  for (const end = Date.now() + 30000 * slow(ctx); (res = recVal(await ctx.sim.lw.read(ep, [5, 0, 5]), [5, 0, 5])) !== want; ) {
    if (Date.now() > end) throw new Error(`Update Result ${res}, expected ${want}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const st = recVal(await ctx.sim.lw.read(ep, [5, 0, 3]), [5, 0, 3]);
  if (st !== 0) throw new Error(`State ${st} with Update Result ${res}, expected 0 (Idle)`);
  // the running bundle's own version (on Espruino Device /3/0/3 is the interpreter's, process.env.VERSION)
  return ask(ctx.con, 'LwM2M.VERSION', 20000 * slow(ctx));
}

/**
 * The update steps (`--fota p256|ed25519`): the running build re-versioned (FOTA_VERSION),
 * packaged and signed with the runner's vendor key (provisioned as vendorPub), pushed with
 * Block1, checked on the device, applied by Execute Update: the device reboots into the new
 * bundle (the Linux target exits at E.reboot() and the runner starts it again on the same
 * Storage), registers and confirms it (Update Result 1, State 0, LwM2M.VERSION the new one). Then a bundle that throws
 * while loading: three failed boots, the return to the confirmed one, Update Result 8.
 */
export const FOTA_STEPS = [
  {
    name: 'firmware update: push, check, Update, reboot, confirmed',
    async run(ctx) {
      const code = readFileSync(ctx.bundle);
      const nb = Buffer.from(code.toString('latin1').replace(/VERSION="[^"]*"/, `VERSION="${FOTA_VERSION}"`), 'latin1');
      if (nb.equals(code)) throw new Error(`${ctx.bundle} has no VERSION="…" to change`);
      // pretokenised, as `npm run package` packs a bundle (tools/pretokenise.mjs)
      const pkg = buildPackage(Buffer.from(pretokenise(nb.toString('utf8')), 'latin1'), ctx.fota, { version: FOTA_VERSION, target: fotaTarget(ctx) });
      const p = await fotaPush(ctx, pkg);
      const pv = recVal(await ctx.sim.lw.read(ctx.cfg.endpoint, [5, 0, 7]), [5, 0, 7]);
      if (pv !== FOTA_VERSION) throw new Error(`PkgVersion '${pv}' after the check, expected '${FOTA_VERSION}'`);
      const u = await executeReboot(ctx, [5, 0, 2], 1, 120000);
      const ver = await fotaResult(ctx, 1);
      if (ver !== FOTA_VERSION) throw new Error(`the running bundle is version '${ver}' after the update, expected '${FOTA_VERSION}'`);
      const alg = ctx.fota.asymmetricKeyType === 'ed25519' ? 'Ed25519' : 'P-256';
      return `${pkg.length} bytes pushed in ${p.pushMs} ms (${Math.round(pkg.length / p.pushMs)} KB/s, peak ${p.peak} variables), ${alg} check ${p.checkMs} ms; Update → registered ${u.regMs} ms` +
        `${u.restarts !== null ? ` (process restarted ${u.restarts})` : ''}; Update Result 1, State 0, running bundle ${ver}`;
    },
  },
  {
    name: 'firmware update: crash-looping bundle rolled back (Update Result 8)',
    async run(ctx) {
      const pkg = buildPackage(Buffer.from('throw new Error("hil: a broken build");\n'), ctx.fota, { version: '9.0.2', target: fotaTarget(ctx) });
      await fotaPush(ctx, pkg);
      // the Update's reboot and three failed boots of the new bundle (the Linux target: four restarts)
      const u = await executeReboot(ctx, [5, 0, 2], 4, 120000);
      const ver = await fotaResult(ctx, 8);
      if (ver !== FOTA_VERSION) throw new Error(`the running bundle is version '${ver}' after the rollback, expected the confirmed '${FOTA_VERSION}'`);
      return `Update → ${u.restarts !== null ? `${u.restarts} restarts (1 + 3 failed boots) → ` : ''}the confirmed bundle registered ${u.regMs} ms later; Update Result 8, State 0, running bundle ${ver}`;
    },
  },
];

// ---- the target ---------------------------------------------------------------------

function waitTcp(port, timeoutMs) {
  const until = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve();
      });
      s.on('error', () => {
        s.destroy();
        if (Date.now() > until) reject(new Error(`nothing listens on 127.0.0.1:${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** Starts `ESPRUINO_BIN --telnet` in a fresh directory (its flash file lives there). */
async function startLinuxTarget(bin, log) {
  const dir = mkdtempSync(join(tmpdir(), 'lwm2m-hil-'));
  execFileSync('mkfifo', [join(dir, 'stdin')]);
  let out = '';
  let proc;
  let stopping = false;
  const t = {
    port: 'tcp://127.0.0.1:2323',
    restarts: 0,
    stdout: () => out,
    stop() {
      stopping = true;
      if (proc.exitCode === null) proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const launch = () => {
    proc = spawn('sh', ['-c', 'exec "$0" --telnet 0<>stdin', bin], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    // E.reboot() on the Linux build prints "Not implemented" and exits: that is the
    // board's reset, so power the target up again; its Storage (espruino.flash) stays
    proc.on('exit', () => {
      if (stopping) return;
      t.restarts++;
      out += `[runner: target exited, restarting (${t.restarts})]\n`;
      launch();
    });
  };
  launch();
  await waitTcp(2323, 10000);
  log(`target: ${bin} --telnet (pid ${proc.pid}) in ${dir}`);
  return t;
}

const pct = (m) => `${((100 * m.usage) / m.total).toFixed(1)} %`;

/** One line per mode for the summary: issue #7's numbers, as the target measured them. */
function summaryLine(mode, c) {
  if (!c) return `${mode.padEnd(5)}  not run`;
  const parts = [];
  parts.push(`boot → registered ${c.bootToReg != null ? `${c.bootToReg} ms` : 'not measured'}` + (c.bootToBs != null ? ` (Bootstrap-Finish ${c.bootToBs} ms)` : ''));
  if (c.memObserving) {
    const share = MEMORY_GOAL[mode] ?? 0.2;
    const goal = Math.floor(c.memObserving.total * share);
    parts.push(`registered + 1 observation ${c.memObserving.usage}/${c.memObserving.total} variables (${pct(c.memObserving)}; goal ≤ ${Math.round(share * 100)} % = ${goal}: ${c.memObserving.usage <= goal ? 'met' : `missed by ${c.memObserving.usage - goal}`})`);
  }
  if (c.flat) parts.push(`${c.flat.n} notifications: ${c.flat.samples[0].usage} → ${c.flat.samples[c.flat.samples.length - 1].usage} (${c.flat.growth >= 0 ? '+' : ''}${c.flat.growth}), flat`);
  return `${mode.padEnd(5)}  ${parts.join('; ')}`;
}

/** An upload's size and pace (the CLI's pauses after each Storage write keep it under 1.5 KB/s: board-lib uploadToStorage). */
function uploadRate(u, since) {
  const ms = Math.max(1, Date.now() - since);
  return `${u.bytes} bytes in ${ms} ms (${(u.bytes / ms).toFixed(1)} KB/s, ${u.paused ? `the CLI pausing after each Storage write${u.unpaused ? `; without the pauses: ${u.unpaused}` : ''}` : 'without the CLI\'s pauses'})`;
}

/** uploadToStorage, once more when what the target holds differs from what was sent (a character lost on the line). */
async function uploadChecked(opts, log) {
  try {
    return await uploadToStorage(opts);
  } catch (e) {
    if (!e.corrupted) throw e;
    log(`upload: ${e.message}`);
    return uploadToStorage(opts);
  }
}

export async function runHil(o, steps = STEPS, log = console.log) {
  const t0 = Date.now();
  const modes = o.modes || ['nosec'];
  let target = null;
  let con = null;
  let sim = null;
  let mode = modes[0];
  let current = 'start target';
  const results = [];
  const byMode = {};
  try {
    if (!o.port) target = await startLinuxTarget(o.bin, log);
    const port = o.port || target.port;
    const hostIp = o.hostIp || (port.startsWith('tcp://127.') || !o.port ? '127.0.0.1' : lanAddress());
    current = 'provision';
    const endpoint = `hil-${process.pid}`;
    const creds = { ...pskCredentials(endpoint), rpk: rpkCredentials(o.curve || 'p256') };
    // --fota: a vendor key of this run signs the packages the update steps push
    const fota = o.fota ? (o.fota === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' })).privateKey : null;
    if (fota) creds.vendorPub = vendorPublic(fota);
    if (fota) steps = [...steps, ...FOTA_STEPS];
    const cfgs = modes.map((m) => modeConfig(m, hostIp, m === 'nosec' ? endpoint : `${endpoint}-${m}`, creds, o.wifi));
    // each mode runs on the build a device of that mode is flashed with
    const bundleOf = (m) => (m === 'rpk' ? o.rpkBundle : o.bundle);
    current = 'upload';
    log(`upload: ${bundleOf(modes[0])} → ${port} (espruino CLI --storage lwm2m.js, .boot0, lwm2m.cfg)`);
    const tu = Date.now();
    log(`upload: ${uploadRate(await uploadChecked({ port, bundle: bundleOf(modes[0]), config: cfgs[0], quiet: true }, log), tu)}`);
    for (let mi = 0; mi < modes.length; mi++) {
      mode = modes[mi];
      const cfg = cfgs[mi];
      log(`--- security ${mode}: endpoint ${cfg.endpoint}, bootstrap ${cfg.bootstrap}${mode === 'psk' ? `, PSK identity '${cfg.pskId}'` : ''}${mode === 'rpk' ? `, QR label ${rpkLabel(cfg)}` : ''}`);
      if (mi > 0) {
        current = 'provision';
        const erased = await reprovision(con, cfg);
        log(`provision: ${CONFIG_FILE} rewritten through the console; erased ${erased.length ? erased.join(', ') : 'nothing else'}`);
        if (bundleOf(mode) !== bundleOf(modes[mi - 1])) {
          // another build: through the CLI again (it needs the console to itself)
          current = 'upload';
          con.close();
          con = null;
          const tb = Date.now();
          const u = await uploadChecked({ port, bundle: bundleOf(mode), quiet: true }, log);
          log(`upload: ${bundleOf(mode)} → ${port}: ${uploadRate(u, tb)}`);
        }
      }
      current = 'servers';
      sim = await startServers(hostIp, cfg.endpoint, mode, creds);
      log(`servers: bootstrap ${sim.bsUri}, LwM2M ${sim.serverUri} (${mode === 'rpk' ? `DTLS 1.2 RPK, ${creds.rpk.curve === 'ed25519' ? 'Ed25519 + X25519' : 'ECDSA P-256 + ECDHE secp256r1'}; QR label enrolled` : mode === 'psk' ? 'DTLS 1.2 PSK' : 'NoSec'}, in the runner's process)`);
      current = 'console';
      if (!con) con = await openConsole(port);
      const ctx = { con, cfg, hostIp, port, target, log, sim, mode, notifications: o.notifications, hookAfter: o.hookAfter, bundle: bundleOf(mode), rpkCurve: o.curve || 'p256', fota };
      byMode[mode] = ctx;
      for (const step of steps) {
        current = step.name;
        const th = Date.now();
        const tb = await ask(con, 'Math.floor(Date.now())', 20000 * slow(ctx)).catch(() => null);
        const detail = await step.run(ctx);
        const ta = await ask(con, 'Math.floor(Date.now())', 20000 * slow(ctx)).catch(() => null);
        const r = { mode, step: step.name, hostMs: Date.now() - th, targetMs: tb !== null && ta !== null ? ta - tb : null, detail: detail || '' };
        results.push(r);
        log(`  ok  ${r.step.padEnd(48)} host ${String(r.hostMs).padStart(6)} ms  target ${String(r.targetMs ?? '?').padStart(6)} ms  ${r.detail}`);
      }
      if (ctx.memBefore && ctx.memAfter) {
        log(`memory (target's process.memory()): before ${ctx.memBefore.usage}/${ctx.memBefore.total}, after ${ctx.memAfter.usage}/${ctx.memAfter.total} variables`);
      }
      current = 'servers';
      await sim.close();
      sim = null;
    }
    log(`summary (${o.port ? o.port : o.bin}; the target's own clock and process.memory()):`);
    for (const m of MODES) log(`  ${modes.includes(m) ? summaryLine(m, byMode[m]) : `${m.padEnd(5)}  not run (--security ${modes.join(',')})`}`);
    log(`HIL PASS: ${modes.map((m) => `${m} ${results.filter((r) => r.mode === m).length} steps`).join(', ')} in ${Date.now() - t0} ms`);
    const numbers = {};
    for (const [m, c] of Object.entries(byMode)) numbers[m] = { bootToReg: c.bootToReg ?? null, bootToBs: c.bootToBs ?? null, memObserving: c.memObserving || null, flat: c.flat || null };
    return { ok: true, results, numbers };
  } catch (e) {
    const console_ = con ? con.output() : target ? target.stdout() : (e.output || '');
    log(`HIL FAIL: step '${current}': ${e.message} (security ${mode})`);
    log('--- target console ---');
    log(console_.split('\n').slice(-40).join('\n'));
    log('--- end of target console ---');
    // the Linux target's own output: what it printed while no console was attached (at a restart)
    if (target && con) log(`--- target process output ---\n${target.stdout().split('\n').slice(-40).join('\n')}\n--- end of target process output ---`);
    return { ok: false, failed: current, mode, error: e.message, results, console: console_ };
  } finally {
    if (con) con.close();
    if (target && !o.keep) target.stop();
    if (sim) await sim.close();
  }
}

async function main() {
  let o;
  try {
    o = parseHilArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`hil: ${e.message}`);
    process.exit(2);
  }
  if (o.help) {
    console.log(USAGE);
    process.exit(0);
  }
  // the builds the chosen modes upload, when stale (not again inside the network namespace)
  if (o.build && !o.inNetns) {
    try {
      // (--fota: the verifier of its key type too, uploaded beside the bundle)
      buildIfStale([...o.modes.map((m) => (m === 'rpk' ? o.rpkBundle : o.bundle)), ...(o.fota ? [join(ROOT, 'dist', o.fota === 'ed25519' ? 'fw-verify-ed25519.js' : 'fw-verify.js')] : [])]);
    } catch (e) {
      console.error(`hil: ${e.message}`);
      process.exit(1);
    }
  }
  // Espruino's Linux telnet console always binds 0.0.0.0:2323: run target and runner in a
  // private network namespace (we are root) so concurrent runs never collide.
  if (!o.port && o.netns && !o.inNetns && spawnSync('unshare', ['-n', 'true']).status === 0) {
    const r = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, SELF, ...process.argv.slice(2), '--in-netns'], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
  const r = await runHil(o);
  process.exit(r.ok ? 0 : 1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
