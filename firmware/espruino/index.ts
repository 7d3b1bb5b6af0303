// The board: Espruino's implementations of the ports (transport/ports.ts) and start-up.
// The boot file (tools/flash.mjs writes it to `.boot0`) evals the bundle from Storage
// and, on E.on('init'), calls start(global). start() reads the configuration, builds
// the ports, joins Wi-Fi, and hands everything to the client.
import type { Clock, CryptoBackend, Rng } from '../../transport/ports';
import { Scheduler } from './scheduler';
import { EspruinoUdp } from './udp';
import { EspruinoStorage } from './storage';
import { EspruinoBoard, REBOOT_GRACE_MS } from './board';
import { WifiLink } from './wifi';
import { StorageFile, parseConfig } from './config';
import { EspruinoNatives, optionalModule } from './native';
import { runClient } from './run';
import type { Platform } from './platform';
import type { DeviceConfig } from './config';
import type { Peer } from '../../transport/ports';
import { adopt } from '../../objects/index';
import type { OwnerObject } from '../../objects/index';
import { useNativeBytes } from '../../transport/bytes';
import { send } from '../lwm2m/send';

export type { Platform } from './platform';

// (not parseConfig nor later: each has one caller, which the build then writes it into; the
// hosts import them from their modules)
export { REBOOT_GRACE_MS, runClient, Scheduler, EspruinoUdp, EspruinoStorage, EspruinoBoard, WifiLink, EspruinoNatives };

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

/**
 * The device start() builds (Platform): its ports as fields, what it offers as methods. Not
 * closures over start()'s scope: they would keep every local of it for good (docs/memory.md, rule 4).
 */
class Device implements Platform {
  declare cfg?: DeviceConfig;
  declare n: EspruinoNatives;
  declare clock: Clock;
  declare rng: Rng;
  declare storage: EspruinoStorage;
  declare scheduler: Scheduler;
  declare board: Platform['board'];
  declare wifi?: WifiLink;
  declare crypto?: CryptoBackend;
  declare objects?: OwnerObject[];
  declare cl?: Platform['cl'];
  /**
   * The client's start (StartOptions.client, default runClient) until it has started (then absent):
   * start() calls it at once without Wi-Fi, wifiLink on the first address. (Written out in both, not
   * a method: a method is held at load, 5 variables.)
   */
  declare run?: (d: Platform) => void;
  /** Told of each new address once the client runs (runClient: it registers again over new sessions). */
  declare onAddress?: (ip: string, previous: string) => void;
  /** One console line: a function of its own, not a method (callers, the HIL runner's wrapper too, call it unbound). */
  declare log: (s: string) => void;

  constructor(n: EspruinoNatives, cfg: DeviceConfig, o: StartOptions) {
    // the natives serve as the clock and the RNG (their now() and fill(): native.ts)
    var clock = n;
    this.cfg = cfg;
    this.n = n;
    this.log = consoleLog;
    this.clock = clock;
    this.rng = n;
    this.storage = new EspruinoStorage(n);
    // (the natives serve as the timers: their setTimeout and clearTimeout)
    // (engines' exceptions to the console: its log, no closure of its own)
    this.scheduler = new Scheduler(clock, n, this.log);
    var wifiMod: any = cfg.wifi ? optionalModule(n, 'Wifi') : null;
    // (these two absent unless there: a property holding null costs as much as one holding a value)
    if (wifiMod && cfg.wifi) this.wifi = /*@__NOINLINE__*/ wifiLink(this, wifiMod, cfg.wifi);
    this.board = new EspruinoBoard(n, {
      clock: clock,
      buzzerPin: cfg.buzzerPin,
      buzzerHz: cfg.buzzerHz,
      network: this.wifi ? this.wifi.info.bind(this.wifi) : undefined,
      scheduler: this.scheduler,
    });
    if (o.crypto) this.crypto = o.crypto;
    this.run = o.client || runClient;
    // absent unless given: a property holding undefined costs as much as one holding a value
    if (o.objects) this.objects = o.objects;
  }

  openUdp(onMessage: (data: Uint8Array, peer: Peer, now: number) => void, port?: number, onBound?: () => void): EspruinoUdp {
    var n = this.n;
    // unless configured, a port of the dynamic range (49152-65535, RFC 6335 §6) drawn from the
    // hardware RNG at each boot: an off-path attacker must guess it to spoof (RFC 6056); each
    // datagram a turn of the scheduler, which reports what it throws (engineErrors)
    return new EspruinoUdp(n, { port: port || (this.cfg && this.cfg.port) || 49152 + (n.E.hwRand() & 16383), turn: this.scheduler }, onMessage, undefined, onBound);
  }

  send(paths: string[], done?: (result: string, ssid: number) => void): string {
    return this.cl ? send(this.cl, paths, done) : 'send: the client has not started (no network yet)';
  }
}

/**
 * The device's console lines, `lwm2m: …` (Platform.log): one top-level function over Espruino's
 * global print, which callers (the scheduler, the HIL runner's wrapper) call unbound. A closure
 * over the natives held 8 variables at rest; a log line is rare, so the global's lookup (the
 * root's children) does not matter.
 */
function consoleLog(s: string): void {
  print('lwm2m: ' + s);
}

/**
 * The Wi-Fi station: each new address starts the client, or tells it; its losses and returns reach
 * the running client (WifiLink.onLink: notifications are kept meanwhile, reporting.ts). Its
 * closures keep only this scope: made in runClient, onLink kept runClient's for good (the parsed
 * configuration, the object model, the factory account: terser writes a maker with one caller into it).
 */
function wifiLink(d: Device, mod: any, w: { ssid: string; password?: string }): WifiLink {
  var link = new WifiLink(mod, w.ssid, w.password || '', d.clock.now, function () {
    d.scheduler.kick();
  }, function (ip: string, prev: string) {
    d.log('address ' + ip);
    var run = d.run;
    if (run) {
      delete d.run;
      run(d);
    } else if (d.onAddress) d.onAddress(ip, prev);
  });
  link.onLink = function (up: boolean) {
    if (d.cl) d.cl.life().link(up, d.clock.now());
  };
  return link;
}

/** Boots from Storage: config → ports → Wi-Fi → client. Returns null (with one console line) on a bad config. */
export function start(g: any, opts?: StartOptions): Platform | null {
  // once per boot: an owner's script (.boot1) starts the client with its objects before
  // .boot0's E.on('init') would start it without them
  if (current) return current;
  var n = new EspruinoNatives(g);
  var o = opts || {};
  // text to bytes natively (transport/bytes.ts): every CoAP option, link list and stored record
  useNativeBytes(n.E.toUint8Array);
  // the owner's objects, checked, take set() at once (a button pressed before Wi-Fi is up);
  // the client's registry takes them in once the network is up (runClient)
  var bad = adopt(null, o.objects);
  var parsed = bad ? null : parseConfig(n.require('Storage').read(StorageFile.CONFIG));
  if (!parsed || !parsed.cfg) {
    consoleLog((bad || (parsed && parsed.error)) as string);
    return null;
  }
  var dev = new Device(n, parsed.cfg, o);
  current = dev;
  // read in place: a local holding process.memory()'s object would live on
  dev.log('booted ' + parsed.cfg.endpoint + ' mem ' + g.process.memory().usage + '/' + g.process.memory().total);
  if (dev.wifi) dev.scheduler.add(dev.wifi);
  else {
    var run = dev.run!;
    delete dev.run;
    run(dev);
  }
  return dev;
}
