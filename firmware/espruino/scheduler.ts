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
  engines: Pollable[];
  clock: Clock;
  timers: Timers;
  /** The armed timer's handle, or null: never passed to clearTimeout once fired or cleared. */
  handle: any;
  /** Deadline the armed timer is for (-1 when none). */
  armedFor: number;
  busy: boolean;
  again: boolean;
  stopped: boolean;
  /**
   * The armed timer is for at once, asked by the last round: its turn tries the engines' work()
   * first (Pollable.work: a public-key step alone), polling every engine only when none has one.
   */
  soon: boolean;
  /** The earliest deadline of the last round's engines without work(): no step alone from then on (-1: none). */
  calm: number;
  /** Called with an engine's exception: exceptions never escape into Espruino's timer loop. */
  onError: (e: any) => void;
  /** Counters the tests read: how often the timer was armed, cleared, fired, engines polled, work() called. */
  stats: { armed: number; cleared: number; fired: number; polls: number; steps: number };

  constructor(clock: Clock, timers: Timers, onError?: (e: any) => void) {
    this.engines = [];
    this.clock = clock;
    this.timers = timers;
    this.handle = null;
    this.armedFor = -1;
    this.busy = false;
    this.again = false;
    this.stopped = false;
    this.soon = false;
    this.calm = -1;
    this.onError = onError || function () {};
    this.stats = { armed: 0, cleared: 0, fired: 0, polls: 0, steps: 0 };
  }

  /**
   * The new engine is first polled from the timer, at once — never inline: add() is called
   * from deep inside the receive path (an Execute scheduling a reboot), and polling every
   * engine there would stack a whole send path on top of it (the receive path's depth, README).
   * Without an engine, only that: a value changed outside a poll (the owner's set() from a timer
   * or an interrupt, Registry.wake) is reported. One method for both: a method costs variables.
   */
  add(e?: Pollable): void {
    if (e && this.engines.indexOf(e) < 0) this.engines.push(e);
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
    var next = -1;
    var now = 0;
    var calm = -1;
    for (var round = 0; round < MAX_ROUNDS; round++) {
      this.again = false;
      now = this.clock.now();
      next = -1;
      calm = -1;
      var list = this.engines.slice();
      for (var i = 0; i < list.length; i++) {
        var d = -1;
        this.stats.polls++;
        try {
          d = list[i].poll(now);
        } catch (err) {
          this.onError(err);
        }
        if (d >= 0 && (next < 0 || d < next)) next = d;
        if (!list[i].work && d >= 0 && (calm < 0 || d < calm)) calm = d;
      }
      if (!this.again) break;
    }
    this.calm = calm;
    this.busy = false;
    // an engine that still wants another round gets it from the timer, at once
    if (this.again) next = now;
    this.arm(next, now);
    this.soon = next === now;
  }

  /**
   * A turn for one engine's step alone (Pollable.work): true when one ran (the next turn tries
   * again); false when none had one, or another engine's deadline has come (then kick() polls).
   */
  step(): boolean {
    var now = this.clock.now();
    if (this.calm >= 0 && now >= this.calm) return false;
    var ran = false;
    this.busy = true;
    for (var i = 0; i < this.engines.length && !ran; i++) {
      var e = this.engines[i];
      if (!e.work) continue;
      this.stats.steps++;
      try {
        ran = e.work(now);
      } catch (err) {
        this.onError(err);
      }
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
    var delay = deadline - now;
    if (delay < 0) delay = 0;
    if (delay > MAX_DELAY) delay = MAX_DELAY;
    var self = this;
    this.armedFor = deadline;
    this.stats.armed++;
    this.handle = this.timers.setTimeout(function () {
      // the id may be reused from here on: forget it before anything else runs
      self.handle = null;
      self.armedFor = -1;
      self.stats.fired++;
      self.kick(true);
    }, delay);
  }

  disarm(): void {
    if (this.handle !== null) {
      var h = this.handle;
      this.handle = null;
      this.stats.cleared++;
      this.timers.clearTimeout(h);
    }
    this.armedFor = -1;
  }

  stop(): void {
    this.disarm();
    this.stopped = true;
  }
}
