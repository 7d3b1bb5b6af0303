// The Espruino platform's shape (what start() builds, what the client runs on), apart from
// index.ts so that run.ts and index.ts need not import each other.
import type { Clock, CryptoBackend, Peer, Rng } from '../../transport/ports';
import type { EspruinoBoard } from './board';
import type { Scheduler } from './scheduler';
import type { EspruinoUdp } from './udp';
import type { EspruinoStorage } from './storage';
import type { WifiLink } from './wifi';
import type { DeviceConfig } from './config';
import type { Natives } from './native';
import type { OwnerObject } from '../../objects/owner';
import type { Client } from '../lwm2m/client';

/** Everything the client needs, built from Espruino's natives by start() (index.ts): the platform the LwM2M client runs on. */
export interface Platform {
  /** The configuration until the client has read it (runClient drops it: held parsed, ~25 variables for good). */
  cfg?: DeviceConfig;
  n: Natives;
  clock: Clock;
  rng: Rng;
  storage: EspruinoStorage;
  scheduler: Scheduler;
  board: EspruinoBoard;
  /** The Wi-Fi station (configured, and in this build), the crypto backend (StartOptions.crypto): absent otherwise. */
  wifi?: WifiLink;
  crypto?: CryptoBackend;
  /** The owner's own objects given to start() (checked there), or undefined. */
  objects?: OwnerObject[];
  /** Opens the UDP port (default: cfg.port) delivering into `onMessage` (with the time of arrival); kicks the scheduler after each datagram. */
  openUdp(onMessage: (data: Uint8Array, peer: Peer, now: number) => void, port?: number, onBound?: () => void): EspruinoUdp;
  /** Called with (ip, previous) whenever the station gets a new address once the client runs (it re-registers). */
  onAddress?: (ip: string, previous: string) => void;
  log(s: string): void;
  /** The running client, once the network is up (runClient). */
  cl?: Client;
  /**
   * Send (firmware/lwm2m/send.ts): the values under `paths` to the servers, now; '' or why not.
   * The owner's code calls it on what start() returned.
   */
  send(paths: string[], done?: (result: string, ssid: number) => void): string;
}
