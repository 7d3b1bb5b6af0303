// ONE timer for every engine (DESIGN.md "Time is driven from outside"): engines
// expose poll(now) → next deadline or -1; the scheduler polls them all and re-arms a
// single timer for the earliest deadline. Espruino timer ids are reused, so a stale
// clearTimeout(id) can cancel a newer timer and clearTimeout(undefined) throws
// (ESPRUINO.md "Timers"): the handle is kept, reset to null when it fires or is
// cleared, and cleared only when non-null.
import type { Clock, Pollable } from '../../transport/ports';

export interface Timers {
  setTimeout(fn: () => void, ms: number): any;
  clearTimeout(h: any): void;
}

/** Espruino's longest safe delay is far above this; capping keeps a bad deadline from parking the device. */
var MAX_DELAY = 3600000;
/** Rounds of re-polling when an engine asks for another poll while polling (kick() from inside poll). */
var MAX_ROUNDS = 4;

export class Scheduler {
  // (the fields in the order kick() reads them: Espruino finds a member by walking the object's list)
  busy: boolean;
  stopped: boolean;
  /**
   * The armed timer is for at once, asked by the last round: its turn tries `wk`'s work() first
   * (Pollable.work: a public-key step alone), polling every engine only when it has none.
   */
  soon: boolean;
  again: boolean;
  engines: Pollable[];
  clock: Clock;
  /** The armed timer's handle, or null: never passed to clearTimeout once fired or cleared. */
  handle: any;
  /** Deadline the armed timer is for (-1 when none). */
  armedFor: number;
  /** The earliest deadline of the last round's engines but `wk`: no step alone from then on (-1: none). */
  calm: number;
  /**
   * The engine with work() (the LwM2M client), or null: one, known from add() and kept apart
   * from `engines` (polled first), so that a round finds the others' deadlines (calm) without
   * looking for a member on each engine.
   */
  wk: Pollable | null;
  timers: Timers;
  /**
   * The timer's callback, made once. (As kick(true) bound it held 10 variables fewer, but PSK
   * power-on read ~2-3 M instructions more in two sessions' bench runs: branch bmem, docs/memory.md.)
   */
  fire: () => void;
  /**
   * Told of an engine's exception, as one line ('engine error ' and the exception): exceptions
   * never escape into Espruino's timer loop. The device gives its console log (index.ts).
   */
  onError: (e: any) => void;
  /** Counters the tests read: how often the timer was armed, cleared, fired (fields, not an object of their own: 3 variables fewer). */
  armed: number;
  cleared: number;
  fired: number;

  constructor(clock: Clock, timers: Timers, onError?: (e: any) => void) {
    this.busy = false;
    this.stopped = false;
    this.soon = false;
    this.again = false;
    this.engines = [];
    this.clock = clock;
    this.handle = null;
    this.armedFor = -1;
    this.calm = -1;
    this.wk = null;
    this.timers = timers;
    var self = this;
    this.fire = function () {
      // the id may be reused from here on: forget it before anything else runs
      self.handle = null;
      self.armedFor = -1;
      self.fired++;
      self.kick(true);
    };
    this.onError = onError || function () {};
    this.armed = 0;
    this.cleared = 0;
    this.fired = 0;
  }

  /**
   * The new engine is first polled from the timer, at once — never inline: add() is called
   * from deep inside the receive path (an Execute scheduling a reboot), and polling every
   * engine there would stack a whole send path on top of it (the receive path's depth, README).
   * Without an engine, only that: a value changed outside a poll (the owner's set() from a timer
   * or an interrupt, Registry.wake) is reported. One method for both: a method costs variables.
   */
  add(e?: Pollable): void {
    if (e && e !== this.wk && this.engines.indexOf(e) < 0) {
      if (e.work) this.wk = e;
      else this.engines.push(e);
    }
    // a new engine or a changed value: the next turn polls every engine, even one armed for a step alone
    this.soon = false;
    if (this.busy) this.again = true;
    else {
      var now = this.clock.now();
      // a timer already due by now serves as well (no clear and re-arm a millisecond later)
      if (this.handle === null || this.armedFor > now) this.arm(now, now);
    }
  }

  remove(e: Pollable): void {
    var i = this.engines.indexOf(e);
    if (i >= 0) this.engines.splice(i, 1);
    else if (e === this.wk) this.wk = null;
  }

  /**
   * Poll every engine now (after a datagram arrived, a request was queued, …) and re-arm.
   * `timer`: the timer's turn, which runs a step alone (step()) when the round before asked for one.
   */
  kick(timer?: boolean): void {
    if (this.stopped) return;
    if (this.busy) {
      // called from inside an engine's poll: poll once more when this round ends
      this.again = true;
      return;
    }
    if (timer && this.soon && this.step()) return;
    this.busy = true;
    var now = 0;
    // the earliest deadline of every engine but wk (calm), and wk's (dw), polled first
    var calm = -1, dw = -1;
    for (var round = 0; round < MAX_ROUNDS; round++) {
      this.again = false;
      now = this.clock.now();
      calm = dw = -1;
      if (this.wk) {
        try {
          dw = this.wk.poll(now);
        } catch (err) {
          this.onError('engine error ' + err);
        }
      }
      var list = this.engines.slice();
      for (var i = 0; i < list.length; i++) {
        var d = -1;
        try {
          d = list[i].poll(now);
        } catch (err) {
          this.onError('engine error ' + err);
        }
        if (d >= 0 && (calm < 0 || d < calm)) calm = d;
      }
      if (!this.again) break;
    }
    this.calm = calm;
    var next = dw >= 0 && (calm < 0 || dw < calm) ? dw : calm;
    this.busy = false;
    // an engine that still wants another round gets it from the timer, at once
    if (this.again) next = now;
    this.arm(next, now);
    this.soon = next === now;
  }

  /**
   * A turn for `wk`'s step alone (Pollable.work): true when one ran (the next turn tries again);
   * false when it had none, or another engine's deadline has come (then kick() polls).
   */
  step(): boolean {
    var now = this.clock.now();
    var e = this.wk;
    if (!e || (this.calm >= 0 && now >= this.calm)) return false;
    var ran = false;
    this.busy = true;
    try {
      ran = e.work!(now);
    } catch (err) {
      this.onError('engine error ' + err);
    }
    this.busy = false;
    // an engine's kick() or add() during the step: a whole round instead
    if (!ran || this.again) return false;
    this.arm(now, now);
    return true;
  }

  arm(deadline: number, now: number): void {
    if (this.stopped) return;
    if (deadline === this.armedFor && this.handle !== null) return;
    this.disarm();
    if (deadline < 0) return;
    // (one statement: each costs the board ~14 k x86 instructions, and this runs at every round)
    var delay = deadline <= now ? 0 : deadline - now > MAX_DELAY ? MAX_DELAY : deadline - now;
    this.armedFor = deadline;
    this.armed++;
    this.handle = this.timers.setTimeout(this.fire, delay);
  }

  disarm(): void {
    if (this.handle !== null) {
      var h = this.handle;
      this.handle = null;
      this.cleared++;
      this.timers.clearTimeout(h);
    }
    this.armedFor = -1;
  }

  stop(): void {
    this.disarm();
    this.stopped = true;
  }
}

/** A one-shot engine: runs `fn` once its deadline passes, then leaves the scheduler. */
export function later(s: Scheduler, clock: Clock, ms: number, fn: () => void): void {
  var at = clock.now() + ms;
  var e = {
    poll: function (now: number): number {
      if (now < at) return at;
      s.remove(e);
      fn();
      return -1;
    },
  };
  s.add(e);
}
