// Scripted traffic: a bootstrap server and an LwM2M server written in the test with the
// host-side CoAP engine, each step asserting what the device sent. The device is
// dist/firmware.js in the Espruino-stripped context (sim/device.ts), over real UDP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoapEndpoint } from '../../transport/coap/endpoint';
import { CODE, FORMAT, OPT } from '../../transport/coap/constants';
import { CoapMessage, getStrings, getUint } from '../../transport/coap/message';
import { tlvEnc, tlvDec } from '../../objects/formats/tlv';
import { linkDec } from '../../objects/formats/link';
import { T_STR, T_BOOL, T_INT, T_OPQ } from '../../objects/core/types';
import { bindUdp, nodeRng, MemoryStorage, NodeUdp } from '../../sim/node-ports';
import { startDevice } from '../../sim/device';
import type { Peer } from '../../transport/ports';
import { utf8Decode, utf8Encode, fromHex } from '../../transport/bytes';
import { createDtlsServer } from '../../transport/dtls/server';
import { nodeCrypto } from '../../sim/node-crypto';

interface Srv {
  udp: NodeUdp;
  ep: CoapEndpoint;
  seen: string[];
  onReq?: (req: CoapMessage, peer: Peer, ex: any) => void;
  close(): void;
}

const PSK_ID = 'lwm2m-client';
const PSK_KEY = '000102030405060708090a0b0c0d0e0f';

/** A scripted CoAP server, over DTLS-PSK (identity PSK_ID) when `psk`. */
async function server(onReq: (s: Srv, req: CoapMessage, peer: Peer, ex: any) => void, psk = false): Promise<Srv> {
  let timer: NodeJS.Timeout | null = null;
  const s: any = { seen: [] };
  const kick = () => {
    const now = Date.now();
    let d = s.ep.poll(now);
    if (s.dtls) {
      const t = s.dtls.poll(now);
      if (t >= 0 && (d < 0 || t < d)) d = t;
    }
    if (timer) clearTimeout(timer);
    timer = d >= 0 ? setTimeout(kick, Math.max(0, d - Date.now())) : null;
  };
  s.udp = await bindUdp({}, (data, peer) => {
    if (s.dtls) s.dtls.receive(data, peer);
    else s.ep.receive(data, peer, Date.now());
    kick();
  });
  if (psk) {
    s.dtls = createDtlsServer({
      socket: s.udp,
      crypto: nodeCrypto,
      rng: nodeRng,
      hint: utf8Encode('hint'),
      pskKey: (id: Uint8Array) => (utf8Decode(id) === PSK_ID ? fromHex(PSK_KEY) : null),
      onData: (d: Uint8Array, p: Peer) => s.ep.receive(d, p, Date.now()),
    });
  }
  s.ep = new CoapEndpoint({
    port: s.dtls || s.udp,
    rng: nodeRng,
    onRequest: (req: CoapMessage, peer: Peer, ex: any) => {
      s.seen.push(`${['', 'GET', 'POST', 'PUT', 'DELETE'][req.code]} /${(getStrings(req, OPT.URI_PATH) || []).join('/')}`);
      onReq(s, req, peer, ex);
      kick();
    },
  });
  s.kick = kick;
  s.close = () => {
    if (timer) clearTimeout(timer);
    s.udp.close();
  };
  return s as Srv;
}

function req(s: any, peer: Peer, spec: any): Promise<CoapMessage> {
  return new Promise((resolve, reject) => {
    s.ep.request(peer, spec, Date.now(), (err: string | null, res?: CoapMessage) => (err ? reject(new Error(err)) : resolve(res!)));
    s.kick();
  });
}

