// The DTLS endpoint shared by both roles: per-peer sessions, datagram ⇄ records ⇄
// handshake or application data, flight retransmission (RFC 6347 §4.2.4), alerts.
// What differs between client and server lives in a Role (client.ts, server.ts), so
// the device bundle carries only the client's half.
//
// The layer above sees a DatagramPort: `send(data, peer)` down, and plaintext up via
// `onData` given at construction, exactly as over plain UDP. The layer below calls
// `receive(datagram, peer)`. Time comes from `poll(now)` (call it after every receive
// and send: timers are armed at the next poll).
import type { CryptoBackend, DatagramPort, Peer, Pollable, Rng } from '../ports';
import { peerKey } from '../ports';
import { concat, copyOf, toHex } from '../bytes';
import { prf } from '../crypto/hmac';
import { CT, HT, AlertLevel, A, DTLS } from './constants';
import { DirectionKeys, DtlsRecord, newWindow, open, parseRecords, replayCheck, replayMark, ReplayWindow, seal, writeRecord } from './record';
import { encodeHandshake, parseFragments } from './handshake';

/** What the host hears about connections. `name` is stable, `message` is for people. */
export interface DtlsEvent {
  type: 'connected' | 'closed' | 'error';
  peer: Peer;
  /**
   * For `connected`: `resumed` after an abbreviated handshake (resume.ts, session-cache.ts).
   * For errors: handshake_timeout | alert_received | alert_sent | no_psk; with raw public keys (rpk.ts)
   * also bad_certificate | certificate_request | bad_rpk_credentials (client), rpk_not_trusted (server);
   * the server also unknown_psk_identity and wrong_psk (the client's Finished does not decrypt: decrypt_error sent).
   */
  name?: string;
  /** AlertDescription received or sent. */
  alert?: number;
  message?: string;
  /**
   * Client, `connected` after a full handshake: the session to offer for resumption next
   * time (resume.ts's record: session_id and master secret), for the host to keep with the
   * credentials it was made with and give back to connect(); empty when the server gave no
   * session_id (it does not resume: forget any kept one). Absent after a resumed handshake.
   */
  ses?: Uint8Array;
}

export interface DtlsOptions {
  /** The datagram port below (UDP). */
  socket: DatagramPort;
  crypto: CryptoBackend;
  rng: Rng;
  /** Application data, delivered only after the peer's Finished verified. */
  onData: (data: Uint8Array, peer: Peer) => void;
  onEvent?: (e: DtlsEvent) => void;
  /** RFC 6347 §4.2.4.1: initial retransmission timer, default DTLS.RETRANSMIT_INITIAL (1 s; RFC 7925 §11 suggests 9 s for slow links). */
  retransmitInitial?: number;
  /** The timer doubles up to this, default DTLS.RETRANSMIT_MAX (60 s). */
  retransmitMax?: number;
  /**
   * A handshake not finished within this many ms fails with `handshake_timeout` (the client's own
   * public-key work does not count: rpk.ts restarts the deadline at each step). Default
   * DTLS.HANDSHAKE_TIMEOUT (60 s); our server's is DTLS.SERVER_HANDSHAKE_TIMEOUT (20 min, server.ts).
   */
  handshakeTimeout?: number;
  /** Largest datagram we send (default DTLS.MTU). */
  mtu?: number;
}

/** For tests and the server module: Session.state once the peer's Finished verified. */
export var ESTABLISHED = DTLS.ESTABLISHED;

/** One message of a flight: content type, epoch, bytes (a whole handshake message, or the CCS byte). */
export interface FlightEntry {
  t: number;
  e: number;
  b: Uint8Array;
}

interface Partial {
  t: number;
  body: Uint8Array;
  /** Which bytes of `body` arrived: one bit each (bit i & 7 of byte i >> 3). */
  have: Uint8Array;
  got: number;
}

