// The provisioning step's flag parsing (tools/board-lib.mjs): every bad argument gets one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, createPublicKey, createPrivateKey } from 'node:crypto';
import vm from 'node:vm';
import { emuStorage } from '../../sim/espruino-modules';
import { buildConfig, checkTarget, cliArgs, verifiersFor, VERIFIERS, CLI, UNPAUSED_SLEEP_S, crc32, rpkLabel, rpkBundleOf, spkiCurve, BOOT_CODE, ROOT, SPKI_ED25519_PREFIX, PKCS8_ED25519_PREFIX, SPKI_P256_PREFIX, PKCS8_P256_PREFIX, type RpkCurve } from '../../tools/board-lib.mjs';
import { needPeer } from '../helpers/peers';

const PSK = ['--endpoint', 'ep1', '--bootstrap', 'coaps://192.0.2.1:5684', '--psk-id', 'ep1-id', '--psk-key', '00112233AABB'];

test('provision: PSK with Wi-Fi and buzzer builds the lwm2m.cfg JSON', () => {
  const cfg = buildConfig([...PSK, '--wifi-ssid', 'lab', '--wifi-password', 'secret123', '--buzzer-pin', '25', '--port=56830']);
  assert.deepEqual(cfg, {
    v: 1, endpoint: 'ep1', bootstrap: 'coaps://192.0.2.1:5684', mode: 'psk', pskId: 'ep1-id', pskKey: '00112233aabb',
    wifi: { ssid: 'lab', password: 'secret123' }, buzzerPin: 'D25', port: 56830,
  });
  assert.deepEqual(buildConfig(['--endpoint', 'e', '--bootstrap', 'coap://h:5683']).mode, 'nosec');
});

