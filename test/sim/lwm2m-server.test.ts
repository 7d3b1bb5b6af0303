// The LwM2M Server over real UDP on 127.0.0.1, driven through its Leshan-shaped admin
// HTTP API, with a scripted device (CoapEndpoint + objects/formats codecs), libcoap's
// coap-client (NoSec and GnuTLS PSK) registering, and our DTLS client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import { Lwm2mServer, type ServerEvent } from '../../sim/lwm2m-server';
import { SecurityStore } from '../../sim/lwm2m-common';
import { CODE } from '../../transport/coap/constants';
import { utf8Encode } from '../../transport/bytes';
import { T_BOOL, T_FLT, T_INT, T_STR } from '../../objects/core/types';
import { FakeDevice, apiFetch, peerOf, until } from './fake-device';
import { needPeer } from '../helpers/peers';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function withServer(o: Partial<Parameters<typeof Lwm2mServer.start>[0]>, run: (s: Lwm2mServer, api: string, ev: ServerEvent[]) => Promise<void>) {
  const ev: ServerEvent[] = [];
  const s = await Lwm2mServer.start({ port: 0, httpPort: 0, onEvent: (e) => ev.push(e), ...o });
  try {
    await run(s, `http://127.0.0.1:${s.http!.port}`, ev);
  } finally {
    await s.close();
  }
}

/** A server with a FakeDevice registered as `ep` over NoSec (`</>;ct=11542`). */
async function withDevice(ep: string, run: (s: Lwm2mServer, api: string, d: FakeDevice) => Promise<void>) {
  await withServer({}, async (s, api) => {
    const d = await FakeDevice.start();
    try {
      await d.register(peerOf(s.uri!), ep);
      await run(s, api, d);
    } finally {
      d.close();
    }
  });
}

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: J; text: string }> {
  const r = await apiFetch(url, { method, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), headers: body === undefined ? {} : { 'Content-Type': 'application/json' } });
  const text = await r.text();
  let json: J = {};
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: r.status, json, text };
}

test('Register → 2.01 with Location-Path /rd/<id>; the registration is listed like Leshan lists it', async () => {
  await withServer({}, async (s, api, ev) => {
    const d = await FakeDevice.start();
    try {
      const r = await d.register(peerOf(s.uri!), 'dev-a', 60);
      assert.equal(r.code, CODE.CREATED);
      assert.match(r.location, /^\/rd\/[A-Za-z0-9]{10}$/);
      const list = (await call('GET', `${api}/api/clients`)).json as unknown as J[];
      assert.equal(list.length, 1);
      assert.equal(list[0].endpoint, 'dev-a');
      assert.equal(list[0].registrationId, r.location.slice(4));
      assert.equal(list[0].lifetime, 60);
      assert.equal(list[0].lwM2mVersion, '1.1');
      assert.equal(list[0].bindingMode, 'U');
      assert.deepEqual(list[0].availableInstances, { 1: [0], 3: [0], 3303: [0], 3338: [0] });
      assert.deepEqual(list[0].objectLinks.find((l: J) => l.url === '/3').attributes, { ver: '1.1' });
      assert.deepEqual(s.get('dev-a')!.supportedFormats, [11542]);
      assert.deepEqual(ev.map((e) => e.type), ['REGISTRATION']);
    } finally {
      d.close();
    }
  });
});

