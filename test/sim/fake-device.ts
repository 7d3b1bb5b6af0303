// A scripted LwM2M device for the server tests: a CoapEndpoint on a real UDP socket
// (optionally under our DTLS PSK client), a flat table of resource values, and answers
// encoded with the same codecs the real device uses (objects/formats). It records every
// request the server sends, so a test can check order, paths and formats.
import { CoapEndpoint, type Exchange, type Observation, type RequestSpec } from '../../transport/coap/endpoint';
import { getUint, getUriPath, getUriQuery, getLocationPath, type CoapMessage } from '../../transport/coap/message';
import { CODE, OPT } from '../../transport/coap/constants';
import { createDtlsClient } from '../../transport/dtls/client';
import { enableP256 } from '../../transport/dtls/rpk-p256';
import * as P256Lib from '../../transport/crypto/p256-lib';
import type { DtlsEndpoint } from '../../transport/dtls/connection';
import type { Peer } from '../../transport/ports';
import { utf8Encode, utf8Decode } from '../../transport/bytes';
import { bindUdp, nodeRng, Poller, type NodeUdp } from '../../sim/node-ports';
import { nodeCrypto } from '../../sim/node-crypto';
import { codec, CF_LINK, CF_TEXT, CF_TLV, CF_OPAQUE } from '../../objects/formats/index';
import { typeOf } from '../../sim/lwm2m-common';
import { authHeader } from '../../sim/http-util';
import { T_BOOL, T_FLT, T_INT, T_STR, type Rec } from '../../objects/core/types';

export interface Seen {
  method: number;
  path: string;
  query: string[];
  format: number;
  accept: number;
  payload: Uint8Array;
  observe: number;
}

/** fetch() on a simulator server's admin API with its token, found as the CLI finds it (the file the server wrote for its port). */
export function apiFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { ...authHeader(new URL(url).origin).headers, ...(init.headers as Record<string, string> | undefined) } });
}

export function peerOf(uri: string): Peer {
  const m = /^coaps?:\/\/([^:/]+):(\d+)/.exec(uri);
  if (!m) throw new Error(`bad uri ${uri}`);
  return { address: m[1], port: +m[2] };
}

export function defaultRecs(): Rec[] {
  return [
    { p: [3, 0, 0], t: T_STR, v: 'Open Mobile Alliance' },
    { p: [3, 0, 1], t: T_STR, v: 'Lightweight M2M Client' },
    { p: [3, 0, 2], t: T_STR, v: '345000123' },
    { p: [3, 0, 11, 0], t: T_INT, v: 0 },
    { p: [3303, 0, 5700], t: T_FLT, v: 21.5 },
    { p: [3303, 0, 5701], t: T_STR, v: 'Cel' },
    { p: [3338, 0, 5850], t: T_BOOL, v: false },
  ];
}

const cmpPath = (a: number[], b: number[]) => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d) return d;
  }
  return 0;
};

export class FakeDevice {
  recs: Rec[] = defaultRecs();
  seen: Seen[] = [];
  executed: string[] = [];
  attrs: Record<string, string[]> = {};
  observations: Observation[] = [];
  /** Answer Bootstrap-Finish with this code (default 2.04). */
  finishCode = CODE.CHANGED;
  /** Called after every request the device handled. */
  onSeen: (s: Seen) => void = () => {};
  coap!: CoapEndpoint;
  udp!: NodeUdp;
  dtls: (DtlsEndpoint & { connect(p: Peer): void }) | null = null;
  poller = new Poller();

