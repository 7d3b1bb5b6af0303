// DTLS 1.2 with raw public keys (RFC 7250; TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, Ed25519 +
// X25519 and P-256 + secp256r1) against GnuTLS (../shared/INTEROP.md "GnuTLS: raw public
// keys"): our client ⇄ gnutls-serv --echo (loopback-only namespace), gnutls-cli ⇄ our
// server, which still speaks PSK to a PSK client. Keys are made by certtool. Fixed ports:
// 26000-26019 (Ed25519), 26301-26309 (P-256).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inLoopbackNamespace, needPeer, liveCapture } from '../helpers/peers';
import { createDtlsServer } from '../../transport/dtls/server';
import { serverCurves } from '../../transport/dtls/server-curves';
import type { DtlsEvent } from '../../transport/dtls/connection';
import { nodeCrypto } from '../../sim/node-crypto';
import { nodeRng, runOnUdp } from '../../sim/dtls-udp';

// our server's key types and groups (importing server.ts enables none)
serverCurves();

const P_RPK = 'NONE:+VERS-DTLS1.2:+ECDHE-ECDSA:+AES-128-CCM-8:+AEAD:+COMP-NULL:+GROUP-X25519:+GROUP-SECP256R1:+SIGN-EDDSA-ED25519:+SIGN-ECDSA-SHA256:+CTYPE-SRV-RAWPK:+CTYPE-CLI-RAWPK';
const P_PSK = 'NONE:+VERS-DTLS1.2:+AES-128-CCM-8:+AEAD:+PSK:+COMP-NULL:+SIGN-ALL:+GROUP-ALL';
const ID = 'lwm2m-client';
const PSK = '000102030405060708090a0b0c0d0e0f';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

/** Key pairs made by certtool: NAME.key (PEM) and NAME.pub.pem; Ed25519, or P-256 when the first name is 'p256'. */
function keys(...names: string[]) {
  const p256 = names[0] === 'p256';
  if (p256) names = names.slice(1);
  const dir = mkdtempSync(join(tmpdir(), 'rpk-keys-'));
  const out: Record<string, { key: string; pub: string; spki: Uint8Array; pkcs8: Uint8Array }> = {};
  for (const n of names) {
    const key = join(dir, n + '.key');
    const pub = join(dir, n + '.pub.pem');
    spawnSync('certtool', ['--generate-privkey', ...(p256 ? ['--key-type=ecdsa', '--curve=secp256r1'] : ['--key-type=ed25519']), '--outfile', key], { stdio: 'ignore' });
    spawnSync('certtool', ['--load-privkey', key, '--pubkey-info', '--outfile', pub], { stdio: 'ignore' });
    const priv = createPrivateKey(readFileSync(key));
    out[n] = {
      key, pub,
      spki: new Uint8Array(createPublicKey(readFileSync(pub)).export({ format: 'der', type: 'spki' })),
      pkcs8: new Uint8Array(priv.export({ format: 'der', type: 'pkcs8' })),
    };
  }
  return out;
}

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

/** gnutls-serv --echo with a raw public key inside a loopback-only namespace, and our RPK client (sim/dtls-rpk-client-cli.ts) in the same namespace. */
function ourClientVsGnutlsServ(port: number, server: { key: string; pub: string }, client: { key: string }, pin: string, priority = P_RPK) {
  return inLoopbackNamespace(`gnutls-serv --udp -p ${port} --echo -r --rawpkkeyfile ${server.key} --rawpkfile ${server.pub} --priority '${priority}'`, port,
    `node --import tsx sim/dtls-rpk-client-cli.ts 127.0.0.1 ${port} ${client.key} ${pin} hello-rpk 5000 hello-rpk`, 30000);
}

const havePeers = (t: Parameters<typeof needPeer>[0]) => needPeer(t, 'gnutls-serv', 'gnutls-bin') && needPeer(t, 'certtool', 'gnutls-bin') && needPeer(t, 'unshare', 'util-linux');

test('our RPK client ⇄ gnutls-serv -r (Ed25519 keys, server key pinned): handshake and echo', (t) => {
  if (!havePeers(t)) return;
  const k = keys('server', 'client');
  const r = ourClientVsGnutlsServ(26001, k.server, k.client, k.server.pub);
  assert.equal(r.status, 0, r.out);
  assert.deepEqual(r.lines, [{ event: 'connected' }, { data: 'hello-rpk' }]);
});

