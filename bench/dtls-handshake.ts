// npm run bench:dtls — one full DTLS 1.2 PSK handshake (TLS_PSK_WITH_AES_128_CCM_8,
// with HelloVerifyRequest and a PSK identity hint) between our client and our server in
// memory, then one 64-byte record each way. Prints datagrams and bytes each way, CPU
// time in Node per backend, and the client's crypto work: native calls, AES blocks and
// SHA-256 compressions (what dominates on the board, where a native call is cheap and a
// JS loop is ~200x slower than in Node).
import { createDtlsClient, type RpkCredentials } from '../transport/dtls/client';
import { enableRpk, rpkGroups, rpkSigs } from '../transport/dtls/rpk';
import { ec, ed25519Sig, x25519Group } from '../transport/dtls/rpk-ed25519';
import { ed25519Keys } from '../test/helpers/dtls-net';
import { createDtlsServer } from '../transport/dtls/server';
import type { CryptoBackend, Peer } from '../transport/ports';
import { jsCrypto } from '../transport/crypto/js-backend';
import { nodeCrypto } from '../sim/node-crypto';

interface Counts {
  shaCalls: number;
  shaBlocks: number;
  aesCalls: number;
  aesBlocks: number;
}

function counting(c: CryptoBackend, n: Counts): CryptoBackend {
  return {
    sha256: (d) => {
      n.shaCalls++;
      n.shaBlocks += Math.floor((d.length + 8) / 64) + 1; // FIPS 180-4 padding: +1 byte, +8 length
      return c.sha256(d);
    },
    aes128EcbEncrypt: (k, d) => {
      n.aesCalls++;
      n.aesBlocks += d.length / 16;
      return c.aes128EcbEncrypt(k, d);
    },
    aes128CbcEncrypt: (k, iv, d) => {
      n.aesCalls++;
      n.aesBlocks += d.length / 16;
      return c.aes128CbcEncrypt(k, iv, d);
    },
  };
}

const CLIENT: Peer = { address: '10.0.0.2', port: 40000 };
const SERVER: Peer = { address: '10.0.0.1', port: 5684 };
let seed = 12345;
const rng = { fill: (b: Uint8Array) => { for (let i = 0; i < b.length; i++) { seed = (seed * 1103515245 + 12345) >>> 0; b[i] = seed >>> 24; } } };

const counts: Counts = { shaCalls: 0, shaBlocks: 0, aesCalls: 0, aesBlocks: 0 };
let atConnect: Counts = { ...counts };

enableRpk();
// the Ed25519 build's types only
rpkSigs.splice(0, rpkSigs.length, ed25519Sig);
rpkGroups.splice(0, rpkGroups.length, x25519Group);
const RC = ed25519Keys(1);
const RS = ed25519Keys(2);

/** `rpk`: raw public keys (Ed25519 + X25519, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8) instead of the PSK. */
function handshake(clientCrypto: CryptoBackend, serverCrypto: CryptoBackend, rpk = false) {
  const creds: RpkCredentials = { key: RC.seed, spki: RC.spki, serverSpki: RS.spki };
  let up = false;
  const connected = () => up;
  const q: { to: 'c' | 's'; d: Uint8Array }[] = [];
  const wire = { c2s: { n: 0, bytes: 0 }, s2c: { n: 0, bytes: 0 } };
  let got = 0;
  const client = createDtlsClient({
    socket: { send: (d) => { wire.c2s.n++; wire.c2s.bytes += d.length; q.push({ to: 's', d: new Uint8Array(d) }); } },
    crypto: clientCrypto, rng,
    psk: () => ({ identity: new Uint8Array(Buffer.from('lwm2m-client')), key: new Uint8Array(16).fill(1) }),
    rpk: rpk ? () => creds : undefined,
    onData: () => got++,
    onEvent: (e) => { if (e.type === 'connected') up = true; },
  });
  const server = createDtlsServer({
    socket: { send: (d) => { wire.s2c.n++; wire.s2c.bytes += d.length; q.push({ to: 'c', d: new Uint8Array(d) }); } },
    crypto: serverCrypto, rng, hint: new Uint8Array(Buffer.from('myhint')),
    pskKey: () => new Uint8Array(16).fill(1),
    rpk: { key: RS.seed, spki: RS.spki, trust: () => true },
    onData: (d, p) => { got++; server.send(d, p); },
  });
  client.connect(SERVER);
  let hs: typeof wire | null = null;
  for (let i = 0; i < 100 && (q.length || !connected()); i++) {
    const m = q.shift();
    if (!m) break;
    if (m.to === 's') server.receive(m.d, CLIENT);
    else client.receive(m.d, SERVER);
    if (!hs && connected()) {
      hs = JSON.parse(JSON.stringify(wire));
      atConnect = { ...counts };
    }
  }
  if (!connected()) throw new Error('handshake did not complete');
  client.send(new Uint8Array(64), SERVER);
  while (q.length) {
    const m = q.shift()!;
    if (m.to === 's') server.receive(m.d, CLIENT);
    else client.receive(m.d, SERVER);
  }
  if (got !== 2) throw new Error('data did not round-trip');
  return hs!;
}

