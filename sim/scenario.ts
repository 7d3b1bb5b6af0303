// The seed's scenario on loopback, as one readable timeline: a Bootstrap Server, an
// LwM2M Server and one device (dist/firmware.js in the Espruino-stripped context).
// The device bootstraps (DTLS-PSK or NoSec), registers, the administrator reads the
// Device object and the temperature, sets pmin/pmax and observes the temperature,
// switches the buzzer on and reads it back. `once`: then cancels, de-registers and
// resolves; otherwise notifications keep arriving until stop() (Ctrl-C).
import { BootstrapServer, simpleConfig, type BsEvent } from './bootstrap-server';
import { Lwm2mServer, type ServerEvent, type OpResult } from './lwm2m-server';
import { startDevice, rpkBundleFor, type SimDevice } from './device';
import { generateRpk, type RpkCurve } from './rpk-keys';
import { MemoryStorage, FileStorage } from './node-ports';
import { logSafe } from './lwm2m-common';
import { fromHex, toHex } from '../transport/bytes';
import type { Rec } from '../objects/core/types';
import { T_BOOL } from '../objects/core/types';
import { appendFileSync } from 'node:fs';

export interface ScenarioOptions {
  security: 'nosec' | 'psk' | 'rpk';
  /**
   * How the device talks to the LwM2M server once bootstrapped (default: as to the bootstrap
   * server). 'psk' after an RPK bootstrap: the bootstrap server writes a PSK account (Security
   * Mode 0), so the device pays one public-key handshake (bootstrap) and PSK ones after it
   * (the seed: "another cipher suite can be installed after Bootstrap").
   */
  serverSecurity?: 'psk' | 'rpk';
  /** RPK: the key type of the device and both servers (default P-256, dist/firmware-rpk.js; Ed25519: dist/firmware-rpk-ed25519.js). */
  curve?: RpkCurve;
  once: boolean;
  bundle?: string;
  /** Content-Format the device prefers: 11542 (TLV) or 112 (SenML CBOR). */
  format?: number;
  endpoint?: string;
  /** Persist the device's storage in this directory (default: memory). */
  storageDir?: string;
  /** Notifications to wait for in `once` mode (default 3). */
  notifications?: number;
  print?: (line: string) => void;
  /** Append each DTLS session's master secret to this file (NSS key log, for Wireshark: `-o tls.keylog_file:FILE`). */
  keylog?: string;
}

export interface ScenarioResult {
  ok: boolean;
  /** The step that failed. */
  failed?: string;
  error?: string;
  /** Milliseconds from power-on to registered. */
  registeredAfter?: number;
  notifications: number;
  stop: () => Promise<void>;
}

const PSK_BS = { identity: 'urn:dev:bs', key: '000102030405060708090a0b0c0d0e0f' };
const PSK_DM = { identity: 'urn:dev:dm', key: '0f0e0d0c0b0a09080706050403020100' };

function code(c: number): string {
  return `${c >> 5}.${String(c & 31).padStart(2, '0')}`;
}

function value(r: OpResult): string {
  if (r.recs && r.recs.length === 1) return JSON.stringify(r.recs[0].v instanceof Uint8Array ? toHex(r.recs[0].v) : r.recs[0].v);
  if (r.recs) return `${r.recs.length} values`;
  return '';
}

