// HMAC-SHA-256 (RFC 2104) and the TLS 1.2 PRF (RFC 5246 §5) composed on a
// CryptoBackend's one-shot SHA-256: two native hash calls per HMAC.
//
// On the board a JavaScript loop iteration costs about as much as a native call (an empty
// one ~17 k x86 instructions in the stand-in, a byte XOR ~50 k; docs/board-clock.md,
// "Profiling"), so the keys' pads are made four bytes at a time and once per PRF, not
// per HMAC: the PRF of a PSK handshake went from 87 M to a few M instructions.
import type { CryptoBackend } from '../ports';
import { utf8Encode } from '../bytes';

/**
 * K ⊕ ipad into i[0..64] and K ⊕ opad into o[0..64] (RFC 2104 §2); keys longer than the block are
 * hashed first. `i` and `o` are fresh arrays (offset 0: aligned for 32-bit words; XOR with a
 * repeated byte is endian-free).
 */
function pads(c: CryptoBackend, key: Uint8Array, i: Uint8Array, o: Uint8Array): void {
  if (key.length > 64) key = c.sha256(key);
  i.set(key);
  o.set(key);
  var wi = new Int32Array(i.buffer, 0, 16);
  var wo = new Int32Array(o.buffer, 0, 16);
  var k = 16;
  while (k--) {
    wi[k] ^= 0x36363636;
    wo[k] ^= 0x5c5c5c5c;
  }
}

/** HMAC-SHA-256(key, data) (RFC 2104 §2): H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ data)). */
export function hmacSha256(c: CryptoBackend, key: Uint8Array, data: Uint8Array): Uint8Array {
  var i = new Uint8Array(64 + data.length);
  var o = new Uint8Array(96);
  pads(c, key, i, o);
  i.set(data, 64);
  o.set(c.sha256(i), 64);
  return c.sha256(o);
}

/**
 * PRF(secret, label, seed) = P_SHA256(secret, label + seed) truncated to `n` bytes
 * (RFC 5246 §5). `label` is ASCII. Each HMAC's inputs are laid out once and hashed in place:
 * x = K ⊕ ipad ‖ A(i) ‖ label ‖ seed (block i's inner input; its first 96 bytes A(i+1)'s),
 * o = K ⊕ opad ‖ the inner hash; on the board every statement costs as much as a native hash
 * (docs/board-clock.md, "Profiling"), so no HMAC allocates or copies more than its hash.
 */
export function prf(c: CryptoBackend, secret: Uint8Array, label: string, seed: Uint8Array, n: number): Uint8Array {
  var l = utf8Encode(label);
  var k = l.length;
  var x = new Uint8Array(96 + k + seed.length);
  var o = new Uint8Array(96);
  pads(c, secret, x, o);
  // A(1) = HMAC(secret, label + seed): its inner input is K ⊕ ipad ‖ label ‖ seed, at x[0..] before A's slot is needed
  x.set(l, 64);
  x.set(seed, 64 + k);
  o.set(c.sha256(x.subarray(0, 64 + k + seed.length)), 64);
  var a = c.sha256(o);
  x.set(l, 96);
  x.set(seed, 96 + k);
  var out = new Uint8Array((n + 31) & ~31);
  for (var p = 0; p < n; p += 32) {
    // output block = HMAC(secret, A(i) + label + seed); A(i+1) = HMAC(secret, A(i))
    x.set(a, 64);
    o.set(c.sha256(x), 64);
    out.set(c.sha256(o), p);
    if (p + 32 < n) {
      o.set(c.sha256(x.subarray(0, 96)), 64);
      a = c.sha256(o);
    }
  }
  return out.subarray(0, n);
}