test('provision: each bad argument is one line naming it', () => {
  const bad: [string[], RegExp][] = [
    [['--endpoint'], /--endpoint needs a value/],
    [['--bootstrap', 'coaps://h'], /--endpoint is required/],
    [['--endpoint', 'e'], /--bootstrap is required/],
    [['--endpoint', 'e', '--bootstrap', 'http://h'], /is not coap:\/\/HOST/],
    [['--endpoint', 'e', '--bootstrap', 'coaps://h:70000'], /port 70000 out of range/],
    [['--endpoint', 'e', '--bootstrap', 'coaps://h'], /--psk-id is required/],
    [[...PSK.slice(0, 6), '--psk-key', 'abc'], /--psk-key must be an even number of hex digits/],
    [[...PSK, '--mode', 'x509'], /--mode 'x509' must be psk, rpk or nosec/],
    [['--endpoint', 'e', '--bootstrap', 'coap://h', '--mode', 'psk'], /--mode psk needs a coaps:\/\//],
    [[...PSK, '--wifi-password', 'secret123'], /without --wifi-ssid/],
    [[...PSK, '--wifi-ssid', 'lab', '--wifi-password', 'short'], /8-63/],
    [[...PSK, '--buzzer-pin', 'PA5'], /must be a pin like D25/],
    [[...PSK, '--port', '0'], /--port '0' must be 1-65535/],
    [[...PSK, '--frobnicate', '1'], /unknown option '--frobnicate'/],
    [['--endpoint', 'e', '--bootstrap', 'coap://[::1]:5683'], /--bootstrap 'coap:\/\/\[::1\]:5683': IPv6 addresses are not supported \(Espruino's network is IPv4 only\)/],
  ];
  for (const [argv, re] of bad) {
    assert.throws(() => buildConfig(argv), (e: Error) => re.test(e.message) && !e.message.includes('\n'), argv.join(' '));
  }
});

test('provision CLI: writes the file, or exits 2 with one line on stderr', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prov-'));
  const out = join(dir, 'c.json');
  const tool = join(import.meta.dirname, '../../tools/provision.mjs');
  const ok = spawnSync(process.execPath, [tool, ...PSK, '--out', out], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(readFileSync(out, 'utf8')).pskKey, '00112233aabb');
  const bad = spawnSync(process.execPath, [tool, '--endpoint', 'e'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr, 'provision: --bootstrap is required (coap://HOST:PORT or coaps://HOST:PORT)\n');
});

test('provision CLI: the configuration (keys, Wi-Fi password) is written 0600, also over an existing world-readable file, never through a symlink', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prov-'));
  const tool = join(import.meta.dirname, '../../tools/provision.mjs');
  const fresh = join(dir, 'fresh.json');
  const r = spawnSync(process.execPath, [tool, ...PSK, '--wifi-ssid', 'lab', '--wifi-password', 'secret123', '--out', fresh], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(statSync(fresh).mode & 0o777, 0o600);
  const old = join(dir, 'old.json');
  writeFileSync(old, '{"old":true,"padding":"' + 'x'.repeat(500) + '"}', { mode: 0o644 });
  assert.equal(spawnSync(process.execPath, [tool, ...PSK, '--out', old], { encoding: 'utf8' }).status, 0);
  assert.equal(statSync(old).mode & 0o777, 0o600);
  assert.equal(JSON.parse(readFileSync(old, 'utf8')).pskKey, '00112233aabb', 'the old content is gone (truncated)');
  const link = join(dir, 'link.json');
  symlinkSync(join(dir, 'elsewhere.json'), link);
  const l = spawnSync(process.execPath, [tool, ...PSK, '--out', link], { encoding: 'utf8' });
  assert.equal(l.status, 2);
  assert.match(l.stderr, /^provision: ELOOP/);
});

const RPK = ['--endpoint', 'ep1', '--bootstrap', 'coaps://192.0.2.1:5784', '--mode', 'rpk'];

/**
 * One row per key type: a fixed private key with its public key (published vectors), the
 * server key's raw and SPKI forms, the DER lengths, and what certtool calls it.
 */
interface KeyType {
  curve: RpkCurve;
  /** --curve flag to pass (P-256 is the default: none) */
  flag: string[];
  spkiPrefix: string;
  pkcs8Prefix: string;
  pkcs8Len: number;
  /** a private key as 32 raw bytes and the SPKI of its public key */
  priv: string;
  pub: string;
  /** the server key given raw (Ed25519's 32 bytes, P-256's uncompressed point) */
  serverRaw: string;
  certtool: string;
}
const KEY_TYPES: KeyType[] = [
  {
    curve: 'p256', flag: [], spkiPrefix: SPKI_P256_PREFIX, pkcs8Prefix: PKCS8_P256_PREFIX, pkcs8Len: 67,
    // RFC 6979 §A.2.5: the P-256 key pair
    priv: 'c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721',
    pub: SPKI_P256_PREFIX + '0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb67903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299',
    serverRaw: '04' + '6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296' + '4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5', // the base point G
    certtool: 'ecdsa',
  },
  {
    curve: 'ed25519', flag: ['--curve', 'ed25519'], spkiPrefix: SPKI_ED25519_PREFIX, pkcs8Prefix: PKCS8_ED25519_PREFIX, pkcs8Len: 48,
    // RFC 8032 §7.1 TEST 1
    priv: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    pub: SPKI_ED25519_PREFIX + 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    serverRaw: 'ab'.repeat(32),
    certtool: 'ed25519',
  },
];

for (const K of KEY_TYPES) {
  const SRV = ['--rpk-server-pub', K.serverRaw];
  test(`provision RPK ${K.curve}: a fresh key pair in DER, the server key as SPKI, the QR label = SHA-256 of the SPKI`, () => {
    const a = buildConfig([...RPK, ...SRV, ...K.flag]) as Required<ReturnType<typeof buildConfig>>;
    const b = buildConfig([...RPK, '--rpk-server-pub', K.spkiPrefix + K.serverRaw]);
    assert.equal(a.mode, 'rpk');
    assert.equal(a.rpkServerPub, K.spkiPrefix + K.serverRaw);
    assert.equal(b.rpkServerPub, a.rpkServerPub);
    assert.equal(spkiCurve(a.rpkPub), K.curve);
    // no key and no --curve: the server key's type
    assert.equal(spkiCurve(b.rpkPub), K.curve);
    assert.notEqual(a.rpkPriv, b.rpkPriv, 'each run without a key makes a new one');
    assert.equal(a.rpkPriv.length, 2 * K.pkcs8Len);
    assert.ok(a.rpkPriv.startsWith(K.pkcs8Prefix));
    // the public key is the private key's (node:crypto derives it independently here)
    const priv = createPrivateKey({ key: Buffer.from(a.rpkPriv, 'hex'), format: 'der', type: 'pkcs8' });
    assert.equal(createPublicKey(priv).export({ type: 'spki', format: 'der' }).toString('hex'), a.rpkPub);
    assert.equal(rpkLabel(a), createHash('sha256').update(Buffer.from(a.rpkPub, 'hex')).digest('hex'));
    assert.equal(rpkBundleOf(a), join(ROOT, 'dist', K.curve === 'p256' ? 'firmware-rpk.js' : 'firmware-rpk-ed25519.js'));
    // a given raw key gives the same DER every time; its public key may be given and must match
    const c = buildConfig([...RPK, ...SRV, ...K.flag, '--rpk-priv', K.priv]) as Required<ReturnType<typeof buildConfig>>;
    assert.equal(c.rpkPriv, K.pkcs8Prefix + K.priv);
    assert.equal(c.rpkPub, K.pub);
    assert.deepEqual(buildConfig([...RPK, ...SRV, '--rpk-priv', c.rpkPriv, '--rpk-pub', c.rpkPub]), c);
    // the other DER forms node:crypto (openssl) writes: PKCS#8 with the public key, SEC 1
    const der = createPrivateKey({ key: Buffer.from(c.rpkPriv, 'hex'), format: 'der', type: 'pkcs8' });
    const forms = K.curve === 'p256' ? ['pkcs8', 'sec1'] as const : ['pkcs8'] as const;
    for (const type of forms) assert.deepEqual(buildConfig([...RPK, ...SRV, '--rpk-priv', der.export({ type, format: 'der' }).toString('hex')]), c, type);
  });
}

test('provision RPK: 32 raw private bytes are a P-256 scalar unless --curve ed25519 says seed', () => {
  const [P, E] = KEY_TYPES;
  const asP256 = buildConfig([...RPK, '--rpk-server-pub', P.serverRaw, '--rpk-priv', E.priv]);
  assert.equal(spkiCurve(asP256.rpkPub), 'p256');
  assert.equal(asP256.rpkPriv, PKCS8_P256_PREFIX + E.priv);
  assert.throws(() => buildConfig([...RPK, '--rpk-server-pub', E.serverRaw, '--rpk-priv', E.priv]), /--rpk-server-pub is Ed25519 but the device key is P-256: a build has one key type/);
  assert.equal(spkiCurve(buildConfig([...RPK, '--rpk-server-pub', E.serverRaw, '--curve', 'ed25519', '--rpk-priv', E.priv]).rpkPub), 'ed25519');
});

test('provision RPK: wrong lengths, mismatched keys and missing keys are one line each', () => {
  const [P, E] = KEY_TYPES;
  const BS_PUB = E.serverRaw;
  const bad: [string[], RegExp][] = [
    [[...RPK], /--rpk-server-pub is required for --mode rpk/],
    [[...RPK, '--rpk-server-pub', 'abcd'], /--rpk-server-pub is 2 bytes: a public key is P-256 \(65-byte point 04‖X‖Y or 91-byte SubjectPublicKeyInfo\) or Ed25519 \(32 bytes raw or 44-byte SubjectPublicKeyInfo\)/],
    [[...RPK, '--rpk-server-pub', '302a'.padEnd(88, '0')], /--rpk-server-pub is 44 bytes/],
    [[...RPK, '--rpk-server-pub', '04' + '11'.repeat(64)], /--rpk-server-pub is not a P-256 public key: /],
    [[...RPK, '--rpk-server-pub', 'xy'.repeat(32)], /--rpk-server-pub must be an even number of hex digits/],
    [[...RPK, '--rpk-server-pub', BS_PUB, '--rpk-priv', '00'.repeat(33)], /--rpk-priv is 33 bytes: a private key is 32 raw bytes \(a P-256 scalar; an Ed25519 seed with --curve ed25519\), PKCS#8 DER or SEC 1 DER/],
    [[...RPK, '--rpk-server-pub', BS_PUB, '--rpk-priv', '30' + 'ff'.repeat(47)], /--rpk-priv is not a PKCS#8 or SEC 1 private key: /],
    [[...RPK, '--rpk-server-pub', P.serverRaw, '--rpk-priv', '00'.repeat(32)], /--rpk-priv: the P-256 private scalar is not in \[1, n\)/],
    [[...RPK, '--rpk-server-pub', P.serverRaw, '--rpk-priv', 'ff'.repeat(32)], /--rpk-priv: the P-256 private scalar is not in \[1, n\)/],
    [[...RPK, '--rpk-server-pub', BS_PUB, '--curve', 'ed25519', '--rpk-priv', P.pkcs8Prefix + P.priv], /--rpk-priv is P-256, not Ed25519 \(--curve ed25519\)/],
    [[...RPK, '--rpk-server-pub', BS_PUB, '--curve', 'x25519'], /--curve 'x25519' must be p256 or ed25519/],
    [[...RPK, '--rpk-server-pub', P.serverRaw, '--curve', 'ed25519'], /--rpk-server-pub is P-256 but the device key is Ed25519/],
    [[...RPK, '--rpk-server-pub', BS_PUB, '--curve', 'ed25519', '--rpk-priv', '01'.repeat(32), '--rpk-pub', E.pub], /--rpk-pub is not the public key of the private key given/],
    [[...RPK, '--rpk-server-pub', BS_PUB, '--rpk-priv', '00'.repeat(32), '--rpk-key', '/tmp/x'], /exclusive/],
    [[...PSK, '--rpk-server-pub', BS_PUB], /given with --mode psk/],
    [[...PSK, '--curve', 'p256'], /given with --mode psk/],
    [['--endpoint', 'e', '--bootstrap', 'coap://h:5683', '--mode', 'rpk', '--rpk-server-pub', BS_PUB], /--mode rpk needs a coaps:\/\//],
  ];
  for (const [argv, re] of bad) {
    assert.throws(() => buildConfig(argv), (e: Error) => re.test(e.message) && !e.message.includes('\n'), argv.join(' '));
  }
});

for (const K of KEY_TYPES) {
  test(`provision RPK CLI ${K.curve}: --rpk-key FILE is created once (of --curve, P-256 by default), then reused; the label is printed`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'prov-rpk-'));
    const tool = join(import.meta.dirname, '../../tools/provision.mjs');
    const key = join(dir, 'device.key');
    const run = (flag: string[]) => spawnSync(process.execPath, [tool, ...RPK, '--rpk-server-pub', K.serverRaw, '--rpk-key', key, ...flag, '--out', join(dir, 'c.json')], { encoding: 'utf8' });
    const first = run(K.flag);
    assert.equal(first.status, 0, first.stderr);
    const cfg1 = JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8'));
    assert.equal(spkiCurve(cfg1.rpkPub), K.curve);
    assert.match(readFileSync(key, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(first.stdout, new RegExp(`build dist/${K.curve === 'p256' ? 'firmware-rpk' : 'firmware-rpk-ed25519'}\\.js`));
    // the file's own type from then on, without --curve
    const second = run([]);
    assert.equal(second.status, 0, second.stderr);
    const cfg2 = JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8'));
    assert.equal(cfg2.rpkPriv, cfg1.rpkPriv);
    assert.match(second.stdout, new RegExp(`QR label .* ${rpkLabel(cfg1)}\n`));
    const other = run(['--curve', K.curve === 'p256' ? 'ed25519' : 'p256']);
    assert.equal(other.status, 2);
    assert.match(other.stderr, new RegExp(`^provision: --rpk-key ${key}: the key in ${key} is ${K.curve === 'p256' ? 'P-256' : 'Ed25519'}, not`));
  });

  test(`provision RPK ${K.curve}: the QR label equals certtool's Public Key ID (sha256)`, (t) => {
    if (!needPeer(t, 'certtool', 'gnutls-bin')) return;
    const dir = mkdtempSync(join(tmpdir(), 'prov-cert-'));
    const key = join(dir, 'k.pem');
    const gen = spawnSync('certtool', ['--generate-privkey', `--key-type=${K.certtool}`, ...(K.curve === 'p256' ? ['--curve=secp256r1'] : []), '--outfile', key], { encoding: 'utf8' });
    assert.equal(gen.status, 0, gen.stderr);
    const info = spawnSync('certtool', ['--load-privkey', key, '--pubkey-info'], { encoding: 'utf8' });
    const id = /Public Key ID:[^]*?sha256:([0-9a-f]{64})/.exec(info.stdout);
    assert.ok(id, info.stdout);
    const cfg = buildConfig([...RPK, '--rpk-server-pub', K.serverRaw, '--rpk-key', key]);
    assert.equal(spkiCurve(cfg.rpkPub), K.curve);
    assert.equal(rpkLabel(cfg), id![1]);
  });
}

test('flash target: serial device or tcp://HOST[:PORT]', () => {
  assert.equal(checkTarget('/dev/ttyUSB0'), '/dev/ttyUSB0');
  assert.equal(checkTarget('tcp://192.168.1.50'), 'tcp://192.168.1.50');
  assert.equal(checkTarget('tcp://127.0.0.1:2323'), 'tcp://127.0.0.1:2323');
  assert.throws(() => checkTarget(''), /--port is required/);
  assert.throws(() => checkTarget('ttyUSB0'), /neither a serial device/);
  // elsewhere than /dev/: a character device (a pty's link) is a serial port; a file is not
  const link = join(tmpdir(), `tty-link-${process.pid}`);
  symlinkSync('/dev/null', link);
  try {
    assert.equal(checkTarget(link), link);
  } finally {
    unlinkSync(link);
  }
  assert.throws(() => checkTarget(join(ROOT, 'package.json')), /neither a serial device/);
  assert.throws(() => checkTarget('tcp://h:x'), /not tcp:\/\/HOST/);
});

test('boot file evals the bundle from Storage and starts on init', () => {
  assert.match(BOOT_CODE, /E\.on\('init', function \(\) \{ LwM2M\.espruino\.start\(global\); \}\)/);
});

/** Runs BOOT_CODE over Storage `files` (an emulation of Espruino's module); the bundle that started, reboots asked, and the files after. */
function boot(files: Record<string, string>) {
  const st = emuStorage({ ...files });
  const out = { started: '', reboots: 0, files: st.files };
  const ctx = vm.createContext({ require: () => st, print: () => {}, E: { on: (_e: string, f: () => void) => f(), reboot: () => out.reboots++ } });
  vm.runInContext('var global = this;' + BOOT_CODE, ctx);
  out.started = vm.runInContext('typeof STARTED === "string" ? STARTED : ""', ctx);
  return out;
}

test('boot file: the boot record picks the bundle — none: lwm2m.js; on trial: the new one, its boots counted; after 3, or a torn record, the one that booted before (Update Result 8)', () => {
  const bundle = (name: string) => `var LwM2M = { espruino: { start: function () { STARTED = '${name}'; } } };`;
  const A = bundle('A');
  const B = bundle('B');
  const rec = (o: object) => JSON.stringify({ q: 1, c: 'lwm2m.js', p: '', t: 0, r: 0, v: '', ...o });
  const newest = (f: Record<string, string>) => [f['lwm2m.fwb.a'], f['lwm2m.fwb.b']].filter(Boolean).map((x) => JSON.parse(x)).sort((x, y) => y.q - x.q)[0];
  assert.equal(boot({ 'lwm2m.js': A }).started, 'A');
  let b = boot({ 'lwm2m.js': A, 'lwm2m.js2': B, 'lwm2m.fwb.a': rec({ p: 'lwm2m.js2' }) });
  assert.equal(b.started, 'B');
  assert.deepEqual([newest(b.files).q, newest(b.files).t], [2, 1], 'the boot counted first, in the other slot');
  assert.ok(b.files['lwm2m.fwb.a'], 'the older record stays');
  b = boot({ 'lwm2m.js': A, 'lwm2m.js2': B, 'lwm2m.fwb.b': rec({ q: 4, p: 'lwm2m.js2', t: 3 }) });
  assert.equal(b.started, 'A');
  assert.deepEqual([newest(b.files).p, newest(b.files).r, newest(b.files).c], ['', 8, 'lwm2m.js']);
  // power cut while the newer record was written: it does not parse, the older one counts
  b = boot({ 'lwm2m.js': A, 'lwm2m.js2': B, 'lwm2m.fwb.a': rec({ q: 5, c: 'lwm2m.js2' }), 'lwm2m.fwb.b': rec({ q: 6, c: 'lwm2m.js' }).slice(0, 20) + '\xff\xff' });
  assert.equal(b.started, 'B');
  // a confirmed update: lwm2m.js2 boots; its file gone: lwm2m.js
  assert.equal(boot({ 'lwm2m.js': A, 'lwm2m.js2': B, 'lwm2m.fwb.a': rec({ c: 'lwm2m.js2', r: 1 }) }).started, 'B');
  assert.equal(boot({ 'lwm2m.js': A, 'lwm2m.fwb.a': rec({ c: 'lwm2m.js2', r: 1 }) }).started, 'A');
  // a trial bundle that throws while loading: reboot (the next boot counts it)
  b = boot({ 'lwm2m.js': A, 'lwm2m.js2': 'throw new Error("broken")', 'lwm2m.fwb.a': rec({ p: 'lwm2m.js2' }) });
  assert.equal(b.reboots, 1);
});

const TOOLS = join(import.meta.dirname, '../../tools');

test('provision, flash, hil and build answer --help with their usage (exit 0)', () => {
  for (const [tool, re] of [['provision.mjs', /^usage: npm run provision -- --endpoint EP/], ['flash.mjs', /^usage: npm run flash -- --port/], ['hil.mjs', /^usage: npm run hil -- --port/], ['build.mjs', /^usage: node tools\/build\.mjs/]] as const) {
    const r = spawnSync(process.execPath, [join(TOOLS, tool), '--help'], { encoding: 'utf8', env: { ...process.env, ESPRUINO_BIN: '' } });
    assert.equal(r.status, 0, `${tool}: ${r.stderr}`);
    assert.match(r.stdout, re, tool);
  }
});

test('make flash without PORT says so at once, before any build', () => {
  if (spawnSync('make', ['--version']).status !== 0) return;
  const t0 = Date.now();
  const r = spawnSync('make', ['-s', 'flash'], { cwd: ROOT, encoding: 'utf8', timeout: 15000 });
  assert.ok(Date.now() - t0 < 15000, 'no build before the argument check');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /^flash: --port needs a value/m);
  assert.doesNotMatch(r.stdout + r.stderr, /build:|microbundle|tsc/);
  // the same with hil (no ESPRUINO_BIN)
  const h = spawnSync('make', ['-s', 'hil'], { cwd: ROOT, encoding: 'utf8', timeout: 15000, env: { ...process.env, ESPRUINO_BIN: '' } });
  assert.match(h.stderr, /^hil: --port is required/m);
  assert.doesNotMatch(h.stdout + h.stderr, /build:/);
});

test('build --if-stale: a bundle whose inputs are unchanged is not rebuilt; a bad --only is one line', () => {
  const r = spawnSync(process.execPath, [join(TOOLS, 'build.mjs'), '--if-stale', '--only', 'firmware'], { cwd: ROOT, encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 0, r.stderr);
  // npm test builds first; a second look finds it fresh
  const again = spawnSync(process.execPath, [join(TOOLS, 'build.mjs'), '--if-stale', '--only', 'firmware'], { cwd: ROOT, encoding: 'utf8', timeout: 20000 });
  assert.equal(again.stdout.trim(), 'build: dist/firmware.js is up to date (its inputs are unchanged)');
  const bad = spawnSync(process.execPath, [join(TOOLS, 'build.mjs'), '--only', 'firmware-x'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr, "build: --only 'firmware-x' must be one of firmware, firmware-rpk, firmware-rpk-ed25519, fw-verify, fw-verify-ed25519\n");
});

test('crc32 is the CRC-32 Espruino\'s E.CRC32 computes (IEEE: check value of "123456789" cbf43926), the upload\'s check', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  assert.equal(crc32(Buffer.from([0xff, 0x00, 0x80])), crc32(Buffer.from([0xff, 0x00, 0x80])));
  assert.notEqual(crc32(Buffer.from('abc')), crc32(Buffer.from('abd')));
});

test('upload: the CLI with its pause after each Storage write, or without it (then staying a while for the target to finish)', () => {
  assert.deepEqual(cliArgs('/dev/ttyUSB0', true), [CLI, '--no-ble', '-p', '/dev/ttyUSB0']);
  assert.deepEqual(cliArgs('tcp://127.0.0.1:2323', false), [CLI, '--no-ble', '-p', 'tcp://127.0.0.1:2323', '--config', 'STORAGE_UPLOAD_METHOD=1', '--sleep', String(UNPAUSED_SLEEP_S)]);
  // the options the CLI knows: its Storage Upload Strategy ("1: No delays") and --sleep
  const src = readFileSync(join(ROOT, 'node_modules/espruino/core/serial.js'), 'utf8');
  assert.match(src, /if \(\(0\|Espruino\.Config\.STORAGE_UPLOAD_METHOD\)==0\) \/\/ only throttle writes if we haven't disabled it/);
  assert.match(readFileSync(CLI, 'utf8'), /arg=="--sleep"/);
});

test('upload: the verifier of the configuration\'s vendor key type beside the bundle, none without a key, P-256\'s when the configuration is not known', () => {
  const [ver, ved] = VERIFIERS;
  const p256 = { v: 1, endpoint: 'e', bootstrap: 'coap://h', mode: 'nosec', vendorPub: '04' + 'ab'.repeat(64) };
  const ed = { ...p256, vendorPub: 'cd'.repeat(32) };
  assert.deepEqual(verifiersFor(p256), [ver]);
  assert.deepEqual(verifiersFor(ed), [ved]);
  // as `npm run flash` hands it over: the file's text
  assert.deepEqual(verifiersFor(JSON.stringify(ed)), [ved]);
  assert.deepEqual(verifiersFor(JSON.stringify(p256)), [ver]);
  // no vendor key: the device takes no package, so no verifier (18 KB, 12 s over a serial line)
  assert.deepEqual(verifiersFor({ ...p256, vendorPub: undefined }), []);
  assert.deepEqual(verifiersFor(JSON.stringify({ ...p256, vendorPub: undefined })), []);
  // --no-config: the board keeps its configuration, of a key type not known here
  assert.deepEqual(verifiersFor(undefined), [ver]);
  assert.deepEqual(verifiersFor('not json'), [ver]);
});
