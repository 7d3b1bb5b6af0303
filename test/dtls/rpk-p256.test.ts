// P-256 raw public keys in the RPK suite (rpk-p256.ts): ecdsa_secp256r1_sha256 (0x0403)
// and ECDHE secp256r1 (23), with both key types built in as on the simulator's server
// (P-256 preferred). Signatures and key agreement are checked against node:crypto; loss,
// pinning and trust are rpk-cases.ts's table, run here for P-256.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, diffieHellman, createPrivateKey, generateKeyPairSync, verify as nodeVerify } from 'node:crypto';
import { makePair, ed25519Keys, p256Keys, CLIENT, SERVER, type PairOptions } from '../helpers/dtls-net';
import { lastAlert, messages, rewrite, rpkCases } from './rpk-cases';
import { checkRpkClientHello, encodeRpkClientHello, PkJob, pkFinish, rpkGroups, rpkSigOf, rpkSigs } from '../../transport/dtls/rpk';
import { enableP256, p256PrivateKeyOf, p256Sig, secp256r1Group } from '../../transport/dtls/rpk-p256';
import * as P256Lib from '../../transport/crypto/p256-lib';
import { ed25519Sig, enableEd25519, x25519Group } from '../../transport/dtls/rpk-ed25519';
import { nodeCrypto } from '../../sim/node-crypto';
import { p256LastCost, P256_STEP, P256_TABLE_BYTES } from '../../transport/crypto/p256';
import { p256VerifyTable } from '../../tools/board-lib.mjs';

enableEd25519();
enableP256(() => P256Lib);

const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const text = (s: string) => new Uint8Array(Buffer.from(s));
const C = p256Keys(1);
const S = p256Keys(2);
const OTHER = p256Keys(3);
const E = ed25519Keys(2);
const N = 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551';

/** Counts the P-256 and Ed25519 public-key operations (both sides together) through the tables. */
function countOps() {
  const n: Record<string, number> = { ecdsaSign: 0, ecdsaVerify: 0, ecdhPub: 0, ecdh: 0, ed25519: 0, x25519: 0 };
  const wrap = <T extends object>(o: T, k: keyof T, name: string) => {
    const f = o[k] as unknown as (...a: unknown[]) => unknown;
    (o as Record<string, unknown>)[k as string] = (...a: unknown[]) => { n[name]++; return f(...a); };
    return () => { (o as Record<string, unknown>)[k as string] = f; };
  };
  const undo = [wrap(p256Sig, 'sign', 'ecdsaSign'), wrap(p256Sig, 'verify', 'ecdsaVerify'), wrap(secp256r1Group, 'pub', 'ecdhPub'), wrap(secp256r1Group, 'shared', 'ecdh'),
    wrap(ed25519Sig, 'sign', 'ed25519'), wrap(ed25519Sig, 'verify', 'ed25519'), wrap(x25519Group, 'pub', 'x25519'), wrap(x25519Group, 'shared', 'x25519')];
  return { n, restore: () => undo.forEach((u) => u()) };
}

function pair(o: PairOptions & { pin?: Uint8Array | null; trust?: (k: Uint8Array) => boolean; server?: { key: Uint8Array; spki: Uint8Array } } = {}) {
  const srv = o.server || { key: S.pkcs8, spki: S.spki };
  return makePair({
    serverEcho: true,
    strict: true,
    clientRpk: { key: C.pkcs8, spki: C.spki, serverSpki: o.pin === undefined ? srv.spki : o.pin },
    serverRpk: { key: srv.key, spki: srv.spki, trust: o.trust || ((k) => hex(k) === hex(C.spki)) },
    ...o,
  });
}

test('P-256 private key forms: raw d, PKCS#8 as Leshan writes it, PKCS#8 and SEC 1 as openssl writes them; out of range or another curve → null', () => {
  assert.equal(hex(C.pkcs8), '3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420' + hex(C.d));
  assert.equal(hex(p256PrivateKeyOf(C.d)!), hex(C.d));
  assert.equal(hex(p256PrivateKeyOf(C.pkcs8)!), hex(C.d));
  assert.equal(hex(C.sec1.subarray(0, 7)), '30770201010420');
  assert.equal(hex(p256PrivateKeyOf(C.sec1)!), hex(C.d));
  assert.equal(hex(C.pkcs8Full.subarray(0, 3)), '308187');
  assert.equal(hex(p256PrivateKeyOf(C.pkcs8Full)!), hex(C.d));
  assert.equal(p256PrivateKeyOf(new Uint8Array(32)), null, 'd = 0');
  assert.equal(p256PrivateKeyOf(unhex(N)), null, 'd = n');
  assert.equal(p256PrivateKeyOf(C.pkcs8.subarray(0, 66)), null, 'truncated');
  assert.equal(p256PrivateKeyOf(unhex(hex(C.pkcs8).replace('06082a8648ce3d030107', '06052b8104000a'))), null, 'secp256k1');
  assert.equal(p256PrivateKeyOf(E.pkcs8), null, 'an Ed25519 PKCS#8');
  assert.equal(p256Sig.priv(E.pkcs8), null);
  assert.equal(rpkSigOf(C.spki), p256Sig);
  assert.equal(rpkSigOf(E.spki), ed25519Sig);
  assert.equal(rpkSigOf(unhex(hex(C.spki).slice(0, -2) + '00')), null, 'a P-256 SPKI whose point is off the curve');
});

