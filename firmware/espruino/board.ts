// The board as the object model sees it (objects/board.ts: Device /3, Connectivity
// Monitoring /4, Temperature /3303, Buzzer /3338) on Espruino's natives. One layer on
// purpose: an adapter between a board port and the objects' port cost 40-odd variables at
// rest on Espruino for a dozen closures that only passed calls on (docs/memory.md).
import type { Board } from '../../objects/board';
import type { Clock } from '../../transport/ports';
import type { Natives } from './native';

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
  /** Runs `fn` later (start() passes a one-shot engine on the scheduler); absent: at once. */
  defer?: (fn: () => void) => void;
}

/** WLAN in Connectivity Monitoring's Network Bearer enumeration (/4/0/0). */
var BEARER_WLAN = 21;

/**
 * Device /3's identity from process.env and getSerial(). Not in espruinoBoard's own scope: its
 * closures would keep process.env (a fresh object of some 40 variables) alive for good.
 */
function deviceInfo(n: Natives): Board['info'] {
  var env = n.process.env || {};
  var serial = '';
  try {
    if (typeof n.global.getSerial === 'function') serial = String(n.global.getSerial());
  } catch (e) {
    serial = '';
  }
  return { manufacturer: 'Espruino', model: env.BOARD || 'ESP32', serial: serial, firmware: env.VERSION || '' };
}

/**
 * The board: E.getTemperature() is the sensor "temperature", a PWM tone on `buzzerPin` the
 * output "buzzer"; memory in KB from process.memory(); Device /3's identity from
 * process.env. factoryReset() reboots; the client (run.ts) adds forgetting its accounts.
 */
export function espruinoBoard(n: Natives, opts: BoardOptions): Board {
  var pin: any = null;
  if (typeof opts.buzzerPin === 'number') pin = opts.buzzerPin;
  else if (opts.buzzerPin) pin = n.global[opts.buzzerPin];
  var hz = opts.buzzerHz || 2000;
  var kb = function (free: boolean): number {
    var m = n.process.memory();
    return Math.floor(((free ? m.free : m.total) * (m.blocksize || 14)) / 1024);
  };
  var b: Board = {
    clock: opts.clock,
    info: deviceInfo(n),
    reboot: function () {
      var go = function () {
        if (n.E.reboot) n.E.reboot();
        else if (n.reset) n.reset();
      };
      if (opts.defer) opts.defer(go);
      else go();
    },
    factoryReset: function () {
      b.reboot();
    },
    memFree: function () {
      return kb(true);
    },
    memTotal: function () {
      return kb(false);
    },
    net: function () {
      var w = opts.network ? opts.network() : null;
      var ip = w ? w.ip : '';
      return { bearer: BEARER_WLAN, available: [BEARER_WLAN], rssi: w ? w.rssi : 0, ips: ip ? [ip] : [] };
    },
    sensor: function (name: string) {
      return name === 'temperature' ? n.E.getTemperature() : NaN;
    },
    output: function (name: string, on: boolean, level: number) {
      if (name !== 'buzzer' || pin === null || pin === undefined) return;
      try {
        if (on && n.analogWrite) {
          // a piezo is loudest at 50 % duty: level scales the duty up to that
          var l = level > 0 && level <= 100 ? level : 100;
          n.analogWrite(pin, (0.5 * l) / 100, { freq: hz });
        } else if (n.digitalWrite) n.digitalWrite(pin, 0);
      } catch (e) {
        // a pin this board lacks: the buzzer stays silent, the device keeps running
      }
    },
  };
  return b;
}