export async function runScenario(o: ScenarioOptions): Promise<ScenarioResult> {
  const t0 = Date.now();
  const print = o.print || ((l: string) => console.log(l));
  // what the servers and the device report can carry text from the network: escaped for the terminal
  const line = (who: string, what: string) => print(`${String(Date.now() - t0).padStart(6)} ms  ${who.padEnd(8)} ${logSafe(what)}`);
  const ep = o.endpoint || 'urn:dev:mac:0002a1b2c3d4';
  // RPK: DTLS like PSK, the device's bootstrap account holding its key pair; one key type
  // for the device and both servers (a build speaks one: P-256 unless asked for Ed25519)
  const rpk = o.security === 'rpk';
  const psk = o.security === 'psk' || rpk;
  // the LwM2M server's account: RPK only after an RPK bootstrap (a PSK build has no Security Mode 1)
  const srvRpk = rpk && o.serverSecurity !== 'psk';
  if (o.serverSecurity === 'rpk' && !rpk) throw new Error("serverSecurity 'rpk' needs security 'rpk'");
  if (o.serverSecurity === 'psk' && !psk) throw new Error("serverSecurity 'psk' needs security 'psk' or 'rpk'");
  const curve: RpkCurve = o.curve ?? 'p256';
  const devKey = rpk ? generateRpk(curve) : null;
  const kind = rpk ? 'DTLS-RPK' : 'DTLS-PSK';
  const rpkSuite = `DTLS 1.2 RPK, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, ${curve === 'ed25519' ? 'Ed25519 + X25519' : 'ECDSA P-256 + ECDHE secp256r1'}`;
  const pskSuite = 'DTLS 1.2 PSK, TLS_PSK_WITH_AES_128_CCM_8';
  let step = 'start servers';
  let bs: BootstrapServer | null = null;
  let lw: Lwm2mServer | null = null;
  let dev: SimDevice | null = null;
  let notes = 0;
  let registeredAfter: number | undefined;
  // the key log holds secrets: the owner's only, as the key files are
  const keylog = o.keylog ? (l: string) => appendFileSync(o.keylog!, l + '\n', { mode: 0o600 }) : undefined;
  const stop = async () => {
    if (dev) await dev.stop();
    dev = null;
    if (bs) await bs.close();
    if (lw) await lw.close();
    bs = lw = null;
  };
  try {
    lw = await Lwm2mServer.start({
      host: '127.0.0.1',
      port: psk ? -1 : 0,
      dtlsPort: psk ? 0 : -1,
      rpk: srvRpk ? generateRpk(curve) : undefined,
      keylog,
      onEvent: (e: ServerEvent) => {
        if (e.type === 'REGISTRATION') {
          registeredAfter ??= Date.now() - t0;
          const id = e.registration!.identity;
          const over = id === null ? 'NoSec' : id.startsWith('rpk:') ? `DTLS-RPK ${id.slice(4)}` : `DTLS-PSK identity ${id}`;
          line('server', `Register from ${e.ep} → 2.01 /rd/${e.registration!.registrationId} (lwm2m=${e.registration!.lwM2mVersion}, lt=${e.registration!.lifetime}, ${e.registration!.objectLinks.length} links, ${over})`);
        } else if (e.type === 'UPDATED') line('server', `Update from ${e.ep} → 2.04`);
        else if (e.type === 'DEREGISTRATION') line('server', `${e.ep} ${e.expired ? 'registration expired' : 'de-registered (2.02)'}`);
        else if (e.type === 'REJECTED' || e.type === 'DTLS') line('server', `${e.type.toLowerCase()}: ${e.reason || ''}`);
      },
    });
    // The LwM2M server knows the device's key (in a deployment: from the bootstrap server's enrolment)
    if (srvRpk) lw.security.addRpk(ep, devKey!.spki);
    else if (psk) lw.security.add({ endpoint: ep, identity: PSK_DM.identity, key: fromHex(PSK_DM.key)! });
    const serverUri = (psk ? lw.secureUri : lw.uri)!;
    bs = await BootstrapServer.start({
      host: '127.0.0.1',
      port: psk ? -1 : 0,
      dtlsPort: psk ? 0 : -1,
      rpk: rpk ? generateRpk(curve) : undefined,
      keylog,
      onEvent: (e: BsEvent) => {
        const what: Record<string, string> = {
          request: `Bootstrap-Request from ${ep} (${e.secure ? kind : 'NoSec'}) → 2.04`,
          enrol: `installer: ${e.reason}`,
          enrolled: e.reason || 'enrolled',
          rejected: `Bootstrap-Request rejected: ${e.reason}`,
          delete: `Bootstrap-Delete ${e.path} → ${e.code}`,
          write: `Bootstrap-Write ${e.path} (${e.format}, ${e.bytes} bytes) → ${e.code}`,
          finish: `Bootstrap-Finish → ${e.code}`,
          done: 'bootstrap complete',
          failed: `bootstrap failed: ${e.reason}`,
          dtls: `DTLS: ${e.reason || ''}`,
        };
        line('bs', what[e.type] || e.type);
      },
    });
    bs.setConfig(
      ep,
      simpleConfig({
        serverUri,
        // RPK: the server's key pinned in /0/1/4; the device keeps using its own key pair
        securityMode: srvRpk ? 'RPK' : psk ? 'PSK' : 'NO_SEC',
        serverPublicKey: srvRpk ? lw.rpkSpki : undefined,
        pskIdentity: psk && !srvRpk ? PSK_DM.identity : undefined,
        pskKey: psk && !srvRpk ? fromHex(PSK_DM.key)! : undefined,
        shortServerId: 101,
        lifetime: 60,
        binding: 'U',
      }),
    );
    if (psk && !rpk) bs.security.add({ endpoint: ep, identity: PSK_BS.identity, key: fromHex(PSK_BS.key)! });
    const bsUri = (psk ? bs.secureUri : bs.uri)!;
    const suites = rpk && !srvRpk ? `bootstrap ${rpkSuite}; LwM2M server ${pskSuite}` : rpk ? rpkSuite : psk ? pskSuite : 'NoSec';
    line('sim', `bootstrap server ${bsUri}, LwM2M server ${serverUri} (${suites})`);
    if (o.keylog) line('sim', `DTLS session keys → ${o.keylog} (NSS key log; Wireshark: tshark -o tls.keylog_file:${o.keylog} -d udp.port==PORT,dtls)`);
    // The installer scans the device's QR label: the SHA-256 of its public key (seed §4, step 1)
    if (devKey) bs.enrol(devKey.hash);

    step = 'power on the device';
    const t1 = Date.now();
    dev = await startDevice({
      endpoint: ep,
      bootstrapUri: bsUri,
      pskIdentity: psk && !rpk ? PSK_BS.identity : undefined,
      pskKey: psk && !rpk ? PSK_BS.key : undefined,
      rpkPriv: devKey ? toHex(devKey.pkcs8) : undefined,
      rpkPub: devKey ? toHex(devKey.spki) : undefined,
      rpkServerPub: devKey ? toHex(bs.rpkSpki) : undefined,
      bundle: o.bundle ?? (rpk ? rpkBundleFor(curve) : undefined),
      format: o.format,
      storage: o.storageDir ? new FileStorage(o.storageDir) : new MemoryStorage(),
      log: (ev, detail) => {
        if (['state', 'dtls', 'rpk', 'bootstrap-request', 'bootstrap-finish', 'register', 'registered', 'backoff', 'deregister', 'persist', 'restored', 'error'].includes(ev)) line('device', `${ev}: ${detail}`);
      },
      onOutput: (name, on, level) => line('buzzer', on ? `♪ ON (level ${level})` : 'OFF'),
    });
    step = 'bootstrap and register';
    await dev.waitFor('registered', 60000);
    line('sim', `registered ${Date.now() - t1} ms after power-on`);

    step = 'read /3/0';
    const d = await lw.read(ep, [3, 0], 11542);
    if (!d.success) throw new Error(`Read /3/0 → ${code(d.code)}`);
    const get = (rid: number) => d.recs?.find((r: Rec) => r.p[2] === rid)?.v;
    line('admin', `Read /3/0 (TLV) → 2.05: ${get(0)} ${get(1)}, serial ${get(2)}, firmware ${get(3)}`);

    step = 'read /3303/0/5700';
    const t = await lw.read(ep, [3303, 0, 5700]);
    if (!t.success) throw new Error(`Read /3303/0/5700 → ${code(t.code)}`);
    line('admin', `Read /3303/0/5700 → 2.05: ${value(t)} °C`);

    step = 'write-attributes pmin/pmax';
    const wa = await lw.writeAttributes(ep, [3303, 0, 5700], ['pmin=1', 'pmax=2']);
    if (!wa.success) throw new Error(`Write-Attributes → ${code(wa.code)}`);
    line('admin', `Write-Attributes /3303/0/5700?pmin=1&pmax=2 → ${code(wa.code)}`);

    step = 'observe /3303/0/5700';
    const want = o.notifications ?? 3;
    let gotAll: () => void = () => {};
    const enough = new Promise<void>((r) => (gotAll = r));
    const first = await lw.observe(ep, [3303, 0, 5700], undefined, (n) => {
      notes++;
      line('server', `notification ${notes}: /3303/0/5700 = ${value(n)} °C`);
      if (notes >= want) gotAll();
    });
    if (!first.success) throw new Error(`Observe → ${code(first.code)}`);
    line('admin', `Observe /3303/0/5700 → 2.05 ${value(first)} °C`);

    step = 'write /3338/0/5850';
    const on: Rec[] = [{ p: [3338, 0, 5850], t: T_BOOL, v: true }];
    const w = await lw.write(ep, [3338, 0, 5850], on, { replace: true });
    if (!w.success) throw new Error(`Write /3338/0/5850 → ${code(w.code)}`);
    line('admin', `Write /3338/0/5850 true → ${code(w.code)}`);
    const back = await lw.read(ep, [3338, 0, 5850]);
    line('admin', `Read /3338/0/5850 → ${code(back.code)} ${value(back)}`);
    if (!dev.buzzer.on) throw new Error('the buzzer output did not switch on');

    step = `receive ${want} notifications`;
    await Promise.race([enough, new Promise((_, rej) => setTimeout(() => rej(new Error(`only ${notes} of ${want} notifications in 15 s`)), 15000))]);
    if (o.once) {
      step = 'de-register';
      lw.cancelObserve(ep, [3303, 0, 5700]);
      line('admin', 'Observe cancelled');
      await dev.stop();
      dev = null;
      await new Promise((r) => setTimeout(r, 100));
      await stop();
      line('sim', 'scenario complete');
    }
    return { ok: true, registeredAfter, notifications: notes, stop };
  } catch (e) {
    line('sim', `FAILED at step "${step}": ${(e as Error).message}`);
    await stop().catch(() => {});
    return { ok: false, failed: step, error: (e as Error).message, registeredAfter, notifications: notes, stop: async () => {} };
  }
}
