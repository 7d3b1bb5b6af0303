// npm run bench:p256 — time of P-256 operations (transport/crypto/p256.ts) in Node and, when
// ESPRUINO_BIN names an Espruino Linux build, inside Espruino itself, plus the variables the
// module costs there when evaluated from Storage (as on the board).
//
//   publicKey  d*G and conversion to affine (the fixed-base scalar multiplication; also an
//              ECDHE ephemeral key)
//   ecdh       validation of the peer point, its window table, d*Q, affine x (variable base)
//   sign       RFC 6979 nonce (HMAC-SHA-256 on the backend), k*G, k^-1 mod n, DER
//   verify     DER parsing, point validation, s^-1 mod n, u1*G + u2*Q (Shamir)
//
// In Espruino the module is bundled to ES5 (esbuild, TypeScript's ES5 emit, terser with the
// project's Espruino-safe options from package.json) into .probe/, written to Storage, and
// evaluated from there; each operation runs once (they take seconds), the first publicKey
// also builds the cached table of G. Wall-clock time on a shared machine depends on load: the
// interpreter's user CPU time for the whole run is printed next to its wall time.
// Not a test: numbers depend on the machine. BENCH_N sets the Node repetitions (default 30),
// BENCH_RUNS the Espruino runs per operation (default 2; the least CPU time is kept).
import { createECDH, createHash, createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, generateKeyPairSync } from 'node:crypto';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { p256Es5 } from './p256-es5';
import { p256Ecdh, p256PublicKey, p256Sign, p256Verify } from '../transport/crypto/p256';
import { nodeCrypto } from '../sim/node-crypto';
import { espruinoBin, storeFileCode } from '../tools/espruino/bin.mjs';

const root = join(import.meta.dirname, '..');
const N = Number(process.env.BENCH_N || 30);
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

// Fixed inputs (so that Node and Espruino compute the same things, and the results can be checked).
const a = createECDH('prime256v1');
a.setPrivateKey(createHash('sha256').update('bench-a').digest());
const b = createECDH('prime256v1');
b.setPrivateKey(createHash('sha256').update('bench-b').digest());
const d = new Uint8Array(32);
d.set(a.getPrivateKey(), 32 - a.getPrivateKey().length);
const pubA = new Uint8Array(a.getPublicKey());
const peer = new Uint8Array(b.getPublicKey());
const h = new Uint8Array(createHash('sha256').update('bench message').digest());
const want = {
  publicKey: hex(pubA),
  ecdh: a.computeSecret(b.getPublicKey()).toString('hex'),
  sign: hex(p256Sign(d, h, nodeCrypto)),
};

// Every result is checked against OpenSSL (node:crypto) before anything is timed: a fast wrong
// answer is not a benchmark. The signature is randomised in neither (RFC 6979), so OpenSSL
// verifies ours and ours verifies OpenSSL's.
const b64u = (u: Uint8Array) => Buffer.from(u).toString('base64url');
const jwk = { kty: 'EC', crv: 'P-256', x: b64u(pubA.subarray(1, 33)), y: b64u(pubA.subarray(33)) };
const msg = Buffer.from('bench message');
const opensslSig = new Uint8Array(nodeSign('sha256', msg, { key: createPrivateKey({ key: { ...jwk, d: b64u(d) }, format: 'jwk' }), dsaEncoding: 'der' }));
for (const [name, ok] of [
  ['publicKey', hex(p256PublicKey(d)) === want.publicKey],
  ['ecdh', hex(p256Ecdh(d, peer)!) === want.ecdh],
  ['sign (OpenSSL verifies it)', nodeVerify('sha256', msg, { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'der' }, p256Sign(d, h, nodeCrypto)!)],
  ['verify (an OpenSSL signature)', p256Verify(pubA, h, opensslSig) === true],
  ['verify (a wrong digest refused)', p256Verify(pubA, new Uint8Array(32), opensslSig) === false],
] as const) {
  if (!ok) {
    console.error(`bench:p256: ${name}: wrong result in Node`);
    process.exit(1);
  }
}

function time(f: () => void, n: number): number {
  for (let i = 0; i < 3; i++) f();
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) f();
  return Number(process.hrtime.bigint() - t) / 1e6 / n;
}

const sigA = p256Sign(d, h, nodeCrypto);
const { privateKey: nk, publicKey: npk } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const nodeSig = nodeSign('sha256', Buffer.from('m'), { key: nk, dsaEncoding: 'der' });
const rows: [string, number, number][] = [
  ['publicKey', time(() => p256PublicKey(d), N), time(() => a.setPrivateKey(Buffer.from(d)), N)],
  ['ecdh', time(() => p256Ecdh(d, peer), N), time(() => a.computeSecret(Buffer.from(peer)), N)],
  ['sign', time(() => p256Sign(d, h, nodeCrypto), N), time(() => nodeSign('sha256', Buffer.from('m'), { key: nk, dsaEncoding: 'der' }), N)],
  ['verify', time(() => p256Verify(pubA, h, sigA), N), time(() => nodeVerify('sha256', Buffer.from('m'), { key: npk, dsaEncoding: 'der' }, nodeSig), N)],
];
console.log(`Node ${process.version} (ms per operation, mean of ${N} after warm-up; node:crypto/OpenSSL for scale; every result checked against OpenSSL first)`);
for (const [name, ours, ref] of rows) console.log(`  ${name.padEnd(10)} ${ours.toFixed(2).padStart(8)} ms   node:crypto ${ref.toFixed(3)} ms`);

