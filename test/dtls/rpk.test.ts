// Raw public keys (RFC 7250) with TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, Ed25519 and X25519:
// codecs to the byte, the primitives against RFC vectors and node:crypto, client ⇄ server
// in memory (malformed messages → the right alert and never an exception; pinning, trust
// and loss without recomputation through rpk-cases.ts, the table both key types run), and
// the server still speaking PSK to a PSK client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, createPrivateKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { makePair, ed25519Keys, CLIENT, SERVER, type Datagram, type PairOptions } from '../helpers/dtls-net';
import { fromClient, lastAlert, messages, rewrite, rpkCases, shape } from './rpk-cases';
import { encodeRecord, parseRecords } from '../../transport/dtls/record';
import { encodeHandshake, parseFragments } from '../../transport/dtls/handshake';
import {
  checkRpkClientHello, decodeRpkCertificate, ed25519Spki, encodeRpkCertificate, encodeRpkClientHello,
  pkcs8Ed25519Seed, rpkGroups, rpkSigs, spkiEd25519,
} from '../../transport/dtls/rpk';
import { ec, ed25519Sig, enableEd25519, x25519Group } from '../../transport/dtls/rpk-ed25519';

// This file tests the Ed25519 build (firmware/rpk-curves-ed25519.ts): only its key type and
// group, on both sides (server.ts enables every type; rpk-p256.test.ts tests P-256 and mixes).
enableEd25519();
rpkSigs.splice(0, rpkSigs.length, ed25519Sig);
rpkGroups.splice(0, rpkGroups.length, x25519Group);

const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const text = (s: string) => new Uint8Array(Buffer.from(s));
const C = ed25519Keys(1);
const S = ed25519Keys(2);
const OTHER = ed25519Keys(3);

