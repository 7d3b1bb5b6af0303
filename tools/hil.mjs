#!/usr/bin/env node
// Hardware-in-the-loop runner, target side.
//   npm run hil -- --port /dev/ttyUSB0|tcp://HOST[:23] [--host-ip A.B.C.D] [--wifi-ssid S --wifi-password P]
//   ESPRUINO_BIN=/path/to/espruino npm run hil        (Espruino's Linux build is the target)
// It starts the target (with ESPRUINO_BIN and no --port: `espruino --telnet` in a temporary
// directory, reached at tcp://127.0.0.1:2323, inside a private network namespace so port
// 2323 never collides), provisions and uploads through the same espruino-CLI path as
// `npm run flash`, boots it, captures its console, runs the steps in order and prints the
// target's own process.memory() before and after and each step's time as the target saw
// it. A failing step is named, with the target's console output; exit status 1.
// Steps are a list (STEPS below): the LwM2M scenario's assertions against the simulator's
// servers are appended there as they land.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { buildConfig, checkTarget, uploadToStorage, ROOT } from './board-lib.mjs';

const SELF = fileURLToPath(import.meta.url);
// fixed ports in this project's HIL range: the device's own UDP port, the bootstrap server
export const DEVICE_UDP_PORT = 34301;
export const BOOTSTRAP_PORT = 34300;

export function parseHilArgs(argv, env = process.env) {
  const o = { port: '', hostIp: '', bundle: join(ROOT, 'dist', 'firmware.js'), netns: true, inNetns: false, wifi: [], bin: env.ESPRUINO_BIN || '', keep: false };
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
    else if (a === '--wifi-ssid' || a === '--wifi-password') o.wifi.push(a, need());
    else if (a === '--no-netns') o.netns = false;
    else if (a === '--in-netns') o.inNetns = true;
    else if (a === '--keep') o.keep = true;
    else throw new Error(`unknown option '${a}'`);
  }
  if (o.port) checkTarget(o.port);
  else if (!o.bin) throw new Error('--port is required (/dev/ttyUSB0 or tcp://HOST[:23]), or set ESPRUINO_BIN to run Espruino\'s Linux build');
  if (!o.port && !existsSync(o.bin)) throw new Error(`ESPRUINO_BIN '${o.bin}' not found`);
  if (!existsSync(o.bundle)) throw new Error(`bundle '${o.bundle}' not found: run \`npm run build\` first`);
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

// ---- steps ------------------------------------------------------------------------
// Each step: { name, run(ctx) → optional detail string }. ctx: { con, cfg, hostIp, target, log }.
// A step throws to fail. The lead appends the LwM2M scenario here (bootstrap, register,
// Read /3/0 and /3303/0/5700, Observe, Write /3338/0/5850, Execute reboot …).

export const STEPS = [
  {
    name: 'boot',
    async run(ctx) {
      const from = ctx.con.output().length;
      ctx.con.send('load()');
      const m = await ctx.con.waitFor(/lwm2m: booted (\S+) mem (\d+)\/(\d+)/, 30000, from);
      if (m[1] !== ctx.cfg.endpoint) throw new Error(`booted as '${m[1]}', provisioned '${ctx.cfg.endpoint}'`);
      return `endpoint ${m[1]}, ${m[2]}/${m[3]} variables at boot`;
    },
  },
  {
    name: 'memory before',
    async run(ctx) {
      ctx.memBefore = await ask(ctx.con, 'process.memory()');
      return `usage ${ctx.memBefore.usage} of ${ctx.memBefore.total}`;
    },
  },
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
          `print('HIL-ECHO '+(ok?'ok':'bad '+x.length)+' '+Math.floor(Date.now()-t0));u.close();},${DEVICE_UDP_PORT},` +
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
    name: 'reboot (board.reboot) and boot again from Storage',
    async run(ctx) {
      const before = ctx.target ? ctx.target.restarts : 0;
      ctx.con.send('LwM2M.espruino.device().board.reboot()');
      // the device comes back by itself (a board) or is power-cycled by the runner (Linux,
      // where E.reboot() exits); ask until the rebooted device answers with our endpoint
      const until = Date.now() + 60000;
      for (;;) {
        await new Promise((r) => setTimeout(r, 300));
        const ep = await ask(ctx.con, "LwM2M.espruino.device()?LwM2M.espruino.device().cfg.endpoint:''", 2000).catch(() => null);
        const restarted = ctx.target ? ctx.target.restarts > before : true;
        if (ep === ctx.cfg.endpoint && restarted) break;
        if (Date.now() > until) throw new Error(`the device did not come back (last answer ${JSON.stringify(ep)})`);
      }
      return ctx.target ? `process restarted (${ctx.target.restarts}), booted from Storage as ${ctx.cfg.endpoint}` : `booted from Storage as ${ctx.cfg.endpoint}`;
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

export async function runHil(o, steps = STEPS, log = console.log) {
  const t0 = Date.now();
  let target = null;
  let con = null;
  let current = 'start target';
  const results = [];
  try {
    if (!o.port) target = await startLinuxTarget(o.bin, log);
    const port = o.port || target.port;
    const hostIp = o.hostIp || (port.startsWith('tcp://127.') || !o.port ? '127.0.0.1' : lanAddress());
    current = 'provision';
    const cfg = buildConfig([
      '--endpoint', `hil-${process.pid}`, '--bootstrap', `coap://${hostIp}:${BOOTSTRAP_PORT}`, '--port', String(DEVICE_UDP_PORT), ...o.wifi,
    ]);
    current = 'upload';
    log(`upload: ${o.bundle} → ${port} (espruino CLI --storage lwm2m.js, .boot0, lwm2m.cfg)`);
    const tu = Date.now();
    await uploadToStorage({ port, bundle: o.bundle, config: cfg, quiet: true });
    log(`upload: done in ${Date.now() - tu} ms`);
    current = 'console';
    con = await openConsole(port);
    const ctx = { con, cfg, hostIp, port, target, log };
    for (const step of steps) {
      current = step.name;
      const th = Date.now();
      const tb = await ask(con, 'Math.floor(Date.now())').catch(() => null);
      const detail = await step.run(ctx);
      const ta = await ask(con, 'Math.floor(Date.now())').catch(() => null);
      const r = { step: step.name, hostMs: Date.now() - th, targetMs: tb !== null && ta !== null ? ta - tb : null, detail: detail || '' };
      results.push(r);
      log(`  ok  ${r.step.padEnd(48)} host ${String(r.hostMs).padStart(6)} ms  target ${String(r.targetMs ?? '?').padStart(6)} ms  ${r.detail}`);
    }
    if (ctx.memBefore && ctx.memAfter) {
      log(`memory (target's process.memory()): before ${ctx.memBefore.usage}/${ctx.memBefore.total}, after ${ctx.memAfter.usage}/${ctx.memAfter.total} variables`);
    }
    log(`HIL PASS: ${results.length} steps in ${Date.now() - t0} ms`);
    return { ok: true, results };
  } catch (e) {
    const console_ = con ? con.output() : target ? target.stdout() : (e.output || '');
    log(`HIL FAIL: step '${current}': ${e.message}`);
    log('--- target console ---');
    log(console_.split('\n').slice(-40).join('\n'));
    log('--- end of target console ---');
    return { ok: false, failed: current, error: e.message, results, console: console_ };
  } finally {
    if (con) con.close();
    if (target && !o.keep) target.stop();
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
