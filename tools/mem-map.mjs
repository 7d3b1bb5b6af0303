#!/usr/bin/env node
// npm run mem:map (needs ESPRUINO_BIN): how many of Espruino's variables each source
// module costs when dist/firmware.js is evaluated from Storage, measured inside Espruino
// itself. The bundle is cut at its top-level statements; each run of statements from one
// module is followed by a probe that charges the change in process.memory().usage to that
// module. Function bodies stay in flash, so what is counted is what loading builds in
// RAM: function objects, their parameter and scope links, top-level names, and tables.
// `--json` prints the same as JSON; `--bundle dist/firmware-rpk.js` maps another bundle.
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'acorn';
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import { espruinoBin, storeFileCode, NO_ESPRUINO } from './espruino/bin.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = espruinoBin();
if (!BIN) {
  console.error(`mem-map: ${NO_ESPRUINO}`);
  process.exit(2);
}
const bi = process.argv.indexOf('--bundle');
if (bi >= 0 && !process.argv[bi + 1]) {
  console.error('mem-map: --bundle needs a path (e.g. dist/firmware-rpk.js)');
  process.exit(2);
}
const codePath = bi >= 0 ? resolve(process.argv[bi + 1]) : join(root, 'dist/firmware.js');
if (!existsSync(codePath) || !existsSync(codePath + '.map')) {
  console.error(`mem-map: --bundle ${codePath}: no such bundle with its .map (npm run build)`);
  process.exit(2);
}
const code = readFileSync(codePath, 'utf8');
const map = new TraceMap(JSON.parse(readFileSync(codePath + '.map', 'utf8')));
const ast = parse(code, { ecmaVersion: 5, locations: true });
const moduleOf = (node) => {
  const p = originalPositionFor(map, { line: node.loc.start.line, column: node.loc.start.column + 1 });
  if (!p.source) return '(glue)';
  const rel = relative(root, resolve(join(root, 'dist'), p.source));
  return rel.startsWith('..') ? p.source : rel.replace(/^.*node_modules\//, 'node_modules/');
};

// Runs of consecutive statements from the same module.
// terser's hoist_vars folds every top-level `var` into one statement: split it back
// into one statement per declarator (same order, same meaning at top level).
const runs = [];
const add = (m, text) => {
  const last = runs[runs.length - 1];
  if (last && last.m === m) last.text += '\n' + text;
  else runs.push({ m, text });
};
for (const st of ast.body) {
  if (st.type === 'VariableDeclaration') for (const d of st.declarations) add(moduleOf(d), 'var ' + code.slice(d.start, d.end) + ';');
  else add(moduleOf(st), code.slice(st.start, st.end));
}
const names = [...new Set(runs.map((r) => r.m))];
let out = 'var __u=process.memory().usage,__c=new Uint16Array(' + names.length + '),__t;\n';
for (const r of runs) {
  out += r.text + '\n';
  out += `__t=process.memory().usage;__c[${names.indexOf(r.m)}]+=__t-__u;__u=__t;\n`;
}
const dir = mkdtempSync(join(tmpdir(), 'mem-map-'));
try {
  writeFileSync(join(dir, 'b.js'), out);
  writeFileSync(join(dir, 'run.js'), [
    storeFileCode('b.js', join(dir, 'b.js')), // pretokenised, as a board holds it
    `var m0 = process.memory().usage;`,
    `eval(require('Storage').read('b.js'));`,
    `print('TOTAL ' + (process.memory().usage - m0));`,
    `print('COUNTS ' + [].join.call(__c, ','));`,
    `quit();`,
  ].join('\n'));
  execFileSync('mkfifo', [join(dir, 'stdin')]);
  const txt = execFileSync('sh', ['-c', `exec "$0" run.js 0<>stdin`, BIN], { cwd: dir, timeout: 60000 }).toString();
  const total = Number(/TOTAL (\d+)/.exec(txt)?.[1]);
  const counts = /COUNTS ([\d,]+)/.exec(txt)?.[1].split(',').map(Number);
  if (!counts) throw new Error('mem-map: Espruino did not finish loading:\n' + txt.slice(-2000));
  const rows = names.map((n, i) => [n, counts[i]]).sort((a, b) => b[1] - a[1]);
  const area = (f) => (f.startsWith('(') ? f : f.split('/').slice(0, 2).join('/').replace(/\.ts$/, ''));
  const areas = {};
  for (const [f, n] of rows) areas[area(f)] = (areas[area(f)] || 0) + n;
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ total, modules: Object.fromEntries(rows), areas }, null, 2));
  } else {
    console.log(`${relative(root, codePath)} from Storage: ${total} variables (probes included; counts below exclude them)`);
    console.log('\nby module:');
    for (const [f, n] of rows) console.log(`  ${String(n).padStart(6)}  ${f}`);
    console.log('\nby area:');
    for (const [a, n] of Object.entries(areas).sort((x, y) => y[1] - x[1])) console.log(`  ${String(n).padStart(6)}  ${a}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
