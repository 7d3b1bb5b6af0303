// The board: Espruino's implementations of the ports (transport/ports.ts) and start-up.
// The boot file (tools/flash.mjs writes it to `.boot0`) evals the bundle from Storage
// and, on E.on('init'), calls start(global). start() reads the configuration, builds
// the ports, joins Wi-Fi, and hands everything to the client.
import type { Clock, CryptoBackend, Rng } from '../../transport/ports';
import { Scheduler } from './scheduler';
import { EspruinoUdp } from './udp';
import { EspruinoStorage } from './storage';
import { espruinoBoard } from './board';
import { WifiLink } from './wifi';
import { CONFIG_FILE, BUNDLE_FILE, parseConfig } from './config';
import { Natives, nativesFrom, optionalModule } from './native';
import { runClient } from './run';
import type { Platform } from './platform';
import { adopt } from '../../objects/index';
import type { OwnerObject } from '../../objects/index';
import { useNativeBytes } from '../../transport/bytes';
import { send } from '../lwm2m/send';

export type { Platform } from './platform';

export { runClient, Scheduler, EspruinoUdp, EspruinoStorage, espruinoBoard, WifiLink, parseConfig, nativesFrom, CONFIG_FILE, BUNDLE_FILE };

export function espruinoClock(n: Natives): Clock {
  return {
    now: function () {
      // Espruino's Date.now() is fractional (ESPRUINO.md)
      return Math.floor(Date.now());
    },
  };
}

export function espruinoRng(n: Natives): Rng {
  return {
    fill: function (out: Uint8Array) {
      // E.hwRand(): 32 bits from the ESP32's hardware RNG, mixed with the clock (µs): the Linux
      // build (the board's stand-in) gives the same hwRand sequence at every start, so after a
      // reboot its CoAP message IDs and tokens repeated the last boot's and a server answered its
      // Register from the deduplication cache, unregistered (issue 18's hil --fota)
      for (var i = 0; i < out.length; i += 4) {
        var r = n.E.hwRand() ^ Math.floor(Date.now() * 1000);
        for (var k = 0; k < 4 && i + k < out.length; k++) out[i + k] = (r >>> (8 * k)) & 255;
      }
    },
  };
}

/** Time between a reboot request and the reboot: lets the Execute's 2.04 (and its retransmission window's first send) leave. */
export var REBOOT_GRACE_MS = 500;

/** A one-shot engine: runs `fn` once its deadline passes, then leaves the scheduler. */
export function later(s: Scheduler, clock: Clock, ms: number, fn: () => void): void {
  var at = clock.now() + ms;
  var e = {
    poll: function (now: number): number {
      if (now < at) return at;
      s.remove(e);
      fn();
      return -1;
    },
  };
  s.add(e);
}

export interface StartOptions {
  /** The crypto backend (DTLS's Espruino backend on require('crypto')), injected. */
  crypto?: CryptoBackend;
  /** The client: given the device once the network is up (default: runClient, the LwM2M client). */
  client?: (d: Platform) => void;
  /** The owner's own objects (docs/owner-objects.md): definitions from `npm run objects`, instances, callbacks. */
  objects?: OwnerObject[];
}

var current: Platform | null = null;

/** The running device (for the console and the HIL runner), or null. */
export function device(): Platform | null {
  return current;
}

/** Boots from Storage: config → ports → Wi-Fi → client. Returns null (with one console line) on a bad config. */
export function start(g: any, opts?: StartOptions): Platform | null {
  // once per boot: an owner's script (.boot1) starts the client with its objects before
  // .boot0's E.on('init') would start it without them
  if (current) return current;
  var n = nativesFrom(g);
  var o = opts || {};
  // text to bytes natively (transport/bytes.ts): every CoAP option, link list and stored record
  useNativeBytes(n.E.toUint8Array);
  var log = function (s: string) {
    if (n.print) n.print('lwm2m: ' + s);
  };
  // the owner's objects, checked, take set() at once (a button pressed before Wi-Fi is up);
  // the client's registry takes them in once the network is up (runClient)
  var bad = adopt(null, o.objects);
  if (bad) {
    log(bad);
    return null;
  }
  var st = n.require('Storage');
  var parsed = parseConfig(st.read(CONFIG_FILE));
  if (!parsed.cfg) {
    log(parsed.error as string);
    return null;
  }
  var cfg = parsed.cfg;
  var clock = espruinoClock(n);
  var scheduler = new Scheduler(clock, { setTimeout: n.setTimeout, clearTimeout: n.clearTimeout }, function (e) {
    log('engine error ' + e);
  });
  var dev: Platform;
  var started = false;
  var startClient = function () {
    if (started) return;
    started = true;
    (o.client || runClient)(dev);
  };
  var wifiMod: any = cfg.wifi ? optionalModule(n, 'Wifi') : null;
  var wifi: WifiLink | null = null;
  if (wifiMod && cfg.wifi) {
    wifi = new WifiLink(wifiMod, cfg.wifi.ssid, cfg.wifi.password || '', clock.now, function () {
      scheduler.kick();
    }, function (ip: string, prev: string) {
      log('address ' + ip);
      if (!started) startClient();
      else dev.onAddress(ip, prev);
    });
  }
  var link = wifi;
  dev = {
    cfg: cfg,
    n: n,
    clock: clock,
    rng: espruinoRng(n),
    storage: new EspruinoStorage(n),
    scheduler: scheduler,
    board: espruinoBoard(n, {
      clock: clock,
      buzzerPin: cfg.buzzerPin,
      buzzerHz: cfg.buzzerHz,
      network: link ? function () {
        return (link as WifiLink).info();
      } : undefined,
      defer: function (fn: () => void) {
        later(scheduler, clock, REBOOT_GRACE_MS, fn);
      },
    }),
    wifi: wifi,
    crypto: o.crypto || null,
    openUdp: function (onMessage, port, onBound) {
      // unless configured, a port of the dynamic range (49152-65535, RFC 6335 §6) drawn from the
      // hardware RNG at each boot: an off-path attacker must guess it to spoof (RFC 6056)
      return new EspruinoUdp(n, { port: port || cfg.port || 49152 + (n.E.hwRand() & 16383), turn: scheduler }, onMessage, function (e) {
        log('udp ' + e);
      }, onBound);
    },
    onAddress: function () {},
    log: log,
    send: function (paths: string[], done?: (result: string, ssid: number) => void): string {
      return dev.cl ? send(dev.cl, paths, done) : 'send: the client has not started (no network yet)';
    },
  };
  // absent unless given: a property holding undefined costs as much as one holding a value
  if (o.objects) dev.objects = o.objects;
  current = dev;
  // read in place: a local holding process.memory()'s object would live on in this scope,
  // which the device's closures keep (17 variables)
  log('booted ' + cfg.endpoint + ' mem ' + n.process.memory().usage + '/' + n.process.memory().total);
  if (wifi) scheduler.add(wifi);
  else startClient();
  return dev;
}
