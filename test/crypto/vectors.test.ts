// Published vectors (test/vectors/crypto.ts) on every CryptoBackend: pure JS, node:crypto,
// Espruino's `require('crypto')` (emulated on node:crypto, faithful to its ArrayBuffer
// returns) — in Node's realm and, through dist/firmware.js, inside the stripped
// Espruino vm context (the backend only: HMAC, the PRF and CCM are the same composed code on
// each, checked here on the sources and in the bundle by its DTLS handshakes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { CryptoBackend } from '../../transport/ports';
import { jsCrypto } from '../../transport/crypto/js-backend';
import { espruinoCrypto } from '../../transport/crypto/espruino';
import { hmacSha256, prf } from '../../transport/crypto/hmac';
import { ccmDecrypt, ccmEncrypt } from '../../transport/crypto/ccm';
import { nodeCrypto } from '../../sim/node-crypto';
import { espruinoCryptoModule } from '../../sim/espruino-crypto';
import { loadFirmware } from '../../sim/espruino-vm';
import { AES128, CCM, HMAC, PRF, SHA256 } from '../vectors/crypto';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (u: Uint8Array) => Buffer.from(u).toString('hex');
const ascii = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

const backends: Record<string, CryptoBackend> = {
  js: jsCrypto,
  node: nodeCrypto,
  espruino: espruinoCrypto(espruinoCryptoModule().mod as any),
};

for (const [name, c] of Object.entries(backends)) {
  test(`${name} backend: SHA-256 FIPS 180-4 vectors`, () => {
    for (const v of SHA256) assert.equal(toHex(c.sha256(hex(v.msg))), v.md, v.name);
  });
  test(`${name} backend: HMAC-SHA-256 RFC 4231 vectors`, () => {
    for (const v of HMAC) assert.equal(toHex(hmacSha256(c, hex(v.key), hex(v.data))), v.mac, v.name);
  });
  test(`${name} backend: AES-128 FIPS-197 vectors, ECB over several blocks, CBC`, () => {
    for (const v of AES128) assert.equal(toHex(c.aes128EcbEncrypt(hex(v.key), hex(v.pt))), v.ct, v.name);
    const two = AES128[0].pt + AES128[1].pt;
    assert.equal(toHex(c.aes128EcbEncrypt(hex(AES128[0].key), hex(two))), AES128[0].ct + toHex(c.aes128EcbEncrypt(hex(AES128[0].key), hex(AES128[1].pt))));
    // CBC with a zero IV: the first block is ECB of the plaintext, the second chains.
    const key = hex(AES128[0].key);
    const cbc = c.aes128CbcEncrypt(key, new Uint8Array(16), hex(two));
    assert.equal(toHex(cbc.subarray(0, 16)), AES128[0].ct);
    const x = hex(AES128[1].pt).map((b, i) => b ^ cbc[i]);
    assert.equal(toHex(cbc.subarray(16)), toHex(c.aes128EcbEncrypt(key, x)));
  });
  test(`${name} backend: AES-CCM SP 800-38C and RFC 3610 vectors, both directions`, () => {
    for (const v of CCM) {
      const out = ccmEncrypt(c, hex(v.key), hex(v.nonce), hex(v.aad), hex(v.pt), v.m);
      assert.equal(toHex(out), v.out, v.name);
      const back = ccmDecrypt(c, hex(v.key), hex(v.nonce), hex(v.aad), hex(v.out), v.m);
      assert.ok(back, v.name);
      assert.equal(toHex(back!), v.pt, v.name);
    }
  });
  test(`${name} backend: CCM-8 refuses a flipped bit in ciphertext, tag, nonce or AAD`, () => {
    const v = CCM[2];
    const sealed = hex(v.out);
    for (let bit = 0; bit < sealed.length * 8; bit += 7) {
      const bad = new Uint8Array(sealed);
      bad[bit >> 3] ^= 1 << (bit & 7);
      assert.equal(ccmDecrypt(c, hex(v.key), hex(v.nonce), hex(v.aad), bad, 8), null, `bit ${bit}`);
    }
    const n = hex(v.nonce);
    n[11] ^= 1;
    assert.equal(ccmDecrypt(c, hex(v.key), n, hex(v.aad), sealed, 8), null, 'nonce');
    const a = hex(v.aad);
    a[0] ^= 0x80;
    assert.equal(ccmDecrypt(c, hex(v.key), hex(v.nonce), a, sealed, 8), null, 'aad');
    assert.equal(ccmDecrypt(c, hex(v.key), hex(v.nonce), hex(v.aad), sealed.subarray(0, 7), 8), null, 'shorter than the tag');
  });
  test(`${name} backend: CCM-8 with 12-byte nonces agrees with node:crypto aes-128-ccm on random inputs`, () => {
    // node:crypto's CCM (OpenSSL) is an independent implementation; lengths cross block edges
    // (OpenSSL refuses an empty CCM message through this API, so length 0 is covered by C.1-style vectors only).
    for (const len of [1, 15, 16, 17, 31, 32, 33, 100, 1024]) {
      const key = randomBytes(16), nonce = randomBytes(12), aad = randomBytes(13), pt = randomBytes(len);
      const ref = createCipheriv('aes-128-ccm', key, nonce, { authTagLength: 8 });
      ref.setAAD(aad, { plaintextLength: len });
      const want = Buffer.concat([ref.update(pt), ref.final(), ref.getAuthTag()]).toString('hex');
      assert.equal(toHex(ccmEncrypt(c, key, nonce, aad, pt, 8)), want, `length ${len}`);
    }
  });
  test(`${name} backend: TLS 1.2 PRF (SHA-256) IETF TLS WG vector`, () => {
    assert.equal(toHex(prf(c, hex(PRF.secret), PRF.label, hex(PRF.seed), 100)), PRF.out);
    // a shorter output is a prefix (P_hash truncation, RFC 5246 §5)
    assert.equal(toHex(prf(c, hex(PRF.secret), PRF.label, hex(PRF.seed), 12)), PRF.out.slice(0, 24));
  });
}

