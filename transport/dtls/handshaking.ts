// The cold half of the DTLS endpoint (connection.ts), both roles: what runs only during a
// handshake or on a rare event: reassembly of handshake messages (RFC 6347 §4.2.3), flights
// and their retransmission (§4.2.4), key derivation and Finished (RFC 5246 §8.1, §7.4.9),
// alerts, errors and events. Built by `ep.hs()` when first needed, let go by poll() when no
// handshake runs; and record(), the one record writer both halves use.
import type { Peer } from '../ports';
import { peerKey } from '../ports';
import { concat, toHex } from '../bytes';
import { prf } from '../crypto/hmac';
import { CT, HT, AlertLevel, A, DTLS } from './constants';
import { KeyAt, seal, seqNum, writeRecord } from './record';
import { encodeHandshake, parseFragments } from './handshake';
import type { DtlsEndpoint, DtlsEvent, FlightEntry, Handshake, RoleHalf, Session } from './connection';

/**
 * What runs only during a handshake or on a rare event: reassembly, flights and their
 * retransmission, key derivation, Finished; alerts, errors and events. The endpoint builds it
 * when first needed (`ep.hs()`) and lets it go at the first poll with no handshake running, so
 * on the board a device at rest does not hold these functions (docs/memory.md, "Code loaded
 * on demand"). It keeps no state of its own: sessions and their Handshake hold it.
 */
export interface Handshaking {
  /** The role's handshake half (Role.half), built with this one. */
  role: RoleHalf;
  /** A handshake record's messages: reassembled, then given to the role in message_seq order. */
  input(s: Session, data: Uint8Array): void;
  put(s: Session): void;
  random(n: number): Uint8Array;
  /** A fatal alert for a protocol violation during the handshake. */
  abort(s: Session, alert: number): void;
  /** Sends a new flight and (during a handshake) restarts the retransmission timer. */
  flight(s: Session, entries: FlightEntry[]): void;
  /** (Re)sends the current flight. */
  transmit(s: Session): void;
  /** The handshake is over: drop its state, send what waited. */
  established(s: Session): void;
  /** Keys from the premaster `pms` (RPK: the ECDHE secret) or, without it, from the PSK; a resumed session's from its master secret. */
  deriveKeys(s: Session, isClient: boolean, pms?: Uint8Array): void;
  finished(hs: Handshake, label: string): Uint8Array;
  /** Sends an alert in the session's current write epoch. */
  alert(s: Session, level: number, desc: number): void;
  /** An alert from the peer. */
  peerAlert(s: Session, level: number, desc: number): void;
  emit(e: DtlsEvent): void;
  /** How the session authenticates, for messages: 'PSK identity "x"' (hex when not printable) or 'raw public key'. */
  who(s: Session): string;
  /** Forgets the session (if it is still the peer's). */
  drop(s: Session): void;
  /** Ends the session with an error event (`alert`: the AlertDescription sent or received, if any). */
  err(s: Session, name: string, alert: number | undefined, message: string): void;
  /** Ends the session with an error event; `alert` is sent first as a fatal alert. */
  fail(s: Session, name: string, alert: number, message: string): void;
  /** The handshake's deadline passed (poll): handshake_timeout. */
  timeout(s: Session): void;
  /**
   * The whole handshake message (encodeHandshake). The roles reach it here, not by import: its
   * one reference in the bundle is then this half's, which writes it in, so a device at rest
   * does not hold it.
   */
  message(type: number, seq: number, body: Uint8Array): Uint8Array;
}

/**
 * One record in its own datagram; epoch 1 is protected, and when the peer gave a Connection ID
 * a tls12_cid record: the DTLSInnerPlaintext (content ‖ real type, no padding) sealed under the
 * CID's additional data, the CID in the header (RFC 9146 §4-5).
 */
export function record(ep: DtlsEndpoint, s: Session, type: number, epoch: number, plain: Uint8Array): Uint8Array {
  // epoch ‖ sequence_number once, for the header and (sealed) the nonce and additional data
  var sn = seqNum(epoch, epoch ? s.wSeq1++ : s.wSeq0++);
  var cid = epoch ? s.cid : undefined;
  if (cid) {
    plain = concat([plain, new Uint8Array([type])]);
    type = CT.TLS12_CID;
  }
  var f = epoch ? seal(ep.o.crypto, s.keys!, KeyAt.WRITE, type, sn, plain, cid) : plain;
  var out = new Uint8Array(DTLS.RECORD_HEADER + (cid ? cid.length : 0) + f.length);
  writeRecord(out, 0, type, sn, f, cid);
  return out;
}

