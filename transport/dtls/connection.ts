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
import { copyOf } from '../bytes';
import { CT, AlertLevel, A, DTLS } from './constants';
import { DtlsRecord, openFresh, parseRecords, ReplayWindow, SessionKeys } from './record';
import { handshaking, Handshaking, record } from './handshaking';

export type { Handshaking } from './handshaking';

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

/** A handshake message being reassembled (handshaking.ts). */
export interface Partial {
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

/**
 * A session. It is its own replay window (ReplayWindow's `top`, `lo`, `hi`: the current read
 * epoch's; epoch 0 is not windowed, see DtlsEndpoint.input), and what only the handshake needs
 * (`hs`, `queue`, and on the client `flight`, `peerEnd`) is deleted once it is over: plain fields,
 * no object or array of their own held for the session's life (docs/memory.md, rules 2 and 3).
 */
export interface Session extends ReplayWindow {
  peer: Peer;
  state?: number;
  rEpoch: number;
  wEpoch: number;
  /** Next record sequence number of write epoch 0, of epoch 1. */
  wSeq0: number;
  wSeq1: number;
  /** Epoch-1 keys, derived before the CCS that switches to them: ours to write with at KeyAt.WRITE, the peer's at KeyAt.READ. */
  keys?: SessionKeys;
  /** Deleted once the handshake is over. */
  hs?: Handshake | null;
  /** Our last flight, kept for retransmission (the server keeps its final flight until the client's data proves it arrived). */
  flight?: FlightEntry[] | null;
  /** message_seq of the last message of the peer's flight our `flight` answers: its repeat means ours was lost. */
  peerEnd?: number;
  /** PSK: the psk_identity (server: the client's; client: ours). RPK on the server: the client's SubjectPublicKeyInfo DER. */
  identity?: Uint8Array;
  /** True when the session uses raw public keys (TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, rpk.ts), absent for PSK. */
  rpk?: boolean;
  /** Application data waiting for the handshake (client); deleted once it is over. */
  queue?: Uint8Array[];
  /** The peer's Connection ID (RFC 9146): our protected records carry it as tls12_cid records. Absent: plain records. */
  cid?: Uint8Array;
}

/**
 * A session with `peer`, which it keeps as given: the client's is the application's own (the
 * board's connection holds it: a copy cost four Espruino variables more, and every CoAP
 * exchange and observation over the session refers to it); the server copies a datagram's.
 */
export function newSession(peer: Peer, hs: Handshake): Session {
  // state, keys, flight, peerEnd, identity start undefined; the replay window empty (record.ts newWindow())
  return { peer: peer, rEpoch: 0, wEpoch: 0, wSeq0: 0, wSeq1: 0, top: -1, lo: 0, hi: 0, hs: hs, queue: [] };
}

/** What of a role runs only to start or during a handshake: built with the endpoint's cold half (Handshaking.role). */
export interface RoleHalf {
  /**
   * The application wants to send to a peer with no session: the client starts one (offering
   * session record `ses` for resumption when given, resume.ts); the server cannot.
   */
  start(ep: DtlsEndpoint, peer: Peer, ses?: Uint8Array | null): Session | null;
  /** One complete, in-order handshake message during the handshake. */
  message(ep: DtlsEndpoint, s: Session, type: number, body: Uint8Array, whole: Uint8Array): void;
}

/** What differs between client and server. */
export interface Role {
  /** Before session lookup: the server answers ClientHellos statelessly here. True = consumed. Absent for the client. */
  pre?(ep: DtlsEndpoint, r: DtlsRecord, peer: Peer): boolean;
  /**
   * Its handshake half, asked for by `handshaking()` each time the cold half is built: on the board
   * the client's start and message functions then exist only while a handshake runs (client.ts).
   */
  half(): RoleHalf;
  /**
   * Periodic role work (server: cookie secret rotation; the RPK client: its public-key steps,
   * rpk.ts); returns a deadline or -1. `alone`: a turn for a step alone (work()), which does
   * nothing else and returns `now` only when a step ran.
   */
  tick?(ep: DtlsEndpoint, now: number, alone?: boolean): number;
  /** The session a tls12_cid record's Connection ID names, or null (dropped silently, RFC 9146 §6). Absent for the client, which gives no CID. */
  byCid?(ep: DtlsEndpoint, r: DtlsRecord): Session | null;
  /** A CID record newer than any before authenticated from another address: the session follows the peer there (RFC 9146 §6). */
  moved?(ep: DtlsEndpoint, s: Session, peer: Peer): void;
}

/**
 * An endpoint: the DatagramPort the layer above uses, plus what the roles call. A class, not
 * a factory of closures: on the board its methods exist once, at load, and a live connection
 * holds only its four fields (the closures of the earlier factory held ~130 variables for the
 * one connection: docs/memory.md, rules 4 and 7). What runs only during a handshake or on a rare event
 * (alerts, errors, close) is the cold half, `hs()`.
 */
export class DtlsEndpoint implements DatagramPort, Pollable {
  declare o: DtlsOptions;
  /** Sessions keyed 'p' + address:port. */
  declare s: { [k: string]: Session };
  declare r: Role;
  /** The cold half while it is needed, else absent (a `null` held costs a variable more): poll() lets it go. */
  declare x?: Handshaking;
  /** The earliest deadline of its handshakes at the last poll, without the role's tick (-1: none). */
  declare due: number;