test('Register without ep, object list, or with a bad lt or a non-link payload is refused (4.00 / 4.15)', async () => {
  await withServer({}, async (s) => {
    const d = await FakeDevice.start();
    const srv = peerOf(s.uri!);
    try {
      assert.equal((await d.request(srv, { code: CODE.POST, path: '/rd', query: ['lt=60'], contentFormat: 40, payload: utf8Encode('</3/0>') })).code, CODE.BAD_REQUEST);
      assert.equal((await d.request(srv, { code: CODE.POST, path: '/rd', query: ['ep=x', 'lt=-1'], contentFormat: 40, payload: utf8Encode('</3/0>') })).code, CODE.BAD_REQUEST);
      assert.equal((await d.request(srv, { code: CODE.POST, path: '/rd', query: ['ep=x'], contentFormat: 40, payload: utf8Encode('<3/0') })).code, CODE.BAD_REQUEST);
      assert.equal((await d.request(srv, { code: CODE.POST, path: '/rd', query: ['ep=x'], contentFormat: 0, payload: utf8Encode('</3/0>') })).code, CODE.UNSUPPORTED_CONTENT_FORMAT);
      assert.equal((await d.request(srv, { code: CODE.POST, path: '/rd', query: ['ep=x'] })).code, CODE.BAD_REQUEST, 'no object list');
      assert.equal((await d.request(srv, { code: CODE.POST, path: '/rd/nope' })).code, CODE.NOT_FOUND);
      assert.equal(s.clients().length, 0);
    } finally {
      d.close();
    }
  });
});

test('object links: ids 0..65534, objects and instances only (Core §6.2.1): malformed links get 4.00 in Register and Update; an alternate root path is understood', async () => {
  await withServer({}, async (s) => {
    const d = await FakeDevice.start();
    const srv = peerOf(s.uri!);
    const reg = (ep: string, links: string) => d.request(srv, { code: CODE.POST, path: '/rd', query: [`ep=${ep}`, 'lt=60'], contentFormat: 40, payload: utf8Encode(links) });
    try {
      for (const links of ['</99999999999999999999/0>', '</3/-1>', '</3/0/0/0/0>', '</3/0/0>', '</65535/0>', '</3/65535>', '</03/0>', '</foo>', '<3/0>,</3/0>', '</>;rt="oma.lwm2m",</lwm2m/3/0>', '</a b>;rt="oma.lwm2m",</a b/3>']) {
        const r = await reg('dev-l', links);
        assert.equal(r.code, CODE.BAD_REQUEST, links);
      }
      assert.match(Buffer.from((await reg('dev-l', '</1/0>,</3/-1>')).payload).toString(), /^bad object link <\/3\/-1>: expected <\/OID> or <\/OID\/IID>, ids 0\.\.65534$/);
      assert.equal(s.clients().length, 0);
      const ok = await reg('dev-l', '</lwm2m>;rt="oma.lwm2m";ct=11542,</lwm2m/1/0>,</lwm2m/3>;ver=1.1,</lwm2m/3/0>,</lwm2m/65534/65534>');
      assert.equal(ok.code, CODE.CREATED);
      assert.equal(s.get('dev-l')!.rootPath, '/lwm2m/');
      assert.deepEqual(s.get('dev-l')!.availableInstances, { 1: [0], 3: [0], 65534: [65534] });
      const loc = (await d.register(srv, 'dev-m')).location;
      const up = await d.request(srv, { code: CODE.POST, path: loc, contentFormat: 40, payload: utf8Encode('</3/0>,</3/0/1>') });
      assert.equal(up.code, CODE.BAD_REQUEST);
      assert.deepEqual(s.get('dev-m')!.availableInstances, { 1: [0], 3: [0], 3303: [0], 3338: [0] }, 'a refused Update changes nothing');
    } finally {
      d.close();
    }
  });
});

