// The device configuration: a JSON file in Storage (`lwm2m.cfg`), written by
// tools/provision.mjs through the espruino CLI, separate from the code (`lwm2m.js`)
// so re-provisioning never re-uploads the bundle. ASCII only: JSON's non-ASCII
// \uXXXX keeps only its low byte on ESP32 builds (ESPRUINO.md "JSON").

/**
 * The configuration's and the bundle's names in Storage: a `const enum`, written in place (a
 * top-level string would be held in RAM for good: 2 variables, docs/memory.md rule 9).
 */
export const enum StorageFile {
  CONFIG = 'lwm2m.cfg',
  BUNDLE = 'lwm2m.js',
}

import type { RpkAccountKeys } from '../lwm2m/client';
import { parsePath } from '../../objects/formats/senml';

/** The file's JSON: the factory configuration (firmware/lwm2m/client.ts FactoryConfig) under shorter names, and the board's own settings. */
export interface DeviceConfig extends RpkAccountKeys {
  /** Format version of this file. */
  v: number;
  /** LwM2M endpoint client name (RFC 8323 / LwM2M 1.1 §6.2.1 `ep`). */
  endpoint: string;
  /** Bootstrap server URI, e.g. coaps://192.0.2.1:5684. */
  bootstrap: string;
  /** Security mode of the bootstrap account: 'psk' | 'rpk' | 'nosec'. */
  mode: string;
  /** PSK identity (text) and key (hex). */
  pskId?: string;
  pskKey?: string;
  /** Wi-Fi credentials (ESP32). */
  wifi?: { ssid: string; password?: string };
  /** Buzzer pin name ('D25') or number; its tone in Hz. */
  buzzerPin?: string;
  buzzerHz?: number;
  /** The vendor's public key that signs firmware packages (hex, P-256 point 04‖X‖Y), docs/firmware-update.md. */
  vendorPub?: string;
  /** Local UDP port the client binds (default: a random one of 49152-65535 at each boot). */
  port?: number;
  /**
   * Link tuning (docs/queue-mode.md): the link's profile, 'wifi' (default) or 'nbiot', gives the
   * defaults of the CoAP parameters (RFC 7252 §4.8) ackTimeout (ms), ackRandom, maxRetransmit and of
   * the Update margin before the lifetime ends (updateMargin, s); each may be set on its own.
   */
  link?: string;
  ackTimeout?: number;
  ackRandom?: number;
  maxRetransmit?: number;
  updateMargin?: number;
  /** Queue mode (Core §6.5): register with Q, sleep the radio `awake` s after the last exchange (default MAX_TRANSMIT_WAIT). */
  queue?: boolean;
  awake?: number;
  /** Notifications kept while the server cannot be reached (default 20). */
  store?: number;
  /** Send on a timer (docs/send-composite.md): the values under these paths, every `sendEvery` s. */
  sendPaths?: string[];
  sendEvery?: number;
}

/**
 * Parses and checks the configuration text; returns the config or a one-line error. Boot-only:
 * start() is its one caller in the bundle, which has it written in place (docs/memory.md, rule 1),
 * and its helper is declared inside, existing only while it runs (rule 7).
 */
