// PSK accounts that cannot work, end to end (dist/firmware.js against the simulator's
// servers over DTLS): a wrong key is reported at once, an empty one is never offered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootstrapServer, simpleConfig, type BsEvent } from '../../sim/bootstrap-server';
import { Lwm2mServer } from '../../sim/lwm2m-server';
import { startDevice, type DeviceOptions } from '../../sim/device';
import { fromHex } from '../../transport/bytes';

const EP = 'urn:dev:psk';
const BS_KEY = '000102030405060708090a0b0c0d0e0f';
const DM_KEY = '0f0e0d0c0b0a09080706050403020100';

async function until(what: string, cond: () => boolean, ms = 10000): Promise<void> {
  for (const end = Date.now() + ms; !cond(); ) {
    if (Date.now() > end) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function rig(accountKey = fromHex(DM_KEY)!) {
  const bsEvents: BsEvent[] = [];
  const lw = await Lwm2mServer.start({ port: -1, dtlsPort: 0 });
  const bs = await BootstrapServer.start({ port: -1, dtlsPort: 0, onEvent: (e) => bsEvents.push(e) });
  lw.security.add({ endpoint: EP, identity: 'dm', key: fromHex(DM_KEY)! });
  bs.security.add({ endpoint: EP, identity: 'bs', key: fromHex(BS_KEY)! });
  const cfg = simpleConfig({ serverUri: lw.secureUri!, securityMode: 'PSK', pskIdentity: 'dm', pskKey: fromHex(DM_KEY)!, shortServerId: 101, lifetime: 60 });
  // what a bootstrap server may write: the LwM2M server's PSK account without its Secret Key (/0/1/5)
  cfg.security['1'].secretKey = accountKey;
  bs.setConfig(EP, cfg);
  return { bs, lw, bsEvents, close: async () => (await bs.close(), await lw.close()) };
}

/** A device on the rig's bootstrap server; counts the datagrams it sends. */
async function device(r: Awaited<ReturnType<typeof rig>>, o: Partial<DeviceOptions>) {
  const log: string[] = [];
  const sent = { n: 0 };
  const dev = await startDevice({
    endpoint: EP,
    bootstrapUri: r.bs.secureUri!,
    backoffBase: 60000,
    log: (ev, d) => log.push(`${ev}: ${d}`),
    network: (send) => (data, peer) => {
      sent.n++;
      send(data, peer);
    },
    ...o,
  });
  return { dev, log, sent };
}

test('a wrong bootstrap PSK: the server answers decrypt_error and the device says "wrong PSK for identity" at once, then backs off', async () => {
  const r = await rig();
  const t0 = Date.now();
  const { dev, log } = await device(r, { pskIdentity: 'bs', pskKey: 'ff'.repeat(16) });
  try {
    await until('"wrong PSK" on the device', () => log.some((l) => l.startsWith('dtls: DTLS wrong_psk')), 5000);
    assert.ok(Date.now() - t0 < 5000, 'well before the 60 s handshake deadline');
    const line = log.find((l) => l.startsWith('dtls: DTLS wrong_psk'))!;
    assert.match(line, /^dtls: DTLS wrong_psk with 127\.0\.0\.1:\d+: wrong PSK for PSK identity "bs": DTLS fatal alert 51 from 127\.0\.0\.1:\d+ refused our Finished$/);
    await until('backoff', () => dev.state() === 'backoff', 2000);
    assert.match(dev.client().lastError, /wrong PSK for PSK identity "bs"/);
  } finally {
    dev.kill();
    await r.close();
  }
});

for (const [what, o, re] of [
  ['a PSK Identity and no key', { pskIdentity: 'bs' }, /^error: Security \/0\/0: PSK without a Secret Key \(\/0\/0\/5\): no DTLS handshake; account skipped$/],
  ['neither (NoSec settings on a coaps:// URI)', {}, /^error: Security \/0\/0: PSK without a PSK Identity \(\/0\/0\/3\): no DTLS handshake; account skipped$/],
] as const) {
  test(`a coaps:// bootstrap account with ${what}: refused with one line, no handshake`, async () => {
    const r = await rig();
    const { dev, log, sent } = await device(r, o);
    try {
      await until('the refusal', () => log.some((l) => re.test(l)), 5000);
      await new Promise((res) => setTimeout(res, 200));
      assert.equal(sent.n, 0, 'no datagram sent: ' + log.join('\n'));
      assert.equal(dev.state(), 'stopped');
      assert.match(dev.client().lastError, re.source.includes('/5') ? /Secret Key/ : /PSK Identity/);
    } finally {
      dev.kill();
      await r.close();
    }
  });
}

test('a bootstrapped PSK account without its Secret Key (/0/1/5) is refused at Bootstrap-Finish (4.06), never offered to the server', async () => {
  const r = await rig(new Uint8Array(0));
  const { dev, log } = await device(r, { pskIdentity: 'bs', pskKey: BS_KEY });
  try {
    await until('the refusal', () => log.some((l) => l.startsWith('bootstrap-finish: refused (4.06)')), 10000);
    assert.ok(log.includes('psk: Security /0/1: PSK without a Secret Key (/0/1/5): no DTLS handshake; account skipped'), log.join('\n'));
    assert.ok(!log.some((l) => /^dtls: handshake with .* as PSK identity dm/.test(l)), 'no handshake with the LwM2M server');
  } finally {
    dev.kill();
    await r.close();
  }
});