/** Handshake-only state: dropped once the peer's Finished is verified (DESIGN "free the handshake at Finished"). */
export interface Handshake {
  state: number;
  nextSend: number;
  nextRecv: number;
  /** Messages being reassembled, keyed 'm' + message_seq (RFC 6347 §4.2.3). */
  parts: { [k: string]: Partial };
  /** Handshake messages hashed for Finished (RFC 6347 §4.2.6: not the first ClientHello nor HelloVerifyRequest). */
  transcript: Uint8Array[];
  clientRandom: Uint8Array;
  serverRandom?: Uint8Array;
  cookie: Uint8Array;
  psk?: Uint8Array | null;
  master?: Uint8Array | null;
  /** session_id: the one offered for resumption (client), then the ServerHello's (RFC 5246 §7.3). */
  sid?: Uint8Array;
  /** Client: the offered session's master secret, until the ServerHello says whether it resumes. */
  rm?: Uint8Array | null;
  /** Client: the session record `connected` reports (DtlsEvent.ses). */
  ses?: Uint8Array;
  /** An abbreviated handshake (a resumed session): `connected` says `resumed`. */
  rs?: boolean;
  expectFinished?: Uint8Array;
  rto?: number;
  /** Next retransmission; -1 = arm at the next poll. */
  due: number;
  deadline: number;
}

/** Plain objects, not classes: an object literal is smaller in the bundle than `this.x = …`. */
export function newHandshake(clientRandom: Uint8Array): Handshake {
  return { state: 0, nextSend: 0, nextRecv: 0, parts: {}, transcript: [], clientRandom: clientRandom, cookie: new Uint8Array(0), due: -1, deadline: -1 };
}

export interface Session {
  peer: Peer;
  state?: number;
  rEpoch: number;
  wEpoch: number;
  /** Next record sequence number per write epoch (index 0, 1). */
  wSeq: number[];
  /** Epoch-1 keys, derived before the CCS that switches to them. */
  rk?: DirectionKeys;
  wk?: DirectionKeys;
  /** Replay window of the current read epoch (epoch 0 is not windowed: see DtlsEndpoint.input). */
  win: ReplayWindow;
  hs: Handshake | null;
  /** Our last flight, kept for retransmission (the server keeps its final flight until the client's data proves it arrived). */
  flight?: FlightEntry[] | null;
  /** message_seq of the last message of the peer's flight our `flight` answers: its repeat means ours was lost. */
  peerEnd?: number;
  /** PSK: the psk_identity (server: the client's; client: ours). RPK on the server: the client's SubjectPublicKeyInfo DER. */
  identity?: Uint8Array;
  /** True when the session uses raw public keys (TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, rpk.ts), absent for PSK. */
  rpk?: boolean;
  /** Application data waiting for the handshake (client). */
  queue: Uint8Array[];
  /** The peer's Connection ID (RFC 9146): our protected records carry it as tls12_cid records. Absent: plain records. */
  cid?: Uint8Array;
}

export function newSession(peer: Peer, hs: Handshake): Session {
  // state, rk, wk, flight, peerEnd, identity start undefined
  return { peer: { address: peer.address, port: peer.port }, rEpoch: 0, wEpoch: 0, wSeq: [0, 0], win: newWindow(), hs: hs, queue: [] };
}

/** What differs between client and server. */
export interface Role {
  /** Before session lookup: the server answers ClientHellos statelessly here. True = consumed. Absent for the client. */
  pre?(ep: DtlsEndpoint, r: DtlsRecord, peer: Peer): boolean;
  /**
   * The application wants to send to a peer with no session: the client starts one (offering
   * session record `ses` for resumption when given, resume.ts); the server cannot.
   */
  start(ep: DtlsEndpoint, peer: Peer, ses?: Uint8Array | null): Session | null;
  /** One complete, in-order handshake message during the handshake. */
  message(ep: DtlsEndpoint, s: Session, type: number, body: Uint8Array, whole: Uint8Array): void;
  /** Periodic role work (server: cookie secret rotation); returns a deadline or -1. Absent for the client. */
  tick?(ep: DtlsEndpoint, now: number): number;
  /** The session a tls12_cid record's Connection ID names, or null (dropped silently, RFC 9146 §6). Absent for the client, which gives no CID. */
  byCid?(ep: DtlsEndpoint, r: DtlsRecord): Session | null;
  /** A CID record newer than any before authenticated from another address: the session follows the peer there (RFC 9146 §6). */
  moved?(ep: DtlsEndpoint, s: Session, peer: Peer): void;
}

