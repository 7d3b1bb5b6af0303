// Buzzer (IPSO object 3338, v1.1): On/Off drives the board's output; Level is
// the loudness 0..100; Delay Duration (s) turns it off again; Minimum Off-time
// (s) holds a new On back until the buzzer has been off that long. Time comes
// from the clock port; deadlines are met by poll(now). The board's outputs are instances
// 0.. (one per output name); an instance a server creates (Core §5.4.6) runs the same
// timers but drives no output, and a server may delete it again (§5.4.7).
import { LwObject, ON_READ, ON_CHECK, ON_WRITTEN, ON_CREATED, ON_DELETE } from './core/registry';
import { objDef } from './core/defs';
import { BAD_REQUEST, NOT_ALLOWED } from './core/errors';
import { Value } from './core/types';
import { Board } from './board';

/** The Buzzer object, with what the scheduler calls. */
export interface BuzzerApi extends LwObject {
  poll(now: number): number;
}

// State on the object, read by top-level functions (0-security.ts says why not closures).
interface Buzz extends BuzzerApi {
  hw: Board;
  /** Output name of instances 0.. (the board's); a created instance has none. */
  outs: string[];
  /**
   * Per instance id: output on (absent: off; not named `on`, which every Espruino object
   * inherits), auto-off deadline (-1 none), when it went off (absent: never).
   */
  st: { [iid: string]: { sounding?: boolean; offAt: number; lastOff?: number } };
}

function drive(o: Buzz, iid: number, on: boolean, now: number): void {
  var s = o.st[iid];
  var x = o.i[iid];
  if (on && !s.sounding) {
    var d = x[5521] as number;
    s.offAt = d > 0 ? now + Math.floor(d * 1000) : -1;
  }
  if (!on && s.sounding) s.lastOff = now;
  if (!on) s.offAt = -1;
  s.sounding = on;
  if (o.outs[iid]) o.hw.output(o.outs[iid], on, o.get(iid, 5548) as number);
}

/** Bring outputs in line with 5850 and the timers; next deadline or -1. */
function poll(this: BuzzerApi, now: number): number {
  var o = this as Buzz;
  var next = -1;
  var l = o.iids();
  for (var i = 0; i < l.length; i++) {
    var k = l[i];
    var s = o.st[k];
    var want = o.i[k][5850] === true;
    if (s.sounding && s.offAt >= 0 && now >= s.offAt) {
      drive(o, k, false, now);
      o.set(k, 5850, false);
      want = false;
    }
    // never off yet: no minimum off-time to wait for (-1 is no deadline)
    var earliest = s.lastOff === undefined ? -1 : s.lastOff + Math.floor(((o.i[k][5525] as number) || 0) * 1000);
    if (want && !s.sounding && now >= earliest) drive(o, k, true, now);
    var t = want && !s.sounding ? earliest : s.sounding ? s.offAt : -1;
    if (t >= 0 && (next < 0 || t < next)) next = t;
  }
  return next;
}

function hook(this: LwObject, ev: number, iid: number, rid: number, v?: Value): Value | undefined {
  var o = this as Buzz;
  if (ev === ON_CHECK) return (rid === 5548 && ((v as number) < 0 || (v as number) > 100)) || (typeof v === 'number' && v < 0) ? BAD_REQUEST : 0;
  var x = o.i[iid];
  // On/Off false, Level 100, Delay Duration and Minimum Off-time 0 until written (or given by a
  // server's Create): read here, not stored
  if (ev === ON_READ) return !x || x[rid] !== undefined ? undefined : rid === 5850 ? false : rid === 5548 ? 100 : rid === 5521 || rid === 5525 ? 0 : undefined;
  if (ev === ON_CREATED) {
    if (!o.st[iid]) o.st[iid] = { offAt: -1 };
    return undefined;
  }
  if (ev === ON_DELETE) {
    // the board's outputs stay (4.05); a server-created instance goes
    if (o.outs[iid]) return NOT_ALLOWED;
    drive(o, iid, false, o.hw.clock.now());
    delete o.st[iid];
    return 0;
  }
  if (ev !== ON_WRITTEN) return undefined;
  var now = o.hw.clock.now();
  if (rid === 5850) {
    if (o.i[iid][5850] !== true) drive(o, iid, false, now);
    else if (o.st[iid].sounding) {
      // true written again while sounding: the duration starts over (IPSO 3338 description).
      var d = o.i[iid][5521] as number;
      o.st[iid].offAt = d > 0 ? now + Math.floor(d * 1000) : -1;
    }
  } else if (rid === 5548 && o.st[iid].sounding && o.outs[iid]) o.hw.output(o.outs[iid], true, o.get(iid, 5548) as number);
  o.poll(now);
  return undefined;
}

export function buzzer(board: Board, outputs: string[]): BuzzerApi {
  var o = new LwObject(objDef(3338)!) as Buzz;
  o.hw = board;
  o.outs = outputs;
  o.st = {};
  o.hook = hook;
  o.poll = poll;
  for (var i = 0; i < outputs.length; i++) o.add(i, { 5750: outputs[i] });
  return o;
}
