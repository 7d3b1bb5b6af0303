// HMAC-SHA-256 (RFC 2104) and the TLS 1.2 PRF (RFC 5246 §5) composed on a
// CryptoBackend's one-shot SHA-256: two native hash calls per HMAC.
import type { CryptoBackend } from '../ports';

/**
 * HMAC-SHA-256(key, data) = H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ data)) (RFC 2104 §2). The pads are
 * made at each call rather than prepared once per PRF: one function less loaded on the board
 * (the PRF runs only during a handshake; the two 64-byte loops cost ~20 per handshake).
 */
export function hmacSha256(c: CryptoBackend, key: Uint8Array, data: Uint8Array): Uint8Array {
  // Keys longer than the block are hashed first (RFC 2104 §2).
  if (key.length > 64) key = c.sha256(key);
  var i = new Uint8Array(64 + data.length);
  var o = new Uint8Array(64 + 32);
  for (var k = 0; k < 64; k++) {
    var b = k < key.length ? key[k] : 0;
    i[k] = b ^ 0x36;
    o[k] = b ^ 0x5c;
  }
  i.set(data, 64);
  o.set(c.sha256(i), 64);
  return c.sha256(o);
}

/**
 * PRF(secret, label, seed) = P_SHA256(secret, label + seed) truncated to `n` bytes
 * (RFC 5246 §5). `label` is ASCII.
 */
export function prf(c: CryptoBackend, secret: Uint8Array, label: string, seed: Uint8Array, n: number): Uint8Array {
  var ls = new Uint8Array(label.length + seed.length);
  for (var i = 0; i < label.length; i++) ls[i] = label.charCodeAt(i);
  ls.set(seed, label.length);
  var out = new Uint8Array(n);
  // A(1) = HMAC(secret, label+seed); output block i = HMAC(secret, A(i) + label+seed)
  var a = hmacSha256(c, secret, ls);
  var ai = new Uint8Array(32 + ls.length);
  ai.set(ls, 32);
  for (var o = 0; o < n; o += 32) {
    ai.set(a);
    var block = hmacSha256(c, secret, ai);
    out.set(block.subarray(0, Math.min(32, n - o)), o);
    if (o + 32 < n) a = hmacSha256(c, secret, a);
  }
  return out;
}
