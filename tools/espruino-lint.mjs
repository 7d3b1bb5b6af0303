#!/usr/bin/env node
// Static checks for the Espruino 2v29 rules that a Node `vm` context cannot emulate
// (see ../shared/ESPRUINO.md). Run on dist/firmware.js by the test suite:
//   node tools/espruino-lint.mjs dist/firmware.js
// Each finding names its rule; the test suite proves every rule fires on a sample.
import { parse } from 'acorn';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Modules Espruino has built in; the only ones a bundle may require. */
export const ESPRUINO_MODULES = [
  'dgram', 'crypto', 'Storage', 'Wifi', 'net', 'http', 'fs', 'tls', 'ESP32', 'heatshrink', 'Flash',
];

/** Globals missing on Espruino 2v29 (a `typeof X` test is allowed: it is how helpers probe). */
const MISSING_GLOBALS = new Set([
  'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'Symbol', 'Proxy', 'Reflect', 'BigInt',
  'TextEncoder', 'TextDecoder', 'Buffer', 'queueMicrotask', 'setImmediate', 'process',
  'performance', 'globalThis', 'BigInt64Array', 'BigUint64Array',
]);

/** `Object.member` reads that are missing on Espruino 2v29. */
const MISSING_MEMBERS = {
  Array: ['from', 'of'],
  Uint8Array: ['from', 'of'],
  ArrayBuffer: ['isView'],
  Number: ['isInteger', 'MAX_SAFE_INTEGER', 'MIN_SAFE_INTEGER', 'isSafeInteger', 'EPSILON'],
  Math: ['imul', 'clz32', 'trunc', 'log2', 'sign', 'cbrt', 'hypot', 'fround'],
  // ESPRUINO.md measures Object.assign/entries/values as present; the project bans them anyway
  // (issue #2's stripped context removes them) so device code never depends on them.
  Object: ['freeze', 'seal', 'is', 'isFrozen', 'getOwnPropertySymbols', 'assign', 'entries', 'values', 'fromEntries'],
  Promise: ['race', 'allSettled', 'any'],
};
/** Method names missing on instances (flagged wherever called: `.lastIndexOf(`). */
const MISSING_METHODS = ['lastIndexOf', 'reduceRight', 'toPrecision', 'finally'];

/** Built-in constructors whose `.prototype.x` Espruino does not expose. */
const BUILTINS = new Set([
  'Array', 'Function', 'Object', 'String', 'Number', 'Boolean', 'RegExp', 'Date', 'Error',
  'Uint8Array', 'Uint16Array', 'Uint32Array', 'Int8Array', 'Int16Array', 'Int32Array',
  'Float32Array', 'Float64Array', 'ArrayBuffer', 'DataView', 'Promise',
]);

function isFunction(n) {
  return n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression';
}

/**
 * Returns the findings for `code`: [{rule, line, message}].
 */