const BIN = espruinoBin();
if (!BIN) {
  console.log('\nEspruino: run `npm run espruino:build` (or set ESPRUINO_BIN) to time it there.');
  process.exit(0);
}
if (!existsSync(BIN)) {
  console.error(`bench:p256: ESPRUINO_BIN '${BIN}' not found`);
  process.exit(2);
}

// The ES5 bundle: p256 and the Espruino CryptoBackend (its native SHA-256 under HMAC).
const min = await p256Es5();
mkdirSync(join(root, '.probe'), { recursive: true });
writeFileSync(join(root, '.probe/p256.bench.js'), min);

// One Espruino process per operation, so that each gets its own CPU time (the interpreter's
// user + system time, measured from outside: on a busy machine wall-clock time is not its own).
// The "load" run only evaluates the bundle: its CPU time is subtracted from the others.
const ops: Record<string, string> = {
  load: '',
  publicKey: `r = P256.p256PublicKey(d); ok = th(r) === '${want.publicKey}';`,
  ecdh: `r = P256.p256Ecdh(d, peer); ok = th(r) === '${want.ecdh}';`,
  sign: `r = P256.p256Sign(d, h, c); ok = th(r) === '${want.sign}';`,
  verify: `ok = P256.p256Verify(pub, h, hx('${want.sign}'));`,
};
const driver = (op: string) => `
${storeFileCode('p256.js', 'b.js')}
var m0 = process.memory().usage;
eval(require('Storage').read('p256.js'));
var hx = function (s) { var u = new Uint8Array(s.length / 2); for (var i = 0; i < u.length; i++) u[i] = parseInt(s.substr(2 * i, 2), 16); return u; };
var th = function (u) { var s = ''; for (var i = 0; i < u.length; i++) s += (256 + u[i]).toString(16).substr(1); return s; };
var d = hx('${hex(d)}'), peer = hx('${hex(peer)}'), h = hx('${hex(h)}'), pub = hx('${hex(pubA)}');
var c = P256.espruinoCrypto(require('crypto')), r, ok = true;
print('VARS ' + (process.memory().usage - m0));
var t = Date.now();
${ops[op]}
print('MS ' + Math.floor(Date.now() - t) + ' ' + (ok ? 'ok' : 'WRONG'));
print('AFTER ' + (process.memory().usage - m0));
quit();
`;
const dir = mkdtempSync(join(tmpdir(), 'bench-p256-'));
try {
  writeFileSync(join(dir, 'b.js'), min);
  execFileSync('mkfifo', [join(dir, 'stdin')]);
  console.log(`\nEspruino ${BIN}: bundle ${min.length} bytes (minified ES5, with the Espruino CryptoBackend and HMAC), evaluated from Storage`);
  let base = 0;
  const runs = Number(process.env.BENCH_RUNS || 2);
  for (const op of Object.keys(ops)) {
    writeFileSync(join(dir, 'run.js'), driver(op));
    let best: { cpu: number; sys: number; ms: RegExpExecArray; vars: RegExpExecArray; after: RegExpExecArray } | null = null;
    for (let k = 0; k < runs; k++) {
      rmSync(join(dir, 'espruino.flash'), { force: true });
      const r = spawnSync('bash', ['-c', 'TIMEFORMAT="TIME %R %U %S"; time "$0" run.js 0<>stdin', BIN], { cwd: dir, timeout: 1800000 });
      const out = r.stdout.toString().replace(/\r/g, '');
      const tm = /TIME ([\d.]+) ([\d.]+) ([\d.]+)/.exec(r.stderr.toString());
      const ms = /^MS (\d+) (\S+)/m.exec(out), vars = /^VARS (\d+)/m.exec(out), after = /^AFTER (\d+)/m.exec(out);
      if (!tm || !ms || !vars || !after) {
        console.log(`  ${op}: Espruino did not finish\n` + out.slice(-1500));
        break;
      }
      const c = Number(tm[2]) + Number(tm[3]);
      if (!best || c < best.cpu) best = { cpu: c, sys: Number(tm[3]), ms, vars, after };
    }
    if (!best) continue;
    const { cpu, sys, ms, vars, after } = best;
    if (op === 'load') {
      base = cpu;
      console.log(`  load from Storage: ${vars[1]} variables, CPU ${cpu.toFixed(2)} s for start-up and load (subtracted below)`);
      continue;
    }
    console.log(`  ${op.padEnd(10)} CPU ${(cpu - base).toFixed(2).padStart(6)} s (system ${sys.toFixed(2)})   wall ${(Number(ms[1]) / 1000).toFixed(2).padStart(6)} s   ${ms[2]}   variables kept after it: ${after[1]} (module ${vars[1]})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
