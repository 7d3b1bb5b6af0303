// Our TLV read by an independent decoder: Wireshark's LwM2M-TLV dissector. Each payload
// goes into a hand-built CoAP request/response pair (GET Uri-Path, 2.05 with
// Content-Format 11542) in UDP packets made by text2pcap; tshark's PDML must show the
// same tree of identifiers and values, and no malformed packet or expert warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createObjectModel } from '../../objects/index';
import * as ops from '../../objects/ops/index';
import { tlvEnc, tlvDec } from '../../objects/formats/tlv';
import { Rec, T_STR, T_INT, T_UINT, T_FLT, T_BOOL, T_OPQ, T_TIME, T_OLNK } from '../../objects/core/types';
import { needPeer } from '../helpers/peers';
import { fakeBoard } from './fake-board';
import { recs, typeOf, mkDef } from './helpers';

const PORT = 32100; // our fixed range 32000-32999 (labels in the capture, nothing binds)

function coapPair(path: number[], payload: Uint8Array, mid: number): [Buffer, Buffer] {
  const opts: number[] = [];
  path.forEach((p, i) => {
    const s = Buffer.from(String(p));
    opts.push(((i === 0 ? 11 : 0) << 4) | s.length, ...s); // Uri-Path (11), RFC 7252 §5.10
  });
  const req = Buffer.from([0x41, 0x01, mid >> 8, mid & 255, 0x77, ...opts]);
  const resp = Buffer.from([0x61, 0x45, mid >> 8, mid & 255, 0x77, 0xc2, 0x2d, 0x16, 0xff, ...payload]); // Content-Format 11542
  return [req, resp];
}
const dump = (b: Buffer) => b.toString('hex').match(/.{1,32}/g)!.map((l, i) => (i * 16).toString(16).padStart(6, '0') + ' ' + l.match(/../g)!.join(' ')).join('\n') + '\n';

interface Node { type: number; id: number; v: Record<string, string> }

/** The TLV tree we meant to send, in document order (written from the spec's rules, not from tlvEnc). */
function expected(base: number[], rs: Rec[]): Node[] {
  const out: Node[] = [];
  let inst = -1, multi = '';
  for (const r of rs) {
    if (base.length < 2 && r.p[1] !== inst) { out.push({ type: 0, id: r.p[1], v: {} }); inst = r.p[1]; multi = ''; }
    if (r.p.length > 3 && base.length < 4 && multi !== `${r.p[1]}/${r.p[2]}`) { out.push({ type: 2, id: r.p[2], v: {} }); multi = `${r.p[1]}/${r.p[2]}`; }
    const v: Record<string, string> = {};
    if (r.t === T_STR) { if (r.v !== '') v.string = r.v as string; } // a zero-length value shows no field
    else if (r.t === T_INT || r.t === T_TIME) v.integer = String(r.v);
    else if (r.t === T_UINT) v.unsigned_integer = String(r.v);
    else if (r.t === T_BOOL) v.integer = r.v ? '1' : '0';
    else if (r.t === T_FLT) v.float = String(r.v);
    else if (r.t === T_OPQ) v.value = Buffer.from(r.v as Uint8Array).toString('hex');
    else if (r.t === T_OLNK) v.value = (r.v as string).split(':').map((x) => (+x).toString(16).padStart(4, '0')).join('');
    out.push({ type: r.p.length > 3 ? 1 : 3, id: r.p[r.p.length - 1], v });
  }
  return out;
}

function dissected(pdml: string): Node[][] {
  const packets = pdml.split('<packet>').slice(1);
  return packets.map((p) => {
    const nodes: Node[] = [];
    for (const m of p.matchAll(/<field name="lwm2mtlv\.(type\.type|identifier|value(?:\.\w+)?)"[^>]*?show="([^"]*)"[^>]*?value="([0-9a-f]*)"/g)) {
      const [, f, show, raw] = m;
      const unesc = show.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
      if (f === 'type.type') nodes.push({ type: +show, id: -1, v: {} });
      else if (f === 'identifier') nodes[nodes.length - 1].id = +show;
      else if (f === 'value') nodes[nodes.length - 1].v.value = raw;
      else nodes[nodes.length - 1].v[f.slice(6)] = unesc;
    }
    return nodes;
  });
}

