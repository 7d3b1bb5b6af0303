// Adapts the board's port (board.ts) to the Board the object model reads (objects/board.ts).
import type { Board as ObjectsBoard } from '../../objects/board';
import type { Clock } from '../../transport/ports';
import type { Board } from './board';

/** WLAN in Connectivity Monitoring's Network Bearer enumeration (/4/0/0). */
var BEARER_WLAN = 21;

export function objectsBoard(b: Board, clock: Clock, factoryReset: () => void): ObjectsBoard {
  var kb = function (vars: number): number {
    return Math.floor((vars * b.memory().blocksize) / 1024);
  };
  return {
    clock: clock,
    info: b.info(),
    reboot: b.reboot,
    factoryReset: factoryReset,
    memFree: function () {
      return kb(b.memory().free);
    },
    memTotal: function () {
      return kb(b.memory().total);
    },
    net: function () {
      var n = b.network();
      return { bearer: BEARER_WLAN, available: [BEARER_WLAN], rssi: n.rssi, ips: n.ip ? [n.ip] : [] };
    },
    sensor: function (name: string) {
      return name === 'temperature' ? b.temperature() : NaN;
    },
    output: function (name: string, on: boolean, level: number) {
      if (name === 'buzzer') b.buzzer(on, level);
    },
  };
}
