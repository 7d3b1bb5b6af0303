// The handshake codec shared by both roles (RFC 6347 §4.2-4.3, RFC 5246 §7.4, RFC 4279):
// fragments of a record, the unfragmented message, and each PSK-suite message body.
// Decoders return null on anything malformed; they never throw. What the client needs
// is written on plain indexes (smallest in the bundle), big-endian numbers read in place
// (`(b[p] << 8) | b[p + 1]`): a shared u16() would be a function held at load, as both
// halves of the endpoint call these; the server-only codecs use bytes.ts's Reader/Writer.
import { Reader, Writer } from '../bytes';
import { A, DTLS, EXT } from './constants';

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
  var p = 0;
  while (p < f.length) {
    if (p + 12 > f.length) return null;
    var length = (f[p + 1] << 16) | (f[p + 2] << 8) | f[p + 3];
    var off = (f[p + 6] << 16) | (f[p + 7] << 8) | f[p + 8];
    var end = p + 12 + ((f[p + 9] << 16) | (f[p + 10] << 8) | f[p + 11]);
    if (end > f.length || off + end - p - 12 > length) return null;
    out.push({ msg_type: f[p], length: length, message_seq: (f[p + 4] << 8) | f[p + 5], fragment_offset: off, body: f.subarray(p + 12, end) });
    p = end;
  }
  return out;
}

/** The whole message as sent (and as hashed into the transcript, RFC 6347 §4.2.6): offset 0, fragment_length = length. */
export function encodeHandshake(type: number, seq: number, body: Uint8Array): Uint8Array {
  var n = body.length;
  var m = new Uint8Array(12 + n);
  m[0] = type;
  m[1] = m[9] = n >> 16;
  m[2] = m[10] = (n >> 8) & 255;
  m[3] = m[11] = n & 255;
  m[4] = seq >> 8;
  m[5] = seq & 255;
  m.set(body, 12);
  return m;
}

/**
 * Extensions<0..2^16-1> from `p` to the end of the message (RFC 5246 §7.4.1.4): the types
 * present, or null if the list is malformed or does not end the message. Absent list = [].
 */
export function readExtensions(b: Uint8Array, p: number): number[] | null {
  var types: number[] = [];
  if (p === b.length) return types;
  if (p + 2 > b.length || p + 2 + ((b[p] << 8) | b[p + 1]) !== b.length) return null;
  p += 2;
  while (p < b.length) {
    if (p + 4 > b.length) return null;
    var t = (b[p] << 8) | b[p + 1];
    var n = (b[p + 2] << 8) | b[p + 3];
    p += 4 + n;
    // renegotiation_info in an initial handshake must carry an empty renegotiated_connection (RFC 5746 §3.6-3.7).
    if (p > b.length || (t === EXT.RENEGOTIATION_INFO && (n !== 1 || b[p - 1]))) return null;
    types.push(t);
  }
  return types;
}

export interface ClientHello {
  client_version: number;
  random: Uint8Array;
  /** The session the client offers to resume (RFC 5246 §7.4.1.2), empty for none. */
  session_id: Uint8Array;
  cookie: Uint8Array;
  cipher_suites: number[];
  compression_methods: Uint8Array;
  extensions: number[];
  /** The body without its cookie field: what a stateless cookie is computed over (RFC 6347 §4.2.1). */
  sansCookie: Uint8Array;
}

/**
 * client_version, random, session_id (`sid`: the session offered for resumption, RFC 5246
 * §7.3, or empty), cookie, one suite, null compression, one extension: connection_id with an
 * empty cid (RFC 9146, cid.ts).
 */
export function encodeClientHello(random: Uint8Array, sid: Uint8Array, cookie: Uint8Array): Uint8Array {
  var k = sid.length;
  var n = cookie.length;
  var b = new Uint8Array(49 + k + n);
  b[0] = DTLS.MAJOR;
  b[1] = DTLS.MINOR;
  b.set(random, 2);
  b[34] = k;
  b.set(sid, 35);
  b[35 + k] = n;
  b.set(cookie, 36 + k);
  // the cipher suite, the null compression, then 5 bytes of extensions: connection_id with an empty cid (cid.ts)
  b.set([0, 2, DTLS.TLS_PSK_WITH_AES_128_CCM_8 >> 8, DTLS.TLS_PSK_WITH_AES_128_CCM_8 & 255, 1, 0, 0, 5, 0, EXT.CONNECTION_ID, 0, 1, 0], 36 + k + n);
  return b;
}

