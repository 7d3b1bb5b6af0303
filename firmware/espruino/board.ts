// The board as the object model sees it (objects/board.ts: Device /3, Connectivity
// Monitoring /4, Temperature /3303, Buzzer /3338) on Espruino's natives. One layer on
// purpose: an adapter between a board port and the objects' port cost 40-odd variables at
// rest on Espruino for a dozen closures that only passed calls on (docs/memory.md).
import type { Board } from '../../objects/board';
import type { Clock } from '../../transport/ports';
import type { EspruinoGlobal, Natives } from './native';
import { later } from './scheduler';
import type { Scheduler } from './scheduler';
import type { Storage } from '../../transport/ports';
import { accountStore } from '../lwm2m/persistence';
import { fotaPort } from '../lwm2m/fota';

/** Time between a reboot request and the reboot: lets the Execute's 2.04 (and its retransmission window's first send) leave. */
export var REBOOT_GRACE_MS = 500;

/** The network as the Wi-Fi link reports it. */
export interface WifiInfo {
  connected: boolean;
  /** Current IPv4 address ('' when not connected). */
  ip: string;
  ssid: string;
  /** dBm, or 0 if unknown. */
  rssi: number;
}

export interface BoardOptions {
  clock: Clock;
  buzzerPin?: string | number;
  buzzerHz?: number;
  /** Current network state (the Wi-Fi link, or a fixed one on Linux). */
  network?: () => WifiInfo;
  /** The board's scheduler: a reboot waits REBOOT_GRACE_MS on it (a one-shot engine); absent: at once. */
  scheduler?: Scheduler;
}

/** The buzzer's tone unless configured (BoardOptions.buzzerHz). */
var BUZZER_HZ = 2000;

/** WLAN in Connectivity Monitoring's Network Bearer enumeration (/4/0/0). */
var BEARER_WLAN = 21;

/**
 * Device /3's identity from process.env and getSerial(). Not in the board's constructor: its
 * closures would keep process.env (a fresh object of some 40 variables) alive for good.
 */
function deviceInfo(n: Natives): Board['info'] {
  var env = (n.global as EspruinoGlobal).process.env || {};
  var serial = '';
  try {
    if (typeof n.global.getSerial === 'function') serial = String(n.global.getSerial());
  } catch (e) {
    serial = '';
  }
  return { manufacturer: 'Espruino', model: env.BOARD || 'ESP32', serial: serial, firmware: env.VERSION || '' };
}

/**
 * The board: E.getTemperature() is the sensor "temperature", a PWM tone on `pin` the output
 * "buzzer"; memory in KB from process.memory(); Device /3's identity from process.env.
 * factoryReset() reboots, forgetting the client's accounts once it runs (run.ts sets `accounts`). A class, not
 * closures over a maker's scope: its methods live once on the prototype and keep no scope
 * (docs/memory.md, rule 4). The device (index.ts) makes it; the bundle offers the class itself
 * (`new LwM2M.espruino.EspruinoBoard(n, opts)`), no maker function held at load.
 */
export class EspruinoBoard implements Board {
  declare clock: Clock;
  /** Device /3's identity: read once when the objects are made, then let go (runClient). */
  declare info: Board['info'];
  declare n: Natives;
  /** The buzzer's pin, absent when there is none. */
  declare pin?: any;
  /** The buzzer's tone (Hz), absent for the default BUZZER_HZ. */
  declare hz?: number;
  /** BoardOptions.network and .scheduler, absent unless given. */
  declare nw?: () => WifiInfo;
  declare sch?: Scheduler;
  declare fw?: Board['fw'];
  declare fwPort?: Board['fwPort'];
  /** The storage of the client's accounts (persistence.ts), which Factory Reset forgets: absent until the client runs. */
  declare accounts?: Storage;
  /** The vendor's key that signs firmware packages (DeviceConfig.vendorPub), absent unless configured. */
  declare vendorPub?: string;

  constructor(n: Natives, opts: BoardOptions) {
    this.clock = opts.clock;
    this.info = deviceInfo(n);
    this.n = n;
    var pin = typeof opts.buzzerPin === 'number' ? opts.buzzerPin : opts.buzzerPin ? n.global[opts.buzzerPin] : null;
    if (pin !== null && pin !== undefined) this.pin = pin;
    if (opts.buzzerHz) this.hz = opts.buzzerHz;
    if (opts.network) this.nw = opts.network;
    if (opts.scheduler) this.sch = opts.scheduler;
  }

  reboot(): void {
    var n = this.n;
    var go = function () {
      var g: EspruinoGlobal = n.global;
      if (n.E.reboot) n.E.reboot();
      else if (g.reset) g.reset();
    };
    // (later() has this one caller, which the build writes it into: nothing held at load)
    if (this.sch) later(this.sch, this.clock, REBOOT_GRACE_MS, go);
    else go();
  }

  factoryReset(): void {
    if (this.accounts) accountStore(this.accounts).clear();
    this.reboot();
  }

  // memory in KB from process.memory(), read in place (its object is not kept); each written out,
  // not a shared helper: a top-level function is held at load (6 variables)
  memFree(): number {
    var m = (this.n.global as EspruinoGlobal).process.memory();
    return Math.floor((m.free * (m.blocksize || 14)) / 1024);
  }

  memTotal(): number {
    var m = (this.n.global as EspruinoGlobal).process.memory();
    return Math.floor((m.total * (m.blocksize || 14)) / 1024);
  }

  net(): ReturnType<Board['net']> {
    var w = this.nw ? this.nw() : null;
    var ip = w ? w.ip : '';
    return { bearer: BEARER_WLAN, available: [BEARER_WLAN], rssi: w ? w.rssi : 0, ips: ip ? [ip] : [] };
  }

  sensor(name: string): number {
    return name === 'temperature' ? this.n.E.getTemperature() : NaN;
  }

  output(name: string, on: boolean, level: number): void {
    var g: EspruinoGlobal = this.n.global;
    if (name !== 'buzzer' || this.pin === undefined) return;
    try {
      if (on && g.analogWrite) {
        // a piezo is loudest at 50 % duty: level scales the duty up to that
        var l = level > 0 && level <= 100 ? level : 100;
        g.analogWrite(this.pin, (0.5 * l) / 100, { freq: this.hz || BUZZER_HZ });
      } else if (g.digitalWrite) g.digitalWrite(this.pin, 0);
    } catch (e) {
      // a pin this board lacks: the buzzer stays silent, the device keeps running
    }
  }
}

/**
 * Board.fwPort once the client runs (run.ts): a port built when a transfer starts (object 5 lets
 * it go after). Top-level, called as the board's method: a closure would keep its maker's scope.
 */
export function boardFwPort(this: EspruinoBoard) {
  return fotaPort(this.n, this.vendorPub);
}


