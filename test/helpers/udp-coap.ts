// A CoAP endpoint on a real Node UDP socket bound to 127.0.0.1, driven by one timer
// from the endpoint's poll(now) deadline (as the board's main loop will do).
import dgram from 'node:dgram';
import { randomFillSync } from 'node:crypto';
import { CoapEndpoint, type EndpointOptions } from '../../transport/coap/index';

export class UdpCoap {
  sock: dgram.Socket;
  ep: CoapEndpoint;
  port = 0;
  /** datagrams sent, by CoAP message type (CON, NON, ACK, RST) */
  sentTypes = [0, 0, 0, 0];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(opts: Partial<EndpointOptions> = {}) {
    this.sock = dgram.createSocket('udp4');
    this.ep = new CoapEndpoint({
      rng: opts.rng || { fill: (b) => void randomFillSync(b) },
      params: opts.params,
      onRequest: opts.onRequest,
      port: {
        send: (bytes, peer) => {
          if (this.closed) return;
          this.sentTypes[(bytes[0] >> 4) & 3]++;
          this.sock.send(bytes, peer.port, peer.address);
        },
      },
    });
    this.sock.on('message', (msg, rinfo) => {
      this.ep.receive(new Uint8Array(msg), { address: rinfo.address, port: rinfo.port }, this.now());
      this.kick();
    });
  }

  now(): number {
    return Math.floor(performance.now());
  }

  bind(port = 0): Promise<number> {
    return new Promise((resolve) => this.sock.bind(port, '127.0.0.1', () => resolve((this.port = this.sock.address().port))));
  }

  /** Run what is due and re-arm the single timer; call after anything done from outside. */
  kick(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = this.now();
    const next = this.ep.poll(now);
    if (next >= 0) this.timer = setTimeout(() => this.kick(), Math.max(0, next - now));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.sock.close();
  }
}
