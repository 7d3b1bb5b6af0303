// DTLS session resumption end to end (issue 16 item 3): dist/firmware.js in the stripped
// context keeps each server account's session in Storage beside its accounts
// (firmware/lwm2m/persistence.ts) and offers it after a reboot or on a new address; our
// servers (transport/dtls/session-cache.ts) resume it: on the wire no ClientKeyExchange, no
// ServerHelloDone, no Certificate. A kept record that fails its check is discarded; a new
// bootstrap drops the server sessions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootstrapServer, simpleConfig, type BsEvent } from '../../sim/bootstrap-server';
import { Lwm2mServer, type ServerEvent } from '../../sim/lwm2m-server';
import { startDevice, type SimDevice } from '../../sim/device';
import { MemoryStorage } from '../../sim/node-ports';
import { fromHex } from '../../transport/bytes';
import { parseRecords } from '../../transport/dtls/record';
import { parseFragments } from '../../transport/dtls/handshake';

const EP = 'urn:dev:resume';
const SRV_KEY = '0f0e0d0c0b0a09080706050403020100';
const BS_KEY = '000102030405060708090a0b0c0d0e0f';

/** Handshake message types of one datagram's epoch-0 records (the plaintext part of a handshake). */
function types(d: Uint8Array): number[] {
  const out: number[] = [];
  for (const r of parseRecords(d)) if (r.type === 22 && r.epoch === 0) for (const f of parseFragments(r.fragment) || []) out.push(f.msg_type);
  return out;
}

async function rig() {
  const srvEvents: ServerEvent[] = [];
  const bsEvents: BsEvent[] = [];
  const wire: { dir: string; t: number[] }[] = [];
  const lw = await Lwm2mServer.start({ port: -1, dtlsPort: 0, onEvent: (e) => srvEvents.push(e), onDatagram: (dir, data) => wire.push({ dir, t: types(data) }) });
  const bs = await BootstrapServer.start({ port: -1, dtlsPort: 0, onEvent: (e) => bsEvents.push(e) });
  lw.security.add({ endpoint: EP, identity: 'dm', key: fromHex(SRV_KEY)! });
  bs.security.add({ endpoint: EP, identity: 'bs', key: fromHex(BS_KEY)! });
  bs.setConfig(EP, simpleConfig({ serverUri: lw.secureUri!, securityMode: 'PSK', pskIdentity: 'dm', pskKey: fromHex(SRV_KEY)!, shortServerId: 101, lifetime: 60 }));
  return {
    lw, bs, srvEvents, bsEvents, wire,
    registrations: () => srvEvents.filter((e) => e.type === 'REGISTRATION').length,
    /** The handshake messages the LwM2M server saw and sent since `from` (an index into wire). */
    seen: (from: number) => wire.slice(from).flatMap((w) => w.t.map((t) => `${w.dir === 'in' ? 'C' : 'S'}${t}`)),
    close: async () => (await bs.close(), await lw.close()),
  };
}

const opts = (r: Awaited<ReturnType<typeof rig>>, storage: MemoryStorage, log?: string[]) => ({
  endpoint: EP, bootstrapUri: r.bs.secureUri!, pskIdentity: 'bs', pskKey: BS_KEY, storage,
  log: log ? (e: string, d: string) => log.push(`${e} ${d}`) : undefined,
});

async function until(f: () => boolean, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`${what} within ${ms} ms`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

test('PSK: a reboot and a new address resume the kept session (no key exchange on the wire); a kept record that fails its check gives a full handshake', async () => {
  const r = await rig();
  const storage = new MemoryStorage();
  let dev: SimDevice | null = null;
  try {
    const log: string[] = [];
    dev = await startDevice(opts(r, storage, log));
    await dev.waitFor('registered', 15000);
    // a full handshake with each server, and each session kept beside the accounts
    assert.ok(r.seen(0).includes('C16'), 'first handshake: full');
    assert.deepEqual(storage.list('lwm2m.ses'), ['lwm2m.ses101.a', 'lwm2m.sesb.a']);

    // reboot (Execute /3/0/4): the same port, the session resumed
    let mark = r.wire.length;
    assert.equal((await r.lw.execute(EP, [3, 0, 4])).code, 68);
    await until(() => r.registrations() >= 2, 10000, 'registered again after the reboot');
    assert.deepEqual(r.seen(mark), ['C1', 'S3', 'C1', 'S2'], 'abbreviated: ClientHello, HelloVerifyRequest, ClientHello, ServerHello (then CCS + Finished, encrypted)');
    assert.ok(log.some((l) => l.includes('resuming its session')), log.join('\n'));
    assert.ok(log.some((l) => l.startsWith('dtls session resumed with')), log.join('\n'));
    assert.equal(r.bsEvents.filter((e) => e.type === 'request').length, 1, 'no bootstrap');

    // power cycle onto another local port (a new address): resumed again
    dev.kill();
    mark = r.wire.length;
    dev = await startDevice(opts(r, storage));
    await until(() => r.registrations() >= 3, 10000, 'registered from the new port');
    assert.deepEqual(r.seen(mark), ['C1', 'S3', 'C1', 'S2']);

    // a kept record that fails its check (the credentials it names are not these): discarded, full handshake, kept anew
    dev.kill();
    const f = storage.files['lwm2m.ses101.a'] ? 'lwm2m.ses101.a' : 'lwm2m.ses101.b';
    const bad = new Uint8Array(storage.files[f]);
    bad[0] ^= 1;
    storage.files[f] = bad;
    for (const k of Object.keys(storage.files)) if (k.startsWith('lwm2m.ses101.') && k !== f) delete storage.files[k];
    mark = r.wire.length;
    dev = await startDevice(opts(r, storage));
    await until(() => r.registrations() >= 4, 10000, 'registered after a failed check');
    assert.ok(r.seen(mark).includes('C16'), 'full handshake');
    assert.equal(storage.list('lwm2m.ses101').length, 1, 'the bad record erased, the new one kept');
  } finally {
    await dev?.stop();
    await r.close();
  }
});

test('a new bootstrap drops the kept server sessions: the next handshake with the server is full', async () => {
  const r = await rig();
  const storage = new MemoryStorage();
  let dev: SimDevice | null = null;
  try {
    dev = await startDevice(opts(r, storage));
    await dev.waitFor('registered', 15000);
    assert.equal(storage.list('lwm2m.ses101').length, 1);
    const mark = r.wire.length;
    // Bootstrap-Request Trigger (1/0/9): bootstrap again, then register
    assert.equal((await r.lw.execute(EP, [1, 0, 9])).code, 68);
    await until(() => r.bsEvents.filter((e) => e.type === 'request').length >= 2 && r.registrations() >= 2, 15000, 'bootstrapped and registered again');
    const seen = r.seen(mark);
    assert.ok(seen.includes('C16'), `full handshake after the bootstrap: ${seen.join(' ')}`);
  } finally {
    await dev?.stop();
    await r.close();
  }
});
