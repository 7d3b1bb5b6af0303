// The board ports the objects stand on. Espruino's implementation lives in
// firmware/espruino/, Node's in sim/; tests pass fakes. Everything is pulled when
// a value is read, except outputs, which the objects drive.
import { Clock } from '../transport/ports';
import type { FirmwareApi } from './5-firmware-update';

export interface DeviceInfo {
  manufacturer: string;
  model: string;
  serial: string;
  firmware: string;
  hardware?: string;
  software?: string;
  type?: string;
}

/** Power (Device 6-9, 20): sources per Device/6 enumeration, mV, mA, battery %. */
export interface PowerInfo {
  sources: number[];
  voltage?: number[];
  current?: number[];
  battery?: number;
  batteryStatus?: number;
}

/** Network (Connectivity Monitoring, object 4): bearer per 4/0 enumeration (21 WLAN), dBm, IP addresses. */
export interface NetInfo {
  bearer: number;
  available: number[];
  rssi: number;
  lq?: number;
  ips: string[];
  routers?: string[];
  apn?: string[];
  util?: number;
}

export interface LocationInfo {
  lat: number;
  lon: number;
  alt?: number;
  radius?: number;
  speed?: number;
  /** Seconds since the Unix epoch. */
  ts: number;
}

/** Firmware Update (object 5): the board's transfer and install (firmware/lwm2m/fota.ts on Espruino). */
export interface FirmwarePort {
  /** Start a pull download from `uri`; completion comes back through the object's hook (ON_DOWNLOADED). */
  download(uri: string): void;
  /**
   * A piece of a pushed package (5/0/0) at byte `off`, in order (`more`: others follow).
   * 0 while it goes on (after the last piece the check ends in the object's hook, ON_DOWNLOADED), or
   * an Update Result that ends the transfer.
   */
  block(off: number, data: Uint8Array, more: boolean): number;
  /** Install; completion comes back through the object's hook, ON_UPDATED (or after a reboot). */
  update(): void;
  /** Told the object once it exists: the port sets what this boot reports; true when it must stay (a bundle on trial). */
  boot?(api: FirmwareApi): boolean;
  /** The client registered: a bundle on trial confirms itself (true: done, the port may go). */
  confirm?(): boolean;
}

export interface Board {
  clock: Clock;
  info: DeviceInfo;
  /** Called after the Execute's 2.04 is produced: the board defers the real reboot so the answer goes out first. */
  reboot(): void;
  factoryReset(): void;
  /** Free / total memory in KB (Device 10, 21). */
  memFree(): number;
  memTotal?(): number;
  power?(): PowerInfo;
  net(): NetInfo;
  /** A sensor reading by name ("temperature" in °C on ESP32: E.getTemperature()). */
  sensor(name: string): number;
  /** Drive an output by name ("buzzer": on/off and level 0..100, e.g. a PWM tone). */
  output(name: string, on: boolean, level: number): void;
  location?(): LocationInfo | null;
  /** The firmware transfer in progress (or the bundle on trial's), else absent. */
  fw?: FirmwarePort;
  /** Builds a firmware port when a transfer starts (absent: the board cannot update). */
  fwPort?: () => FirmwarePort;
}
