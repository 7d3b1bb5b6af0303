// The DTLS 1.2 record layer (RFC 6347 §4.1): parsing the records of a datagram,
// writing one, AES-128-CCM-8 protection (RFC 6655) and the anti-replay window
// (RFC 6347 §4.1.2.6). Shared by both roles.
import type { CryptoBackend } from '../ports';
import { concat, readUint, writeUint } from '../bytes';
import { ccmDecrypt, ccmEncrypt } from '../crypto/ccm';
import { DTLS } from './constants';

export interface DtlsRecord {
  type: number;
  epoch: number;
  /** 48-bit sequence_number: exact in a JS number (< 2^53). */
  seq: number;
  /** A view into the datagram (no copy). */
  fragment: Uint8Array;
}

/**
 * Splits a datagram into records (several may share one, RFC 6347 §4.1.1). A record
 * whose length runs past the datagram ends the parse (truncated: dropped with whatever
 * follows, since record boundaries after it are unknowable). An oversized record is
 * skipped (RFC 6347 §4.1.2.7: invalid records are discarded, not answered).
 */
export function parseRecords(d: Uint8Array): DtlsRecord[] {
  var out: DtlsRecord[] = [];
  var p = 0;
  while (p + DTLS.RECORD_HEADER <= d.length) {
    var len = (d[p + 11] << 8) | d[p + 12];
    var end = p + DTLS.RECORD_HEADER + len;
    if (end > d.length) break;
    // Only DTLS versions (major 254) are records of ours; epoch-0 hellos may say DTLS 1.0 {254,255}.
    if (d[p + 1] === DTLS.MAJOR && len <= DTLS.MAX_CIPHERTEXT) {
      out.push({
        type: d[p],
        epoch: (d[p + 3] << 8) | d[p + 4],
        seq: readUint(d, p + 5, 6),
        fragment: d.subarray(p + DTLS.RECORD_HEADER, end),
      });
    }
    p = end;
  }
  return out;
}

/** Writes DTLSPlaintext/DTLSCiphertext header + fragment into `out` at `o`; returns the end offset. */
export function writeRecord(out: Uint8Array, o: number, type: number, epoch: number, seq: number, fragment: Uint8Array): number {
  out[o] = type;
  out[o + 1] = DTLS.MAJOR;
  out[o + 2] = DTLS.MINOR;
  writeUint(out, o + 3, 2, epoch);
  writeUint(out, o + 5, 6, seq);
  writeUint(out, o + 11, 2, fragment.length);
  out.set(fragment, o + DTLS.RECORD_HEADER);
  return o + DTLS.RECORD_HEADER + fragment.length;
}

export function encodeRecord(type: number, epoch: number, seq: number, fragment: Uint8Array): Uint8Array {
  var out = new Uint8Array(DTLS.RECORD_HEADER + fragment.length);
  writeRecord(out, 0, type, epoch, seq, fragment);
  return out;
}

/**
 * Keys of one direction, 20 bytes: client_write_key ‖ client_write_IV or server_write_key ‖
 * server_write_IV (RFC 5246 §6.3); the IV is the 4-byte implicit part of the nonce (the "salt",
 * RFC 6655 §3). One typed array, not an object of two: on the board a session holds two of
 * these for its life (measured: −13 variables a session). Native AES takes the key as a view
 * (the Espruino crypto module reads a view's own bytes; checked on Espruino 2v29).
 */
export type DirectionKeys = Uint8Array;

/** additional_data = seq_num(8: epoch ‖ sequence_number) ‖ type ‖ version ‖ length (RFC 5246 §6.2.3.3, RFC 6347 §4.1.2.1). */
function aadOf(type: number, epoch: number, seq: number, length: number): Uint8Array {
  var a = new Uint8Array(13);
  writeUint(a, 0, 2, epoch);
  writeUint(a, 2, 6, seq);
  a[8] = type;
  a[9] = DTLS.MAJOR;
  a[10] = DTLS.MINOR;
  writeUint(a, 11, 2, length);
  return a;
}

/** GenericAEADCipher fragment: nonce_explicit(8) ‖ CCM-8(plaintext) (ciphertext ‖ 8-byte tag). */
export function seal(c: CryptoBackend, k: DirectionKeys, type: number, epoch: number, seq: number, plaintext: Uint8Array): Uint8Array {
  var explicit = new Uint8Array(8);
  writeUint(explicit, 0, 2, epoch);
  writeUint(explicit, 2, 6, seq);
  // CCMNonce = implicit IV(4) ‖ explicit nonce(8); for DTLS the explicit nonce is epoch ‖ sequence_number.
  var sealed = ccmEncrypt(c, k.subarray(0, 16), concat([k.subarray(16), explicit]), aadOf(type, epoch, seq, plaintext.length), plaintext, 8);
  var out = new Uint8Array(8 + sealed.length);
  out.set(explicit);
  out.set(sealed, 8);
  return out;
}

/** The plaintext of a protected record, or null (too short, bad tag, too long): the caller drops it silently. */
export function open(c: CryptoBackend, k: DirectionKeys, r: DtlsRecord): Uint8Array | null {
  var f = r.fragment;
  var n = f.length - DTLS.CCM8_OVERHEAD;
  if (n < 0 || n > 16384) return null;
  return ccmDecrypt(c, k.subarray(0, 16), concat([k.subarray(16), f.subarray(0, 8)]), aadOf(r.type, r.epoch, r.seq, n), f.subarray(8), 8);
}

/**
 * The 64-record sliding anti-replay window of RFC 6347 §4.1.2.6 (the IPsec ESP
 * algorithm, RFC 4303 §3.4.3). `top` is the highest sequence number accepted; bit d of
 * (hi:lo) says top − d was accepted. Check before decrypting, mark only after the MAC
 * verified, so forged records cannot move the window. Plain functions over a plain
 * object: smaller in the bundle than a class.
 */
export interface ReplayWindow {
  top: number;
  lo: number;
  hi: number;
}

export function newWindow(): ReplayWindow {
  return { top: -1, lo: 0, hi: 0 };
}

/** True when `seq` is new and inside (or ahead of) the window. */
export function replayCheck(w: ReplayWindow, seq: number): boolean {
  var d = w.top - seq;
  return d < 0 || (d < 64 && !(((d < 32 ? w.lo >>> d : w.hi >>> (d - 32)) & 1)));
}

export function replayMark(w: ReplayWindow, seq: number): void {
  var s = seq - w.top;
  var lo = w.lo;
  var hi = w.hi;
  if (s > 0) {
    // shift the 64-bit (hi:lo) left by s, then set bit 0 for the new top
    if (s >= 64) hi = lo = 0;
    else if (s >= 32) {
      hi = lo << (s - 32);
      lo = 0;
    } else {
      hi = (hi << s) | (lo >>> (32 - s));
      lo = lo << s;
    }
    w.top = seq;
    lo |= 1;
  } else if (-s < 32) lo |= 1 << -s;
  else if (-s < 64) hi |= 1 << (-s - 32);
  w.lo = lo >>> 0;
  w.hi = hi >>> 0;
}
