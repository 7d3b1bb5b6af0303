// The client on the board: the object model over the board's ports, the LwM2M client on
// one UDP port, both driven by the board's one scheduler. What start() runs by default.
import { createObjectModel } from '../../objects/index';
import { Client } from '../lwm2m/client';
import { espruinoCrypto } from '../../transport/crypto/espruino';
import type { CryptoBackend } from '../../transport/ports';
import type { Platform } from './platform';
import { DTLS } from '../../transport/dtls/constants';
import { boardFwPort } from './board';
import type { ClientOptions, FactoryConfig } from '../lwm2m/client';
import type { DeviceConfig } from './config';
import type { EspWifi } from './native';

/**
 * The configuration's link tuning as client options (docs/queue-mode.md): the profile's CoAP
 * parameters (RFC 7252 §4.8; 'nbiot': ACK_TIMEOUT 6 s for round trips of seconds), each
 * overridden by its own option; the Update margin, queue mode, the notifications kept and the
 * Send on a timer.
 */
export function tuning(cfg: DeviceConfig, o: ClientOptions): ClientOptions {
  var nb = cfg.link === 'nbiot';
  if (nb || cfg.ackTimeout || cfg.ackRandom || cfg.maxRetransmit !== undefined) {
    o.coap = {
      'ACK_TIMEOUT': cfg.ackTimeout || (nb ? 6000 : 2000),
      'ACK_RANDOM_FACTOR': cfg.ackRandom || 1.5,
      'MAX_RETRANSMIT': cfg.maxRetransmit !== undefined ? cfg.maxRetransmit : 4,
    };
  }
  if (cfg.updateMargin) o.updateMargin = cfg.updateMargin * 1000;
  if (cfg.queue) o.queue = true;
  if (cfg.awake) o.awake = cfg.awake * 1000;
  if (cfg.store !== undefined) o.store = cfg.store;
  if (cfg.sendEvery) {
    o.sendEvery = cfg.sendEvery * 1000;
    o.sendPaths = cfg.sendPaths;
  }
  return o;
}

/**
 * require('crypto') on first use: a NoSec device never needs it (and a build without it
 * still runs). The first call replaces each method by the native backend's own, so the
 * DTLS record path pays no wrapper frame afterwards (the receive path's depth, README).
 */
function lazyCrypto(d: Platform): CryptoBackend {
  var w: CryptoBackend = {
    sha256: function (x: Uint8Array) {
      return load().sha256(x);
    },
    aes128EcbEncrypt: function (k: Uint8Array, x: Uint8Array) {
      return load().aes128EcbEncrypt(k, x);
    },
    aes128CbcEncrypt: function (k: Uint8Array, iv: Uint8Array, x: Uint8Array) {
      return load().aes128CbcEncrypt(k, iv, x);
    },
    // Ed25519's hash (c25519.ts): without it the Ed25519 build hashed each signed handshake
    // transcript in JavaScript, ~160 M x86 instructions a block in one step (959 M = 6.4 s of
    // board time in one turn, `bench:board-profile -- --mode rpk-ed25519`, 2026-12-07)
    sha512: function (x: Uint8Array) {
      return load().sha512!(x);
    },
  };
  var load = function (): CryptoBackend {
    var be = espruinoCrypto(d.n.require('crypto'), d.n.E.defrag);
    w.sha256 = be.sha256;
    w.aes128EcbEncrypt = be.aes128EcbEncrypt;
    w.aes128CbcEncrypt = be.aes128CbcEncrypt;
    w.sha512 = be.sha512;
    return be;
  };
  return w;
}

/**
 * The client's timeline (ClientOptions.log) as console lines; a bundle on trial keeps itself once
 * a server took its registration. Bound to the device (runClient): a bound function holds fewer
 * variables than a closure, which would also keep the scope it was made in (docs/memory.md, rule 4).
 */
function clientLog(this: Platform, ev: string, detail: string): void {
  var board = this.board;
  if (ev === 'registered' && board.fw && board.fw.confirm!()) board.fw = undefined;
  this.log(ev + ': ' + detail);
}

