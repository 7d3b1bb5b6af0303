// Runs Espruino's Linux build (ESPRUINO_BIN) as a child process in a directory of its
// own: its Storage lives in `espruino.flash` in the working directory, so successive
// runs in one directory see the same flash (a reboot), and a kill -9 mid-write is a
// power cut. stdin is a FIFO opened read-write (EOF on stdin feeds its REPL garbage).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { espruinoBin, espruinoRequired, NO_ESPRUINO } from '../../tools/espruino/bin.mjs';

/** The board's stand-in (tools/espruino/bin.mjs: ESPRUINO_BIN, else the cached `npm run espruino:build`), or ''. */
export const ESPRUINO_BIN = espruinoBin();

/**
 * The `skip` option of a test that needs ESPRUINO_BIN: false when there is a binary, else the
 * reason. Under CI (CI=true or REQUIRE_PEERS=1) a missing binary throws instead, so the test
 * file fails rather than skipping.
 */
export function espruinoSkip(): string | false {
  if (ESPRUINO_BIN && existsSync(ESPRUINO_BIN)) return false;
  const why = ESPRUINO_BIN ? `ESPRUINO_BIN '${ESPRUINO_BIN}' not found` : NO_ESPRUINO;
  if (espruinoRequired()) throw new Error(`Espruino is required under CI: ${why}`);
  return `skipped: ${why}`;
}

export function espruinoDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'espruino-board-'));
  execFileSync('mkfifo', [join(dir, 'stdin')]);
  return dir;
}

export interface EspruinoRun {
  proc: ChildProcess;
  /** Output so far, CRs removed. */
  out(): string;
  /** Resolves when a line matching `re` appears (rejects with the output on exit or timeout). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the whole output when the process exits. */
  done: Promise<{ code: number | null; out: string }>;
  kill(): void;
}

/** Starts `ESPRUINO_BIN [args]` in `dir`. `file` (if given) is run as the program. */
export function startEspruino(dir: string, args: string[], bin = ESPRUINO_BIN!, timeoutS = 60): EspruinoRun {
  if (!existsSync(join(dir, 'stdin'))) execFileSync('mkfifo', [join(dir, 'stdin')]);
  // sh execs the interpreter itself, so proc.pid is Espruino's pid (a kill reaches it)
  const proc = spawn('sh', ['-c', 'exec "$0" "$@" 0<>stdin', bin, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const guard = setTimeout(() => proc.kill('SIGKILL'), timeoutS * 1000);
  let out = '';
  const waiters: (() => void)[] = [];
  const onData = (d: Buffer) => {
    out += d.toString('latin1').replace(/\r/g, '');
    waiters.slice().forEach((w) => w());
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const done = new Promise<{ code: number | null; out: string }>((resolve) => proc.on('close', (code) => {
    waiters.slice().forEach((w) => w());
    resolve({ code, out });
  }));
  let exited = false;
  done.then(() => {
    exited = true;
    clearTimeout(guard);
  });
  return {
    proc,
    out: () => out,
    done,
    kill: () => {
      if (!exited) proc.kill('SIGKILL');
    },
    waitFor(re: RegExp, timeoutMs = 30000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          // complete lines only: output arrives in pieces
          const m = out.slice(0, out.lastIndexOf('\n') + 1).match(re);
          if (m) {
            cleanup();
            resolve(m);
          } else if (/OUT OF MEMORY|LOW_MEMORY/.test(out)) {
            cleanup();
            reject(new Error(`Espruino ran out of memory before ${re}:\n${out}`));
          } else if (exited) {
            cleanup();
            reject(new Error(`Espruino exited before ${re}:\n${out}`));
          }
        };
        const t = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${re}:\n${out}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(t);
          const i = waiters.indexOf(check);
          if (i >= 0) waiters.splice(i, 1);
        };
        waiters.push(check);
        check();
      });
    },
  };
}
