#!/usr/bin/env node
// npm run build: device typecheck, microbundle to one ES5 IIFE, post-passes that make it
// cheaper on Espruino, then checks. Writes dist/firmware.js, firmware-rpk.js and
// firmware-rpk-ed25519.js, each with its source map and the list of the properties it
// renamed (dist/NAME.props.json). The steps, in the order they run:
//   1. typecheck the device tree (tsconfig.json: ES5 + @types/espruino only)
//   2. microbundle: TypeScript -> babel (ES5) -> terser, one IIFE per bundle
//   3. unwrap the IIFE into top-level code                      (unwrap)
//   4. classes out of babel's IIFEs                             (liftClasses)
//   5. export namespaces built on access                        (lazyNamespaces)
//  5b. LwM2M itself built on access, a getter of the global      (lazyApi)
//   6. `{__proto__: null}` literals made ordinary                (noNullProto)
//   7. tables of constants and constant numbers inlined         (inlineConstants)
//   8. long property names shortened, the API's names kept      (shortenProperties)
//   9. top-level names out of the board script's way: `$` first  (ownTopLevel)
//  9b. typed arrays of constant integers built from strings, which stay in flash (tools/flash-tables.mjs)
//  10. every top-level name `$`-prefixed, none an Espruino global (checkGlobals)
//  11. no require but Espruino's own modules                    (checkRequires)
//  12. libraries built on demand appended, each in a function     (EMBEDDED, embed)
// Passes 3-9 chain their source maps, so `npm run size` attributes bytes to source modules.
//   node tools/build.mjs [--only NAME[,NAME]] [--if-stale]
// --only builds the named bundles (firmware, firmware-rpk, firmware-rpk-ed25519; default all);
// --if-stale skips a bundle whose stamp (dist/.NAME.stamp: the SHA-256 of every input of the
// build, inputFiles() below) matches its inputs, and the typecheck when every bundle is fresh.
// `npm start`, `npm run flash` and `npm run hil` build this way, after checking their
// arguments; `npm run build` and `npm test` build everything.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, rmSync, mkdirSync, renameSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative, resolve } from 'node:path';
import { ESPRUINO_MODULES } from './espruino-lint.mjs';
import { parse } from 'acorn';
import { minify } from 'terser';
import { readdirSync, statSync } from 'node:fs';
import { apiPropertyNames } from './api-names.mjs';
import { naclSubset } from './nacl-subset.mjs';
import { babelPass } from './babel-pass.mjs';
import { flashTables } from './flash-tables.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

// 2. microbundle: rpt2 compiles TS, babel lowers to ES5 (browserslist ie 11), terser minifies
//    with the Espruino-safe options in package.json's "minify" (hoist_funs, hoist_vars,
//    inline:false, sequences:false, `of`/`let` reserved). IIFE: Espruino has no `exports`.
//    Three bundles: dist/firmware.js (firmware/main.ts, PSK only), dist/firmware-rpk.js
//    (firmware/main-rpk.ts: the same plus raw public keys with P-256,
//    transport/dtls/rpk.ts + rpk-p256.ts + crypto/p256.ts) and dist/firmware-rpk-ed25519.js
//    (the same entry with Ed25519 via tweetnacl, which microbundle would otherwise leave
//    external as a package.json dependency). All get every post-pass and check below.
const BUNDLES = {
  firmware: ['firmware/main.ts', []],
  'firmware-rpk': ['firmware/main-rpk.ts', ['--external', 'none']],
  // The same entry with Ed25519 + X25519 (tweetnacl) in place of P-256: firmware/rpk-curves.ts
  // swapped for rpk-curves-ed25519.ts.
  'firmware-rpk-ed25519': ['firmware/main-rpk.ts', ['--external', 'none', '--alias', './rpk-curves=./rpk-curves-ed25519']],
  // The firmware package's verifier (firmware/verify.ts, P-256): evaluated from Storage only
  // while a package is checked, beside a bundle already loaded, so it stays an IIFE defining
  // the one global LwM2MV (unwrapped, its top-level names would overwrite the bundle's).
  'fw-verify': ['firmware/verify.ts', ['--external', 'none'], 'LwM2MV'],
  // its Ed25519 twin (firmware/verify-ed25519.ts, tweetnacl's field arithmetic), for a device
  // provisioned with an Ed25519 vendor key: only the one the key needs is ever evaluated
  'fw-verify-ed25519': ['firmware/verify-ed25519.ts', ['--external', 'none'], 'LwM2MV'],
};

