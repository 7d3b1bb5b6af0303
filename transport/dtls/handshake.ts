// The handshake codec shared by both roles (RFC 6347 §4.2-4.3, RFC 5246 §7.4, RFC 4279):
// fragments of a record, the unfragmented message, and each PSK-suite message body.
// Decoders return null on anything malformed; they never throw.
import { Reader, Writer } from '../bytes';
import { DTLS12_MAJOR, DTLS12_MINOR, HANDSHAKE_HEADER, TLS_PSK_WITH_AES_128_CCM_8 } from './constants';

export interface HsFragment {
  msg_type: number;
  length: number;
  message_seq: number;
  fragment_offset: number;
  body: Uint8Array;
}

/** All handshake fragments in one record's plaintext (a record may carry several), or null if malformed. */
export function parseFragments(f: Uint8Array): HsFragment[] | null {
  var out: HsFragment[] = [];
  var r = new Reader(f);
  while (r.left() > 0) {
    var t = r.u8();
    var length = r.uint(3);
    var seq = r.uint(2);
    var off = r.uint(3);
    var body = r.vec(3);
    if (!r.ok || off + body.length > length) return null;
    out.push({ msg_type: t, length: length, message_seq: seq, fragment_offset: off, body: body });
  }
  return out;
}

/** The whole message as sent (and as hashed into the transcript, RFC 6347 §4.2.6): offset 0, fragment_length = length. */
export function encodeHandshake(type: number, seq: number, body: Uint8Array): Uint8Array {
  var w = new Writer(HANDSHAKE_HEADER + body.length);
  w.u8(type);
  w.uint(3, body.length);
  w.uint(2, seq);
  w.uint(3, 0);
  w.vec(3, body);
  return w.buf;
}

/** Extensions<0..2^16-1> (RFC 5246 §7.4.1.4): the types present, or null if the list is malformed. Absent list = []. */
function readExtensions(r: Reader): number[] | null {
  var types: number[] = [];
  if (r.left() === 0) return types;
  var list = new Reader(r.vec(2));
  while (list.ok && list.left() > 0) {
    var t = list.uint(2);
    var data = list.vec(2);
    // renegotiation_info in an initial handshake must carry an empty renegotiated_connection (RFC 5746 §3.6-3.7).
    if (t === 0xff01 && (data.length !== 1 || data[0])) return null;
    types.push(t);
  }
  return list.ok && r.ok && r.left() === 0 ? types : null;
}

export interface ClientHello {
  client_version: number;
  random: Uint8Array;
  cookie: Uint8Array;
  cipher_suites: number[];
  compression_methods: Uint8Array;
  extensions: number[];
  /** The body without its cookie field: what a stateless cookie is computed over (RFC 6347 §4.2.1). */
  sansCookie: Uint8Array;
}

export function encodeClientHello(random: Uint8Array, cookie: Uint8Array): Uint8Array {
  // client_version, random, session_id<0> (no resumption), cookie, one suite, null compression, no extensions
  var w = new Writer(2 + 32 + 1 + 1 + cookie.length + 4 + 2);
  w.u8(DTLS12_MAJOR);
  w.u8(DTLS12_MINOR);
  w.bytes(random);
  w.u8(0);
  w.vec(1, cookie);
  w.uint(2, 2);
  w.uint(2, TLS_PSK_WITH_AES_128_CCM_8);
  w.u8(1);
  w.u8(0);
  return w.buf;
}

export function decodeClientHello(b: Uint8Array): ClientHello | null {
  var r = new Reader(b);
  var version = r.uint(2);
  var random = r.bytes(32);
  var sid = r.vec(1);
  var cStart = r.pos;
  var cookie = r.vec(1);
  var cEnd = r.pos;
  var suites = r.vec(2);
  var comp = r.vec(1);
  var ext = readExtensions(r);
  if (!r.ok || !ext || sid.length > 32 || suites.length < 2 || suites.length & 1 || comp.length < 1) return null;
  var list: number[] = [];
  for (var i = 0; i < suites.length; i += 2) list.push((suites[i] << 8) | suites[i + 1]);
  var sans = new Uint8Array(b.length - (cEnd - cStart));
  sans.set(b.subarray(0, cStart));
  sans.set(b.subarray(cEnd), cStart);
  return { client_version: version, random: random, cookie: cookie, cipher_suites: list, compression_methods: comp, extensions: ext, sansCookie: sans };
}

/** HelloVerifyRequest: server_version, cookie<0..2^8-1> (RFC 6347 §4.2.1). */
export function encodeHelloVerifyRequest(cookie: Uint8Array): Uint8Array {
  var w = new Writer(3 + cookie.length);
  // RFC 6347 §4.2.1: servers SHOULD say DTLS 1.0 here whatever will be negotiated.
  w.uint(2, 0xfeff);
  w.vec(1, cookie);
  return w.buf;
}

export function decodeHelloVerifyRequest(b: Uint8Array): Uint8Array | null {
  var r = new Reader(b);
  var v = r.u8();
  r.u8();
  var cookie = r.vec(1);
  return r.ok && r.left() === 0 && v === DTLS12_MAJOR ? cookie : null;
}

export interface ServerHello {
  server_version: number;
  random: Uint8Array;
  cipher_suite: number;
  compression_method: number;
  extensions: number[];
}

/**
 * session_id<0>: this server does not resume sessions. The only extension is an empty
 * renegotiation_info when the client signalled RFC 5746 (OpenSSL 3 clients refuse a
 * server without it); renegotiation itself is always refused.
 */
export function encodeServerHello(random: Uint8Array, secureRenegotiation: boolean): Uint8Array {
  var w = new Writer(2 + 32 + 1 + 2 + 1 + (secureRenegotiation ? 7 : 0));
  w.u8(DTLS12_MAJOR);
  w.u8(DTLS12_MINOR);
  w.bytes(random);
  w.u8(0);
  w.uint(2, TLS_PSK_WITH_AES_128_CCM_8);
  w.u8(0);
  if (secureRenegotiation) {
    w.uint(2, 5);
    w.uint(2, 0xff01);
    w.uint(2, 1);
    w.u8(0);
  }
  return w.buf;
}

export function decodeServerHello(b: Uint8Array): ServerHello | null {
  var r = new Reader(b);
  var version = r.uint(2);
  var random = r.bytes(32);
  var sid = r.vec(1);
  var suite = r.uint(2);
  var comp = r.u8();
  var ext = readExtensions(r);
  if (!r.ok || !ext || sid.length > 32) return null;
  return { server_version: version, random: random, cipher_suite: suite, compression_method: comp, extensions: ext };
}

/**
 * ServerKeyExchange { psk_identity_hint<0..2^16-1> } and ClientKeyExchange
 * { psk_identity<0..2^16-1> } have the same shape (RFC 4279 §2).
 */
export function encodePskVector(v: Uint8Array): Uint8Array {
  var w = new Writer(2 + v.length);
  w.vec(2, v);
  return w.buf;
}

export function decodePskVector(b: Uint8Array): Uint8Array | null {
  var r = new Reader(b);
  var v = r.vec(2);
  return r.ok && r.left() === 0 ? v : null;
}
