// Buzzer (IPSO object 3338, v1.1): On/Off drives the board's output; Level is
// the loudness 0..100; Delay Duration (s) turns it off again; Minimum Off-time
// (s) holds a new On back until the buzzer has been off that long. Time comes
// from the clock port; deadlines are met by poll(now).
import { LwObject, ON_CHECK, ON_WRITTEN, ON_DELETE } from './core/registry';
import { objDef } from './core/defs';
import { BAD_REQUEST, NOT_ALLOWED } from './core/errors';
import { Value } from './core/types';
import { Board } from './board';

export interface BuzzerApi {
  obj: LwObject;
  poll(now: number): number;
}

export function buzzer(board: Board, outputs: string[]): BuzzerApi {
  var o = new LwObject(objDef(3338)!);
  // Per instance: output on, when it went off, auto-off deadline (-1 none).
  var st: { on: boolean; offAt: number; lastOff: number }[] = [];
  for (var i = 0; i < outputs.length; i++) {
    o.add(i, { 5850: false, 5548: 100, 5521: 0, 5525: 0, 5750: outputs[i] });
    st.push({ on: false, offAt: -1, lastOff: -1e15 });
  }
  function drive(iid: number, on: boolean, now: number): void {
    var s = st[iid];
    var x = o.i[iid];
    if (on && !s.on) {
      var d = x[5521] as number;
      s.offAt = d > 0 ? now + Math.floor(d * 1000) : -1;
    }
    if (!on && s.on) s.lastOff = now;
    if (!on) s.offAt = -1;
    s.on = on;
    board.output(outputs[iid], on, x[5548] as number);
  }
  /** Bring outputs in line with 5850 and the timers; next deadline or -1. */
  function poll(now: number): number {
    var next = -1;
    for (var k = 0; k < st.length; k++) {
      var s = st[k];
      var want = o.i[k][5850] === true;
      if (s.on && s.offAt >= 0 && now >= s.offAt) {
        drive(k, false, now);
        o.set(k, 5850, false);
        want = false;
      }
      var earliest = s.lastOff + Math.floor((o.i[k][5525] as number) * 1000);
      if (want && !s.on && now >= earliest) drive(k, true, now);
      var t = want && !s.on ? earliest : s.on ? s.offAt : -1;
      if (t >= 0 && (next < 0 || t < next)) next = t;
    }
    return next;
  }
  o.hook = function (ev: number, iid: number, rid: number, v?: Value): number | undefined {
    if (ev === ON_CHECK) return (rid === 5548 && ((v as number) < 0 || (v as number) > 100)) || (typeof v === 'number' && v < 0) ? BAD_REQUEST : 0;
    // Buzzer instances are the hardware's: not deletable.
    if (ev === ON_DELETE) return NOT_ALLOWED;
    if (ev !== ON_WRITTEN) return undefined;
    var now = board.clock.now();
    if (rid === 5850) {
      if (o.i[iid][5850] !== true) drive(iid, false, now);
      else if (st[iid].on) {
        // true written again while sounding: the duration starts over (IPSO 3338 description).
        var d = o.i[iid][5521] as number;
        st[iid].offAt = d > 0 ? now + Math.floor(d * 1000) : -1;
      }
    } else if (rid === 5548 && st[iid].on) board.output(outputs[iid], true, o.i[iid][5548] as number);
    poll(now);
    return undefined;
  };
  return { obj: o, poll: poll };
}
