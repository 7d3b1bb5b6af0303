// Temperature (IPSO object 3303, v1.1): Sensor Value from the board's sensor
// port, sampled by poll(now) so that a change is reported (reg.onChange) for
// Observe; Min/Max Measured Value and their Reset.
import { LwObject, ON_EXECUTE, ON_DELETE } from './core/registry';
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
  /** Sensor name of each instance. */
  sens: string[];
  /** ms between samples, and the next sample's time. */
  per: number;
  next: number;
}

function sample(o: Temp, iid: number): void {
  var v = o.hw.sensor(o.sens[iid]);
  var x = o.i[iid];
  if (!isFinite(v)) return; // a failed reading keeps the last value (NaN has no SenML JSON form)
  o.set(iid, 5700, v);
  if (x[5601] === undefined || v < (x[5601] as number)) o.set(iid, 5601, v);
  if (x[5602] === undefined || v > (x[5602] as number)) o.set(iid, 5602, v);
}

function hook(this: LwObject, ev: number, iid: number, rid: number): number | undefined {
  // Sensor instances are the hardware's: not deletable.
  if (ev === ON_DELETE) return NOT_ALLOWED;
  if (ev !== ON_EXECUTE) return undefined;
  if (rid !== 5605) return NOT_ALLOWED;
  delete this.i[iid][5601];
  delete this.i[iid][5602];
  sample(this as Temp, iid);
  return CHANGED;
}

function poll(this: TemperatureApi, now: number): number {
  var o = this as Temp;
  if (now >= o.next) {
    var l = o.iids();
    for (var k = 0; k < l.length; k++) sample(o, l[k]);
    o.next = now + o.per;
  }
  return o.next;
}

/** One instance per sensor name; `period` ms between samples. */
export function temperature(board: Board, sensors: string[], period: number, lo: number, hi: number): TemperatureApi {
  var o = new LwObject(objDef(3303)!) as Temp;
  o.hw = board;
  o.sens = sensors;
  o.per = period;
  o.next = 0;
  for (var i = 0; i < sensors.length; i++) {
    o.add(i, { 5603: lo, 5604: hi, 5701: 'Cel', 5750: sensors[i] });
    sample(o, i);
  }
  o.hook = hook;
  o.poll = poll;
  return o;
}
