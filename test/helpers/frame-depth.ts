// Counts JavaScript call depth inside dist/firmware.js from the host side: every native the
// bundle calls (a board port, a module function, a timer) is wrapped so that calling it
// captures a V8 stack trace. The depth of one call is the number of frames from the
// outermost bundle frame (the entry the host called: the UDP socket's 'message' handler, a
// timer callback, the boot call) down to the innermost bundle frame, plus one for the
// native itself: the JS frames Espruino would hold on its stack at that moment.
// Frames are named after the TypeScript functions through dist/firmware.js.map.
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { parse } from 'acorn';
import { simple } from 'acorn-walk';
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';

/** One frame, innermost first. `kind`: bundle code, the port (native) called, or a non-bundle frame between bundle frames. */
export interface Frame {
  kind: 'bundle' | 'port' | 'other';
  fn: string;
  line: number;
  col: number;
}

export interface Hit {
  /** What the host called into the bundle: 'udp' (a datagram), 'timer', 'boot'. */
  entry: string;
  /** What the entry was about (a datagram's meaning, the operation under test). */
  label: string;
  /** The native called at the deepest point, e.g. 'dgram.send', 'analogWrite'. */
  port: string;
  depth: number;
  frames: Frame[];
}

export const BUNDLE_FILENAME = 'firmware.js';
/** The global an instrumented bundle calls first thing in every function (instrumentBundle). */
export const ENTRY_PROBE = '__depthProbe';
/** The `port` of a hit recorded at a function's entry: no native there, the function itself is the innermost frame. */
export const FUNCTION_ENTRY = '(function entry)';

export class DepthProbe {
  readonly hits: Hit[] = [];
  entry = 'host';
  label = '';

  /** Runs `fn` (a call into the bundle) as entry `entry` with `label`; nests. */
  run<T>(entry: string, label: string, fn: () => T): T {
    const e = this.entry;
    const l = this.label;
    this.entry = entry;
    this.label = label;
    try {
      return fn();
    } finally {
      this.entry = e;
      this.label = l;
    }
  }

  /** A native for the bundle: calling it records the stack depth, then calls `fn`. */
  port<F extends (...a: any[]) => any>(name: string, fn: F): F {
    const probe = this;
    const w = function (this: unknown, ...a: unknown[]) {
      probe.hit(name);
      return fn.apply(this, a);
    };
    return w as unknown as F;
  }

  /** Wraps the named methods of `obj` (a module) as ports called `prefix.name`, in a new object. */
  module<T extends Record<string, any>>(prefix: string, obj: T, names: string[]): T {
    const out: Record<string, any> = {};
    for (const k of Object.keys(obj)) out[k] = obj[k];
    for (const k of names) out[k] = this.port(`${prefix}.${k}`, obj[k].bind(obj));
    return out as T;
  }

  /** Deepest function entry per entry/label (instrumented bundle): only the deepest is kept, there are millions. */
  readonly entries = new Map<string, Hit>();

  /** The instrumented bundle's call at the start of every function: records the depth of that function. */
  enter(): void {
    // the innermost bundle frame is the function just entered (below it: the host's probe)
    const cs = this.stack(this.enter);
    const [inner, outer] = bundleSpan(cs);
    if (inner < 0) return;
    const depth = outer - inner + 1;
    const key = `${this.entry}\u0000${this.label}`;
    const best = this.entries.get(key);
    if (best && best.depth >= depth) return;
    this.entries.set(key, { entry: this.entry, label: this.label, port: FUNCTION_ENTRY, depth, frames: this.frames(cs, inner, outer) });
  }

  private stack(below: Function): NodeJS.CallSite[] {
    const prevPrepare = Error.prepareStackTrace;
    const prevLimit = Error.stackTraceLimit;
    try {
      Error.stackTraceLimit = Infinity;
      Error.prepareStackTrace = (_e, s) => s;
      const holder: { stack?: unknown } = {};
      Error.captureStackTrace(holder, below);
      return holder.stack as NodeJS.CallSite[];
    } finally {
      Error.prepareStackTrace = prevPrepare;
      Error.stackTraceLimit = prevLimit;
    }
  }

