// AES-CCM (RFC 3610, NIST SP 800-38C) composed on a backend's AES-ECB and AES-CBC:
// the CBC-MAC is ONE native CBC call over B0 ‖ encoded AAD ‖ padded payload (zero IV,
// keep the last block), the CTR keystream ONE native ECB call over the counter blocks
// A0..An. Espruino's own CTR ignores the IV and its CCM takes no AAD, hence this.
// Any nonce length 7..13 (L = 15 − nonce length) and even tag length 4..16.
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
  var len = payload.length;
  for (var i = 15; i > 15 - L; i--) {
    buf[i] = len & 255;
    len = len >>> 8;
  }
  if (aad.length) {
    // l(a) < 2^16 − 2^8: two bytes (RFC 3610 §2.2).
    buf[16] = aad.length >> 8;
    buf[17] = aad.length & 255;
    buf.set(aad, 18);
  }
  buf.set(payload, 16 + alen);
  var macs = c.aes128CbcEncrypt(key, ZERO, buf);
  return new Uint8Array(macs.subarray(macs.length - 16, macs.length - 16 + m));
}

/** S0 ‖ S1 ‖ … : keystream for the tag (S0) and `n` payload bytes, RFC 3610 §2.3. */
function keystream(c: CryptoBackend, key: Uint8Array, nonce: Uint8Array, n: number): Uint8Array {
  var L = 15 - nonce.length;
  var blocks = 1 + (pad16(n) >> 4);
  var ctr = new Uint8Array(blocks * 16);
  for (var b = 0; b < blocks; b++) {
    var o = b * 16;
    ctr[o] = L - 1;
    ctr.set(nonce, o + 1);
    var v = b;
    for (var i = 15; i > 15 - L; i--) {
      ctr[o + i] = v & 255;
      v = v >>> 8;
    }
  }
  return c.aes128EcbEncrypt(key, ctr);
}

/** Returns ciphertext ‖ tag (m bytes). */
export function ccmEncrypt(c: CryptoBackend, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, m: number): Uint8Array {
  var t = cbcMac(c, key, nonce, aad, plaintext, m);
  var s = keystream(c, key, nonce, plaintext.length);
  var n = plaintext.length;
  var out = new Uint8Array(n + m);
  for (var i = 0; i < n; i++) out[i] = plaintext[i] ^ s[16 + i];
  for (i = 0; i < m; i++) out[n + i] = t[i] ^ s[i];
  return out;
}

/** Returns the plaintext, or null when the input is shorter than the tag or the tag is wrong. */
export function ccmDecrypt(c: CryptoBackend, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array, m: number): Uint8Array | null {
  var n = sealed.length - m;
  if (n < 0) return null;
  var s = keystream(c, key, nonce, n);
  var p = new Uint8Array(n);
  var i;
  for (i = 0; i < n; i++) p[i] = sealed[i] ^ s[16 + i];
  var u = new Uint8Array(m);
  for (i = 0; i < m; i++) u[i] = sealed[n + i] ^ s[i];
  return equalConstTime(u, cbcMac(c, key, nonce, aad, p, m)) ? p : null;
}
