// The DTLS 1.2 record layer (RFC 6347 §4.1): parsing the records of a datagram,
// writing one, AES-128-CCM-8 protection (RFC 6655) and the anti-replay window
// (RFC 6347 §4.1.2.6). Shared by both roles.
import type { CryptoBackend } from '../ports';
import { ccmDecrypt, ccmEncrypt } from '../crypto/ccm';
import { CT, DTLS } from './constants';

export interface DtlsRecord {
  type: number;
  epoch: number;
  /** 48-bit sequence_number: exact in a JS number (< 2^53). */
  seq: number;
  /** A view into the datagram (no copy). */
  fragment: Uint8Array;
  /** tls12_cid records (RFC 9146 §4): the Connection ID in the header (a view). */
  cid?: Uint8Array;
  /** epoch ‖ sequence_number as received (a view into the header): the additional data's seq_num (open). */
  sn?: Uint8Array;
}

/**
 * Splits a datagram into records (several may share one, RFC 6347 §4.1.1). A record
 * whose length runs past the datagram ends the parse (truncated: dropped with whatever
 * follows, since record boundaries after it are unknowable). An oversized record is
 * skipped (RFC 6347 §4.1.2.7: invalid records are discarded, not answered). A tls12_cid
 * record's header holds a Connection ID of the length the receiver gave (`cidLen`, RFC 9146
 * §4); a receiver that gave none cannot find its end: it ends the parse.
 */
export function parseRecords(d: Uint8Array, cidLen?: number): DtlsRecord[] {
  var out: DtlsRecord[] = [];
  var p = 0;
  while (p + DTLS.RECORD_HEADER <= d.length) {
    var c = d[p] === CT.TLS12_CID ? cidLen || -1 : 0;
    if (c < 0 || p + DTLS.RECORD_HEADER + c > d.length) break;
    var len = (d[p + 11 + c] << 8) | d[p + 12 + c];
    var end = p + DTLS.RECORD_HEADER + c + len;
    if (end > d.length) break;
    // Only DTLS versions (major 254) are records of ours; epoch-0 hellos may say DTLS 1.0 {254,255}.
    if (d[p + 1] === DTLS.MAJOR && len <= DTLS.MAX_CIPHERTEXT) {
      var r: DtlsRecord = {
        type: d[p],
        epoch: (d[p + 3] << 8) | d[p + 4],
        // 48 bits: 16 high ones × 2^32 + 32 low ones (one expression: the board pays per statement).
        // The high ones are almost always 0: no product then, so that a sequence number below 2^31 stays
        // an integer on the board, which a property holds in place (a float is one variable more: the
        // session's replay window keeps the latest one as `top`).
        seq: (d[p + 5] | d[p + 6] ? ((d[p + 5] << 8) | d[p + 6]) * 4294967296 : 0) + (((d[p + 7] << 24) | (d[p + 8] << 16) | (d[p + 9] << 8) | d[p + 10]) >>> 0),
        fragment: d.subarray(end - len, end),
        sn: d.subarray(p + 3, p + 11),
      };
      if (c) r.cid = d.subarray(p + 11, p + 11 + c);
      out.push(r);
    }
    p = end;
  }
  return out;
}

/**
 * Writes DTLSPlaintext/DTLSCiphertext header + fragment into `out` at `o`, `sn` being the
 * record's epoch ‖ sequence_number (seqNum()); returns the end offset. With `cid`, the tls12_cid header: the Connection ID between sequence_number and
 * length (RFC 9146 §4; `type` is then CT.TLS12_CID).
 */
export function writeRecord(out: Uint8Array, o: number, type: number, sn: Uint8Array, fragment: Uint8Array, cid?: Uint8Array): number {
  var c = cid ? cid.length : 0;
  out[o] = type;
  out[o + 1] = DTLS.MAJOR;
  out[o + 2] = DTLS.MINOR;
  out.set(sn, o + 3);
  if (c) out.set(cid!, o + 11);
  out[o + 11 + c] = fragment.length >> 8;
  out[o + 12 + c] = fragment.length & 255;
  out.set(fragment, o + DTLS.RECORD_HEADER + c);
  return o + DTLS.RECORD_HEADER + c + fragment.length;
}

export function encodeRecord(type: number, epoch: number, seq: number, fragment: Uint8Array): Uint8Array {
  var out = new Uint8Array(DTLS.RECORD_HEADER + fragment.length);
  writeRecord(out, 0, type, seqNum(epoch, seq), fragment);
  return out;
}

/**
 * epoch ‖ sequence_number, 8 bytes: the record header's, the explicit nonce and additional_data's
 * seq_num (RFC 6347 §4.1, §4.1.2.1). One array literal, not writeUint's loops: on the board each
 * loop turn costs tens of thousands of instructions.
 */
export function seqNum(epoch: number, seq: number): Uint8Array {
  var hi = Math.floor(seq / 4294967296);
  // (a Uint8Array keeps each value modulo 256: no `& 255`)
  return new Uint8Array([epoch >> 8, epoch, hi >> 8, hi, seq >>> 24, seq >> 16, seq >> 8, seq]);
}

