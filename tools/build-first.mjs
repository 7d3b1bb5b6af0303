// The tools that run a bundle (`npm start`, flash, hil) build it first, after checking their
// arguments: only the bundles they need, and only when stale (tools/build.mjs --if-stale).
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(import.meta.url), '../..');
const NAMES = ['firmware', 'firmware-rpk', 'firmware-rpk-ed25519', 'fw-verify', 'fw-verify-ed25519'];

/** The build's name for a bundle path (dist/firmware-rpk.js → firmware-rpk), or null when the build does not make it. */
export function bundleName(path) {
  for (const n of NAMES) if (resolve(path) === join(ROOT, 'dist', n + '.js')) return n;
  return null;
}

/** Builds the stale ones of these bundle paths (others are left alone); throws when the build fails. */
export function buildIfStale(paths) {
  const names = [...new Set(paths.map(bundleName).filter(Boolean))];
  if (!names.length) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'tools/build.mjs'), '--if-stale', '--only', names.join(',')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`the build of ${names.map((n) => `dist/${n}.js`).join(', ')} failed`);
}
