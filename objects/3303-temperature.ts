// Temperature (IPSO object 3303, v1.1): Sensor Value from the board's sensor
// port, sampled by poll(now) so that a change is reported (reg.onChange) for
// Observe; Min/Max Measured Value and their Reset. The board's sensors are instances 0..
// (one per sensor name); an instance a server creates (Core §5.4.6) reads no sensor and
// holds the values it was created with, and a server may delete it again (§5.4.7).
import { LwObject, ON_READ, ON_EXECUTE, ON_CREATED, ON_DELETE } from './core/registry';
import { Value } from './core/types';
import { objDef } from './core/defs';
import { CHANGED, NOT_ALLOWED } from './core/errors';
import { Board } from './board';

/** The Temperature object, with what the scheduler calls. */
export interface TemperatureApi extends LwObject {
  poll(now: number): number;
}

// State on the object, read by top-level functions (0-security.ts says why not closures).
interface Temp extends TemperatureApi {
  hw: Board;
  /** Sensor name of instances 0.. (the board's); a created instance has none. */
  sens: string[];
  /** ms between samples (absent: 5000), and the next sample's time. */
  per?: number;
  next: number;
}

function sample(o: Temp, iid: number): void {
  if (!o.sens[iid]) return;
  var v = o.hw.sensor(o.sens[iid]);
  var x = o.i[iid];
  if (!isFinite(v)) return; // a failed reading keeps the last value (NaN has no SenML JSON form)
  o.set(iid, 5700, v);
  if (x[5601] === undefined || v < (x[5601] as number)) o.set(iid, 5601, v);
  if (x[5602] === undefined || v > (x[5602] as number)) o.set(iid, 5602, v);
}

function hook(this: LwObject, ev: number, iid: number, rid: number): Value | undefined {
  var o = this as Temp;
  var x = o.i[iid];
  // the unit Cel and the range -40..125 °C unless a server's Create gave others: not stored (a
  // stored value holds Espruino variables for good)
  if (ev === ON_READ) return !x || x[rid] !== undefined ? undefined : rid === 5701 ? 'Cel' : rid === 5603 ? -40 : rid === 5604 ? 125 : undefined;
  if (ev === ON_CREATED) sample(o, iid);
  // the board's sensors stay (4.05); a server-created instance goes
  if (ev === ON_DELETE) return o.sens[iid] ? NOT_ALLOWED : 0;
  if (ev !== ON_EXECUTE) return undefined;
  if (rid !== 5605) return NOT_ALLOWED;
  delete x[5601];
  delete x[5602];
  sample(o, iid);
  return CHANGED;
}

function poll(this: TemperatureApi, now: number): number {
  var o = this as Temp;
  if (now >= o.next) {
    var l = o.iids();
    for (var k = 0; k < l.length; k++) sample(o, l[k]);
    o.next = now + (o.per || 5000);
  }
  return o.next;
}

/** One instance per sensor name; `period` ms between samples (default 5000). */
export function temperature(board: Board, sensors: string[], period?: number): TemperatureApi {
  var o = new LwObject(objDef(3303)!) as Temp;
  o.hw = board;
  o.sens = sensors;
  if (period) o.per = period;
  o.next = 0;
  o.hook = hook;
  o.poll = poll;
  for (var i = 0; i < sensors.length; i++) o.add(i, { 5750: sensors[i] });
  return o;
}
