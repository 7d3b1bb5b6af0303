// Session resumption by session ID, the server's half (RFC 5246 §7.3; RFC 6347 §4.2): a
// cache of the sessions its full handshakes made (session_id → master secret, the client's
// identity, the suite), and the abbreviated handshake for a ClientHello that offers one of
// them: ServerHello with the same session_id, ChangeCipherSpec, Finished; then the client's
// ChangeCipherSpec and Finished. Not in the device bundle (server.ts uses it).
//
// An offer for an unknown or expired session, for a suite the client no longer offers, or
// whose credentials the server no longer accepts (PSK identity removed, raw public key no
// longer trusted) gets a full handshake with a new session_id.
import { copyOf, toHex } from '../bytes';
import { CT, HT, DTLS } from './constants';
import type { DtlsEndpoint, Handshake, Session } from './connection';
import { encodeHandshake } from './handshake';

/** One cached session. */
interface Cached {
  /** master secret */
  m: Uint8Array;
  /** the client's PSK identity, or its SubjectPublicKeyInfo DER (rpk) */
  id: Uint8Array;
  rpk: boolean;
  /** when it was made (the endpoint's clock) */
  t: number;
}

export interface SessionCache {
  /** Keyed 's' + hex session_id, oldest first (insertion order of a plain object's string keys). */
  e: { [k: string]: Cached };
  n: number;
  /** Most sessions kept (0: no resumption, the ServerHello then carries an empty session_id). */
  max: number;
  /** ms a session may be resumed after its full handshake. */
  life: number;
  /** The endpoint's clock, as its last poll saw it. */
  now: number;
}

export function newSessionCache(max: number | undefined, life: number | undefined): SessionCache {
  return { e: {}, n: 0, max: max === undefined ? 1000 : max, life: life || 24 * 3600000, now: 0 };
}

/** A new session_id for a full handshake (32 random bytes), or an empty one when the cache is off. */
export function newSessionId(ep: DtlsEndpoint, c: SessionCache): Uint8Array {
  return c.max > 0 ? ep.hs().random(32) : new Uint8Array(0);
}

/** Keeps a session whose full handshake just completed (the client's Finished verified); the oldest goes when full. */
export function cacheSession(c: SessionCache, s: Session): void {
  var hs = s.hs!;
  if (!c.max || !hs.sid || !hs.sid.length || !hs.master || !s.identity) return;
  if (c.n >= c.max) {
    for (var k in c.e) {
      delete c.e[k];
      c.n--;
      break;
    }
  }
  c.e['s' + toHex(hs.sid)] = { m: copyOf(hs.master), id: copyOf(s.identity), rpk: !!s.rpk, t: c.now };
  c.n++;
}

/**
 * The cached session a ClientHello offers, if it may be resumed: known, not expired, its suite
 * among those offered, and `ok` (the server's current credentials check) still accepting its
 * identity. An expired or refused one is forgotten.
 */
export function findSession(c: SessionCache, sid: Uint8Array, suites: number[], ok: (rpk: boolean, id: Uint8Array) => boolean): Cached | null {
  var k = 's' + toHex(sid);
  var e = sid.length ? c.e[k] : undefined;
  if (!e) return null;
  if (c.now - e.t > c.life || !ok(e.rpk, e.id)) {
    delete c.e[k];
    c.n--;
    return null;
  }
  return suites.indexOf(e.rpk ? DTLS.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 : DTLS.TLS_PSK_WITH_AES_128_CCM_8) >= 0 ? e : null;
}

/**
 * The abbreviated handshake's flight for session `e` (the ClientHello already in the
 * transcript): ServerHello `sh` (its body, with the session_id), ChangeCipherSpec, Finished
 * over ClientHello and ServerHello; then the client's Finished is awaited in `state`.
 */
export function resumeFlight(ep: DtlsEndpoint, s: Session, e: Cached, sid: Uint8Array, sh: Uint8Array, state: number): void {
  var hs = s.hs as Handshake;
  s.identity = copyOf(e.id);
  if (e.rpk) s.rpk = true;
  hs.sid = sid;
  hs.master = copyOf(e.m);
  hs.rs = true;
  var m = encodeHandshake(HT.SERVER_HELLO, hs.nextSend++, sh);
  hs.transcript.push(m);
  ep.hs().deriveKeys(s, false);
  var fin = encodeHandshake(HT.FINISHED, hs.nextSend++, ep.hs().finished(hs, 'server finished'));
  hs.transcript.push(fin);
  hs.expectFinished = ep.hs().finished(hs, 'client finished');
  hs.master = null;
  hs.transcript = [];
  hs.state = state;
  ep.hs().flight(s, [
    { t: CT.HANDSHAKE, e: 0, b: m },
    { t: CT.CHANGE_CIPHER_SPEC, e: 0, b: new Uint8Array([1]) },
    { t: CT.HANDSHAKE, e: 1, b: fin },
  ]);
}