  /** `psk` or `rpk` (a P-256 key pair, PKCS#8 and SPKI DER; any server key accepted): a DTLS client; neither: NoSec. */
  static async start(o: { psk?: { identity: string; key: Uint8Array }; rpk?: { pkcs8: Uint8Array; spki: Uint8Array } } = {}): Promise<FakeDevice> {
    const d = new FakeDevice();
    d.udp = await bindUdp({}, (data, peer) => {
      if (d.dtls) d.dtls.receive(data, peer);
      else d.coap.receive(data, peer, Date.now());
      d.poller.kick();
    });
    if (o.psk || o.rpk) {
      const cred = o.psk ? { identity: utf8Encode(o.psk.identity), key: o.psk.key } : null;
      const rpk = o.rpk ? { key: o.rpk.pkcs8, spki: o.rpk.spki, serverSpki: null } : null;
      if (rpk) enableP256(() => P256Lib);
      d.dtls = createDtlsClient({
        socket: d.udp, crypto: nodeCrypto, rng: nodeRng,
        psk: () => cred,
        rpk: () => rpk,
        onData: (data, peer) => d.coap.receive(data, peer, Date.now()),
      });
      d.poller.add(d.dtls);
    }
    d.coap = new CoapEndpoint({ port: d.dtls || d.udp, rng: nodeRng, onRequest: (req, peer, ex) => d.handle(req, peer, ex) });
    d.poller.add(d.coap);
    return d;
  }

  request(peer: Peer, spec: RequestSpec): Promise<CoapMessage> {
    return new Promise((resolve, reject) => {
      this.coap.request(peer, spec, Date.now(), (err, res) => (err || !res ? reject(new Error(err || 'no response')) : resolve(res)));
      this.poller.kick();
    });
  }

  async register(server: Peer, ep: string, lt = 60, extra: string[] = []): Promise<{ code: number; location: string }> {
    const links = '</>;rt="oma.lwm2m";ct=11542,</1>;ver=1.1,</1/0>,</3>;ver=1.1,</3/0>,</3303>;ver=1.1,</3303/0>,</3338>;ver=1.1,</3338/0>';
    const res = await this.request(server, { code: CODE.POST, path: '/rd', query: [`ep=${ep}`, `lt=${lt}`, 'lwm2m=1.1', 'b=U', ...extra], contentFormat: CF_LINK, payload: utf8Encode(links) });
    return { code: res.code, location: '/' + (getLocationPath(res) || []).join('/') };
  }

  find(path: number[]): Rec[] {
    return this.recs.filter((r) => path.every((x, i) => r.p[i] === x));
  }

  set(path: number[], v: Rec['v']): void {
    const r = this.find(path)[0];
    if (r) r.v = v;
  }

  notify(path: string): void {
    for (const o of this.observations) {
      if (!o.active || o.path !== path) continue;
      const p = path.split('/').filter(Boolean).map(Number);
      o.notify(this.content(p, -1)!);
    }
    this.poller.kick();
  }

  private content(p: number[], accept: number): { code: number; contentFormat?: number; payload?: Uint8Array } | null {
    const recs = this.find(p).sort((a, b) => cmpPath(a.p, b.p));
    if (!recs.length) return { code: CODE.NOT_FOUND };
    const single = p.length >= 3 && recs.length === 1 && recs[0].p.length === p.length;
    const cf = accept >= 0 ? accept : single ? (recs[0].v instanceof Uint8Array ? CF_OPAQUE : CF_TEXT) : CF_TLV;
    const c = codec(cf);
    if (!c) return { code: CODE.NOT_ACCEPTABLE };
    const payload = c.one && !single ? null : c.enc(p, recs);
    return payload ? { code: CODE.CONTENT, contentFormat: cf, payload } : { code: CODE.NOT_ACCEPTABLE };
  }