test('ClientHello with both types built in: supported_groups {secp256r1, x25519}, signature_algorithms {ecdsa_secp256r1_sha256, ed25519}; the server takes the first group the client lists that it has', () => {
  const random = new Uint8Array(32).fill(0xaa);
  const ch = encodeRpkClientHello(random, new Uint8Array(0), new Uint8Array(0));
  assert.equal(hex(ch),
    'fefd' + 'aa'.repeat(32) + '00' + '00' + '0002c0ae' + '0100' + '002b' +
    '000a' + '0006' + '000400170' + '01d' + // supported_groups {secp256r1, x25519}
    '000b' + '0002' + '0100' +
    '000d' + '0006' + '000404030807' + // signature_algorithms {ecdsa_secp256r1_sha256, ed25519}
    '0013' + '0002' + '0102' +
    '0014' + '0002' + '0102' +
    '0036' + '0001' + '00'); // connection_id, empty cid (RFC 9146)
  assert.equal(checkRpkClientHello(ch, [0xc0ae], 0x0403), secp256r1Group);
  assert.equal(checkRpkClientHello(ch, [0xc0ae], 0x0807), secp256r1Group);
  // a client preferring x25519 gets it; one listing x25519 only too; one listing neither gets none
  const xFirst = unhex(hex(ch).replace('000a0006000400170' + '01d', '000a00060004001d0017'));
  assert.equal(checkRpkClientHello(xFirst, [0xc0ae], 0x0403), x25519Group);
  const xOnly = unhex(hex(ch).replace('000a0006000400170' + '01d', '000a0006000400' + '1d001d'));
  assert.equal(checkRpkClientHello(xOnly, [0xc0ae], 0x0403), x25519Group);
  const neither = unhex(hex(ch).replace('000a0006000400170' + '01d', '000a00060004001800' + '19'));
  assert.equal(checkRpkClientHello(neither, [0xc0ae], 0x0403), null);
  // a client not listing our key's scheme
  const edOnly = unhex(hex(ch).replace('000d0006000404030807', '000d0006000408070807'));
  assert.equal(checkRpkClientHello(edOnly, [0xc0ae], 0x0403), null);
  assert.equal(checkRpkClientHello(edOnly, [0xc0ae], 0x0807), secp256r1Group);
});