test('registrations are bounded per source address and in all: 5.03 with Max-Age 60 and one REJECTED line; known endpoints still re-register and update', async () => {
  await withServer({ maxRegistrationsPerAddress: 3, maxRegistrations: 5 }, async (s, _api, ev) => {
    const d = await FakeDevice.start();
    const srv = peerOf(s.uri!);
    const reg = (ep: string) => d.request(srv, { code: CODE.POST, path: '/rd', query: [`ep=${ep}`, 'lt=60'], contentFormat: 40, payload: utf8Encode('</3/0>') });
    try {
      for (const ep of ['b0', 'b1', 'b2']) assert.equal((await reg(ep)).code, CODE.CREATED, ep);
      for (const ep of ['b3', 'b4']) {
        const r = await reg(ep);
        assert.equal(r.code, CODE.SERVICE_UNAVAILABLE, ep);
        assert.deepEqual([...r.options.filter((o) => o.num === 14)[0].value], [60], 'Max-Age 60');
        assert.equal(Buffer.from(r.payload).toString(), '127.0.0.1 already holds 3 registrations');
      }
      const rej = ev.filter((e) => e.type === 'REJECTED');
      assert.deepEqual(rej.map((e) => e.reason), ['Register refused (5.03, Max-Age 60): 127.0.0.1 already holds 3 registrations'], 'one line per second at most');
      assert.equal((await reg('b1')).code, CODE.CREATED, 'an endpoint registered again replaces itself');
      assert.deepEqual(s.clients().map((c) => c.endpoint).sort(), ['b0', 'b1', 'b2']);
      // another socket on the same address: the bound is per IP address, not per port
      const d2 = await FakeDevice.start();
      try {
        assert.equal((await d2.request(srv, { code: CODE.POST, path: '/rd', query: ['ep=c0', 'lt=60'], contentFormat: 40, payload: utf8Encode('</3/0>') })).code, CODE.SERVICE_UNAVAILABLE);
      } finally {
        d2.close();
      }
      const de = await d.request(srv, { code: CODE.DELETE, path: `/rd/${s.get('b0')!.registrationId}` });
      assert.equal(de.code, CODE.DELETED);
      assert.equal((await reg('b3')).code, CODE.CREATED, 'room again after a De-register');
    } finally {
      d.close();
    }
  });
  await withServer({ maxRegistrations: 2 }, async (s) => {
    const d = await FakeDevice.start();
    try {
      for (const ep of ['t0', 't1']) assert.equal((await d.register(peerOf(s.uri!), ep)).code, CODE.CREATED);
      const r = await d.request(peerOf(s.uri!), { code: CODE.POST, path: '/rd', query: ['ep=t2', 'lt=60'], contentFormat: 40, payload: utf8Encode('</3/0>') });
      assert.equal(r.code, CODE.SERVICE_UNAVAILABLE);
      assert.equal(Buffer.from(r.payload).toString(), 'registration directory full (2 registrations)');
      assert.equal((await d.register(peerOf(s.uri!), 't1')).code, CODE.CREATED, 'a known endpoint fits when the directory is full');
    } finally {
      d.close();
    }
  });
});

test('Update (lt, payload) → 2.04 + UPDATED; De-register → 2.02 + DEREGISTRATION; unknown location → 4.04', async () => {
  await withServer({}, async (s, _api, ev) => {
    const d = await FakeDevice.start();
    const srv = peerOf(s.uri!);
    try {
      const r = await d.register(srv, 'dev-u', 60);
      const up = await d.request(srv, { code: CODE.POST, path: r.location, query: ['lt=120'], contentFormat: 40, payload: utf8Encode('</3/0>,</3303/0>,</3303/1>') });
      assert.equal(up.code, CODE.CHANGED);
      assert.equal(s.get('dev-u')!.lifetime, 120);
      assert.deepEqual(s.get('dev-u')!.availableInstances, { 3: [0], 3303: [0, 1] });
      const del = await d.request(srv, { code: CODE.DELETE, path: r.location });
      assert.equal(del.code, CODE.DELETED);
      assert.equal(s.get('dev-u'), null);
      assert.equal((await d.request(srv, { code: CODE.DELETE, path: r.location })).code, CODE.NOT_FOUND);
      assert.deepEqual(ev.map((e) => `${e.type}${e.expired ? ' expired' : ''}`), ['REGISTRATION', 'UPDATED', 'DEREGISTRATION']);
    } finally {
      d.close();
    }
  });
});

test('lifetime expiry removes the registration (DEREGISTRATION, expired)', async () => {
  await withServer({}, async (s, _api, ev) => {
    const d = await FakeDevice.start();
    try {
      await d.register(peerOf(s.uri!), 'dev-lt', 1);
      await until(() => ev.some((e) => e.type === 'DEREGISTRATION'), 4000, 'expiry');
      assert.equal(ev[ev.length - 1].expired, true);
      assert.equal(s.clients().length, 0);
    } finally {
      d.close();
    }
  });
});

