// AES-CCM (RFC 3610, NIST SP 800-38C) composed on a backend's AES-ECB and AES-CBC:
// the CBC-MAC is ONE native CBC call over B0 ‖ encoded AAD ‖ padded payload (zero IV,
// keep the last block), the CTR keystream ONE native ECB call over the counter blocks
// A0..An. Espruino's own CTR ignores the IV and its CCM takes no AAD, hence this.
// Any nonce length 7..13 (L = 15 − nonce length), even tag length 4..16, payloads under 2^16 bytes.
import type { CryptoBackend } from '../ports';
import { equalConstTime } from '../bytes';

var ZERO = new Uint8Array(16);

function pad16(n: number): number {
  return (n + 15) & ~15;
}

/** The CBC-MAC tag T (first m bytes) over `payload` (plaintext), RFC 3610 §2.2. */
function cbcMac(c: CryptoBackend, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, payload: Uint8Array, m: number): Uint8Array {
  var L = 15 - nonce.length;
  var alen = aad.length ? pad16(2 + aad.length) : 0;
  var buf = new Uint8Array(16 + alen + pad16(payload.length));
  // B0: Flags = 64·Adata + 8·M' + L', then the nonce, then l(m) in L bytes.
  buf[0] = (aad.length ? 64 : 0) | (((m - 2) >> 1) << 3) | (L - 1);
  buf.set(nonce, 1);
  // l(m) < 2^16 (a DTLS record's is < 2^14): the last two bytes, the others zero
  buf[14] = payload.length >> 8;
  buf[15] = payload.length & 255;
  if (aad.length) {
    // l(a) < 2^16 − 2^8: two bytes (RFC 3610 §2.2).
    buf[16] = aad.length >> 8;
    buf[17] = aad.length & 255;
    buf.set(aad, 18);
  }
  buf.set(payload, 16 + alen);
  var macs = c.aes128CbcEncrypt(key, ZERO, buf);
  return macs.subarray(macs.length - 16, macs.length - 16 + m);
}

/**
 * S0 ‖ S1 ‖ … : keystream for the tag (S0) and `n` payload bytes, RFC 3610 §2.3. The counter
 * blocks A_i = flags ‖ nonce ‖ i are A_0 copied (doubling: a few native copies) with i in their
 * last two bytes (L ≥ 2, fewer than 2^16 blocks): on the board each JavaScript statement per block or
 * byte costs as much as a native call (docs/board-clock.md, "Profiling").
 */
function keystream(c: CryptoBackend, key: Uint8Array, nonce: Uint8Array, n: number): Uint8Array {
  var blocks = 1 + (pad16(n) >> 4);
  var ctr = new Uint8Array(blocks * 16);
  ctr[0] = 14 - nonce.length; // L − 1
  ctr.set(nonce, 1);
  for (var k = 16; k < ctr.length; k *= 2) ctr.set(ctr.subarray(0, Math.min(k, ctr.length - k)), k);
  // (`while (b--)` loops: the board's cheapest form, ~35 k instructions a turn against ~70 k for a `for`)
  var b = blocks;
  while (--b) {
    ctr[b * 16 + 14] = b >> 8;
    ctr[b * 16 + 15] = b & 255;
  }
  return c.aes128EcbEncrypt(key, ctr);
}

/** x ^= s over x's length (a multiple of 16), four bytes at a time; x is a fresh array (offset 0). */
function xorWords(x: Uint8Array, s: Uint8Array): void {
  // 32-bit views need an aligned offset: a backend's result may be a view into a pool (Node)
  if (s.byteOffset & 3) s = new Uint8Array(s);
  var i = x.length >> 2;
  var X = new Int32Array(x.buffer, 0, i);
  var S = new Int32Array(s.buffer, s.byteOffset, i);
  while (i--) X[i] ^= S[i];
}

/**
 * Both directions: CTR over the payload, and the CBC-MAC over the plaintext, its tag masked
 * with S0 (RFC 3610 §2.3), in one pass of xorWords over tag block ‖ payload. Encrypt returns
 * ciphertext ‖ U; decrypt returns the plaintext, or null when the input is shorter than the
 * tag or U does not verify.
 */
function ccm(c: CryptoBackend, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, input: Uint8Array, m: number, decrypt: boolean): Uint8Array | null {
  var n = input.length - (decrypt ? m : 0);
  if (n < 0) return null;
  var s = keystream(c, key, nonce, n);
  // x = (T or the received U) ‖ payload, padded to the keystream's length
  var x = new Uint8Array(s.length);
  x.set(decrypt ? input.subarray(n) : cbcMac(c, key, nonce, aad, input, m));
  x.set(input.subarray(0, n), 16);
  xorWords(x, s);
  var p = x.subarray(16, 16 + n);
  // decrypt: x's first m bytes are now U ⊕ S0, the tag the sender computed
  if (decrypt) return equalConstTime(cbcMac(c, key, nonce, aad, p, m), x.subarray(0, m)) ? p : null;
  var out = new Uint8Array(n + m);
  out.set(p);
  out.set(x.subarray(0, m), n);
  return out;
}
/** Returns ciphertext ‖ tag (m bytes). */
export function ccmEncrypt(c: CryptoBackend, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, m: number): Uint8Array {
  return ccm(c, key, nonce, aad, plaintext, m, false)!;
}

/** Returns the plaintext, or null when the input is shorter than the tag or the tag is wrong. */
export function ccmDecrypt(c: CryptoBackend, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array, m: number): Uint8Array | null {
  return ccm(c, key, nonce, aad, sealed, m, true);
}
