// Running code in Espruino's Linux build (ESPRUINO_BIN) from the tests and benches.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { espruinoBin } from '../../tools/espruino/bin.mjs';

/** Runs `code` in Espruino (`bin`, default the ESPRUINO_BIN or cached build: tools/espruino/bin.mjs), stdin a FIFO opened read-write (EOF on stdin feeds garbage to its REPL). */
export function runEspruino(code: string, timeoutS = 60, bin = espruinoBin()): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'espruino-'));
  try {
    const file = join(dir, 'run.js');
    writeFileSync(file, code);
    execFileSync('mkfifo', [join(dir, 'stdin')]);
    const r = spawnSync('sh', ['-c', `exec timeout ${timeoutS} "$0" "$1" 0<>"$2"`, bin!, file, join(dir, 'stdin')], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
    return { status: r.status, out: (r.stdout || '').replace(/\r/g, '') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