test('a lifetime beyond what a Node timer holds (2^31-1 ms) is looked at again within a day', async () => {
  await withServer({}, async (s) => {
    const d = await FakeDevice.start();
    try {
      await d.register(peerOf(s.uri!), 'dev-long', 4000000000);
      const now = Date.now();
      assert.equal(s.get('dev-long')!.lifetime, 4000000000);
      assert.equal(s.poll(now), now + 86400000);
    } finally {
      d.close();
    }
  });
});

test('admin API: Read in TLV, SenML CBOR, SenML JSON and text, decoded into Leshan nodes', async () => {
  await withServer({}, async (s, api) => {
    const d = await FakeDevice.start();
    try {
      await d.register(peerOf(s.uri!), 'dev-r');
      for (const f of ['TLV', 'SENML_CBOR', 'SENML_JSON']) {
        const r = await call('GET', `${api}/api/clients/dev-r/3/0?format=${f}&timeout=3`);
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.status, 'CONTENT(205)');
        assert.equal(r.json.content.kind, 'instance');
        const res = r.json.content.resources as J[];
        assert.deepEqual(res.find((x) => x.id === 0), { id: 0, kind: 'singleResource', type: 'STRING', value: 'Open Mobile Alliance' }, f);
        assert.deepEqual(res.find((x) => x.id === 11), { id: 11, kind: 'multiResource', type: 'INTEGER', values: { 0: '0' } }, f);
      }
      assert.deepEqual(d.seen.map((x) => x.accept), [11542, 112, 110]);
      const t = await call('GET', `${api}/api/clients/dev-r/3303/0/5700?format=text`);
      assert.deepEqual(t.json.content, { id: 5700, kind: 'singleResource', type: 'FLOAT', value: '21.5' });
      const plain = await call('GET', `${api}/api/clients/dev-r/3338/0/5850`);
      assert.deepEqual(plain.json.content, { id: 5850, kind: 'singleResource', type: 'BOOLEAN', value: false });
      const missing = await call('GET', `${api}/api/clients/dev-r/3303/9`);
      assert.equal(missing.status, 200);
      assert.deepEqual([missing.json.status, missing.json.code, missing.json.failure], ['NOT_FOUND(404)', '4.04', true]);
    } finally {
      d.close();
    }
  });
});

test('a Read without a format asks for the format the device registered with (Accept), else TLV', async () => {
  await withDevice('dev-accept', async (s, _api, d) => {
    const r = await s.read('dev-accept', [3303, 0, 5700]);
    assert.equal(r.status, 'CONTENT(205)');
    assert.deepEqual(r.content, { id: 5700, kind: 'singleResource', type: 'FLOAT', value: '21.5' });
    // a device announcing SenML CBOR is asked for it; one announcing nothing for TLV
    await d.request(peerOf(s.uri!), { code: CODE.POST, path: '/rd', query: ['ep=dev-cbor', 'lwm2m=1.1'], contentFormat: 40, payload: utf8Encode('</>;rt="oma.lwm2m";ct=112,</3303/0>') });
    await d.request(peerOf(s.uri!), { code: CODE.POST, path: '/rd', query: ['ep=dev-none', 'lwm2m=1.1'], contentFormat: 40, payload: utf8Encode('</3303/0>') });
    assert.equal((await s.read('dev-cbor', [3303, 0])).status, 'CONTENT(205)');
    assert.equal((await s.read('dev-none', [3303, 0, 5700])).status, 'CONTENT(205)');
    assert.deepEqual(d.seen.map((x) => x.accept), [11542, 112, 11542]);
    // an explicit format is asked for as given
    await s.read('dev-accept', [3303, 0, 5700], 0);
    assert.equal(d.seen[3].accept, 0);
  });
});

