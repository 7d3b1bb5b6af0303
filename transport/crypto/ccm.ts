// AES-CCM (RFC 3610, NIST SP 800-38C) composed on a backend's AES-ECB and AES-CBC:
// the CBC-MAC is ONE native CBC call over B0 ‖ encoded AAD ‖ padded payload (zero IV,
// keep the last block), the CTR keystream ONE native ECB call over the counter blocks
// A0..An. Espruino's own CTR ignores the IV and its CCM takes no AAD, hence this.
// Any nonce length 7..13 (L = 15 − nonce length), even tag length 4..16, payloads under 2^16 bytes.
import type { CryptoBackend } from '../ports';
import { equalConstTime } from '../bytes';

var ZERO = new Uint8Array(16);

/**
 * Both directions (RFC 3610 §2.2-2.3) in two buffers and two native calls. The keystream
 * S0 ‖ S1 … is ONE ECB call over the counter blocks A_i = flags ‖ nonce ‖ i (A_0 copied by
 * doubling: a few native copies; i in the last two bytes, L ≥ 2, fewer than 2^16 blocks). The
 * CBC-MAC is ONE CBC call (zero IV, T its last block) over b = B0 ‖ encoded aad ‖ payload (padded),
 * and the same b, from the block before the payload (the aad's, or B0 without aad: hashed
 * already), holds T or the received U ‖ payload for the XOR with the keystream, four bytes at a
 * time, in place: on the board each statement costs as much as a native call (docs/board-clock.md,
 * "Profiling"), so no array is made or copied that this layout does not need. Encrypt returns
 * ciphertext ‖ U; decrypt returns the plaintext (a view), or null when the input is shorter than
 * the tag or U does not verify.
 */
function ccm(c: CryptoBackend, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, input: Uint8Array, m: number, decrypt: boolean): Uint8Array | null {
  var n = input.length - (decrypt ? m : 0);
  if (n < 0) return null;
  var a = aad.length;
  // the block before the payload at t, the payload at z (l(a) < 2^16 − 2^8: two bytes, RFC 3610 §2.2)
  // (rounding up to whole blocks written out twice, not a pad16(): one function less held at load)
  var t = a ? (a + 17) & ~15 : 0;
  var z = 16 + t;
  var len = (n + 15) & ~15;
  var s: Uint8Array = new Uint8Array(16 + len);
  s[0] = 14 - nonce.length; // L − 1
  s.set(nonce, 1);
  for (var k = 16; k < s.length; k *= 2) s.set(s.subarray(0, Math.min(k, s.length - k)), k);
  // (`while (i)` loops: the board's cheapest form)
  var i = len >> 4;
  while (i) {
    s[i * 16 + 15] = i;
    s[i * 16 + 14] = i >> 8;
    i--;
  }
  s = c.aes128EcbEncrypt(key, s);
  // 32-bit views need an aligned offset: a backend's result may be a view into a pool (Node)
  if (s.byteOffset & 3) s = new Uint8Array(s);
  var b = new Uint8Array(z + len);
  var X = new Int32Array(b.buffer, t);
  var S = new Int32Array(s.buffer, s.byteOffset, X.length);
  var u: Uint8Array | undefined;
  if (decrypt) {
    b.set(input.subarray(0, n), z);
    b.set(input.subarray(n), t);
    i = X.length;
    while (i--) X[i] ^= S[i];
    // U ⊕ S0: the tag T the sender computed; then the blocks the MAC reads around the plaintext are zeroed again
    u = new Uint8Array(b.subarray(t, t + m));
    // (set from a zero block, not fill(): the stripped context of sim/espruino-vm.ts has no typed-array fill)
    b.set(ZERO, t);
    b.set(ZERO.subarray(0, len - n), z + n);
  } else b.set(input, z);
  // B0: Flags = 64·Adata + 8·M' + L', the nonce, l(m) in its last two bytes (< 2^16; the others zero)
  b[0] = (a ? 64 : 0) | (((m - 2) >> 1) << 3) | (14 - nonce.length);
  b.set(nonce, 1);
  b[14] = n >> 8;
  b[15] = n;
  if (a) {
    b[16] = a >> 8;
    b[17] = a;
    b.set(aad, 18);
  }
  var mac = c.aes128CbcEncrypt(key, ZERO, b);
  var T = mac.subarray(mac.length - 16);
  if (u) return equalConstTime(T.subarray(0, m), u) ? b.subarray(z, z + n) : null;
  b.set(T, t);
  i = X.length;
  while (i--) X[i] ^= S[i];
  var out = new Uint8Array(n + m);
  out.set(b.subarray(z, z + n));
  out.set(b.subarray(t, t + m), n);
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
