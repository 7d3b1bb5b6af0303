// Security Mode 1 (raw public keys, RFC 7250) end to end on loopback: the device is an
// RPK build in the Espruino-stripped context — dist/firmware-rpk.js with P-256 keys (the
// default), dist/firmware-rpk-ed25519.js with Ed25519 keys, one table of tests per key type
// where the type matters — and the servers are the simulator's. The seed's out-of-band step: the bootstrap server trusts a device key only
// after an installer "scanned" its QR label (the SHA-256 of its SPKI) — enrol() — and only
// within the window; afterwards the key is that endpoint's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { runScenario } from '../../sim/scenario';
import { BootstrapServer, simpleConfig, DEFAULT_ENROL_MS, type BsEvent } from '../../sim/bootstrap-server';
import { Lwm2mServer, type ServerEvent } from '../../sim/lwm2m-server';
import { startDevice, rpkBundleFor, RPK_BUNDLE, RPK_ED25519_BUNDLE, DEFAULT_BUNDLE, type SimDevice } from '../../sim/device';
import { SecurityStore } from '../../sim/lwm2m-common';
import { generateRpk, loadOrCreateRpk, parseLabel, pem, spkiCurve, spkiFromHex, spkiHash, rpkFromPrivate, RPK_CURVES, type RpkCurve, type RpkKeyPair } from '../../sim/rpk-keys';
import { toHex, fromHex } from '../../transport/bytes';
import { runCli } from '../../sim/cli';
import { apiFetch } from './fake-device';
import { MemoryStorage } from '../../sim/node-ports';
import { p256VerifyTable } from '../../tools/board-lib.mjs';

const skip = existsSync(RPK_BUNDLE) && existsSync(RPK_ED25519_BUNDLE) ? false : 'skipped: dist/firmware-rpk.js or dist/firmware-rpk-ed25519.js not built (npm run build)';
/** What the scenario's timeline says of each key type's DTLS. */
const SUITE_TEXT: Record<RpkCurve, string> = { p256: 'ECDSA P-256 + ECDHE secp256r1', ed25519: 'Ed25519 + X25519' };
const EP = 'urn:dev:rpk';

