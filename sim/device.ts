// A simulated device: dist/firmware.js running in the Espruino-stripped context
// (sim/espruino-vm.ts), on Node ports — UDP on dgram, storage in a directory or in
// memory, Espruino's crypto module emulated on node:crypto, a random-walk thermometer,
// a buzzer that reports its state. What runs is what the board runs: the bundle.
import type { FactoryConfig } from '../firmware/lwm2m/client';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { loadFirmware, EspruinoContext } from './espruino-vm';
import { espruinoCryptoModule } from './espruino-crypto';
import { storageModule, emuDgram } from './espruino-modules';
import { BOOT_SELECT } from '../tools/board-lib.mjs';
import { bindUdp, NodeUdp, RandomWalk, nodeClock, nodeRng, MemoryStorage } from './node-ports';
import type { Peer, Storage, Clock, Rng } from '../transport/ports';

export const DEFAULT_BUNDLE = join(import.meta.dirname, '../dist/firmware.js');
/** The firmware package's verifier, put in each device's storage as lwm2m.ver. */
export const DEFAULT_VERIFIER = join(import.meta.dirname, '../dist/fw-verify.js');
const VERIFIER_NAME = 'lwm2m.ver';
/** Its Ed25519 twin, as lwm2m.ved (for a device whose vendor key is Ed25519). */
export const DEFAULT_VERIFIER_ED = join(import.meta.dirname, '../dist/fw-verify-ed25519.js');
const VERIFIER_ED_NAME = 'lwm2m.ved';
/** The RPK build (P-256 raw public keys, ECDSA-SHA256 + ECDHE secp256r1, besides PSK): Security Mode 1 with P-256 keys. */
export const RPK_BUNDLE = join(import.meta.dirname, '../dist/firmware-rpk.js');
/** The other RPK build (Ed25519 + X25519): Security Mode 1 with Ed25519 keys. */
export const RPK_ED25519_BUNDLE = join(import.meta.dirname, '../dist/firmware-rpk-ed25519.js');
/** The RPK build for a key type: a build carries one. */
export function rpkBundleFor(curve: 'p256' | 'ed25519'): string {
  return curve === 'ed25519' ? RPK_ED25519_BUNDLE : RPK_BUNDLE;
}

/**
 * A simulated device: the factory configuration the bundle's Client takes (its shape is the
 * device's own, firmware/lwm2m/client.ts, imported as a type: erased, the simulator runs the
 * bundle), RPK needing the RPK bundle; and the simulator's settings.
 */
export interface DeviceOptions extends FactoryConfig {
  bundle?: string;
  /** Survives reboots of this simulated device (a directory-backed FileStorage, or memory). */
  storage?: Storage;
  /** Local UDP address (default 127.0.0.1, ephemeral port). */
  address?: string;
  port?: number;
  /** Application access: serve 3303/3338 to plain CoAP clients on this local port (0: ephemeral). */
  appPort?: number;
  /** CoAP transmission parameters and client options passed to the bundle's Client. */
  coap?: Record<string, number>;
  dtlsRetransmit?: number;
  dtlsTimeout?: number;
  backoffBase?: number;
  notifyCon?: boolean;
  /** Queue mode (docs/queue-mode.md): register with Q; `awake` ms after the last exchange the socket closes until the device wakes. */
  queue?: boolean;
  awake?: number;
  /** The Update this many ms before the lifetime ends (default MAX_TRANSMIT_WAIT). */
  updateMargin?: number;
  /** Notifications kept while the server cannot be reached (default 20). */
  store?: number;
  /** Send on a timer (docs/send-composite.md): the values under `sendPaths` every `sendEvery` ms. */
  sendPaths?: string[];
  sendEvery?: number;
  /** Content-Format announced (ct=) and used without Accept: 11542 TLV (default) or 112 SenML CBOR. */
  format?: number;
  /** Temperature sampling period (ms). */
  period?: number;
  /**
   * The owner's own objects (docs/owner-objects.md), as on the board: each literal becomes the
   * LwM2M object (`obj.set(iid, rid, v)` reports at once). A bad one rejects, naming it.
   */
  objects?: any[];
  seed?: number;
  clock?: Clock;
  rng?: Rng;
  /** Wraps each direction of the UDP port (lossy-network tests, counters): given the real delivery and its direction ('in': to the device, 'out': from it), return the one to use. */
  network?: (send: (data: Uint8Array, peer: Peer) => void, dir: 'in' | 'out') => (data: Uint8Array, peer: Peer) => void;
  /** Timeline of the device's own steps. */
  log?: (event: string, detail: string) => void;
  /** The buzzer output changed. */
  onOutput?: (name: string, on: boolean, level: number) => void;
  /** The vendor key firmware packages must be signed with (hex: P-256 point or Ed25519 key), docs/firmware-update.md. */
  vendorPub?: string;
  /** Storage's size in bytes (default 896 KB, the ESP32's): a package larger than what is free gets Update Result 2. */
  storageSize?: number;
  /** The verifier the device evaluates from Storage as lwm2m.ver (default dist/fw-verify.js, as flashed: read from the file, not in `storage`). */
  verifier?: string;
  /** The Ed25519 verifier, as lwm2m.ved (default dist/fw-verify-ed25519.js). */
  verifierEd?: string;
  /** Reboot executed (the device restarts itself after this is called). */
  onReboot?: () => void;
}

