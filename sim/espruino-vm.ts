// Runs dist/firmware.js inside a Node `vm` context stripped to what Espruino 2v29 has
// (../shared/ESPRUINO.md): no Map/Set/Symbol/…, typed-array `slice` returning a plain
// Array, String.fromCharCode refusing more than 256 arguments, fractional Date.now(),
// clearTimeout(undefined) throwing. The simulator and the tests run the device from the
// bundle this way, so what they prove is what the board runs.
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { randomBytes } from 'node:crypto';

/** Removed from the context's globals. */
export const STRIPPED_GLOBALS = [
  'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Symbol', 'Proxy', 'Reflect',
  'BigInt', 'BigInt64Array', 'BigUint64Array', 'TextEncoder', 'TextDecoder', 'Buffer',
  'queueMicrotask', 'setImmediate', 'clearImmediate', 'process', 'performance', 'globalThis',
  'SharedArrayBuffer', 'Atomics', 'Intl', 'WebAssembly', 'structuredClone', 'AggregateError',
];

/** Removed from built-in objects: `Owner.member`. */
export const STRIPPED_MEMBERS: Record<string, string[]> = {
  Array: ['from', 'of'],
  ArrayBuffer: ['isView'],
  'ArrayBuffer.prototype': ['slice'],
  'Array.prototype': ['lastIndexOf', 'reduceRight', 'flat', 'flatMap', 'includes', 'find', 'findIndex', 'fill', 'copyWithin', 'entries', 'keys', 'values', 'at'],
  Number: ['isInteger', 'MAX_SAFE_INTEGER', 'MIN_SAFE_INTEGER', 'isSafeInteger', 'EPSILON', 'isNaN', 'isFinite', 'parseFloat', 'parseInt'],
  'Number.prototype': ['toPrecision'],
  Math: ['imul', 'clz32', 'trunc', 'log2', 'sign', 'cbrt', 'hypot', 'fround', 'log10', 'expm1', 'log1p'],
  // ESPRUINO.md measures assign/entries/values as present; issue #2 strips them, and so do we.
  Object: ['freeze', 'seal', 'is', 'isFrozen', 'isSealed', 'assign', 'entries', 'values', 'fromEntries', 'getOwnPropertySymbols'],
  Promise: ['race', 'allSettled', 'any'],
  'Promise.prototype': ['finally'],
  String: ['raw', 'fromCodePoint'],
  'String.prototype': ['codePointAt', 'normalize', 'padStart', 'padEnd', 'repeat', 'startsWith', 'endsWith', 'includes', 'trimStart', 'trimEnd', 'at'],
};

export interface EspruinoHost {
  /** Espruino's built-in modules the bundle may require: dgram, crypto, Storage, Wifi… */
  modules?: Record<string, unknown>;
  /** Receives console output (default: dropped). */
  print?: (line: string) => void;
  /** Board temperature for E.getTemperature(). */
  temperature?: () => number;
}

export interface EspruinoContext {
  context: vm.Context;
  /** Evaluates code in the context (as the board's REPL would). */
  run(code: string): unknown;
  /** Stops every timer the context started. */
  stop(): void;
}

const STRIP = `(function (names, members) {
  var g = this;
  for (var i = 0; i < names.length; i++) delete g[names[i]];
  for (var owner in members) {
    var o = owner.split('.').reduce(function (x, k) { return x[k]; }, g);
    for (var j = 0; j < members[owner].length; j++) delete o[members[owner][j]];
  }
  var TA = Object.getPrototypeOf(Uint8Array.prototype);
  var aslice = [].slice;
  // Espruino: a typed array's slice returns a plain Array (one variable per element).
  TA.slice = function (a, b) { return aslice.call(this, a, b); };
  delete TA.fill; delete TA.lastIndexOf; delete TA.reduceRight; delete TA.at;
  delete Uint8Array.from; delete Uint8Array.of; delete Object.getPrototypeOf(Uint8Array).from; delete Object.getPrototypeOf(Uint8Array).of;
  delete Object.getPrototypeOf(Uint8Array).BYTES_PER_ELEMENT;
  ['Uint8Array','Int8Array','Uint16Array','Int16Array','Uint32Array','Int32Array','Float32Array','Float64Array','Uint8ClampedArray'].forEach(function (n) {
    delete g[n].BYTES_PER_ELEMENT; delete g[n].prototype.BYTES_PER_ELEMENT;
  });
  // Espruino: apply takes at most 256 arguments; fromCharCode.apply over a big array throws.
  var fcc = String.fromCharCode;
  String.fromCharCode = function () {
    if (arguments.length > 256) throw new Error('Too many arguments');
    return fcc.apply(String, arguments);
  };
  // Espruino: Date.now() is fractional.
  var now = Date.now;
  Date.now = function () { return now() + 0.375; };
  // Espruino: Object.create with a properties argument throws.
  var create = Object.create;
  Object.create = function (p, props) {
    if (props !== undefined) throw new Error('Object.create(proto, props) not supported yet');
    return create(p);
  };
})`;

