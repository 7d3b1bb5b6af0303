// Connectivity Statistics (object 7, v1.0): the transport reports every datagram
// through count(); counting runs between Start and Stop (or the Collection Period).
import { LwObject, ON_READ, ON_EXECUTE } from './core/registry';
import { objDef } from './core/defs';
import { CHANGED } from './core/errors';
import { Multi, Value } from './core/types';
import { Clock } from '../transport/ports';

export interface StatsApi {
  obj: LwObject;
  /** One datagram of `bytes` sent (tx) or received. */
  count(tx: boolean, bytes: number): void;
  poll(now: number): number;
}

export function connectivityStatistics(clock: Clock): StatsApi {
  var o = new LwObject(objDef(7)!);
  o.add(0, { 8: 0 });
  var on = false;
  var tx = 0;
  var rx = 0;
  var n = 0;
  var max = 0;
  var until = -1;
  o.hook = function (ev: number, iid: number, rid: number): Value | Multi | undefined {
    if (ev === ON_READ) return rid === 2 ? Math.floor(tx / 1024) : rid === 3 ? Math.floor(rx / 1024) : rid === 4 ? max : rid === 5 ? (n ? Math.floor((tx + rx) / n) : 0) : undefined;
    if (ev !== ON_EXECUTE) return undefined;
    on = rid === 6;
    if (on) {
      tx = rx = n = max = 0;
      var p = o.i[0][8] as number;
      until = p > 0 ? clock.now() + p * 1000 : -1;
    } else until = -1;
    return CHANGED;
  };
  return {
    obj: o,
    count: function (isTx: boolean, bytes: number): void {
      if (!on) return;
      if (isTx) tx += bytes;
      else rx += bytes;
      n++;
      if (bytes > max) max = bytes;
    },
    poll: function (now: number): number {
      if (until >= 0 && now >= until) {
        on = false;
        until = -1;
      }
      return until;
    },
  };
}