// 2b. tweetnacl cut to what a bundle uses (tools/nacl-subset.mjs): `tweetnacl` aliased to a module
//     generated from its source that keeps only the `lowlevel` functions and tables named here and
//     what they reach. fw-verify-ed25519: the field arithmetic transport/crypto/c25519.ts and
//     ed25519.ts read (`low.X`), without `crypto_hash` (tweetnacl's SHA-512 and its 160-number
//     table: the verifier always gets Espruino's native one, firmware/verify-ed25519.ts), with
//     Int32Array limbs (half a Float64Array's memory). Held once evaluated / at the check's peak:
//     1,909 / 2,416 → 357 / 693 variables; 37,377 → 9,741 bytes (test/board/fw-verify.test.ts).
const NACL_SUBSETS = {
  'fw-verify-ed25519': () => naclSubset(lowNames(['transport/crypto/c25519.ts', 'transport/crypto/ed25519.ts']).filter((n) => n !== 'crypto_hash'), { int32: true }),
};

/** The `low.X` names (tweetnacl's lowlevel, c25519.ts's `low`) the given sources read, sorted. */
function lowNames(files) {
  const out = new Set();
  for (const f of files) for (const m of readFileSync(join(root, f), 'utf8').matchAll(/\blow\.(\w+)/g)) out.add(m[1]);
  return [...out].sort();
}

// 12. Libraries a bundle builds on demand: each built as an IIFE of its own and appended to the
//     bundle inside one top-level function (its name here) that returns it, unwrapped. On Espruino the
//     function's body stays in flash, so the library costs nothing until called, and what a
//     call builds goes when its result does (docs/memory.md, rule 7). firmware-rpk: P-256
//     (transport/crypto/p256-lib.ts, called by firmware/rpk-curves.ts).
const EMBEDDED = {
  'firmware-rpk': [['transport/crypto/p256-lib.ts', '$p256lib']],
};

const opts = buildArgs(process.argv.slice(2));
const hash = inputsHash();
const stampOf = (name) => join(root, 'dist', `.${name}.stamp`);
const fresh = (name) => existsSync(join(root, 'dist', name + '.js')) && existsSync(stampOf(name)) && readFileSync(stampOf(name), 'utf8').trim() === hash;
const todo = opts.only.filter((name) => !(opts.ifStale && fresh(name)));
for (const name of opts.only) if (!todo.includes(name)) console.log(`build: dist/${name}.js is up to date (its inputs are unchanged)`);
if (todo.length) {
  // 1. The device world typechecks against ES5 + @types/espruino only (tsconfig.json).
  run(bin('tsc'), ['-p', 'tsconfig.json']);
  for (const name of todo) await bundle(BUNDLES[name][0], name, BUNDLES[name][1], BUNDLES[name][2]);
}

/** --only NAME[,NAME] and --if-stale; a bad argument is one line and exit 2. */
function buildArgs(argv) {
  const o = { only: Object.keys(BUNDLES), ifStale: false };
  const bad = (m) => {
    console.error(`build: ${m}`);
    process.exit(2);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--if-stale') o.ifStale = true;
    else if (a === '--only') {
      const v = argv[++i];
      if (!v) bad('--only needs a value');
      o.only = v.split(',');
      for (const n of o.only) if (!(n in BUNDLES)) bad(`--only '${n}' must be one of ${Object.keys(BUNDLES).join(', ')}`);
    } else if (a === '--help' || a === '-h') {
      console.log('usage: node tools/build.mjs [--only firmware|firmware-rpk|firmware-rpk-ed25519|fw-verify|fw-verify-ed25519[,…]] [--if-stale]');
      process.exit(0);
    } else bad(`unknown option '${a}'`);
  }
  return o;
}

/**
 * Every file the build reads: the device sources, the tools, the host files whose words
 * the property pass keeps (hostWordFiles), the compiler settings and the lock file (the
 * toolchain's versions), and Espruino's typings.
 */
function inputFiles() {
  const fixed = ['package.json', 'package-lock.json', 'tsconfig.json', 'node_modules/@types/espruino/index.d.ts', 'node_modules/tweetnacl/nacl-fast.js'].map((f) => join(root, f));
  return [...sourceFiles(['firmware', 'objects', 'transport', 'tools']), ...hostWordFiles(), ...fixed].filter((f) => existsSync(f)).sort();
}

function inputsHash() {
  const h = createHash('sha256');
  for (const f of inputFiles()) h.update(relative(root, f) + '\0').update(readFileSync(f)).update('\0');
  return h.digest('hex');
}

