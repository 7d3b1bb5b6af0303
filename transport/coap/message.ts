// CoAP message codec (RFC 7252 §3) and option helpers. Parse and serialize only: no
// behaviour lives here (that is endpoint.ts).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  |Ver| T |  TKL  |      Code     |          Message ID           |
//  |   Token (if any, TKL bytes) ...
//  |   Options (if any) ...
//  |1 1 1 1 1 1 1 1|    Payload (if any) ...
//
// encode() computes the exact size first and allocates once. decode() returns VIEWS into
// the datagram for token, option values and payload (no copies): the datagram must not
// be reused by the caller afterwards (Espruino's E.toUint8Array and Node's dgram both
// hand over a fresh buffer per datagram).
import { utf8Decode, utf8Encode } from '../bytes';
import { MAX_TOKEN_LENGTH, PAYLOAD_MARKER, VERSION } from './constants';

export interface CoapOption {
  num: number;
  value: Uint8Array;
}

export interface CoapMessage {
  /** TYPE.CON / NON / ACK / RST */
  type: number;
  /** class * 32 + detail */
  code: number;
  /** Message ID, 0..65535 */
  mid: number;
  /** 0..8 bytes */
  token: Uint8Array;
  /** Sorted by `num` (stable: repeated options keep their order). */
  options: CoapOption[];
  payload: Uint8Array;
}

/** decode(): the datagram is to be silently ignored (RFC 7252 §3: unknown version; unusable header, token or option framing). */
export var DECODE_DROP = 0;
/** decode(): a message format error with a usable header: a CON is rejected with RST (RFC 7252 §4.2), others ignored. */
export var DECODE_REJECT = 1;

/**
 * The one empty byte array messages share (nothing can be written into it). The engine reads
 * it directly; emptyBytes() is for hosts (the bundle keeps it only in the `coap` namespace it
 * builds on access, not as a function held at load).
 */
export var EMPTY: Uint8Array = new Uint8Array(0);

export function emptyBytes(): Uint8Array {
  return EMPTY;
}

/** A message with no token, options or payload unless given. */
export function message(type: number, code: number, mid: number, token?: Uint8Array, options?: CoapOption[], payload?: Uint8Array): CoapMessage {
  return { type: type, code: code, mid: mid, token: token || EMPTY, options: options || [], payload: payload || EMPTY };
}


/** Options in number order (stable), without copying when they already are. */
function sorted(opts: CoapOption[]): CoapOption[] {
  var i;
  for (i = 1; i < opts.length; i++) if (opts[i].num < opts[i - 1].num) break;
  if (i >= opts.length) return opts;
  var out = opts.slice(0);
  // insertion sort: option lists are short, and it is stable
  for (i = 1; i < out.length; i++) {
    var o = out[i];
    var j = i - 1;
    while (j >= 0 && out[j].num > o.num) {
      out[j + 1] = out[j];
      j--;
    }
    out[j + 1] = o;
  }
  return out;
}


/** Exact encoded size of `m` (options assumed in order, as encode() puts them). */
function sizeOf(m: CoapMessage, opts: CoapOption[]): number {
  var n = 4 + m.token.length;
  var prev = 0;
  for (var i = 0; i < opts.length; i++) {
    var d = opts[i].num - prev;
    var l = opts[i].value.length;
    if (opts[i].num > 65535 || l > 65804 || d < 0) throw new Error('coap: option number or length out of range');
    // the option header byte, then 0, 1 or 2 extension bytes for each of delta and length (RFC 7252 §3.1)
    n += 1 + (d < 13 ? 0 : d < 269 ? 1 : 2) + (l < 13 ? 0 : l < 269 ? 1 : 2) + l;
    prev = opts[i].num;
  }
  if (m.payload.length) n += 1 + m.payload.length;
  return n;
}

function putExt(out: Uint8Array, pos: number, v: number): number {
  if (v >= 269) {
    v -= 269;
    out[pos++] = v >> 8;
    out[pos++] = v & 255;
  } else if (v >= 13) out[pos++] = v - 13;
  return pos;
}

