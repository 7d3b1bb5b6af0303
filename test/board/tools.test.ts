// The provisioning step's flag parsing (tools/board-lib.mjs): every bad argument gets one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, createPublicKey, createPrivateKey } from 'node:crypto';
import { buildConfig, checkTarget, rpkLabel, BOOT_CODE, SPKI_ED25519_PREFIX, PKCS8_ED25519_PREFIX } from '../../tools/board-lib.mjs';
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

const RPK = ['--endpoint', 'ep1', '--bootstrap', 'coaps://192.0.2.1:5784', '--mode', 'rpk'];
const BS_PUB = 'ab'.repeat(32);

test('provision RPK: a fresh Ed25519 key pair in DER, the server key as SPKI, the QR label = SHA-256 of the SPKI', () => {
  const a = buildConfig([...RPK, '--rpk-server-pub', BS_PUB]) as Required<ReturnType<typeof buildConfig>>;
  const b = buildConfig([...RPK, '--rpk-server-pub', SPKI_ED25519_PREFIX + BS_PUB]);
  assert.equal(a.mode, 'rpk');
  assert.equal(a.rpkServerPub, SPKI_ED25519_PREFIX + BS_PUB);
  assert.equal(b.rpkServerPub, a.rpkServerPub);
  assert.notEqual(a.rpkPriv, b.rpkPriv, 'each run without a key makes a new one');
  assert.equal(a.rpkPriv.length, 96);
  assert.ok(a.rpkPriv.startsWith(PKCS8_ED25519_PREFIX));
  // the public key is the private key's (node:crypto derives it independently here)
  const priv = createPrivateKey({ key: Buffer.from(a.rpkPriv, 'hex'), format: 'der', type: 'pkcs8' });
  assert.equal(createPublicKey(priv).export({ type: 'spki', format: 'der' }).toString('hex'), a.rpkPub);
  assert.equal(rpkLabel(a), createHash('sha256').update(Buffer.from(a.rpkPub, 'hex')).digest('hex'));
  // a given seed gives the same DER every time; its public key may be given and must match
  const seed = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'; // RFC 8032 §7.1 TEST 1
  const c = buildConfig([...RPK, '--rpk-server-pub', BS_PUB, '--rpk-priv', seed]) as Required<ReturnType<typeof buildConfig>>;
  assert.equal(c.rpkPriv, PKCS8_ED25519_PREFIX + seed);
  assert.equal(c.rpkPub, SPKI_ED25519_PREFIX + 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  assert.deepEqual(buildConfig([...RPK, '--rpk-server-pub', BS_PUB, '--rpk-priv', c.rpkPriv, '--rpk-pub', c.rpkPub]), c);
  assert.equal(rpkLabel(buildConfig(PSK)), null);
});

test('provision RPK: wrong lengths, mismatched keys and missing keys are one line each', () => {
  const bad: [string[], RegExp][] = [
    [[...RPK], /--rpk-server-pub is required for --mode rpk/],
    [[...RPK, '--rpk-server-pub', 'abcd'], /--rpk-server-pub is 2 bytes: an Ed25519 public key is 32 bytes raw or a 44-byte SubjectPublicKeyInfo/],
    [[...RPK, '--rpk-server-pub', '302a'.padEnd(88, '0')], /--rpk-server-pub is 44 bytes/],
    [[...RPK, '--rpk-server-pub', 'xy'.repeat(32)], /--rpk-server-pub must be an even number of hex digits/],
    [[...RPK, '--rpk-server-pub', BS_PUB, '--rpk-priv', '00'.repeat(33)], /--rpk-priv is 33 bytes: an Ed25519 private key is a 32-byte seed or 48-byte PKCS#8 DER/],
    [[...RPK, '--rpk-server-pub', BS_PUB, '--rpk-priv', 'ff'.repeat(48)], /--rpk-priv is not an Ed25519 PKCS#8 key/],
    [[...RPK, '--rpk-server-pub', BS_PUB, '--rpk-priv', '00'.repeat(32), '--rpk-pub', BS_PUB], /--rpk-pub is not the public key of the private key given/],
    [[...RPK, '--rpk-server-pub', BS_PUB, '--rpk-priv', '00'.repeat(32), '--rpk-key', '/tmp/x'], /exclusive/],
    [[...PSK, '--rpk-server-pub', BS_PUB], /given with --mode psk/],
    [['--endpoint', 'e', '--bootstrap', 'coap://h:5683', '--mode', 'rpk', '--rpk-server-pub', BS_PUB], /--mode rpk needs a coaps:\/\//],
  ];
  for (const [argv, re] of bad) {
    assert.throws(() => buildConfig(argv), (e: Error) => re.test(e.message) && !e.message.includes('\n'), argv.join(' '));
  }
});

test('provision RPK CLI: --rpk-key FILE is created once, then reused; the label is printed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prov-rpk-'));
  const tool = join(import.meta.dirname, '../../tools/provision.mjs');
  const key = join(dir, 'device.key');
  const run = () => spawnSync(process.execPath, [tool, ...RPK, '--rpk-server-pub', BS_PUB, '--rpk-key', key, '--out', join(dir, 'c.json')], { encoding: 'utf8' });
  const first = run();
  assert.equal(first.status, 0, first.stderr);
  const cfg1 = JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8'));
  assert.match(readFileSync(key, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
  const second = run();
  const cfg2 = JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8'));
  assert.equal(cfg2.rpkPriv, cfg1.rpkPriv);
  assert.match(second.stdout, new RegExp(`QR label .* ${rpkLabel(cfg1)}\n`));
});

test('provision RPK: the QR label equals certtool\'s Public Key ID (sha256)', (t) => {
  if (!needPeer(t, 'certtool', 'gnutls-bin')) return;
  const dir = mkdtempSync(join(tmpdir(), 'prov-cert-'));
  const key = join(dir, 'k.pem');
  const gen = spawnSync('certtool', ['--generate-privkey', '--key-type=ed25519', '--outfile', key], { encoding: 'utf8' });
  assert.equal(gen.status, 0, gen.stderr);
  const info = spawnSync('certtool', ['--load-privkey', key, '--pubkey-info'], { encoding: 'utf8' });
  const id = /Public Key ID:[^]*?sha256:([0-9a-f]{64})/.exec(info.stdout);
  assert.ok(id, info.stdout);
  const cfg = buildConfig([...RPK, '--rpk-server-pub', BS_PUB, '--rpk-key', key]);
  assert.equal(rpkLabel(cfg), id![1]);
});

test('flash target: serial device or tcp://HOST[:PORT]', () => {
  assert.equal(checkTarget('/dev/ttyUSB0'), '/dev/ttyUSB0');
  assert.equal(checkTarget('tcp://192.168.1.50'), 'tcp://192.168.1.50');
  assert.equal(checkTarget('tcp://127.0.0.1:2323'), 'tcp://127.0.0.1:2323');
  assert.throws(() => checkTarget(''), /--port is required/);
  assert.throws(() => checkTarget('ttyUSB0'), /neither a serial device/);
  assert.throws(() => checkTarget('tcp://h:x'), /not tcp:\/\/HOST/);
});

test('boot file evals the bundle from Storage and starts on init', () => {
  assert.match(BOOT_CODE, /eval\(require\('Storage'\)\.read\('lwm2m\.js'\)\)/);
  assert.match(BOOT_CODE, /E\.on\('init', function \(\) \{ LwM2M\.espruino\.start\(global\); \}\)/);
});
