// Location (object 6, v1.0): from the board's location port, or values the
// application sets (reg.obj(6).set(0, rid, v)).
import { LwObject, ON_READ } from './core/registry';
import { objDef } from './core/defs';
import { Multi, Value } from './core/types';
import { Board } from './board';

/** Location's resource IDs (OMA object 6). */
export const enum LocationRes {
  Latitude = 0,
  Longitude = 1,
  Altitude = 2,
  Radius = 3,
  Timestamp = 5,
  Speed = 6,
}

// A top-level function over the board kept on the object (0-security.ts says why).
function hook(this: LwObject, ev: number, iid: number, rid: number): Value | Multi | undefined {
  var board = (this as LwObject & { hw: Board }).hw;
  if (ev !== ON_READ) return undefined;
  var l = board.location ? board.location() : null;
  var v = !l ? undefined : rid === LocationRes.Latitude ? l.lat : rid === LocationRes.Longitude ? l.lon : rid === LocationRes.Altitude ? l.alt : rid === LocationRes.Radius ? l.radius : rid === LocationRes.Timestamp ? l.ts : l.speed;
  if (v !== undefined) return v;
  // else what the application set, else 0 for the mandatory Latitude, Longitude and Timestamp
  // (not stored: a stored value holds Espruino variables for good)
  var x = this.i[iid];
  return x && x[rid] === undefined && (rid === LocationRes.Latitude || rid === LocationRes.Longitude || rid === LocationRes.Timestamp) ? 0 : undefined;
}

export function location(board: Board): LwObject {
  var o = new LwObject(objDef(6)!) as LwObject & { hw: Board };
  o.hw = board;
  o.add(0);
  o.hook = hook;
  return o;
}
