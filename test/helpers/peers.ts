// Real peers (duktape, libcoap, OpenSSL, GnuTLS, tshark, Leshan) are installed by .ci/run.
// On a developer's machine without them a test skips and says so; under .ci/run
// (REQUIRE_PEERS=1) a missing peer is a failure, never a silent skip.
import { execFileSync, spawnSync } from 'node:child_process';
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