export interface SimDevice {
  readonly endpoint: string;
  readonly udp: NodeUdp;
  /** The application-access socket (appPort), or null. */
  readonly appUdp: NodeUdp | null;
  /** The client inside the bundle (LwM2M.lwm2m.Client). */
  client(): any;
  /** Native crypto calls the device made (SHA-256, AES), as the board would count them. */
  crypto(): { sha256Calls: number; aesCalls: number };
  state(): string;
  buzzer: { on: boolean; level: number };
  /** Resolves when the state machine reaches `state` ('registered', …), rejects after `ms`. */
  waitFor(state: string, ms: number): Promise<void>;
  /** Restarts from storage, as a power cycle does (same UDP port). */
  reboot(): void;
  /** De-registers, then closes the socket. */
  stop(): Promise<void>;
  /** Closes the socket without de-registering (power cut). */
  kill(): void;
  /** The link goes down (false: the socket closes, as a board's Wi-Fi loss) or comes back (true, same port); the client is told. */
  link(up: boolean): void;
  /**
   * The link comes back with a new address, as when Wi-Fi rejoins with another one (the board's
   * onLink(true), then onAddress): the socket binds a new port and the client is told
   * (link(true), then Client.reconnect). Resolves once bound.
   */
  move(): Promise<void>;
  /** The device's current local port (a move() changes it). */
  port(): number;
  /** Queue mode: whether the device's radio (its socket) is off. */
  asleep(): boolean;
  reboots: number;
  /**
   * Send (LwM2M 1.1 Information Reporting, firmware/lwm2m/send.ts) as the owner's code calls it
   * on the board: the values under `paths` to every registered server now. '' or why none went;
   * `done` gets each server's answer ("2.04") or the failure.
   */
  send(paths: string[], done?: (result: string, ssid: number) => void): string;
}

/** Closes an emulated dgram socket the firmware may have closed already. */
function closeQuietly(s: { close(): void }): void {
  try {
    s.close();
  } catch {
    /* closed before */
  }
}