test('our RPK client ⇄ gnutls-serv: the session resumed by session ID from a new port: no Certificate, no ServerKeyExchange, no public-key work the second time', (t) => {
  if (!havePeers(t)) return;
  for (const curve of [[], ['p256']]) {
    const k = keys(...curve, 'server', 'client');
    const r = inLoopbackNamespace(`gnutls-serv --udp -p 26004 --echo -r --rawpkkeyfile ${k.server.key} --rawpkfile ${k.server.pub} --priority '${P_RPK}'`, 26004,
      `DTLS_RESUME=1 node --import tsx sim/dtls-rpk-client-cli.ts 127.0.0.1 26004 ${k.client.key} ${k.server.pub} hello-rpk 5000 hello-rpk`, 60000);
    assert.equal(r.status, 0, r.out);
    // Each message type once, in order of arrival: gnutls-serv retransmits its flight after 1 s,
    // and our client's public-key work runs a step per turn of Node's event loop (~1,500 turns of
    // at least 1 ms for P-256), so a full handshake may see the server's flight twice.
    const lines = r.lines.map((l: { got?: number[] }) => (l.got ? { ...l, got: [...new Set(l.got)] } : l));
    assert.deepEqual(lines, [
      { round: 1, event: 'connected' }, { round: 1, data: 'hello-rpk' },
      { round: 1, got: [3, 2, 11, 12, 13, 14] }, // HelloVerifyRequest, ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone
      { round: 2, event: 'connected', name: 'resumed' }, { round: 2, data: 'hello-rpk' },
      { round: 2, got: [3, 2] },
    ], `${curve.join('') || 'ed25519'}: ${r.out}`);
  }
});

test('our RPK client ⇄ gnutls-serv presenting another key than the pinned one: bad_certificate, the key named', (t) => {
  if (!havePeers(t)) return;
  const k = keys('server', 'client', 'other');
  const r = ourClientVsGnutlsServ(26002, k.server, k.client, k.other.pub);
  assert.equal(r.status, 1, r.out);
  const last = r.lines[r.lines.length - 1];
  assert.equal(last.name, 'bad_certificate');
  assert.equal(last.alert, 42);
  assert.match(last.message, new RegExp(hex(k.server.spki.subarray(12))));
});

test('our RPK client ⇄ gnutls-serv without +SIGN-ECDSA-SHA256 (empty certificate_types, INTEROP.md pitfall): a clear certificate_request error', (t) => {
  if (!havePeers(t)) return;
  const k = keys('server', 'client');
  const r = ourClientVsGnutlsServ(26003, k.server, k.client, k.server.pub, P_RPK.replace(':+SIGN-ECDSA-SHA256', ''));
  assert.equal(r.status, 1, r.out);
  const last = r.lines[r.lines.length - 1];
  assert.equal(last.name, 'certificate_request');
  assert.equal(last.alert, 40);
  assert.match(last.message, /empty certificate_types/);
});

async function ourServer(k: { spki: Uint8Array; pkcs8: Uint8Array }, trusted: Uint8Array[], events: DtlsEvent[], data: string[]) {
  return runOnUdp((socket) => {
    const ep = createDtlsServer({
      socket, crypto: nodeCrypto, rng: nodeRng,
      pskKey: (id) => (Buffer.from(id).toString() === ID ? new Uint8Array(Buffer.from(PSK, 'hex')) : null),
      rpk: { key: k.pkcs8, spki: k.spki, trust: (spki) => trusted.some((x) => hex(x) === hex(spki)) },
      onData: (d, peer) => { data.push(Buffer.from(d).toString()); ep.send(d, peer); },
      onEvent: (e) => events.push(e),
    });
    return ep;
  });
}

/** A tshark capture on one UDP port; stop() returns what the malformed/warning filter printed. */
async function capture(port: number) {
  const dir = mkdtempSync(join(tmpdir(), 'rpk-cap-'));
  const cap = join(dir, 'cap.pcapng');
  const ts = await liveCapture(`udp port ${port}`, cap);
  const tw = watch(ts);
  return {
    stop: async () => {
      await sleep(500);
      ts.kill('SIGINT');
      await tw.exited;
      const read = (extra: string[]) => spawnSync('tshark', ['-r', cap, '-d', `udp.port==${port},dtls`, ...extra], { encoding: 'utf8' });
      const bad = read(['-Y', '_ws.malformed || _ws.expert.severity >= "warning"']);
      const hs = read(['-Y', 'dtls.handshake', '-T', 'fields', '-e', 'dtls.handshake.type']);
      return { status: bad.status, stderr: bad.stderr, bad: bad.stdout.trim(), types: hs.stdout.trim().split('\n').join(',') };
    },
  };
}

