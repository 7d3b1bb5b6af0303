// The client's states and what it keeps per server account (shared by client.ts, the
// steady state, and lifecycle.ts, the way there and back).
import type { Peer } from '../../transport/ports';
import type { CoapEndpoint } from '../../transport/coap/endpoint';
import type { DtlsEndpoint } from '../../transport/dtls/connection';

export var INIT = 0;
export var BOOTSTRAPPING = 1;
export var REGISTERING = 2;
export var REGISTERED = 3;
export var DEREGISTERING = 4;
export var BACKOFF = 5;
export var STOPPED = 6;
export var STATE_NAMES = ['init', 'bootstrapping', 'registering', 'registered', 'deregistering', 'backoff', 'stopped'];

/** Security Mode (0/x/2). */
export var MODE_PSK = 0;
export var MODE_RPK = 1;
export var MODE_NOSEC = 3;

/** One server account and its connection. */
export interface Conn {
  /** Short Server ID, or -1 for the Bootstrap Server. */
  ssid: number;
  peer: Peer;
  key: string;
  coap: CoapEndpoint;
  dtls: (DtlsEndpoint & { connect(peer: Peer): void }) | null;
  identity: string;
  /** DTLS sessions established on it (a second one means a new Register). */
  sessions: number;
  /** Registration: Location-Path ('' until registered), lifetime (s), binding, Update due time. */
  location: string;
  lifetime: number;
  binding: string;
  updateAt: number;
  /** A request in flight for this account. */
  busy: boolean;
  /** Disable (1/x/4) executed: de-register at the next poll, once the Execute's 2.04 is out. */
  disable: boolean;
  /** Object set changed since the last Register/Update: send the links with the next Update. */
  linksDirty: boolean;
  failures: number;
}