export async function startDevice(o: DeviceOptions): Promise<SimDevice> {
  const storage = o.storage || new MemoryStorage();
  const clock = o.clock || nodeClock;
  const rng = o.rng || nodeRng;
  const walk = new RandomWalk(21.5, o.seed || 7);
  let ctx: EspruinoContext | null = null;
  let api: any = null;
  let model: any = null;
  let client: any = null;
  /** The client's application port (Client.serveApp): its datagrams go here. */
  let appIn: ((data: Uint8Array, peer: Peer, now: number) => void) | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  let toCtx: (u: Uint8Array) => Uint8Array = (u) => u;
  const waiters: { state: string; resolve: () => void }[] = [];
  const buzzer = { on: false, level: 0 };
  let cryptoCounters = { sha256Calls: 0, aesCalls: 0 };

  const kick = () => {
    if (!client || closed) return;
    let next = -1;
    try {
      const now = clock.now();
      next = client.poll(now);
      const t = model.poll(now);
      if (t >= 0 && (next < 0 || t < next)) next = t;
    } catch (e) {
      o.log?.('error', `poll: ${(e as Error).message}`);
    }
    const st = state();
    for (const w of waiters.slice()) if (w.state === st) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
    if (timer) clearTimeout(timer);
    timer = null;
    if (next >= 0) timer = setTimeout(kick, Math.max(0, Math.min(next - clock.now(), 2 ** 31 - 1)));
  };

  const deliver = (data: Uint8Array, peer: Peer) => {
    if (!client || closed) return;
    try {
      client.receive(toCtx(data), peer, clock.now());
    } catch (e) {
      o.log?.('error', `receive: ${(e as Error).message}`);
    }
    kick();
  };
  const inbound = o.network ? o.network(deliver, 'in') : deliver;
  const udp = await bindUdp({ address: o.address, port: o.port }, (data, peer) => inbound(data, peer));
  const appUdp = o.appPort === undefined ? null : await bindUdp({ address: o.address, port: o.appPort }, (data, peer) => {
    if (!client || closed) return;
    try {
      if (appIn) appIn(toCtx(data), peer, clock.now());
    } catch (e) {
      o.log?.('error', `app receive: ${(e as Error).message}`);
    }
    kick();
  });
  // The socket as the radio: closed while asleep (queue mode) or while the link is down, then
  // bound again on the same port; what the device sends meanwhile is lost, as on the air.
  let sock: NodeUdp | null = udp;
  let local = udp.port;
  let radioOn = true;
  let linkUp = true;
  const power = () => {
    const want = radioOn && linkUp;
    if (want === !!sock || closed) return;
    if (!want) {
      sock!.close();
      sock = null;
      return;
    }
    // bound again at once (a pending bind queues what is sent meanwhile, as Node's dgram does)
    const queued: [Uint8Array, Peer][] = [];
    const pending: NodeUdp = { address: udp.address, port: udp.port, send: (d, p) => queued.push([d, p]), close: () => (sock = null) };
    sock = pending;
    bindUdp({ address: udp.address, port: local }, (data, peer) => inbound(data, peer)).then((s) => {
      if (sock !== pending || closed) return s.close();
      sock = s;
      for (const [d, p] of queued) s.send(d, p);
    }, (e) => o.log?.('error', `radio on: ${(e as Error).message}`));
  };
  const rawSend = (data: Uint8Array, peer: Peer) => sock?.send(Uint8Array.from(data), peer);
  const send = o.network ? o.network(rawSend, 'out') : rawSend;

  const state = (): string => (client && api ? api.lwm2m.stateName(client.state) : 'off');

  // Espruino's Storage module over this device's storage (firmware update, boot choice)
  const verifier = o.verifier || DEFAULT_VERIFIER;
  const flashed = (f: string) => () => (existsSync(f) ? readFileSync(f).toString('latin1') : undefined);
  const stMod = storageModule(storage, o.storageSize || 896 * 1024, { [VERIFIER_NAME]: flashed(verifier), [VERIFIER_ED_NAME]: flashed(o.verifierEd || DEFAULT_VERIFIER_ED) });

  // Espruino's dgram for the firmware pull's own socket (closed with the device)
  const dgramMod = emuDgram();
  const boot = () => {
    if (ctx) ctx.stop();
    radioOn = true;
    power();
    for (const s of dgramMod.sockets.splice(0)) closeQuietly(s);
    // the bundle the boot file would pick (tools/board-lib.mjs BOOT_SELECT): an updated one
    // from storage, else this device's bundle file (the flashed lwm2m.js)
    let pick = (new Function('return ' + BOOT_SELECT)() as (s: unknown) => string)(stMod);
    const trial = pick.charAt(0) === '!';
    if (trial) pick = pick.slice(1);
    const code = stMod.read(pick);
    // Espruino's crypto module, emulated; its ArrayBuffers are made in the context's realm.
    let realm = (u: Uint8Array): ArrayBuffer => u.buffer as ArrayBuffer;
    const emu = espruinoCryptoModule({ realm: (u) => realm(u) });
    const cryptoMod = emu.mod;
    cryptoCounters = emu.counters;
    try {
      ctx = loadFirmware(o.bundle || DEFAULT_BUNDLE, { modules: { crypto: cryptoMod, Storage: stMod }, print: (l) => o.log?.('print', l) }, code).ctx;
    } catch (e) {
      // a bundle on trial that fails to load: the board reboots (BOOT_CODE) and the next boot counts it
      o.log?.('board', `${pick} failed to load: ${(e as Error).message}${trial ? '; rebooting' : ''}`);
      client = null;
      if (trial) setTimeout(() => device.reboot(), 20);
      return;
    }
    o.log?.('board', `booted ${code ? pick : 'the flashed bundle'}`);
    api = ctx.run('LwM2M');
    const U8 = ctx.run('Uint8Array') as Uint8ArrayConstructor;
    toCtx = (u: Uint8Array) => {
      const c = new U8(u.length);
      c.set(u);
      return c;
    };
    realm = (u: Uint8Array) => toCtx(u).buffer as ArrayBuffer;
    const board = {
      clock,
      info: { manufacturer: 'lwm2m-espruino', model: 'Simulated ESP32', serial: o.endpoint.split(':').pop() || 'sim', firmware: api.VERSION },
      reboot: () => {
        o.onReboot?.();
        o.log?.('board', 'reboot');
        setTimeout(() => device.reboot(), 50);
      },
      factoryReset: () => {
        api.lwm2m.accountStore(storage).clear();
        o.log?.('board', 'factory reset');
        setTimeout(() => device.reboot(), 50);
      },
      memFree: () => Math.round((process.memoryUsage().heapTotal - process.memoryUsage().heapUsed) / 1024),
      memTotal: () => Math.round(process.memoryUsage().heapTotal / 1024),
      net: () => ({ bearer: 21, available: [21], rssi: -60, ips: [udp.address] }),
      sensor: () => walk.next(),
      output: (name: string, on: boolean, level: number) => {
        buzzer.on = on;
        buzzer.level = level;
        o.onOutput?.(name, on, level);
      },
    };
    // firmware update (firmware/lwm2m/fota.ts) on Espruino's modules as emulated here
    const E = ctx.run('E') as any;
    E.reboot = () => {
      o.log?.('board', 'E.reboot()');
      setTimeout(() => device.reboot(), 20);
    };
    const natives = { require: (m: string) => (m === 'Storage' ? stMod : m === 'crypto' ? cryptoMod : m === 'dgram' ? dgramMod : undefined), E, setTimeout: ctx.run('setTimeout'), clearTimeout: ctx.run('clearTimeout'), global: ctx.run('this'), process: {} };
    (board as any).fwPort = () => api.lwm2m.fotaPort(natives, o.vendorPub, o.coap);
    model = api.objects.createObjectModel(board, { format: o.format, period: o.period || 2000, objects: o.objects });
    // as the board's scheduler: a change outside a poll (an owner's set() from a timer) polls soon
    let soon = false;
    model.reg.wake = {
      add: () => {
        if (soon) return;
        soon = true;
        setImmediate(() => {
          soon = false;
          kick();
        });
      },
    };
    const ports = {
      udp: { send: (data: Uint8Array, peer: Peer) => send(data, peer) },
      clock,
      rng: { fill: (out: Uint8Array) => rng.fill(out) },
      storage: {
        read: (n: string) => {
          const b = storage.read(n);
          return b ? toCtx(b) : null;
        },
        write: (n: string, d: Uint8Array) => storage.write(n, Uint8Array.from(d)),
        erase: (n: string) => storage.erase(n),
        list: (p: string) => storage.list(p),
      },
      crypto: api.crypto.espruinoCrypto(cryptoMod),
    };
    const factory: FactoryConfig = o.rpkPriv
      ? { endpoint: o.endpoint, bootstrapUri: o.bootstrapUri, rpkPriv: o.rpkPriv, rpkPub: o.rpkPub, rpkServerPub: o.rpkServerPub, holdOff: o.holdOff }
      : { endpoint: o.endpoint, bootstrapUri: o.bootstrapUri, pskIdentity: o.pskIdentity, pskKey: o.pskKey, holdOff: o.holdOff };
    client = new api.lwm2m.Client(model.reg, ports, factory, {
      coap: o.coap,
      dtlsRetransmit: o.dtlsRetransmit,
      dtlsTimeout: o.dtlsTimeout,
      backoffBase: o.backoffBase,
      notifyCon: o.notifyCon,
      queue: o.queue,
      awake: o.awake,
      updateMargin: o.updateMargin,
      store: o.store,
      sendPaths: o.sendPaths,
      sendEvery: o.sendEvery,
      radio: (on: boolean) => {
        radioOn = on;
        power();
      },
      log: (ev: string, detail: string) => {
        const b = board as any;
        if (ev === 'registered' && b.fw && b.fw.confirm()) b.fw = undefined;
        o.log?.(ev, detail);
      },
    });
    if (appUdp) appIn = client.serveApp({ send: (data: Uint8Array, peer: Peer) => appUdp.send(Uint8Array.from(data), peer) });
    client.life().start(clock.now());
    kick();
  };

  const device: SimDevice = {
    endpoint: o.endpoint,
    udp,
    appUdp,
    client: () => client,
    crypto: () => cryptoCounters,
    state,
    buzzer,
    reboots: 0,
    send(paths: string[], done?: (result: string, ssid: number) => void) {
      if (!client || closed) return 'send: the device is off';
      const r = api.lwm2m.send(client, paths, done) as string;
      kick();
      return r;
    },
    waitFor(st: string, ms: number) {
      if (state() === st) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const w = { state: st, resolve: () => (clearTimeout(t), resolve()) };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`device ${o.endpoint} did not reach '${st}' within ${ms} ms (state '${state()}', last error: ${client?.lastError || 'none'})`));
        }, ms);
        waiters.push(w);
      });
    },
    link(up: boolean) {
      linkUp = up;
      power();
      client?.life().link(up, clock.now());
      kick();
    },
    async move() {
      if (closed) return;
      sock?.close();
      sock = null;
      const s = await bindUdp({ address: udp.address, port: 0 }, (data, peer) => inbound(data, peer));
      if (closed) return s.close();
      sock = s;
      local = s.port;
      linkUp = true;
      o.log?.('board', `address ${udp.address}:${local}`);
      client?.life().link(true, clock.now());
      client?.life().reconnect(clock.now());
      kick();
    },
    port: () => local,
    asleep: () => !radioOn,
    reboot() {
      if (closed) return;
      device.reboots++;
      boot();
    },
    stop() {
      return new Promise((resolve) => {
        if (!client || closed) return resolve();
        const done = () => {
          device.kill();
          resolve();
        };
        const guard = setTimeout(done, 5000);
        client.life().stop(clock.now(), () => {
          clearTimeout(guard);
          setTimeout(done, 20);
        });
        kick();
      });
    },
    kill() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      ctx?.stop();
      for (const s of dgramMod.sockets.splice(0)) closeQuietly(s);
      sock?.close();
      udp.close();
      appUdp?.close();
    },
  };
  try {
    boot();
  } catch (e) {
    // a bad owner object (createObjectModel's one line): no socket left open
    udp.close();
    appUdp?.close();
    (ctx as EspruinoContext | null)?.stop();
    throw new Error((e as Error).message);
  }
  return device;
}