test('gnutls-cli RPK ⇄ our server: Raw Public Key / ECDHE-X25519 / EdDSA-Ed25519 / AES-128-CCM-8, echo, identity = the client SPKI; tshark finds nothing malformed', async (t) => {
  if (!needPeer(t, 'gnutls-cli', 'gnutls-bin') || !needPeer(t, 'certtool', 'gnutls-bin') || !needPeer(t, 'tshark', 'tshark')) return;
  const k = keys('server', 'client');
  const events: DtlsEvent[] = [];
  const data: string[] = [];
  const u = await ourServer(k.server, [k.client.spki], events, data);
  const cap = await capture(u.port);
  const c = spawn('gnutls-cli', ['--udp', '127.0.0.1', '-p', String(u.port), '--insecure', '--rawpkkeyfile', k.client.key, '--rawpkfile', k.client.pub, '--priority', P_RPK], { stdio: ['pipe', 'pipe', 'pipe'] });
  const w = watch(c);
  try {
    await w.waitFor(/Handshake was completed/, 10000);
    c.stdin!.write('hello-from-gnutls-rpk\n');
    await w.waitFor(/- Simple Client Mode[\s\S]*hello-from-gnutls-rpk/, 5000);
    const s = Object.values(u.ep.s)[0];
    assert.equal(s.rpk, true);
    assert.equal(hex(s.identity!), hex(k.client.spki));
  } finally {
    c.stdin!.end();
    c.kill();
    await u.close();
  }
  assert.match(w.text(), /\(DTLS1\.2-Raw Public Key\)-\(ECDHE-X25519\)-\(EdDSA-Ed25519\)-\(AES-128-CCM-8\)/);
  assert.match(w.text(), /Successfully sent 1 certificate\(s\) to server/);
  assert.deepEqual(data, ['hello-from-gnutls-rpk\n']);
  assert.equal(events[0].type, 'connected');
  const r = await cap.stop();
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.bad, '', 'malformed packets or warnings:\n' + r.bad);
  // ClientHello, HelloVerifyRequest, ClientHello, then our flight 2/11/12/13/14 and the client's 11/16/15 (Finished is encrypted)
  assert.match(r.types, /2,11,12,13,14/);
  assert.match(r.types, /11,16,15/);
});

test('one server, both suites: gnutls-cli with PSK connects to the RPK-configured server; an untrusted RPK client is refused', async (t) => {
  if (!needPeer(t, 'gnutls-cli', 'gnutls-bin') || !needPeer(t, 'certtool', 'gnutls-bin')) return;
  const k = keys('server', 'client', 'stranger');
  const events: DtlsEvent[] = [];
  const data: string[] = [];
  const u = await ourServer(k.server, [k.client.spki], events, data);
  try {
    const psk = spawn('gnutls-cli', ['--udp', '127.0.0.1', '-p', String(u.port), '--pskusername', ID, '--pskkey', PSK, '--priority', P_PSK], { stdio: ['pipe', 'pipe', 'pipe'] });
    const pw = watch(psk);
    await pw.waitFor(/Handshake was completed/, 10000);
    psk.stdin!.write('hello-psk\n');
    await pw.waitFor(/- Simple Client Mode[\s\S]*hello-psk/, 5000);
    psk.stdin!.end();
    await pw.exited;
    assert.match(pw.text(), /\(DTLS1\.2-X\.509\)-\(PSK\)-\(AES-128-CCM-8\)/);
    const bad = spawn('gnutls-cli', ['--udp', '127.0.0.1', '-p', String(u.port), '--insecure', '--rawpkkeyfile', k.stranger.key, '--rawpkfile', k.stranger.pub, '--priority', P_RPK], { stdio: ['pipe', 'pipe', 'pipe'] });
    const bw = watch(bad);
    await bw.exited;
    assert.doesNotMatch(bw.text(), /Handshake was completed/);
    assert.match(bw.text(), /Access denied|access_denied|Error in the push function|alert/i);
  } finally {
    await u.close();
  }
  assert.deepEqual(data, ['hello-psk\n']);
  assert.deepEqual(events.map((e) => e.type + (e.name ? ':' + e.name : '')), ['connected', 'closed', 'error:rpk_not_trusted']);
});

