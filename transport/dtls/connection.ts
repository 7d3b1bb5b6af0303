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
import {
  A_CLOSE_NOTIFY, A_NO_RENEGOTIATION, ALERT_FATAL, ALERT_WARNING, CT_ALERT, CT_APPLICATION_DATA,
  CT_CHANGE_CIPHER_SPEC, CT_HANDSHAKE, HT_CLIENT_HELLO, HT_FINISHED, HT_HELLO_REQUEST, RECORD_HEADER,
} from './constants';
import { DirectionKeys, DtlsRecord, open, parseRecords, ReplayWindow, seal, writeRecord } from './record';
import { encodeHandshake, HsFragment, parseFragments } from './handshake';

/** What the host hears about connections. `name` is stable, `message` is for people. */
export interface DtlsEvent {
  type: 'connected' | 'closed' | 'error';
  peer: Peer;
  /** For errors: handshake_timeout | alert_received | alert_sent | no_psk */
  name?: string;
  /** AlertDescription received or sent. */
  alert?: number;
  message?: string;
}

export interface DtlsOptions {
  /** The datagram port below (UDP). */
  socket: DatagramPort;
  crypto: CryptoBackend;
  rng: Rng;
  /** Application data, delivered only after the peer's Finished verified. */
  onData: (data: Uint8Array, peer: Peer) => void;
  onEvent?: (e: DtlsEvent) => void;
  /** RFC 6347 §4.2.4.1: initial retransmission timer, 1 s (RFC 7925 §11 suggests 9 s for slow links). */
  retransmitInitial?: number;
  /** The timer doubles up to this, 60 s. */
  retransmitMax?: number;
  /** A handshake not finished within this many ms fails with `handshake_timeout` (default 60 s). */
  handshakeTimeout?: number;
  /** Largest datagram we send (default 1152, inside IPv6's 1280 minus headers). */
  mtu?: number;
}

export var ESTABLISHED = 100;

/** One message of a flight: content type, epoch, bytes (a whole handshake message, or the CCS byte). */
export interface FlightEntry {
  t: number;
  e: number;
  b: Uint8Array;
}

interface Partial {
  t: number;
  body: Uint8Array;
  have: Uint8Array;
  got: number;
}

/** Handshake-only state: dropped once the peer's Finished is verified (DESIGN "free the handshake at Finished"). */
export class Handshake {
  state: number;
  nextSend: number;
  nextRecv: number;
  /** Messages being reassembled, keyed 'm' + message_seq (RFC 6347 §4.2.3). */
  parts: { [k: string]: Partial };
  /** Handshake messages hashed for Finished (RFC 6347 §4.2.6: not the first ClientHello nor HelloVerifyRequest). */
  transcript: Uint8Array[];
  clientRandom: Uint8Array;
  serverRandom: Uint8Array | null;
  cookie: Uint8Array;
  psk: Uint8Array | null;
  master: Uint8Array | null;
  expectFinished: Uint8Array | null;
  rto: number;
  /** Next retransmission; -1 = arm at the next poll. */
  due: number;
  deadline: number;
  constructor(clientRandom: Uint8Array) {
    this.state = 0;
    this.nextSend = 0;
    this.nextRecv = 0;
    this.parts = {};
    this.transcript = [];
    this.clientRandom = clientRandom;
    this.serverRandom = null;
    this.cookie = new Uint8Array(0);
    this.psk = null;
    this.master = null;
    this.expectFinished = null;
    this.rto = 0;
    this.due = -1;
    this.deadline = -1;
  }
}