test('P-256 ⇄ P-256 handshake in memory: ServerKeyExchange and CertificateVerify are DER ECDSA-SHA256 verified by node:crypto, ECDHE on secp256r1 agrees with node:crypto, 4 operations a side', () => {
  const ops = countOps();
  try {
    const p = pair();
    p.client.send(text('hello-p256'), SERVER);
    p.run(10000);
    assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected']);
    assert.deepEqual(p.clientData, ['hello-p256']);
    // ecdhPub: the server's, the client's, and the client's next key pair, made in idle polls once connected (rpk.ts precompute)
    assert.deepEqual(ops.n, { ecdsaSign: 2, ecdsaVerify: 2, ecdhPub: 3, ecdh: 2, ed25519: 0, x25519: 0 });
    assert.equal(hex(p.server.get(CLIENT)!.identity!), hex(C.spki));
    const msgs = messages(p);
    assert.deepEqual(msgs.map((m) => m.t), [1, 2, 11, 12, 13, 14, 11, 16, 15]);
    const [ch, sh, scert, ske, cr, , ccert, cke, cv] = msgs;
    assert.equal(hex(scert.body), '00005b' + hex(S.spki));
    assert.equal(hex(ccert.body), '00005b' + hex(C.spki));
    // ServerECDHParams: named_curve, secp256r1, 65-byte uncompressed point
    assert.equal(hex(ske.body.subarray(0, 5)), '0300174104');
    assert.equal(hex(ske.body.subarray(69, 71)), '0403');
    assert.equal(ske.body.length, 73 + ((ske.body[71] << 8) | ske.body[72]));
    assert.equal(ske.body[73], 0x30, 'DER SEQUENCE');
    assert.equal(hex(cr.body), '01' + '40' + '0004' + '0403' + '0807' + '0000');
    const signed = Buffer.concat([ch.body.subarray(2, 34), sh.body.subarray(2, 34), ske.body.subarray(0, 69)]);
    assert.ok(nodeVerify('sha256', signed, S.pub, ske.body.subarray(73)), 'ServerKeyExchange: ECDSA-SHA256 over client_random ‖ server_random ‖ params');
    assert.equal(hex(cke.body.subarray(0, 2)), '4104');
    assert.equal(cke.body.length, 66);
    assert.equal(hex(cv.body.subarray(0, 2)), '0403');
    assert.equal(cv.body.length, 4 + ((cv.body[2] << 8) | cv.body[3]));
    const transcript = Buffer.concat(msgs.slice(0, 8).map((m) => m.whole));
    assert.ok(nodeVerify('sha256', transcript, C.pub, cv.body.subarray(4)), 'CertificateVerify: ECDSA over SHA-256 of the handshake messages');
    assert.ok(!nodeVerify('sha256', createHash('sha256').update(transcript).digest(), C.pub, cv.body.subarray(4)), 'hashed once, not twice');
  } finally {
    ops.restore();
  }
});

test('the server key\'s verification table: the first handshake makes it and gives it to keep (the same bytes as the flash tool\'s, computed apart); given it, a handshake makes none; a stale or torn one is made again', () => {
  const want = p256VerifyTable(hex(S.spki)).subarray(0, P256_TABLE_BYTES);
  const run = (serverTable?: Uint8Array | null) => {
    const kept: Uint8Array[] = [];
    const p = pair({ clientRpk: { key: C.pkcs8, spki: C.spki, serverSpki: S.spki, serverTable, keep: (t) => void kept.push(new Uint8Array(t)) } });
    p.client.send(text('t'), SERVER);
    p.run(10000);
    assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected']);
    assert.deepEqual(p.clientData, ['t']);
    return kept;
  };
  const first = run();
  assert.equal(first.length, 1);
  assert.equal(hex(first[0]), hex(want));
  assert.deepEqual(run(first[0]), [], 'given the table: nothing new to keep');
  // another key's table (the first entry is not the pinned key), one cut short, one with a flipped byte in a later entry
  const other = p256VerifyTable(hex(OTHER.spki)).subarray(0, P256_TABLE_BYTES);
  for (const stale of [other, want.subarray(0, 100)]) assert.equal(hex(run(stale)[0]), hex(want));
  // a wrong entry past the first (the host's checksum missed it): the signature is refused with it, then verified making the table
  const bad = new Uint8Array(want);
  bad[700] ^= 1;
  assert.equal(hex(run(bad)[0]), hex(want));
});

test('mixed key types: a P-256 client with an Ed25519 server key, and an Ed25519 client with a P-256 server key (ECDHE secp256r1 both times)', () => {
  const ops = countOps();
  try {
    const p = pair({ server: { key: E.pkcs8, spki: E.spki } });
    p.client.send(text('mixed'), SERVER);
    p.run(10000);
    assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected']);
    assert.deepEqual(p.clientData, ['mixed']);
    // server: Ed25519 sign + ECDSA verify; client: Ed25519 verify + ECDSA sign
    assert.deepEqual(ops.n, { ecdsaSign: 1, ecdsaVerify: 1, ecdhPub: 2, ecdh: 2, ed25519: 2, x25519: 0 });
  } finally {
    ops.restore();
  }
  const EC = ed25519Keys(1);
  const q = makePair({
    serverEcho: true, strict: true,
    clientRpk: { key: EC.seed, spki: EC.spki, serverSpki: S.spki },
    serverRpk: { key: S.sec1, spki: S.spki, trust: (k) => hex(k) === hex(EC.spki) },
  });
  q.client.send(text('mixed-2'), SERVER);
  q.run(10000);
  assert.deepEqual(q.clientEvents.map((e) => e.type), ['connected']);
  assert.deepEqual(q.clientData, ['mixed-2']);
});

