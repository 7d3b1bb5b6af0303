// Power-on → registered, measured (issue #6): for NoSec and PSK, one device from
// dist/firmware.js in the Espruino-stripped context against the simulator's servers on
// loopback: wall time, CPU time (the whole process: device and servers), datagrams and
// bytes each way, against the minimum the protocols allow for this flow.
// Then a fleet, in one of two modes (say which when quoting a number):
//   --fleet N [--concurrency C]   N devices (default 1000) bootstrap and register over PSK, C at
//                                 a time: each is stopped once registered, so at most C live at once
//                                 (the servers' throughput, not their capacity);
//   --hold N [--concurrency C] [--seconds S]
//                                 N devices bootstrap and register, C at a time, and all N stay
//                                 registered; then the server observes /3/0/13 (Current Time) on
//                                 every one with pmin=1&pmax=1 for S seconds (default 10): N live
//                                 devices at once with notifications flowing.
//   npm run bench:flow [-- --fleet N | --hold N] [--concurrency C] [--seconds S]
import { BootstrapServer, simpleConfig } from '../sim/bootstrap-server';
import { Lwm2mServer } from '../sim/lwm2m-server';
import { startDevice } from '../sim/device';
import { fromHex } from '../transport/bytes';

const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    console.error(`bench:flow: --${name} needs a non-negative integer`);
    process.exit(2);
  }
  return v;
};
const HOLD = flag('hold', 0);
const FLEET = HOLD ? 0 : flag('fleet', 1000);
const CONC = flag('concurrency', 50);
const SECONDS = flag('seconds', 10);
const KEY_BS = '000102030405060708090a0b0c0d0e0f';
const KEY_DM = '0f0e0d0c0b0a09080706050403020100';

async function servers(psk: boolean) {
  const lw = await Lwm2mServer.start({ port: psk ? -1 : 0, dtlsPort: psk ? 0 : -1 });
  const bs = await BootstrapServer.start({ port: psk ? -1 : 0, dtlsPort: psk ? 0 : -1 });
  const add = (ep: string) => {
    if (psk) {
      lw.security.add({ endpoint: ep, identity: `dm-${ep}`, key: fromHex(KEY_DM)! });
      bs.security.add({ endpoint: ep, identity: `bs-${ep}`, key: fromHex(KEY_BS)! });
    }
    bs.setConfig(ep, simpleConfig({
      serverUri: (psk ? lw.secureUri : lw.uri)!,
      securityMode: psk ? 'PSK' : 'NO_SEC',
      pskIdentity: psk ? `dm-${ep}` : undefined,
      pskKey: psk ? fromHex(KEY_DM)! : undefined,
      shortServerId: 101,
      lifetime: 300,
    }));
  };
  return { lw, bs, add, bsUri: (psk ? bs.secureUri : bs.uri)!, close: async () => (await bs.close(), await lw.close()) };
}

// A DTLS alert record: plain (content type 21), or protected under the Connection ID our servers
// give (RFC 9146: type 25, then 13-byte header + 6-byte CID + 8-byte nonce + the 2-byte alert and
// its inner type byte + 8-byte CCM-8 tag = 38 bytes; no CoAP message is that short).
const isAlert = (d: Uint8Array) => d[0] === 21 || (d[0] === 25 && d.length === 13 + 6 + 8 + 3 + 8);

async function one(psk: boolean) {
  const s = await servers(psk);
  const ep = 'urn:dev:bench:1';
  s.add(ep);
  // DTLS alert records (content type 21) are counted apart: the device's close_notify to the
  // bootstrap server after Bootstrap-Finish may or may not leave before the registration.
  const c = { out: 0, outBytes: 0, in: 0, inBytes: 0, alerts: 0 };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const dev = await startDevice({
    endpoint: ep,
    bootstrapUri: s.bsUri,
    pskIdentity: psk ? `bs-${ep}` : undefined,
    pskKey: psk ? KEY_BS : undefined,
    network: (send, dir) => (data, peer) => {
      if (psk && isAlert(data)) c.alerts++;
      else if (dir === 'out') (c.out++, (c.outBytes += data.length));
      else (c.in++, (c.inBytes += data.length));
      send(data, peer);
    },
  });
  await dev.waitFor('registered', 30000);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const crypto = { ...dev.crypto() };
  const counted = { ...c };
  await dev.stop();
  await s.close();
  return { wall, cpu: (cpu.user + cpu.system) / 1000, ...counted, crypto };
}

async function fleet(n: number, conc: number) {
  const s = await servers(true);
  for (let i = 0; i < n; i++) s.add(`urn:dev:fleet:${i}`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let peak = process.memoryUsage().rss;
  const mem = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  let next = 0;
  let ok = 0;
  const failures: string[] = [];
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const ep = `urn:dev:fleet:${i}`;
      const dev = await startDevice({ endpoint: ep, bootstrapUri: s.bsUri, pskIdentity: `bs-${ep}`, pskKey: KEY_BS, dtlsRetransmit: 2000 });
      try {
        await dev.waitFor('registered', 120000);
        ok++;
      } catch (e) {
        failures.push((e as Error).message);
      }
      dev.kill();
    }
  };
  await Promise.all(Array.from({ length: conc }, worker));
  clearInterval(mem);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const regs = s.lw.clients().length;
  await s.close();
  return { wall, cpu: (cpu.user + cpu.system) / 1000, peak, ok, regs, failures };
}