test('an object without a definition: values typed by what they are (SenML numbers INTEGER/FLOAT, text STRING, TLV bytes OPAQUE hex)', async () => {
  await withDevice('dev-x', async (_s, api, d) => {
    d.recs.push({ p: [32769, 0, 1], t: T_FLT, v: 21.5 }, { p: [32769, 0, 2], t: T_INT, v: 42 }, { p: [32769, 0, 3], t: T_STR, v: 'hi' }, { p: [32769, 0, 4], t: T_BOOL, v: true });
    const cbor = await call('GET', `${api}/api/clients/dev-x/32769/0?format=SENML_CBOR`);
    assert.deepEqual(cbor.json.content.resources, [
      { id: 1, kind: 'singleResource', type: 'FLOAT', value: '21.5' },
      { id: 2, kind: 'singleResource', type: 'INTEGER', value: '42' },
      { id: 3, kind: 'singleResource', type: 'STRING', value: 'hi' },
      { id: 4, kind: 'singleResource', type: 'BOOLEAN', value: true },
    ]);
    const text = await call('GET', `${api}/api/clients/dev-x/32769/0/1?format=TEXT`);
    assert.deepEqual(text.json.content, { id: 1, kind: 'singleResource', type: 'STRING', value: '21.5' });
    // TLV carries no type: the bytes, as hex (42 is one byte 0x2a)
    const tlv = await call('GET', `${api}/api/clients/dev-x/32769/0/2?format=TLV`);
    assert.deepEqual(tlv.json.content, { id: 2, kind: 'singleResource', type: 'OPAQUE', value: '2a' });
  });
});

test('admin API: Write (Leshan body), Execute, Create, Delete, Discover, Write-Attributes', async () => {
  await withServer({}, async (s, api) => {
    const d = await FakeDevice.start();
    try {
      await d.register(peerOf(s.uri!), 'dev-w');
      let r = await call('PUT', `${api}/api/clients/dev-w/3338/0/5850?format=TLV`, { id: 5850, kind: 'singleResource', type: 'boolean', value: true });
      assert.equal(r.json.status, 'CHANGED(204)', r.text);
      assert.equal(d.find([3338, 0, 5850])[0].v, true);
      assert.equal(d.seen[d.seen.length - 1].format, 11542);
      r = await call('PUT', `${api}/api/clients/dev-w/3303/0/5700`, { id: 5700, kind: 'singleResource', type: 'float', value: '19.25' });
      assert.equal(r.json.status, 'CHANGED(204)');
      assert.equal(d.seen[d.seen.length - 1].format, 0, 'one value without a format goes as text/plain');
      assert.equal(d.find([3303, 0, 5700])[0].v, 19.25);
      r = await call('PUT', `${api}/api/clients/dev-w/3338/0?format=SENML_CBOR&replace=false`, { id: 0, kind: 'instance', resources: [{ id: 5850, kind: 'singleResource', type: 'BOOLEAN', value: false }] });
      assert.equal(r.json.status, 'CHANGED(204)');
      assert.equal(d.seen[d.seen.length - 1].method, CODE.POST, 'replace=false is a partial update (POST)');
      assert.equal(d.find([3338, 0, 5850])[0].v, false);
      r = await call('POST', `${api}/api/clients/dev-w/3/0/4`);
      assert.equal(r.json.status, 'CHANGED(204)');
      assert.deepEqual(d.executed, ['/3/0/4']);
      r = await call('POST', `${api}/api/clients/dev-w/3338?format=TLV`, { kind: 'instance', id: 1, resources: [{ id: 5850, kind: 'singleResource', type: 'BOOLEAN', value: true }] });
      assert.deepEqual([r.json.status, r.json.location], ['CREATED(201)', '/3338/1']);
      assert.equal(d.find([3338, 1, 5850])[0].v, true);
      r = await call('DELETE', `${api}/api/clients/dev-w/3338/1`);
      assert.equal(r.json.status, 'DELETED(202)');
      assert.equal(d.find([3338, 1]).length, 0);
      r = await call('PUT', `${api}/api/clients/dev-w/3303/0/5700/attributes?pmin=1&pmax=5`);
      assert.equal(r.json.status, 'CHANGED(204)');
      assert.deepEqual(d.attrs['/3303/0/5700'], ['pmin=1', 'pmax=5']);
      r = await call('GET', `${api}/api/clients/dev-w/3303/discover`);
      assert.deepEqual(r.json.objectLinks.map((l: J) => l.url), ['/3303', '/3303/0', '/3303/0/5700', '/3303/0/5701']);
      assert.deepEqual(r.json.objectLinks[2].attributes, { pmin: '1', pmax: '5' });
    } finally {
      d.close();
    }
  });
});