/** Serialize a message. Throws only on a programming error (token > 8 bytes, option out of range). */
export function encode(m: CoapMessage): Uint8Array {
  var tkl = m.token.length;
  if (tkl > MAX_TOKEN_LENGTH) throw new Error('coap: token longer than 8 bytes');
  var opts = sorted(m.options);
  var out = new Uint8Array(sizeOf(m, opts));
  out[0] = (VERSION << 6) | ((m.type & 3) << 4) | tkl;
  out[1] = m.code & 255;
  out[2] = (m.mid >> 8) & 255;
  out[3] = m.mid & 255;
  out.set(m.token, 4);
  var pos = 4 + tkl;
  var prev = 0;
  for (var i = 0; i < opts.length; i++) {
    var v = opts[i].value;
    var d = opts[i].num - prev;
    var l = v.length;
    prev = opts[i].num;
    // Option header nibbles for delta and length (RFC 7252 §3.1): 0..12 as is, 13 → one
    // extension byte (value − 13), 14 → two (value − 269). Written out, not a nibble() held at load.
    out[pos++] = ((d < 13 ? d : d < 269 ? 13 : 14) << 4) | (l < 13 ? l : l < 269 ? 13 : 14);
    pos = putExt(out, pos, d);
    pos = putExt(out, pos, l);
    out.set(v, pos);
    pos += l;
  }
  if (m.payload.length) {
    out[pos++] = PAYLOAD_MARKER;
    out.set(m.payload, pos);
  }
  return out;
}

/**
 * Parse a datagram. Returns the message, or DECODE_DROP / DECODE_REJECT (numbers).
 * Never throws, whatever the bytes.
 *
 * DROP: shorter than the header, Ver ≠ 1, TKL 9–15, token or an option running past the
 * end (nothing trustworthy to answer to). REJECT (RFC 7252 §3, §4.1, §4.2): nibble 15 in
 * an option delta or length outside the payload marker, a payload marker with no payload,
 * an option number beyond 65535, an Empty message (0.00) with anything after the header,
 * a code of a reserved class (RFC 7252 §3: only 0, 2, 4 and 5 are assigned; §4.2 names 1, 6
 * and 7 — 3 is reserved as well).
 */
export function decode(b: Uint8Array): CoapMessage | number {
  var len = b.length;
  if (len < 4) return DECODE_DROP;
  var b0 = b[0];
  if (b0 >> 6 !== VERSION) return DECODE_DROP;
  var tkl = b0 & 15;
  if (tkl > MAX_TOKEN_LENGTH || 4 + tkl > len) return DECODE_DROP;
  var code = b[1];
  var cls = code >> 5;
  if (cls === 1 || cls === 3 || cls >= 6) return DECODE_REJECT;
  if (code === 0 && len !== 4) return DECODE_REJECT;
  var pos = 4 + tkl;
  var opts: CoapOption[] = [];
  var payload: Uint8Array = EMPTY;
  var num = 0;
  while (pos < len) {
    var h = b[pos++];
    if (h === PAYLOAD_MARKER) {
      if (pos >= len) return DECODE_REJECT;
      payload = b.subarray(pos, len);
      break;
    }
    var d = h >> 4;
    var l = h & 15;
    if (d === 15 || l === 15) return DECODE_REJECT;
    if (d === 13) {
      if (pos >= len) return DECODE_DROP;
      d = 13 + b[pos++];
    } else if (d === 14) {
      if (pos + 1 >= len) return DECODE_DROP;
      d = 269 + ((b[pos] << 8) | b[pos + 1]);
      pos += 2;
    }
    if (l === 13) {
      if (pos >= len) return DECODE_DROP;
      l = 13 + b[pos++];
    } else if (l === 14) {
      if (pos + 1 >= len) return DECODE_DROP;
      l = 269 + ((b[pos] << 8) | b[pos + 1]);
      pos += 2;
    }
    num += d;
    if (num > 65535) return DECODE_REJECT;
    if (pos + l > len) return DECODE_DROP;
    opts.push({ num: num, value: b.subarray(pos, pos + l) });
    pos += l;
  }
  return {
    type: (b0 >> 4) & 3,
    code: code,
    mid: (b[2] << 8) | b[3],
    token: b.subarray(4, 4 + tkl),
    options: opts,
    payload: payload,
  };
}

// ---- option values (RFC 7252 §3.2: uint is big-endian, minimal length, 0 is empty) ----

/** A uint option value in the fewest bytes (0 → empty), up to 32 bits. */
export function uintBytes(v: number): Uint8Array {
  var n = v === 0 ? 0 : v < 0x100 ? 1 : v < 0x10000 ? 2 : v < 0x1000000 ? 3 : 4;
  var out = new Uint8Array(n);
  for (var i = n - 1; i >= 0; i--) {
    out[i] = v & 255;
    v = Math.floor(v / 256);
  }
  return out;
}

/** A uint option value (leading zeros allowed, as the RFC requires of receivers); at most 4 bytes are read. */
export function readUintValue(v: Uint8Array): number {
  var x = 0;
  var s = v.length > 4 ? v.length - 4 : 0;
  for (var i = s; i < v.length; i++) x = x * 256 + v[i];
  return x;
}

export function getOption(m: CoapMessage, num: number): Uint8Array | null {
  var o = m.options;
  for (var i = 0; i < o.length; i++) if (o[i].num === num) return o[i].value;
  return null;
}

