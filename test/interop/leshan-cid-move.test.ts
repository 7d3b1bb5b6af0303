// A new local address (Wi-Fi rejoined: sim/device.ts move(), a new port) against Eclipse Leshan's
// server over DTLS-PSK, with notifications kept while the link was down (Server /1/x/6 true).
// What the device does depends on the session's Connection ID (firmware/lwm2m/lifecycle.ts
// reconnect, docs/queue-mode.md "A new address"): with one it keeps the registration and sends
// an Update, then what it kept; without one it registers again (Transport 1.1.1 §6.4.3).
import { test, after } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { startDevice, type SimDevice } from '../../sim/device';
import { LeshanServer, LeshanBootstrap, leshanMissing, leshanJars, byteArray, LESHAN_VERSION } from '../../sim/leshan';

// Fixed ports (Leshan's demo takes no port 0), unused by the other tests.
const PORTS = { coapPort: 26541, coapsPort: 26542, webPort: 26540 };
const EP = 'urn:dev:leshan-cid-move';
const SSID = 123;
const WAIT = 20_000;
const T = '/3303/0/5700';

const missing = leshanMissing();
if (missing && process.env.REQUIRE_PEERS === '1') throw new Error(`Leshan is required under .ci/run: ${missing}`);

let stop: (() => Promise<void>) | null = null;
after(async () => stop && (await stop()));

test(`Leshan ${LESHAN_VERSION} DTLS-PSK, a new address with notifications kept: Leshan gives no RFC 9146 Connection ID, so the device registers again from the new address and the kept notifications go with the observation`, { skip: missing ? `skipped: ${missing}` : false, timeout: 120_000 }, async () => {
  const jars = leshanJars();
  const [server, bs] = await Promise.all([LeshanServer.start(PORTS, jars), LeshanBootstrap.start('127.0.0.1', jars)]);
  stop = async () => void (await Promise.all([server.stop(), bs.stop()]));
  const bsId = `${EP}:bs`, bsKey = '0f0e0d0c0b0a09080706050403020100', srvId = `${EP}:dm`, srvKey = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf';
  bs.setConfig(EP, {
    toDelete: ['/0', '/1'],
    autoIdForSecurityObject: true,
    // notifIfDisabled: Server /1/0/6 true, notifications are kept while the server cannot be reached
    servers: { '0': { shortId: SSID, lifetime: 300, binding: 'U', notifIfDisabled: true } },
    security: { '1': { uri: server.coapsUri, bootstrapServer: false, securityMode: 'PSK', serverId: SSID, publicKeyOrId: byteArray(srvId, false), secretKey: byteArray(srvKey, true) } },
  });
  bs.addPsk(EP, bsId, bsKey);
  await server.addPsk(EP, srvId, srvKey);
  const ev = server.events(EP);
  await ev.open;
  const log: string[] = [];
  let dev: SimDevice | null = null;
  const api = (method: string, path: string) => server.api(method, `/clients/${encodeURIComponent(EP)}${path}`);
  try {
    dev = await startDevice({ endpoint: EP, bootstrapUri: bs.coapsUri, pskIdentity: bsId, pskKey: bsKey, period: 100, log: (e, d) => log.push(`${e}: ${d}`) });
    const reg = await ev.wait((e) => e.event === 'REGISTRATION', WAIT, 'REGISTRATION');
    await dev.waitFor('registered', WAIT);
    assert.equal(reg.data.secure, true);
    assert.equal(dev.client().reg.obj(1).i[0][6], true, 'Server /1/0/6 (notification storing) true, as Leshan wrote it');

    // Leshan observes the temperature; each change notifies (pmin 0, no pmax).
    assert.equal((await api('PUT', `${T}/attributes?pmin=0`)).status, 'CHANGED(204)');
    assert.equal((await api('POST', `${T}/observe?format=TLV`)).status, 'CONTENT(205)');
    const temp = dev.client().reg.obj(3303);
    const notif = (e: { event: string; data: any }) => e.event === 'NOTIFICATION' && e.data.res === T;
    const values = (from: number) => ev.events.slice(from).filter(notif).map((e) => e.data.val.value);
    let mark = ev.events.length;
    temp.set(0, 5700, 40);
    await ev.wait(notif, WAIT, 'a notification before the link drops', mark);

    // The DTLS session Leshan made: Californium 2.6 (Leshan M4) knows only the pre-RFC connection_id
    // (extension 53); the device offers RFC 9146's (54), which Leshan ignores: no Connection ID.
    // (`conns` is renamed in the bundle: dist/firmware.props.json maps it)
    const props = JSON.parse(readFileSync(join(import.meta.dirname, '../../dist/firmware.props.json'), 'utf8'));
    const conn = Array.from(dev.client()[props.conns || 'conns'] as any[]).find((c: any) => c.ssid === SSID);
    const session = conn.dtls.get(conn.peer);
    assert.ok(session, 'the device has a DTLS session with Leshan');
    assert.equal(session.cid, undefined, 'Leshan gave the session a Connection ID: this test should now prove the registration kept across the move');

    // The link drops: five changes are kept (Server /1/0/6 true).
    dev.link(false);
    for (let v = 1; v <= 5; v++) {
      temp.set(0, 5700, v);
      await new Promise((r) => setTimeout(r, 120));
    }
    // (two entries a notification; the simulated sensor's own drift adds more)
    assert.ok(dev.client().reporting.held?.length >= 10, `the five notifications kept: ${dev.client().reporting.held?.length}`);

    // Back with a new local port.
    const before = dev.port();
    mark = ev.events.length;
    await dev.move();
    assert.notEqual(dev.port(), before);
    // No Connection ID: a new handshake from the new address and a new Register (Transport 1.1.1 §6.4.3).
    const reg2 = await ev.wait((e) => e.event === 'REGISTRATION', WAIT, 'REGISTRATION from the new address', mark);
    await dev.waitFor('registered', WAIT);
    assert.notEqual(reg2.data.registrationId, reg.data.registrationId, 'a new registration');
    assert.equal(reg2.data.address, `127.0.0.1:${dev.port()}`, 'registered from the new address');
    assert.ok(!log.includes('reconnect: a new address: Update on the registrations kept'), log.join('\n'));
    assert.equal(ev.events.slice(mark).filter((e) => e.event === 'UPDATED').length, 0, 'no Update');
    // The old registration's observation is gone with it (Leshan drops a replaced registration's
    // observations), and the device dropped its kept notifications with it.
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(values(mark), [], 'no kept notification reached Leshan');
    assert.equal(dev.client().reporting.held?.length ?? 0, 0, 'the kept notifications went with the observation');
    assert.equal(dev.client().reporting.list.length, 0, 'the device has no observation left');
  } finally {
    await dev?.stop();
    ev.close();
  }
});
