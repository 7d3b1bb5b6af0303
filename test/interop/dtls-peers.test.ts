// DTLS 1.2 PSK (TLS_PSK_WITH_AES_128_CCM_8) against Debian's peers (../shared/INTEROP.md):
// our client ⇄ openssl s_server and gnutls-serv (echo, in a loopback-only namespace),
// our server ⇄ openssl s_client and gnutls-cli; wrong key / identity end in a clear
// error; a tshark capture of our handshake decrypts with the PSK and shows no
// malformed packet or warning. Fixed ports: 31010-31019 (this area's range).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inLoopbackNamespace, needPeer, liveCapture } from '../helpers/peers';
import { createDtlsClient } from '../../transport/dtls/client';
import { createDtlsServer } from '../../transport/dtls/server';
import type { DtlsEvent } from '../../transport/dtls/connection';
import { nodeCrypto } from '../../sim/node-crypto';
import { nodeRng, runOnUdp } from '../../sim/dtls-udp';

const ID = 'lwm2m-client';
const KEY = '000102030405060708090a0b0c0d0e0f';
const WRONG = '0f0e0d0c0b0a09080706050403020100';
const GNUTLS_PRIO = 'NONE:+VERS-DTLS1.2:+AES-128-CCM-8:+AEAD:+PSK:+COMP-NULL:+SIGN-ALL:+GROUP-ALL';
const bytes = (s: string) => new Uint8Array(Buffer.from(s));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Collects a child's output; resolves `waitFor(re)` when it appears. */
function watch(child: ChildProcess) {
  let out = '';
  const waiters: { re: RegExp; res: () => void }[] = [];
  const on = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) if (w.re.test(out)) w.res(); else waiters.push(w);
  };
  child.stdout?.on('data', on);
  child.stderr?.on('data', on);
  return {
    text: () => out,
    waitFor: (re: RegExp, ms: number) =>
      new Promise<void>((res, rej) => {
        if (re.test(out)) return res();
        const t = setTimeout(() => rej(new Error(`timed out waiting for ${re} in:\n${out}`)), ms);
        waiters.push({ re, res: () => { clearTimeout(t); res(); } });
      }),
    exited: new Promise<number | null>((res) => child.on('exit', (c) => res(c))),
  };
}

/** A tshark capture on one UDP port; stop() returns the check results, decrypting with the PSK. */
async function capture(port: number) {
  const dir = mkdtempSync(join(tmpdir(), 'dtls-cap-'));
  const cap = join(dir, 'cap.pcapng');
  const ts = await liveCapture(`udp port ${port}`, cap);
  const tw = watch(ts);
  return {
    stop: async () => {
      await sleep(500);
      ts.kill('SIGINT');
      await tw.exited;
      const read = (extra: string[]) => spawnSync('tshark', ['-r', cap, '-d', `udp.port==${port},dtls`, '-o', `dtls.psk:${KEY}`, ...extra], { encoding: 'utf8' });
      const bad = read(['-Y', '_ws.malformed || _ws.expert.severity >= "warning"']);
      const fin = read(['-Y', 'dtls.handshake.type == 20', '-T', 'fields', '-e', 'frame.number']);
      const app = read(['-Y', 'dtls.app_data', '-T', 'fields', '-e', 'data.text', '-o', 'data.show_as_text:TRUE']);
      const summary = read([]).stdout;
      return { status: bad.status, stderr: bad.stderr, bad: bad.stdout.trim(), finished: fin.stdout.trim().split('\n').filter(Boolean).length, appText: app.stdout, summary };
    },
  };
}

