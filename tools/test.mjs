#!/usr/bin/env node
// npm test (after npm run build): host typecheck, then every test/**/*.test.ts on
// node's built-in runner through tsx. Extra arguments filter test files by substring.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tc = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.host.json'], { cwd: root, stdio: 'inherit' });
if (tc.status !== 0) {
  console.error('test: host typecheck (tsconfig.host.json) failed');
  process.exit(1);
}

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}
const filters = process.argv.slice(2);
const files = find(join(root, 'test')).filter((f) => !filters.length || filters.some((x) => f.includes(x))).sort();
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
