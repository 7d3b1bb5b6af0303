// HMAC-SHA-256 (RFC 2104) and the TLS 1.2 PRF (RFC 5246 §5) composed on a
// CryptoBackend's one-shot SHA-256: two native hash calls per HMAC.
//
// On the board a JavaScript loop iteration costs about as much as a native call (an empty
// one ~17 k x86 instructions in the stand-in, a byte XOR ~50 k; docs/board-clock.md,
// "Profiling"), so the keys' pads are made four bytes at a time and once per PRF, not
// per HMAC: the PRF of a PSK handshake went from 87 M to a few M instructions.
import type { CryptoBackend } from '../ports';
import { utf8Encode } from '../bytes';

/** K ⊕ ipad ‖ K ⊕ opad (RFC 2104 §2), 128 bytes; keys longer than the block are hashed first. */
function pads(c: CryptoBackend, key: Uint8Array): Uint8Array {
  if (key.length > 64) key = c.sha256(key);
  var p = new Uint8Array(128);
  p.set(key);
  p.set(key, 64);
  // a fresh buffer: offset 0, aligned for 32-bit words (XOR with a repeated byte is endian-free)
  var w = new Int32Array(p.buffer);
  var i = 32;
  while (i--) w[i] ^= i < 16 ? 0x36363636 : 0x5c5c5c5c;
  return p;
}

/** HMAC with the pads of `pads()`: H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ data)). */
function mac(c: CryptoBackend, p: Uint8Array, data: Uint8Array): Uint8Array {
  var i = new Uint8Array(64 + data.length);
  i.set(p.subarray(0, 64));
  i.set(data, 64);
  var o = new Uint8Array(96);
  o.set(p.subarray(64));
  o.set(c.sha256(i), 64);
  return c.sha256(o);
}

/** HMAC-SHA-256(key, data) (RFC 2104 §2). */
export function hmacSha256(c: CryptoBackend, key: Uint8Array, data: Uint8Array): Uint8Array {
  return mac(c, pads(c, key), data);
}

/**
 * PRF(secret, label, seed) = P_SHA256(secret, label + seed) truncated to `n` bytes
 * (RFC 5246 §5). `label` is ASCII.
 */
export function prf(c: CryptoBackend, secret: Uint8Array, label: string, seed: Uint8Array, n: number): Uint8Array {
  var l = utf8Encode(label);
  var ls = new Uint8Array(l.length + seed.length);
  ls.set(l);
  ls.set(seed, l.length);
  var p = pads(c, secret);
  var out = new Uint8Array(n);
  // A(1) = HMAC(secret, label+seed); output block i = HMAC(secret, A(i) + label+seed)
  var a = mac(c, p, ls);
  var ai = new Uint8Array(32 + ls.length);
  ai.set(ls, 32);
  for (var o = 0; o < n; o += 32) {
    ai.set(a);
    var block = mac(c, p, ai);
    out.set(block.subarray(0, Math.min(32, n - o)), o);
    if (o + 32 < n) a = mac(c, p, a);
  }
  return out;
}