/** A new address (Platform.onAddress, called as the device's method): the servers know the old one, so register again over new sessions. */
function reconnectOnAddress(this: Platform): void {
  this.cl!.life().reconnect(this.clock.now());
  this.scheduler.kick();
}

/**
 * Queue mode's radio (ClientOptions.radio): Wi-Fi modem sleep while the device sleeps
 * (firmware/lwm2m/queue.ts): ESP-IDF's WIFI_PS_MAX_MODEM (Espruino 2v29's powersave 'max';
 * 'ps-poll' is gone with ESP-IDF 4), none awake.
 */
function modemSleep(w: EspWifi): (on: boolean) => void {
  return function (on: boolean) {
    w.setConfig!({ powersave: on ? 'none' : 'max' });
  };
}

/**
 * Starts the LwM2M client on the device. What it leaves behind keeps nothing of its scope: the
 * board's Factory Reset and firmware port are the board's own (board.ts), the other hooks made by
 * the top-level functions above.
 */
export function runClient(d: Platform): Client {
  // read here, then dropped (below): the client keeps its own part (Client.cfg)
  var cfg = d.cfg!;
  var rpk = cfg.mode === 'rpk';
  var board = d.board;
  // Factory Reset (/3/0/5) also forgets the accounts this client saved (persistence.ts)
  board.accounts = d.storage;
  // firmware update (fota.ts): a port built when needed
  if (cfg.vendorPub !== undefined) board.vendorPub = cfg.vendorPub;
  board.fwPort = boardFwPort;
  var model = createObjectModel(board, { objects: d.objects });
  // the registry holds them now: the list itself need not live on; nor the board's identity,
  // which Device /3 holds as its values (the object of four names held 16 variables)
  delete d.objects;
  delete (board as { info?: unknown }).info;
  // a value the owner sets from a timer or an interrupt is reported at once, with no polling
  model.reg.wake = d.scheduler;
  // absent unless set (here and in the options): a property holding undefined costs as much as one holding a value
  var fc: FactoryConfig = { endpoint: cfg.endpoint, bootstrapUri: cfg.bootstrap };
  if (cfg.pskId !== undefined) fc.pskIdentity = cfg.pskId;
  if (cfg.pskKey !== undefined) fc.pskKey = cfg.pskKey;
  // rpkPriv set (mode rpk, parseConfig checked the keys): the bootstrap account is RPK
  if (rpk) {
    fc.rpkPriv = cfg.rpkPriv;
    fc.rpkPub = cfg.rpkPub;
    fc.rpkServerPub = cfg.rpkServerPub;
  }
  var c = new Client(
    model.reg,
    { udp: null as any, clock: d.clock, rng: d.rng, storage: d.storage, crypto: d.crypto || lazyCrypto(d) },
    fc,
    tuning(cfg, { log: clientLog.bind(d) }),
  );
  // DTLS timers (transport/dtls/constants.ts): the default deadline for PSK and RPK alike (an
  // RPK handshake's public-key work takes the board minutes, but in steps that restart the
  // deadline, rpk.ts, so it only times the servers' answers); RPK's first retransmission later.
  if (rpk) c.opt.dtlsRetransmit = DTLS.RPK_RETRANSMIT_INITIAL;
  var w = d.wifi ? d.wifi.wifi : null;
  if (c.opt.queue && w && w.setConfig) c.opt.radio = modemSleep(w);
  // The socket delivers straight into Client.receive (bound, not wrapped: one frame fewer
  // on the receive path).
  c.ports.udp = d.openUdp(c.receive.bind(c));
  delete d.cfg;
  // the owner's dev.send(paths) reaches it (index.ts)
  d.cl = c;
  d.scheduler.add(c);
  d.scheduler.add(model);
  // (the Wi-Fi link's losses and returns reach the client through d.cl: index.ts, wifiLink)
  d.onAddress = reconnectOnAddress;
  c.life().start(d.clock.now());
  d.scheduler.kick();
  return c;
}
