// Runs a DTLS endpoint on a real UDP socket in Node: datagrams in → receive(), one
// timer driving poll(now). Used by the simulator's servers and the interop tests.
import dgram from 'node:dgram';
import { randomFillSync } from 'node:crypto';
import type { DatagramPort, Peer, Rng } from '../transport/ports';
import type { DtlsEndpoint } from '../transport/dtls/connection';

export const nodeRng: Rng = { fill: (out) => void randomFillSync(out) };

export interface UdpDtls<E extends DtlsEndpoint> {
  ep: E;
  port: number;
  /** poll now and re-arm the timer: call after send() from outside a callback. */
  kick(): void;
  close(): Promise<void>;
}

export function runOnUdp<E extends DtlsEndpoint>(make: (socket: DatagramPort) => E, port = 0, address = '127.0.0.1'): Promise<UdpDtls<E>> {
  const sock = dgram.createSocket('udp4');
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const socket: DatagramPort = {
    send: (data, peer) => {
      if (!closed) sock.send(data, peer.port, peer.address, () => {});
    },
  };
  const ep = make(socket);
  const kick = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = null;
    const next = ep.poll(Date.now());
    if (next >= 0) timer = setTimeout(kick, Math.max(0, next - Date.now()));
  };
  sock.on('message', (msg, rinfo) => {
    const peer: Peer = { address: rinfo.address, port: rinfo.port };
    ep.receive(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), peer);
    kick();
  });
  sock.on('error', () => {});
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, address, () => {
      kick();
      resolve({
        ep,
        port: sock.address().port,
        kick,
        close: () =>
          new Promise((res) => {
            closed = true;
            if (timer) clearTimeout(timer);
            sock.close(() => res());
          }),
      });
    });
  });
}