async function bundle(entry, name, extra, global) {
  const tmp = join(root, 'dist', '.mb-' + name);
  rmSync(stampOf(name), { force: true });
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  if (NACL_SUBSETS[name]) {
    writeFileSync(join(tmp, 'nacl-subset.js'), NACL_SUBSETS[name]());
    extra = [...extra, '--alias', 'tweetnacl=' + join(tmp, 'nacl-subset.js')];
  }
  run(bin('microbundle'), [
    '-i', entry, '-o', join(tmp, name + '.js'), '--format', 'iife', '--target', 'web',
    '--name', global || 'LwM2M', '--tsconfig', 'tsconfig.json', '--generateTypes', 'false', ...extra,
  ]);
  // With "type":"module" microbundle names the IIFE `.cjs`; it is a plain script.
  let code = readFileSync(join(tmp, name + '.cjs'), 'utf8');
  code = code.replace(/\n?\/\/# sourceMappingURL=.*\s*$/, '\n');
  let map = JSON.parse(readFileSync(join(tmp, name + '.cjs.map'), 'utf8'));
  map.sources = map.sources.map((s) => relative(join(root, 'dist'), resolve(tmp, s)));
  let renamed = {};
  if (!global) {
    code = unwrap(code);
    ({ code, map } = liftClasses(code, map));
    ({ code, map } = lazyNamespaces(code, map));
    ({ code, map } = lazyApi(code, map));
    ({ code, map } = noNullProto(code, map));
    ({ code, map } = inlineConstants(code, map));
    ({ code, map, renamed } = await shortenProperties(code, map));
    ({ code, map } = ownTopLevel(code, map, name));
    let tables;
    ({ code, map, made: tables } = flashTables(code, map)); // last of the babel passes: terser would write its bytes as they are
    console.log(`build: ${tables} tables of constant integers built from strings (kept in flash on a board)`);
    ({ code, map } = builtinsFirst(code, map));
  } else if (code.includes('__proto__')) {
    // an eval'd bundle stays whole, but Espruino fails an assertion and exits on evaluating a
    // `{__proto__: null}` literal (tweetnacl's CommonJS wrapper in fw-verify-ed25519)
    ({ code, map } = noNullProto(code, map));
  }
  map.file = name + '.js';
  // a bundle for eval: its last statement names its global, so that eval() returns it in
  // whatever scope Espruino evaluates it (and the flash-backed text is evaluated as it is)
  if (global) code = code.replace(/\s*$/, '\n') + global + ';\n';
  for (const [entry, fn] of EMBEDDED[name] || []) code = embed(code, entry, fn, tmp);
  checkGlobals(code, name, global || 'LwM2M');
  checkRequires(code, name);
  // written aside, then renamed: a reader (a test, a running device) never sees half a bundle
  writeFileSync(join(tmp, 'out.js'), code);
  writeFileSync(join(tmp, 'out.js.map'), JSON.stringify(map));
  renameSync(join(tmp, 'out.js.map'), join(root, 'dist', name + '.js.map'));
  renameSync(join(tmp, 'out.js'), join(root, 'dist', name + '.js'));
  writeFileSync(join(root, 'dist', name + '.props.json'), JSON.stringify(renamed, null, 1) + '\n');
  rmSync(tmp, { recursive: true, force: true });
  writeFileSync(stampOf(name), hash + '\n');
  console.log(`build: dist/${name}.js ${Buffer.byteLength(code)} bytes`);
}

/** Pass 12: `entry` built as an IIFE `var LwM2ML=function(t){BODY;return t}({});`, appended as `function fn(){var t={};BODY;return t}`. */
function embed(code, entry, fn, tmp) {
  const out = join(tmp, 'embed-' + fn);
  run(bin('microbundle'), [
    '-i', entry, '-o', join(out, 'lib.js'), '--format', 'iife', '--target', 'web',
    '--name', 'LwM2ML', '--tsconfig', 'tsconfig.json', '--generateTypes', 'false', '--external', 'none',
  ]);
  const lib = readFileSync(join(out, 'lib.cjs'), 'utf8').replace(/\n?\/\/# sourceMappingURL=.*\s*$/, '');
  if (!/^var LwM2ML=/.test(lib)) {
    console.error(`build: ${entry}: not the IIFE expected (var LwM2ML=…)`);
    process.exit(1);
  }
  // unwrapped as pass 3 unwraps a bundle: the library's functions are then made in fn's own
  // scope, not in an IIFE inside it (a scope chain of two: three variables more a function)
  const m = /^var LwM2ML=function\((\w+)\)\{([\s\S]*)return \1\}\(\{\}\);?\s*$/.exec(lib);
  if (!m) {
    console.error(`build: ${entry}: the IIFE's shape is not \`var LwM2ML=function(t){…;return t}({});\``);
    process.exit(1);
  }
  console.log(`build: ${entry} appended as ${fn}() (${Buffer.byteLength(lib)} bytes)`);
  return code.replace(/\s*$/, '\n') + `function ${fn}(){var ${m[1]}={};${m[2]}\nreturn ${m[1]}}\n`;
}

/**
 * Pass 3: unwrap microbundle's IIFE `var LwM2M=function(t){BODY;return t}({});`
 * into top-level code `var LwM2M={},t=LwM2M;BODY`. On Espruino every function defined inside
 * another keeps a link to that scope (about 3 variables a function, measured on methods, see
 * liftClasses); and Espruino's Linux builds, which copy a Storage file into RAM, ran out of
 * memory halfway through loading the 78 KB IIFE. The replacement is one character shorter
 * than what it replaces; a space keeps every source-map column valid. Top-level names become
 * globals on the board, so terser is told (package.json minify.mangle.reserved) never to
 * produce an Espruino global's name.
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

/**
 * The built-ins the device code reads, named on a first line of their own so that Espruino lists
 * them first among the globals. Espruino finds a global by walking the root scope's list of names
 * in the order they were made (`jspeiFindInScopes`), and a built-in object is put at the end of
 * that list when first read; every member of a typed array, a string or an array
 * (`u.set`, `u.length`, `s.charCodeAt`) walks it once per class of its prototype chain
 * (`Uint8Array`, `ArrayBufferView`, `Object`: `jspeiFindChildFromStringInParents`). Read after the
 * bundle's ~200 top-level names, each such access cost ~8 k x86 instructions per walk on the
 * board's stand-in; listed first, they cost a few names each: power-on → registered with PSK
 * 544.2 → 482.4 M instructions (docs/board-clock.md, "Profiling"). `new Uint8Array(0).$`, `''.$`,
 * `[].$` make the prototype chains' names (`ArrayBufferView`, `String`, `Array`) as a member read
 * makes them. Nothing is declared: the names are the ones the code would add later anyway. Only
 * ES5 names (a bare `E` would stop the bundle in the other engines it runs in: the vm, duktape).
 */
/** Pass 13, the last on the device bundles: those names as the bundle's first line (the source map's lines move down by one). */
function builtinsFirst(code, map) {
  const first = "Uint8Array;new Uint8Array(0).$;Math;''.$;[].$;JSON;ArrayBuffer;Int32Array;Uint16Array;DataView;Error;Date;";
  return { code: first + '\n' + code, map: { ...map, mappings: ';' + map.mappings } };
}


/** Every .ts/.mts/.mjs/.js file below the given top-level folders of the repository. */
function sourceFiles(dirs) {
  const out = [];
  const walk = (dir) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|mts|mjs|js)$/.test(f)) out.push(p);
    }
  };
  for (const d of dirs) walk(join(root, d));
  return out;
}

