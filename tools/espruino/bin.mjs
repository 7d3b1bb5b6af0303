// Where the board's stand-in is: the Espruino binary the tests, the HIL runner, mem:report,
// mem:map and bench:board run.
//   ESPRUINO_BIN=/path/to/espruino   that binary;
//   ESPRUINO_BIN= (set, empty)       none: the tests that need it skip (fail under CI);
//   ESPRUINO_BIN unset               the cached build of tools/espruino/build.sh for today's inputs
//                                    (`npm run espruino:build` made it), if there is one; a build of
//                                    other inputs (an older board file or patch) is never picked up.
// The cache key is build.sh's: the first 16 hex digits of the SHA-256 of the Espruino source
// archive, LINUX_ESP32.py, the *.patch files (in name order) and build.sh, concatenated.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pretokenise } from '../pretokenise.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The Espruino source archive build.sh builds from (ESPRUINO_SRC overrides). */
export function espruinoSource(env = process.env) {
  return env.ESPRUINO_SRC || join(HERE, '../../../shared/espruino/espruino-2v29-src.tar.xz');
}

/** build.sh's cache directory for today's inputs, or '' when the source archive is missing. */
export function espruinoCacheDir(env = process.env) {
  const src = espruinoSource(env);
  if (!existsSync(src)) return '';
  const h = createHash('sha256');
  const patches = readdirSync(HERE).filter((f) => f.endsWith('.patch')).sort();
  for (const f of [src, join(HERE, 'LINUX_ESP32.py'), ...patches.map((p) => join(HERE, p)), join(HERE, 'build.sh')]) h.update(readFileSync(f));
  const cache = env.LWM2M_ESPRUINO_CACHE || join(env.HOME || homedir(), '.cache/lwm2m-espruino');
  return join(cache, `2v29-esp32-${h.digest('hex').slice(0, 16)}`);
}

/** The binary to run: ESPRUINO_BIN when set (empty: none), else the cached build if it exists, else ''. */
export function espruinoBin(env = process.env) {
  if (env.ESPRUINO_BIN !== undefined) return env.ESPRUINO_BIN;
  const dir = espruinoCacheDir(env);
  return dir && existsSync(join(dir, 'espruino')) ? join(dir, 'espruino') : '';
}

/** Under CI (CI=true, or .ci/run's REQUIRE_PEERS=1) a missing binary is a failure, not a skip. */
export function espruinoRequired(env = process.env) {
  return env.CI === 'true' || env.REQUIRE_PEERS === '1';
}

/** What to tell someone who has no binary. */
export const NO_ESPRUINO = 'no Espruino build: run `npm run espruino:build` once (or set ESPRUINO_BIN)';

/**
 * The host file a board's Storage should get for `path`: for ES5 code (a `.js` file acorn reads as ES5,
 * such as every bundle the build writes) its pretokenised copy (tools/pretokenise.mjs), made once per
 * content in the temporary directory; `path` itself for anything else (a configuration, code in a later
 * JavaScript, a relative path: the stand-in's run may read it from another directory).
 */
export function storageCopy(path) {
  if (!path.endsWith('.js') || !isAbsolute(path) || !existsSync(path)) return path;
  const code = readFileSync(path);
  // one copy per content and tokeniser
  const key = createHash('sha256').update(code).update(readFileSync(join(HERE, '../pretokenise.mjs'))).digest('hex').slice(0, 16);
  const copy = join(tmpdir(), `lwm2m-storage-${key}.js`);
  if (existsSync(copy)) return copy;
  let bytes;
  try {
    bytes = Buffer.from(pretokenise(code.toString('utf8')), 'latin1');
  } catch {
    return path; // not ES5: stored as it is, as the board's own lexer reads any JavaScript it runs
  }
  writeFileSync(copy + '.part', bytes);
  renameSync(copy + '.part', copy);
  return copy;
}

/**
 * JavaScript for the stand-in that copies the host file `path` (its pretokenised form when it is ES5
 * code: storageCopy) into Storage file `name` in 2 KB
 * writes, as the espruino CLI uploads. One write of a whole bundle read into RAM
 * (`Storage.write(name, require('fs').readFileSync(path))`) fails on this build as on the ESP32:
 * a string that is not flat is copied onto the 25 KB stack first ("Can't get pointer to data to write").
 */
export function storeFileCode(name, path) {
  const n = JSON.stringify(name);
  const p = JSON.stringify(storageCopy(path));
  return `(function(){var f=E.openFile(${p},'r'),S=require('Storage'),z=require('fs').statSync(${p}).size,o=0,c;` +
    `while((c=f.read(2048))!==undefined){if(o===0)S.write(${n},c,0,z);else S.write(${n},c,o);o+=c.length;}f.close();})();`;
}

/**
 * Writes host files into the Storage of a stand-in whose flash lives in `dir` (espruino.flash),
 * in a run of their own, as a board's Storage is written by the espruino CLI before it boots:
 * the run that measures then starts with nothing of the copying in its RAM (the fs module, the
 * file handle). `files` maps Storage names to host paths.
 */
export function storeFiles(bin, dir, files) {
  const code = Object.entries(files).map(([n, p]) => storeFileCode(n, p)).join('\n') + "\nprint('STORED');quit();\n";
  writeFileSync(join(dir, 'store.js'), code);
  const r = spawnSync('sh', ['-c', 'exec timeout 120 "$0" store.js </dev/null', bin], { cwd: dir, encoding: 'latin1' });
  rmSync(join(dir, 'store.js'), { force: true });
  if (!/STORED/.test(r.stdout || '')) throw new Error(`storing ${Object.keys(files).join(', ')} in Espruino's Storage failed:\n${(r.stdout || '').slice(-2000)}${r.stderr || ''}`);
}