/**
 * What runs only during a handshake or on a rare event: reassembly, flights and their
 * retransmission, key derivation, Finished; alerts, errors and events. The endpoint builds it
 * when first needed (`ep.hs()`) and lets it go at the first poll with no handshake running, so
 * on the board a device at rest does not hold these functions (docs/memory.md, "Code loaded
 * on demand"). It keeps no state of its own: sessions and their Handshake hold it.
 */
export interface Handshaking {
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
}

var HS_WITH = 'DTLS handshake with ';

/**
 * One record in its own datagram; epoch 1 is protected, and when the peer gave a Connection ID
 * a tls12_cid record: the DTLSInnerPlaintext (content ‖ real type, no padding) sealed under the
 * CID's additional data, the CID in the header (RFC 9146 §4-5).
 */
function record(ep: DtlsEndpoint, s: Session, type: number, epoch: number, plain: Uint8Array): Uint8Array {
  var seq = s.wSeq[epoch]++;
  var cid = epoch ? s.cid : undefined;
  if (cid) {
    plain = concat([plain, new Uint8Array([type])]);
    type = CT.TLS12_CID;
  }
  var f = epoch ? seal(ep.o.crypto, s.wk!, type, epoch, seq, plain, cid) : plain;
  var out = new Uint8Array(DTLS.RECORD_HEADER + (cid ? cid.length : 0) + f.length);
  writeRecord(out, 0, type, epoch, seq, f, cid);
  return out;
}

/**
 * The cold half of an endpoint (Handshaking), built by `ep.hs()`. Closures over `ep`, made
 * in a top-level function (not in a method, not inlined into one) so that each carries a
 * one-scope chain (docs/memory.md: a closure made in a nested function costs three more).
 */
function handshaking(ep: DtlsEndpoint): Handshaking {
  var o = ep.o;
  var sessions = ep.s;
  var role = ep.r;

  function key(peer: Peer): string {
    return 'p' + peerKey(peer);
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
      // The whole message in one fragment (the usual case): one copy, not a loop over its bytes
      // (~100 k instructions a byte on the board). Complete already: a repeat adds nothing.
      if (!m.fragment_offset && m.body.length === m.length) {
        p.body.set(m.body);
        p.got = m.length;
      } else if (p.got < p.body.length) {
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
        var whole = encodeHandshake(p.t, hs.nextRecv, p.body);
        hs.nextRecv++;
        role.message(ep, s, p.t, p.body, whole);
        if (s.hs !== hs || sessions[key(s.peer)] !== s) break;
      }
    }
  }

  return {
    input: onHandshake,
    transmit: transmit,
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
      fail(s, 'alert_sent', a, HS_WITH + peerKey(s.peer) + ' aborted with fatal alert ' + a);
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
      err(s, 'handshake_timeout', undefined, HS_WITH + peerKey(s.peer) + ' as ' + who(s) + ' timed out after ' + (o.handshakeTimeout || DTLS.HANDSHAKE_TIMEOUT) +
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
      s.hs = null;
      s.state = DTLS.ESTABLISHED;
      emit(e);
      var q = s.queue;
      s.queue = [];
      for (var i = 0; i < q.length; i++) o.socket.send(record(ep, s, CT.APPLICATION_DATA, 1, q[i]), s.peer);
    },

    /**
     * master_secret and keys (RFC 5246 §8.1, §6.3) from the randoms and the premaster `pms`:
     * the ECDHE shared secret of an RPK session (RFC 8422 §5.10), or, when none is given,
     * the one built from the PSK (RFC 4279 §2). A resumed session has its master secret
     * already (RFC 5246 §7.3): only the keys are new, from the new randoms.
     */
    deriveKeys: function (s: Session, isClient: boolean, pms?: Uint8Array): void {
      var c = o.crypto;
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
        hs.master = prf(c, pms, 'master secret', concat([hs.clientRandom, hs.serverRandom!]), 48);
      }
      // key_block: client_write_key, server_write_key, client_write_IV, server_write_IV (AEAD: no MAC keys)
      var kb = prf(c, hs.master, 'key expansion', concat([hs.serverRandom!, hs.clientRandom]), 40);
      // DirectionKeys (record.ts): each direction's key ‖ IV in one array (copied, so the key block goes).
      var ck = new Uint8Array(20);
      var sk = new Uint8Array(20);
      ck.set(kb.subarray(0, 16));
      ck.set(kb.subarray(32, 36), 16);
      sk.set(kb.subarray(16, 32));
      sk.set(kb.subarray(36, 40), 16);
      s.wk = isClient ? ck : sk;
      s.rk = isClient ? sk : ck;
    },

    /** verify_data = PRF(master_secret, label, SHA-256(handshake_messages))[0..11] (RFC 5246 §7.4.9). */
    finished: function (hs: Handshake, label: string): Uint8Array {
      return prf(o.crypto, hs.master!, label, o.crypto.sha256(concat(hs.transcript)), 12);
    },
  };
}