async function until(what: string, cond: () => boolean, ms = 10000): Promise<void> {
  for (const end = Date.now() + ms; !cond(); ) {
    if (Date.now() > end) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Rig {
  bs: BootstrapServer;
  lw: Lwm2mServer;
  bsEvents: BsEvent[];
  srvEvents: ServerEvent[];
  close(): Promise<void>;
}

/**
 * Both servers over DTLS with keys of one type (the build's: servers default to P-256); the
 * bootstrap config gives an RPK account for the LwM2M server (device key by default).
 */
async function rig(cfg: Partial<Parameters<typeof simpleConfig>[0]> = {}, curve: RpkCurve = 'p256'): Promise<Rig> {
  const bsEvents: BsEvent[] = [];
  const srvEvents: ServerEvent[] = [];
  const keys = (): RpkKeyPair | undefined => (curve === 'p256' ? undefined : generateRpk(curve));
  const lw = await Lwm2mServer.start({ port: -1, dtlsPort: 0, rpk: keys(), onEvent: (e) => srvEvents.push(e) });
  const bs = await BootstrapServer.start({ port: -1, dtlsPort: 0, rpk: keys(), onEvent: (e) => bsEvents.push(e) });
  assert.equal(spkiCurve(bs.rpkSpki), curve);
  bs.setConfig(EP, simpleConfig({ serverUri: lw.secureUri!, securityMode: 'RPK', serverPublicKey: lw.rpkSpki, shortServerId: 101, lifetime: 60, ...cfg }));
  return { bs, lw, bsEvents, srvEvents, close: async () => (await bs.close(), await lw.close()) };
}

function device(r: Rig, k: RpkKeyPair, o: { bundle?: string; log?: string[]; bsPub?: Uint8Array; storage?: MemoryStorage } = {}): Promise<SimDevice> {
  return startDevice({
    endpoint: EP,
    bootstrapUri: r.bs.secureUri!,
    rpkPriv: toHex(k.pkcs8),
    rpkPub: toHex(k.spki),
    rpkServerPub: toHex(o.bsPub || r.bs.rpkSpki),
    // the build of the device key's type
    bundle: o.bundle || rpkBundleFor(k.curve),
    backoffBase: 60000,
    log: (ev, d) => o.log?.push(`${ev}: ${d}`),
    storage: o.storage,
  });
}

const reasons = (r: Rig) => r.bsEvents.map((e) => `${e.type} ${e.reason || ''}`).join('\n');

for (const curve of RPK_CURVES) {
test(`scenario --security rpk (${curve}${curve === 'p256' ? ', the default' : ''}): enrol the QR label, bootstrap and register over DTLS-RPK, reads, observe, buzzer, de-register`, { skip }, async () => {
  const lines: string[] = [];
  const r = await runScenario({ security: 'rpk', curve: curve === 'p256' ? undefined : curve, once: true, notifications: 2, print: (l) => lines.push(l) });
  const text = lines.join('\n');
  assert.equal(r.ok, true, `${r.failed}: ${r.error}\n${text}`);
  assert.ok(r.notifications >= 2);
  assert.ok(text.includes(`DTLS 1.2 RPK, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, ${SUITE_TEXT[curve]})`), text);
  assert.match(text, /installer: QR label sha256:[0-9a-f]{64} enrolled for 600 s/);
  const label = /QR label sha256:([0-9a-f]{64})/.exec(text)![1];
  // the device names the same key: its handshake identity is the label
  assert.match(text, new RegExp(`dtls: handshake with 127\\.0\\.0\\.1:\\d+ as RPK ${label}`));
  assert.match(text, new RegExp(`RPK sha256:${label} \\(enrolled by operator at [0-9T:.Z-]+\\) is now endpoint urn:dev:mac:0002a1b2c3d4's`));
  for (const step of ['Bootstrap-Request from urn:dev:mac:0002a1b2c3d4 (DTLS-RPK) → 2.04', 'Bootstrap-Write /0/1', 'Bootstrap-Finish → 2.04', 'Register from', 'de-registered']) {
    assert.ok(text.includes(step), `timeline lacks ${step}:\n${text}`);
  }
});
}

test('scenario --security rpk --server-security psk: one RPK handshake (bootstrap), then the device registers with the LwM2M server over PSK', { skip }, async () => {
  const lines: string[] = [];
  const r = await runScenario({ security: 'rpk', serverSecurity: 'psk', once: true, notifications: 1, print: (l) => lines.push(l) });
  const text = lines.join('\n');
  assert.equal(r.ok, true, `${r.failed}: ${r.error}\n${text}`);
  assert.ok(text.includes(`(bootstrap DTLS 1.2 RPK, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, ${SUITE_TEXT.p256}; LwM2M server DTLS 1.2 PSK, TLS_PSK_WITH_AES_128_CCM_8)`), text);
  assert.ok(text.includes('Bootstrap-Request from urn:dev:mac:0002a1b2c3d4 (DTLS-RPK) → 2.04'), text);
  // the device's two handshakes: RPK with the bootstrap server, PSK with the LwM2M server
  const hs = lines.filter((l) => /dtls: handshake with /.test(l));
  assert.equal(hs.length, 2, text);
  assert.match(hs[0], /as RPK [0-9a-f]{64}/);
  assert.match(hs[1], /as PSK identity urn:dev:dm$/);
  // the LwM2M server's session was a PSK one: the registration's DTLS identity is the PSK identity the bootstrap server wrote
  assert.match(text, /Register from urn:dev:mac:0002a1b2c3d4 → 2\.01 .*, DTLS-PSK identity urn:dev:dm\)/);
  assert.ok(text.includes('de-registered'), text);
});

test('cli: --server-security names the bad value and what it goes with', async () => {
  const err: string[] = [];
  assert.equal(await runCli(['scenario', '--security', 'rpk', '--server-security', 'x509'], (l) => err.push(l)), 2);
  assert.equal(await runCli(['scenario', '--security', 'psk', '--server-security', 'rpk'], (l) => err.push(l)), 2);
  assert.equal(await runCli(['scenario', '--security', 'nosec', '--server-security', 'psk'], (l) => err.push(l)), 2);
  assert.deepEqual(err, [
    "lwm2m-sim: --server-security 'x509' must be psk or rpk",
    'lwm2m-sim: --server-security rpk goes with --security rpk',
    'lwm2m-sim: --server-security psk goes with --security psk or rpk',
  ]);
});

for (const curve of RPK_CURVES) {
test(`RPK ${curve}: a key nobody enrolled fails the handshake with an alert; the bootstrap server says why`, { skip }, async () => {
  const r = await rig({}, curve);
  const k = generateRpk(curve);
  const log: string[] = [];
  const dev = await device(r, k, { log });
  try {
    await until('no DTLS failure on the device', () => log.some((l) => /^dtls: DTLS alert_received/.test(l)));
    assert.match(reasons(r), new RegExp(`dtls handshake refused: RPK sha256:${k.hash} is not enrolled \\(no QR label scanned for it\\)`));
    assert.ok(!r.bsEvents.some((e) => e.type === 'request'), 'no Bootstrap-Request got through');
    assert.equal(dev.state(), 'backoff');
    assert.match(dev.client().lastError, /DTLS alert_received/);
  } finally {
    dev.kill();
    await r.close();
  }
});

test(`RPK ${curve}: a key pair written by the bootstrap server (PKCS#8, as Leshan writes it) is used for the LwM2M server`, { skip }, async () => {
  const dm = generateRpk(curve);
  const r = await rig({ rpkPublicKey: dm.spki, rpkSecretKey: dm.pkcs8 }, curve);
  const k = generateRpk(curve);
  r.bs.enrol(k.hash);
  r.lw.security.addRpk(EP, dm.spki);
  const dev = await device(r, k);
  try {
    await dev.waitFor('registered', 15000);
    assert.equal(r.lw.get(EP)?.identity, `rpk:sha256:${dm.hash}`);
  } finally {
    dev.kill();
    await r.close();
  }
});

test(`RPK ${curve}: a wrong bootstrap server key pinned in the device fails the handshake on the device's side`, { skip }, async () => {
  const r = await rig({}, curve);
  const k = generateRpk(curve);
  r.bs.enrol(k.hash);
  const log: string[] = [];
  const dev = await device(r, k, { log, bsPub: generateRpk(curve).spki });
  try {
    await until('no DTLS failure on the device', () => log.some((l) => /^dtls: DTLS bad_certificate/.test(l)), 5000).catch((e) => assert.fail(`${e.message}\n${log.join('\n')}\n${reasons(r)}`));
    assert.ok(log.some((l) => new RegExp(`^dtls: DTLS bad_certificate with 127\\.0\\.0\\.1:\\d+: .*presented raw public key ${toHex(r.bs.rpkKeys.spki)}, not the pinned`).test(l)), log.join('\n'));
    assert.ok(!r.bsEvents.some((e) => e.type === 'request'));
    assert.equal(dev.state(), 'backoff');
  } finally {
    dev.kill();
    await r.close();
  }
});
}

test('RPK: a device key of the other build\'s type is refused by the build (Security /0/0), no handshake', { skip }, async () => {
  const r = await rig();
  const k = generateRpk('ed25519');
  const log: string[] = [];
  const dev = await device(r, k, { log, bundle: RPK_BUNDLE });
  try {
    await until('the device did not stop', () => dev.state() === 'stopped');
    assert.match(dev.client().lastError, /^Security \/0\/0: Public Key \(44 bytes\) is not a SubjectPublicKeyInfo of a key type this build signs with/);
    assert.ok(!r.bsEvents.some((e) => e.type === 'request'));
  } finally {
    dev.kill();
    await r.close();
  }
});

test('RPK: after the enrolment window closed the handshake fails, saying how long ago it closed', { skip }, async () => {
  const r = await rig();
  const k = generateRpk();
  r.bs.enrol(k.hash, 1);
  await new Promise((res) => setTimeout(res, 20));
  const log: string[] = [];
  const dev = await device(r, k, { log });
  try {
    await until('no DTLS failure on the device', () => log.some((l) => /^dtls: DTLS alert_received/.test(l)));
    assert.match(reasons(r), new RegExp(`handshake refused: RPK sha256:${k.hash}: its enrolment window closed \\d+ s ago`));
    assert.deepEqual(r.bs.enrolmentList().map((e) => e.open), [false]);
  } finally {
    dev.kill();
    await r.close();
  }
});

test('RPK: once bootstrapped the key is the endpoint\'s: the enrolment is used up, a re-bootstrap needs no window', { skip }, async () => {
  const r = await rig();
  const k = generateRpk();
  r.bs.enrol(k.hash, DEFAULT_ENROL_MS, EP);
  r.lw.security.addRpk(EP, k.spki);
  let dev = await device(r, k);
  try {
    await dev.waitFor('registered', 15000);
    assert.equal(r.bs.security.getRpk(EP)?.hash, k.hash);
    assert.deepEqual(r.bs.enrolmentList(), []);
    dev.kill();
    // a fresh device with the same key (factory state): bootstraps again without an enrolment
    dev = await device(r, k);
    await dev.waitFor('registered', 15000);
    assert.equal(r.bsEvents.filter((e) => e.type === 'request').length, 2);
    // another key claiming the endpoint is refused at the handshake (not enrolled)
    assert.equal(r.bs.security.check(EP, 'rpk:x', generateRpk().spki)?.startsWith(`endpoint ${EP} must use RPK sha256:${k.hash.slice(0, 16)}`), true);
  } finally {
    dev.kill();
    await r.close();
  }
});

test('RPK P-256: the first handshakes keep each server key\'s verification table (the flash tool\'s bytes); after a reboot the device registers with them and keeps none anew', { skip }, async () => {
  const r = await rig();
  const k = generateRpk();
  r.bs.enrol(k.hash, DEFAULT_ENROL_MS, EP);
  r.lw.security.addRpk(EP, k.spki);
  const storage = new MemoryStorage();
  const writes: string[] = [];
  const write = storage.write.bind(storage);
  storage.write = (n, d) => (writes.push(n), write(n, d));
  const dev = await device(r, k, { storage });
  try {
    await dev.waitFor('registered', 15000);
    const table = (spki: Uint8Array) => toHex(p256VerifyTable(toHex(spki)));
    assert.equal(toHex(storage.read('lwm2m.vtb')!), table(r.bs.rpkSpki));
    assert.equal(toHex(storage.read('lwm2m.vt101')!), table(r.lw.rpkSpki));
    writes.length = 0;
    // a power cycle: the accounts load, the server's session... and its table is read, not made again
    storage.erase('lwm2m.ses101.a');
    storage.erase('lwm2m.ses101.b');
    dev.reboot();
    await until('registered again', () => r.srvEvents.filter((e) => e.type === 'REGISTRATION').length >= 2, 15000);
    assert.deepEqual(writes.filter((n) => n.startsWith('lwm2m.vt')), []);
  } finally {
    dev.kill();
    await r.close();
  }
});

test('RPK: a label enrolled for another endpoint passes the handshake but its Bootstrap-Request gets 4.00', { skip }, async () => {
  const r = await rig();
  const k = generateRpk();
  r.bs.enrol(k.hash, DEFAULT_ENROL_MS, 'urn:dev:other');
  const dev = await device(r, k);
  try {
    await until('no rejection', () => r.bsEvents.some((e) => e.type === 'rejected'));
    assert.match(reasons(r), new RegExp(`rejected Unauthorized: RPK sha256:${k.hash} is enrolled for endpoint urn:dev:other, not ${EP}`));
    await until('the device did not give up', () => dev.state() === 'backoff');
    assert.match(dev.client().lastError, /Bootstrap-Request: 4\.00/);
  } finally {
    dev.kill();
    await r.close();
  }
});

test('RPK: a malformed key in the Security object makes Bootstrap-Finish 4.06, the device naming the resource', { skip }, async () => {
  const k = generateRpk();
  const cases: [Partial<Parameters<typeof simpleConfig>[0]>, RegExp][] = [
    [{ rpkPublicKey: k.spki, rpkSecretKey: new Uint8Array(20) }, /Security \/0\/1: Secret Key \(20 bytes\) is not a private key of the Public Key's type/],
    [{ rpkPublicKey: new Uint8Array(40), rpkSecretKey: k.pkcs8 }, /Security \/0\/1: Public Key \(40 bytes\) is not a SubjectPublicKeyInfo of a key type this build signs with/],
    [{ serverPublicKey: new Uint8Array(33) }, /Security \/0\/1: Server Public Key \(33 bytes\) is not a SubjectPublicKeyInfo of a key type this build signs with/],
  ];
  // half a key pair never reaches a device: simpleConfig refuses it
  assert.throws(() => simpleConfig({ serverUri: 'coaps://h:1', securityMode: 'RPK', serverPublicKey: k.spki, rpkPublicKey: k.spki }), /both the device's public and secret key, or neither/);
  for (const [cfg, re] of cases) {
    const r = await rig(cfg);
    r.bs.enrol(k.hash);
    const log: string[] = [];
    const dev = await device(r, k, { log });
    try {
      await until('bootstrap did not end', () => r.bsEvents.some((e) => e.type === 'failed' || e.type === 'done'));
      assert.match(reasons(r), /failed Bootstrap-Finish answered 4\.06/);
      assert.ok(log.some((l) => re.test(l)), `${re} not in:\n${log.join('\n')}`);
      assert.ok(log.includes('bootstrap-finish: refused (4.06): no usable LwM2M server account'));
    } finally {
      dev.kill();
      await r.close();
    }
  }
});

test('RPK: the LwM2M server refuses a key it was not told about (handshake alert), then accepts it once told', { skip }, async () => {
  const r = await rig();
  const k = generateRpk();
  r.bs.enrol(k.hash);
  const log: string[] = [];
  const dev = await device(r, k, { log });
  try {
    await until('no refusal at the LwM2M server', () => r.srvEvents.some((e) => e.type === 'DTLS' && /handshake refused/.test(e.reason || '')));
    assert.ok(r.srvEvents.some((e) => e.reason === `handshake refused: unknown RPK sha256:${k.hash}`));
    assert.equal(r.lw.clients().length, 0);
    r.lw.security.addRpk(EP, k.spki);
    dev.client().poll(Date.now() + 120000); // end the backoff now
    await dev.waitFor('registered', 15000);
    assert.equal(r.lw.get(EP)?.identity, `rpk:sha256:${k.hash}`);
  } finally {
    dev.kill();
    await r.close();
  }
});

test('PSK build: an RPK bootstrap account is skipped with "RPK not in this build"', async () => {
  const r = await rig();
  const k = generateRpk();
  const log: string[] = [];
  const dev = await device(r, k, { log, bundle: DEFAULT_BUNDLE });
  try {
    await until('the device did not stop', () => dev.state() === 'stopped');
    assert.equal(dev.client().lastError, 'Security /0/0: RPK not in this build (dist/firmware-rpk.js has it); account skipped');
    assert.ok(log.includes('rpk: Security /0/0: RPK not in this build (dist/firmware-rpk.js has it); account skipped'));
  } finally {
    dev.kill();
    await r.close();
  }
});

test('PSK build: an RPK LwM2M server account written over PSK is refused at Bootstrap-Finish (4.06), saying why', async () => {
  const r = await rig();
  r.bs.security.add({ endpoint: EP, identity: 'bs', key: fromHex('000102030405060708090a0b0c0d0e0f')! });
  const log: string[] = [];
  const dev = await startDevice({
    endpoint: EP, bootstrapUri: r.bs.secureUri!, pskIdentity: 'bs', pskKey: '000102030405060708090a0b0c0d0e0f', backoffBase: 60000,
    log: (ev, d) => log.push(`${ev}: ${d}`),
  });
  try {
    await until('bootstrap did not end', () => r.bsEvents.some((e) => e.type === 'failed' || e.type === 'done'));
    assert.match(reasons(r), /failed Bootstrap-Finish answered 4\.06/);
    assert.ok(log.includes('rpk: Security /0/1: RPK not in this build (dist/firmware-rpk.js has it); account skipped'), log.join('\n'));
  } finally {
    dev.kill();
    await r.close();
  }
});

test('enrolment: labels, windows and the REST API; bad input is one line', async () => {
  const bs = await BootstrapServer.start({ port: -1, dtlsPort: -1, httpPort: 0 });
  try {
    const k = generateRpk();
    assert.equal(parseLabel(`sha256:${k.hash.toUpperCase().replace(/(..)(?!$)/g, '$1:')}`), k.hash);
    assert.throws(() => parseLabel('abc'), /QR label 'abc' is not a SHA-256 \(64 hex digits\)/);
    assert.throws(() => bs.enrol(k.hash, 0), /enrolment window 0 ms must be 1 ms\.\.7 days/);
    const api = `http://127.0.0.1:${bs.http!.port}`;
    const post = (body: unknown) => apiFetch(`${api}/api/enrol`, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    const ok = await post({ label: k.hash, windowMs: 5000, endpoint: 'ep1' });
    assert.equal(ok.status, 200);
    const e = (await ok.json()) as { hash: string; until: number; endpoint: string };
    assert.equal(e.hash, k.hash);
    assert.equal(e.endpoint, 'ep1');
    assert.ok(e.until > Date.now() && e.until <= Date.now() + 5000);
    const list = (await (await apiFetch(`${api}/api/enrol`)).json()) as { hash: string; open: boolean }[];
    assert.deepEqual(list.map((x) => [x.hash, x.open]), [[k.hash, true]]);
    for (const [body, re] of [[{ label: 'zz' }, /QR label 'zz' is not a SHA-256/], [{}, /body must be \{"label"/], [{ label: k.hash, windowMs: 'x' }, /"windowMs" must be a number/]] as [unknown, RegExp][]) {
      const res = await post(body);
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { error: string }).error, re);
    }
    const sec = (await (await apiFetch(`${api}/api/server/security`)).json()) as { pubkey: string; hash: string };
    assert.equal(sec.pubkey, toHex(bs.rpkSpki));
    assert.equal(sec.hash, spkiHash(bs.rpkSpki));
  } finally {
    await bs.close();
  }
});

test('security store: RPK entries are per endpoint; Leshan\'s rpk SecurityInfo JSON in and out', () => {
  const s = new SecurityStore();
  const a = generateRpk();
  const b = generateRpk();
  s.addRpk('ep-a', a.spki);
  assert.throws(() => s.addRpk('ep-b', a.spki), new RegExp(`RPK sha256:${a.hash.slice(0, 16)}… is already used by endpoint ep-a`));
  assert.equal(s.check('ep-a', `rpk:sha256:${a.hash}`, a.spki), null);
  assert.match(s.check('ep-b', 'x', a.spki)!, /belongs to endpoint ep-a, not ep-b/);
  assert.match(s.check('ep-c', 'x', b.spki)!, /unknown RPK sha256:/);
  assert.match(s.check('ep-a', null)!, /endpoint ep-a has RPK credentials and must use DTLS/);
  s.addJson({ endpoint: 'ep-b', tls: { mode: 'rpk', details: { key: toHex(b.spki) } } });
  assert.equal(s.rpkOwner(b.spki)?.endpoint, 'ep-b');
  assert.deepEqual(s.toJson(), [
    { endpoint: 'ep-a', tls: { mode: 'rpk', details: { key: toHex(a.spki) } } },
    { endpoint: 'ep-b', tls: { mode: 'rpk', details: { key: toHex(b.spki) } } },
  ]);
  assert.throws(() => s.addJson({ endpoint: 'ep-c', tls: { mode: 'rpk', details: { key: '3059' } } }), /rpk "key" is not a P-256 or Ed25519 SubjectPublicKeyInfo \(2 bytes\)/);
  // either key type
  const e = generateRpk('ed25519');
  s.addJson({ endpoint: 'ep-e', tls: { mode: 'rpk', details: { key: toHex(e.spki) } } });
  assert.equal(s.rpkOwner(e.spki)?.endpoint, 'ep-e');
  assert.equal(spkiCurve(a.spki), 'p256');
  assert.throws(() => s.addJson({ endpoint: 'ep-c', tls: { mode: 'x509' } }), /only "tls":\{"mode":"psk"\} or \{"mode":"rpk"\} is supported/);
  assert.ok(s.remove('ep-a'));
  assert.equal(s.rpkOwner(a.spki), undefined);
});

/** Published key pairs per type: the private key as 32 raw bytes and the raw public key. */
const VECTORS: { curve: RpkCurve; priv: string; pub: string; spkiLen: number; pkcs8Len: number }[] = [
  // RFC 6979 §A.2.5
  { curve: 'p256', priv: 'c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721', pub: '0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb67903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299', spkiLen: 91, pkcs8Len: 67 },
  // RFC 8032 §7.1 TEST 1
  { curve: 'ed25519', priv: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', pub: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', spkiLen: 44, pkcs8Len: 48 },
];

for (const V of VECTORS) {
  test(`host keys ${V.curve}: SPKI from hex (raw or DER), PKCS#8, SEC 1 or raw private key, published vector`, () => {
    const k = rpkFromPrivate(fromHex(V.priv)!, V.curve);
    assert.equal(k.curve, V.curve);
    assert.equal(toHex(k.pub), V.pub);
    assert.equal(toHex(k.priv), V.priv);
    assert.equal(k.spki.length, V.spkiLen);
    assert.equal(k.pkcs8.length, V.pkcs8Len);
    assert.equal(k.hash, spkiHash(k.spki));
    assert.deepEqual(rpkFromPrivate(k.pkcs8), k);
    assert.deepEqual(rpkFromPrivate(k.pkcs8, V.curve), k);
    // the forms openssl writes: PKCS#8 with the public key; P-256 also SEC 1
    const ko = createPrivateKey({ key: Buffer.from(k.pkcs8), format: 'der', type: 'pkcs8' });
    assert.deepEqual(rpkFromPrivate(new Uint8Array(ko.export({ type: 'pkcs8', format: 'der' }))), k);
    if (V.curve === 'p256') assert.deepEqual(rpkFromPrivate(new Uint8Array(ko.export({ type: 'sec1', format: 'der' }))), k);
    assert.deepEqual(spkiFromHex(toHex(k.pub)), k.spki);
    assert.deepEqual(spkiFromHex(toHex(k.spki)), k.spki);
    assert.equal(spkiCurve(k.spki), V.curve);
    const other = V.curve === 'p256' ? 'ed25519' : 'p256';
    assert.throws(() => rpkFromPrivate(k.pkcs8, other), new RegExp(`private key is ${V.curve === 'p256' ? 'P-256' : 'Ed25519'}, not ${other === 'p256' ? 'P-256' : 'Ed25519'}`));
    assert.equal(generateRpk(V.curve).curve, V.curve);
  });
}

test('host keys: P-256 is the default; 32 raw bytes are a P-256 scalar unless Ed25519 is asked for; bad input is one line', () => {
  assert.equal(generateRpk().curve, 'p256');
  const [P, E] = VECTORS;
  assert.equal(rpkFromPrivate(fromHex(E.priv)!).curve, 'p256');
  assert.notEqual(toHex(rpkFromPrivate(fromHex(E.priv)!).pub), E.pub);
  assert.throws(() => rpkFromPrivate(new Uint8Array(32)), /private key: the P-256 private scalar is not in \[1, n\)/);
  assert.throws(() => rpkFromPrivate(fromHex('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551')!), /not in \[1, n\)/);
  assert.throws(() => spkiFromHex('00'.repeat(33)), /is 33 bytes: a P-256 key is a 65-byte point \(04 ‖ X ‖ Y\) or a 91-byte SubjectPublicKeyInfo, an Ed25519 key 32 bytes raw or a 44-byte SubjectPublicKeyInfo/);
  assert.throws(() => spkiFromHex('04' + '11'.repeat(64)), /public key is not a P-256 public key: /);
  assert.throws(() => rpkFromPrivate(new Uint8Array(47)), /private key \(47 bytes\) is neither 32 raw bytes \(a P-256 scalar, or an Ed25519 seed when asked for\) nor PKCS#8 or SEC 1 DER/);
  const x25519 = generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'der' });
  assert.throws(() => rpkFromPrivate(new Uint8Array(x25519)), /not a P-256 or Ed25519 key \(x25519\)/);
  assert.equal(P.curve, 'p256');
});

test('key files: a new file is P-256 (or --curve\'s type); an existing Ed25519 or P-256 file keeps its type; a mismatch is one line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rpk-keys-'));
  const fresh = loadOrCreateRpk(join(dir, 'new.pem'));
  assert.equal(fresh.created, true);
  assert.equal(fresh.keys.curve, 'p256');
  assert.deepEqual(loadOrCreateRpk(join(dir, 'new.pem')), { keys: fresh.keys, created: false });
  assert.equal(loadOrCreateRpk(join(dir, 'new-ed.pem'), 'ed25519').keys.curve, 'ed25519');
  // a server key file written before P-256 became the default (an Ed25519 PEM)
  const old = generateRpk('ed25519');
  writeFileSync(join(dir, 'old.pem'), pem(old.pkcs8));
  assert.deepEqual(loadOrCreateRpk(join(dir, 'old.pem')), { keys: old, created: false });
  assert.throws(() => loadOrCreateRpk(join(dir, 'old.pem'), 'p256'), /old\.pem: its key is Ed25519, not P-256/);
  // openssl's "EC PRIVATE KEY" (SEC 1) PEM
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  writeFileSync(join(dir, 'sec1.pem'), ec.export({ type: 'sec1', format: 'pem' }));
  assert.equal(loadOrCreateRpk(join(dir, 'sec1.pem')).keys.curve, 'p256');
  writeFileSync(join(dir, 'junk.pem'), 'junk');
  assert.throws(() => loadOrCreateRpk(join(dir, 'junk.pem')), /junk\.pem: not a private key/);
});

