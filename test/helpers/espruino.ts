// Running code in Espruino's Linux build (ESPRUINO_BIN) from the tests and benches.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs `code` in Espruino (`bin`, default ESPRUINO_BIN), stdin a FIFO opened read-write (EOF on stdin feeds garbage to its REPL). */
export function runEspruino(code: string, timeoutS = 60, bin = process.env.ESPRUINO_BIN): { status: number | null; out: string } {
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

/**
 * Espruino code writing the file `path` into Storage as `name`, in chunks: an RPK bundle
 * (~125 KB) read whole into RAM leaves the ESP32-like build too few variables.
 */
export function storageWriteCode(path: string, name = 'lwm2m.js'): string {
  return `(function () { var f = E.openFile(${JSON.stringify(path)}, 'r'), S = require('Storage'), n = require('fs').statSync(${JSON.stringify(path)}).size, o = 0, c;\n` +
    `while ((c = f.read(2048)) !== undefined) { if (o === 0) S.write(${JSON.stringify(name)}, c, 0, n); else S.write(${JSON.stringify(name)}, c, o); o += c.length; } f.close(); })();\n`;
}