export class Session {
  peer: Peer;
  state: number;
  rEpoch: number;
  wEpoch: number;
  /** Next record sequence number per write epoch (index 0, 1). */
  wSeq: number[];
  /** Epoch-1 keys, derived before the CCS that switches to them. */
  rk: DirectionKeys | null;
  wk: DirectionKeys | null;
  /** Replay window of the current read epoch (epoch 0 is not windowed: see onRecord). */
  win: ReplayWindow;
  hs: Handshake | null;
  /** Our last flight, kept for retransmission (the server keeps its final flight until the client's data proves it arrived). */
  flight: FlightEntry[] | null;
  /** message_seq of the last message of the peer's flight our `flight` answers: its repeat means ours was lost. */
  peerEnd: number;
  identity: Uint8Array | null;
  /** Application data waiting for the handshake (client). */
  queue: Uint8Array[];
  constructor(peer: Peer, hs: Handshake) {
    this.peer = { address: peer.address, port: peer.port };
    this.state = 0;
    this.rEpoch = 0;
    this.wEpoch = 0;
    this.wSeq = [0, 0];
    this.rk = null;
    this.wk = null;
    this.win = new ReplayWindow();
    this.hs = hs;
    this.flight = null;
    this.peerEnd = -1;
    this.identity = null;
    this.queue = [];
  }
}

/** What differs between client and server. */
export interface Role {
  /** Before session lookup: the server answers ClientHellos statelessly here. True = consumed. */
  pre(ep: DtlsEndpoint, r: DtlsRecord, peer: Peer): boolean;
  /** The application wants to send to a peer with no session: the client starts one; the server cannot. */
  start(ep: DtlsEndpoint, peer: Peer): Session | null;
  /** One complete, in-order handshake message during the handshake. */
  message(ep: DtlsEndpoint, s: Session, type: number, body: Uint8Array, whole: Uint8Array): void;
  /** Periodic role work (server: cookie secret rotation); returns a deadline or -1. */
  tick(ep: DtlsEndpoint, now: number): number;
}

function printable(id: Uint8Array | null): string {
  if (!id) return '(none)';
  for (var i = 0; i < id.length; i++) if (id[i] < 32 || id[i] > 126) return toHex(id);
  var s = '';
  for (i = 0; i < id.length; i++) s += String.fromCharCode(id[i]);
  return '"' + s + '"';
}

export class DtlsEndpoint implements DatagramPort, Pollable {
  o: DtlsOptions;
  role: Role;
  /** Sessions keyed 'p' + address:port. */
  s: { [k: string]: Session };
  now: number;
  constructor(o: DtlsOptions, role: Role) {
    this.o = o;
    this.role = role;
    this.s = {};
    this.now = 0;
  }

  random(n: number): Uint8Array {
    var b = new Uint8Array(n);
    this.o.rng.fill(b);
    return b;
  }

  get(peer: Peer): Session | null {
    return this.s['p' + peerKey(peer)] || null;
  }

  put(s: Session): void {
    this.s['p' + peerKey(s.peer)] = s;
  }

  /** True once the handshake with `peer` completed. */
  isConnected(peer: Peer): boolean {
    var s = this.get(peer);
    return !!s && s.state === ESTABLISHED;
  }

  /** DatagramPort: protect and send, or queue (up to 4) while the client's handshake runs. */
  send(data: Uint8Array, peer: Peer): void {
    try {
      var s = this.get(peer);
      if (s && s.state === ESTABLISHED) {
        this.record(s, CT_APPLICATION_DATA, 1, data);
        return;
      }
      if (!s) s = this.role.start(this, peer);
      if (s) {
        if (s.queue.length >= 4) s.queue.shift();
        s.queue.push(copyOf(data));
      }
    } catch (e) {
      // a failing crypto backend: nothing sent
    }
  }

  /** From the socket below. Never throws: every bad input is dropped or answered with an alert. */
  receive(data: Uint8Array, peer: Peer): void {
    try {
      this.input(data, peer);
    } catch (e) {
      // RFC 6347 §4.1.2.7: invalid input is discarded; an exception must not reach the socket.
      // (The fuzz tests call input() directly, so a throw there is a failure, not hidden.)
    }
  }

  input(data: Uint8Array, peer: Peer): void {
    var rs = parseRecords(data);
    for (var i = 0; i < rs.length; i++) {
      if (this.role.pre(this, rs[i], peer)) continue;
      var s = this.get(peer);
      if (s) this.onRecord(s, rs[i]);
    }
  }