/**
 * The host files whose words the property pass keeps: those that run the bundle (they name
 * dist/firmware.js or the stripped vm), the test helpers, and the host ports handed to it.
 */
function hostWordFiles() {
  const out = [];
  for (const p of sourceFiles(['sim', 'test', 'bench'])) {
    if (/firmware\.js|espruino-vm|loadBundle/.test(readFileSync(p, 'utf8')) || p.startsWith(join(root, 'test/helpers'))) out.push(p);
  }
  for (const f of ['sim/node-ports.ts', 'sim/lossy.ts', 'sim/node-crypto.ts']) if (!out.includes(join(root, f))) out.push(join(root, f));
  return out;
}

/**
 * Pass 4: classes out of their IIFEs. babel lowers a class to
 * `X=function(){function t(…){…}var i=t.prototype;i.m=function(…){…};…;return t}()`.
 * On Espruino every function defined inside another keeps a link to that scope: a method
 * defined in the IIFE costs 10.3 variables, the same method defined at top level 7.2
 * (measured on the ESP32-faithful build). So each such IIFE whose only bindings are the
 * class and its prototype alias becomes top-level statements: `function X(…){…}` and
 * `X.prototype.m=function(…){…}`, with the class's inner name renamed to X (scope-aware).
 */
function liftClasses(src, inMap) {
  let lifted = 0;
  const plugin = ({ types: t }) => ({
    visitor: {
      Program(prog) {
        for (const st of prog.get('body')) {
          if (!st.isVariableDeclaration()) continue;
          const out = [];
          let run = [];
          const flush = () => {
            if (run.length) out.push(t.variableDeclaration('var', run));
            run = [];
          };
          for (const d of st.get('declarations')) {
            const body = liftable(t, d);
            if (!body) run.push(d.node);
            else {
              flush();
              out.push(...body);
              lifted++;
            }
          }
          flush();
          if (out.length !== 1 || out[0] !== st.node) st.replaceWithMultiple(out);
        }
        prog.stop();
      },
    },
  });
  const r = babelPass(src, inMap, plugin);
  if (!lifted) {
    console.error('build: no class IIFE found to lift (bundle shape changed?)');
    process.exit(1);
  }
  console.log(`build: ${lifted} classes lifted out of their IIFEs`);
  return { code: r.code + '\n', map: r.map };
}