export function parseConfig(text: string | undefined): { cfg?: DeviceConfig; error?: string } {
  function isHex(s: any): boolean {
    if (typeof s !== 'string' || s.length === 0 || s.length & 1) return false;
    for (var i = 0; i < s.length; i++) if ('0123456789abcdefABCDEF'.indexOf(s.charAt(i)) < 0) return false;
    return true;
  }
  if (text === undefined) return { error: 'no ' + StorageFile.CONFIG + ' in Storage: run the provisioning step' };
  var c: any;
  try {
    c = JSON.parse(text);
  } catch (e) {
    return { error: StorageFile.CONFIG + ' is not JSON' };
  }
  if (!c || typeof c !== 'object') return { error: StorageFile.CONFIG + ' is not an object' };
  if (c.v !== 1) return { error: StorageFile.CONFIG + ': unknown version ' + c.v };
  if (typeof c.endpoint !== 'string' || !c.endpoint) return { error: StorageFile.CONFIG + ': endpoint missing' };
  if (typeof c.bootstrap !== 'string' || (c.bootstrap.indexOf('coap://') !== 0 && c.bootstrap.indexOf('coaps://') !== 0)) {
    return { error: StorageFile.CONFIG + ': bootstrap must be a coap:// or coaps:// URI' };
  }
  if (c.mode === 'psk') {
    if (typeof c.pskId !== 'string' || !c.pskId || !isHex(c.pskKey)) return { error: StorageFile.CONFIG + ': psk needs pskId and pskKey (hex)' };
  } else if (c.mode === 'rpk') {
    // each key hex, 32 (raw) to 160 bytes (DER: Ed25519 SPKI 44, PKCS#8 48; P-256 SPKI 91,
    // PKCS#8 67 or 138, SEC 1 121); whether it is a key of the build's type the client
    // checks with the build's own parsers (firmware/lwm2m/rpk-accounts.ts) and says so
    var keys = ['rpkPriv', 'rpkPub', 'rpkServerPub'];
    for (var i = 0; i < keys.length; i++) {
      var h = c[keys[i]];
      if (!isHex(h)) return { error: StorageFile.CONFIG + ': rpk needs ' + keys[i] + ' (hex)' };
      if (h.length < 64 || h.length > 320) return { error: StorageFile.CONFIG + ': ' + keys[i] + ' is ' + h.length / 2 + ' bytes; a key is 32 (raw) to 160 bytes (DER)' };
    }
  } else if (c.mode !== 'nosec') return { error: StorageFile.CONFIG + ': mode must be psk, rpk or nosec' };
  if (c.link !== undefined && c.link !== 'wifi' && c.link !== 'nbiot') return { error: StorageFile.CONFIG + ': link must be wifi or nbiot' };
  if (c.queue !== undefined && typeof c.queue !== 'boolean') return { error: StorageFile.CONFIG + ': queue must be true or false' };
  // each tuning option: its name, smallest and largest value (a literal here, in the code: a
  // top-level string would be held in RAM for good, 12 variables)
  var t = 'ackTimeout 100 600000 ackRandom 1 4 maxRetransmit 0 20 updateMargin 1 86400 awake 1 86400 store 0 200 sendEvery 1 86400'.split(' ');
  for (var k = 0; k < t.length; k += 3) {
    var x = c[t[k]];
    if (x !== undefined && !(typeof x === 'number' && x >= +t[k + 1] && x <= +t[k + 2])) return { error: StorageFile.CONFIG + ': ' + t[k] + ' must be a number from ' + t[k + 1] + ' to ' + t[k + 2] };
  }
  var sp = c.sendPaths;
  if ((sp === undefined) !== (c.sendEvery === undefined)) return { error: StorageFile.CONFIG + ': sendPaths and sendEvery go together' };
  if (sp !== undefined) {
    if (!sp || typeof sp !== 'object' || !sp.length) return { error: StorageFile.CONFIG + ': sendPaths must be a list of paths' };
    for (i = 0; i < sp.length; i++) if (typeof sp[i] !== 'string' || !parsePath(sp[i], 1)) return { error: StorageFile.CONFIG + ': sendPaths: ' + sp[i] + ' is not a path /oid[/iid[/rid[/riid]]]' };
  }
  if (c.vendorPub !== undefined && (!isHex(c.vendorPub) || (c.vendorPub.length !== 130 && c.vendorPub.length !== 64))) return { error: StorageFile.CONFIG + ': vendorPub must be a P-256 point (65 bytes hex) or an Ed25519 key (32)' };
  // the mode and the URI's scheme agree: nosec on coaps:// would offer an empty PSK
  if ((c.mode === 'nosec') !== (c.bootstrap.indexOf('coap://') === 0)) return { error: StorageFile.CONFIG + ': ' + c.mode + ' needs a ' + (c.mode === 'nosec' ? 'coap' : 'coaps') + ':// bootstrap URI' };
  return { cfg: c };
}
