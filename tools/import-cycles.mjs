#!/usr/bin/env node
// Import-cycle check (issue 17 item 4), run by tools/test.mjs before the tests: parses every
// .ts file under firmware/, objects/, transport/ and sim/ with TypeScript's parser, follows the
// static relative imports and re-exports that load code, and fails naming each cycle. Imports
// that are erased at compile time do not count: `import type`, `export type`, and imports
// whose specifiers are all `type`. Dynamic `import()` runs later and does not count either.
// Usage: node tools/import-cycles.mjs [dir...]   (exit 1 and one line per cycle if any)
import ts from 'typescript';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIRS = ['firmware', 'objects', 'transport', 'sim'];

function tsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

// The file a relative specifier names ('./x', './x.js', './x.ts', './dir'), or undefined.
function resolveSpec(from, spec) {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec.replace(/\.(m?js|ts)$/, ''));
  for (const p of [base + '.ts', join(base, 'index.ts')]) if (existsSync(p)) return p;
  return undefined;
}

// The specifiers of the imports and re-exports of one source text that load code at run time.
export function runtimeImports(text, fileName = 'x.ts') {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out = [];
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      const c = st.importClause;
      if (c) {
        if (c.isTypeOnly) continue;
        const nb = c.namedBindings;
        const allTypes = !c.name && nb && ts.isNamedImports(nb) && nb.elements.length > 0 && nb.elements.every((e) => e.isTypeOnly);
        if (allTypes) continue;
      }
      out.push(st.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier) {
      if (st.isTypeOnly) continue;
      const ec = st.exportClause;
      if (ec && ts.isNamedExports(ec) && ec.elements.length > 0 && ec.elements.every((e) => e.isTypeOnly)) continue;
      out.push(st.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(st) && !st.isTypeOnly && ts.isExternalModuleReference(st.moduleReference)) {
      out.push(st.moduleReference.expression.text);
    }
  }
  return out;
}

// Every cycle (strongly connected component of more than one file, or a file importing
// itself) in the import graph of the .ts files under dirs, as lists of paths relative to base.
export function findCycles(dirs = DIRS, base = root) {
  const files = dirs.flatMap((d) => tsFiles(join(base, d)));
  const edges = {};
  for (const f of files) {
    edges[f] = [];
    for (const spec of runtimeImports(readFileSync(f, 'utf8'), f)) {
      const t = resolveSpec(f, spec);
      if (t && !edges[f].includes(t)) edges[f].push(t);
    }
  }
  // Tarjan's strongly connected components, iterative (the graph is a few hundred files).
  let index = 0;
  const idx = {}, low = {}, onStack = {}, stack = [], cycles = [];
  for (const start of files) {
    if (idx[start] !== undefined) continue;
    const work = [[start, 0]];
    idx[start] = low[start] = index++;
    stack.push(start);
    onStack[start] = true;
    while (work.length) {
      const top = work[work.length - 1];
      const [v, i] = top;
      const next = (edges[v] || [])[i];
      if (next !== undefined) {
        top[1]++;
        if (idx[next] === undefined) {
          idx[next] = low[next] = index++;
          stack.push(next);
          onStack[next] = true;
          work.push([next, 0]);
        } else if (onStack[next]) low[v] = Math.min(low[v], idx[next]);
        continue;
      }
      work.pop();
      if (work.length) {
        const u = work[work.length - 1][0];
        low[u] = Math.min(low[u], low[v]);
      }
      if (low[v] === idx[v]) {
        const scc = [];
        let w;
        do {
          w = stack.pop();
          onStack[w] = false;
          scc.push(w);
        } while (w !== v);
        if (scc.length > 1 || (edges[v] || []).includes(v)) cycles.push(scc.map((p) => relative(base, p)).sort());
      }
    }
  }
  return cycles;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dirs = process.argv.slice(2);
  for (const d of dirs) {
    if (!existsSync(join(root, d))) {
      console.error(`import-cycles: no such directory: ${d}`);
      process.exit(2);
    }
  }
  const cycles = findCycles(dirs.length ? dirs : DIRS);
  for (const c of cycles) console.error(`import cycle: ${c.join(' <-> ')}`);
  if (cycles.length) process.exit(1);
}