/**
 * An endpoint: the DatagramPort the layer above uses, plus what the roles call. A class, not
 * a factory of closures: on the board its methods exist once, at load, and a live connection
 * holds only its four fields (the closures of the earlier factory held ~130 variables for the
 * one connection: docs/memory-dtls.md). What runs only during a handshake or on a rare event
 * (alerts, errors, close) is the cold half, `hs()`.
 */
export class DtlsEndpoint implements DatagramPort, Pollable {
  o: DtlsOptions;
  /** Sessions keyed 'p' + address:port. */
  s: { [k: string]: Session };
  r: Role;
  /** The cold half while it is needed; poll() lets it go. */
  x: Handshaking | null;

  constructor(o: DtlsOptions, role: Role) {
    this.o = o;
    this.s = {};
    this.r = role;
    this.x = null;
  }

  /** The cold half (Handshaking), built when first needed. */
  hs(): Handshaking {
    return this.x || (this.x = handshaking(this));
  }

  get(peer: Peer): Session | null {
    return this.s['p' + peerKey(peer)] || null;
  }

  /** receive() without its catch-all (for the fuzz tests). */
  input(datagram: Uint8Array, peer: Peer): void {
    var role = this.r;
    // tls12_cid records carry the Connection IDs our server gives (the client gives none: it drops them)
    var rs = parseRecords(datagram, role.byCid ? DTLS.SERVER_CID : 0);
    for (var i = 0; i < rs.length; i++) {
      var r = rs[i];
      if (role.pre && role.pre(this, r, peer)) continue;
      var t = r.type;
      // A CID record finds its session by the CID, from whatever address (RFC 9146 §6); an unknown CID is dropped.
      var s = t === CT.TLS12_CID ? (role.byCid ? role.byCid(this, r) : null) : this.get(peer);
      // Records of another epoch are dropped (RFC 6347 §4.1 allows it); retransmission recovers.
      if (!s || r.epoch !== s.rEpoch) continue;
      var data: Uint8Array | null = r.fragment;
      if (r.epoch) {
        // RFC 6347 §4.1.2.6-7: replay check, then the MAC; only an authentic record moves the window.
        if (!replayCheck(s.win, r.seq)) continue;
        data = open(this.o.crypto, s.rk!, r);
        if (!data) continue;
        if (r.cid) {
          // DTLSInnerPlaintext: content ‖ real type ‖ zero padding (RFC 9146 §4)
          var n = data.length;
          while (n && !data[n - 1]) n--;
          if (!n) continue;
          t = data[n - 1];
          data = data.subarray(0, n - 1);
          // authentic and newer than any before: the peer's new address (RFC 9146 §6)
          if (r.seq > s.win.top && peerKey(peer) !== peerKey(s.peer)) role.moved!(this, s, peer);
        }
        replayMark(s.win, r.seq);
      }
      // Epoch 0 is not replay-windowed: its records are unauthenticated anyway, handshake
      // messages are deduplicated by message_seq, and a stateless server's HelloVerifyRequest
      // and ServerHello may reuse record sequence numbers (RFC 6347 §4.2.1).
      if (t === CT.HANDSHAKE) this.hs().input(s, data);
      else if (t === CT.CHANGE_CIPHER_SPEC) {
        // Only once keys exist and before the switch; an early CCS (its flight partly lost) is dropped.
        if (data.length === 1 && data[0] === 1 && s.rk && !s.rEpoch && s.hs) {
          s.rEpoch = 1;
          s.win = newWindow();
        }
      } else if (t === CT.ALERT) {
        if (data.length === 2) this.hs().peerAlert(s, data[0], data[1]);
      } else if (t === CT.APPLICATION_DATA && s.state === DTLS.ESTABLISHED) {
        // Never before Finished verified: ESTABLISHED is set only then (and epoch 1 is implied).
        // The client's data proves our final flight arrived (RFC 6347 §4.2.4).
        s.flight = null;
        this.o.onData(data, s.peer);
      }
    }
  }