function cpu(fn: () => void, n: number): number {
  for (let i = 0; i < 5; i++) fn(); // warm up
  const t = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const u = process.cpuUsage(t);
  return (u.user + u.system) / 1000 / n;
}

const w = handshake(counting(nodeCrypto, counts), nodeCrypto);

console.log('DTLS 1.2 PSK handshake, TLS_PSK_WITH_AES_128_CCM_8, HelloVerifyRequest + identity hint, then 64 B each way');
console.log('');
console.log('wire (handshake only, until the client verified the server Finished):');
console.log(`  client -> server: ${w.c2s.n} datagrams, ${w.c2s.bytes} bytes`);
console.log(`  server -> client: ${w.s2c.n} datagrams, ${w.s2c.bytes} bytes`);
console.log('');
const h = atConnect;
console.log('client crypto work, handshake (PRF, Finished, CCM of its Finished and the server\'s):');
console.log(`  SHA-256: ${h.shaCalls} native calls, ${h.shaBlocks} compression-function blocks`);
console.log(`  AES-128: ${h.aesCalls} native calls (ECB keystream / CBC-MAC), ${h.aesBlocks} block encryptions`);
console.log('client crypto work, then one 64-byte record sent and one received:');
console.log(`  SHA-256: ${counts.shaCalls - h.shaCalls} calls; AES-128: ${counts.aesCalls - h.aesCalls} calls, ${counts.aesBlocks - h.aesBlocks} block encryptions`);
console.log('');
const N = 200;
console.log(`CPU time in Node ${process.version}, one handshake + 64 B each way, both sides (mean of ${N}):`);
console.log(`  node:crypto backend both sides:   ${cpu(() => handshake(nodeCrypto, nodeCrypto), N).toFixed(3)} ms`);
console.log(`  pure-JS backend both sides:       ${cpu(() => handshake(jsCrypto, jsCrypto), N).toFixed(3)} ms`);
console.log(`  client pure JS, server node:      ${cpu(() => handshake(jsCrypto, nodeCrypto), N).toFixed(3)} ms`);

console.log('');
console.log('DTLS 1.2 raw public keys (RFC 7250), TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, Ed25519 + X25519 (tweetnacl), mutual authentication');
const ops: Record<string, number> = { x25519Base: 0, x25519: 0, sign: 0, verify: 0 };
const orig = { ...ec };
for (const k of Object.keys(ops) as (keyof typeof ec)[]) {
  (ec as Record<string, unknown>)[k] = (...a: unknown[]) => { ops[k]++; return (orig[k] as (...x: unknown[]) => unknown)(...a); };
}
const rw = handshake(nodeCrypto, nodeCrypto, true);
Object.assign(ec, orig);
console.log(`  client -> server: ${rw.c2s.n} datagrams, ${rw.c2s.bytes} bytes; server -> client: ${rw.s2c.n} datagrams, ${rw.s2c.bytes} bytes`);
console.log(`  public-key operations, both sides: X25519 ${ops.x25519Base} key pairs + ${ops.x25519} shared secrets, Ed25519 ${ops.sign} signatures + ${ops.verify} verifications`);
const t1 = (f: () => void) => { const t = process.cpuUsage(); f(); const u = process.cpuUsage(t); return (u.user + u.system) / 1000; };
const one = { x25519: t1(() => { for (let i = 0; i < 20; i++) ec.x25519Base(RC.seed); }) / 20, sign: t1(() => { for (let i = 0; i < 20; i++) ec.sign(new Uint8Array(600), RC.seed, RC.pub); }) / 20 };
const sig = ec.sign(new Uint8Array(600), RC.seed, RC.pub);
const ver = t1(() => { for (let i = 0; i < 20; i++) ec.verify(new Uint8Array(600), sig, RC.pub); }) / 20;
console.log(`  tweetnacl (nacl-fast) in Node ${process.version}: X25519 ${one.x25519.toFixed(2)} ms, Ed25519 sign (600 B) ${one.sign.toFixed(2)} ms, verify ${ver.toFixed(2)} ms`);
const M = 20;
console.log(`  CPU time, one RPK handshake + 64 B each way, both sides, SHA-256/AES on node:crypto and X25519/Ed25519 on tweetnacl (mean of ${M}): ${cpu(() => handshake(nodeCrypto, nodeCrypto, true), M).toFixed(2)} ms`);
console.log('  (on the board: npm run bench:rpk-espruino times one in Espruino itself)');