test('tshark LwM2M-TLV dissector reads our TLV as we meant it', (t) => {
  if (!needPeer(t, 'tshark', 'tshark') || !needPeer(t, 'text2pcap', 'wireshark-common') || !needPeer(t, 'mergecap', 'wireshark-common')) return;
  const fb = fakeBoard();
  const c = createObjectModel(fb.board, { sensors: ['temperature', 'temperature'] });
  c.reg.obj(1)!.add(0, { 0: 101, 1: 86400, 6: true, 7: 'U' });
  const ty = typeOf([mkDef(66, '1.0', true, [0, T_STR, 1, T_OPQ, 2, T_OLNK])]);
  const cases: [number[], Rec[]][] = [];
  for (const path of [[3, 0], [1], [3303], [4, 0], [5, 0]]) {
    const r = ops.read(c.reg, { srv: 101, path, accept: 11542 });
    assert.equal(r.code, 69);
    cases.push([path, tlvDec(r.payload!, path, ty)!]);
  }
  cases.push([[2], recs([[[2, 0, 0], T_INT, 1], [[2, 0, 1], T_INT, 0], [[2, 0, 2, 127], T_INT, 7], [[2, 0, 2, 310], T_INT, 1], [[2, 0, 3], T_INT, 127]])]);
  cases.push([[3, 0, 0], recs([[[3, 0, 0], T_STR, 'long "string" <&> é ' + 'x'.repeat(300)]])]);
  cases.push([[3, 0, 9], recs([[[3, 0, 9], T_INT, -(2 ** 40)]])]);
  cases.push([[3, 0, 6, 1], recs([[[3, 0, 6, 1], T_INT, -129]])]);
  cases.push([[66, 0], recs([[[66, 0, 0], T_STR, 'svc'], [[66, 0, 1], T_OPQ, new Uint8Array([0, 255, 16])], [[66, 0, 2], T_OLNK, '67:0']])]);
  const dir = mkdtempSync(join(tmpdir(), 'tlv-'));
  const files: string[] = [];
  cases.forEach(([path, rs], k) => {
    const [req, resp] = coapPair(path, tlvEnc(path, rs)!, 0x100 + k);
    writeFileSync(join(dir, `q${k}.txt`), dump(req));
    writeFileSync(join(dir, `r${k}.txt`), dump(resp));
    execFileSync('text2pcap', ['-q', '-u', `${40000 + k},${PORT}`, join(dir, `q${k}.txt`), join(dir, `q${k}.pcap`)]);
    execFileSync('text2pcap', ['-q', '-u', `${PORT},${40000 + k}`, join(dir, `r${k}.txt`), join(dir, `r${k}.pcap`)]);
    files.push(join(dir, `q${k}.pcap`), join(dir, `r${k}.pcap`));
  });
  const cap = join(dir, 'all.pcap');
  execFileSync('mergecap', ['-a', '-w', cap, ...files]);
  const warn = execFileSync('tshark', ['-r', cap, '-d', `udp.port==${PORT},coap`, '-Y', '_ws.malformed || _ws.expert.severity >= "warning"'], { encoding: 'utf8' });
  assert.equal(warn.trim(), '', 'malformed or expert warnings');
  const pdml = execFileSync('tshark', ['-r', cap, '-d', `udp.port==${PORT},coap`, '-T', 'pdml'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const got = dissected(pdml).filter((_, i) => i % 2 === 1);
  assert.equal(got.length, cases.length);
  cases.forEach(([path, rs], k) => {
    const want = expected(path, rs);
    assert.equal(got[k].length, want.length, `case ${k} /${path.join('/')}: node count`);
    want.forEach((w, i) => {
      const g = got[k][i];
      assert.deepEqual([g.type, g.id], [w.type, w.id], `case ${k} node ${i}`);
      for (const [f, v] of Object.entries(w.v)) {
        if (f === 'float') {
          const shown = g.v.float ?? g.v.double;
          assert.ok(Math.abs(+shown - +v) <= Math.abs(+v) * 1e-6, `case ${k} node ${i}: ${shown} vs ${v}`);
        } else assert.equal(g.v[f], v, `case ${k} node ${i} ${f}`);
      }
    });
  });
});