/**
 * The cold half of an endpoint (Handshaking), built by `ep.hs()`. Closures over `ep`, made
 * in a top-level function (not in a method, not inlined into one) so that each carries a
 * one-scope chain (docs/memory.md: a closure made in a nested function costs three more).
 */
export function handshaking(ep: DtlsEndpoint): Handshaking {
  var o = ep.o;
  var sessions = ep.s;
  var role = ep.r.half();

  function key(peer: Peer): string {
    return 'p' + peerKey(peer);
  }

  /** Handshaking.message: encodeHandshake's one caller, so the bundle holds no encodeHandshake() at load. */
  function message(type: number, seq: number, body: Uint8Array): Uint8Array {
    return encodeHandshake(type, seq, body);
  }

  /** The PRF (RFC 5246 §5) on the endpoint's backend: its one caller, so the bundle holds no prf() at load. */
  function derive(secret: Uint8Array, label: string, seed: Uint8Array, n: number): Uint8Array {
    return prf(o.crypto, secret, label, seed, n);
  }

  /**
   * How the session authenticates, for messages: "PSK identity" and the identity, quoted
   * text when printable ASCII, hex otherwise; or "raw public key" (RFC 7250; the server's
   * rpk_not_trusted message names the client's key).
   */
  function who(s: Session): string {
    var id = s.identity;
    var t = '';
    if (s.rpk) return 'raw public key';
    for (var i = 0; id && i < id.length; i++) {
      if (id[i] < 32 || id[i] > 126) return 'PSK identity ' + toHex(id);
      t += String.fromCharCode(id[i]);
    }
    return 'PSK identity ' + (id ? '"' + t + '"' : '(none)');
  }

  function emit(e: DtlsEvent): void {
    if (o.onEvent) o.onEvent(e);
  }

  function drop(s: Session): void {
    if (sessions[key(s.peer)] === s) delete sessions[key(s.peer)];
  }

  function err(s: Session, name: string, alert: number | undefined, message: string): void {
    drop(s);
    emit({ type: 'error', peer: s.peer, name: name, alert: alert, message: message });
  }

  function alert(s: Session, level: number, desc: number): void {
    o.socket.send(record(ep, s, CT.ALERT, s.wEpoch, new Uint8Array([level, desc])), s.peer);
  }

  function fail(s: Session, name: string, a: number, message: string): void {
    alert(s, AlertLevel.FATAL, a);
    err(s, name, a, message);
  }

  /** (Re)sends the current flight: fresh record sequence numbers, records packed into datagrams up to the MTU. */
  function transmit(s: Session): void {
    var fl = s.flight!;
    var mtu = o.mtu || DTLS.MTU;
    var batch: Uint8Array[] = [];
    var n = 0;
    for (var i = 0; i < fl.length; i++) {
      var r = record(ep, s, fl[i].t, fl[i].e, fl[i].b);
      if (fl[i].t === CT.CHANGE_CIPHER_SPEC) s.wEpoch = 1;
      if (n + r.length > mtu && n) {
        o.socket.send(concat(batch), s.peer);
        batch = [];
        n = 0;
      }
      batch.push(r);
      n += r.length;
    }
    o.socket.send(concat(batch), s.peer);
  }

  /**
   * Room for a message of `len` bytes at message_seq `seq` within the reassembly budget
   * (DTLS.REASSEMBLY, all messages together): messages buffered further ahead than `seq` are
   * dropped to make it (their flight is retransmitted if they were real). False when the
   * messages at or before `seq` leave no room.
   */
  function room(hs: Handshake, seq: number, len: number): boolean {
    for (;;) {
      var used = len;
      var far = -1;
      for (var k in hs.parts) {
        used += hs.parts[k].body.length;
        if (+k.substring(1) > far) far = +k.substring(1);
      }
      if (used <= DTLS.REASSEMBLY) return true;
      if (far <= seq) return false;
      delete hs.parts['m' + far];
    }
  }

  function onHandshake(s: Session, data: Uint8Array): void {
    var fs = parseFragments(data);
    if (!fs) return;
    for (var i = 0; i < fs.length; i++) {
      // A fatal alert sent or received ended the session: nothing more of this record (RFC 5246 §7.2.2).
      if (sessions[key(s.peer)] !== s) return;
      var m = fs[i];
      var seq = m.message_seq;
      var hs = s.hs;
      if (!hs || seq < hs.nextRecv) {
        // A repeat of the peer's last flight (its Finished, after ours): our flight was lost (RFC 6347 §4.2.4).
        if (seq === s.peerEnd && !m.fragment_offset && s.flight) transmit(s);
        // Renegotiation is refused (RFC 5246 §7.2.2 no_renegotiation, a warning).
        else if (!hs && (m.msg_type === HT.CLIENT_HELLO || m.msg_type === HT.HELLO_REQUEST)) alert(s, AlertLevel.WARNING, A.NO_RENEGOTIATION);
        continue;
      }
      // Bound what a peer can make us hold: 8 messages ahead, DTLS.REASSEMBLY bytes in all.
      if (seq >= hs.nextRecv + 8) continue;
      var k = 'm' + seq;
      var p = hs.parts[k];
      // A fragment that disagrees with the message buffered under its message_seq (type or
      // length): one of the two is not the peer's (epoch 0 is unauthenticated). The newer
      // replaces it, so a spoofed fragment cannot shadow the real message beyond the next
      // retransmission of its flight (RFC 6347 §4.2.3).
      if (!p || p.t !== m.msg_type || p.body.length !== m.length) {
        delete hs.parts[k];
        if (!room(hs, seq, m.length)) continue;
        p = hs.parts[k] = { t: m.msg_type, body: new Uint8Array(m.length), have: new Uint8Array((m.length + 7) >> 3), got: 0 };
      }
      if (p.got === p.body.length) {
        // complete already, waiting for an earlier message: a repeat adds nothing
      } else if (!m.fragment_offset && m.body.length === m.length) {
        // the whole message in one fragment (the usual case): one native copy, no bit per byte
        // (a byte loop over a 473-byte flight cost ~40 M x86 instructions, 0.27 s on the board)
        p.body.set(m.body);
        p.got = m.length;
      } else {
        for (var j = 0; j < m.body.length; j++) {
          var at = m.fragment_offset + j;
          var bit = 1 << (at & 7);
          p.body[at] = m.body[j];
          if (!(p.have[at >> 3] & bit)) {
            p.have[at >> 3] |= bit;
            p.got++;
          }
        }
      }
      // Deliver complete messages in message_seq order; a role may end the handshake or the session.
      while ((p = hs.parts['m' + hs.nextRecv]) && p.got === p.body.length) {
        delete hs.parts['m' + hs.nextRecv];
        var whole = message(p.t, hs.nextRecv, p.body);
        hs.nextRecv++;
        role.message(ep, s, p.t, p.body, whole);
        if (s.hs !== hs || sessions[key(s.peer)] !== s) break;
      }
    }
  }

  return {
    role: role,
    input: onHandshake,
    transmit: transmit,
    message: message,
    alert: alert,
    emit: emit,
    who: who,
    drop: drop,
    err: err,
    fail: fail,
    put: function (s: Session): void {
      sessions[key(s.peer)] = s;
    },
    random: function (n: number): Uint8Array {
      var b = new Uint8Array(n);
      o.rng.fill(b);
      return b;
    },
    abort: function (s: Session, a: number): void {
      fail(s, 'alert_sent', a, 'DTLS handshake with ' + peerKey(s.peer) + ' aborted with fatal alert ' + a);
    },

    peerAlert: function (s: Session, level: number, desc: number): void {
      if (desc === A.CLOSE_NOTIFY) {
        // RFC 5246 §7.2.1: answer close_notify with our own, then forget the session.
        if (s.state === DTLS.ESTABLISHED) alert(s, AlertLevel.WARNING, A.CLOSE_NOTIFY);
        drop(s);
        emit({ type: 'closed', peer: s.peer });
      } else if (level !== AlertLevel.WARNING) {
        var m = 'DTLS fatal alert ' + desc + ' from ' + peerKey(s.peer);
        // decrypt_error (or bad_record_mac) for our Finished: the peer's key differs from ours (RFC 5246 §7.4.9, RFC 4279 §2)
        if (!s.rpk && s.hs && s.hs.expectFinished && (desc === A.DECRYPT_ERROR || desc === A.BAD_RECORD_MAC)) err(s, 'wrong_psk', desc, 'wrong PSK for ' + who(s) + ': ' + m + ' refused our Finished');
        else err(s, 'alert_received', desc, m + ' (' + (desc === A.UNKNOWN_PSK_IDENTITY ? 'unknown ' : '') + who(s) + ')');
      }
      // other warnings (e.g. no_renegotiation) change nothing
    },

    timeout: function (s: Session): void {
      err(s, 'handshake_timeout', undefined, 'DTLS handshake with ' + peerKey(s.peer) + ' as ' + who(s) + ' timed out after ' + (o.handshakeTimeout || DTLS.HANDSHAKE_TIMEOUT) +
        ' ms: no answer (' + (s.rpk ? 'our key not accepted' : 'wrong PSK or identity') + ', or server unreachable)');
    },

    flight: function (s: Session, entries: FlightEntry[]): void {
      s.flight = entries;
      var hs = s.hs;
      if (hs) {
        s.peerEnd = hs.nextRecv - 1;
        hs.rto = o.retransmitInitial || DTLS.RETRANSMIT_INITIAL;
        hs.due = -1;
      }
      transmit(s);
    },

    established: function (s: Session): void {
      var e: DtlsEvent = { type: 'connected', peer: s.peer };
      if (s.hs!.ses) e.ses = s.hs!.ses;
      if (s.hs!.rs) e.name = 'resumed';
      delete s.hs;
      s.state = DTLS.ESTABLISHED;
      emit(e);
      var q = s.queue!;
      delete s.queue;
      for (var i = 0; i < q.length; i++) o.socket.send(record(ep, s, CT.APPLICATION_DATA, 1, q[i]), s.peer);
    },

    /**
     * master_secret and keys (RFC 5246 §8.1, §6.3) from the randoms and the premaster `pms`:
     * the ECDHE shared secret of an RPK session (RFC 8422 §5.10), or, when none is given,
     * the one built from the PSK (RFC 4279 §2). A resumed session has its master secret
     * already (RFC 5246 §7.3): only the keys are new, from the new randoms.
     */
    deriveKeys: function (s: Session, isClient: boolean, pms?: Uint8Array): void {
      var hs = s.hs!;
      if (!hs.master) {
        if (!pms) {
          var psk = hs.psk!;
          // premaster = uint16 N ‖ N zero bytes ‖ uint16 N ‖ psk (RFC 4279 §2)
          var n = psk.length;
          pms = new Uint8Array(4 + 2 * n);
          pms[0] = pms[n + 2] = n >> 8;
          pms[1] = pms[n + 3] = n & 255;
          pms.set(psk, n + 4);
          hs.psk = null;
        }
        hs.master = derive(pms, 'master secret', concat([hs.clientRandom, hs.serverRandom!]), 48);
      }
      // key_block: client_write_key, server_write_key, client_write_IV, server_write_IV (AEAD: no MAC keys)
      var kb = derive(hs.master, 'key expansion', concat([hs.serverRandom!, hs.clientRandom]), 40);
      // SessionKeys (record.ts): our direction's key ‖ IV, then the peer's, in one array (copied, so the key block goes)
      var k = new Uint8Array(40);
      var c = isClient ? 0 : 20;
      k.set(kb.subarray(0, 16), c);
      k.set(kb.subarray(32, 36), c + 16);
      k.set(kb.subarray(16, 32), 20 - c);
      k.set(kb.subarray(36, 40), 36 - c);
      s.keys = k;
    },

    /** verify_data = PRF(master_secret, label, SHA-256(handshake_messages))[0..11] (RFC 5246 §7.4.9). */
    finished: function (hs: Handshake, label: string): Uint8Array {
      return derive(hs.master!, label, o.crypto.sha256(concat(hs.transcript)), 12);
    },
  };
}