// P-256 only, as Leshan and RFC 7925 §4.3 have it
const P_RPK256 = 'NONE:+VERS-DTLS1.2:+ECDHE-ECDSA:+AES-128-CCM-8:+AEAD:+COMP-NULL:+GROUP-SECP256R1:+SIGN-ECDSA-SHA256:+CTYPE-SRV-RAWPK:+CTYPE-CLI-RAWPK';

test('our P-256 RPK client ⇄ gnutls-serv -r with P-256 keys (ECDHE secp256r1, ECDSA-SHA256, server key pinned): handshake and echo', (t) => {
  if (!havePeers(t)) return;
  const k = keys('p256', 'server', 'client');
  assert.equal(k.server.spki.length, 91);
  const r = ourClientVsGnutlsServ(26301, k.server, k.client, k.server.pub, P_RPK256);
  assert.equal(r.status, 0, r.out);
  assert.deepEqual(r.lines, [{ event: 'connected' }, { data: 'hello-rpk' }]);
});

test('our P-256 RPK client ⇄ gnutls-serv with another P-256 key than the pinned one: bad_certificate (42)', (t) => {
  if (!havePeers(t)) return;
  const k = keys('p256', 'server', 'client', 'other');
  const r = ourClientVsGnutlsServ(26302, k.server, k.client, k.other.pub, P_RPK256);
  assert.equal(r.status, 1, r.out);
  const last = r.lines[r.lines.length - 1];
  assert.equal(last.name, 'bad_certificate');
  assert.equal(last.alert, 42);
  assert.match(last.message, new RegExp(hex(k.server.spki)));
});

test('gnutls-cli P-256 RPK ⇄ our server with a P-256 key: Raw Public Key / ECDHE-SECP256R1 / ECDSA-SHA256, echo, identity = the client SPKI; tshark finds nothing malformed', async (t) => {
  if (!needPeer(t, 'gnutls-cli', 'gnutls-bin') || !needPeer(t, 'certtool', 'gnutls-bin') || !needPeer(t, 'tshark', 'tshark')) return;
  const k = keys('p256', 'server', 'client', 'stranger');
  const events: DtlsEvent[] = [];
  const data: string[] = [];
  const u = await ourServer(k.server, [k.client.spki], events, data);
  const cap = await capture(u.port);
  const c = spawn('gnutls-cli', ['--udp', '127.0.0.1', '-p', String(u.port), '--insecure', '--rawpkkeyfile', k.client.key, '--rawpkfile', k.client.pub, '--priority', P_RPK256], { stdio: ['pipe', 'pipe', 'pipe'] });
  const w = watch(c);
  try {
    await w.waitFor(/Handshake was completed/, 10000);
    c.stdin!.write('hello-from-gnutls-p256\n');
    await w.waitFor(/- Simple Client Mode[\s\S]*hello-from-gnutls-p256/, 5000);
    const s = Object.values(u.ep.s)[0];
    assert.equal(s.rpk, true);
    assert.equal(hex(s.identity!), hex(k.client.spki));
    c.stdin!.end();
    await w.exited;
    // and a P-256 key the server does not trust is refused
    const bad = spawn('gnutls-cli', ['--udp', '127.0.0.1', '-p', String(u.port), '--insecure', '--rawpkkeyfile', k.stranger.key, '--rawpkfile', k.stranger.pub, '--priority', P_RPK256], { stdio: ['pipe', 'pipe', 'pipe'] });
    const bw = watch(bad);
    await bw.exited;
    assert.doesNotMatch(bw.text(), /Handshake was completed/);
  } finally {
    c.kill();
    await u.close();
  }
  assert.match(w.text(), /\(DTLS1\.2-Raw Public Key\)-\(ECDHE-SECP256R1\)-\(ECDSA-SHA256\)-\(AES-128-CCM-8\)/);
  assert.match(w.text(), /Successfully sent 1 certificate\(s\) to server/);
  assert.deepEqual(data, ['hello-from-gnutls-p256\n']);
  assert.deepEqual(events.map((e) => e.type + (e.name ? ':' + e.name : '')), ['connected', 'closed', 'error:rpk_not_trusted']);
  const r = await cap.stop();
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.bad, '', 'malformed packets or warnings:\n' + r.bad);
  assert.match(r.types, /2,11,12,13,14/);
  assert.match(r.types, /11,16,15/);
});
