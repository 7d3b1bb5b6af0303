// Real peers (duktape, libcoap, OpenSSL, GnuTLS, tshark, Leshan) are installed by .ci/run.
// On a developer's machine without them a test skips and says so; under .ci/run
// (REQUIRE_PEERS=1) a missing peer is a failure, never a silent skip.
import { execFileSync } from 'node:child_process';
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
