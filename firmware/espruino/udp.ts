// DatagramPort on Espruino's dgram (ESPRUINO.md "Board modules"): a Uint8Array handed
// to send() goes out as the text "1,2,3", so bytes travel as binary strings
// (E.toString); incoming messages are binary strings (E.toUint8Array); datagrams over
// 528 bytes are truncated unless recvBufferSize is raised, so it is raised above the
// largest datagram the stack sends or accepts.
import type { DatagramPort, Peer } from '../../transport/ports';
import type { EspSocket, Natives } from './native';

/** Above the largest datagram: a 1152-byte CoAP block (RFC 7959 SZX 6 = 1024) plus DTLS/CoAP headers. */
export var RECV_BUFFER_SIZE = 2048;

export interface UdpOptions {
  /** Local port to bind (chosen by the caller: Espruino's dgram has no address() to learn one bind(0) picked). */
  port: number;
  recvBufferSize?: number;
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
   * `onMessage` is the receive path's entry point: an exception there is caught here
   * (it must never reach Espruino's event loop) and reported to `onError`.
   */
  constructor(n: Natives, opts: UdpOptions, onMessage: (data: Uint8Array, peer: Peer) => void, onError?: (e: any) => void, onBound?: () => void) {
    this.n = n;
    this.port = opts.port;
    this.closed = false;
    this.sent = 0;
    this.received = 0;
    this.dropped = 0;
    var self = this;
    var report = onError || function () {};
    this.sock = n.require('dgram').createSocket({ type: 'udp4', recvBufferSize: opts.recvBufferSize || RECV_BUFFER_SIZE });
    this.sock.on('message', function (msg: string, rinfo: { address: string; port: number }) {
      if (self.closed) return;
      try {
        var data = n.E.toUint8Array(msg);
        self.received++;
        onMessage(data, { address: rinfo.address, port: rinfo.port });
      } catch (e) {
        self.dropped++;
        report(e);
      }
    });
    this.sock.on('error', function (e: any) {
      report(e);
    });
    this.sock.bind(opts.port, onBound);
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
