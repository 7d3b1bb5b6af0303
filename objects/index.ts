// The object model as the device uses it (exported by firmware/main.ts as `objects`):
// the registry, the operations, the Content-Format table and a constructor that
// builds the ten objects on a board.
import { Registry, LwObject } from './core/registry';
import { Board } from './board';
import { security } from './0-security';
import { server } from './1-server';
import { accessControl } from './2-access-control';
import { device, DeviceApi } from './3-device';
import { connectivityMonitoring } from './4-connectivity-monitoring';
import { firmwareUpdate, FirmwareApi } from './5-firmware-update';
import { location } from './6-location';
import { connectivityStatistics, StatsApi } from './7-connectivity-statistics';
import { temperature, TemperatureApi } from './3303-temperature';
import { buzzer, BuzzerApi } from './3338-buzzer';
// the operations the bundle offers (ops/device.ts: the Device Management ones behind manage())
import * as ops from './ops/device';
import { effective } from './core/attrs';
import { FORMATS, codec } from './formats/index';
import { OwnerObject, own as adopt } from './owner';

export interface ObjectModelOptions {
  /** Device/16 Supported Binding and Modes (default "U"). */
  binding?: string;
  /** Sensor names, one Temperature instance each (default ["temperature"]). */
  sensors?: string[];
  /** Output names, one Buzzer instance each (default ["buzzer"]). */
  buzzers?: string[];
  /** Temperature sampling period in ms (default 5000). */
  period?: number;
  /** Content-Format for multi-value answers without Accept (default 11542 TLV). */
  format?: number;
  /** The owner's own objects (objects/owner.ts); a bad one throws an Error naming it. */
  objects?: OwnerObject[];
}

export interface ObjectModel {
  reg: Registry;
  device: DeviceApi;
  fw: FirmwareApi;
  stats: StatsApi;
  /** null when the owner replaced the built-in object (3303, 3338). */
  temp: TemperatureApi | null;
  buzzer: BuzzerApi | null;
  /** Drive the objects' timers; returns the next deadline (ms) or -1. */
  poll(now: number): number;
}

/** The objects' timers: the next deadline (ms) or -1. Called as model.poll(now). */
function poll(this: ObjectModel, now: number): number {
  var next = this.stats.poll(now);
  var t = this.temp ? this.temp.poll(now) : -1;
  if (t >= 0 && (next < 0 || t < next)) next = t;
  t = this.buzzer ? this.buzzer.poll(now) : -1;
  if (t >= 0 && (next < 0 || t < next)) next = t;
  return next;
}

export function createObjectModel(board: Board, opt?: ObjectModelOptions): ObjectModel {
  var op = opt || {};
  var reg = new Registry();
  // the owner's objects first: one replacing 3303 or 3338 keeps the built-in out
  var bad = adopt(reg, op.objects);
  if (bad) throw new Error(bad);
  if (op.format) reg.fmt = op.format;
  // into the registry by id, each knowing it (no Registry.add(): a method held for good; this
  // function exists while the model is built)
  function put(o: LwObject): void {
    reg.o[o.def[0]] = o;
    o.reg = reg;
  }
  put(security());
  put(server());
  put(accessControl());
  var dev = device(board, op.binding || 'U');
  put(dev);
  put(connectivityMonitoring(board));
  var fw = firmwareUpdate(board);
  put(fw);
  put(location(board));
  var stats = connectivityStatistics(board.clock);
  put(stats);
  var temp = reg.obj(3303) ? null : temperature(board, op.sensors || ['temperature'], op.period);
  if (temp) put(temp);
  var bz = reg.obj(3338) ? null : buzzer(board, op.buzzers || ['buzzer']);
  if (bz) put(bz);
  // poll is a top-level function, not a closure: a closure would keep this call's scope
  // (every local above) for the device's whole life.
  return { reg: reg, device: dev, fw: fw, stats: stats, temp: temp, buzzer: bz, poll: poll };
}

// The link-format parser (formats/link.ts) is for the simulator's servers: not in the device bundle.
export { Registry, LwObject, ops, effective, FORMATS, codec, adopt };
export type { OwnerObject };
