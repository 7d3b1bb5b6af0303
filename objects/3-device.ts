// Device (object 3, v1.1): identity from the board, live power/memory/time,
// Reboot and Factory Reset reaching the board, error codes.
import { LwObject, ON_READ, ON_CHECK, ON_WRITTEN, ON_EXECUTE } from './core/registry';
import { objDef } from './core/defs';
import { CHANGED, NOT_ALLOWED, BAD_REQUEST } from './core/errors';
import { Multi, Value } from './core/types';
import { Board } from './board';

/** Device's resource IDs (LwM2M 1.1 Core, Appendix E.4). */
export const enum DeviceRes {
  Manufacturer = 0,
  Model = 1,
  Serial = 2,
  Firmware = 3,
  Reboot = 4,
  FactoryReset = 5,
  PowerSources = 6,
  PowerVoltage = 7,
  PowerCurrent = 8,
  BatteryLevel = 9,
  MemoryFree = 10,
  ErrorCode = 11,
  ResetErrorCode = 12,
  CurrentTime = 13,
  UtcOffset = 14,
  Timezone = 15,
  Binding = 16,
  DeviceType = 17,
  HardwareVersion = 18,
  SoftwareVersion = 19,
  BatteryStatus = 20,
  MemoryTotal = 21,
}

/** [0, 1, 2] -> {0: 0, 1: 1, 2: 2} (a multiple resource). */
export function multi(a: Value[] | undefined): Multi | undefined {
  if (!a) return undefined;
  var m: Multi = {};
  for (var i = 0; i < a.length; i++) m[i] = a[i];
  return m;
}

/** The Device object, with what the application calls. */
export interface DeviceApi extends LwObject {
  /** Report an error code (Device/11 enumeration: 1 low battery … 8). */
  error(code: number): void;
}

// State on the object, read by top-level functions (0-security.ts says why not closures).
interface Dev extends DeviceApi {
  /** The board. */
  hw: Board;
  /** Current Time minus the clock, seconds (set by writing 3/0/13); absent until then (rule 3). */
  off?: number;
}

/**
 * Is `s` a valid UTC Offset (rid 14: ISO 8601 `Z`, `±HH`, `±HHMM` or `±HH:MM`, at most
 * ±14:00) or Timezone (rid 15: an IANA tz database name, `Area[/Location…]`, each part an
 * upper-case letter then letters, digits, `_`, `-`, `+`: `UTC`, `Europe/Paris`, `Etc/GMT+5`)?
 * By hand: Espruino's RegExp lacks `{n}` (ESPRUINO.md).
 */
function tzOk(rid: number, s: string): boolean {
  var n = s.length;
  var i;
  // Two decimal digits at s[i], as a number; NaN otherwise. Declared in here: it exists only
  // while a write is checked, not for the device's whole life (docs/memory.md).
  function two(i: number): number {
    var a = s.charCodeAt(i) - 48;
    var b = s.charCodeAt(i + 1) - 48;
    return a >= 0 && a < 10 && b >= 0 && b < 10 ? a * 10 + b : NaN;
  }
  if (rid === DeviceRes.UtcOffset) {
    if (s === 'Z') return true;
    var c = s.charAt(0);
    var m = n === 3 ? 0 : n === 5 ? two(3) : n === 6 && s.charAt(3) === ':' ? two(4) : NaN;
    var h = two(1);
    return (c === '+' || c === '-') && m < 60 && h * 60 + m <= 14 * 60;
  }
  if (!n || n > 64) return false;
  var start = true;
  for (i = 0; i < n; i++) {
    var k = s.charCodeAt(i);
    var up = k >= 65 && k <= 90;
    if (start ? !up : !(up || (k >= 97 && k <= 122) || (k >= 48 && k <= 57) || k === 95 || k === 45 || k === 43 || (k === 47 && i < n - 1))) return false;
    start = k === 47;
  }
  return true;
}

function hook(this: LwObject, ev: number, iid: number, rid: number, v?: Value): Value | Multi | undefined {
  var d = this as Dev;
  if (ev === ON_CHECK) return (rid === DeviceRes.UtcOffset || rid === DeviceRes.Timezone) && !tzOk(rid, v as string) ? BAD_REQUEST : 0;
  var board = d.hw;
  // Current Time (13) is the board's clock in seconds plus the offset a write set.
  if (ev === ON_READ) {
    var p = board.power ? board.power() : null;
    if (rid === DeviceRes.CurrentTime) return Math.floor(board.clock.now() / 1000) + (d.off || 0);
    if (rid === DeviceRes.MemoryFree) return board.memFree();
    if (rid === DeviceRes.MemoryTotal && board.memTotal) return board.memTotal();
    // Not stored until written or changed (each stored value holds Espruino variables for good):
    // no error, UTC, binding U.
    var x = d.i[iid];
    if (x && x[rid] === undefined && (rid === DeviceRes.ErrorCode || (rid >= DeviceRes.UtcOffset && rid <= DeviceRes.Binding)))
      return rid === DeviceRes.ErrorCode ? { 0: 0 } : rid === DeviceRes.UtcOffset ? '+00:00' : rid === DeviceRes.Timezone ? 'Etc/UTC' : 'U';
    if (!p) return undefined;
    return rid === DeviceRes.PowerSources ? multi(p.sources) : rid === DeviceRes.PowerVoltage ? multi(p.voltage) : rid === DeviceRes.PowerCurrent ? multi(p.current) :
      rid === DeviceRes.BatteryLevel ? p.battery : rid === DeviceRes.BatteryStatus ? p.batteryStatus : undefined;
  }
  if (ev === ON_WRITTEN && rid === DeviceRes.CurrentTime) d.off = (d.i[0][DeviceRes.CurrentTime] as number) - Math.floor(board.clock.now() / 1000);
  if (ev !== ON_EXECUTE) return undefined;
  if (rid === DeviceRes.Reboot) board.reboot();
  else if (rid === DeviceRes.FactoryReset) board.factoryReset();
  else if (rid === DeviceRes.ResetErrorCode) d.set(0, DeviceRes.ErrorCode, { 0: 0 });
  else return NOT_ALLOWED;
  return CHANGED;
}

function error(this: DeviceApi, code: number): void {
  var m = (this.i[0][DeviceRes.ErrorCode] || {}) as Multi;
  var n = 0;
  while (m[n] !== undefined && m[n] !== 0) {
    if (m[n] === code) return;
    n++;
  }
  this.set(0, DeviceRes.ErrorCode, code, n);
}

export function device(board: Board, binding: string): DeviceApi {
  var o = new LwObject(objDef(3)!) as Dev;
  var inf = board.info;
  o.hw = board;
  // keys: DeviceRes (literal: ES5 has no computed keys); Error Code, UTC Offset, Timezone and
  // a binding U are the hook's until written (ON_READ)
  o.add(0, { 0: inf.manufacturer, 1: inf.model, 2: inf.serial, 3: inf.firmware });
  if (binding !== 'U') o.i[0][DeviceRes.Binding] = binding;
  if (inf.type) o.i[0][DeviceRes.DeviceType] = inf.type;
  if (inf.hardware) o.i[0][DeviceRes.HardwareVersion] = inf.hardware;
  if (inf.software) o.i[0][DeviceRes.SoftwareVersion] = inf.software;
  o.hook = hook;
  o.error = error;
  return o;
}