/** The statements replacing `var X = function(){function t…; return t}()`, or null if it is not that shape. */
function liftable(t, d) {
  const init = d.get('init');
  if (!d.get('id').isIdentifier() || !init.isCallExpression() || init.node.arguments.length) return null;
  const fn = init.get('callee');
  if (!fn.isFunctionExpression() || fn.node.params.length || fn.node.id) return null;
  const stmts = fn.get('body.body');
  const first = stmts[0];
  const last = stmts[stmts.length - 1];
  if (!first || !first.isFunctionDeclaration() || !last.isReturnStatement() || !t.isIdentifier(last.node.argument, { name: first.node.id.name })) return null;
  const name = d.node.id.name;
  const inner = first.node.id.name;
  // Only the class and at most one prototype alias may be bound in the IIFE's scope.
  const own = Object.keys(fn.scope.bindings);
  let alias = null;
  for (const b of own) {
    if (b === inner) continue;
    const bind = fn.scope.bindings[b];
    const dec = bind.path;
    if (alias || !dec.isVariableDeclarator() || !t.isMemberExpression(dec.node.init) || !t.isIdentifier(dec.node.init.object, { name: inner }) || !t.isIdentifier(dec.node.init.property, { name: 'prototype' })) return null;
    alias = bind;
  }
  for (const s of stmts.slice(1, -1)) if (!s.isExpressionStatement() && !(alias && s.isVariableDeclaration() && s.node.declarations.length === 1 && s.get('declarations.0') === alias.path)) return null;
  fn.scope.rename(inner, name);
  if (alias) {
    for (const ref of alias.referencePaths) ref.replaceWith(t.memberExpression(t.identifier(name), t.identifier('prototype')));
    alias.path.parentPath.remove();
  }
  return fn.node.body.body.slice(0, -1);
}

/** Whether `fn`'s body defines a function (a closure over fn's scope). */
function makesClosures(t, fn) {
  let found = false;
  t.traverseFast(fn.body, (n) => {
    if (t.isFunction(n)) found = true;
  });
  return found;
}

/**
 * Pass 5: the export namespaces built on access. rollup turns each
 * `export { coap, dtls, … }` of firmware/main.ts into an object `X={__proto__:null,a:…,b:…}`
 * held for the bundle's whole life: one or two variables per exported name, some 200 in all,
 * for objects only the host (tests, the simulator, the console) ever reads. Each becomes a
 * getter on LwM2M that builds the object when read: `LwM2M.coap` still has every name, and
 * the board pays one small function per namespace.
 */
function lazyNamespaces(src, inMap) {
  let made = 0;
  let lifted = 0;
  const plugin = ({ types: t }) => ({
    visitor: {
      Program(prog) {
        const head = prog.get('body.0');
        // `var LwM2M={},t=LwM2M;` (unwrap): the exports object's local name
        const alias = head.isVariableDeclaration() && head.node.declarations[1] && t.isIdentifier(head.node.declarations[1].init, { name: 'LwM2M' }) ? head.node.declarations[1].id.name : null;
        if (!alias) return;
        for (const st of prog.get('body')) {
          const e = st.get('expression');
          if (!st.isExpressionStatement() || !e.isAssignmentExpression({ operator: '=' })) continue;
          const left = e.get('left');
          const right = e.get('right');
          if (!left.isMemberExpression() || !t.isIdentifier(left.node.object, { name: alias }) || left.node.computed || !right.isIdentifier()) continue;
          const bind = prog.scope.getBinding(right.node.name);
          if (!bind || bind.references !== 1 || !bind.path.isVariableDeclarator()) continue;
          const init = bind.path.node.init;
          const first = init && t.isObjectExpression(init) && init.properties[0];
          if (!first || !t.isObjectProperty(first) || !t.isIdentifier(first.key, { name: '__proto__' }) || !t.isNullLiteral(first.value)) continue;
          // A function written into the namespace by terser (used once) would be nested in the
          // getter: the closures it makes would then carry a two-scope chain, three variables
          // more each on Espruino (docs/memory.md). Those that make closures go to top level.
          for (const p of init.properties.slice(1)) {
            if (!t.isObjectProperty(p) || !t.isFunctionExpression(p.value) || !makesClosures(t, p.value)) continue;
            const id = prog.scope.generateUidIdentifier('ns');
            st.insertBefore(t.functionDeclaration(id, p.value.params, p.value.body));
            p.value = id;
            lifted++;
          }
          const obj = t.objectExpression(init.properties.slice(1));
          st.replaceWith(t.expressionStatement(t.callExpression(t.memberExpression(t.identifier('Object'), t.identifier('defineProperty')), [
            t.identifier(alias),
            t.stringLiteral(left.node.property.name),
            t.objectExpression([
              t.objectProperty(t.identifier('enumerable'), t.booleanLiteral(true)),
              t.objectProperty(t.identifier('get'), t.functionExpression(null, [], t.blockStatement([t.returnStatement(obj)]))),
            ]),
          ])));
          bind.path.remove();
          made++;
        }
        prog.stop();
      },
    },
  });
  const r = babelPass(src, inMap, plugin);
  if (!made) {
    console.error('build: no export namespace found to build on access (bundle shape changed?)');
    process.exit(1);
  }
  console.log(`build: ${made} export namespaces built on access (${lifted} of their functions that make closures at top level)`);
  return { code: r.code + '\n', map: r.map };
}

/**
 * Pass 5b: `LwM2M` itself built on access. After pass 5 the bundle's API object holds a few
 * names (`VERSION`, `toHex`, …) and one getter per namespace: ~54 variables on a board for an
 * object only a host, the console or an owner's script reads. Every statement that fills it
 * (`t.X = …`, `Object.defineProperty(t, …)`) moves into one top-level function that builds it,
 * and `LwM2M` becomes a getter of the global object calling that function: its body stays in
 * flash, and the board holds the getter alone. Each read builds a new object, so a script keeps
 * what it reads (`var L = LwM2M`) rather than writing into it. Left as it is (with a line
 * saying so) when the bundle reads the object anywhere else, or fills it from a name that changes.
 */