  private frames(cs: NodeJS.CallSite[], inner: number, outer: number): Frame[] {
    const frames: Frame[] = [];
    for (let i = inner; i <= outer; i++) {
      const c = cs[i];
      const bundle = c.getFileName() === BUNDLE_FILENAME;
      const name = c.getFunctionName() || c.getMethodName() || '(anonymous)';
      frames.push({ kind: bundle ? 'bundle' : 'other', fn: bundle ? name : `${c.getTypeName() ? c.getTypeName() + '.' : ''}${name} [${c.getFileName() || 'builtin'}]`, line: c.getLineNumber() || 0, col: c.getColumnNumber() || 0 });
    }
    return frames;
  }

  hit(port: string): void {
    // cs[0] is the port's wrapper (the probe's own frame is cut off)
    const cs = this.stack(this.hit);
    const [inner, outer] = bundleSpan(cs);
    if (inner < 0) return; // the host itself called the native: not the device's stack
    const frames = [{ kind: 'port' as const, fn: port, line: 0, col: 0 }, ...this.frames(cs, inner, outer)];
    this.hits.push({ entry: this.entry, label: this.label, port, depth: frames.length, frames });
  }
}

/**
 * A copy of the bundle that calls `ENTRY_PROBE()` first thing in every function, so that the
 * deepest point of a path is found even where no native is called. `original` maps a
 * (line, column) of the copy, as V8 reports it (both 1-based), back to the bundle's.
 */
export function instrumentBundle(code: string): { code: string; original(line: number, col: number): { line: number; col: number } } {
  const at: number[] = [];
  simple(parse(code, { ecmaVersion: 5 }), {
    FunctionDeclaration(n: any) {
      at.push(n.body.start + 1);
    },
    FunctionExpression(n: any) {
      at.push(n.body.start + 1);
    },
  });
  at.sort((a, b) => a - b);
  const ins = `${ENTRY_PROBE}();`;
  let out = '';
  let last = 0;
  for (const o of at) {
    out += code.slice(last, o) + ins;
    last = o;
  }
  out += code.slice(last);
  // a no-op until the host replaces it: the bundle's own top level calls functions while it loads
  out += `\nfunction ${ENTRY_PROBE}() {}\n`;
  const starts = (t: string) => {
    const r = [0];
    for (let i = 0; i < t.length; i++) if (t.charCodeAt(i) === 10) r.push(i + 1);
    return r;
  };
  const outStarts = starts(out);
  const inStarts = starts(code);
  return {
    code: out,
    original(line, col) {
      const x = outStarts[line - 1] + col - 1;
      // insertions before x (binary search over their starts in the copy: at[k] + k * ins.length)
      let lo = 0;
      let hi = at.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (at[mid] + mid * ins.length <= x) lo = mid + 1;
        else hi = mid;
      }
      const k = lo; // insertions starting at or before x
      let o = x - k * ins.length;
      if (k > 0 && x < at[k - 1] + k * ins.length) o = at[k - 1]; // inside the probe call: the function's start
      let l = 0;
      while (l + 1 < inStarts.length && inStarts[l + 1] <= o) l++;
      return { line: l + 1, col: o - inStarts[l] + 1 };
    },
  };
}

/** Indexes of the innermost and outermost bundle frames in a V8 call-site list ([-1, -1]: none). */
function bundleSpan(cs: NodeJS.CallSite[]): [number, number] {
  let inner = -1;
  let outer = -1;
  for (let i = 0; i < cs.length; i++) {
    if (cs[i].getFileName() === BUNDLE_FILENAME) {
      if (inner < 0) inner = i;
      outer = i;
    }
  }
  return [inner, outer];
}

/** Names bundle frames after the TypeScript functions they run in (through the source map). */
export class FrameNamer {
  private map: TraceMap;
  private sources = new Map<string, ts.SourceFile>();
  private content = new Map<string, string>();

