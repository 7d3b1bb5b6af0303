// Power-on → registered, measured (issue #6): for NoSec and PSK, one device from
// dist/firmware.js in the Espruino-stripped context against the simulator's servers on
// loopback: wall time, CPU time (the whole process: device and servers), datagrams and
// bytes each way, against the minimum the protocols allow for this flow.
// Then a fleet: N devices (default 1000) bootstrapping and registering over PSK.
//   npm run bench:flow [-- --fleet N --concurrency C]
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
const FLEET = flag('fleet', 1000);
const CONC = flag('concurrency', 50);
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

async function one(psk: boolean) {
  const s = await servers(psk);
  const ep = 'urn:dev:bench:1';
  s.add(ep);
  const c = { out: 0, outBytes: 0, in: 0, inBytes: 0 };
  let dir = 'out';
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const dev = await startDevice({
    endpoint: ep,
    bootstrapUri: s.bsUri,
    pskIdentity: psk ? `bs-${ep}` : undefined,
    pskKey: psk ? KEY_BS : undefined,
    network: (send) => {
      // startDevice wraps outbound first, then inbound
      const d = dir;
      dir = 'in';
      return (data, peer) => {
        if (d === 'out') (c.out++, (c.outBytes += data.length));
        else (c.in++, (c.inBytes += data.length));
        send(data, peer);
      };
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
      `(minimum ${MIN[name]} each way); native crypto calls: ${r.crypto.sha256Calls} SHA-256, ${r.crypto.aesCalls} AES`,
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
process.exit(0);