export function lint(code) {
  const findings = [];
  let ast;
  try {
    ast = parse(code, { ecmaVersion: 5, locations: true });
  } catch (e) {
    return [{ rule: 'es5-syntax', line: e.loc ? e.loc.line : 0, message: e.message }];
  }
  const add = (rule, node, message) => findings.push({ rule, line: node.loc.start.line, message });

  // ---- scopes: each function (and the program) declares params, vars and function declarations.
  // Espruino does not hoist, so a declaration only exists once its line has run.
  const scopes = new Map(); // node -> scope
  function makeScope(node, parent) {
    const s = { node, parent, decls: new Map(), funcs: new Map(), calls: [], outerRefs: [] };
    scopes.set(node, s);
    if (node.type !== 'Program') {
      for (const p of node.params) s.decls.set(p.name, -1);
      if (node.type === 'FunctionExpression' && node.id) s.decls.set(node.id.name, -1);
    }
    collectDecls(node.type === 'Program' ? node : node.body, s, true);
    return s;
  }
  function collectDecls(node, s, top) {
    if (!node || typeof node.type !== 'string') return;
    if (node.type === 'VariableDeclaration') {
      for (const d of node.declarations) {
        if (!s.decls.has(d.id.name) || s.decls.get(d.id.name) > d.start) s.decls.set(d.id.name, d.start);
        if (d.init && d.init.type === 'FunctionExpression') s.funcs.set(d.id.name, d.init);
      }
    } else if (node.type === 'FunctionDeclaration') {
      if (!s.decls.has(node.id.name)) s.decls.set(node.id.name, node.start);
      s.funcs.set(node.id.name, node);
      return; // its body is its own scope
    } else if (node.type === 'FunctionExpression') {
      return;
    }
    for (const k of Object.keys(node)) {
      if (k === 'loc') continue;
      const v = node[k];
      if (Array.isArray(v)) v.forEach((c) => collectDecls(c, s, false));
      else if (v && typeof v.type === 'string') collectDecls(v, s, false);
    }
  }
  function resolve(s, name) {
    for (let t = s; t; t = t.parent) if (t.decls.has(name)) return t;
    return null;
  }

  // ---- one walk: references, immediate calls, and the per-node rules.
  function walk(node, s, parent, key) {
    if (!node || typeof node.type !== 'string') return;
    switch (node.type) {
      case 'Identifier': {
        const name = node.name;
        const isKey = parent && !parent.computed && ((parent.type === 'MemberExpression' && key === 'property') || (parent.type === 'Property' && key === 'key'));
        if ((name === 'of' || name === 'let') && !isKey) add('reserved-identifier', node, `identifier \`${name}\` cannot be used on Espruino`);
        if (isDeclOrKey(node, parent, key)) break;
        const owner = resolve(s, name);
        if (!owner) {
          const inTypeof = parent && parent.type === 'UnaryExpression' && parent.operator === 'typeof';
          if (MISSING_GLOBALS.has(name) && !inTypeof) add('missing-builtin', node, `${name} does not exist on Espruino`);
        } else if (owner === s) {
          const at = s.decls.get(name);
          if (at > node.start) add('use-before-declaration', node, `\`${name}\` is used before its declaration (Espruino does not hoist)`);
        } else {
          s.outerRefs.push({ owner, name, node });
        }
        break;
      }
      case 'LabeledStatement':
        add('label', node, `labelled statement \`${node.label.name}:\` is not supported`);
        break;
      case 'SwitchStatement': {
        const d = node.cases.findIndex((c) => c.test === null);
        if (d >= 0 && d < node.cases.length - 1) add('default-before-case', node.cases[d], '`default` before a later `case` throws on Espruino');
        break;
      }
      case 'ArrayExpression':
        if (node.elements.some((e) => e === null)) add('array-hole', node, 'array holes are a parse error on Espruino');
        break;
      case 'Literal':
        if (node.regex) checkRegex(node);
        break;
      case 'MemberExpression': {
        const o = node.object;
        if (
          o.type === 'MemberExpression' && !o.computed && o.property.name === 'prototype' &&
          o.object.type === 'Identifier' && BUILTINS.has(o.object.name) && !resolve(s, o.object.name) &&
          !(parent && parent.type === 'AssignmentExpression' && key === 'left')
        ) {
          add('builtin-prototype', node, `${o.object.name}.prototype.${node.property.name || '[…]'} is undefined on Espruino`);
        }
        if (!node.computed && o.type === 'Identifier' && !resolve(s, o.name) && MISSING_MEMBERS[o.name] &&
          MISSING_MEMBERS[o.name].includes(node.property.name)) {
          add('missing-builtin', node, `${o.name}.${node.property.name} does not exist on Espruino`);
        }
        if (!node.computed && MISSING_METHODS.includes(node.property.name) && parent && parent.type === 'CallExpression' && key === 'callee') {
          add('missing-builtin', node, `.${node.property.name}() does not exist on Espruino`);
        }
        break;
      }
      case 'LogicalExpression':
        if (node.right.type === 'SequenceExpression') add('logical-sequence', node, '`a && (x = …, …)` shape hangs Espruino (terser sequences:false avoids it)');
        break;
      case 'CallExpression':
        if (node.callee.type === 'Identifier') {
          const owner = resolve(s, node.callee.name);
          if (owner && owner.funcs.has(node.callee.name)) s.calls.push({ owner, fn: owner.funcs.get(node.callee.name), at: node.start, node });
        }
        break;
      default:
        break;
    }
    if (isFunction(node)) {
      const inner = makeScope(node, s);
      // an immediately invoked function runs now: its body counts as this scope's code
      if (parent && parent.type === 'CallExpression' && key === 'callee') inner.iife = { scope: s, at: node.start };
      for (const p of node.params) walk(p, inner, node, 'params');
      walk(node.body, inner, node, 'body');
      return;
    }
    for (const k of Object.keys(node)) {
      if (k === 'loc') continue;
      const v = node[k];
      if (Array.isArray(v)) v.forEach((c) => walk(c, s, node, k));
      else if (v && typeof v.type === 'string') walk(v, s, node, k);
    }
  }

  function isDeclOrKey(node, parent, key) {
    if (!parent) return false;
    if (parent.type === 'MemberExpression' && key === 'property' && !parent.computed) return true;
    if (parent.type === 'Property' && key === 'key' && !parent.computed) return true;
    if (parent.type === 'VariableDeclarator' && key === 'id') return true;
    if ((parent.type === 'FunctionDeclaration' || parent.type === 'FunctionExpression') && (key === 'id' || key === 'params')) return true;
    if ((parent.type === 'LabeledStatement' || parent.type === 'BreakStatement' || parent.type === 'ContinueStatement') && key === 'label') return true;
    if (parent.type === 'CatchClause' && key === 'param') return true;
    return false;
  }

  function checkRegex(node) {
    const { pattern, flags } = node.regex;
    const bad = [];
    if (/\(\?[:=!]/.test(pattern)) bad.push('(?: / lookahead');
    if (/\\b/.test(pattern)) bad.push('\\b');
    if (/\\u/.test(pattern)) bad.push('\\uXXXX');
    if (/\{\d+(,\d*)?\}/.test(pattern)) bad.push('{n} quantifier');
    if (/\)\?/.test(pattern)) bad.push('optional group');
    if (flags.includes('m')) bad.push('m flag');
    if (bad.length) add('regex', node, `regex /${pattern}/${flags} uses ${bad.join(', ')}, which Espruino mishandles silently`);
  }

  const program = makeScope(ast, null);
  walk(ast, program, null, null);

  // ---- calls made while a scope's own code runs reach into the called function's body:
  // an outer name it reads must be declared before the call. Follows calls transitively.
  for (const s of scopes.values()) {
    const seen = new Set();
    const work = s.calls.filter((c) => c.owner === s).map((c) => ({ fn: c.fn, at: c.at, node: c.node }));
    for (const inner of scopes.values()) if (inner.iife && inner.iife.scope === s) work.push({ fn: inner.node, at: inner.iife.at, node: inner.node });
    while (work.length) {
      const { fn, at, node } = work.pop();
      if (seen.has(fn)) continue;
      seen.add(fn);
      const fs = scopes.get(fn);
      if (!fs) continue;
      for (const r of fs.outerRefs) {
        if (r.owner === s && s.decls.get(r.name) > at) {
          add('use-before-declaration', node, `call here runs code that reads \`${r.name}\` before its declaration (line ${r.node.loc.start.line})`);
        }
      }
      for (const c of fs.calls) if (c.owner === s) work.push({ fn: c.fn, at, node });
      for (const innerScope of scopes.values()) if (innerScope.iife && innerScope.iife.scope === fs) work.push({ fn: innerScope.node, at, node });
    }
  }
  return findings;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: espruino-lint.mjs FILE.js');
    process.exit(2);
  }
  const findings = lint(readFileSync(file, 'utf8'));
  for (const f of findings) console.log(`${file}:${f.line}: [${f.rule}] ${f.message}`);
  console.log(findings.length ? `${findings.length} Espruino problem(s)` : 'no Espruino problems');
  process.exit(findings.length ? 1 : 0);
}
