// HMAC-SHA-256 (RFC 2104) and the TLS 1.2 PRF (RFC 5246 §5) composed on a
// CryptoBackend's one-shot SHA-256: two native hash calls per HMAC.
import type { CryptoBackend } from '../ports';

/** An HMAC key prepared once: the 64-byte inner and outer pads (RFC 2104 §2). */
export interface HmacKey {
  i: Uint8Array;
  o: Uint8Array;
}

export function hmacKey(c: CryptoBackend, key: Uint8Array): HmacKey {
  // Keys longer than the block are hashed first (RFC 2104 §2).
  if (key.length > 64) key = c.sha256(key);
  var i = new Uint8Array(64);
  var o = new Uint8Array(64);
  for (var k = 0; k < 64; k++) {
    var b = k < key.length ? key[k] : 0;
    i[k] = b ^ 0x36;
    o[k] = b ^ 0x5c;
  }
  return { i: i, o: o };
}

function padThen(pad: Uint8Array, data: Uint8Array): Uint8Array {
  var m = new Uint8Array(64 + data.length);
  m.set(pad);
  m.set(data, 64);
  return m;
}

export function hmacWith(c: CryptoBackend, k: HmacKey, data: Uint8Array): Uint8Array {
  return c.sha256(padThen(k.o, c.sha256(padThen(k.i, data))));
}

export function hmacSha256(c: CryptoBackend, key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmacWith(c, hmacKey(c, key), data);
}

/**
 * PRF(secret, label, seed) = P_SHA256(secret, label + seed) truncated to `n` bytes
 * (RFC 5246 §5). `label` is ASCII.
 */
export function prf(c: CryptoBackend, secret: Uint8Array, label: string, seed: Uint8Array, n: number): Uint8Array {
  var k = hmacKey(c, secret);
  var ls = new Uint8Array(label.length + seed.length);
  for (var i = 0; i < label.length; i++) ls[i] = label.charCodeAt(i);
  ls.set(seed, label.length);
  var out = new Uint8Array(n);
  // A(1) = HMAC(secret, label+seed); output block i = HMAC(secret, A(i) + label+seed)
  var a = hmacWith(c, k, ls);
  var ai = new Uint8Array(32 + ls.length);
  ai.set(ls, 32);
  for (var o = 0; o < n; o += 32) {
    ai.set(a);
    var block = hmacWith(c, k, ai);
    out.set(block.subarray(0, Math.min(32, n - o)), o);
    if (o + 32 < n) a = hmacWith(c, k, a);
  }
  return out;
}