export function createEspruinoContext(host: EspruinoHost = {}): EspruinoContext {
  const timers = new Set<NodeJS.Timeout>();
  const print = host.print || (() => {});
  const fmt = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  const mods = host.modules || {};
  const sandbox: Record<string, unknown> = {
    console: { log: (...a: unknown[]) => print(fmt(a)), warn: (...a: unknown[]) => print(fmt(a)), error: (...a: unknown[]) => print(fmt(a)) },
    print: (...a: unknown[]) => print(fmt(a)),
    require: (name: string) => {
      if (!(name in mods)) throw new Error(`Module ${name} not found`);
      return mods[name];
    },
    setTimeout: (fn: () => void, ms?: number) => {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms || 0);
      timers.add(t);
      return t;
    },
    setInterval: (fn: () => void, ms?: number) => {
      const t = setInterval(fn, ms || 0);
      timers.add(t);
      return t;
    },
    // Espruino: clearTimeout() with no argument clears ALL timers, clearTimeout(undefined) throws.
    clearTimeout: (...a: unknown[]) => {
      if (a.length === 0) throw new Error('clearTimeout() clears every timer on Espruino: pass a handle');
      if (a[0] === undefined) throw new Error('clearTimeout(undefined) throws on Espruino');
      clearTimeout(a[0] as NodeJS.Timeout);
      timers.delete(a[0] as NodeJS.Timeout);
    },
    clearInterval: (...a: unknown[]) => {
      if (a.length === 0 || a[0] === undefined) throw new Error('clearInterval needs a handle on Espruino');
      clearInterval(a[0] as NodeJS.Timeout);
      timers.delete(a[0] as NodeJS.Timeout);
    },
  };
  const context = vm.createContext(sandbox, { name: 'espruino-2v29' });
  vm.runInContext(STRIP, context).call(vm.runInContext('this', context), STRIPPED_GLOBALS, STRIPPED_MEMBERS);
  // E is built inside the context so that its Uint8Arrays are the context's own.
  const makeE = vm.runInContext(`(function (rand, temp) { return {
    toString: function (u8) { var s = ''; for (var i = 0; i < u8.length; i++) s += String.fromCharCode(u8[i] & 255); return s; },
    toUint8Array: function (s) { var u = new Uint8Array(s.length); for (var i = 0; i < s.length; i++) u[i] = s.charCodeAt(i) & 255; return u; },
    toArrayBuffer: function (s) { return this.toUint8Array(s).buffer; },
    hwRand: rand,
    getTemperature: temp,
    getSizeOf: function () { return 0; }
  }; })`, context);
  sandbox.E = makeE(() => randomBytes(4).readInt32LE(0), host.temperature || (() => 25));
  return {
    context,
    run: (code: string) => vm.runInContext(code, context, { filename: 'firmware.js' }),
    stop: () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

const compiled = new Map<string, vm.Script>();

/** Loads dist/firmware.js (or `file`) into a fresh Espruino-like context and returns its `LwM2M` global. */
export function loadFirmware(file: string, host: EspruinoHost = {}, code?: string): { api: any; ctx: EspruinoContext } {
  const ctx = createEspruinoContext(host);
  // compiled once per file: a fleet of simulated devices shares the compiled bundle (`code`,
  // a bundle from the device's own storage, instead of the file: compiled each time)
  let script = code === undefined ? compiled.get(file) : new vm.Script(code, { filename: 'firmware.js' });
  if (!script) {
    script = new vm.Script(readFileSync(file, 'utf8'), { filename: 'firmware.js' });
    compiled.set(file, script);
  }
  script.runInContext(ctx.context);
  const api = ctx.run('LwM2M');
  if (!api) throw new Error(`${file} did not define the LwM2M global`);
  return { api, ctx };
}
