// The Bootstrap Server over real UDP on 127.0.0.1: a scripted device (CoapEndpoint,
// optionally under our DTLS client), libcoap's coap-client as a foreign device, and the
// admin API. The order and content of the bootstrap requests follow LwM2M 1.1 Core
// §5.2.7 and Leshan (BootstrapUtil.toRequests): deletes, Security, Server, Finish.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { BootstrapServer, simpleConfig, bootstrapSteps, type BsEvent } from '../../sim/bootstrap-server';
import { SecurityStore, typeOf } from '../../sim/lwm2m-common';
import { decode, getUriPath, type CoapMessage } from '../../transport/coap/message';
import { CODE } from '../../transport/coap/constants';
import { utf8Decode } from '../../transport/bytes';
import { tlvDec } from '../../objects/formats/tlv';
import { senmlCbor } from '../../objects/formats/senml-cbor';
import { FakeDevice, apiFetch, peerOf, until } from './fake-device';
import { needPeer } from '../helpers/peers';

const JSON_TYPE = { 'Content-Type': 'application/json' };

const KEY = new Uint8Array(Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'));
const SRV_KEY = new Uint8Array(Buffer.from('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf', 'hex'));

function cfg(format?: number) {
  return simpleConfig({ serverUri: 'coaps://127.0.0.1:5684', pskIdentity: 'dev-srv', pskKey: SRV_KEY, shortServerId: 123, lifetime: 300, binding: 'U', format });
}

async function withBs(o: Partial<Parameters<typeof BootstrapServer.start>[0]>, run: (bs: BootstrapServer, ev: BsEvent[]) => Promise<void>) {
  const ev: BsEvent[] = [];
  const bs = await BootstrapServer.start({ port: 0, onEvent: (e) => ev.push(e), requestTimeoutMs: 3000, ...o });
  try {
    await run(bs, ev);
  } finally {
    await bs.close();
  }
}

test('bootstrap NoSec: 2.04, then Delete /0, Delete /1, Write /0/1 and /1/0 in TLV, Finish — in that order', async () => {
  await withBs({ configs: { dev1: cfg() } }, async (bs, ev) => {
    const d = await FakeDevice.start();
    try {
      const res = await d.request(peerOf(bs.uri!), { code: CODE.POST, path: '/bs', query: ['ep=dev1'] });
      assert.equal(res.code, CODE.CHANGED);
      await until(() => ev.some((e) => e.type === 'done' || e.type === 'failed'), 5000, 'bootstrap end');
      assert.deepEqual(d.seen.map((s) => `${s.method} ${s.path} ${s.format}`), ['4 /0 -1', '4 /1 -1', '3 /0/1 11542', '3 /1/0 11542', '2 /bs -1']);
      assert.deepEqual(ev.map((e) => `${e.type}${e.path ? ' ' + e.path : ''}${e.code ? ' ' + e.code : ''}`), [
        'request /bs', 'delete /0 2.02', 'delete /1 2.02', 'write /0/1 2.04', 'write /1/0 2.04', 'finish /bs 2.04', 'done',
      ]);
      const sec = tlvDec(d.seen[2].payload, [0, 1], typeOf)!;
      const val = (rid: number) => sec.find((r) => r.p[2] === rid)!.v;
      assert.equal(val(0), 'coaps://127.0.0.1:5684');
      assert.equal(val(1), false);
      assert.equal(val(2), 0); // PSK
      assert.equal(utf8Decode(val(3) as Uint8Array), 'dev-srv');
      assert.deepEqual(val(5), SRV_KEY);
      assert.equal(val(10), 123);
      // Resources 0–12 with Leshan's defaults for the SMS ones, hold-off 1 and account timeout 0 (FINDINGS §4).
      assert.deepEqual(sec.map((r) => r.p[2]), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      assert.deepEqual([val(6), (val(7) as Uint8Array).length, (val(8) as Uint8Array).length, val(9), val(11), val(12)], [3, 0, 0, '', 1, 0]);
      const srv = tlvDec(d.seen[3].payload, [1, 0], typeOf)!;
      assert.deepEqual(srv.map((r) => [r.p.join('/'), r.v]), [['1/0/0', 123], ['1/0/1', 300], ['1/0/2', 1], ['1/0/6', true], ['1/0/7', 'U']]);
    } finally {
      d.close();
    }
  });
});

test('pct=112 in the Bootstrap-Request makes the writes SenML CBOR', async () => {
  await withBs({ configs: { dev2: cfg() } }, async (bs, ev) => {
    const d = await FakeDevice.start();
    try {
      await d.request(peerOf(bs.uri!), { code: CODE.POST, path: '/bs', query: ['ep=dev2', 'pct=112'] });
      await until(() => ev.some((e) => e.type === 'done'), 5000, 'bootstrap done');
      const writes = d.seen.filter((s) => s.method === CODE.PUT);
      assert.deepEqual(writes.map((s) => s.format), [112, 112]);
      const srv = senmlCbor().dec(writes[1].payload, [1, 0], typeOf)!;
      assert.equal(srv.find((r) => r.p[2] === 1)!.v, 300);
    } finally {
      d.close();
    }
  });
});

test('unknown endpoint and missing ep get 4.00 and no bootstrap requests', async () => {
  await withBs({ configs: {} }, async (bs, ev) => {
    const d = await FakeDevice.start();
    try {
      const a = await d.request(peerOf(bs.uri!), { code: CODE.POST, path: '/bs', query: ['ep=nobody'] });
      assert.equal(a.code, CODE.BAD_REQUEST);
      assert.equal(utf8Decode(a.payload), 'no bootstrap config');
      const b = await d.request(peerOf(bs.uri!), { code: CODE.POST, path: '/bs' });
      assert.equal(b.code, CODE.BAD_REQUEST);
      const c = await d.request(peerOf(bs.uri!), { code: CODE.GET, path: '/bs' });
      assert.equal(c.code, CODE.METHOD_NOT_ALLOWED);
      assert.equal(d.seen.length, 0);
      assert.deepEqual(ev.map((e) => e.type), ['rejected', 'rejected']);
    } finally {
      d.close();
    }
  });
});

test('a Bootstrap-Finish answered 4.06 (no usable account) fails the session', async () => {
  await withBs({ configs: { dev3: cfg() } }, async (bs, ev) => {
    const d = await FakeDevice.start();
    d.finishCode = CODE.NOT_ACCEPTABLE;
    try {
      await d.request(peerOf(bs.uri!), { code: CODE.POST, path: '/bs', query: ['ep=dev3'] });
      await until(() => ev.some((e) => e.type === 'failed'), 5000, 'bootstrap failure');
      const f = ev.find((e) => e.type === 'failed')!;
      assert.match(f.reason!, /Finish answered 4\.06/);
    } finally {
      d.close();
    }
  });
});

test('bootstrap over DTLS PSK with our DTLS client; the identity must belong to the endpoint', async () => {
  const security = new SecurityStore();
  security.add({ endpoint: 'psk-dev', identity: 'psk-dev-bs', key: KEY });
  security.add({ endpoint: 'other', identity: 'other-bs', key: KEY });
  await withBs({ port: -1, dtlsPort: 0, configs: { 'psk-dev': cfg(), other: cfg() }, security }, async (bs, ev) => {
    const d = await FakeDevice.start({ psk: { identity: 'psk-dev-bs', key: KEY } });
    try {
      const res = await d.request(peerOf(bs.secureUri!), { code: CODE.POST, path: '/bs', query: ['ep=psk-dev'] });
      assert.equal(res.code, CODE.CHANGED);
      await until(() => ev.some((e) => e.type === 'done'), 8000, 'bootstrap done');
      assert.equal(d.seen.length, 5);
      const wrong = await d.request(peerOf(bs.secureUri!), { code: CODE.POST, path: '/bs', query: ['ep=other'] });
      assert.equal(wrong.code, CODE.BAD_REQUEST);
      assert.equal(utf8Decode(wrong.payload), 'Unauthorized');
      assert.match(ev.find((e) => e.type === 'rejected')!.reason!, /^Unauthorized: PSK identity psk-dev-bs belongs to endpoint psk-dev/);
    } finally {
      d.close();
    }
  });
});

test('an endpoint with bootstrap PSK credentials is refused over NoSec', async () => {
  const security = new SecurityStore();
  security.add({ endpoint: 'psk-only', identity: 'id', key: KEY });
  await withBs({ configs: { 'psk-only': cfg() }, security }, async (bs) => {
    const d = await FakeDevice.start();
    try {
      const res = await d.request(peerOf(bs.uri!), { code: CODE.POST, path: '/bs', query: ['ep=psk-only'] });
      assert.equal(res.code, CODE.BAD_REQUEST);
      assert.equal(d.seen.length, 0);
    } finally {
      d.close();
    }
  });
});

test('libcoap coap-client as the device: its Bootstrap-Request gets 2.04 and the server sends Bootstrap-Delete /0 to it', async (t) => {
  if (!needPeer(t, 'coap-client-notls', 'libcoap3-bin')) return;
  const out: CoapMessage[] = [];
  await withBs(
    { configs: { 'libcoap-ep': cfg() }, onDatagram: (dir, data) => { if (dir === 'out') { const m = decode(data); if (typeof m !== 'number') out.push(m); } } },
    async (bs, ev) => {
      const port = peerOf(bs.uri!).port;
      const stdout = await new Promise<string>((resolve) =>
        execFile('coap-client-notls', ['-B', '2', '-m', 'post', `coap://127.0.0.1:${port}/bs?ep=libcoap-ep`], (_e, so, se) => resolve(so + se)),
      );
      assert.ok(ev.some((e) => e.type === 'request' && e.ep === 'libcoap-ep'), stdout);
      assert.equal(out[0].code, CODE.CHANGED, 'the answer to the Bootstrap-Request');
      const del = out.find((m) => m.code === CODE.DELETE);
      assert.ok(del, 'a Bootstrap-Delete was sent');
      assert.deepEqual(getUriPath(del!), ['0']);
    },
  );
});

test('steps for a config with two servers: Security instances by id, then Server instances, then Finish', () => {
  const c = cfg();
  c.security['2'] = { ...c.security['1'], uri: 'coap://127.0.0.1:5683', securityMode: 'NO_SEC', serverId: 7 };
  c.servers['1'] = { ...c.servers['0'], shortId: 7 };
  assert.deepEqual(bootstrapSteps(c, 11542).map((s) => `${s.kind} ${s.path}`), ['delete /0', 'delete /1', 'write /0/1', 'write /0/2', 'write /1/0', 'write /1/1', 'finish /bs']);
});

test('admin API: Leshan-style bootstrap config and security info; bad bodies get one-line 400s', async () => {
  await withBs({ httpPort: 0 }, async (bs, ev) => {
    const api = `http://127.0.0.1:${bs.http!.port}`;
    const leshanBody = {
      toDelete: ['/0', '/1'],
      servers: { '0': { shortId: 123, lifetime: 60, binding: 'U', notifIfDisabled: true } },
      security: { '1': { uri: 'coap://127.0.0.1:5683', bootstrapServer: false, securityMode: 'NO_SEC', serverId: 123, publicKeyOrId: [], secretKey: [], serverPublicKey: [] } },
    };
    let r = await apiFetch(`${api}/api/bootstrap/api-dev`, { method: 'POST', body: JSON.stringify(leshanBody), headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 200);
    const all = (await (await apiFetch(`${api}/api/bootstrap`)).json()) as Record<string, { servers: Record<string, { lifetime: number }> }>;
    assert.equal(all['api-dev'].servers['0'].lifetime, 60);
    for (const [body, msg] of [
      ['{', /^body is not JSON/],
      [JSON.stringify({ ...leshanBody, security: { '1': { ...leshanBody.security['1'], securityMode: 'NOSEC' } } }), /securityMode must be one of/],
      [JSON.stringify({ ...leshanBody, servers: { x: {} } }), /server instance id 'x'/],
      [JSON.stringify({ ...leshanBody, toDelete: ['/a'] }), /toDelete/],
      [JSON.stringify({ ...leshanBody, servers: { '0': { shortId: 9 } } }), /^no security entry for server instance: 0$/],
    ] as [string, RegExp][]) {
      r = await apiFetch(`${api}/api/bootstrap/api-dev`, { method: 'POST', body, headers: JSON_TYPE });
      assert.equal(r.status, 400);
      const text = await r.text();
      assert.equal(text.trim().split('\n').length, 1);
      assert.match(JSON.parse(text).error, msg);
    }
    r = await apiFetch(`${api}/api/security/clients/`, { method: 'PUT', body: JSON.stringify({ endpoint: 'api-dev', tls: { mode: 'psk', details: { identity: 'api-id', key: '0102' } } }), headers: JSON_TYPE });
    assert.equal(r.status, 200);
    assert.equal(bs.security.get('api-dev')!.identity, 'api-id');
    r = await apiFetch(`${api}/api/security/clients/`, { method: 'PUT', body: JSON.stringify({ endpoint: 'other', tls: { mode: 'psk', details: { identity: 'api-id', key: '0102' } } }), headers: JSON_TYPE });
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { error: string }).error, 'PSK Identity api-id is already used');
    r = await apiFetch(`${api}/api/security/clients/`, { method: 'PUT', body: JSON.stringify({ endpoint: 'x', tls: { mode: 'psk', details: { identity: 'i', key: 'zz' } } }), headers: JSON_TYPE });
    assert.equal(r.status, 400);
    assert.match(((await r.json()) as { error: string }).error, /"key" must be hex bytes/);
    // The configured endpoint now bootstraps (over DTLS only, since it has PSK credentials: drop them again).
    assert.equal((await apiFetch(`${api}/api/security/clients/api-dev`, { method: 'DELETE' })).status, 200);
    assert.deepEqual(await (await apiFetch(`${api}/api/security/clients/api-dev`, { method: 'DELETE' })).json(), { message: 'not_found' });
    const d = await FakeDevice.start();
    try {
      await d.request(peerOf(bs.uri!), { code: CODE.POST, path: '/bs', query: ['ep=api-dev'] });
      await until(() => ev.some((e) => e.type === 'done'), 5000, 'bootstrap done');
      assert.equal(d.seen.length, 5);
    } finally {
      d.close();
    }
  });
});

test('end to end: bootstrap over NoSec, then Register over DTLS with the PSK and URI the Bootstrap-Write carried', async () => {
  const { Lwm2mServer } = await import('../../sim/lwm2m-server');
  const srvSecurity = new SecurityStore();
  srvSecurity.add({ endpoint: 'e2e', identity: 'e2e-id', key: SRV_KEY });
  const srv = await Lwm2mServer.start({ port: -1, dtlsPort: 0, security: srvSecurity });
  try {
    const config = simpleConfig({ serverUri: srv.secureUri!, pskIdentity: 'e2e-id', pskKey: SRV_KEY, lifetime: 30 });
    await withBs({ configs: { e2e: config } }, async (bs, ev) => {
      const d = await FakeDevice.start();
      try {
        await d.request(peerOf(bs.uri!), { code: CODE.POST, path: '/bs', query: ['ep=e2e'] });
        await until(() => ev.some((e) => e.type === 'done'), 5000, 'bootstrap done');
      } finally {
        d.close();
      }
      const sec = d.find([0, 1]);
      const uri = sec.find((r) => r.p[2] === 0)!.v as string;
      const identity = utf8Decode(sec.find((r) => r.p[2] === 3)!.v as Uint8Array)!;
      const key = sec.find((r) => r.p[2] === 5)!.v as Uint8Array;
      const lt = d.find([1, 0, 1])[0].v as number;
      const dev = await FakeDevice.start({ psk: { identity, key } });
      try {
        const r = await dev.register(peerOf(uri), 'e2e', lt);
        assert.equal(r.code, CODE.CREATED);
        assert.deepEqual([srv.get('e2e')!.secure, srv.get('e2e')!.identity, srv.get('e2e')!.lifetime], [true, 'e2e-id', 30]);
        const read = await srv.read('e2e', [3303, 0, 5700]);
        assert.equal(read.content && (read.content as { value: string }).value, '21.5');
      } finally {
        dev.close();
      }
    });
  } finally {
    await srv.close();
  }
});