/**
 * A session's keys, 40 bytes: ours to write at 0, the peer's (ours to read) at 20; each
 * client_write_key ‖ client_write_IV or server_write_key ‖ server_write_IV (RFC 5246 §6.3), the
 * IV the 4-byte implicit part of the nonce (the "salt", RFC 6655 §3). One typed array, not an
 * object of two nor two arrays: on the board a session holds it for its life (two arrays of 20
 * cost 13 variables, one of 40 8; an object of two 13 more). seal() and open() take the offset
 * of the direction. Native AES takes the key as a view (the Espruino crypto module reads a
 * view's own bytes; checked on Espruino 2v29).
 */
export type SessionKeys = Uint8Array;

/** Where in SessionKeys the keys we write with, and those we read with, start. */
export const enum KeyAt {
  WRITE = 0,
  READ = 20,
}

/**
 * additional_data = seq_num(8: epoch ‖ sequence_number) ‖ type ‖ version ‖ length (RFC 5246
 * §6.2.3.3, RFC 6347 §4.1.2.1), `sn` being seq_num (seqNum(), or a received header's); for a tls12_cid record (`cid`) RFC 9146 §5's:
 * seq_num_placeholder (8 × 0xff) ‖ tls12_cid ‖ cid_length ‖ tls12_cid ‖ version ‖ epoch ‖
 * sequence_number ‖ cid ‖ length_of_DTLSInnerPlaintext.
 */
function aadOf(type: number, sn: Uint8Array, length: number, cid?: Uint8Array): Uint8Array {
  var c = cid ? cid.length : 0;
  var a = new Uint8Array(c ? 23 + c : 13);
  if (c) {
    a.set([255, 255, 255, 255, 255, 255, 255, 255, CT.TLS12_CID, c, CT.TLS12_CID, DTLS.MAJOR, DTLS.MINOR]);
    a.set(sn, 13);
    a.set(cid!, 21);
  } else {
    a.set(sn);
    a[8] = type;
    a[9] = DTLS.MAJOR;
    a[10] = DTLS.MINOR;
  }
  a[a.length - 2] = length >> 8;
  a[a.length - 1] = length & 255;
  return a;
}

/**
 * GenericAEADCipher fragment: nonce_explicit(8) ‖ CCM-8(plaintext) (ciphertext ‖ 8-byte tag).
 * With `cid`: a tls12_cid record's, `plaintext` being its DTLSInnerPlaintext (RFC 9146 §4).
 */
export function seal(c: CryptoBackend, k: SessionKeys, at: number, type: number, sn: Uint8Array, plaintext: Uint8Array, cid?: Uint8Array): Uint8Array {
  // CCMNonce = implicit IV(4) ‖ explicit nonce(8); for DTLS the explicit nonce is epoch ‖ sequence_number,
  // `sn` (seqNum(): the caller's, made once for the header, the nonce and the additional data)
  var nonce = new Uint8Array(12);
  nonce.set(k.subarray(at + 16, at + 20));
  nonce.set(sn, 4);
  var sealed = ccmEncrypt(c, k.subarray(at, at + 16), nonce, aadOf(type, sn, plaintext.length, cid), plaintext, 8);
  var out = new Uint8Array(8 + sealed.length);
  out.set(sn);
  out.set(sealed, 8);
  return out;
}

/** The plaintext of a protected record, or null (too short, bad tag, too long): the caller drops it silently. */
export function open(c: CryptoBackend, k: SessionKeys, at: number, r: DtlsRecord): Uint8Array | null {
  var f = r.fragment;
  var n = f.length - DTLS.CCM8_OVERHEAD;
  if (n < 0 || n > 16384) return null;
  var nonce = new Uint8Array(12);
  nonce.set(k.subarray(at + 16, at + 20));
  nonce.set(f.subarray(0, 8), 4);
  return ccmDecrypt(c, k.subarray(at, at + 16), nonce, aadOf(r.type, r.sn || seqNum(r.epoch, r.seq), n, r.cid), f.subarray(8), 8);
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

/**
 * The plaintext of a protected record the window has not seen (replayCheck), read with the
 * session's read keys (open), or null; an authentic record is marked seen (replayMark: RFC 6347
 * §4.1.2.6 moves the window for it only). One function for the three: DtlsEndpoint.input calls
 * it in its loop over records, and terser writes no function into a loop, so each would be one
 * held at load; this way replayCheck, open and replayMark (in the device bundle: no other
 * caller) are written in here.
 */
export function openFresh(c: CryptoBackend, s: ReplayWindow & { keys?: SessionKeys }, r: DtlsRecord): Uint8Array | null {
  var data = replayCheck(s, r.seq) ? open(c, s.keys!, KeyAt.READ, r) : null;
  if (data) replayMark(s, r.seq);
  return data;
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