test('admin API: Observe, notifications on the event stream (Leshan NOTIFICATION shape), passive cancel', async () => {
  await withServer({}, async (s, api) => {
    const d = await FakeDevice.start();
    const events: { event: string; data: J }[] = [];
    let connected = false;
    const req = http.get(`${api}/api/event?ep=dev-o`, { headers: { Accept: 'text/event-stream', Authorization: `Bearer ${s.http!.token}` } }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (x: string) => {
        connected = true;
        buf += x;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const b = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(b);
          if (ev) events.push({ event: ev[1], data: JSON.parse(/^data: (.*)$/m.exec(b)![1]) });
        }
      });
    });
    try {
      await until(() => connected, 3000, 'event stream');
      await d.register(peerOf(s.uri!), 'dev-o');
      await until(() => events.some((e) => e.event === 'REGISTRATION'), 3000, 'REGISTRATION event');
      const r = await call('POST', `${api}/api/clients/dev-o/3303/0/5700/observe?format=SENML_CBOR`);
      assert.equal(r.json.status, 'CONTENT(205)', r.text);
      assert.equal(r.json.content.value, '21.5');
      assert.equal(d.observations.length, 1);
      for (const v of [22, 22.5, 23]) {
        d.set([3303, 0, 5700], v);
        d.notify('/3303/0/5700');
      }
      await until(() => events.filter((e) => e.event === 'NOTIFICATION').length === 3, 3000, '3 notifications');
      const n = events.filter((e) => e.event === 'NOTIFICATION').map((e) => e.data);
      assert.deepEqual(n[0], { ep: 'dev-o', kind: 'single', res: '/3303/0/5700', val: { id: 5700, kind: 'singleResource', type: 'FLOAT', value: '22.0' } });
      assert.deepEqual(n.map((x) => x.val.value), ['22.0', '22.5', '23.0']);
      assert.deepEqual(s.observations('dev-o'), ['/3303/0/5700']);
      const c = await call('DELETE', `${api}/api/clients/dev-o/3303/0/5700/observe`);
      assert.equal(c.status, 200);
      assert.deepEqual(s.observations('dev-o'), []);
      // The next notification is refused with RST: the device's observation ends (RFC 7641 §3.6).
      d.notify('/3303/0/5700');
      await until(() => !d.observations[0].active, 3000, 'observation ended by RST');
      assert.equal(events.filter((e) => e.event === 'NOTIFICATION').length, 3);
      assert.equal((await call('DELETE', `${api}/api/clients/dev-o/3303/0/5700/observe`)).status, 404);
    } finally {
      req.destroy();
      d.close();
    }
  });
});