async function hold(n: number, conc: number, seconds: number) {
  const s = await servers(true);
  for (let i = 0; i < n; i++) s.add(`urn:dev:hold:${i}`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let peak = process.memoryUsage().rss;
  const mem = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const devices: Awaited<ReturnType<typeof startDevice>>[] = [];
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const ep = `urn:dev:hold:${next++}`;
      const dev = await startDevice({ endpoint: ep, bootstrapUri: s.bsUri, pskIdentity: `bs-${ep}`, pskKey: KEY_BS, dtlsRetransmit: 2000 });
      devices.push(dev);
      await dev.waitFor('registered', 120000).catch((e) => failures.push((e as Error).message));
    }
  };
  await Promise.all(Array.from({ length: conc }, worker));
  const registeredAt = performance.now() - t0;
  const live = s.lw.clients().map((r) => r.endpoint);
  let notifications = 0;
  let observed = 0;
  let k = 0;
  const observer = async () => {
    while (k < live.length) {
      const ep = live[k++];
      try {
        await s.lw.writeAttributes(ep, [3, 0, 13], ['pmin=1', 'pmax=1'], 30000);
        await s.lw.observe(ep, [3, 0, 13], undefined, () => notifications++, 30000);
        observed++;
      } catch (e) {
        failures.push(`observe ${ep}: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: conc }, observer));
  const observedAt = performance.now() - t0;
  const before = notifications;
  const cpu1 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const during = notifications - before;
  const cpuHold = process.cpuUsage(cpu1);
  clearInterval(mem);
  const stillRegistered = s.lw.clients().length;
  for (const d of devices) d.kill();
  const cpu = process.cpuUsage(cpu0);
  await s.close();
  return { registeredAt, observedAt, observed, live: live.length, stillRegistered, during, cpuHold: (cpuHold.user + cpuHold.system) / 1000, cpu: (cpu.user + cpu.system) / 1000, peak, failures };
}

// The fewest datagrams this flow can take (each way): NoSec bootstrap = Request + 5 server
// requests (Delete /0, Delete /1, Write /0/1, Write /1/0, Finish), each answered piggybacked
// (6 each way); Register = 1 each way → 7 each way. A DTLS 1.2 PSK handshake with the cookie
// exchange is 3 flights each way when each flight fits one datagram (CH, CH+cookie,
// CKE+CCS+Finished / HVR, SH+SKE+SHD, CCS+Finished); two handshakes → +6 each way.
const MIN = { nosec: 7, psk: 13 };

await one(false); // warm-up: compile the bundle, JIT the servers
for (const psk of [false, true]) {
  const r = await one(psk);
  const name = psk ? 'psk' : 'nosec';
  console.log(
    `${name.padEnd(5)} power-on → registered: ${r.wall.toFixed(0)} ms wall, ${r.cpu.toFixed(0)} ms CPU (device + servers), ` +
      `device sent ${r.out} datagrams / ${r.outBytes} B, received ${r.in} / ${r.inBytes} B ` +
      `(minimum ${MIN[name]} each way${r.alerts ? `; ${r.alerts} DTLS alert datagram(s) not counted` : ''}); native crypto calls: ${r.crypto.sha256Calls} SHA-256, ${r.crypto.aesCalls} AES`,
  );
}
if (FLEET > 0) {
  const f = await fleet(FLEET, CONC);
  console.log(
    `fleet: ${f.ok}/${FLEET} devices bootstrapped and registered over PSK (${f.regs} registrations on the server), concurrency ${CONC}: ` +
      `${(f.wall / 1000).toFixed(1)} s total, ${(f.cpu / FLEET).toFixed(1)} ms CPU per device, peak RSS ${(f.peak / 2 ** 20).toFixed(0)} MiB`,
  );
  if (f.failures.length) console.log(`  first failure: ${f.failures[0]}`);
}
if (HOLD > 0) {
  const h = await hold(HOLD, CONC, SECONDS);
  console.log(
    `hold: ${h.live}/${HOLD} devices registered over PSK at once (concurrency ${CONC} while joining) after ${(h.registeredAt / 1000).toFixed(1)} s, ` +
      `${h.observed} observed (/3/0/13, pmin=pmax=1) after ${(h.observedAt / 1000).toFixed(1)} s; over ${SECONDS} s: ${h.during} notifications ` +
      `(${(h.during / SECONDS).toFixed(0)}/s, ${(h.during / Math.max(1, h.live) / SECONDS).toFixed(2)} per device per second), ` +
      `CPU ${(h.cpuHold / 1000).toFixed(1)} s (${((h.cpuHold / 10) / SECONDS).toFixed(0)} % of one core); ${h.stillRegistered} still registered; peak RSS ${(h.peak / 2 ** 20).toFixed(0)} MiB`,
  );
  if (h.failures.length) console.log(`  ${h.failures.length} failures (registration or observation), first: ${h.failures[0]}`);
}
process.exit(0);