function lazyApi(src, inMap) {
  let moved = 0;
  let why = '';
  const plugin = ({ types: t }) => ({
    visitor: {
      Program(prog) {
        prog.stop();
        const head = prog.get('body.0');
        const decl = head.isVariableDeclaration() && head.node.declarations;
        // `var LwM2M={},t=LwM2M;` (unwrap)
        if (!decl || decl.length !== 2 || !t.isIdentifier(decl[0].id, { name: 'LwM2M' }) || !t.isIdentifier(decl[1].init, { name: 'LwM2M' })) return void (why = 'no `var LwM2M={},t=LwM2M;` first');
        const alias = decl[1].id.name;
        const fills = prog.get('body').filter((st) => {
          if (!st.isExpressionStatement()) return false;
          const e = st.node.expression;
          if (t.isAssignmentExpression(e, { operator: '=' }) && t.isMemberExpression(e.left) && !e.left.computed && t.isIdentifier(e.left.object, { name: alias })) return true;
          return t.isCallExpression(e) && t.matchesPattern(e.callee, 'Object.defineProperty') && t.isIdentifier(e.arguments[0], { name: alias });
        });
        const inFills = (p) => fills.some((f) => p.isDescendant(f));
        const aliasBinding = prog.scope.getBinding(alias);
        if (aliasBinding.constantViolations.length || aliasBinding.referencePaths.some((r) => !inFills(r))) return void (why = `the bundle reads ${alias} (LwM2M) beyond filling it`);
        if ((prog.scope.getBinding('LwM2M').referencePaths || []).some((r) => r.parentPath !== head.get('declarations.1'))) return void (why = 'the bundle reads LwM2M');
        // a fill that reads a top-level name as it runs must read the same when the getter runs, later
        for (const f of fills) {
          let changing = null;
          f.traverse({
            Identifier(p) {
              if (!p.isReferencedIdentifier() || p.getFunctionParent()) return; // one a function reads when called reads it then anyway
              const b = p.scope.getBinding(p.node.name);
              if (b && b.scope === prog.scope && b.identifier.name !== alias && !b.constant) changing = p.node.name;
            },
          });
          if (changing) return void (why = `LwM2M is filled from ${changing}, which changes`);
        }
        const body = fills.map((f) => f.node);
        for (const f of fills) f.remove();
        head.remove();
        const build = prog.scope.generateUidIdentifier('api');
        prog.pushContainer('body', [
          t.functionDeclaration(build, [], t.blockStatement([
            t.variableDeclaration('var', [t.variableDeclarator(t.identifier(alias), t.objectExpression([]))]),
            ...body,
            t.returnStatement(t.identifier(alias)),
          ])),
          t.expressionStatement(t.callExpression(t.memberExpression(t.identifier('Object'), t.identifier('defineProperty')), [
            t.thisExpression(),
            t.stringLiteral('LwM2M'),
            t.objectExpression([
              t.objectProperty(t.identifier('configurable'), t.booleanLiteral(true)),
              t.objectProperty(t.identifier('enumerable'), t.booleanLiteral(true)),
              t.objectProperty(t.identifier('get'), build),
            ]),
          ])),
        ]);
        moved = body.length;
      },
    },
  });
  const r = babelPass(src, inMap, plugin);
  console.log(moved ? `build: LwM2M built on access (${moved} statements that fill it in one function)` : `build: LwM2M left as an object: ${why}`);
  return { code: r.code + '\n', map: r.map };
}

/**
 * Pass 6, after the namespaces: `{__proto__: null, …}` object literals lose their `__proto__: null`.
 * Espruino 2v29 fails an assertion (src/jsvar.c, jsvHasChildren(parent)) when code reads a
 * property an object created so does not have: `({__proto__: null, x: 1}).y` (verified
 * on the Linux builds). rollup writes such literals for namespaces the pass above does not
 * turn into getters (nested ones, and the empty stub it gives tweetnacl's `require('crypto')`,
 * which tweetnacl then probes for `randomBytes`). With an ordinary prototype the objects
 * read the same for every name they have.
 */
function noNullProto(src, inMap) {
  let made = 0;
  const plugin = ({ types: t }) => ({
    visitor: {
      ObjectExpression(path) {
        const props = path.node.properties;
        const i = props.findIndex((p) => t.isObjectProperty(p) && !p.computed && (t.isIdentifier(p.key, { name: '__proto__' }) || t.isStringLiteral(p.key, { value: '__proto__' })) && t.isNullLiteral(p.value));
        if (i < 0) return;
        props.splice(i, 1);
        made++;
      },
    },
  });
  const r = babelPass(src, inMap, plugin);
  console.log(`build: ${made} null-prototype object literals made ordinary`);
  return { code: r.code + '\n', map: r.map };
}

