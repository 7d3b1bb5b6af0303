// Connectivity Statistics (object 7, v1.0): the transport reports every datagram
// through count(); counting runs between Start and Stop (or the Collection Period).
import { LwObject, ON_READ, ON_EXECUTE } from './core/registry';
import { objDef } from './core/defs';
import { CHANGED } from './core/errors';
import { Multi, Value } from './core/types';
import { Clock } from '../transport/ports';

/** The Connectivity Statistics object, with what the transport and the scheduler call. */
export interface StatsApi extends LwObject {
  /** One datagram of `bytes` sent (tx) or received. */
  count(tx: boolean, bytes: number): void;
  poll(now: number): number;
}

// State on the object, read by top-level functions (0-security.ts says why not closures).
// Absent until the first Start: a device that never counts holds none of it (on Espruino each
// property costs a variable or two).
interface Stats extends StatsApi {
  clk: Clock;
  /** Counting (between Start and Stop). */
  run?: boolean;
  /** Bytes sent and received, datagrams, the largest datagram. */
  tx: number;
  rx: number;
  n?: number;
  max: number;
  /** End of the Collection Period (ms); absent or -1: none. */
  end?: number;
}

function hook(this: LwObject, ev: number, iid: number, rid: number): Value | Multi | undefined {
  var s = this as Stats;
  if (ev === ON_READ) {
    // nothing counted (or never started): every counter 0; Collection Period 0 until written
    if (rid >= 2 && rid <= 5 && !s.n) return 0;
    if (rid === 8) return s.i[iid] && s.i[iid][8] === undefined ? 0 : undefined;
    return rid === 2 ? Math.floor(s.tx / 1024) : rid === 3 ? Math.floor(s.rx / 1024) : rid === 4 ? s.max : rid === 5 ? Math.floor((s.tx + s.rx) / s.n!) : undefined;
  }
  if (ev !== ON_EXECUTE) return undefined;
  s.run = rid === 6;
  if (s.run) {
    s.tx = s.rx = s.n = s.max = 0;
    var p = s.i[0][8] as number;
    s.end = p > 0 ? s.clk.now() + p * 1000 : -1;
  } else s.end = -1;
  return CHANGED;
}

function count(this: StatsApi, isTx: boolean, bytes: number): void {
  var s = this as Stats;
  if (!s.run) return;
  if (isTx) s.tx += bytes;
  else s.rx += bytes;
  s.n!++;
  if (bytes > s.max) s.max = bytes;
}

function poll(this: StatsApi, now: number): number {
  var s = this as Stats;
  if (s.end! >= 0 && now >= s.end!) {
    s.run = false;
    s.end = -1;
  }
  return s.end! >= 0 ? s.end! : -1;
}

export function connectivityStatistics(clock: Clock): StatsApi {
  var o = new LwObject(objDef(7)!) as Stats;
  o.add(0);
  o.clk = clock;
  o.hook = hook;
  o.count = count;
  o.poll = poll;
  return o;
}
