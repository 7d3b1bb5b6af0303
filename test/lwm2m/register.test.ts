// Register against servers that refuse (issue 15 items 9, 13): a server that takes no `ct`
// (wakaama-based ones answer 4.00 to one they do not expect), a server that refuses every
// Register (the device must back off ever longer, not bootstrap in a loop), the binding
// actually used, and the Bootstrap-Server Account Timeout. The device is dist/firmware.js
// (sim/device.ts); the bootstrap server is the simulator's, the LwM2M server scripted here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UdpCoap } from '../helpers/udp-coap';
import { CODE, OPT } from '../../transport/coap/constants';
import { CoapMessage, getStrings } from '../../transport/coap/message';
import { MemoryStorage } from '../../sim/node-ports';
import { startDevice } from '../../sim/device';
import { BootstrapServer, simpleConfig, type BsEvent } from '../../sim/bootstrap-server';
import { createObjectModel } from '../../objects/index';
import { accountStore } from '../../firmware/lwm2m/persistence';
import { utf8Decode, utf8Encode } from '../../transport/bytes';
import { fakeBoard } from '../objects/fake-board';
import type { Peer } from '../../transport/ports';
import { nodeCrypto } from '../../sim/node-crypto';

interface Reg {
  t: number;
  query: string[];
  links: string;
}

/** A scripted LwM2M server: `decide` gives the Register's answer code. */
async function lwServer(decide: (r: Reg) => number) {
  const regs: Reg[] = [];
  const srv = new UdpCoap({
    onRequest: (req: CoapMessage, peer: Peer, ex: any) => {
      const path = (getStrings(req, OPT.URI_PATH) || []).join('/');
      if (req.code === CODE.POST && path === 'rd') {
        const r = { t: Date.now(), query: getStrings(req, OPT.URI_QUERY) || [], links: utf8Decode(req.payload) || '' };
        regs.push(r);
        const code = decide(r);
        ex.respond(code === CODE.CREATED ? { code, options: [{ num: OPT.LOCATION_PATH, value: utf8Encode('rd') }, { num: OPT.LOCATION_PATH, value: utf8Encode('r1') }] } : { code });
      } else ex.respond({ code: path.startsWith('rd/') ? CODE.DELETED : CODE.NOT_FOUND });
    },
  });
  const port = await srv.bind();
  return { regs, uri: `coap://127.0.0.1:${port}`, close: () => srv.close() };
}

async function bsServer(ep: string, serverUri: string, binding = 'U') {
  const events: BsEvent[] = [];
  const bs = await BootstrapServer.start({ port: 0, dtlsPort: -1, onEvent: (e) => events.push(e) });
  bs.setConfig(ep, simpleConfig({ serverUri, securityMode: 'NO_SEC', shortServerId: 101, binding }));
  return { bs, requests: () => events.filter((e) => e.type === 'request').length };
}

test('a server that refuses `ct` (4.00): the device registers again at once without it; binding S on coap:// registers b=U', async () => {
  const lw = await lwServer((r) => (r.links.includes('ct=') ? CODE.BAD_REQUEST : CODE.CREATED));
  const { bs, requests } = await bsServer('urn:dev:ct', lw.uri, 'S');
  const log: string[] = [];
  const dev = await startDevice({ endpoint: 'urn:dev:ct', bootstrapUri: bs.uri!, format: 112, log: (e, d) => log.push(`${e}: ${d}`) });
  try {
    await dev.waitFor('registered', 5000);
    assert.equal(lw.regs.length, 2, log.join('\n'));
    assert.match(lw.regs[0].links, /^<\/>;rt="oma.lwm2m";ct=112,/, 'SenML CBOR preferred: announced');
    assert.match(lw.regs[1].links, /^<\/>;rt="oma.lwm2m",<\/1>/);
    assert.ok(log.some((l) => l.includes('refused the Register with ct (4.00): registering without it')), log.join('\n'));
    assert.equal(requests(), 1, 'no bootstrap in between');
    assert.ok(lw.regs[1].query.includes('b=U'), lw.regs[1].query.join('&'));
    assert.equal(dev.client().reg.obj(1).i[0][7], 'S', 'the Server object keeps what the bootstrap server wrote');
  } finally {
    dev.kill();
    await bs.close();
    lw.close();
  }
});

test('a server that refuses every Register (4.00): the device retries ever more slowly, bootstraps only every third failure, and says so', async () => {
  const lw = await lwServer(() => CODE.BAD_REQUEST);
  const { bs, requests } = await bsServer('urn:dev:refused', lw.uri);
  const log: string[] = [];
  const dev = await startDevice({ endpoint: 'urn:dev:refused', bootstrapUri: bs.uri!, backoffBase: 100, log: (e, d) => log.push(`${e}: ${d}`) });
  try {
    await new Promise((r) => setTimeout(r, 3600));
    const t = lw.regs.map((r) => r.t);
    assert.ok(t.length >= 4 && t.length <= 6, `${t.length} Registers:\n${log.join('\n')}`);
    for (let i = 2; i < t.length; i++) assert.ok(t[i] - t[i - 1] > t[i - 1] - t[i - 2], `gaps grow: ${t.map((x) => x - t[0]).join(', ')}`);
    assert.ok(requests() <= 2, `${requests()} Bootstrap-Requests`);
    assert.ok(log.some((l) => /register: server 101: Register: 4\.00 \(4 failures in a row\)/.test(l)), log.join('\n'));
  } finally {
    dev.kill();
    await bs.close();
    lw.close();
  }
});

test('the Bootstrap-Server Account Timeout (/0/x/12) purges that account when it runs out, and for good', async () => {
  const lw = await lwServer(() => CODE.CREATED);
  const storage = new MemoryStorage();
  const m = createObjectModel(fakeBoard().board);
  m.reg.obj(0)!.add(0, { 0: 'coap://127.0.0.1:9', 1: true, 2: 3, 3: new Uint8Array(0), 5: new Uint8Array(0), 12: 1 });
  m.reg.obj(0)!.add(1, { 0: lw.uri, 1: false, 2: 3, 3: new Uint8Array(0), 5: new Uint8Array(0), 10: 5 });
  m.reg.obj(1)!.add(0, { 0: 5, 1: 300, 7: 'U' });
  accountStore(storage).save(m.reg);
  const log: string[] = [];
  const dev = await startDevice({ endpoint: 'urn:dev:bsto', bootstrapUri: 'coap://127.0.0.1:9', storage, log: (e, d) => log.push(`${e}: ${d}`) });
  try {
    await dev.waitFor('registered', 5000);
    assert.deepEqual([...dev.client().reg.obj(0).iids()], [0, 1]);
    for (let i = 0; i < 100 && !log.some((l) => l.includes('purged')); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(log.some((l) => l.includes('Bootstrap-Server Account Timeout (1 s) over: /0/0 purged')), log.join('\n'));
    assert.deepEqual([...dev.client().reg.obj(0).iids()], [1]);
    const after = createObjectModel(fakeBoard().board);
    // the device checks its records with its crypto backend (SHA-256, persistence.ts): read them with it
    assert.ok(accountStore(storage, nodeCrypto).load(after.reg));
    assert.deepEqual(after.reg.obj(0)!.iids(), [1], 'saved: a reboot does not bring it back');
    dev.reboot();
    await dev.waitFor('registered', 5000);
    assert.deepEqual([...dev.client().reg.obj(0).iids()], [1]);
  } finally {
    dev.kill();
    lw.close();
  }
});