  poll(now: number): number {
    this.now = now;
    var next = -1;
    var d;
    for (var k in this.s) {
      var s = this.s[k];
      var hs = s.hs;
      if (!hs) continue;
      if (hs.deadline < 0) hs.deadline = now + (this.o.handshakeTimeout || 60000);
      if (now >= hs.deadline) {
        this.fail(s, 'handshake_timeout', -1, 'DTLS handshake with ' + peerKey(s.peer) + ' as PSK identity ' + printable(s.identity) +
          ' timed out after ' + (this.o.handshakeTimeout || 60000) + ' ms (no answer: wrong PSK or identity, or server unreachable)');
        continue;
      }
      d = hs.deadline;
      if (s.flight) {
        if (hs.due < 0) hs.due = now + hs.rto;
        else if (now >= hs.due) {
          this.transmit(s);
          hs.rto = Math.min(hs.rto * 2, this.o.retransmitMax || 60000);
          hs.due = now + hs.rto;
        }
        if (hs.due < d) d = hs.due;
      }
      if (next < 0 || d < next) next = d;
    }
    d = this.role.tick(this, now);
    if (d >= 0 && (next < 0 || d < next)) next = d;
    return next;
  }

  /** Sends close_notify (if connected) and forgets the peer. */
  close(peer: Peer): void {
    var s = this.get(peer);
    if (!s) return;
    try {
      if (s.state === ESTABLISHED) this.alert(s, ALERT_WARNING, A_CLOSE_NOTIFY);
    } catch (e) {
      // closing anyway
    }
    this.drop(s);
  }

  drop(s: Session): void {
    if (this.s['p' + peerKey(s.peer)] === s) delete this.s['p' + peerKey(s.peer)];
  }

  emit(e: DtlsEvent): void {
    if (this.o.onEvent) this.o.onEvent(e);
  }

  /** Ends the session with an error event; `alert` ≥ 0 is sent first as a fatal alert. */
  fail(s: Session, name: string, alert: number, message: string): void {
    if (alert >= 0) this.alert(s, ALERT_FATAL, alert);
    this.drop(s);
    this.emit({ type: 'error', peer: s.peer, name: name, alert: alert >= 0 ? alert : undefined, message: message });
  }

  /** A fatal alert for a protocol violation during the handshake. */
  abort(s: Session, alert: number, why: string): void {
    this.fail(s, 'alert_sent', alert, 'DTLS handshake with ' + peerKey(s.peer) + ' aborted: ' + why + ' (alert ' + alert + ')');
  }

  alert(s: Session, level: number, desc: number): void {
    this.record(s, CT_ALERT, s.wEpoch, new Uint8Array([level, desc]));
  }

  /** One record, one datagram. */
  record(s: Session, type: number, epoch: number, plain: Uint8Array): void {
    var seq = s.wSeq[epoch]++;
    var f = epoch ? seal(this.o.crypto, s.wk!, type, epoch, seq, plain) : plain;
    var out = new Uint8Array(RECORD_HEADER + f.length);
    writeRecord(out, 0, type, epoch, seq, f);
    this.o.socket.send(out, s.peer);
  }

  /** Sends a new flight and (during a handshake) restarts the retransmission timer. */
  flight(s: Session, entries: FlightEntry[]): void {
    s.flight = entries;
    var hs = s.hs;
    if (hs) {
      s.peerEnd = hs.nextRecv - 1;
      hs.rto = this.o.retransmitInitial || 1000;
      hs.due = -1;
    }
    this.transmit(s);
  }

