// The device (dist/firmware.js in the Espruino-stripped context, sim/device.ts) against Eclipse Leshan:
// Leshan's bootstrap server (Leshan's library in our launcher) and Leshan's LwM2M server demo, both from
// Maven Central (sim/leshan.ts), NoSec, DTLS-PSK and DTLS-RPK (P-256, dist/firmware-rpk.js), through the
// whole flow, driven through Leshan's REST API.
import { test, after, TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { needPeer, liveCapture } from '../helpers/peers';
import { startDevice, SimDevice } from '../../sim/device';
import { MemoryStorage } from '../../sim/node-ports';
import { LeshanServer, LeshanBootstrap, leshanMissing, leshanJars, byteArray, LESHAN_VERSION, EventStream, p256KeyPair, javaPkcs8, LESHAN_RPK_BUNDLE, rpkBootstrapAccount, type ServerRpk } from '../../sim/leshan';

// Fixed ports for Leshan's server (its demo takes no port 0), from this area's range 26500-26599.
const PORTS = { coapPort: 26583, coapsPort: 26584, webPort: 26580 };
const SSID = 123;
/** Short, so that the device's Update (at half the lifetime) happens during the test. */
const LIFETIME = 20;
const WAIT = 20_000;

const missing = leshanMissing();
if (missing && process.env.REQUIRE_PEERS === '1') throw new Error(`Leshan is required under .ci/run: ${missing}`);
const skip = missing ? `skipped: ${missing}` : false;

/** Each Leshan server's own P-256 raw public key pair (`-pubk/-prik`; the launcher's --rpk-pub/--rpk-priv). */
const SERVER_RPK = p256KeyPair();
const BS_RPK = p256KeyPair();

let peers: Promise<{ server: LeshanServer; bs: LeshanBootstrap }> | null = null;
/** One Leshan server and one bootstrap server for all flows, started on first use, each with its RPK key pair. */
function leshan() {
  if (!peers) {
    peers = Promise.all([LeshanServer.start({ ...PORTS, rpk: SERVER_RPK }), LeshanBootstrap.start('127.0.0.1', leshanJars(), BS_RPK)]).then(([server, bs]) => ({ server, bs }));
  }
  return peers;
}
after(async () => {
  if (!peers) return;
  const p = await peers.catch(() => null);
  await Promise.all([p?.server.stop(), p?.bs.stop()]);
});

/** `</3>;ver=1.1,</3/0>` → { '/3': '1.1', '/3/0': '' } */
function linkMap(links: { url: string; attributes: Record<string, string> }[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const l of links) m[l.url] = l.attributes.ver ? l.attributes.ver.replace(/"/g, '') : '';
  return m;
}
function parseLinks(s: string): Record<string, string> {
  const m: Record<string, string> = {};
  for (const part of s.split(',')) {
    const url = part.slice(part.indexOf('<') + 1, part.indexOf('>'));
    const ver = /;ver="?([0-9.]+)"?/.exec(part);
    m[url] = ver ? ver[1] : '';
  }
  return m;
}

/** Resources of a Leshan instance read, by id (values as Leshan decoded them). */
function resources(content: any): Record<number, unknown> {
  const m: Record<number, unknown> = {};
  for (const r of content.resources) m[r.id] = r.values ?? r.value;
  return m;
}

/** Options of the device's answer to the request for `path` Leshan sent after event `from` (from Leshan's CoAP log). */
async function answerOptions(ev: EventStream, from: number, path: string): Promise<string> {
  const req = await ev.wait((e) => e.event === 'COAPLOG' && !e.data.incoming && String(e.data.options).includes(path), 5000, `CoAP log of the request for ${path}`, from);
  const res = await ev.wait((e) => e.event === 'COAPLOG' && e.data.incoming && e.data.token === req.data.token, 5000, `CoAP log of the answer to ${path}`, from);
  return String(res.data.options);
}

const run = promisify(execFile);

async function stopTshark(p: ChildProcess): Promise<void> {
  await new Promise((r) => setTimeout(r, 500)); // let the last packets reach the file
  await new Promise<void>((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGINT');
  });
}

type Mode = 'nosec' | 'psk' | 'rpk';

/** Every datagram of the flow, decoded as CoAP (NoSec) or DTLS (PSK, RPK): nothing malformed, no warning. */
async function checkCapture(t: TestContext, pcap: string, mode: Mode, bsPorts: number[], rpk: ServerRpk | null) {
  const secure = mode !== 'nosec';
  const as = secure ? 'dtls' : 'coap';
  const d = ['-d', `udp.port==${secure ? PORTS.coapsPort : PORTS.coapPort},${as}`, ...bsPorts.flatMap((p) => ['-d', `udp.port==${p},${as}`])];
  const bad = await run('tshark', ['-r', pcap, ...d, '-Y', '_ws.malformed || _ws.expert.severity >= "warning"', '-T', 'fields', '-e', 'frame.number', '-e', '_ws.expert.message'], { timeout: 30000 });
  assert.equal(bad.stdout.trim(), '', `tshark findings:\n${bad.stdout}`);
  const n = await run('tshark', ['-r', pcap, ...d, '-Y', as], { timeout: 30000 });
  const count = n.stdout.trim().split('\n').filter(Boolean).length;
  assert.ok(count > 40, `only ${count} ${as} packets captured`);
  if (secure) {
    // Both of Leshan's DTLS servers chose the one suite the device offers: TLS_PSK_WITH_AES_128_CCM_8
    // (RFC 7925 §4.2) or TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (§4.3).
    const suites = await run('tshark', ['-r', pcap, ...d, '-Y', 'dtls.handshake.type == 2', '-T', 'fields', '-e', 'dtls.handshake.ciphersuite'], { timeout: 30000 });
    const list = suites.stdout.trim().split('\n');
    assert.ok(list.length >= 3, `ServerHellos: ${list.join(',')}`); // bootstrap, server, server after the reboot
    for (const x of list) assert.equal(Number(x), mode === 'psk' ? 0xc0a8 : 0xc0ae);
    // Session resumption (RFC 5246 §7.3; Californium resumes by session ID): the LwM2M server's first
    // handshake is full, the one after the reboot and the one after the power cycle are abbreviated:
    // ServerHello, then ChangeCipherSpec and Finished; no ServerKeyExchange, no Certificate, no ServerHelloDone.
    const fromServer = async (type: number) => (await run('tshark', ['-r', pcap, ...d, '-Y', `udp.srcport == ${PORTS.coapsPort} && dtls.handshake.type == ${type}`, '-T', 'fields', '-e', 'frame.number'], { timeout: 30000 })).stdout.trim().split('\n').filter(Boolean).map(Number);
    const [shd, cert, ske] = [await fromServer(14), await fromServer(11), await fromServer(12)];
    // A flight Californium retransmits (its 1 s timer runs while the device computes) repeats its
    // ServerHello unchanged (RFC 6347 §4.2.4): handshakes are told apart by server_random.
    const rnd = (await run('tshark', ['-r', pcap, ...d, '-Y', `udp.srcport == ${PORTS.coapsPort} && dtls.handshake.type == 2`, '-T', 'fields', '-e', 'frame.number', '-e', 'dtls.handshake.random'], { timeout: 30000 })).stdout.trim().split('\n').filter(Boolean).map((l) => l.split('\t'));
    const sh = rnd.filter((x, i) => rnd.findIndex((y) => y[1] === x[1]) === i).map((x) => Number(x[0]));
    assert.equal(sh.length, 3, `the LwM2M server's handshakes (first, after the reboot, after the power cycle): ServerHellos ${rnd.map((x) => x[0])}`);
    for (const f of [...shd, ...cert, ...ske]) assert.ok(f < sh[1], `one full handshake with the LwM2M server, two resumed: a ServerHelloDone, Certificate or ServerKeyExchange (frame ${f}) after the first handshake`);
  }
  if (rpk) {
    // RFC 7250 §4.1: each ServerHello settles both certificate types on RawPublicKey (2), and each
    // side's Certificate message is a bare SubjectPublicKeyInfo (§3): the servers' own keys and the device's.
    const hellos = await run('tshark', ['-r', pcap, ...d, '-Y', 'dtls.handshake.type == 2', '-T', 'fields', '-e', 'dtls.handshake.cert_type.type'], { timeout: 30000 });
    for (const x of hellos.stdout.trim().split('\n')) assert.equal(x, '0x02,0x02', `ServerHello certificate types: ${hellos.stdout}`);
    const certs = await run('tshark', ['-r', pcap, ...d, '-Y', 'dtls.handshake.type == 11', '-T', 'fields', '-e', 'udp.srcport', '-e', 'dtls.handshake.certificate'], { timeout: 30000 });
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    const seen = certs.stdout.trim().split('\n').map((l) => {
      const [port, cert] = l.split('\t');
      const who = Number(port) === PORTS.coapsPort ? 'server' : Number(port) === bsPorts[1] ? 'bootstrap' : 'device';
      return `${who} ${cert.replace(/:/g, '')}`;
    });
    const want = { server: hex(SERVER_RPK.spki), bootstrap: hex(BS_RPK.spki), device: hex(rpk.spki) };
    // bootstrap, server, server after the reboot: each once from each side at least
    for (const who of ['bootstrap', 'server', 'device'] as const) assert.ok(seen.includes(`${who} ${want[who]}`), `${who}'s key in: ${seen.join('\n')}`);
    for (const x of seen) assert.ok(Object.values(want).includes(x.split(' ')[1]), `unexpected Certificate: ${x}`);
  }
  t.diagnostic(`tshark: ${count} ${as} packets, no malformed packet or warning`);
  if (secure) t.diagnostic(`handshakes (first ClientHello → server's ChangeCipherSpec): ${(await handshakeTimes(pcap, d, bsPorts[1])).join(', ')}`);
}

/** Each DTLS handshake's duration in the capture, for the report (not asserted: no timed tests). */
async function handshakeTimes(pcap: string, d: string[], bsCoaps: number): Promise<string[]> {
  const f = ['frame.time_relative', 'udp.srcport', 'udp.dstport', 'dtls.handshake.type', 'dtls.record.content_type'];
  const rows = (await run('tshark', ['-r', pcap, ...d, '-Y', 'dtls', '-T', 'fields', ...f.flatMap((x) => ['-e', x])], { timeout: 30000 })).stdout.trim().split('\n');
  const open: Record<string, number> = {};
  const out: string[] = [];
  for (const r of rows) {
    const [time, src, dst, hs, ct] = r.split('\t');
    const fromServer = Number(src) === PORTS.coapsPort || Number(src) === bsCoaps;
    const key = fromServer ? `${dst}-${src}` : `${src}-${dst}`;
    const srv = fromServer ? Number(src) : Number(dst);
    if (!fromServer && hs.split(',').includes('1') && open[key] === undefined) open[key] = Number(time);
    if (fromServer && ct.split(',').includes('20') && open[key] !== undefined) {
      out.push(`${srv === bsCoaps ? 'bootstrap' : 'server'} ${Math.round((Number(time) - open[key]) * 1000)} ms`);
      delete open[key];
    }
  }
  return out;
}

async function flow(t: TestContext, mode: Mode) {
  const { server, bs } = await leshan();
  const shark = needPeer(t, 'tshark', 'tshark');
  const bsPorts = [bs.coapUri, bs.coapsUri].map((u) => Number(u.split(':').pop()));
  const dir = mkdtempSync(join(tmpdir(), 'leshan-interop-'));
  const pcap = join(dir, `${mode}.pcapng`);
  const ep = `urn:dev:leshan-${mode}-${process.pid}`;
  const psk = mode === 'psk';
  const rpk = mode === 'rpk';
  const secure = psk || rpk;
  const bsId = `${ep}:bs`;
  const bsKey = '0f0e0d0c0b0a09080706050403020100';
  const srvId = `${ep}:dm`;
  const srvKey = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf';
  // RPK: the device's P-256 key pair, in its bootstrap account as node:crypto writes it; the server
  // account's Secret Key as Java writes it (both PKCS#8: LwM2M 1.1 Transport §5.2.8.2 takes either).
  const devKey = rpk ? p256KeyPair() : null;
  const srvSecret = devKey ? javaPkcs8(devKey) : null;
  const serverSecurity = {
    nosec: () => ({ uri: server.coapUri, bootstrapServer: false, securityMode: 'NO_SEC', serverId: SSID }),
    psk: () => ({ uri: server.coapsUri, bootstrapServer: false, securityMode: 'PSK', serverId: SSID, publicKeyOrId: byteArray(srvId, false), secretKey: byteArray(srvKey, true) }),
    // Security Mode 1: our SPKI (/0/x/3), our private key (/0/x/5), the LwM2M server's SPKI pinned (/0/x/4)
    rpk: () => ({ uri: server.coapsUri, bootstrapServer: false, securityMode: 'RPK', serverId: SSID, publicKeyOrId: [...devKey!.spki], secretKey: [...srvSecret!], serverPublicKey: [...SERVER_RPK.spki] }),
  }[mode]();

  // Leshan's configuration, through its own shapes: the bootstrap config (toDelete, Server, Security),
  // the device's bootstrap PSK or public key on the bootstrap server, its server PSK or public key on the LwM2M server.
  bs.setConfig(ep, {
    toDelete: ['/0', '/1'],
    // DTLS: Leshan picks the Security instance ids itself after a Bootstrap-Discover of /0, around the
    // bootstrap account; NoSec: the config names instance 1 (instance 0 is the device's bootstrap account).
    autoIdForSecurityObject: secure,
    servers: { '0': { shortId: SSID, lifetime: LIFETIME, binding: 'U', notifIfDisabled: true } },
    security: { '1': serverSecurity },
  });
  if (psk) {
    bs.addPsk(ep, bsId, bsKey);
    await server.addPsk(ep, srvId, srvKey);
  }
  if (devKey) {
    bs.addRpk(ep, devKey.spki);
    await server.addRpk(ep, devKey.spki);
  }

  const ev = server.events(ep);
  const streams = [ev];
  await ev.open;
  const storage = new MemoryStorage();
  const timeline: string[] = [];
  let dev: SimDevice | null = null;
  // Started once the configuration calls are through (a failure there must not leave tshark running).
  const tshark = shark ? await liveCapture([PORTS.coapPort, PORTS.coapsPort, ...bsPorts].map((p) => `udp port ${p}`).join(' or '), pcap) : null;
  try {
    dev = await startDevice({
      endpoint: ep,
      bootstrapUri: secure ? bs.coapsUri : bs.coapUri,
      pskIdentity: psk ? bsId : undefined,
      pskKey: psk ? bsKey : undefined,
      // RPK: Security Mode 1 on the bootstrap account, the bootstrap server's key pinned
      rpkPriv: devKey ? Buffer.from(devKey.pkcs8).toString('hex') : undefined,
      rpkPub: devKey ? Buffer.from(devKey.spki).toString('hex') : undefined,
      rpkServerPub: devKey ? Buffer.from(BS_RPK.spki).toString('hex') : undefined,
      bundle: rpk ? LESHAN_RPK_BUNDLE : undefined,
      storage,
      period: 500,
      log: (e, d) => timeline.push(`${e} ${d}`),
    });

    // Bootstrap: Leshan's session, request by request.
    const end = await bs.wait((e) => e.ep === ep && (e.ev === 'end' || e.ev === 'failed'), WAIT, 'end of the bootstrap session');
    const session = bs.events.filter((e) => e.ep === ep);
    assert.equal(end.ev, 'end', JSON.stringify(session));
    assert.equal(session[0].ev, 'request');
    assert.equal(session[0].secure, secure);
    assert.equal(session[0].rpk, rpk);
    assert.equal(session.filter((e) => e.ev === 'error' || e.ev === 'failure').length, 0, JSON.stringify(session));
    const done = session.filter((e) => e.ev === 'success').map((e) => `${e.req} ${e.code}`);
    const secIid = secure ? done.find((s) => s.startsWith('WRITE /0/'))!.split(' ')[1] : '/0/1';
    assert.deepEqual(done, [
      ...(secure ? ['DISCOVER / CONTENT'] : []),
      'DELETE /0 DELETED',
      'DELETE /1 DELETED',
      `WRITE ${secIid} ct=11542 CHANGED`,
      'WRITE /1/0 ct=11542 CHANGED',
      'FINISH CHANGED',
    ]);
    assert.notEqual(secIid, '/0/0', 'Leshan must not overwrite the bootstrap account (/0/0)');

    // Register: Leshan lists the device with what it announced.
    const reg = await ev.wait((e) => e.event === 'REGISTRATION', WAIT, 'REGISTRATION');
    const clients: any[] = await server.api('GET', '/clients');
    const me = clients.find((c) => c.endpoint === ep);
    assert.ok(me, `GET /api/clients lists ${ep}`);
    assert.equal(me.registrationId, reg.data.registrationId);
    assert.equal(me.lwM2mVersion, '1.1');
    assert.equal(me.lifetime, LIFETIME);
    assert.equal(me.bindingMode, 'U');
    assert.equal(me.secure, secure);
    assert.deepEqual(linkMap(me.objectLinks), parseLinks(dev.client().life().links()));
    assert.equal(linkMap(me.objectLinks)['/3303'], '1.1');
    if (devKey) {
      // The RPK account as Leshan wrote it (Security Mode 1, Transport §5.2.8.2) is what the device registered with.
      const acc = dev.client().reg.obj(0).i[Number(secIid.split('/')[2])];
      assert.equal(acc[2], 1);
      assert.deepEqual(Buffer.from(acc[3]), Buffer.from(devKey.spki));
      assert.deepEqual(Buffer.from(acc[4]), Buffer.from(SERVER_RPK.spki));
      assert.deepEqual(Buffer.from(acc[5]), Buffer.from(srvSecret!));
      // and Leshan's server holds the device's key and serves with its own (-pubk)
      const known = (await server.api('GET', '/security/clients')).find((c: any) => c.endpoint === ep);
      assert.ok(known?.rpk, JSON.stringify(known));
      assert.equal(known.rpk.key, Buffer.from(devKey.spki).toString('hex'));
      assert.equal((await server.api('GET', '/security/server')).pubkey.b64Der, Buffer.from(SERVER_RPK.spki).toString('base64'));
    }

    // Read /3/0 in TLV and in SenML CBOR: the device answers in the format asked for, same values.
    // (Leshan logs the CoAP traffic of streams opened once the endpoint is registered: a second stream.)
    const coap = server.events(ep);
    await coap.open;
    streams.push(coap);
    const api = (m: string, p: string, body?: unknown) => server.api(m, `/clients/${encodeURIComponent(ep)}${p}`, body);
    // Leshan M4 attaches the stream's CoAP tracer in EventSource.onOpen, after the HTTP answer is out:
    // a request right after `open` may go unlogged (once, under load, only its answer was). Probe first.
    for (let i = 1; ; i++) {
      const m = coap.events.length;
      await api('GET', '/3/0/0');
      const logged = await coap.wait((e) => e.event === 'COAPLOG' && !e.data.incoming, 1000, 'CoAP log of the probe', m).catch(() => null);
      if (logged) break;
      if (i === 5) throw new Error('Leshan logs no CoAP traffic on the event stream');
    }
    let mark = coap.events.length;
    const tlv = await api('GET', '/3/0?format=TLV');
    assert.equal(tlv.status, 'CONTENT(205)');
    assert.match(await answerOptions(coap, mark, '"3", "0"'), /Content-Format: "application\/vnd.oma.lwm2m\+tlv"/);
    mark = coap.events.length;
    const cbor = await api('GET', '/3/0?format=SENML_CBOR');
    assert.equal(cbor.status, 'CONTENT(205)');
    assert.match(await answerOptions(coap, mark, '"3", "0"'), /Content-Format: "application\/senml\+cbor"/);
    const a = resources(tlv.content);
    const b = resources(cbor.content);
    assert.equal(a[0], 'lwm2m-espruino');
    assert.equal(a[1], 'Simulated ESP32');
    assert.equal(a[2], ep.split(':').pop());
    // (10 free memory and 21 memory total are the simulator's live Node heap: they move between reads)
    for (const id of [0, 1, 2, 3, 11, 14, 15, 16]) assert.deepEqual(b[id], a[id], `/3/0/${id}`);
    assert.deepEqual(a[11], { 0: 0 });
    assert.equal(typeof b[21], 'number');

    // Read the temperature.
    const temp = await api('GET', '/3303/0/5700?format=TLV');
    assert.equal(temp.status, 'CONTENT(205)');
    assert.equal(typeof temp.content.value, 'number');
    assert.ok(temp.content.value > -40 && temp.content.value < 85);

    // Empty representations carry their Content-Format (Leshan cannot decode a 2.05 without one):
    // an empty string in text/plain, an object without instances in TLV.
    assert.deepEqual((await api('GET', '/5/0/1')).content, { id: 1, value: '' });
    assert.deepEqual((await api('GET', '/2?format=TLV')).content, { id: 2, instances: [] });

    // Write the buzzer on, read it back, and the board's output followed.
    const w = await api('PUT', '/3338/0/5850?format=TLV', { id: 5850, value: true });
    assert.equal(w.status, 'CHANGED(204)');
    assert.deepEqual((await api('GET', '/3338/0/5850')).content, { id: 5850, value: true });
    assert.equal(dev.buzzer.on, true);

    // Discover the temperature instance.
    const d = await api('GET', '/3303/0/discover');
    assert.equal(d.status, 'CONTENT(205)');
    const dl = linkMap(d.objectLinks);
    assert.ok('/3303/0' in dl && '/3303/0/5700' in dl, JSON.stringify(d.objectLinks));

    // Write-Attributes, then Observe: at least three notifications through Leshan's event stream.
    assert.equal((await api('PUT', '/3303/0/5700/attributes?pmin=1&pmax=2')).status, 'CHANGED(204)');
    const attrs = (await api('GET', '/3303/0/5700/discover')).objectLinks.find((l: any) => l.url === '/3303/0/5700').attributes;
    assert.deepEqual({ pmin: attrs.pmin, pmax: attrs.pmax }, { pmin: '1', pmax: '2' });
    mark = ev.events.length;
    const o = await api('POST', '/3303/0/5700/observe?format=TLV');
    assert.equal(o.status, 'CONTENT(205)');
    const notif = (e: { event: string; data: any }) => e.event === 'NOTIFICATION' && e.data.res === '/3303/0/5700';
    for (let n = 1; n <= 3; n++) {
      await ev.wait((e) => notif(e) && ev.events.slice(mark).filter(notif).length >= n, 3 * 2000 + 2000, `notification ${n}`, mark);
    }
    for (const e of ev.events.slice(mark).filter(notif)) assert.equal(typeof e.data.val.value, 'number');
    assert.equal(dev.client().reporting.list.length, 1);

    // Cancel: Leshan forgets the observation and answers the next notification with a Reset; the device drops it.
    await server.api('DELETE', `/clients/${encodeURIComponent(ep)}/3303/0/5700/observe`);
    await until(() => dev!.client().reporting.list.length === 0, 3 * 2000 + 2000, 'the device to end the observation');

    // With a 20 s lifetime, the device updates its registration before it runs out.
    const upd = await ev.wait((e) => e.event === 'UPDATED', LIFETIME * 1000, 'UPDATED');
    assert.equal(upd.data.update.registrationId, reg.data.registrationId);
    assert.ok(Date.parse(upd.data.registration.lastUpdate) - Date.parse(reg.data.registrationDate) < LIFETIME * 1000);

    // Execute Reboot: the device restarts from storage and registers again, without bootstrapping.
    const requests = bs.events.filter((e) => e.ep === ep && e.ev === 'request').length;
    mark = ev.events.length;
    assert.equal((await api('POST', '/3/0/4')).status, 'CHANGED(204)');
    const reg2 = await ev.wait((e) => e.event === 'REGISTRATION', WAIT, 'REGISTRATION after the reboot', mark);
    await dev.waitFor('registered', WAIT);
    assert.equal(dev.reboots, 1);
    assert.equal(bs.events.filter((e) => e.ep === ep && e.ev === 'request').length, requests, 'no new Bootstrap-Request');
    assert.notEqual(reg2.data.registrationId, reg.data.registrationId);
    assert.equal(reg2.data.secure, secure);
    assert.equal((await api('GET', '/3/0/0')).content.value, 'lwm2m-espruino');

    // Execute Disable: the 2.04 first, then the De-register (before the fix, Leshan saw the De-register
    // first and failed the Execute with "Request cancelled"). A power cycle brings the device back.
    mark = ev.events.length;
    assert.equal((await api('POST', '/1/0/4')).status, 'CHANGED(204)');
    await ev.wait((e) => e.event === 'DEREGISTRATION', WAIT, 'DEREGISTRATION after Disable', mark);
    mark = ev.events.length;
    dev.reboot();
    await ev.wait((e) => e.event === 'REGISTRATION', WAIT, 'REGISTRATION after the power cycle', mark);
    // (Leshan publishes REGISTRATION before its 2.01 is on the wire: let the device have it)
    await dev.waitFor('registered', WAIT);

    // Shutdown: De-register.
    mark = ev.events.length;
    await dev.stop();
    dev = null;
    await ev.wait((e) => e.event === 'DEREGISTRATION', WAIT, 'DEREGISTRATION', mark);
    assert.equal((await server.api('GET', '/clients')).find((c: any) => c.endpoint === ep), undefined);
  } catch (e) {
    (e as Error).message += `\n--- capture kept in ${pcap}\n--- device timeline:\n${timeline.slice(-40).join('\n')}\n--- Leshan server:\n${server.log()}\n--- bootstrap server:\n${bs.log()}`;
    throw e;
  } finally {
    dev?.kill();
    for (const x of streams) x.close();
    if (tshark) await stopTshark(tshark);
  }
  if (tshark) await checkCapture(t, pcap, mode, bsPorts, devKey);
  rmSync(dir, { recursive: true, force: true });
}

async function until(cond: () => boolean, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test(`Leshan ${LESHAN_VERSION} NoSec: bootstrap, register, read TLV/SenML-CBOR, write, discover, attributes, observe x3, cancel, update, reboot, disable, deregister`, { skip }, (t) =>
  flow(t, 'nosec'),
);

test(`Leshan ${LESHAN_VERSION} DTLS-PSK (Bootstrap-Discover, auto Security ids): the same flow over coaps to both servers`, { skip }, (t) => flow(t, 'psk'));

test(`Leshan ${LESHAN_VERSION} DTLS-RPK P-256 (servers' own keys, Security Mode 1 bootstrap account, RPK account written by Leshan): the same flow over coaps to both servers`, { skip }, (t) =>
  flow(t, 'rpk'),
);

test(`Leshan ${LESHAN_VERSION} DTLS-RPK P-256: Leshan's server presents a key other than the one the bootstrap pinned in /0/x/4; the device refuses it (bad_certificate) and does not register`, { skip }, async () => {
  const { server, bs } = await leshan();
  const ep = `urn:dev:leshan-rpk-pin-${process.pid}`;
  const devKey = p256KeyPair();
  const elsewhere = p256KeyPair(); // what the bootstrap server tells the device the LwM2M server's key is
  bs.setConfig(ep, {
    toDelete: ['/0', '/1'],
    autoIdForSecurityObject: true,
    servers: { '0': { shortId: SSID, lifetime: LIFETIME, binding: 'U', notifIfDisabled: true } },
    security: { '1': { uri: server.coapsUri, bootstrapServer: false, securityMode: 'RPK', serverId: SSID, publicKeyOrId: [...devKey.spki], secretKey: [...devKey.pkcs8], serverPublicKey: [...elsewhere.spki] } },
  });
  bs.addRpk(ep, devKey.spki);
  await server.addRpk(ep, devKey.spki);
  const timeline: string[] = [];
  const dev = await startDevice({
    endpoint: ep,
    bootstrapUri: bs.coapsUri,
    ...rpkBootstrapAccount(devKey, BS_RPK.spki),
    storage: new MemoryStorage(),
    period: 500,
    log: (e, d) => timeline.push(`${e} ${d}`),
  });
  try {
    const end = await bs.wait((e) => e.ep === ep && (e.ev === 'end' || e.ev === 'failed'), WAIT, 'end of the bootstrap session');
    assert.equal(end.ev, 'end');
    const refused = `presented raw public key ${Buffer.from(SERVER_RPK.spki).toString('hex')}, not the pinned ${Buffer.from(elsewhere.spki).toString('hex')}`;
    await until(() => timeline.some((l) => l.includes(refused)), WAIT, `the device to refuse Leshan's key:\n${timeline.join('\n')}`);
    assert.ok(!timeline.some((l) => l.startsWith('registered')), timeline.join('\n'));
    assert.equal((await server.api('GET', '/clients')).find((c: any) => c.endpoint === ep), undefined);
  } catch (e) {
    (e as Error).message += `\n--- device timeline:\n${timeline.slice(-40).join('\n')}\n--- Leshan server:\n${server.log()}`;
    throw e;
  } finally {
    dev.kill();
  }
});
