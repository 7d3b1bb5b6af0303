// The client's states and what it keeps per server account (shared by client.ts, the
// steady state, and lifecycle.ts, the way there and back).
import type { Peer } from '../../transport/ports';
import type { CoapEndpoint } from '../../transport/coap/endpoint';
import type { DtlsEndpoint } from '../../transport/dtls/connection';

/** Client.state: where the client is; stateName() gives the names logs print. */
export const enum Phase {
  INIT = 0,
  BOOTSTRAPPING = 1,
  REGISTERING = 2,
  REGISTERED = 3,
  DEREGISTERING = 4,
  BACKOFF = 5,
  STOPPED = 6,
}
/** The phases as the bundle's API gives them (LwM2M.lwm2m.REGISTERED …), for comparing Client.state. */
export var INIT = Phase.INIT;
export var BOOTSTRAPPING = Phase.BOOTSTRAPPING;
export var REGISTERING = Phase.REGISTERING;
export var REGISTERED = Phase.REGISTERED;
export var DEREGISTERING = Phase.DEREGISTERING;
export var BACKOFF = Phase.BACKOFF;
export var STOPPED = Phase.STOPPED;
/** A state's name, for logs. A string split per call: an Array of seven strings held for good costs 19 variables on Espruino. */
export function stateName(state: number): string {
  return 'init bootstrapping registering registered deregistering backoff stopped'.split(' ')[state];
}

/** Security Mode (0/x/2). */
export var MODE_PSK = 0;
export var MODE_RPK = 1;
export var MODE_NOSEC = 3;

/**
 * How long after a Disable's 2.04 the De-register waits (ms). The server needs the Execute's
 * answer first: Leshan, given the De-register within microseconds of the 2.04, sometimes handled
 * it first and failed the Execute as cancelled (found by test/interop/leshan.test.ts).
 */
export var DISABLE_GRACE = 1000;

/** One server account and its connection. */
export interface Conn {
  /** Short Server ID, or -1 for the Bootstrap Server. */
  ssid: number;
  peer: Peer;
  key: string;
  coap: CoapEndpoint;
  dtls: (DtlsEndpoint & { connect(peer: Peer): void }) | null;
  /** DTLS sessions established on it (a second one means a new Register). */
  sessions: number;
  /** Registration: Location-Path ('' until registered), lifetime (s), Update due time. */
  location: string;
  lifetime: number;
  updateAt: number;
  /**
   * A request in flight for this account; Disable (1/x/4) executed: when to de-register
   * (DISABLE_GRACE after the Execute); the object set changed since the last Register/Update:
   * send the links with the next Update. Each absent when not so (rule 3: two Espruino variables
   * each on a registered device's connection).
   */
  busy?: boolean;
  disable?: number;
  linksDirty?: boolean;
  /** When the registration's lifetime ends (its last Register/Update + lifetime). */
  exp: number;
  /** Its Updates go unanswered: the server is out of reach (notifications are kept). Absent otherwise. */
  off?: boolean;
}
