// Session resumption by session ID, the client's half (RFC 5246 §7.3, F.1.4; RFC 6347 §4.2):
// the abbreviated handshake that a device pays instead of a full one after a reboot or an
// address change: ClientHello with the kept session_id → ServerHello with the same one,
// ChangeCipherSpec, Finished → ChangeCipherSpec, Finished. No key exchange, no certificate,
// no public-key operation: the keys come from the kept master secret and the new randoms.
//
// The session record the host keeps (DtlsEvent.ses, DtlsEndpoint.connect): session_id
// length (1..32) ‖ session_id ‖ master secret (48). It says nothing of the credentials or
// the peer: the host keeps it with what it was made with (firmware/lwm2m/sessions.ts binds
// it to the server URI, the security mode and the keys) and offers it only with those; the
// suite is the one those credentials offer (a PSK client offers only the PSK suite, an RPK
// client only the RPK one), which the server must pick again (RFC 5246 §7.4.1.3).
// A server that does not know the session answers with another session_id: the full
// handshake goes on, and its record replaces the kept one.
import { copyOf, equal, equalConstTime } from '../bytes';
import { CT, HT, A, HS } from './constants';
import type { DtlsEndpoint, Handshake, Session } from './connection';

/** Takes a session record into a new client handshake: the offer its ClientHello makes. A malformed record offers nothing. */
export function offer(hs: Handshake, ses: Uint8Array | null | undefined): void {
  var n = ses ? ses[0] : 0;
  if (ses && n >= 1 && n <= 32 && ses.length === 1 + n + 48) {
    hs.sid = copyOf(ses, 1, 1 + n);
    hs.rm = copyOf(ses, 1 + n);
  }
}

/** The record of a full handshake's session (the master secret still there), for the `connected` event; empty when the server gave no session_id. */
export function sessionRecord(hs: Handshake): Uint8Array {
  var sid = hs.sid;
  if (!sid || !sid.length) return new Uint8Array(0);
  var r = new Uint8Array(1 + sid.length + 48);
  r[0] = sid.length;
  r.set(sid, 1);
  r.set(hs.master!, 1 + sid.length);
  return r;
}

/** Whether a ServerHello body (checked well-formed) takes the session offered. */
export function resumes(hs: Handshake, body: Uint8Array): boolean {
  var n = body[34];
  return !!(hs.rm && n && equal(body.subarray(35, 35 + n), hs.sid!));
}

/**
 * A checked ServerHello, PSK or RPK: its random and session_id taken, hashed. When it resumes
 * the offered session, the keys are derived from the kept master secret and the server's
 * Finished is awaited (true); otherwise the full handshake goes on (false) and the offer is
 * forgotten.
 */
export function serverHello(ep: DtlsEndpoint, s: Session, body: Uint8Array, whole: Uint8Array): boolean {
  var hs = s.hs!;
  var r = resumes(hs, body);
  hs.serverRandom = copyOf(body, 2, 34);
  hs.transcript.push(whole);
  if (r) {
    hs.master = hs.rm;
    hs.rs = true;
    ep.hs().deriveKeys(s, true);
    hs.expectFinished = ep.hs().finished(hs, 'server finished');
    hs.state = HS.RESUMED;
  } else hs.sid = copyOf(body, 35, 35 + body[34]);
  hs.rm = null;
  return r;
}

/**
 * The server's Finished of an abbreviated handshake (after its ChangeCipherSpec): checked,
 * then our ChangeCipherSpec and Finished, the final flight (kept for the server's repeat,
 * RFC 6347 §4.2.4), and the session is up. 0, or the alert: a wrong Finished is a
 * decrypt_error (RFC 5246 §7.4.9).
 */
export function resumedFinished(ep: DtlsEndpoint, s: Session, body: Uint8Array, whole: Uint8Array): number {
  var hs = s.hs!;
  if (!equalConstTime(body, hs.expectFinished!)) return A.DECRYPT_ERROR;
  hs.transcript.push(whole);
  var fin = ep.hs().message(HT.FINISHED, hs.nextSend++, ep.hs().finished(hs, 'client finished'));
  hs.master = null;
  hs.transcript = [];
  ep.hs().flight(s, [{ t: CT.CHANGE_CIPHER_SPEC, e: 0, b: new Uint8Array([1]) }, { t: CT.HANDSHAKE, e: 1, b: fin }]);
  ep.hs().established(s);
  return 0;
}
