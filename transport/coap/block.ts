// Block1/Block2 option values (RFC 7959 §2.2):
//   0 1 2 3 4 5 6 7 (one-byte form; two- and three-byte forms widen NUM to 12 / 20 bits)
//  |  NUM  |M| SZX |
// The block size is 2 ** (SZX + 4): 16 (SZX 0) … 1024 (SZX 6); SZX 7 is reserved.
import { readUintValue, uintBytes } from './message';

export interface BlockValue {
  /** block number (0 .. 2^20 − 1) */
  num: number;
  /** more blocks follow */
  more: boolean;
  /** size exponent, 0..6 */
  szx: number;
}

/** Encode NUM/M/SZX as the uint option value (0 → empty, as any uint option). */
export function blockBytes(num: number, more: boolean, szx: number): Uint8Array {
  return uintBytes(num * 16 + (more ? 8 : 0) + (szx & 7));
}

/**
 * Decode a Block option value; null when it is not one: longer than 3 bytes
 * (RFC 7959 §2.2) or SZX 7 (reserved; §2.2 says such a message is treated as 4.00).
 */
export function readBlock(v: Uint8Array): BlockValue | null {
  if (v.length > 3) return null;
  var x = readUintValue(v);
  var szx = x & 7;
  if (szx === 7) return null;
  return { num: Math.floor(x / 16), more: (x & 8) !== 0, szx: szx };
}

/** Bytes in a block of exponent `szx`. */
export function blockSize(szx: number): number {
  return 16 << szx;
}