test('admin API: bad input gets HTTP 400 with a one-line JSON error naming it; no answer is 504', async () => {
  await withServer({}, async (s, api) => {
    const d = await FakeDevice.start();
    try {
      await d.register(peerOf(s.uri!), 'dev-b');
      const cases: [string, string, unknown, RegExp][] = [
        ['GET', '/api/clients/nobody/3/0', undefined, /no registered client with endpoint 'nobody'/],
        ['GET', '/api/clients/dev-b/3/x', undefined, /invalid LwM2M path '\/3\/x'/],
        ['GET', '/api/clients/dev-b/3/0/1/2/3', undefined, /invalid LwM2M path/],
        ['GET', '/api/clients/dev-b/3/70000', undefined, /invalid LwM2M path/],
        ['GET', '/api/clients/dev-b/3/0?format=XML', undefined, /unknown format 'XML'/],
        ['GET', '/api/clients/dev-b/3/0?timeout=abc', undefined, /timeout 'abc'/],
        ['PUT', '/api/clients/dev-b/3338/0/5850', '{"id":5850', /body is not JSON/],
        ['PUT', '/api/clients/dev-b/3338/0/5850', { id: 5850, kind: 'singleResource', type: 'boolean', value: 'maybe' }, /resource 5850: expected a boolean/],
        ['PUT', '/api/clients/dev-b/3338/0/5850', { id: 5850, kind: 'singleResource', type: 'weird', value: 1 }, /unknown or missing "type"/],
        ['PUT', '/api/clients/dev-b/3338/0/5850', undefined, /missing JSON body/],
        ['PUT', '/api/clients/dev-b/3338/0/5850?replace=maybe', { id: 5850, value: true }, /replace 'maybe'/],
        ['PUT', '/api/clients/dev-b/3/0/13', { id: 13, kind: 'singleResource', type: 'time', value: 1.5 }, /expected an integer/],
        ['PUT', '/api/clients/dev-b/3303/0/5700/attributes?pmin=-1', undefined, /attribute pmin=-1/],
        ['PUT', '/api/clients/dev-b/3303/0/5700/attributes?foo=1', undefined, /unknown attribute 'foo'/],
        ['PUT', '/api/clients/dev-b/3303/0/5700/attributes', undefined, /no attributes given/],
        ['POST', '/api/clients/dev-b/3338', { kind: 'singleResource', id: 1, value: 1 }, /object instance/],
        ['DELETE', '/api/clients/dev-b/3338', undefined, /Delete needs \/oid\/iid/],
        ['GET', '/api/clients/dev-b/discover', undefined, /Discover takes \/oid/],
      ];
      for (const [m, path, body, re] of cases) {
        const r = await call(m, api + path, body);
        assert.equal(r.status, 400, `${m} ${path}: ${r.text}`);
        assert.equal(r.text.trim().split('\n').length, 1, `${m} ${path}: one line`);
        assert.match(r.json.error, re, `${m} ${path}`);
      }
      assert.equal(d.seen.length, 0, 'nothing reached the device');
      d.close();
      const t = await call('GET', `${api}/api/clients/dev-b/3/0?timeout=1`);
      assert.equal(t.status, 504);
      assert.equal(t.json.error, 'Request timeout');
      assert.equal((await call('GET', `${api}/nothing`)).status, 404);
      assert.equal((await call('GET', `${api}/api/event`)).status, 405, 'event stream without Accept: text/event-stream (as Leshan)');
    } finally {
      d.close();
    }
  });
});

