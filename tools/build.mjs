#!/usr/bin/env node
// npm run build: device typecheck, microbundle to one ES5 IIFE, then checks that the
// bundle needs nothing but Espruino's built-in modules. Writes dist/firmware.js (+ .map).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync, mkdirSync, renameSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative, resolve } from 'node:path';
import { ESPRUINO_MODULES } from './espruino-lint.mjs';
import { parse } from 'acorn';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

// 1. The device world typechecks against ES5 + @types/espruino only (tsconfig.json).
run(bin('tsc'), ['-p', 'tsconfig.json']);

// 2. microbundle: rpt2 compiles TS, babel lowers to ES5 (browserslist ie 11), terser minifies
//    with the Espruino-safe options in package.json's "minify" (hoist_funs, hoist_vars,
//    inline:false, sequences:false, `of`/`let` reserved). IIFE: Espruino has no `exports`.
const tmp = join(root, 'dist', '.mb');
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });
run(bin('microbundle'), [
  '-i', 'firmware/main.ts', '-o', join(tmp, 'firmware.js'), '--format', 'iife', '--target', 'web',
  '--name', 'LwM2M', '--tsconfig', 'tsconfig.json', '--generateTypes', 'false',
]);
// With "type":"module" microbundle names the IIFE `.cjs`; it is a plain script.
let code = readFileSync(join(tmp, 'firmware.cjs'), 'utf8');
code = code.replace(/\n?\/\/# sourceMappingURL=.*\s*$/, '\n');
code = unwrap(code);
const map = JSON.parse(readFileSync(join(tmp, 'firmware.cjs.map'), 'utf8'));
map.file = 'firmware.js';
map.sources = map.sources.map((s) => relative(join(root, 'dist'), resolve(tmp, s)));
writeFileSync(join(root, 'dist', 'firmware.js'), code);
writeFileSync(join(root, 'dist', 'firmware.js.map'), JSON.stringify(map));
rmSync(tmp, { recursive: true, force: true });

/**
 * The one post-pass: unwrap microbundle's IIFE `var LwM2M=function(t){BODY;return t}({});`
 * into top-level code `var LwM2M={},t=LwM2M;BODY`. Espruino copies a function's body into
 * RAM when it defines the function, so an IIFE around the whole bundle holds the entire
 * text in RAM once more while its inner functions are defined: the 78 KB bundle ran out of
 * memory halfway through loading on the ESP32-like build, and loads unwrapped (measured,
 * see README). The replacement is one character shorter than what it replaces; a space keeps
 * every source-map column valid. Top-level names become globals on the board, so terser is
 * told (package.json minify.mangle.reserved) never to produce an Espruino global's name.
 */
function unwrap(src) {
  const m = /^var LwM2M=function\((\w+)\)\{/.exec(src);
  const tail = m && new RegExp(`return ${m[1]}\\}\\(\\{\\}\\);?\\s*$`).exec(src);
  if (!m || !tail) {
    console.error('build: unexpected bundle shape; cannot unwrap the IIFE');
    process.exit(1);
  }
  const head = `var LwM2M={},${m[1]}=LwM2M;`;
  return head + ' '.repeat(m[0].length - head.length) + src.slice(m[0].length, tail.index) + '\n';
}

// 4. Unwrapped, the bundle's top-level names are globals on the board: none may be one of
//    Espruino's (a top-level `load` or `E` would replace the board's own).
{
  const reserved = new Set(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).minify.mangle.reserved);
  reserved.delete('LwM2M');
  const clash = [];
  for (const st of parse(code, { ecmaVersion: 5 }).body) {
    if (st.type === 'VariableDeclaration') for (const d of st.declarations) if (reserved.has(d.id.name)) clash.push(d.id.name);
    if (st.type === 'FunctionDeclaration' && reserved.has(st.id.name)) clash.push(st.id.name);
  }
  if (clash.length) {
    console.error(`build: top-level names that are Espruino globals (rename them in the source): ${clash.join(', ')}`);
    process.exit(1);
  }
}

// 3. Nothing from Node or npm may remain as a require: only Espruino's own modules.
const bad = [];
for (const m of code.matchAll(/\brequire\(\s*(["'])([^"']*)\1\s*\)/g)) {
  if (!ESPRUINO_MODULES.includes(m[2])) bad.push(m[2]);
}
if (bad.length) {
  console.error(`build: dist/firmware.js requires non-Espruino modules: ${bad.join(', ')}`);
  process.exit(1);
}
console.log(`build: dist/firmware.js ${Buffer.byteLength(code)} bytes`);
