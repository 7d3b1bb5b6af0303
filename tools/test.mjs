#!/usr/bin/env node
// npm test (after npm run build): host typecheck, the import-cycle check, then every test/**/*.test.ts on
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

// No import cycle in the device tree nor the simulator (tools/import-cycles.mjs).
const cyc = spawnSync(process.execPath, [join(root, 'tools/import-cycles.mjs')], { cwd: root, stdio: 'inherit' });
if (cyc.status !== 0) {
  console.error('test: import cycles found (tools/import-cycles.mjs)');
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
// Unit tests run in parallel; tests against real peers (test/interop/: captures, fixed
// ports, external processes) run one file at a time so that timing stays honest on 2 cores.
const unit = files.filter((f) => !f.startsWith('test/interop/'));
const interop = files.filter((f) => f.startsWith('test/interop/'));
let status = 0;
for (const [group, extra] of [[unit, []], [interop, ['--test-concurrency=1']]]) {
  if (!group.length) continue;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...extra, ...group], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) status = r.status ?? 1;
}
process.exit(status);