  /** From the socket below. Never throws: bad input is dropped or answered with an alert. */
  receive(data: Uint8Array, peer: Peer): void {
    try {
      this.input(data, peer);
    } catch (e) {
      // RFC 6347 §4.1.2.7: invalid input is discarded; an exception must not reach the socket.
      // (The fuzz tests call input() directly, so a throw there is a failure, not hidden.)
    }
  }

  /** DatagramPort: protect and send, or queue (up to 4) while the client's handshake runs. */
  send(data: Uint8Array, peer: Peer): void {
    try {
      var s = this.get(peer);
      if (s && s.state === DTLS.ESTABLISHED) return this.o.socket.send(record(this, s, CT.APPLICATION_DATA, 1, data), peer);
      if (!s) s = this.r.start(this, peer);
      if (s) {
        if (s.queue.length >= 4) s.queue.shift();
        s.queue.push(copyOf(data));
      }
    } catch (e) {
      // a failing crypto backend: nothing sent
    }
  }

  /**
   * Starts a handshake with `peer` (client role) unless a session exists; `ses`, a session
   * record a `connected` event gave (DtlsEvent.ses), is offered for resumption.
   */
  connect(peer: Peer, ses?: Uint8Array | null): void {
    if (!this.get(peer)) {
      try {
        this.r.start(this, peer, ses);
      } catch (e) {
        // a failing crypto backend or rng: the host sees no connection
      }
    }
  }

  poll(now: number): number {
    var next = -1;
    var d;
    var sessions = this.s;
    var o = this.o;
    // Keys first: a session may be deleted below, and deleting during for-in is not
    // something to rely on in Espruino's interpreter.
    var ks: string[] = [];
    var busy = false;
    for (var k in sessions) ks.push(k);
    for (var i = 0; i < ks.length; i++) {
      var s = sessions[ks[i]];
      var hs = s && s.hs;
      if (!hs) continue;
      busy = true;
      if (hs.deadline < 0) hs.deadline = now + (o.handshakeTimeout || DTLS.HANDSHAKE_TIMEOUT);
      if (now >= hs.deadline) {
        this.hs().timeout(s);
        continue;
      }
      d = hs.deadline;
      if (s.flight) {
        if (hs.due < 0) hs.due = now + hs.rto!;
        else if (now >= hs.due) {
          try {
            this.hs().transmit(s);
          } catch (e) {
            // a failing crypto backend: the deadline ends it
          }
          hs.rto = Math.min(hs.rto! * 2, o.retransmitMax || DTLS.RETRANSMIT_MAX);
          hs.due = now + hs.rto;
        }
        if (hs.due < d) d = hs.due;
      }
      if (next < 0 || d < next) next = d;
    }
    // No handshake running: the cold half goes (a session still holding its final flight gets it back when the peer repeats).
    if (!busy) this.x = null;
    d = this.r.tick ? this.r.tick(this, now) : -1;
    return d >= 0 && (next < 0 || d < next) ? d : next;
  }

  /** Sends close_notify (if connected) and forgets the peer. */
  close(peer: Peer): void {
    var s = this.get(peer);
    if (!s) return;
    try {
      if (s.state === DTLS.ESTABLISHED) this.hs().alert(s, AlertLevel.WARNING, A.CLOSE_NOTIFY);
    } catch (e) {
      // closing anyway
    }
    this.hs().drop(s);
  }
}

/** An endpoint around a role (server.ts and the tests build endpoints with it). */
export function createEndpoint(o: DtlsOptions, role: Role): DtlsEndpoint {
  return new DtlsEndpoint(o, role);
}
