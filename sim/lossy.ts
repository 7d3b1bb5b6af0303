// A lossy network between the device and its servers, seeded so a failure replays:
// each datagram is dropped with probability `loss`, else duplicated with `dup`, else
// delayed by up to `maxDelay` ms with `reorder` (later ones overtake it).
import type { Peer } from '../transport/ports';
import { seededRng } from './node-ports';

export interface LossyOptions {
  loss: number;
  dup?: number;
  reorder?: number;
  maxDelay?: number;
  seed?: number;
}

export class Lossy {
  private r: ReturnType<typeof seededRng>;
  stats = { sent: 0, dropped: 0, duplicated: 0, delayed: 0 };
  private timers = new Set<NodeJS.Timeout>();
  constructor(private o: LossyOptions) {
    this.r = seededRng(o.seed || 1);
  }
  private rand(): number {
    return this.r.next() / 2 ** 32;
  }
  /** A lossy version of `send`. */
  wrap(send: (data: Uint8Array, peer: Peer) => void): (data: Uint8Array, peer: Peer) => void {
    return (data, peer) => {
      this.stats.sent++;
      if (this.rand() < this.o.loss) {
        this.stats.dropped++;
        return;
      }
      const copy = Uint8Array.from(data);
      if (this.rand() < (this.o.dup || 0)) {
        this.stats.duplicated++;
        this.later(() => send(copy, peer), this.rand() * (this.o.maxDelay || 50));
      }
      if (this.rand() < (this.o.reorder || 0)) {
        this.stats.delayed++;
        this.later(() => send(copy, peer), this.rand() * (this.o.maxDelay || 50));
      } else send(copy, peer);
    };
  }
  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