function opensslServer(port: number, key: string) {
  const child = spawn('openssl', ['s_server', '-dtls1_2', '-accept', `127.0.0.1:${port}`, '-nocert', '-psk', key, '-psk_identity', ID,
    '-psk_hint', 'myhint', '-cipher', 'PSK-AES128-CCM8', '-naccept', '1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  return { child, w: watch(child) };
}

/** Our client on a real socket; resolves with its events and data once `done` says so or `ms` passed. */
async function ourClient(port: number, key: string, opts: { send?: string; timeout: number; until: (ev: DtlsEvent[], data: string[]) => boolean; onConnected?: () => void }) {
  const events: DtlsEvent[] = [];
  const data: string[] = [];
  const peer = { address: '127.0.0.1', port };
  let finish: () => void = () => {};
  const done = new Promise<void>((r) => (finish = r));
  const check = () => { if (opts.until(events, data)) finish(); };
  const u = await runOnUdp((socket) => createDtlsClient({
    socket, crypto: nodeCrypto, rng: nodeRng, handshakeTimeout: opts.timeout,
    psk: () => ({ identity: bytes(ID), key: new Uint8Array(Buffer.from(key, 'hex')) }),
    onData: (d) => { data.push(Buffer.from(d).toString()); check(); },
    onEvent: (e) => { events.push(e); if (e.type === 'connected' && opts.onConnected) opts.onConnected(); check(); },
  }));
  u.ep.send(bytes(opts.send || 'hello-from-lwm2m-espruino'), peer);
  u.kick();
  const started = Date.now();
  await Promise.race([done, sleep(opts.timeout + 3000)]);
  u.ep.close(peer);
  await u.close();
  return { events, data, elapsed: Date.now() - started };
}

test('our client ⇄ openssl s_server: handshake, data both ways; tshark decrypts it with the PSK, nothing malformed', async (t) => {
  if (!needPeer(t, 'openssl', 'openssl') || !needPeer(t, 'tshark', 'tshark')) return;
  const port = 31010;
  const cap = await capture(port);
  const s = opensslServer(port, KEY);
  await s.w.waitFor(/ACCEPT/, 10000);
  const r = await ourClient(port, KEY, {
    timeout: 10000,
    onConnected: () => { setTimeout(() => s.child.stdin!.write('hello-from-openssl\n'), 200); },
    until: (ev, data) => ev.some((e) => e.type === 'error') || data.join('').includes('hello-from-openssl'),
  });
  await s.w.waitFor(/hello-from-lwm2m-espruino/, 5000);
  s.child.stdin!.end();
  s.child.kill();
  assert.deepEqual(r.events.map((e) => e.type), ['connected']);
  assert.match(s.w.text(), /CIPHER is PSK-AES128-CCM8/);
  assert.deepEqual(r.data, ['hello-from-openssl\n']);
  const c = await cap.stop();
  assert.equal(c.status, 0, c.stderr);
  assert.equal(c.bad, '', 'malformed packets or warnings:\n' + c.bad);
  // decrypted: both Finished messages and the application records are readable
  assert.equal(c.finished, 2, 'two decrypted Finished messages in:\n' + c.summary);
  assert.match(c.appText, /hello-from-lwm2m-espruino/);
});

test('our client ⇄ openssl s_server with the wrong key: handshake_timeout naming server and identity, no hang', async (t) => {
  if (!needPeer(t, 'openssl', 'openssl')) return;
  const port = 31011;
  const s = opensslServer(port, KEY);
  await s.w.waitFor(/ACCEPT/, 10000);
  const r = await ourClient(port, WRONG, { timeout: 3000, until: (ev) => ev.some((e) => e.type === 'error') });
  s.child.kill();
  assert.equal(r.events.length, 1);
  assert.equal(r.events[0].name, 'handshake_timeout');
  assert.match(r.events[0].message!, /127\.0\.0\.1:31011/);
  assert.match(r.events[0].message!, /"lwm2m-client"/);
});

/** gnutls-serv --echo with the PSK inside a loopback-only namespace, and our client (sim/dtls-client-cli.ts) with `clientKey` and `identity` in the same namespace. */
function ourClientVsGnutlsServ(port: number, clientKey: string, identity = ID) {
  const dir = mkdtempSync(join(tmpdir(), 'gnutls-psk-'));
  writeFileSync(join(dir, 'psk.passwd'), `${ID}:${KEY}\n`);
  return inLoopbackNamespace(`gnutls-serv --udp -p ${port} --echo --pskpasswd ${dir}/psk.passwd --pskhint myhint --priority '${GNUTLS_PRIO}'`, port,
    `node --import tsx sim/dtls-client-cli.ts 127.0.0.1 ${port} ${identity} ${clientKey} hello-echo 3000 hello-echo`, 20000);
}

test('our client ⇄ gnutls-serv --echo (loopback-only namespace): handshake and echo', (t) => {
  if (!needPeer(t, 'gnutls-serv', 'gnutls-bin') || !needPeer(t, 'unshare', 'util-linux')) return;
  const r = ourClientVsGnutlsServ(31012, KEY);
  assert.equal(r.status, 0, r.out);
  assert.deepEqual(r.lines, [{ event: 'connected' }, { data: 'hello-echo' }]);
});

test('our client ⇄ gnutls-serv: the session resumed by session ID from a new port (RFC 5246 §7.3): no key exchange the second time', (t) => {
  if (!needPeer(t, 'gnutls-serv', 'gnutls-bin') || !needPeer(t, 'unshare', 'util-linux')) return;
  const dir = mkdtempSync(join(tmpdir(), 'gnutls-psk-'));
  writeFileSync(join(dir, 'psk.passwd'), `${ID}:${KEY}\n`);
  const r = inLoopbackNamespace(`gnutls-serv --udp -p 31014 --echo --pskpasswd ${dir}/psk.passwd --pskhint myhint --priority '${GNUTLS_PRIO}'`, 31014,
    `DTLS_RESUME=1 node --import tsx sim/dtls-client-cli.ts 127.0.0.1 31014 ${ID} ${KEY} hello-echo 3000 hello-echo`, 30000);
  assert.equal(r.status, 0, r.out);
  assert.deepEqual(r.lines, [
    { round: 1, event: 'connected' }, { round: 1, data: 'hello-echo' },
    { round: 1, got: [3, 2, 12, 14] }, // HelloVerifyRequest, ServerHello, ServerKeyExchange (hint), ServerHelloDone
    { round: 2, event: 'connected', name: 'resumed' }, { round: 2, data: 'hello-echo' },
    { round: 2, got: [3, 2] }, // HelloVerifyRequest, ServerHello (its ChangeCipherSpec and Finished follow): no ServerKeyExchange
  ]);
});

test('our client ⇄ gnutls-serv: wrong key and unknown identity end in a clear error, no hang', (t) => {
  if (!needPeer(t, 'gnutls-serv', 'gnutls-bin') || !needPeer(t, 'unshare', 'util-linux')) return;
  for (const [key, id] of [[WRONG, ID], [KEY, 'nobody']]) {
    const r = ourClientVsGnutlsServ(31013, key, id);
    assert.equal(r.status, 1, r.out);
    const last = r.lines[r.lines.length - 1];
    assert.equal(last.event, 'error');
    assert.ok(['handshake_timeout', 'alert_received'].includes(last.name), last.name);
    assert.match(last.message, new RegExp(`"${id}"`));
  }
});

async function ourServer(events: DtlsEvent[], data: string[]) {
  const u = await runOnUdp((socket) => {
    const ep = createDtlsServer({
      socket, crypto: nodeCrypto, rng: nodeRng, hint: bytes('myhint'),
      pskKey: (id) => (Buffer.from(id).toString() === ID ? new Uint8Array(Buffer.from(KEY, 'hex')) : null),
      onData: (d, peer) => { data.push(Buffer.from(d).toString()); ep.send(d, peer); },
      onEvent: (e) => events.push(e),
    });
    return ep;
  });
  return u;
}

test('openssl s_client ⇄ our server: handshake, data echoed; tshark decrypts our server\'s side, nothing malformed', async (t) => {
  if (!needPeer(t, 'openssl', 'openssl') || !needPeer(t, 'tshark', 'tshark')) return;
  const events: DtlsEvent[] = [];
  const data: string[] = [];
  const u = await ourServer(events, data);
  const cap = await capture(u.port);
  const c = spawn('openssl', ['s_client', '-dtls1_2', '-connect', `127.0.0.1:${u.port}`, '-psk', KEY, '-psk_identity', ID, '-cipher', 'PSK-AES128-CCM8'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const w = watch(c);
  try {
    await w.waitFor(/Cipher is PSK-AES128-CCM8/, 10000);
    c.stdin!.write('hello-from-openssl\n');
    // s_client does not print what it sends: this line in its output is our echo
    await w.waitFor(/hello-from-openssl/, 5000);
  } finally {
    c.stdin!.end();
    c.kill();
    await u.close();
  }
  assert.deepEqual(data, ['hello-from-openssl\n']);
  assert.equal(events[0].type, 'connected');
  const k = await cap.stop();
  assert.equal(k.bad, '', 'malformed packets or warnings:\n' + k.bad);
  assert.equal(k.finished, 2, 'two decrypted Finished messages');
  assert.match(k.appText, /hello-from-openssl/);
});

test('gnutls-cli ⇄ our server: handshake, data echoed; a wrong key never connects', async (t) => {
  if (!needPeer(t, 'gnutls-cli', 'gnutls-bin')) return;
  const events: DtlsEvent[] = [];
  const data: string[] = [];
  const u = await ourServer(events, data);
  const run = (key: string) => {
    const c = spawn('gnutls-cli', ['--udp', '127.0.0.1', '-p', String(u.port), '--pskusername', ID, '--pskkey', key, '--priority', GNUTLS_PRIO], { stdio: ['pipe', 'pipe', 'pipe'] });
    return { c, w: watch(c) };
  };
  try {
    const ok = run(KEY);
    await ok.w.waitFor(/Handshake was completed/, 10000);
    ok.c.stdin!.write('hello-from-gnutls\n');
    await ok.w.waitFor(/- Simple Client Mode[\s\S]*hello-from-gnutls/, 5000);
    ok.c.stdin!.end();
    await ok.w.exited;
    assert.match(ok.w.text(), /\(DTLS1\.2-X\.509\)-\(PSK\)-\(AES-128-CCM-8\)/);
    assert.deepEqual(data, ['hello-from-gnutls\n']);
    const bad = run(WRONG);
    await sleep(2500);
    bad.c.kill();
    assert.doesNotMatch(bad.w.text(), /Handshake was completed/);
    assert.deepEqual(events.filter((e) => e.type === 'connected').length, 1, 'the wrong key did not connect');
  } finally {
    await u.close();
  }
});

test('gnutls-cli --resume ⇄ our server: the second connection resumes the first session (our server\'s session cache)', async (t) => {
  if (!needPeer(t, 'gnutls-cli', 'gnutls-bin')) return;
  const events: DtlsEvent[] = [];
  const data: string[] = [];
  const u = await ourServer(events, data);
  try {
    const c = spawn('gnutls-cli', ['--udp', '127.0.0.1', '-p', String(u.port), '--pskusername', ID, '--pskkey', KEY, '--priority', GNUTLS_PRIO, '--resume'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const w = watch(c);
    await w.waitFor(/Resume Handshake was completed/, 15000);
    c.stdin!.write('resumed-echo\n');
    await w.waitFor(/- Simple Client Mode[\s\S]*resumed-echo/, 5000);
    c.stdin!.end();
    await w.exited;
    assert.match(w.text(), /This is a resumed session/);
    assert.deepEqual(events.filter((e) => e.type === 'connected').map((e) => e.name), [undefined, 'resumed']);
  } finally {
    await u.close();
  }
});
