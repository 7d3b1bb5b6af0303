// The property names a host or a board script can hand to the bundle, read from the device
// tree's declarations with the TypeScript checker. tools/build.mjs (pass 8) never shortens
// them, and test/espruino/api-names.test.ts fails if one is shortened anyway.
//
// What counts: the name of every value exported from firmware/main-rpk.ts (the superset of the
// device bundles' exports, namespaces walked through: `LwM2M.lwm2m.REGISTERED`); for each that is
// a function or a class, the types of
// its parameters, followed through object properties, arrays, unions and callbacks (a
// callback's parameters are objects the host reads); every interface in transport/ports.ts
// (the host implements them) and firmware/espruino/config.ts (the configuration file).
// Not followed: instances of the device's own classes (the host hands back what it was
// given) and names starting with `_` (private by convention; microbundle's terser mangles
// them anyway).
import ts from 'typescript';
import { join } from 'node:path';

const ENTRIES = ['firmware/main-rpk.ts'];
const DECLARATIONS = ['transport/ports.ts', 'firmware/espruino/config.ts'];
const OPAQUE = /^(Uint8Array|Uint16Array|Int32Array|Uint32Array|Float64Array|ArrayBuffer|DataView|String|Number|Boolean|Function|Date|RegExp|Error|Promise)$/;

/** Map from each such property name to where it was found (`lwm2m.Client(opt).backoffMax`). */
export function apiPropertyNames(root) {
  const cfg = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic() {} });
  const files = [...ENTRIES, ...DECLARATIONS].map((f) => join(root, f));
  const program = ts.createProgram(files, cfg.options);
  const checker = program.getTypeChecker();
  const names = new Map();
  const seenTypes = new Set();
  const seenSymbols = new Set();

  function walkType(t, where) {
    if (!t || seenTypes.has(t)) return;
    seenTypes.add(t);
    if (t.isUnionOrIntersection()) return t.types.forEach((x) => walkType(x, where));
    if (t.symbol && OPAQUE.test(t.symbol.name)) return;
    if (checker.isArrayType(t) || checker.isTupleType(t)) return checker.getTypeArguments(t).forEach((x) => walkType(x, where + '[]'));
    for (const sig of [...t.getCallSignatures(), ...t.getConstructSignatures()]) {
      for (const p of sig.getParameters()) walkType(checker.getTypeOfSymbol(p), `${where}(${p.name})`);
    }
    if (t.symbol && t.symbol.flags & ts.SymbolFlags.Class) return;
    if (!(t.flags & ts.TypeFlags.Object)) return;
    for (const p of t.getProperties()) {
      if (p.name.startsWith('_')) continue;
      if (!names.has(p.name)) names.set(p.name, `${where}.${p.name}`);
      walkType(checker.getTypeOfSymbol(p), `${where}.${p.name}`);
    }
  }

  function walkExport(s, where) {
    if (s.flags & ts.SymbolFlags.Alias) s = checker.getAliasedSymbol(s);
    if (seenSymbols.has(s)) return;
    seenSymbols.add(s);
    if (s.flags & ts.SymbolFlags.Module) {
      for (const e of checker.getExportsOfModule(s)) {
        // a namespace's own member names (`LwM2M.lwm2m.REGISTERED`): every exported value, constants too
        const v = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
        if (where && v.flags & ts.SymbolFlags.Value && !names.has(e.name)) names.set(e.name, `${where}.${e.name}`);
        walkExport(e, where ? `${where}.${e.name}` : e.name);
      }
    } else if (s.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class) && s.valueDeclaration) {
      walkType(checker.getTypeOfSymbolAtLocation(s, s.valueDeclaration), where);
    }
  }

  for (const f of ENTRIES) walkExport(checker.getSymbolAtLocation(program.getSourceFile(join(root, f))), '');
  for (const f of DECLARATIONS) {
    const mod = checker.getSymbolAtLocation(program.getSourceFile(join(root, f)));
    for (const e of checker.getExportsOfModule(mod)) {
      if (e.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) walkType(checker.getDeclaredTypeOfSymbol(e), `${f}:${e.name}`);
    }
  }
  return names;
}