test('the premaster secret is the secp256r1 shared X that node:crypto computes (the jobs run a step at a time, as the client runs them)', () => {
  const steps = (j: PkJob) => { let n = 1; while (!j.run()) n++; return n; };
  const k = secp256r1Group.priv({ fill: (u: Uint8Array) => u.fill(7) });
  const pj = secp256r1Group.pub(k);
  assert.ok(steps(pj) > 60, 'the key pair takes many steps');
  const ours: Uint8Array = pj.r;
  const zj = secp256r1Group.shared(k, S.point);
  assert.ok(steps(zj) > 100, 'the shared secret takes many steps');
  const z: Uint8Array = zj.r;
  const jwk = (d: Uint8Array, pt: Uint8Array) => ({ kty: 'EC', crv: 'P-256', d: Buffer.from(d).toString('base64url'), x: Buffer.from(pt.subarray(1, 33)).toString('base64url'), y: Buffer.from(pt.subarray(33)).toString('base64url') });
  const theirs = diffieHellman({ privateKey: createPrivateKey({ key: jwk(S.d, S.point), format: 'jwk' }), publicKey: createPublicKey({ key: jwk(k, ours), format: 'jwk' }) });
  assert.equal(hex(z), hex(theirs));
  assert.equal(pkFinish(secp256r1Group.shared(k, unhex('02' + hex(S.point.subarray(1, 33))))), null, 'compressed point');
});

// handshake under loss, the pin and the trust callback: the cases every key type runs (rpk-cases.ts)
const NONE = { ed25519: 0, x25519: 0 };
rpkCases({
  name: 'P-256',
  client: C.spki,
  server: S.spki,
  other: OTHER.spki,
  pair,
  countOps,
  ops: { handshake: { ecdsaSign: 2, ecdsaVerify: 2, ecdhPub: 2, ecdh: 2, ...NONE }, pinRefused: { ecdsaSign: 1, ecdsaVerify: 0, ecdhPub: 1, ecdh: 0, ...NONE } },
});

const sigAt = (b: Uint8Array) => 4 + b[3] + 4;
for (const [name, client, type, f, alert, side] of [
  // server flight → the client's alert
  ['ServerKeyExchange: a flipped bit in the DER signature', false, 12, (b: Uint8Array) => { b[b.length - 3] ^= 1; return b; }, 51, 'client'],
  ['ServerKeyExchange: DER SEQUENCE tag changed', false, 12, (b: Uint8Array) => { b[sigAt(b)] = 0x31; return b; }, 51, 'client'],
  ['ServerKeyExchange: DER with a trailing byte', false, 12, (b: Uint8Array) => { const o = new Uint8Array(b.length + 1); o.set(b); o[72] += 1; return o; }, 51, 'client'],
  ['ServerKeyExchange: r = 0', false, 12, (b: Uint8Array) => { const s = b.subarray(sigAt(b)); const rl = s[3]; const tail = s.subarray(4 + rl); const sig = [0x30, 3 + tail.length, 2, 1, 0, ...tail]; const o = new Uint8Array(sigAt(b) + sig.length); o.set(b.subarray(0, sigAt(b))); o.set(sig, sigAt(b)); o[71] = 0; o[72] = sig.length; return o; }, 51, 'client'],
  ['ServerKeyExchange: empty signature', false, 12, (b: Uint8Array) => { const o = new Uint8Array(b.subarray(0, 73)); o[71] = 0; o[72] = 0; return o; }, 51, 'client'],
  ['ServerKeyExchange: compressed point (33 bytes)', false, 12, (b: Uint8Array) => { const o = new Uint8Array(b.length - 32); o.set([3, 0, 23, 33, 2]); o.set(b.subarray(5, 37), 5); o.set(b.subarray(69), 37); return o; }, 47, 'client'],
  ['ServerKeyExchange: group brainpoolP256r1 (26)', false, 12, (b: Uint8Array) => { b[2] = 26; return b; }, 47, 'client'],
  ['ServerKeyExchange: signed with ed25519 (0x0807) by a P-256 key', false, 12, (b: Uint8Array) => { b[69] = 8; b[70] = 7; return b; }, 47, 'client'],
  ['CertificateRequest without ecdsa_secp256r1_sha256', false, 13, () => unhex('0140' + '00020807' + '0000'), 40, 'client'],
  // client flight → the server's alert
  ['ClientKeyExchange: a point off the curve', true, 16, (b: Uint8Array) => { b[65] ^= 1; return b; }, 47, 'server'],
  ['ClientKeyExchange: the point at infinity (00)', true, 16, () => unhex('0100'), 47, 'server'],
  ['ClientKeyExchange: an X25519-sized value', true, 16, () => unhex('20' + '09'.repeat(32)), 47, 'server'],
  ['CertificateVerify: a flipped bit in s', true, 15, (b: Uint8Array) => { b[b.length - 1] ^= 1; return b; }, 51, 'server'],
  ['CertificateVerify: DER length byte wrong', true, 15, (b: Uint8Array) => { b[5] += 1; return b; }, 51, 'server'],
  ['CertificateVerify: scheme ed25519 for a P-256 key', true, 15, (b: Uint8Array) => { b[0] = 8; b[1] = 7; return b; }, 47, 'server'],
] as [string, boolean, number, (b: Uint8Array) => Uint8Array, number, string][]) {
  test(`malformed P-256 ${client ? 'client' : 'server'} flight: ${name} → ${side} sends alert ${alert}, no exception`, () => {
    const p = pair();
    p.filter = rewrite(client, type, f);
    p.client.connect(SERVER);
    p.run(10000); // strict: an exception in either endpoint fails here
    assert.equal(lastAlert(p, side === 'client'), '02' + alert.toString(16).padStart(2, '0'));
    assert.equal(p.client.get(SERVER), null);
    assert.equal(p.server.get(CLIENT)?.state === 4, false);
  });
}

