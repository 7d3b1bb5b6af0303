// tools/build.mjs pass 9b: typed arrays of constant integers built from strings, which stay in flash on a board.
import { babelPass } from './babel-pass.mjs';

/**
 * Pass 9b: a typed array of constant integers (`new Uint16Array([0, 273, 9, …])`, the object
 * definitions) built from a string instead: `new Uint16Array(E.toArrayBuffer("\x00\x00\x11\x01…"))`,
 * its bytes little-endian as the board's. A board's Storage holds the bundle pretokenised
 * (tools/pretokenise.mjs), where such a string stays in flash, and E.toArrayBuffer makes an
 * ArrayBuffer over it without a copy: the table costs three variables instead of one for every
 * 12 bytes or so (the definitions: 34 → 3). The simulator's E has toArrayBuffer too
 * (sim/espruino-vm.ts). Only tables of 32 bytes or more: a smaller one costs about the same.
 * On a board such a table is read-only (its ArrayBuffer is the flash itself: a write would fault
 * on the ESP32), so only a table bound by `var` whose name the code never writes through
 * (`T[i] = …`, `T[i]++`, `T.set(…)`, `T.fill(…)` …) is moved; a view it hands out (`T.subarray`)
 * is read-only too, which the reader of objects/core/defs.ts is told there.
 */
/** `src` with its read-only constant tables built from strings; `made`: how many. */
export function flashTables(src, inMap) {
  let made = 0;
  const SIZES = { Uint8Array: 1, Uint16Array: 2, Uint32Array: 4 };
  const plugin = ({ types: t }) => ({
    visitor: {
      NewExpression(p) {
        const { callee, arguments: args } = p.node;
        if (!t.isIdentifier(callee) || !SIZES[callee.name] || args.length !== 1 || !t.isArrayExpression(args[0])) return;
        if (!readOnlyTable(p)) return;
        const size = SIZES[callee.name];
        const values = args[0].elements;
        if (values.length * size < 32) return;
        if (!values.every((v) => t.isNumericLiteral(v) && Number.isInteger(v.value) && v.value >= 0 && v.value < 2 ** (8 * size))) return;
        let value = '';
        for (const v of values) {
          for (let b = 0; b < size; b++) {
            const c = Math.floor(v.value / 2 ** (8 * b)) & 255;
            value += String.fromCharCode(c);
          }
        }
        p.replaceWith(t.newExpression(callee, [t.callExpression(t.memberExpression(t.identifier('E'), t.identifier('toArrayBuffer')), [t.stringLiteral(value)])]));
        p.skip();
        made++;
      },
    },
  });
  // jsesc not minimal: every byte outside printable ASCII written as an escape, never as a character
  // above 127 (which the file would hold as UTF-8, two bytes to the board's lexer)
  const r = babelPass(src, inMap, plugin, { jsescOption: { minimal: false } });
  return { code: r.code + '\n', map: r.map, made };
}

/** Whether the table `new UintNArray([…])` at `p` is `var T = …`, only ever read through its members (`T[i]`, `T.length`, `T.subarray(…)`). */
function readOnlyTable(p) {
  const WRITERS = new Set(['set', 'fill', 'copyWithin', 'reverse', 'sort']);
  if (!p.parentPath.isVariableDeclarator() || p.parent.init !== p.node || p.parentPath.parent.kind !== 'var') return false;
  const binding = p.scope.getBinding(p.parent.id.name);
  if (!binding || !binding.constant) return false;
  return binding.referencePaths.every((r) => {
    const m = r.parentPath;
    if (!m.isMemberExpression() || m.node.object !== r.node) return false; // handed on as a whole: who knows what writes it
    if (m.parentPath.isAssignmentExpression() && m.parent.left === m.node) return false;
    if (m.parentPath.isUpdateExpression()) return false;
    const name = m.node.computed ? null : m.node.property.name;
    return !(name && WRITERS.has(name) && m.parentPath.isCallExpression());
  });
}
