// A fake clock and a lossy fake network for CoAP endpoints: every datagram is logged
// with its time, sender and receiver; a drop rule decides which ones are lost.
import { CoapEndpoint, decode, type CoapMessage, type EndpointOptions } from '../../transport/coap/index';
import type { Peer, Rng } from '../../transport/ports';

/** Rng returning the same byte pattern every time: ACK_TIMEOUT randomisation becomes exact. */
export function fixedRng(byte = 0): Rng {
  return { fill: (out) => out.fill(byte) };
}

import { seededRng } from '../../sim/node-ports';
export { seededRng };

export interface Datagram {
  t: number;
  from: string;
  to: string;
  bytes: Uint8Array;
  msg: CoapMessage | number;
  dropped: boolean;
}

export class Net {
  now = 0;
  log: Datagram[] = [];
  queue: Datagram[] = [];
  nodes: Record<string, CoapEndpoint> = {};
  /** return true to lose this datagram */
  drop: (d: Datagram, index: number) => boolean = () => false;

  peer(name: string): Peer {
    return { address: name, port: 5683 };
  }

  /** A new endpoint reachable as `name`. */
  add(name: string, opts: Partial<EndpointOptions> & { rng?: Rng } = {}): CoapEndpoint {
    const ep = new CoapEndpoint({
      rng: opts.rng || fixedRng(0),
      onRequest: opts.onRequest,
      streamBlock1: opts.streamBlock1,
      params: opts.params,
      stats: true,
      port: {
        send: (bytes, to) => {
          const d: Datagram = { t: this.now, from: name, to: to.address, bytes: new Uint8Array(bytes), msg: decode(new Uint8Array(bytes)), dropped: false };
          d.dropped = this.drop(d, this.log.length);
          this.log.push(d);
          if (!d.dropped) this.queue.push(d);
        },
      },
    });
    this.nodes[name] = ep;
    return ep;
  }

  /** Deliver everything in flight (and what that causes), at the current time. */
  flush(): void {
    for (let guard = 0; this.queue.length && guard < 10000; guard++) {
      const d = this.queue.shift()!;
      const ep = this.nodes[d.to];
      if (ep) ep.receive(d.bytes, { address: d.from, port: 5683 }, this.now);
    }
  }

  /** Inject raw bytes into `to` as if sent by `from`. */
  inject(from: string, to: string, bytes: Uint8Array): void {
    this.nodes[to].receive(bytes, { address: from, port: 5683 }, this.now);
  }

  /** Earliest deadline over all endpoints (polling them at the current time first). */
  deadline(): number {
    let next = -1;
    for (const ep of Object.values(this.nodes)) {
      const d = ep.poll(this.now);
      if (d >= 0 && (next < 0 || d < next)) next = d;
    }
    return next;
  }

  /** Run the clock: deliver, poll, jump to the next deadline, until `until` or nothing is due. */
  run(until: number): void {
    for (let guard = 0; guard < 100000; guard++) {
      this.flush();
      const next = this.deadline();
      this.flush();
      if (this.queue.length) continue;
      if (next < 0 || next > until) break;
      this.now = next;
    }
    if (this.now < until) this.now = until;
    this.deadline();
    this.flush();
  }

  /** Datagrams sent by `from` (optionally only those at or after index `since`). */
  sent(from: string, since = 0): Datagram[] {
    return this.log.slice(since).filter((d) => d.from === from);
  }
}

export function msgOf(d: Datagram): CoapMessage {
  if (typeof d.msg === 'number') throw new Error('undecodable datagram');
  return d.msg;
}
