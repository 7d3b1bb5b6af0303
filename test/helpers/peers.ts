// Real peers (duktape, libcoap, OpenSSL, GnuTLS, tshark, Leshan) are installed by .ci/run.
// On a developer's machine without them a test skips and says so; under .ci/run
// (REQUIRE_PEERS=1) a missing peer is a failure, never a silent skip.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** True when `cmd` is usable; otherwise skips `t` (or fails under REQUIRE_PEERS=1). */
export function needPeer(t: TestContext, cmd: string, pkg: string): boolean {
  if (hasCommand(cmd)) return true;
  if (process.env.REQUIRE_PEERS === '1') throw new Error(`${cmd} is required (Debian package ${pkg}) but not installed`);
  t.skip(`skipped: ${cmd} not installed (apt-get install ${pkg})`);
  return false;
}

const ROOT = join(import.meta.dirname, '../..');

const json = (l: string) => {
  try {
    return JSON.parse(l);
  } catch {
    return { text: l }; // not JSON: kept, so that an assertion on the lines shows it
  }
};

/** What a client run by `inLoopbackNamespace` did: exit status, all its output, its stdout's JSON lines. */
export interface NamespaceRun {
  status: number | null;
  out: string;
  lines: any[];
}

/**
 * For a peer that cannot bind loopback only (gnutls-serv, ../shared/INTEROP.md): starts
 * `server` in the background inside a new network namespace with only `lo` up, waits until
 * it listens on UDP `port` (/proc/net/udp holds the local port in hex; iproute2's `ss` is
 * not needed), runs `client` (from the repository root, in the same namespace), then kills
 * the server and the child it forked per session. Returns the client's exit status and
 * output; its stdout is read as one JSON value a line (the sim/*-cli.ts clients' form).
 */
export function inLoopbackNamespace(server: string, port: number, client: string, timeoutMs: number): NamespaceRun {
  const script = `${server} >/dev/null 2>&1 & srv=$!; ` +
    `for i in $(seq 100); do grep -qi ':${port.toString(16).padStart(4, '0')} ' /proc/net/udp && break; sleep 0.05; done; ` +
    `${client}; rc=$?; pkill -9 -P $srv; kill -9 $srv; exit $rc`;
  const r = spawnSync('unshare', ['-n', 'bash', '-c', `ip link set lo up && ${script}`], { encoding: 'utf8', timeout: timeoutMs, cwd: ROOT });
  return { status: r.status, out: r.stdout + r.stderr, lines: r.stdout.trim().split('\n').filter(Boolean).map(json) };
}

/**
 * tshark capturing `filter` on loopback into `file`, returned once the capture is live.
 * dumpcap prints "Capturing on" a moment before packets reach the capture (a Leshan RPK run
 * under .ci/run lost its first ClientHello and ServerHello that way, and tshark then read the
 * raw public key as an X.509 chain): datagrams go to a port of our own, inside the filter,
 * until tshark prints one (-P -l). Those datagrams are in the capture too: `marker` is their
 * port, for a test that accounts for every frame.
 */
export async function liveCapture(filter: string, file: string): Promise<ChildProcess & { marker: number }> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const port = sock.address().port;
  const p = spawn('tshark', ['-i', 'lo', '-f', `(${filter}) or udp port ${port}`, '-w', file, '-P', '-l'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const tick = setInterval(() => sock.send('tshark start', port, '127.0.0.1'), 50);
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('tshark did not start capturing')), 15000);
      p.stdout!.once('data', () => {
        clearTimeout(t);
        resolve();
      });
      p.on('exit', (c) => reject(new Error('tshark exited ' + c)));
    });
  } finally {
    clearInterval(tick);
    sock.close();
  }
  p.stdout!.resume();
  return Object.assign(p, { marker: port });
}

/**
 * A UDP port free on 127.0.0.1 right now, for coap-server. Not a fixed number: this test also
 * runs in other worktrees at the same time (main and every branch carry it), and a shared
 * fixed port let one run's coap-server and capture see the other's traffic.
 */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}
