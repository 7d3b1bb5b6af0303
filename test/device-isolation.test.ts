// Device code (firmware/, objects/, transport/) must never see Node: it compiles against
// ES5 + @types/espruino only (tsconfig.json), and imports nothing outside the device tree
// but tweetnacl. These tests prove both guards can fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, relative, dirname, resolve } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const DEVICE_DIRS = ['firmware', 'objects', 'transport'];
const ALLOWED_PACKAGES = ['tweetnacl'];

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('device files import only device files and tweetnacl', () => {
  const problems: string[] = [];
  for (const d of DEVICE_DIRS) {
    for (const file of tsFiles(join(ROOT, d))) {
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)[^'"\n;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]/g)) {
        const spec = m[1] || m[2];
        if (spec.startsWith('.')) {
          const target = relative(ROOT, resolve(dirname(file), spec));
          if (!DEVICE_DIRS.some((x) => target.startsWith(x + '/'))) problems.push(`${relative(ROOT, file)} imports ${spec} (outside the device tree)`);
        } else if (!ALLOWED_PACKAGES.includes(spec)) {
          problems.push(`${relative(ROOT, file)} imports ${spec}`);
        }
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('the device tsconfig rejects Node modules, Node globals and post-ES5 built-ins', () => {
  const dir = join(ROOT, '.tmp-device-probe');
  mkdirSync(dir, { recursive: true });
  try {
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json', include: ['*.ts'] }));
    const probes: Record<string, string> = {
      'node-module': "import { readFileSync } from 'node:fs';\nexport var f = readFileSync;\n",
      'node-global': 'export var p = process.pid + Buffer.length;\n',
      'map': 'export var m = new Map();\n',
    };
    for (const [name, code] of Object.entries(probes)) {
      writeFileSync(join(dir, 'probe.ts'), code);
      const r = spawnSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', dir], { encoding: 'utf8' });
      assert.notEqual(r.status, 0, `${name} probe compiled in the device world`);
      assert.match(r.stdout, /error TS/, name);
    }
    writeFileSync(join(dir, 'probe.ts'), 'export var ok = new Uint8Array(4).subarray(1).length;\n');
    const ok = spawnSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', dir], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