test('cli: --security names the bad value; enrol checks its label before any request', async () => {
  const err: string[] = [];
  assert.equal(await runCli(['scenario', '--security', 'x509'], (l) => err.push(l)), 2);
  assert.equal(await runCli(['enrol', 'not-a-hash'], (l) => err.push(l)), 2);
  assert.equal(await runCli(['enrol'], (l) => err.push(l)), 2);
  assert.equal(await runCli(['device', '--endpoint', 'e', '--bootstrap', 'coaps://127.0.0.1:1', '--rpk-key', '/nonexistent/dir/k.pem'], (l) => err.push(l)), 2);
  assert.equal(await runCli(['scenario', '--security', 'rpk', '--curve', 'x25519'], (l) => err.push(l)), 2);
  assert.equal(await runCli(['scenario', '--security', 'psk', '--curve', 'ed25519'], (l) => err.push(l)), 2);
  const dir = mkdtempSync(join(tmpdir(), 'rpk-cli-'));
  writeFileSync(join(dir, 'ed.pem'), pem(generateRpk('ed25519').pkcs8));
  assert.equal(await runCli(['device', '--endpoint', 'e', '--bootstrap', 'coaps://127.0.0.1:1', '--rpk-key', join(dir, 'ed.pem'), '--bs-pub', toHex(generateRpk().spki)], (l) => err.push(l)), 2);
  assert.deepEqual(err.slice(0, 3), [
    "lwm2m-sim: --security 'x509' must be nosec, psk or rpk",
    "lwm2m-sim: QR label 'not-a-hash' is not a SHA-256 (64 hex digits)",
    "lwm2m-sim: missing QR label (the SHA-256 hex of the device's public key)",
  ]);
  assert.match(err[3], /^lwm2m-sim: --rpk-key: /);
  assert.deepEqual(err.slice(4), [
    "lwm2m-sim: --curve 'x25519' must be p256 or ed25519",
    'lwm2m-sim: --curve goes with --security rpk',
    `lwm2m-sim: --bs-pub is P-256 but ${join(dir, 'ed.pem')} holds an Ed25519 key: a build speaks one key type`,
  ]);
});

test('bootstrap deadline: a DTLS handshake still running (minutes with RPK on a board) is not cut by EXCHANGE_LIFETIME; its own deadline decides', async () => {
  // a "server" that never answers: the handshake stays in progress
  const { bindUdp } = await import('../../sim/node-ports');
  const silent = await bindUdp({ address: '127.0.0.1', port: 0 }, () => {});
  const log: string[] = [];
  const dev = await startDevice({
    endpoint: EP, bootstrapUri: `coaps://127.0.0.1:${silent.port}`, pskIdentity: 'bs', pskKey: '000102030405060708090a0b0c0d0e0f',
    coap: { EXCHANGE_LIFETIME: 300 }, dtlsTimeout: 1500, backoffBase: 60000,
    log: (ev, d) => log.push(`${ev}: ${d}`),
  });
  try {
    await until('the device did not give up', () => dev.state() === 'backoff', 5000);
    assert.match(dev.client().lastError, /handshake_timeout/, log.join('\n'));
    assert.ok(!log.some((l) => /EXCHANGE_LIFETIME/.test(l)), log.join('\n'));
  } finally {
    dev.kill();
    silent.close();
  }
});
