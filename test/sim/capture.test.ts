// The servers' traffic, captured on loopback and dissected by tshark (CoAP, LwM2M TLV,
// DTLS with the PSK): a NoSec bootstrap, a NoSec registration with reads and a write in
// TLV, SenML CBOR and text, an observation, and a DTLS PSK registration. Nothing the
// servers send may be malformed or raise a tshark warning. Fixed ports from this
// helper's range (35683, 35684, 35783) so tshark knows what to dissect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootstrapServer, simpleConfig } from '../../sim/bootstrap-server';
import { Lwm2mServer } from '../../sim/lwm2m-server';
import { SecurityStore } from '../../sim/lwm2m-common';
import { CODE } from '../../transport/coap/constants';
import { T_BOOL } from '../../objects/core/types';
import { FakeDevice, peerOf, until } from './fake-device';
import { needPeer, liveCapture } from '../helpers/peers';

const BS_PORT = 35783;
const SRV_PORT = 35683;
const DTLS_PORT = 35684;
const HEX = '000102030405060708090a0b0c0d0e0f';

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile(cmd, args, { timeout: 30000, maxBuffer: 1 << 24 }, (e, out, err) => (e ? reject(new Error(err || String(e))) : resolve(out))));
}

test('tshark: the servers\' CoAP, LwM2M TLV and DTLS traffic has no malformed packet or warning', { timeout: 60000 }, async (t) => {
  if (!needPeer(t, 'tshark', 'tshark')) return;
  const pcap = join(mkdtempSync(join(tmpdir(), 'sim-servers-')), 'cap.pcapng');
  const security = new SecurityStore();
  security.add({ endpoint: 'cap-dtls', identity: 'cap-id', key: new Uint8Array(Buffer.from(HEX, 'hex')) });
  const srv = await Lwm2mServer.start({ port: SRV_PORT, dtlsPort: DTLS_PORT, security });
  const bsEv: string[] = [];
  const bs = await BootstrapServer.start({ port: BS_PORT, configs: { cap: simpleConfig({ serverUri: srv.uri! }) }, onEvent: (e) => bsEv.push(e.type) });
  const tshark = await liveCapture(`udp port ${BS_PORT} or udp port ${SRV_PORT} or udp port ${DTLS_PORT}`, pcap);
  try {
    const d = await FakeDevice.start();
    try {
      await d.request(peerOf(bs.uri!), { code: CODE.POST, path: '/bs', query: ['ep=cap'] });
      await until(() => bsEv.includes('done'), 5000, 'bootstrap');
      await d.register(peerOf(srv.uri!), 'cap');
      for (const f of [11542, 112, undefined]) assert.equal((await srv.read('cap', [3, 0], f)).status, 'CONTENT(205)');
      assert.equal((await srv.read('cap', [3303, 0, 5700])).status, 'CONTENT(205)');
      assert.equal((await srv.write('cap', [3338, 0, 5850], [{ p: [3338, 0, 5850], t: T_BOOL, v: true }], { format: 11542 })).status, 'CHANGED(204)');
      assert.equal((await srv.writeAttributes('cap', [3303, 0, 5700], ['pmin=1', 'pmax=5'])).status, 'CHANGED(204)');
      let notes = 0;
      await srv.observe('cap', [3303, 0, 5700], 11542, () => notes++);
      d.set([3303, 0, 5700], 23.5);
      d.notify('/3303/0/5700');
      await until(() => notes === 1, 3000, 'notification');
    } finally {
      d.close();
    }
    const s = await FakeDevice.start({ psk: { identity: 'cap-id', key: new Uint8Array(Buffer.from(HEX, 'hex')) } });
    try {
      assert.equal((await s.register(peerOf(srv.secureUri!), 'cap-dtls')).code, CODE.CREATED);
      assert.equal((await srv.read('cap-dtls', [3, 0], 11542)).status, 'CONTENT(205)');
    } finally {
      s.close();
    }
    await new Promise((r) => setTimeout(r, 300)); // let the last datagrams reach the capture
  } finally {
    tshark.kill('SIGINT');
    await new Promise((r) => tshark.once('exit', r));
    await bs.close();
    await srv.close();
  }
  const dec = ['-d', `udp.port==${BS_PORT},coap`, '-d', `udp.port==${SRV_PORT},coap`, '-d', `udp.port==${DTLS_PORT},dtls`, '-o', `dtls.psk:${HEX}`, '-d', `dtls.port==${DTLS_PORT},coap`];
  const bad = await run('tshark', ['-r', pcap, ...dec, '-Y', '_ws.malformed || _ws.expert.severity >= "warning"', '-T', 'fields', '-e', 'frame.number', '-e', '_ws.expert.message']);
  assert.equal(bad.trim(), '', bad);
  const coap = (await run('tshark', ['-r', pcap, ...dec, '-Y', 'coap', '-T', 'fields', '-e', 'coap.code'])).trim().split('\n');
  assert.ok(coap.length >= 30, `only ${coap.length} CoAP messages dissected: ${await run('tshark', ['-r', pcap, ...dec])}`);
  // LwM2M TLV payloads (bootstrap writes, reads) are dissected, with resource names.
  const tlv = await run('tshark', ['-r', pcap, ...dec, '-Y', 'lwm2mtlv', '-V']);
  assert.match(tlv, /LwM2M Server URI|Short Server ID/);
  assert.match(tlv, /Manufacturer: Open Mobile Alliance/);
  // The DTLS registration decrypted with the PSK: a Register and its 2.01 inside.
  const dtls = await run('tshark', ['-r', pcap, ...dec, '-Y', `udp.port==${DTLS_PORT} && coap.code == 65`, '-T', 'fields', '-e', 'coap.opt.location_path']);
  assert.match(dtls, /rd/);
});