/** Counts the four public-key operations (the jobs started: x25519Group's pub and shared, ed25519Sig's sign and verify), on both sides together. */
function countOps() {
  const n: Record<string, number> = { x25519Base: 0, x25519: 0, sign: 0, verify: 0 };
  const at = { x25519Base: [x25519Group, 'pub'], x25519: [x25519Group, 'shared'], sign: [ed25519Sig, 'sign'], verify: [ed25519Sig, 'verify'] } as const;
  const orig = { g: { ...x25519Group }, s: { ...ed25519Sig } };
  for (const k of Object.keys(n) as (keyof typeof at)[]) {
    const [o, m] = at[k];
    const f = (o as unknown as Record<string, (...x: unknown[]) => unknown>)[m];
    (o as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => {
      n[k]++;
      return f(...a);
    };
  }
  return { n, restore: () => { Object.assign(x25519Group, orig.g); Object.assign(ed25519Sig, orig.s); } };
}

function rpkPair(o: PairOptions & { pin?: Uint8Array | null; trust?: (k: Uint8Array) => boolean } = {}) {
  return makePair({
    serverEcho: true,
    strict: true,
    clientRpk: { key: C.pkcs8, spki: C.spki, serverSpki: o.pin === undefined ? S.spki : o.pin },
    serverRpk: { key: S.seed, spki: S.spki, trust: o.trust || ((k) => hex(k) === hex(C.spki)) },
    ...o,
  });
}

test('Ed25519 DER helpers: SubjectPublicKeyInfo and PKCS#8 (RFC 8410) match node:crypto; anything else is null', () => {
  assert.equal(hex(ed25519Spki(C.pub)), '302a300506032b6570032100' + hex(C.pub));
  assert.equal(hex(ed25519Spki(C.pub)), hex(C.spki), 'node:crypto exports the same SPKI');
  assert.equal(hex(spkiEd25519(C.spki)!), hex(C.pub));
  assert.equal(spkiEd25519(C.spki.subarray(0, 43)), null);
  const p256 = unhex('3059301306072a8648ce3d020106082a8648ce3d030107034200' + '04' + '11'.repeat(64));
  assert.equal(spkiEd25519(p256), null);
  const x25519Spki = unhex('302a300506032b656e032100' + '22'.repeat(32)); // id-X25519, not a signing key
  assert.equal(spkiEd25519(x25519Spki), null);
  assert.equal(hex(pkcs8Ed25519Seed(C.pkcs8)!), hex(C.seed));
  // PKCS#8 v2 (RFC 5958 OneAsymmetricKey, version 1) with the public key appended, as OpenSSL 3 can write it
  const v2 = unhex('3051020101300506032b657004220420' + hex(C.seed) + '8121' + '00' + hex(C.pub));
  assert.equal(hex(pkcs8Ed25519Seed(v2)!), hex(C.seed));
  assert.equal(pkcs8Ed25519Seed(C.spki), null);
  assert.equal(pkcs8Ed25519Seed(unhex('302e020102300506032b657004220420' + hex(C.seed))), null, 'version 2 does not exist');
});

test('primitives: X25519 against RFC 7748 §6.1, Ed25519 signatures identical to node:crypto, verify rejects a flipped bit', () => {
  const a = unhex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const b = unhex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
  assert.equal(hex(ec.x25519Base(a)), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
  assert.equal(hex(ec.x25519(a, ec.x25519Base(b))), '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
  const msg = text('the whole handshake transcript, unhashed');
  const sig = ec.sign(msg, C.seed, C.pub);
  const key = createPrivateKey({ key: Buffer.from(C.pkcs8), format: 'der', type: 'pkcs8' });
  assert.equal(hex(sig), hex(nodeSign(null, msg, key)), 'Ed25519 is deterministic (RFC 8032 §5.1.6)');
  assert.ok(ec.verify(msg, sig, C.pub));
  const bad = new Uint8Array(sig);
  bad[10] ^= 1;
  assert.ok(!ec.verify(msg, bad, C.pub));
  assert.ok(!ec.verify(msg, sig, S.pub), 'another key');
  assert.ok(!ec.verify(msg, sig.subarray(1), C.pub), 'short signature: false, no exception');
  assert.ok(!ec.verify(msg, sig, new Uint8Array(32).fill(255)), 'a public key that is not a point: false');
});

test('RPK ClientHello bytes: one suite 0xC0AE, supported_groups x25519, ec_point_formats, signature_algorithms ed25519, both certificate types RawPublicKey', () => {
  const random = new Uint8Array(32).fill(0xaa);
  assert.equal(hex(encodeRpkClientHello(random, new Uint8Array(0), unhex('c0ffee'))),
    'fefd' + 'aa'.repeat(32) + '00' + '03c0ffee' + '0002c0ae' + '0100' + '0027' +
    '000a' + '0004' + '0002001d' + // supported_groups {x25519}
    '000b' + '0002' + '0100' + // ec_point_formats {uncompressed}
    '000d' + '0004' + '00020807' + // signature_algorithms {ed25519}
    '0013' + '0002' + '0102' + // client_certificate_type {RawPublicKey}
    '0014' + '0002' + '0102' + // server_certificate_type {RawPublicKey}
    '0036' + '0001' + '00'); // connection_id with an empty cid (RFC 9146)
  const body = encodeRpkClientHello(random, new Uint8Array(0), new Uint8Array(0));
  assert.ok(checkRpkClientHello(body, [0xc0ae], 0x0807));
  assert.ok(!checkRpkClientHello(body, [0xc0a8], 0x0807), 'suite not offered');
  // client_certificate_type offering only X.509 (0): not RPK both ways
  const x509 = new Uint8Array(body);
  x509[x509.length - 7] = 0;
  assert.ok(!checkRpkClientHello(x509, [0xc0ae], 0x0807));
  // supported_groups listing only secp256r1 (23)
  const p256 = new Uint8Array(body);
  p256[40 + 7] = 23;
  assert.ok(!checkRpkClientHello(p256, [0xc0ae], 0x0807));
});

test('RPK Certificate: 3-byte length and the SubjectPublicKeyInfo, no certificate_list wrapper (RFC 7250 §3)', () => {
  assert.equal(hex(encodeRpkCertificate(C.spki)), '00002c' + hex(C.spki));
  assert.equal(hex(decodeRpkCertificate(encodeRpkCertificate(C.spki))!), hex(C.spki));
  // an X.509-style certificate_list (length, then one length-prefixed entry) is not a raw key
  assert.equal(hex(decodeRpkCertificate(unhex('00002f' + '00002c' + hex(C.spki)))!), '00002c' + hex(C.spki), 'decoded as opaque bytes; spkiEd25519 then refuses it');
  assert.equal(spkiEd25519(decodeRpkCertificate(unhex('00002f' + '00002c' + hex(C.spki)))!), null);
  assert.equal(decodeRpkCertificate(unhex('00002d' + hex(C.spki))), null, 'length past the end');
  assert.equal(decodeRpkCertificate(unhex('000000')), null, 'empty');
});

test('RPK handshake in memory: flights, server flight bytes, signatures checked by node:crypto, 4 public-key operations a side, identity = client SPKI', () => {
  const ops = countOps();
  try {
    const p = rpkPair();
    p.client.send(text('hello-rpk'), SERVER);
    p.run(10000);
    assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected']);
    assert.deepEqual(p.serverEvents.map((e) => e.type), ['connected']);
    assert.deepEqual(p.clientData, ['hello-rpk']);
    assert.deepEqual(p.wire.map((d) => (fromClient(d) ? 'C ' : 'S ') + shape(d)), [
      'C hs:1',
      'S hs:3',
      'C hs:1',
      'S hs:2,hs:11,hs:12,hs:13,hs:14', // ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone
      'C hs:11,hs:16,hs:15,ccs@0,hs@1', // Certificate, ClientKeyExchange, CertificateVerify, CCS, Finished
      'S ccs@0,hs@1',
      'C app@1',
      'S app@1',
    ]);
    // x25519Base: the server's, the client's, and the client's next key pair, made in idle polls once connected (rpk.ts precompute)
    assert.deepEqual(ops.n, { x25519Base: 3, x25519: 2, sign: 2, verify: 2 });
    const ss = p.server.get(CLIENT)!;
    assert.equal(ss.rpk, true);
    assert.equal(hex(ss.identity!), hex(C.spki));
    assert.equal(p.client.get(SERVER)!.rpk, true);

    // every epoch-0 handshake message from the second ClientHello on, as hashed (RFC 6347 §4.2.6)
    const msgs = messages(p);
    assert.deepEqual(msgs.map((m) => m.t), [1, 2, 11, 12, 13, 14, 11, 16, 15]);
    const [ch, sh, scert, ske, cr, , ccert, cke, cv] = msgs;
    assert.equal(hex(sh.body.subarray(35 + sh.body[34])), 'c0ae' + '00' + '0010' + '0013000102' + '0014000102' + '000b00020100');
    assert.equal(hex(scert.body), '00002c' + hex(S.spki));
    assert.equal(hex(ske.body.subarray(0, 4)), '03001d20');
    assert.equal(hex(ske.body.subarray(36, 40)), '08070040');
    assert.equal(ske.body.length, 104);
    assert.equal(hex(cr.body), '01' + '40' + '00020807' + '0000'); // ecdsa_sign; ed25519; no authorities
    assert.equal(hex(ccert.body), '00002c' + hex(C.spki));
    assert.equal(cke.body.length, 33);
    assert.equal(cke.body[0], 32);
    const spub = createPublicKey({ key: Buffer.from(S.spki), format: 'der', type: 'spki' });
    const cpub = createPublicKey({ key: Buffer.from(C.spki), format: 'der', type: 'spki' });
    const signed = Buffer.concat([ch.body.subarray(2, 34), sh.body.subarray(2, 34), ske.body.subarray(0, 36)]);
    assert.ok(nodeVerify(null, signed, spub, ske.body.subarray(40)), 'ServerKeyExchange signature over client_random ‖ server_random ‖ params');
    assert.equal(hex(cv.body.subarray(0, 4)), '08070040');
    const transcript = Buffer.concat(msgs.slice(0, 8).map((m) => m.whole));
    assert.ok(nodeVerify(null, transcript, cpub, cv.body.subarray(4)), 'CertificateVerify over the handshake messages, whole');
  } finally {
    ops.restore();
  }
});

// handshake under loss, the pin and the trust callback: the cases every key type runs (rpk-cases.ts)
rpkCases({
  name: 'Ed25519',
  client: C.spki,
  server: S.spki,
  other: OTHER.spki,
  pair: rpkPair,
  countOps,
  ops: { handshake: { x25519Base: 2, x25519: 2, sign: 2, verify: 2 }, pinRefused: { x25519Base: 1, x25519: 0, sign: 1, verify: 0 } },
});

const p256Spki = '3059301306072a8648ce3d020106082a8648ce3d030107034200' + '04' + '11'.repeat(64);
for (const [name, type, f, alert, ev, pin] of [
  ['ServerHello without server_certificate_type (X.509 by default)', 2, (b: Uint8Array) => {
    const head = b.subarray(0, 35 + b[34] + 3);
    return new Uint8Array(Buffer.concat([head, unhex('0005' + '0013000102')]));
  }, 43, 'alert_sent'],
  ['ServerHello choosing the PSK suite', 2, (b: Uint8Array) => { b[35 + b[34]] = 0xc0; b[36 + b[34]] = 0xa8; return b; }, 47, 'alert_sent'],
  ['Certificate whose length runs past the message', 11, (b: Uint8Array) => { b[2]++; return b; }, 50, 'alert_sent'],
  ['Certificate with a P-256 key (not in this build; no pin)', 11, () => unhex('00005b' + p256Spki), 43, 'alert_sent', null],
  ['Certificate with a P-256 key, Ed25519 key pinned (the pin is compared first)', 11, () => unhex('00005b' + p256Spki), 42, 'bad_certificate'],
  ['ServerKeyExchange on secp256r1 (23)', 12, (b: Uint8Array) => { b[2] = 23; return b; }, 47, 'alert_sent'],
  ['ServerKeyExchange signed with ecdsa_secp256r1_sha256 (0x0403)', 12, (b: Uint8Array) => { b[36] = 4; b[37] = 3; return b; }, 47, 'alert_sent'],
  ['ServerKeyExchange truncated', 12, (b: Uint8Array) => b.subarray(0, 90), 50, 'alert_sent'],
  ['ServerKeyExchange with a flipped signature bit', 12, (b: Uint8Array) => { b[60] ^= 4; return b; }, 51, 'alert_sent'],
  ['ServerKeyExchange with a flipped bit in the X25519 value (signature no longer matches)', 12, (b: Uint8Array) => { b[10] ^= 1; return b; }, 51, 'alert_sent'],
  ['CertificateRequest with an empty certificate_types list (gnutls-serv without ECDSA)', 13, () => unhex('00' + '00020807' + '0000'), 40, 'certificate_request'],
  ['CertificateRequest without ed25519', 13, () => unhex('0140' + '00020403' + '0000'), 40, 'certificate_request'],
  ['CertificateRequest truncated', 13, (b: Uint8Array) => b.subarray(0, 4), 50, 'alert_sent'],
  ['ServerHelloDone with a body', 14, () => unhex('00'), 50, 'alert_sent'],
] as [string, number, (b: Uint8Array) => Uint8Array, number, string, null?][]) {
  test(`malformed server flight: ${name} → alert ${alert}, no exception`, () => {
    const p = rpkPair(pin === null ? { pin } : {});
    p.filter = rewrite(false, type, f);
    p.client.connect(SERVER);
    p.run(10000); // strict: an exception in either endpoint fails here
    assert.equal(lastAlert(p, true), '02' + alert.toString(16).padStart(2, '0'));
    assert.equal(p.clientEvents[0].name, ev);
    assert.equal(p.clientEvents[0].alert, alert);
    assert.equal(p.client.get(SERVER), null);
  });
}

test('malformed client flight: a bad CertificateVerify signature gets decrypt_error (51); a P-256 client key unsupported_certificate (43)', () => {
  const p = rpkPair();
  p.filter = rewrite(true, 15, (b) => { b[20] ^= 1; return b; });
  p.client.connect(SERVER);
  p.run(10000);
  assert.equal(lastAlert(p, false), '0233');
  assert.equal(p.clientEvents[0].alert, 51);
  const q = rpkPair();
  q.filter = rewrite(true, 11, () => unhex('00005b' + p256Spki));
  q.client.connect(SERVER);
  q.run(10000);
  assert.equal(lastAlert(q, false), '022b');
});

test('one server, both suites: a PSK client still gets PSK from a server configured for RPK', () => {
  const p = makePair({ serverEcho: true, strict: true, serverRpk: { key: S.seed, spki: S.spki, trust: () => true } });
  p.client.send(text('psk'), SERVER);
  p.run(10000);
  assert.deepEqual(p.clientData, ['psk']);
  const ss = p.server.get(CLIENT)!;
  assert.equal(ss.rpk, undefined);
  assert.equal(Buffer.from(ss.identity!).toString(), 'lwm2m-client');
  assert.equal(shape(p.wire[3]), 'hs:2,hs:14');
});

test('an RPK client against a PSK-only server: handshake_failure (40), reported', () => {
  const p = makePair({ strict: true, clientRpk: { key: C.seed, spki: C.spki, serverSpki: S.spki } });
  p.client.connect(SERVER);
  p.run(10000);
  assert.equal(p.clientEvents[0].name, 'alert_received');
  assert.equal(p.clientEvents[0].alert, 40);
});

test('bad RPK credentials (not an Ed25519 key pair): an error event, nothing sent', () => {
  const p = makePair({ clientRpk: { key: new Uint8Array(31), spki: C.spki, serverSpki: null } });
  p.client.connect(SERVER);
  assert.equal(p.wire.length, 0);
  assert.equal(p.clientEvents[0].name, 'bad_rpk_credentials');
});

test('the public-key work runs a step per poll and its time does not count against the handshake deadline, which restarts after the final flight', () => {
  const p = rpkPair({ handshakeTimeout: 5000 });
  let held: Datagram | null = null;
  p.filter = (d, i) => {
    if (i === 3) held = d; // the server's flight arrives late, at 3 s
    return i === 3 ? [] : [d];
  };
  p.client.connect(SERVER);
  p.run(0);
  const hs = p.client.get(SERVER)!.hs!;
  assert.equal(hs.deadline, 5000, 'first armed at the first poll');
  p.now = 3000;
  p.client.input(held!.data, SERVER);
  assert.equal(hs.state, 36, 'the server flight is here: the public-key work runs in the polls that follow');
  let polls = 0;
  // each step "takes" 0.3 s here (a step's modelled board time): the work spans far more than the 5 s deadline
  for (; hs.state === 36 && polls < 10000; polls++, p.now += 300) {
    const next = p.client.poll(p.now);
    if (hs.state === 36) assert.equal(next, p.now, 'polled again at once while work remains');
  }
  // the turn that handled the flight yields; then verify, shared secret and signature (our public value was made in
  // idle polls before the flight, rpk.ts precompute), ~70-150 steps each (transport/crypto/c25519.ts; 379 in all, 2026-12-07)
  assert.ok(polls > 300, `verify, shared secret, signature: ${polls} steps`);
  assert.equal(hs.state, 35, 'final flight sent, waiting for the server Finished');
  assert.equal(hs.deadline, -1);
  p.client.poll(p.now);
  assert.equal(hs.deadline, p.now + 5000, 'armed again from the poll after the final flight');
});

test('our server waits for a board: with its default deadline it keeps an RPK handshake while the client computes for 10 minutes (Ed25519 on a 240 MHz ESP32 ~9 min)', () => {
  // no handshakeTimeout given: each side's default (the client's 60 s, the server's DTLS.SERVER_HANDSHAKE_TIMEOUT)
  const p = rpkPair();
  let held: Datagram | null = null;
  p.filter = (d, i) => {
    if (i === 3) held = d;
    return i === 3 ? [] : [d];
  };
  p.client.connect(SERVER);
  p.run(0);
  p.client.input(held!.data, SERVER);
  const hs = p.client.get(SERVER)!.hs!;
  assert.equal(hs.state, 36, 'the client computes');
  // each public-key step "takes" 1.5 s of board time (a step is ~0.3 s modelled, c25519.ts; five times that here so
  // that the ~450 steps span 10 minutes); the server is polled all along (its retransmissions go nowhere: the client ignores them)
  let polls = 0;
  for (; hs.state === 36 && polls < 10000; polls++) {
    p.client.poll(p.now);
    p.now += 1500;
    p.server.poll(p.now);
  }
  assert.ok(p.now >= 600000, `${p.now} ms of work`);
  assert.deepEqual(p.serverEvents.filter((e) => e.type === 'error'), [], 'the server did not give up on the computing client');
  p.run(p.now + 5000);
  assert.ok(p.clientEvents.some((e) => e.type === 'connected'), JSON.stringify(p.clientEvents));
  assert.ok(p.serverEvents.some((e) => e.type === 'connected'), JSON.stringify(p.serverEvents));
});

test('our server still ends an RPK handshake whose client never answers, at DTLS.SERVER_HANDSHAKE_TIMEOUT (20 min)', () => {
  const p = rpkPair();
  p.filter = (d, i) => (i >= 4 ? [] : [d]); // the client's final flight and all after it are lost
  p.client.connect(SERVER);
  p.run(20 * 60000 - 1000);
  assert.deepEqual(p.serverEvents.filter((e) => e.type === 'error'), []);
  p.run(20 * 60000 + 1000);
  assert.equal(p.serverEvents.filter((e) => e.type === 'error' && e.name === 'handshake_timeout').length, 1, JSON.stringify(p.serverEvents));
});

test('fuzz: random byte changes in the server flight never make the client throw; each run ends connected or with one error', () => {
  let seed = 99;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  const outcomes = new Set<string>();
  for (let run = 0; run < 60; run++) {
    const p = rpkPair({ handshakeTimeout: 5000 });
    p.filter = (d, i) => {
      if (i !== 3) return [d];
      const b = new Uint8Array(d.data);
      for (let k = 0, n = 1 + rand(3); k < n; k++) b[13 + rand(b.length - 13)] ^= 1 + rand(255);
      return [{ ...d, data: b }];
    };
    p.client.connect(SERVER);
    p.run(20000); // strict: input(), so an exception fails the test
    assert.equal(p.clientEvents.length, 1, `run ${run}: ${JSON.stringify(p.clientEvents)}`);
    outcomes.add(p.clientEvents[0].name || p.clientEvents[0].type);
  }
  // the changes hit different checks: not all runs end the same way
  assert.ok(outcomes.size >= 3, [...outcomes].join(' '));
});

test('Ed25519 verify (double-scalar): RFC 8032 §7.1 vector, 40 node:crypto signatures, S ≥ L and non-canonical keys refused, tweetnacl agrees on garbage', async () => {
  const nacl = (await import('tweetnacl')).default;
  // RFC 8032 §7.1 TEST 2
  const pub2 = unhex('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c');
  const sig2 = unhex('92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00');
  assert.ok(ec.verify(unhex('72'), sig2, pub2));
  assert.ok(!ec.verify(unhex('73'), sig2, pub2));
  const { generateKeyPairSync, randomBytes } = await import('node:crypto');
  for (let i = 0; i < 40; i++) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const pub = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })).subarray(12);
    const msg = new Uint8Array(randomBytes(i * 37));
    const sig = new Uint8Array(nodeSign(null, msg, privateKey));
    assert.ok(ec.verify(msg, sig, pub), `signature ${i}`);
    const bad = new Uint8Array(sig);
    bad[i % 64] ^= 1 << (i % 8);
    assert.equal(ec.verify(msg, bad, pub), nacl.sign.detached.verify(msg, bad, pub), `flipped ${i}`);
    assert.ok(!ec.verify(msg, bad, pub), `flipped ${i}`);
  }
  // S + L verifies the same equation but is malleable: refused (tweetnacl accepts it)
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const le = (x: bigint) => { const a = new Uint8Array(32); for (let i = 0; i < 32; i++) { a[i] = Number(x & 255n); x >>= 8n; } return a; };
  const s = BigInt('0x' + Buffer.from(sig2.subarray(32)).reverse().toString('hex'));
  const mall = new Uint8Array(Buffer.concat([sig2.subarray(0, 32), le(s + L)]));
  assert.ok(nacl.sign.detached.verify(unhex('72'), mall, pub2), 'tweetnacl takes S + L');
  assert.ok(!ec.verify(unhex('72'), mall, pub2), 'we do not');
  // a non-canonical y (≥ p): refused
  const p = 2n ** 255n - 19n;
  assert.ok(!ec.verify(unhex('72'), sig2, le(p + 1n)));
  // garbage: both implementations say no
  for (let i = 0; i < 40; i++) {
    const sig = new Uint8Array(randomBytes(64));
    sig[63] &= 15;
    const pub = new Uint8Array(randomBytes(32));
    assert.equal(ec.verify(unhex('72'), sig, pub), false);
    assert.equal(nacl.sign.detached.verify(unhex('72'), sig, pub), false);
  }
});