  constructor(o: DtlsOptions, role: Role) {
    this.o = o;
    this.s = {};
    this.r = role;
    this.due = -1;
  }

  /** The cold half (Handshaking), built when first needed. */
  hs(): Handshaking {
    // Not inlined: Espruino lexes the code it skips, and with handshaking() written in here every
    // call of hs() while the half exists skipped its ~4 KB (0.4 M x86 instructions a call; the
    // PSK handshake calls it ~10 times a flight). Its closures then carry one scope, not two (docs/memory.md, rule 6).
    return this.x || (this.x = /*@__NOINLINE__*/ handshaking(this));
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
        var newer = r.seq > s.top;
        data = openFresh(this.o.crypto, s, r);
        if (!data) continue;
        if (r.cid) {
          // DTLSInnerPlaintext: content ‖ real type ‖ zero padding (RFC 9146 §4)
          var n = data.length;
          while (n && !data[n - 1]) n--;
          if (!n) continue;
          t = data[n - 1];
          data = data.subarray(0, n - 1);
          // authentic and newer than any before: the peer's new address (RFC 9146 §6)
          if (newer && peerKey(peer) !== peerKey(s.peer)) role.moved!(this, s, peer);
        }
      }
      // Epoch 0 is not replay-windowed: its records are unauthenticated anyway, handshake
      // messages are deduplicated by message_seq, and a stateless server's HelloVerifyRequest
      // and ServerHello may reuse record sequence numbers (RFC 6347 §4.2.1).
      if (t === CT.HANDSHAKE) this.hs().input(s, data);
      else if (t === CT.CHANGE_CIPHER_SPEC) {
        // Only once keys exist and before the switch; an early CCS (its flight partly lost) is dropped.
        if (data.length === 1 && data[0] === 1 && s.keys && !s.rEpoch && s.hs) {
          s.rEpoch = 1;
          s.top = -1;
          s.lo = s.hi = 0;
        }
      } else if (t === CT.ALERT) {
        if (data.length === 2) this.hs().peerAlert(s, data[0], data[1]);
      } else if (t === CT.APPLICATION_DATA && s.state === DTLS.ESTABLISHED) {
        // Never before Finished verified: ESTABLISHED is set only then (and epoch 1 is implied).
        // The client's data proves our final flight arrived (RFC 6347 §4.2.4).
        delete s.flight;
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
      if (!s) s = this.hs().role.start(this, peer);
      if (s) {
        var q = s.queue!;
        if (q.length >= 4) q.shift();
        q.push(copyOf(data));
      }
    } catch (e) {
      // a failing crypto backend: nothing sent
    }
  }

  /**
   * Starts a handshake with `peer` (client role) unless a session exists; `ses`, a session
   * record a `connected` event gave (DtlsEvent.ses), is offered for resumption. The session
   * keeps `peer` itself (as `send` does when it starts one): the caller does not change it.
   */
  connect(peer: Peer, ses?: Uint8Array | null): void {
    if (!this.get(peer)) {
      try {
        this.hs().role.start(this, peer, ses);
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
    if (!busy && this.x) delete this.x;
    this.due = next;
    d = this.r.tick ? this.r.tick(this, now) : -1;
    return d >= 0 && (next < 0 || d < next) ? d : next;
  }

  /** The role's public-key step alone (Pollable.work), before its handshakes' deadlines: true when one ran. */
  work(now: number): boolean {
    return (this.due < 0 || now < this.due) && !!this.r.tick && this.r.tick(this, now, true) === now;
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