test('espruino backend: an AES result Espruino could not place (a fragmented store) is tried again once after E.defrag', () => {
  const { mod } = espruinoCryptoModule();
  let fails = 1;
  let defrags = 0;
  const flaky = { ...mod, AES: { encrypt: (d: Uint8Array, k: Uint8Array, o: any) => (fails-- > 0 ? undefined : mod.AES.encrypt(d, k, o)) } };
  const key = new Uint8Array(16);
  const want = toHex(espruinoCrypto(mod as any).aes128EcbEncrypt(key, new Uint8Array(32)));
  const c = espruinoCrypto(flaky as any, () => defrags++);
  assert.equal(toHex(c.aes128EcbEncrypt(key, new Uint8Array(32))), want);
  assert.equal(defrags, 1);
  fails = 1;
  assert.equal(c.aes128CbcEncrypt(key, new Uint8Array(16), new Uint8Array(32)).length, 32);
  assert.equal(defrags, 2);
  // still nothing after the compaction: an exception, as before
  fails = 2;
  assert.throws(() => c.aes128EcbEncrypt(key, new Uint8Array(16)));
  assert.equal(defrags, 3);
});

test('espruino backend: a native call returning undefined (its error convention) becomes an exception, not garbage', () => {
  const c = espruinoCrypto({ SHA256: () => undefined, SHA512: () => undefined, AES: { encrypt: () => undefined } });
  assert.throws(() => c.sha256(new Uint8Array(3)));
  assert.throws(() => c.sha512!(new Uint8Array(3)));
  assert.throws(() => c.aes128EcbEncrypt(new Uint8Array(16), new Uint8Array(16)));
  // and the emulation really returns undefined on Espruino's error cases
  const { mod } = espruinoCryptoModule();
  assert.equal(mod.AES.encrypt(new Uint8Array(15), new Uint8Array(16), { mode: 'ECB' }), undefined);
  assert.equal(mod.AES.encrypt(new Uint8Array(16), new Uint8Array(5), { mode: 'ECB' }), undefined);
  assert.ok(mod.SHA256(ascii('abc')) instanceof ArrayBuffer);
  // SHA-512 (Ed25519's hash) through the backend: FIPS 180-2 'abc'
  assert.equal(toHex(espruinoCrypto(mod).sha512!(ascii('abc'))), 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f');
});

test('espruino backend inside the stripped vm context, from dist/firmware.js: SHA-256 and AES vectors; HMAC, the PRF and CCM are not exported', () => {
  const holder: { mod?: unknown } = {};
  const { api, ctx } = loadFirmware(join(import.meta.dirname, '../../dist/firmware.js'), {
    modules: { get crypto() { return holder.mod; } } as Record<string, unknown>,
  });
  const realm = ctx.run('(function (u) { var a = new Uint8Array(u.length); for (var i = 0; i < u.length; i++) a[i] = u[i]; return a.buffer; })') as (u: Uint8Array) => ArrayBuffer;
  holder.mod = espruinoCryptoModule({ realm }).mod;
  const toCtx = ctx.run('(function (h) { return LwM2M.fromHex(h); })') as (h: string) => Uint8Array;
  const c = ctx.run("LwM2M.crypto.espruinoCrypto(require('crypto'))") as CryptoBackend;
  const h = (u: Uint8Array) => api.toHex(u);
  for (const v of SHA256.slice(0, 3)) assert.equal(h(c.sha256(toCtx(v.msg))), v.md, v.name);
  for (const v of AES128) assert.equal(h(c.aes128EcbEncrypt(toCtx(v.key), toCtx(v.pt))), v.ct, v.name);
  // The constructions on this backend (HMAC, the PRF, CCM) each have one caller in the bundle, which
  // holds them inlined there: the bundle's DTLS handshakes check them (test/dtls/bundle.test.ts).
  assert.deepEqual(Object.keys(api.crypto).sort(), ['espruinoCrypto']);
  ctx.stop();
});