  /** `original` maps a position in an instrumented copy back to the bundle (instrumentBundle). */
  constructor(mapFile: string, private original?: (line: number, col: number) => { line: number; col: number }) {
    const raw = JSON.parse(readFileSync(mapFile, 'utf8'));
    this.map = new TraceMap(raw);
    raw.sources.forEach((s: string, i: number) => this.content.set(s, raw.sourcesContent[i]));
  }

  /** "Endpoint.receive (transport/coap/endpoint.ts:567)" for a bundle frame; other frames as they are. */
  name(f: Frame): string {
    if (f.kind === 'port') return `${f.fn} [native]`;
    if (f.kind === 'other') return f.fn;
    const p = this.original ? this.original(f.line, f.col) : { line: f.line, col: f.col };
    const pos = originalPositionFor(this.map, { line: p.line, column: p.col - 1 });
    if (!pos.source || pos.line === null || pos.column === null) return `${f.fn} (bundle helper, firmware.js:${f.line}:${f.col})`;
    const src = pos.source.replace(/^(\.\.\/)+/, '');
    return `${this.functionAt(pos.source, pos.line, pos.column)} (${src}:${pos.line})`;
  }

  private sourceFile(source: string): ts.SourceFile | null {
    let sf = this.sources.get(source);
    if (!sf) {
      const text = this.content.get(source);
      if (text === undefined) return null;
      sf = ts.createSourceFile(source, text, ts.ScriptTarget.ES2020, true);
      this.sources.set(source, sf);
    }
    return sf;
  }

  private functionAt(source: string, line: number, column: number): string {
    const sf = this.sourceFile(source);
    if (!sf) return '?';
    const off = sf.getPositionOfLineAndCharacter(line - 1, column);
    let best = null as ts.Node | null;
    const visit = (n: ts.Node) => {
      if (n.getStart(sf) <= off && off < n.end) {
        if (ts.isFunctionLike(n) && (n as ts.FunctionLikeDeclaration).body) best = n;
        ts.forEachChild(n, visit);
      }
    };
    visit(sf);
    return best ? fnName(best, sf) : '(module top level)';
  }
}

function enclosingFunction(n: ts.Node): ts.Node | null {
  for (let p = n.parent; p; p = p.parent) if (ts.isFunctionLike(p) && (p as ts.FunctionLikeDeclaration).body) return p;
  return null;
}

function fnName(n: ts.Node, sf: ts.SourceFile): string {
  const cls = (c: ts.Node) => (ts.isClassLike(c) && c.name ? c.name.text : '(class)');
  if (ts.isFunctionDeclaration(n) && n.name) return n.name.text;
  if (ts.isMethodDeclaration(n) || ts.isGetAccessor(n) || ts.isSetAccessor(n)) return `${cls(n.parent)}.${n.name.getText(sf)}`;
  if (ts.isConstructorDeclaration(n)) return `${cls(n.parent)}.constructor`;
  // a function expression: named after where it is put
  const p = n.parent;
  let own: string;
  if (ts.isPropertyAssignment(p)) own = p.name.getText(sf);
  else if (ts.isVariableDeclaration(p)) own = p.name.getText(sf);
  else if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) own = p.left.getText(sf);
  else if (ts.isCallExpression(p) || ts.isNewExpression(p)) {
    const callee = p.expression.getText(sf).replace(/\s+/g, '');
    const first = p.arguments && p.arguments[0] && ts.isStringLiteral(p.arguments[0]) ? `'${p.arguments[0].text}'` : '';
    own = `${callee}(${first}${first ? ', ' : ''}function)`;
    // `var read = safe(function …)`: the wrapped function is read's body
    let q: ts.Node = p.parent;
    while (ts.isAsExpression(q) || ts.isParenthesizedExpression(q)) q = q.parent;
    if (ts.isVariableDeclaration(q)) own = `${q.name.getText(sf)} = ${own}`;
  } else if (ts.isReturnStatement(p)) own = '(returned function)';
  else own = '(anonymous)';
  const outer = enclosingFunction(n);
  return outer ? `${fnName(outer, sf)} › ${own}` : own;
}