for (const psk of [false, true]) test(`${psk ? 'PSK' : 'NoSec'}: bootstrap, register, read, write, execute, observe, de-register`, async () => {
  const events: string[] = [];
  // The LwM2M server: answers Register with a location, records what it gets.
  let registered: { peer: Peer; query: string[]; links: string } | null = null;
  const lw = await server((s, r, peer, ex) => {
    const path = (getStrings(r, OPT.URI_PATH) || []).join('/');
    if (r.code === CODE.POST && path === 'rd') {
      registered = { peer, query: getStrings(r, OPT.URI_QUERY) || [], links: utf8Decode(r.payload) || '' };
      ex.respond({ code: CODE.CREATED, options: [{ num: OPT.LOCATION_PATH, value: utf8Encode('rd') }, { num: OPT.LOCATION_PATH, value: utf8Encode('x1') }] });
    } else if (r.code === CODE.DELETE && path === 'rd/x1') ex.respond({ code: CODE.DELETED });
    else if (r.code === CODE.POST && path === 'rd/x1') ex.respond({ code: CODE.CHANGED });
    else ex.respond({ code: CODE.NOT_FOUND });
  }, psk);
  // The bootstrap server: 2.04 to the request, then Delete /0 and /1, Write /0/1 and /1/0, Finish.
  let bsPeer: Peer | null = null;
  const bs = await server((s, r, peer, ex) => {
    bsPeer = peer;
    ex.respond({ code: CODE.CHANGED });
  }, psk);
  const storage = new MemoryStorage();
  const dev = await startDevice({
    endpoint: 'urn:dev:test:1',
    bootstrapUri: `${psk ? 'coaps' : 'coap'}://127.0.0.1:${bs.udp.port}`,
    pskIdentity: psk ? PSK_ID : undefined,
    pskKey: psk ? PSK_KEY : undefined,
    storage,
    log: (e, d) => events.push(`${e}: ${d}`),
  });
  try {
    for (let i = 0; i < 200 && !bsPeer; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(bsPeer, 'no Bootstrap-Request:\n' + events.join('\n'));
    assert.deepEqual(bs.seen, ['POST /bs']);
    const peer = bsPeer!;
    assert.equal((await req(bs, peer, { code: CODE.DELETE, path: '/0' })).code, CODE.DELETED);
    assert.equal((await req(bs, peer, { code: CODE.DELETE, path: '/1' })).code, CODE.DELETED);
    const sec = tlvEnc([0, 1], [
      { p: [0, 1, 0], t: T_STR, v: `${psk ? 'coaps' : 'coap'}://127.0.0.1:${lw.udp.port}` },
      { p: [0, 1, 1], t: T_BOOL, v: false },
      { p: [0, 1, 2], t: T_INT, v: psk ? 0 : 3 },
      { p: [0, 1, 3], t: T_OPQ, v: psk ? utf8Encode(PSK_ID) : new Uint8Array(0) },
      { p: [0, 1, 5], t: T_OPQ, v: psk ? fromHex(PSK_KEY)! : new Uint8Array(0) },
      { p: [0, 1, 10], t: T_INT, v: 123 },
    ])!;
    assert.equal((await req(bs, peer, { code: CODE.PUT, path: '/0/1', contentFormat: FORMAT.LWM2M_TLV, payload: sec })).code, CODE.CHANGED);
    // Finish before the Server object exists: no usable account → 4.06
    assert.equal((await req(bs, peer, { code: CODE.POST, path: '/bs' })).code, CODE.NOT_ACCEPTABLE);
    const srv = tlvEnc([1, 0], [
      { p: [1, 0, 0], t: T_INT, v: 123 },
      { p: [1, 0, 1], t: T_INT, v: 60 },
      { p: [1, 0, 6], t: T_BOOL, v: true },
      { p: [1, 0, 7], t: T_STR, v: 'U' },
    ])!;
    assert.equal((await req(bs, peer, { code: CODE.PUT, path: '/1/0', contentFormat: FORMAT.LWM2M_TLV, payload: srv })).code, CODE.CHANGED);
    assert.equal((await req(bs, peer, { code: CODE.POST, path: '/bs' })).code, CODE.CHANGED);
    await dev.waitFor('registered', 5000);
    assert.ok(registered);
    const reg = registered!;
    assert.deepEqual(reg.query, ['ep=urn:dev:test:1', 'lt=60', 'lwm2m=1.1', 'b=U']);
    const links = linkDec(utf8Encode(reg.links))!;
    assert.ok(links, reg.links);
    assert.match(reg.links, /^<\/>;rt="oma.lwm2m",/, "TLV preferred: no ct (the format a server assumes without it)");
    assert.ok(reg.links.includes('</3303/0>'), reg.links);
    assert.ok(!reg.links.includes('</0/'), 'Security instances are not announced');
    // Read /3/0 in TLV
    const r3 = await req(lw, reg.peer, { code: CODE.GET, path: '/3/0', accept: FORMAT.LWM2M_TLV });
    assert.equal(r3.code, CODE.CONTENT);
    assert.equal(getUint(r3, OPT.CONTENT_FORMAT, -1), FORMAT.LWM2M_TLV);
    const recs = tlvDec(r3.payload, [3, 0], () => T_OPQ)!;
    assert.ok(recs, 'TLV of /3/0 decodes');
    assert.equal(utf8Decode(recs.find((x) => x.p[2] === 0)!.v as Uint8Array), 'lwm2m-espruino');
    // Temperature as text
    const t = await req(lw, reg.peer, { code: CODE.GET, path: '/3303/0/5700' });
    assert.equal(t.code, CODE.CONTENT);
    assert.ok(Number.isFinite(parseFloat(utf8Decode(t.payload)!)));
    // Security is not readable by an LwM2M server
    assert.notEqual((await req(lw, reg.peer, { code: CODE.GET, path: '/0/1' })).code, CODE.CONTENT);
    // Buzzer on
    const w = await req(lw, reg.peer, { code: CODE.PUT, path: '/3338/0/5850', contentFormat: FORMAT.TEXT, payload: utf8Encode('1') });
    assert.equal(w.code, CODE.CHANGED);
    assert.equal(dev.buzzer.on, true);
    // bad path and bad payload
    assert.equal((await req(lw, reg.peer, { code: CODE.GET, path: '/abc' })).code, CODE.NOT_FOUND);
    assert.equal((await req(lw, reg.peer, { code: CODE.PUT, path: '/3338/0/5850', contentFormat: FORMAT.TEXT, payload: utf8Encode('maybe') })).code, CODE.BAD_REQUEST);
    // Observe with pmin/pmax 1 s: at least two notifications
    assert.equal((await req(lw, reg.peer, { code: CODE.PUT, path: '/3303/0/5700', query: ['pmin=1', 'pmax=1'] })).code, CODE.CHANGED);
    const notes: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const h = lw.ep.request(reg.peer, { code: CODE.GET, path: '/3303/0/5700', observe: true }, Date.now(), (err: string | null, res?: CoapMessage) => {
        if (err) return reject(new Error(err));
        notes.push(utf8Decode(res!.payload)!);
        if (notes.length === 3) {
          h.cancel();
          resolve();
        }
      });
      (lw as any).kick();
    });
    assert.equal(notes.length, 3);
    // Registration Update Trigger → Update
    assert.equal((await req(lw, reg.peer, { code: CODE.POST, path: '/1/0/8' })).code, CODE.CHANGED);
    for (let i = 0; i < 50 && !lw.seen.includes('POST /rd/x1'); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(lw.seen.includes('POST /rd/x1'), lw.seen.join(','));
    // the accounts were persisted
    assert.ok(storage.list('lwm2m.acc').length >= 1);
    await dev.stop();
    assert.ok(lw.seen.includes('DELETE /rd/x1'), lw.seen.join(','));
  } finally {
    dev.kill();
    bs.close();
    lw.close();
  }
});