/**
 * Pass 7: tables of constants inlined. `CODE = {GET: 1, …}`, `OPT`, `TYPE`,
 * `FORMAT` (transport/coap/constants.ts) are objects rollup keeps whole, and every
 * `CODE.CONTENT` reads one at run time: about 100 variables held for numbers. A top-level
 * object whose values are all literals, never assigned to, and read only as `X.name` (or
 * whole inside a namespace getter, which then builds its own copy) has each `X.name`
 * replaced by the literal and its declaration removed. So is a top-level number or boolean
 * never assigned to (`var CHANGED = 68`, some 45 of them: about 90 variables).
 */
function inlineConstants(src, inMap) {
  let made = 0;
  const plugin = ({ types: t }) => ({
    visitor: {
      Program(prog) {
        const inGetter = (p) => !!p.findParent((q) => q.isFunctionExpression() && q.parentPath.isObjectProperty() && t.isIdentifier(q.parent.key, { name: 'get' }));
        for (const [name, bind] of Object.entries(prog.scope.bindings)) {
          const d = bind.path;
          if (!d.isVariableDeclarator() || bind.constantViolations.length || !bind.referencePaths.length) continue;
          // A number or boolean that is never assigned (`var CHANGED = 68`): each read
          // becomes the literal, and the name and its value (two variables) are gone.
          const init = d.node.init;
          if (t.isNumericLiteral(init) || t.isBooleanLiteral(init) || (t.isUnaryExpression(init, { operator: '-' }) && t.isNumericLiteral(init.argument))) {
            if (!bind.referencePaths.every((r) => !(r.parentPath.isUnaryExpression({ operator: 'typeof' }) || r.parentPath.isUnaryExpression({ operator: 'delete' })))) continue;
            for (const r of bind.referencePaths) r.replaceWith(t.cloneNode(init));
            d.remove();
            made++;
            continue;
          }
          if (!t.isObjectExpression(init)) continue;
          const props = d.node.init.properties;
          const values = new Map();
          if (!props.every((p) => t.isObjectProperty(p) && !p.computed && (t.isIdentifier(p.key) || t.isStringLiteral(p.key)) && (t.isNumericLiteral(p.value) || t.isStringLiteral(p.value) || t.isBooleanLiteral(p.value)))) continue;
          for (const p of props) values.set(t.isIdentifier(p.key) ? p.key.name : p.key.value, p.value);
          const ok = bind.referencePaths.every((r) => {
            const m = r.parentPath;
            if (m.isMemberExpression() && m.node.object === r.node && !m.node.computed && values.has(m.node.property.name)) {
              const up = m.parentPath;
              return !(up.isAssignmentExpression() && up.node.left === m.node) && !up.isUpdateExpression() && !up.isUnaryExpression({ operator: 'delete' }) && !(up.isCallExpression() && up.node.callee === m.node);
            }
            return inGetter(r);
          });
          if (!ok) continue;
          for (const r of bind.referencePaths) {
            const m = r.parentPath;
            if (m.isMemberExpression() && m.node.object === r.node) m.replaceWith(t.cloneNode(values.get(m.node.property.name)));
            else r.replaceWith(t.cloneNode(d.node.init));
          }
          d.remove();
          made++;
        }
        prog.stop();
      },
    },
  });
  const r = babelPass(src, inMap, plugin);
  console.log(`build: ${made} tables of constants and constant numbers inlined`);
  return { code: r.code + '\n', map: r.map };
}


/**
 * Pass 8: property names of four characters or fewer. Espruino stores a
 * property's name inside the variable that holds it when the name has at most 4
 * characters; a longer name costs one more variable (up to 12, two more up to 24…),
 * on every object that has the property and on every prototype method (measured on the
 * ESP32-like build, see README). So every property name the device code alone uses is
 * of five or more characters is renamed by terser to a short one (a short name gains
 * nothing, so it is never touched: keys built at run time like 'o' + n stay safe). A name stays as it is when anything outside the
 * bundle may use it: every word in the host code (sim/, test/, tools/, bench/ — it
 * reads the bundle's exports, hands it ports, writes its configuration), every word in
 * Espruino's typings (the board's modules and methods), JavaScript's built-ins (terser's
 * own list), any name the device code writes quoted (`o['x']`, `'x' in o`), and every
 * word inside the device code's string literals (names it reads or builds by string).
 * Above all, by construction and whatever the host files happen to mention: every property
 * a host or a board script can pass in or is handed, read from the declarations
 * (tools/api-names.mjs; 13 CoAP parameter overrides and the objects' `sensors`/`buzzers`
 * and the client's `holdOff`/`backoffMax` options were once silently renamed). Returns the
 * names it renamed, which test/espruino/api-names.test.ts holds against the API's.
 */