/** Server side only. */
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
  var ext = r.ok ? readExtensions(b, r.pos) : null;
  if (!r.ok || !ext || sid.length > 32 || suites.length < 2 || suites.length & 1 || comp.length < 1) return null;
  var list: number[] = [];
  for (var i = 0; i < suites.length; i += 2) list.push((suites[i] << 8) | suites[i + 1]);
  var sans = new Uint8Array(b.length - (cEnd - cStart));
  sans.set(b.subarray(0, cStart));
  sans.set(b.subarray(cEnd), cStart);
  return { client_version: version, random: random, session_id: sid, cookie: cookie, cipher_suites: list, compression_methods: comp, extensions: ext, sansCookie: sans };
}

/** HelloVerifyRequest: server_version, cookie<0..2^8-1> (RFC 6347 §4.2.1). Server side only. */
export function encodeHelloVerifyRequest(cookie: Uint8Array): Uint8Array {
  var w = new Writer(3 + cookie.length);
  // RFC 6347 §4.2.1: servers SHOULD say DTLS 1.0 here whatever will be negotiated.
  w.uint(2, 0xfeff);
  w.vec(1, cookie);
  return w.buf;
}

/** The cookie of a HelloVerifyRequest (any DTLS server_version), or null. */
export function decodeHelloVerifyRequest(b: Uint8Array): Uint8Array | null {
  return b.length >= 3 && b[0] === DTLS.MAJOR && b.length === 3 + b[2] ? b.subarray(3) : null;
}

/**
 * session_id `sid`: the new session's, or the resumed one's (RFC 5246 §7.3). Extensions: an
 * empty renegotiation_info when the client signalled RFC 5746 (OpenSSL 3 clients refuse a
 * server without it; renegotiation itself is always refused), and `more` (connection_id, cid.ts).
 * Server side only.
 */
export function encodeServerHello(random: Uint8Array, sid: Uint8Array, secureRenegotiation: boolean, more: number[]): Uint8Array {
  var ext = secureRenegotiation ? [EXT.RENEGOTIATION_INFO >> 8, EXT.RENEGOTIATION_INFO & 255, 0, 1, 0].concat(more) : more;
  var w = new Writer(2 + 32 + 1 + sid.length + 2 + 1 + (ext.length ? 2 + ext.length : 0));
  w.u8(DTLS.MAJOR);
  w.u8(DTLS.MINOR);
  w.bytes(random);
  w.vec(1, sid);
  w.uint(2, DTLS.TLS_PSK_WITH_AES_128_CCM_8);
  w.u8(0);
  if (ext.length) {
    w.uint(2, ext.length);
    w.bytes(new Uint8Array(ext));
  }
  return w.buf;
}

/**
 * Checks a ServerHello against what our ClientHello offered: 0 when acceptable (the
 * server_random is then bytes 2..34), else the AlertDescription to abort with.
 * server_version(2) random(32) session_id<0..32> cipher_suite(2) compression_method(1) [extensions]
 */
export function checkServerHello(b: Uint8Array): number {
  var sid = b[34];
  var p = 35 + sid;
  var ext = b.length < 38 || sid > 32 || p + 3 > b.length ? null : readExtensions(b, p + 3);
  if (!ext) return A.DECODE_ERROR;
  if (((b[0] << 8) | b[1]) !== 0xfefd) return A.PROTOCOL_VERSION;
  if (((b[p] << 8) | b[p + 1]) !== DTLS.TLS_PSK_WITH_AES_128_CCM_8 || b[p + 2]) return A.ILLEGAL_PARAMETER;
  // We offer only connection_id, so any other in the ServerHello is unsolicited (RFC 5246 §7.4.1.4).
  for (var i = 0; i < ext.length; i++) if (ext[i] !== EXT.CONNECTION_ID) return A.UNSUPPORTED_EXTENSION;
  return 0;
}

/**
 * ServerKeyExchange { psk_identity_hint<0..2^16-1> } and ClientKeyExchange
 * { psk_identity<0..2^16-1> } have the same shape (RFC 4279 §2).
 */
export function encodePskVector(v: Uint8Array): Uint8Array {
  var b = new Uint8Array(2 + v.length);
  b[0] = v.length >> 8;
  b[1] = v.length & 255;
  b.set(v, 2);
  return b;
}

export function decodePskVector(b: Uint8Array): Uint8Array | null {
  return b.length >= 2 && ((b[0] << 8) | b[1]) === b.length - 2 ? b.subarray(2) : null;
}