test('RPK credentials of no built-in type, or a private key of the wrong form, start no handshake (bad_rpk_credentials)', () => {
  for (const creds of [{ key: C.pkcs8, spki: unhex('3059') }, { key: E.pkcs8, spki: C.spki }, { key: new Uint8Array(32), spki: C.spki }]) {
    const p = makePair({ clientRpk: { ...creds, serverSpki: null }, serverRpk: { key: S.pkcs8, spki: S.spki, trust: () => true } });
    p.client.connect(SERVER);
    p.run(1000);
    assert.equal(p.clientEvents[0].name, 'bad_rpk_credentials');
    assert.equal(p.wire.length, 0);
  }
  assert.throws(() => makePair({ serverRpk: { key: E.pkcs8, spki: S.spki, trust: () => true } }), /not a P-256 or Ed25519 key pair/);
});

test('node:crypto P-256 keys of any origin work as credentials (generated, PKCS#8 with the public key)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
  const key = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
  const p = makePair({
    serverEcho: true, strict: true,
    clientRpk: { key, spki, serverSpki: S.spki },
    serverRpk: { key: S.pkcs8, spki: S.spki, trust: (k) => hex(k) === hex(spki) },
  });
  p.client.send(text('gen'), SERVER);
  p.run(10000);
  assert.deepEqual(p.clientData, ['gen']);
  void nodeCrypto;
});

test('P-256 client: the public-key work of a handshake runs in ~1,000 polls of at most P256_STEP + 5 units each; the same flights as in one go', () => {
  const stepped = pair();
  const costs: number[] = [];
  const poll = stepped.client.poll.bind(stepped.client);
  stepped.client.poll = (now: number) => {
    // a poll that runs a step of the handshake's job (not the turn that handled messages, hs.y, nor the one that runs a finished job's continuation, hs.jd)
    const hs = stepped.client.get(SERVER)?.hs as { state: number; job?: unknown; y?: boolean; jd?: boolean } | undefined;
    const working = hs && hs.state === 36 && hs.job && !hs.y && !hs.jd;
    const r = poll(now);
    if (working) costs.push(p256LastCost());
    return r;
  };
  stepped.client.send(text('stepped'), SERVER);
  stepped.run(10000);
  assert.deepEqual(stepped.clientEvents.map((e) => e.type), ['connected']);
  assert.deepEqual(stepped.clientData, ['stepped']);
  assert.ok(costs.length > 500, `${costs.length} steps`);
  const max = Math.max(...costs);
  assert.ok(max <= P256_STEP + 5, `largest step ${max} units`);
  console.log(`P-256 client handshake: ${costs.length} steps, largest ${max.toFixed(2)} units (P256_STEP ${P256_STEP})`);
  // the wire does not depend on the slicing: the same seeded pair with the work in one step per operation
  const once = pair();
  const run = once.client.poll.bind(once.client);
  once.client.poll = (now: number) => {
    const hs = once.client.get(SERVER)?.hs as { state: number; job?: { run(b?: number): boolean } } | undefined;
    if (hs && hs.job) {
      const j = hs.job;
      const f = j.run;
      j.run = () => f.call(j, 1e9);
    }
    return run(now);
  };
  once.client.send(text('stepped'), SERVER);
  once.run(10000);
  assert.deepEqual(once.wire.filter((d) => d.from.port !== SERVER.port).map((d) => hex(d.data)), stepped.wire.filter((d) => d.from.port !== SERVER.port).map((d) => hex(d.data)));
});