/** The API's property names, read once (the module's top level runs the bundles before a `let` here would be set). */
function apiNames() {
  return (apiNames.list ||= [...apiPropertyNames(root).keys()]);
}
async function shortenProperties(src, inMap) {
  const words = new Set();
  const addWords = (text) => {
    for (const w of text.match(/[A-Za-z_$][\w$]*/g) || []) words.add(w);
  };
  for (const p of hostWordFiles()) addWords(readFileSync(p, 'utf8'));
  for (const p of sourceFiles(['tools'])) addWords(readFileSync(p, 'utf8'));
  // Names the device code itself spells as strings: keys it builds or reads by name
  // (SenML fields, attribute names, JSON it parses).
  for (const p of sourceFiles(['firmware', 'objects', 'transport'])) {
    for (const m of readFileSync(p, 'utf8').matchAll(/(['"])([^'"\\\n]*)\1/g)) addWords(m[2]);
  }
  addWords(readFileSync(join(root, 'node_modules/@types/espruino/index.d.ts'), 'utf8'));
  for (const n of apiNames()) words.add(n);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const nameCache = {};
  const out = await minify(src, {
    nameCache,
    compress: false,
    mangle: { toplevel: false, reserved: pkg.minify.mangle.reserved, properties: { regex: /^[\w$]{5,}$/, reserved: [...words], keep_quoted: true } },
    format: { ascii_only: false, comments: false },
    sourceMap: { content: inMap, includeSources: true },
  });
  const renamed = {};
  for (const [k, v] of Object.entries(nameCache.props?.props || {})) renamed[k.replace(/^\$/, '')] = v;
  return { code: out.code + '\n', map: JSON.parse(out.map), renamed };
}

/**
 * Pass 9: the bundle's top-level names out of the board script's way. On the board the bundle
 * runs at top level (pass 3), so each of its top-level names — terser's `t`, `n`, `Kt`… — is a
 * global beside the owner's own script: a `var k = 0;` there, or a function named `n`, would
 * replace one of the firmware's functions. Every top-level name but `LwM2M` gets a `$` in front
 * (`t` → `$t`), so an owner's script is safe unless it names a global starting with `$`
 * (docs/board.md). Names stay at most 4 characters (≤ 2-character names from terser), which
 * Espruino stores in the variable itself: no variable more (npm run mem:report). Longer names
 * first, so `$t` has become `$$t` before `t` becomes `$t`; a rename that an inner name would
 * capture fails the build.
 */
function ownTopLevel(src, inMap, name) {
  let bad = '';
  const plugin = () => ({
    visitor: {
      Program(prog) {
        const names = Object.keys(prog.scope.bindings).filter((n) => n !== 'LwM2M').sort((a, b) => b.length - a.length);
        for (const n of names) {
          const b = prog.scope.bindings[n];
          prog.scope.rename(n, '$' + n);
          for (const r of b.referencePaths) if (r.scope.getBinding('$' + n) !== b) bad = bad || `${n} → $${n} is captured by an inner name`;
        }
        prog.stop();
      },
    },
  });
  const r = babelPass(src, inMap, plugin);
  if (bad) {
    console.error(`build: dist/${name}.js: ${bad}`);
    process.exit(1);
  }
  return { code: r.code + '\n', map: r.map };
}

// 10. Every top-level name but LwM2M starts with `$` (pass 9; a bundle for eval keeps its IIFE:
// its one top-level name is its global), and none is an Espruino global
// (package.json minify.mangle.reserved: generated from @types/espruino, plus the pins).
function checkGlobals(code, name, own) {
  const reserved = new Set(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).minify.mangle.reserved);
  reserved.delete(own);
  const clash = [];
  const bare = [];
  const top = (n) => {
    if (reserved.has(n)) clash.push(n);
    if (n !== own && n.charAt(0) !== '$') bare.push(n);
  };
  for (const st of parse(code, { ecmaVersion: 5 }).body) {
    if (st.type === 'VariableDeclaration') for (const d of st.declarations) top(d.id.name);
    if (st.type === 'FunctionDeclaration') top(st.id.name);
  }
  if (clash.length) {
    console.error(`build: dist/${name}.js: top-level names that are Espruino globals (rename them in the source): ${clash.join(', ')}`);
    process.exit(1);
  }
  if (bare.length) {
    console.error(`build: dist/${name}.js: top-level names without the \`$\` that keeps them out of a board script's way: ${bare.slice(0, 10).join(', ')}`);
    process.exit(1);
  }
}

// 11. Nothing from Node or npm may remain as a require: only Espruino's own modules.
function checkRequires(code, name) {
  const bad = [];
  for (const m of code.matchAll(/\brequire\(\s*(["'])([^"']*)\1\s*\)/g)) {
    if (!ESPRUINO_MODULES.includes(m[2])) bad.push(m[2]);
  }
  if (bad.length) {
    console.error(`build: dist/${name}.js requires non-Espruino modules: ${bad.join(', ')}`);
    process.exit(1);
  }
}
