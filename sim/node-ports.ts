// Node implementations of the device ports (transport/ports.ts) for the simulator and
// the simulator's servers: UDP on dgram, storage in a directory, clock, random, and one
// timer driving every engine's poll(now) — the same shape the board uses.
import dgram from 'node:dgram';
import { randomFillSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, renameSync, rmSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, DatagramPort, Peer, Rng, Storage } from '../transport/ports';

export const nodeClock: Clock = { now: () => Date.now() };

export const nodeRng: Rng = { fill: (out: Uint8Array) => void randomFillSync(out) };

/** A deterministic Rng (xorshift32 over a seed) for tests, benchmarks and the lossy network. */
export function seededRng(seed: number): Rng & { next(): number } {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  return { next, fill: (out: Uint8Array) => { for (let i = 0; i < out.length; i++) out[i] = next() & 255; } };
}

export interface NodeUdp extends DatagramPort {
  readonly address: string;
  readonly port: number;
  close(): void;
}

/**
 * Binds a UDP socket (loopback unless told otherwise) and delivers every datagram to
 * `onMessage`. Send errors (e.g. ICMP port unreachable surfacing as ECONNREFUSED) are
 * reported to `onError` and never thrown: UDP is lossy by contract.
 */
export function bindUdp(
  opts: { address?: string; port?: number },
  onMessage: (data: Uint8Array, peer: Peer) => void,
  onError: (err: Error) => void = () => {},
): Promise<NodeUdp> {
  const sock = dgram.createSocket({ type: opts.address && opts.address.includes(':') ? 'udp6' : 'udp4' });
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(opts.port || 0, opts.address || '127.0.0.1', () => {
      sock.removeListener('error', reject);
      sock.on('error', onError);
      sock.on('message', (msg, rinfo) => {
        try {
          onMessage(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), { address: rinfo.address, port: rinfo.port });
        } catch (e) {
          onError(e as Error);
        }
      });
      const a = sock.address();
      let closed = false;
      resolve({
        address: a.address,
        port: a.port,
        send(data: Uint8Array, peer: Peer) {
          if (closed) return;
          sock.send(data, peer.port, peer.address, (err) => err && onError(err));
        },
        close() {
          if (closed) return;
          closed = true;
          sock.close();
        },
      });
    });
  });
}

/** Storage in a directory, one file per name; write is atomic (temporary file, then rename). */
export class FileStorage implements Storage {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }
  private path(name: string): string {
    if (!/^[A-Za-z0-9._-]{1,28}$/.test(name)) throw new Error(`bad storage name '${name}' (1-28 of [A-Za-z0-9._-])`);
    return join(this.dir, name);
  }
  read(name: string): Uint8Array | null {
    const p = this.path(name);
    return existsSync(p) ? new Uint8Array(readFileSync(p)) : null;
  }
  write(name: string, data: Uint8Array): void {
    const p = this.path(name);
    writeFileSync(p + '.tmp', data);
    renameSync(p + '.tmp', p);
  }
  erase(name: string): void {
    rmSync(this.path(name), { force: true });
  }
  list(prefix: string): string[] {
    return readdirSync(this.dir).filter((n) => n.startsWith(prefix) && !n.endsWith('.tmp')).sort();
  }
}

/** Storage in memory (tests, the fleet benchmark). */
export class MemoryStorage implements Storage {
  files: Record<string, Uint8Array> = {};
  read(name: string) {
    return this.files[name] ? new Uint8Array(this.files[name]) : null;
  }
  write(name: string, data: Uint8Array) {
    this.files[name] = new Uint8Array(data);
  }
  erase(name: string) {
    delete this.files[name];
  }
  list(prefix: string) {
    return Object.keys(this.files).filter((n) => n.startsWith(prefix)).sort();
  }
}

/** A temperature that wanders like a real room: bounded random walk, seeded. */
export class RandomWalk {
  private s: number;
  constructor(private value = 21.5, seed = 1, private step = 0.2, private min = -10, private max = 45) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    this.s = (Math.imul(this.s, 1103515245) + 12345) >>> 0;
    const r = this.s / 2 ** 32 - 0.5;
    this.value = Math.min(this.max, Math.max(this.min, this.value + r * 2 * this.step));
    return Math.round(this.value * 100) / 100;
  }
}

/**
 * One timer for many engines: after anything happens call `kick()`; it polls every
 * engine, then re-arms a single timer for the earliest deadline.
 */
export class Poller {
  private engines: { poll(now: number): number }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  constructor(private clock: Clock = nodeClock) {}
  add(e: { poll(now: number): number }): void {
    this.engines.push(e);
    this.kick();
  }
  remove(e: { poll(now: number): number }): void {
    this.engines = this.engines.filter((x) => x !== e);
  }
  kick(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    let next = -1;
    for (const e of this.engines.slice()) {
      const d = e.poll(now);
      if (d >= 0 && (next < 0 || d < next)) next = d;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (next >= 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.kick();
      }, Math.max(0, next - this.clock.now()));
    }
  }
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
