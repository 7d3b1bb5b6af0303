// Bounds-checked byte helpers over Uint8Array, safe for Espruino:
// no TextEncoder, no Buffer, no typed-array slice (on Espruino `slice` returns a
// plain Array), no String.fromCharCode.apply over more than 256 bytes.

/** Copy a part of a byte array into a new, independent Uint8Array. */
export function copyOf(src: Uint8Array, start?: number, end?: number): Uint8Array {
  return new Uint8Array(src.subarray(start || 0, end === undefined ? src.length : end));
}

export function concat(parts: Uint8Array[]): Uint8Array {
  var n = 0;
  var i;
  for (i = 0; i < parts.length; i++) n += parts[i].length;
  var out = new Uint8Array(n);
  var off = 0;
  for (i = 0; i < parts.length; i++) {
    out.set(parts[i], off);
    off += parts[i].length;
  }
  return out;
}

/** Equality in time independent of where the first difference is (MACs, Finished). */
export function equalConstTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  var d = 0;
  for (var i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/**
 * Byte equality, of values that are not secret (session IDs, pinned keys, checksums): the same
 * function, so the board holds one, not two (its callers compare a few dozen bytes, at boot or in
 * a handshake, where stopping at the first difference saves nothing that counts).
 */
export var equal = equalConstTime;

// The hex digits a local of each function, not a top-level string held for good (3 variables).

export function toHex(b: Uint8Array): string {
  var digits = '0123456789abcdef';
  var s = '';
  for (var i = 0; i < b.length; i++) s += digits.charAt(b[i] >> 4) + digits.charAt(b[i] & 15);
  return s;
}

/** Hex to bytes; returns null on odd length or a non-hex digit. */
export function fromHex(s: string): Uint8Array | null {
  if (s.length & 1) return null;
  var digits = '0123456789abcdef';
  var out = new Uint8Array(s.length >> 1);
  for (var i = 0; i < out.length; i++) {
    var hi = digits.indexOf(s.charAt(2 * i).toLowerCase());
    var lo = digits.indexOf(s.charAt(2 * i + 1).toLowerCase());
    if (hi < 0 || lo < 0) return null;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** The base64 alphabet (RFC 4648 §4). */
export var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decode either alphabet, padding optional; null on any other character or an impossible length. */
export function b64dec(s: string): Uint8Array | null {
  var n = s.length;
  while (n > 0 && s.charAt(n - 1) === '=') n--;
  if (n % 4 === 1 || s.length - n > 2) return null;
  var out = new Uint8Array((n * 3) >> 2);
  var acc = 0;
  var bits = 0;
  var o = 0;
  for (var i = 0; i < n; i++) {
    var c = s.charAt(i);
    var v = c === '-' ? 62 : c === '_' ? 63 : B64.indexOf(c);
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  return out;
}

/**
 * Espruino's ESP32 build has no unicode: a string char is one byte, and '\u20ac'
 * keeps only its low byte. There, text travels as binary strings holding the UTF-8
 * bytes unchanged (encode/decode are byte copies), so a server's UTF-8 round-trips
 * exactly; on unicode engines (Node, the simulator's servers) it is real UTF-8.
 */
export var UNICODE = '\u20ac'.charCodeAt(0) === 0x20ac;

/**
 * The board's native Latin-1 string → bytes (E.toUint8Array), given at start-up by
 * firmware/espruino: there a loop costs ~45 k x86 instructions a character (docs/board-clock.md,
 * "Profiling"), the native a few hundred. Absent elsewhere (the loop below): a top-level `null` costs
 * a variable more than nothing (docs/memory.md, rule 3).
 */
var nativeBytes: ((s: string) => Uint8Array) | undefined;

export function useNativeBytes(f: (s: string) => Uint8Array): void {
  nativeBytes = f;
}

/** UTF-8 encode a JS string (surrogate pairs joined; a lone surrogate becomes U+FFFD). */
export function utf8Encode(s: string): Uint8Array {
  if (!UNICODE) return binToBytes(s);
  var n = 0;
  var i, c;
  for (i = 0; i < s.length; i++) {
    c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  var out = new Uint8Array(n);
  var o = 0;
  for (i = 0; i < s.length; i++) {
    c = s.charCodeAt(i);
    if (c < 0x80) out[o++] = c;
    else if (c < 0x800) {
      out[o++] = 0xc0 | (c >> 6);
      out[o++] = 0x80 | (c & 63);
    } else {
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c & 0x3ff) << 10) + (s.charCodeAt(++i) & 0x3ff);
        out[o++] = 0xf0 | (c >> 18);
        out[o++] = 0x80 | ((c >> 12) & 63);
      } else {
        if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
        out[o++] = 0xe0 | (c >> 12);
      }
      out[o++] = 0x80 | ((c >> 6) & 63);
      out[o++] = 0x80 | (c & 63);
    }
  }
  return out;
}

/** UTF-8 decode; returns null if the bytes are not well-formed UTF-8 (CoAP text must be). */
export function utf8Decode(b: Uint8Array, start?: number, end?: number): string | null {
  var i = start || 0;
  var e = end === undefined ? b.length : end;
  if (!UNICODE) {
    // ASCII (no byte ≥ 0x80) is valid UTF-8: the regex scans natively, utf8Valid a byte a turn of JS.
    // The regex a literal here, made per call: held at top level it cost 18 variables for good.
    var bin = bytesToBin(b, i, e);
    return !/[\x80-\xff]/.test(bin) || utf8Valid(b, i, e) ? bin : null;
  }
  if (!utf8Valid(b, i, e)) return null;
  var s = '';
  while (i < e) {
    var c = b[i++];
    if (c >= 0x80) {
      var need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
      c &= 0x3f >> need;
      while (need-- > 0) c = (c << 6) | (b[i++] & 63);
    }
    if (c >= 0x10000) {
      c -= 0x10000;
      s += String.fromCharCode(0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff));
    } else s += String.fromCharCode(c);
  }
  return s;
}

/** Whether bytes are well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
export function utf8Valid(b: Uint8Array, start: number, end: number): boolean {
  var i = start;
  while (i < end) {
    var c = b[i++];
    if (c < 0x80) continue;
    var need = (c & 0xe0) === 0xc0 ? 1 : (c & 0xf0) === 0xe0 ? 2 : (c & 0xf8) === 0xf0 ? 3 : -1;
    if (need < 0 || i + need > end) return false;
    var v = c & (0x3f >> need);
    for (var k = 0; k < need; k++) {
      var d = b[i++];
      if ((d & 0xc0) !== 0x80) return false;
      v = (v << 6) | (d & 63);
    }
    if (v < (need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000) || v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return false;
  }
  return true;
}

/** Bytes to a binary string (one char per byte), in chunks: fromCharCode.apply takes at most 256 arguments on Espruino. */
export function bytesToBin(b: Uint8Array, start?: number, end?: number): string {
  var i = start || 0;
  var e = end === undefined ? b.length : end;
  var s = '';
  while (i < e) {
    var n = Math.min(256, e - i);
    s += String.fromCharCode.apply(null, b.subarray(i, i + n) as unknown as number[]);
    i += n;
  }
  return s;
}

/** Latin-1 (one char per byte) string to bytes: for Espruino's binary strings (dgram, Storage). */
export function binToBytes(s: string): Uint8Array {
  if (nativeBytes) return nativeBytes(s);
  var out = new Uint8Array(s.length);
  for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 255;
  return out;
}

/** Big-endian unsigned read of n (1..6) bytes. */
export function readUint(b: Uint8Array, off: number, n: number): number {
  var v = 0;
  for (var i = 0; i < n; i++) v = v * 256 + b[off + i];
  return v;
}

/** Big-endian unsigned write of n (1..6) bytes. */
export function writeUint(b: Uint8Array, off: number, n: number, v: number): void {
  for (var i = n - 1; i >= 0; i--) {
    b[off + i] = v & 255;
    v = Math.floor(v / 256);
  }
}

/**
 * A bounds-checked cursor for decoders. `ok` turns false at the first read past
 * the end and stays false; reads past the end return 0 / empty, so a decoder
 * checks `ok` once at the end instead of after every field.
 */
export class Reader {
  buf: Uint8Array;
  pos: number;
  end: number;
  ok: boolean;
  constructor(buf: Uint8Array, start?: number, end?: number) {
    this.buf = buf;
    this.pos = start || 0;
    this.end = end === undefined ? buf.length : end;
    this.ok = this.pos <= this.end && this.end <= buf.length;
  }
  left(): number {
    return this.end - this.pos;
  }
  has(n: number): boolean {
    if (n < 0 || this.pos + n > this.end) this.ok = false;
    return this.ok;
  }
  u8(): number {
    return this.has(1) ? this.buf[this.pos++] : 0;
  }
  uint(n: number): number {
    if (!this.has(n)) return 0;
    var v = readUint(this.buf, this.pos, n);
    this.pos += n;
    return v;
  }
  /** A view (no copy) of the next n bytes. */
  bytes(n: number): Uint8Array {
    if (!this.has(n)) return new Uint8Array(0);
    var v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** A view of the next vector with an n-byte length prefix (TLS `opaque x<..>`). */
  vec(lenBytes: number): Uint8Array {
    return this.bytes(this.uint(lenBytes));
  }
}

/** A writer into a buffer sized in advance (compute the size, allocate once, write). */
export class Writer {
  buf: Uint8Array;
  pos: number;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.pos = 0;
  }
  u8(v: number): void {
    this.buf[this.pos++] = v;
  }
  uint(n: number, v: number): void {
    writeUint(this.buf, this.pos, n, v);
    this.pos += n;
  }
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  vec(lenBytes: number, b: Uint8Array): void {
    this.uint(lenBytes, b.length);
    this.bytes(b);
  }
}