export function getOptions(m: CoapMessage, num: number): Uint8Array[] {
  var out: Uint8Array[] = [];
  var o = m.options;
  for (var i = 0; i < o.length; i++) if (o[i].num === num) out.push(o[i].value);
  return out;
}

/** The first `num` option as a uint, or `dflt` when absent. */
export function getUint(m: CoapMessage, num: number, dflt: number): number {
  var v = getOption(m, num);
  return v === null ? dflt : readUintValue(v);
}

/** Insert an option after any with the same or a lower number (keeps the list sorted and repeats in order). */
export function addOption(m: CoapMessage, num: number, value: Uint8Array): void {
  var o = m.options;
  var i = o.length;
  while (i > 0 && o[i - 1].num > num) i--;
  o.splice(i, 0, { num: num, value: value });
}

export function removeOption(m: CoapMessage, num: number): void {
  var o = m.options;
  for (var i = o.length - 1; i >= 0; i--) if (o[i].num === num) o.splice(i, 1);
}

/** Replace every `num` option with one holding `value` (or none, when value is null). */
export function setOption(m: CoapMessage, num: number, value: Uint8Array | null): void {
  removeOption(m, num);
  if (value !== null) addOption(m, num, value);
}

export function setUint(m: CoapMessage, num: number, v: number): void {
  setOption(m, num, uintBytes(v));
}

// ---- string options (RFC 7252 §6.4/§6.5: one Uri-Path option per segment, UTF-8) ----

/** Every `num` option decoded as UTF-8, or null if any is not valid UTF-8. */
export function getStrings(m: CoapMessage, num: number): string[] | null {
  var out: string[] = [];
  var o = m.options;
  for (var i = 0; i < o.length; i++) {
    if (o[i].num !== num) continue;
    var s = utf8Decode(o[i].value);
    if (s === null) return null;
    out.push(s);
  }
  return out;
}

/** Uri-Path segments (["3", "0", "1"]), or null if not UTF-8. */
export function getUriPath(m: CoapMessage): string[] | null {
  return getStrings(m, 11);
}

/** Uri-Path as "/3/0/1" ("/" for none), or null if not UTF-8. */
export function getPathString(m: CoapMessage): string | null {
  var p = getStrings(m, 11);
  return p === null ? null : '/' + p.join('/');
}

/** Uri-Query items (["ep=dev1", "lt=300"]), or null if not UTF-8. */
export function getUriQuery(m: CoapMessage): string[] | null {
  return getStrings(m, 15);
}

/** Location-Path segments (a Register response: ["rd", "5a3f"]), or null if not UTF-8. */
export function getLocationPath(m: CoapMessage): string[] | null {
  return getStrings(m, 8);
}

/** Split on '/' into one option per segment; a leading '/' is ignored and "" or "/" gives none (RFC 7252 §6.4 step 8). */
export function addPathOptions(m: CoapMessage, num: number, path: string): void {
  var s = path.charAt(0) === '/' ? path.substring(1) : path;
  if (s === '') return;
  var parts = s.split('/');
  for (var i = 0; i < parts.length; i++) addOption(m, num, utf8Encode(parts[i]));
}

/** Replace the Uri-Path options with the segments of `path` ("/3/0/1", "rd/5a3f"). */
export function setUriPath(m: CoapMessage, path: string): void {
  removeOption(m, 11);
  addPathOptions(m, 11, path);
}

/** Append one Uri-Query option per item, e.g. ["ep=dev1", "lt=300"] or a single "b=U". */
export function addUriQuery(m: CoapMessage, items: string[] | string): void {
  var list = typeof items === 'string' ? [items] : items;
  for (var i = 0; i < list.length; i++) addOption(m, 15, utf8Encode(list[i]));
}

/** RFC 7252 §5.4.1: odd option numbers are critical. */
export function isCritical(num: number): boolean {
  return (num & 1) === 1;
}

// The first critical option the endpoint (endpoint.ts) does not recognise, or -1 (RFC 7252
// §5.4.1: it gets a CON request 4.02, a response rejected). The known ones are a string, not a
// table held at top level (some 20 Espruino variables). Odd is critical (§5.4.6), tested here,
// not with isCritical above: the bundle then keeps that one only inside the `coap` namespace
// it builds on access, not as a function held at load.
export function firstUnknownCritical(m: CoapMessage): number {
  var o = m.options;
  for (var i = 0; i < o.length; i++) if ((o[i].num & 1) === 1 && ',1,3,5,7,11,15,17,23,27,35,39,'.indexOf(',' + o[i].num + ',') < 0) return o[i].num;
  return -1;
}