  /** (Re)sends the current flight: fresh record sequence numbers, records packed into datagrams up to the MTU. */
  transmit(s: Session): void {
    var fl = s.flight!;
    var mtu = this.o.mtu || 1152;
    var recs: Uint8Array[] = [];
    var i;
    for (i = 0; i < fl.length; i++) {
      var e = fl[i];
      var seq = s.wSeq[e.e]++;
      var f = e.e ? seal(this.o.crypto, s.wk!, e.t, e.e, seq, e.b) : e.b;
      var r = new Uint8Array(RECORD_HEADER + f.length);
      writeRecord(r, 0, e.t, e.e, seq, f);
      recs.push(r);
      if (e.t === CT_CHANGE_CIPHER_SPEC) s.wEpoch = 1;
    }
    var batch: Uint8Array[] = [];
    var n = 0;
    for (i = 0; i <= recs.length; i++) {
      if (batch.length && (i === recs.length || n + recs[i].length > mtu)) {
        this.o.socket.send(concat(batch), s.peer);
        batch = [];
        n = 0;
      }
      if (i < recs.length) {
        batch.push(recs[i]);
        n += recs[i].length;
      }
    }
  }

  onRecord(s: Session, r: DtlsRecord): void {
    // Records of another epoch are dropped (RFC 6347 §4.1 allows it); retransmission recovers.
    if (r.epoch !== s.rEpoch) return;
    var data: Uint8Array | null = r.fragment;
    if (r.epoch) {
      // RFC 6347 §4.1.2.6-7: replay check, then the MAC; only an authentic record moves the window.
      if (!s.win.check(r.seq)) return;
      data = open(this.o.crypto, s.rk!, r);
      if (!data) return;
      s.win.mark(r.seq);
    }
    // Epoch 0 is not replay-windowed: its records are unauthenticated anyway, handshake
    // messages are deduplicated by message_seq, and a stateless server's HelloVerifyRequest
    // and ServerHello may reuse record sequence numbers (RFC 6347 §4.2.1).
    var t = r.type;
    if (t === CT_HANDSHAKE) this.onHandshake(s, data);
    else if (t === CT_CHANGE_CIPHER_SPEC) {
      // Only once keys exist and before the switch; an early CCS (its flight partly lost) is dropped.
      if (data.length === 1 && data[0] === 1 && s.rk && s.rEpoch === 0 && s.hs) {
        s.rEpoch = 1;
        s.win = new ReplayWindow();
      }
    } else if (t === CT_ALERT) {
      if (data.length === 2) this.onAlert(s, data[0], data[1]);
    } else if (t === CT_APPLICATION_DATA) {
      // Never before Finished verified: ESTABLISHED is set only then (and epoch 1 is implied).
      if (s.state === ESTABLISHED) {
        // The client's data proves our final flight arrived (RFC 6347 §4.2.4).
        s.flight = null;
        this.o.onData(data, s.peer);
      }
    }
  }

  onAlert(s: Session, level: number, desc: number): void {
    if (desc === A_CLOSE_NOTIFY) {
      // RFC 5246 §7.2.1: answer close_notify with our own, then forget the session.
      if (s.state === ESTABLISHED) this.alert(s, ALERT_WARNING, A_CLOSE_NOTIFY);
      this.drop(s);
      this.emit({ type: 'closed', peer: s.peer });
    } else if (level !== ALERT_WARNING) {
      this.drop(s);
      this.emit({
        type: 'error', peer: s.peer, name: 'alert_received', alert: desc,
        message: 'DTLS fatal alert ' + desc + ' from ' + peerKey(s.peer) + ' (PSK identity ' + printable(s.identity) + ')',
      });
    }
    // other warnings (e.g. no_renegotiation) change nothing
  }

