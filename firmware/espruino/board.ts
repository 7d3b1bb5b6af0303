// The Board port: what the object model reads from and drives on the hardware
// (Device /3, Connectivity Monitoring /4, Temperature /3303, Buzzer /3338). Small on
// purpose; objects/ adapts it.
import type { Memory, Natives } from './native';

export interface NetInfo {
  connected: boolean;
  /** Current IPv4 address ('' when not connected). */
  ip: string;
  ssid: string;
  /** dBm, or 0 if unknown. */
  rssi: number;
}

export interface Board {
  /** °C from the chip's sensor (E.getTemperature). */
  temperature(): number;
  /** Buzzer on at `level` % (0-100, mapped to PWM duty) or off. */
  buzzer(on: boolean, level: number): void;
  /**
   * Restarts the device (E.reboot, else reset) after a grace period, so that the 2.04
   * answering an Execute on /3/0/4 goes out first (LwM2M 1.1 §E.4: reboot after responding).
   */
  reboot(): void;
  /** Variables used/free/total (process.memory). */
  memory(): Memory;
  network(): NetInfo;
  /** Device /3: manufacturer, model, serial, firmware version. */
  info(): { manufacturer: string; model: string; serial: string; firmware: string };
}

export interface BoardOptions {
  buzzerPin?: string | number;
  buzzerHz?: number;
  /** Current network state (the Wi-Fi link, or a fixed one on Linux). */
  network?: () => NetInfo;
  /** Runs `fn` later (start() passes a one-shot engine on the scheduler); absent: at once. */
  defer?: (fn: () => void) => void;
}

export function espruinoBoard(n: Natives, opts: BoardOptions): Board {
  var pin: any = null;
  if (typeof opts.buzzerPin === 'number') pin = opts.buzzerPin;
  else if (opts.buzzerPin) pin = n.global[opts.buzzerPin];
  var hz = opts.buzzerHz || 2000;
  var net = opts.network || function (): NetInfo {
    return { connected: true, ip: '', ssid: '', rssi: 0 };
  };
  return {
    temperature: function () {
      return n.E.getTemperature();
    },
    buzzer: function (on: boolean, level: number) {
      if (pin === null || pin === undefined) return;
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
    reboot: function () {
      var go = function () {
        if (n.E.reboot) n.E.reboot();
        else if (n.reset) n.reset();
      };
      if (opts.defer) opts.defer(go);
      else go();
    },
    memory: function () {
      var m = n.process.memory();
      return { usage: m.usage, free: m.free, total: m.total, blocksize: m.blocksize || 14 };
    },
    network: net,
    info: function () {
      var env = n.process.env || {};
      var serial = '';
      try {
        if (typeof n.global.getSerial === 'function') serial = String(n.global.getSerial());
      } catch (e) {
        serial = '';
      }
      return { manufacturer: 'Espruino', model: env.BOARD || 'ESP32', serial: serial, firmware: env.VERSION || '' };
    },
  };
}
