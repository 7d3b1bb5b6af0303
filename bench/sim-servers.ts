// npm run bench:servers [-- N [CONCURRENCY]] — N scripted devices (test/sim/fake-device.ts, each
// its own UDP socket and our DTLS PSK client) bootstrap from the simulator's Bootstrap Server
// over DTLS PSK (Delete /0, /1, Write /0/1, /1/0, Finish) and then register with its LwM2M
// Server over DTLS PSK, all in this one Node process on loopback. Prints wall time, the
// process's CPU time (devices and servers together), per-device CPU, peak RSS and the
// datagrams and bytes each server saw. This measures the servers' capacity for the fleet
// run (issue #6: 1,000 devices ≤ 20 s), with device-side costs of the TS sources included.
import { BootstrapServer, simpleConfig } from '../sim/bootstrap-server';
import { Lwm2mServer } from '../sim/lwm2m-server';
import { SecurityStore } from '../sim/lwm2m-common';
import { CODE } from '../transport/coap/constants';
import { utf8Decode } from '../transport/bytes';
import { FakeDevice, peerOf } from '../test/sim/fake-device';

const N = +(process.argv[2] || 1000);
const CONC = +(process.argv[3] || 100);
const key = (i: number) => new Uint8Array(Buffer.from((i + 0x1000).toString(16).padStart(32, '0'), 'hex'));

const count = { bs: { in: 0, inB: 0, out: 0, outB: 0 }, srv: { in: 0, inB: 0, out: 0, outB: 0 } };
const tap = (c: typeof count.bs) => (dir: 'in' | 'out', d: Uint8Array) => {
  if (dir === 'in') {
    c.in++;
    c.inB += d.length;
  } else {
    c.out++;
    c.outB += d.length;
  }
};

const srvSec = new SecurityStore();
const bsSec = new SecurityStore();
for (let i = 0; i < N; i++) {
  srvSec.add({ endpoint: `urn:dev:${i}`, identity: `dev${i}`, key: key(i) });
  bsSec.add({ endpoint: `urn:dev:${i}`, identity: `bs${i}`, key: key(i) });
}
let done = 0;
// all N devices register from 127.0.0.1: the per-address bound (1,000 by default) must hold them
const srv = await Lwm2mServer.start({ port: -1, dtlsPort: 0, security: srvSec, maxRegistrationsPerAddress: Math.max(N, 1000), maxRegistrations: Math.max(N, 10000), onDatagram: tap(count.srv), onEvent: (e) => e.type === 'REGISTRATION' && done++ });
const configs: Record<string, ReturnType<typeof simpleConfig>> = {};
for (let i = 0; i < N; i++) configs[`urn:dev:${i}`] = simpleConfig({ serverUri: srv.secureUri!, pskIdentity: `dev${i}`, pskKey: key(i) });
let bsDone = 0;
const bs = await BootstrapServer.start({ port: -1, dtlsPort: 0, configs, security: bsSec, onDatagram: tap(count.bs), onEvent: (e) => { if (e.type === 'done') bsDone++; else if (e.type === 'failed' || e.type === 'rejected' || e.type === 'dtls') fails.push(`${e.type} ${e.ep} ${e.reason}`); } });
const fails: string[] = [];

async function one(i: number): Promise<void> {
  const ep = `urn:dev:${i}`;
  const a = await FakeDevice.start({ psk: { identity: `bs${i}`, key: key(i) } });
  const finished = new Promise<void>((resolve) => {
    a.onSeen = (s) => s.path === '/bs' && resolve();
  });
  try {
    const r = await a.request(peerOf(bs.secureUri!), { code: CODE.POST, path: '/bs', query: [`ep=${ep}`] });
    if (r.code !== CODE.CHANGED) throw new Error(`${ep}: bootstrap request ${r.code}`);
    await finished;
  } finally {
    a.close();
  }
  const sec = a.find([0, 1]);
  if (!sec.some((x) => x.p[2] === 3)) throw new Error(`${ep}: no Security write applied; the device saw ${a.seen.map((x) => `${x.method} ${x.path} ${x.format}`).join(', ')}`);
  const b = await FakeDevice.start({ psk: { identity: utf8Decode(sec.find((x) => x.p[2] === 3)!.v as Uint8Array)!, key: sec.find((x) => x.p[2] === 5)!.v as Uint8Array } });
  try {
    const r = await b.register(peerOf(sec.find((x) => x.p[2] === 0)!.v as string), ep, 300);
    if (r.code !== CODE.CREATED) throw new Error(`${ep}: register ${r.code}`);
  } finally {
    b.close();
  }
}

const cpu0 = process.cpuUsage();
const t0 = performance.now();
let peak = process.memoryUsage().rss;
const mem = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(CONC, N) }, async () => {
    while (next < N) await one(next++);
  }),
);
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
clearInterval(mem);
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(`scripted devices (test/sim/fake-device.ts: our DTLS client and a fixed CoAP script from the TS sources, not the bundle; npm run bench:flow -- --fleet runs the bundle) ${N} (concurrency ${CONC}): bootstrapped ${bsDone}, registered ${done}, clients listed ${srv.clients().length}`);
console.log(`wall ${(wall / 1000).toFixed(2)} s, CPU ${(cpuMs / 1000).toFixed(2)} s (devices + servers), ${(cpuMs / N).toFixed(2)} ms CPU per device, peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`);
console.log(`bootstrap server: ${count.bs.in} datagrams / ${count.bs.inB} B in, ${count.bs.out} / ${count.bs.outB} B out (${(count.bs.in / N).toFixed(1)} + ${(count.bs.out / N).toFixed(1)} per device)`);
console.log(`LwM2M server:     ${count.srv.in} datagrams / ${count.srv.inB} B in, ${count.srv.out} / ${count.srv.outB} B out (${(count.srv.in / N).toFixed(1)} + ${(count.srv.out / N).toFixed(1)} per device)`);
if (fails.length) console.log(`bootstrap failures: ${fails.length}, first: ${fails.slice(0, 3).join(" | ")}`);
await bs.close();
await srv.close();
process.exit(done === N ? 0 : 1);