test('DTLS PSK: our DTLS client registers; an identity bound to another endpoint is refused with 4.03', async () => {
  const security = new SecurityStore();
  const KEY = new Uint8Array(Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'));
  security.add({ endpoint: 'dtls-dev', identity: 'dtls-id', key: KEY });
  security.add({ endpoint: 'dtls-other', identity: 'other-id', key: KEY });
  await withServer({ port: -1, dtlsPort: 0, security }, async (s, api) => {
    const d = await FakeDevice.start({ psk: { identity: 'dtls-id', key: KEY } });
    try {
      const r = await d.register(peerOf(s.secureUri!), 'dtls-dev');
      assert.equal(r.code, CODE.CREATED);
      assert.equal(s.get('dtls-dev')!.secure, true);
      const read = await call('GET', `${api}/api/clients/dtls-dev/3/0/0`);
      assert.equal(read.json.content.value, 'Open Mobile Alliance');
      assert.equal((await d.register(peerOf(s.secureUri!), 'dtls-other')).code, CODE.FORBIDDEN);
    } finally {
      d.close();
    }
  });
});

test('libcoap coap-client-notls registers with a link-format payload; an endpoint with PSK credentials may not use NoSec', async (t) => {
  if (!needPeer(t, 'coap-client-notls', 'libcoap3-bin')) return;
  const security = new SecurityStore();
  security.add({ endpoint: 'psk-only', identity: 'x', key: new Uint8Array([1]) });
  await withServer({ security }, async (s) => {
    const port = peerOf(s.uri!).port;
    const run = (ep: string) =>
      new Promise<string>((resolve) =>
        execFile('coap-client-notls', ['-B', '2', '-m', 'post', '-t', '40', '-e', '</1/0>,</3/0>,</3303/0>', `coap://127.0.0.1:${port}/rd?ep=${ep}&lt=60&lwm2m=1.1&b=U`], (_e, so, se) => resolve(so + se)),
      );
    await run('libcoap-dev');
    const reg = s.get('libcoap-dev');
    assert.ok(reg, 'registered');
    assert.deepEqual(reg!.availableInstances, { 1: [0], 3: [0], 3303: [0] });
    assert.equal(reg!.lwM2mVersion, '1.1');
    const out = await run('psk-only');
    assert.equal(s.get('psk-only'), null);
    assert.match(out, /4\.03/);
  });
});

test('libcoap coap-client-gnutls registers over DTLS PSK (-u ID -k KEY)', async (t) => {
  if (!needPeer(t, 'coap-client-gnutls', 'libcoap3-bin')) return;
  const security = new SecurityStore();
  // libcoap's -k takes the key as text: the store holds those bytes.
  security.add({ endpoint: 'gnutls-dev', identity: 'gnutls-id', key: utf8Encode('secretPSK123') });
  await withServer({ port: -1, dtlsPort: 0, security }, async (s) => {
    const port = peerOf(s.secureUri!).port;
    const out = await new Promise<string>((resolve) =>
      execFile(
        'coap-client-gnutls',
        ['-B', '3', '-u', 'gnutls-id', '-k', 'secretPSK123', '-m', 'post', '-t', '40', '-e', '</3/0>', `coaps://127.0.0.1:${port}/rd?ep=gnutls-dev&lt=60&lwm2m=1.1&b=U`],
        (_e, so, se) => resolve(so + se),
      ),
    );
    const reg = s.get('gnutls-dev');
    assert.ok(reg, `registered over DTLS: ${out}`);
    assert.equal(reg!.secure, true);
    assert.equal(reg!.identity, 'gnutls-id');
  });
});

test('queue mode (Core §6.5): a request to a sleeping Q client waits for its Update, or times out saying it slept', async () => {
  await withServer({ awakeTimeMs: 300 }, async (s, api, ev) => {
    const d = await FakeDevice.start();
    try {
      const { code, location } = await d.register(peerOf(s.uri!), 'dev-q', 60, ['Q']);
      assert.equal(code, 65);
      assert.equal(s.get('dev-q')!.queuemode, true);
      assert.equal(s.asleep('dev-q'), false, 'awake after its Register');
      await until(() => s.asleep('dev-q'), 2000);
      // REST: the request waits its timeout, is never sent, and says why
      const t = await call('GET', `${api}/api/clients/dev-q/3/0?timeout=1`);
      assert.equal(t.status, 504);
      assert.equal(t.json.error, 'Request timeout: the client is sleeping (queue mode) and did not wake in time; the request was not sent');
      assert.equal(d.seen.length, 0, 'nothing reached the sleeping device');
      // a queued Read goes when the client's Update shows it awake
      const read = s.read('dev-q', [3303, 0, 5700], undefined, 5000);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(d.seen.length, 0);
      const n = ev.filter((e) => e.type === 'AWAKE').length;
      assert.equal((await d.request(peerOf(s.uri!), { code: 2, path: location })).code, 68);
      assert.equal((await read).code, 69);
      assert.equal(d.seen.length, 1);
      assert.equal(ev.filter((e) => e.type === 'AWAKE').length, n + 1);
    } finally {
      d.close();
    }
  });
});