test('the servers\' DTLS key log (NSS CLIENT_RANDOM lines) lets tshark decrypt a session without the PSK', { timeout: 60000 }, async (t) => {
  if (!needPeer(t, 'tshark', 'tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'sim-keylog-'));
  const pcap = join(dir, 'cap.pcapng');
  const keys = join(dir, 'keys.log');
  const lines: string[] = [];
  const security = new SecurityStore();
  const psk = new Uint8Array(Buffer.from(HEX, 'hex'));
  security.add({ endpoint: 'kl-dtls', identity: 'kl-id', key: psk });
  const srv = await Lwm2mServer.start({ port: -1, dtlsPort: 0, security, keylog: (l) => lines.push(l) });
  const port = +srv.secureUri!.split(':').pop()!;
  const tshark = await liveCapture(`udp port ${port}`, pcap);
  try {
    const d = await FakeDevice.start({ psk: { identity: 'kl-id', key: psk } });
    try {
      assert.equal((await d.register(peerOf(srv.secureUri!), 'kl-dtls')).code, CODE.CREATED);
      assert.equal((await srv.read('kl-dtls', [3, 0], 11542)).status, 'CONTENT(205)');
    } finally {
      d.close();
    }
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    tshark.kill('SIGINT');
    await new Promise((r) => tshark.once('exit', r));
    await srv.close();
  }
  assert.equal(lines.length, 1, 'one line per session');
  assert.match(lines[0], /^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/);
  writeFileSync(keys, lines.join('\n') + '\n');
  const dec = ['-d', `udp.port==${port},dtls`, '-d', `dtls.port==${port},coap`];
  const codes = async (extra: string[]) => (await run('tshark', ['-r', pcap, ...dec, ...extra, '-Y', 'coap', '-T', 'fields', '-e', 'coap.code'])).trim().split('\n').filter(Boolean);
  // without the keys nothing inside DTLS is readable; with them the Register, its 2.01, the Read and its 2.05
  assert.deepEqual(await codes([]), []);
  const seen = await codes(['-o', `tls.keylog_file:${keys}`]);
  assert.deepEqual(seen.slice(0, 4), ['2', '65', '1', '69'], seen.join(','));
});