  private handle(req: CoapMessage, _peer: Peer, ex: Exchange): void {
    const path = (getUriPath(req) || []).join('/');
    const s: Seen = {
      method: req.code, path: '/' + path, query: getUriQuery(req) || [], format: getUint(req, OPT.CONTENT_FORMAT, -1),
      accept: getUint(req, OPT.ACCEPT, -1), payload: new Uint8Array(req.payload), observe: getUint(req, OPT.OBSERVE, -1),
    };
    this.seen.push(s);
    const p = path === '' ? [] : path.split('/').map(Number);
    const respond = (r: { code: number; contentFormat?: number; payload?: Uint8Array }) => {
      ex.respond(r);
      this.poller.kick();
      this.onSeen(s);
    };
    if (path === 'bs' && req.code === CODE.POST) return respond({ code: this.finishCode });
    if (req.code === CODE.GET) {
      if (s.accept === CF_LINK) {
        const seen = new Set<string>();
        const links: string[] = [];
        for (const r of this.find(p)) {
          for (let n = Math.max(p.length, 1); n <= 3; n++) {
            const u = '/' + r.p.slice(0, n).join('/');
            if (!seen.has(u)) {
              seen.add(u);
              links.push(`<${u}>${this.attrs[u] ? ';' + this.attrs[u].join(';') : ''}`);
            }
          }
        }
        return respond({ code: CODE.CONTENT, contentFormat: CF_LINK, payload: utf8Encode(links.join(',')) });
      }
      if (s.observe === 0) {
        const o = ex.observe();
        if (o) this.observations.push(o);
      }
      return respond(this.content(p, s.accept)!);
    }
    if (req.code === CODE.PUT && !req.payload.length) {
      this.attrs['/' + path] = s.query;
      return respond({ code: CODE.CHANGED });
    }
    if (req.code === CODE.PUT || (req.code === CODE.POST && p.length >= 2 && req.payload.length && s.format >= 0)) {
      const c = codec(s.format);
      if (!c) return respond({ code: CODE.UNSUPPORTED_CONTENT_FORMAT });
      const recs = c.dec(req.payload, p, typeOf);
      if (!recs) return respond({ code: CODE.BAD_REQUEST });
      if (p[0] === 0 || p[0] === 1) {
        // bootstrap writes: keep them as they came
        this.recs = this.recs.filter((r) => !(r.p[0] === p[0] && r.p[1] === p[1])).concat(recs);
        return respond({ code: CODE.CHANGED });
      }
      for (const r of recs) {
        const old = this.find(r.p)[0];
        if (!old) return respond({ code: CODE.NOT_FOUND });
        old.v = r.v;
      }
      return respond({ code: CODE.CHANGED });
    }
    if (req.code === CODE.POST && p.length === 3) {
      this.executed.push('/' + path + (req.payload.length ? ' ' + utf8Decode(req.payload) : ''));
      return respond({ code: CODE.CHANGED });
    }
    if (req.code === CODE.POST && p.length === 1) {
      const c = codec(s.format);
      const recs = c ? c.dec(req.payload, p, typeOf) : null;
      if (!recs || !recs.length) return respond({ code: CODE.BAD_REQUEST });
      const used = new Set(this.recs.filter((r) => r.p[0] === p[0]).map((r) => r.p[1]));
      let iid = recs[0].p[1];
      if (iid < 0) for (iid = 0; used.has(iid); iid++);
      else if (used.has(iid)) return respond({ code: CODE.BAD_REQUEST });
      for (const r of recs) this.recs.push({ ...r, p: [p[0], iid, ...r.p.slice(2)] });
      ex.respond({ code: CODE.CREATED, options: [{ num: OPT.LOCATION_PATH, value: utf8Encode(String(p[0])) }, { num: OPT.LOCATION_PATH, value: utf8Encode(String(iid)) }] });
      this.poller.kick();
      return this.onSeen(s);
    }
    if (req.code === CODE.DELETE) {
      const before = this.recs.length;
      this.recs = p.length ? this.recs.filter((r) => !p.every((x, i) => r.p[i] === x)) : [];
      return respond({ code: p.length <= 1 || this.recs.length < before ? CODE.DELETED : CODE.NOT_FOUND });
    }
    respond({ code: CODE.METHOD_NOT_ALLOWED });
  }

  close(): void {
    this.poller.stop();
    this.udp.close();
  }
}

/** Wait until `pred` holds (polling every 10 ms), or fail after `ms`. */
export async function until(pred: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
