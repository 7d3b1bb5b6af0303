// The Espruino built-ins the board ports use, taken from a global object passed in
// (the boot file passes `this`, which is Espruino's global). @types/espruino 1.95 does
// not declare require/process/setTimeout/E.reboot, and reaching them through one
// object lets the tests hand in an emulation (sim/espruino-vm.ts) or the real thing.
import type { Clock, Rng } from '../../transport/ports';

/** Espruino's dgram socket (ESPRUINO.md "Board modules"). */
export interface EspSocket {
  bind(port: number, cb?: () => void): void;
  send(data: string, port: number, host: string): void;
  on(ev: string, cb: (a: any, b: any) => void): void;
  close(): void;
}

/** Espruino's Storage module: binary-safe strings, names of at most 28 characters. */
export interface EspStorage {
  read(name: string): string | undefined;
  write(name: string, data: string, offset?: number, size?: number): boolean;
  erase(name: string): void;
  list(): string[];
}

/** Espruino's Wifi module on ESP32 (only what the board uses). */
export interface EspWifi {
  connect(ssid: string, opts: { password?: string }, cb: (err: any) => void): void;
  disconnect(cb?: () => void): void;
  getIP(cb: (err: any, ip: { ip: string }) => void): void;
  on(ev: string, cb: (details: any) => void): void;
  /** ESP32 2v29: powersave 'none' | 'min' | 'max' (esp_wifi_set_ps; 'ps-poll' is gone with ESP-IDF 4). */
  setConfig?(settings: { powersave: string }): void;
}

export interface Memory {
  usage: number;
  free: number;
  total: number;
  /** Bytes per variable (14 on ESP32): Device /3/0/10 and /21 are in KB. */
  blocksize: number;
}

/**
 * What the ports call often, as fields (a global's lookup walks the root's ~450 children). What
 * they call seldom (`process`: memory and the firmware's identity; analogWrite/digitalWrite: the
 * buzzer; reset) is read from `global` where used: each field costs Espruino variables for good
 * (Natives.process, analogWrite, digitalWrite, reset: 11).
 */
export interface Natives {
  require(name: string): any;
  E: {
    toString(u8: Uint8Array): string | undefined;
    toUint8Array(s: string): Uint8Array;
    hwRand(): number;
    getTemperature(): number;
    reboot?: () => void;
    /** compacts the variable store (not in the simulator's context) */
    defrag?: () => void;
    on?: (ev: string, cb: () => void) => void;
  };
  setTimeout(fn: () => void, ms: number): any;
  clearTimeout(h: any): void;
  /** The global object itself: pins are globals (D25…), and so are the seldom-called natives (EspruinoGlobal). */
  global: any;
}

/** The seldom-called natives, read from Natives.global where used. */
export interface EspruinoGlobal {
  process: { memory(): Memory; env?: { VERSION?: string; BOARD?: string } };
  analogWrite?: (pin: any, value: number, opts?: any) => void;
  digitalWrite?: (pin: any, value: number) => void;
  reset?: () => void;
}

/**
 * The natives picked from Espruino's global object (`this` at the top of a boot file), which also
 * serve as the board's clock and RNG: `now()` and `fill()` are methods on the prototype, held once
 * at load. (As objects of one closure each over the natives, the clock and the RNG held 20
 * variables at rest, and their makers 10 at load: docs/memory.md, rule 4.)
 */
export class EspruinoNatives implements Natives, Clock, Rng {
  declare require: Natives['require'];
  declare E: Natives['E'];
  declare setTimeout: Natives['setTimeout'];
  declare clearTimeout: Natives['clearTimeout'];
  declare global: any;

  constructor(g: any) {
    this.require = g.require;
    this.E = g.E;
    this.setTimeout = g.setTimeout;
    this.clearTimeout = g.clearTimeout;
    this.global = g;
  }

  /** The clock: Espruino's Date.now() is fractional (ESPRUINO.md). Reads no `this`: WifiLink calls it unbound. */
  now(): number {
    return Math.floor(Date.now());
  }

  /**
   * The RNG: E.hwRand(), 32 bits from the ESP32's hardware RNG, mixed with the clock (µs): the
   * Linux build (the board's stand-in) gives the same hwRand sequence at every start, so after a
   * reboot its CoAP message IDs and tokens repeated the last boot's and a server answered its
   * Register from the deduplication cache, unregistered (issue 18's hil --fota)
   */
  fill(out: Uint8Array): void {
    for (var i = 0; i < out.length; i += 4) {
      var r = this.E.hwRand() ^ Math.floor(Date.now() * 1000);
      for (var k = 0; k < 4 && i + k < out.length; k++) out[i + k] = (r >>> (8 * k)) & 255;
    }
  }
}

/** require() that returns null for a module this build lacks (Wifi on Linux) instead of throwing. */
export function optionalModule(n: Natives, name: string): any {
  try {
    return n.require(name);
  } catch (e) {
    return null;
  }
}