  onHandshake(s: Session, data: Uint8Array): void {
    var fs = parseFragments(data);
    if (!fs) return;
    for (var i = 0; i < fs.length; i++) {
      var m = fs[i];
      var hs = s.hs;
      if (!hs) {
        this.afterHandshake(s, m);
        continue;
      }
      if (m.message_seq < hs.nextRecv) {
        // The peer repeated its last flight: ours was lost (RFC 6347 §4.2.4).
        if (m.message_seq === s.peerEnd && m.fragment_offset === 0 && s.flight) this.transmit(s);
        continue;
      }
      // Bound what a peer can make us hold: 8 messages ahead, 4 KB each.
      if (m.message_seq >= hs.nextRecv + 8 || m.length > 4096) continue;
      var k = 'm' + m.message_seq;
      var p = hs.parts[k];
      if (!p) p = hs.parts[k] = { t: m.msg_type, body: new Uint8Array(m.length), have: new Uint8Array(m.length), got: 0 };
      else if (p.t !== m.msg_type || p.body.length !== m.length) continue;
      for (var j = 0; j < m.body.length; j++) {
        var at = m.fragment_offset + j;
        p.body[at] = m.body[j];
        if (!p.have[at]) {
          p.have[at] = 1;
          p.got++;
        }
      }
      // Deliver complete messages in message_seq order; a role may end the handshake or the session.
      while ((p = hs.parts['m' + hs.nextRecv]) && p.got === p.body.length) {
        delete hs.parts['m' + hs.nextRecv];
        var whole = encodeHandshake(p.t, hs.nextRecv, p.body);
        hs.nextRecv++;
        this.role.message(this, s, p.t, p.body, whole);
        if (s.hs !== hs || !this.s['p' + peerKey(s.peer)]) break;
      }
    }
  }

  /** Handshake messages after Finished: repeats of the peer's Finished (our final flight was lost) or renegotiation. */
  afterHandshake(s: Session, m: HsFragment): void {
    if (m.message_seq === s.peerEnd && m.msg_type === HT_FINISHED && s.flight) this.transmit(s);
    // Renegotiation is refused (RFC 5246 §7.2.2 no_renegotiation, a warning).
    else if (m.msg_type === HT_CLIENT_HELLO || m.msg_type === HT_HELLO_REQUEST) this.alert(s, ALERT_WARNING, A_NO_RENEGOTIATION);
  }

  /** The handshake is over: drop its state, send what waited. */
  established(s: Session): void {
    s.hs = null;
    s.state = ESTABLISHED;
    this.emit({ type: 'connected', peer: s.peer });
    var q = s.queue;
    s.queue = [];
    for (var i = 0; i < q.length && s.state === ESTABLISHED; i++) this.record(s, CT_APPLICATION_DATA, 1, q[i]);
  }

  /** master_secret, keys (RFC 5246 §8.1, §6.3; RFC 4279 §2) and the Finished values, from the PSK and the transcript so far. */
  deriveKeys(s: Session, isClient: boolean): void {
    var hs = s.hs!;
    var c = this.o.crypto;
    var psk = hs.psk!;
    // premaster = uint16 N ‖ N zero bytes ‖ uint16 N ‖ psk (RFC 4279 §2)
    var n = psk.length;
    var pms = new Uint8Array(4 + 2 * n);
    pms[0] = pms[n + 2] = n >> 8;
    pms[1] = pms[n + 3] = n & 255;
    pms.set(psk, n + 4);
    hs.master = prf(c, pms, 'master secret', concat([hs.clientRandom, hs.serverRandom!]), 48);
    // key_block: client_write_key, server_write_key, client_write_IV, server_write_IV (AEAD: no MAC keys)
    var kb = prf(c, hs.master, 'key expansion', concat([hs.serverRandom!, hs.clientRandom]), 40);
    var ck = { key: kb.subarray(0, 16), iv: kb.subarray(32, 36) };
    var sk = { key: kb.subarray(16, 32), iv: kb.subarray(36, 40) };
    s.wk = isClient ? ck : sk;
    s.rk = isClient ? sk : ck;
    hs.psk = null;
  }

  /** verify_data = PRF(master_secret, label, SHA-256(handshake_messages))[0..11] (RFC 5246 §7.4.9). */
  finished(hs: Handshake, label: string): Uint8Array {
    return prf(this.o.crypto, hs.master!, label, this.o.crypto.sha256(concat(hs.transcript)), 12);
  }
}
