// Connectivity Monitoring (object 4, v1.2): read live from the board's network port.
import { LwObject, ON_READ } from './core/registry';
import { objDef } from './core/defs';
import { Multi, Value } from './core/types';
import { Board } from './board';
import { multi } from './3-device';

// A top-level function over the board kept on the object (0-security.ts says why).
function hook(this: LwObject, ev: number, iid: number, rid: number): Value | Multi | undefined {
  if (ev !== ON_READ) return undefined;
  var n = (this as LwObject & { hw: Board }).hw.net();
  return rid === 0 ? n.bearer : rid === 1 ? multi(n.available) : rid === 2 ? n.rssi : rid === 3 ? n.lq : rid === 4 ? multi(n.ips) : rid === 5 ? multi(n.routers) : rid === 6 ? n.util : multi(n.apn);
}

export function connectivityMonitoring(board: Board): LwObject {
  var o = new LwObject(objDef(4)!) as LwObject & { hw: Board };
  o.hw = board;
  o.add(0);
  o.hook = hook;
  return o;
}
