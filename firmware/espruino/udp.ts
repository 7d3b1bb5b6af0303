// DatagramPort on Espruino's dgram (ESPRUINO.md "Board modules"): a Uint8Array handed
// to send() goes out as the text "1,2,3", so bytes travel as binary strings
// (E.toString); incoming messages are binary strings (E.toUint8Array); datagrams over
// 528 bytes are truncated unless recvBufferSize is raised, so it is raised above the
// largest datagram the stack sends or accepts.
import type { DatagramPort, Peer } from '../../transport/ports';
import type { EspSocket, Natives } from './native';
import type { Scheduler } from './scheduler';

/** Above the largest datagram: a 1152-byte CoAP block (RFC 7959 SZX 6 = 1024) plus DTLS/CoAP headers. */
export var RECV_BUFFER_SIZE = 2048;

export interface UdpOptions {
  /** Local port to bind (chosen by the caller: Espruino's dgram has no address() to learn one bind(0) picked). */
  port: number;
  recvBufferSize?: number;
  /**
   * The board's scheduler (index.ts, openUdp): each datagram is one of its turns, delivered with
   * its time of arrival while the scheduler is busy (a value it changes, say a Bootstrap-Write's
   * ~10 resources, neither reads the clock nor arms a timer: Scheduler.add), then every engine polled.
   */
  turn?: Scheduler;
}

export class EspruinoUdp implements DatagramPort {
  n: Natives;
  sock: EspSocket;
  port: number;
  closed: boolean;
  sent: number;
  received: number;
  dropped: number;
  /**
   * What the socket's listener (input(), bound) reads: the layer above's entry point, its error
   * report and the scheduler (UdpOptions.turn; these two absent unless given). Fields, not a
   * closure over the constructor's scope, which would keep every argument for good (docs/memory.md, rule 4).
   */
  rx: (data: Uint8Array, peer: Peer, now: number) => void;
  declare err?: (e: any) => void;
  declare turn?: Scheduler;

  /**
   * `onMessage` is the receive path's entry point: an exception there is caught here
   * (it must never reach Espruino's event loop) and reported to `onError` (default: the turn's
   * scheduler's, UdpOptions.turn). `now`: the time of
   * arrival with UdpOptions.turn, else 0.
   */
  constructor(n: Natives, opts: UdpOptions, onMessage: (data: Uint8Array, peer: Peer, now: number) => void, onError?: (e: any) => void, onBound?: () => void) {
    this.n = n;
    this.port = opts.port;
    this.closed = false;
    this.sent = 0;
    this.received = 0;
    this.dropped = 0;
    this.rx = onMessage;
    var err = onError || (opts.turn && opts.turn.onError);
    if (err) this.err = err;
    if (opts.turn) this.turn = opts.turn;
    // (no `type: 'udp4'`: Espruino's dgram ignores it but keeps the options object with the socket
    // for good, 2 variables more; a 1000-byte datagram still arrives whole on the stand-in)
    this.sock = n.require('dgram').createSocket({ recvBufferSize: opts.recvBufferSize || RECV_BUFFER_SIZE });
    this.sock.on('message', this.input.bind(this));
    if (err) this.sock.on('error', err);
    this.sock.bind(opts.port, onBound);
  }

  /** A datagram from the socket (its 'message' listener): never throws into Espruino's event loop. */
  input(msg: string, rinfo: { address: string; port: number }): void {
    if (this.closed) return;
    var s = this.turn;
    if (s) s.busy = true;
    try {
      var data = this.n.E.toUint8Array(msg);
      this.received++;
      this.rx(data, { address: rinfo.address, port: rinfo.port }, s ? s.clock.now() : 0);
    } catch (e) {
      this.dropped++;
      if (this.err) this.err(e);
    }
    if (s) {
      s.busy = false;
      s.kick();
    }
  }

  send(data: Uint8Array, peer: Peer): void {
    if (this.closed) return;
    // E.toString returns undefined when it cannot allocate: drop, UDP is lossy by contract
    var s = this.n.E.toString(data);
    if (s === undefined || s.length !== data.length) {
      this.dropped++;
      return;
    }
    this.sent++;
    this.sock.send(s, peer.port, peer.address);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.close();
  }
}
