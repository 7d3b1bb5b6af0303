// An in-memory datagram network and a fake clock for DTLS endpoints: deterministic,
// with hooks to drop, duplicate, reorder or rewrite datagrams.
import type { Peer, Rng } from '../../transport/ports';
import { createECDH, createPrivateKey, createPublicKey } from 'node:crypto';
import { createDtlsClient, type PskCredentials, type RpkCredentials } from '../../transport/dtls/client';
import { createDtlsServer, type DtlsServerRpk } from '../../transport/dtls/server';
import type { DtlsEndpoint, DtlsEvent } from '../../transport/dtls/connection';
import type { CryptoBackend } from '../../transport/ports';
import { nodeCrypto } from '../../sim/node-crypto';

import { seededRng } from '../../sim/node-ports';
export { seededRng };

export const CLIENT: Peer = { address: '10.0.0.2', port: 40000 };
export const SERVER: Peer = { address: '10.0.0.1', port: 5684 };
export const IDENTITY = new Uint8Array(Buffer.from('lwm2m-client'));
export const KEY = new Uint8Array(Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'));

export interface Datagram {
  from: Peer;
  to: Peer;
  data: Uint8Array;
}

export interface Pair {
  client: DtlsEndpoint & { connect(p: Peer): void };
  server: DtlsEndpoint;
  now: number;
  /** Every datagram put on the wire, in order. */
  wire: Datagram[];
  inFlight: Datagram[];
  clientEvents: DtlsEvent[];
  serverEvents: DtlsEvent[];
  clientData: string[];
  serverData: string[];
  /** Decide the fate of each datagram: return the datagrams to deliver instead (none = lost). */
  filter: (d: Datagram, index: number) => Datagram[];
  /** Deliver everything in flight, poll, advance the clock to the next deadline; up to `until` ms. */
  run(until: number): void;
  /** The client's source address as the server sees it (default CLIENT): change it to model a NAT rebinding or a new address. */
  clientAddr: Peer;
}

export interface PairOptions {
  seed?: number;
  clientKey?: Uint8Array;
  clientIdentity?: Uint8Array;
  serverKeys?: Record<string, Uint8Array>;
  hint?: Uint8Array;
  handshakeTimeout?: number;
  retransmitInitial?: number;
  retransmitMax?: number;
  crypto?: CryptoBackend;
  clientCrypto?: CryptoBackend;
  serverEcho?: boolean;
  /** Raw public keys for the client (needs enableRpk()); absent = PSK. */
  clientRpk?: RpkCredentials | null;
  serverRpk?: DtlsServerRpk;
  /** Deliver with input() instead of receive(): an exception inside an endpoint fails the test instead of being swallowed. */
  strict?: boolean;
  /** The server's session cache for resumption (DtlsServerOptions.resumable / resumeLifetime). */
  resumable?: number;
  resumeLifetime?: number;
  /** The server gives Connection IDs (RFC 9146): the client's protected records are then tls12_cid records. Off by default here, so record shapes read as before. */
  cid?: boolean;
  /** The client's host idleness (DtlsClientOptions.idle). */
  idle?: () => number;
}

/** An Ed25519 key pair from a fixed seed, derived by node:crypto (independently of tweetnacl). */
export function ed25519Keys(seedByte: number) {
  const seed = new Uint8Array(32).map((_, i) => (seedByte * 31 + i * 7) & 255);
  const pkcs8 = new Uint8Array(Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]));
  const spki = new Uint8Array(createPublicKey(createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' }));
  return { seed, pkcs8, spki, pub: spki.subarray(12) };
}

/**
 * A fixed P-256 key pair, its public point from node:crypto (not our code): d, the point
 * 04‖X‖Y, the SPKI (RFC 5480) and PKCS#8 as Leshan writes it (no public key), and the SEC 1
 * ECPrivateKey and PKCS#8 openssl writes (with the public key).
 */
export function p256Keys(seedByte: number) {
  const d = new Uint8Array(32).map((_, i) => (seedByte * 29 + i * 11 + 1) & 255);
  d[0] = 0x3f; // below n
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(d));
  const point = new Uint8Array(ecdh.getPublicKey());
  const spki = new Uint8Array(Buffer.concat([Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), point]));
  const pkcs8 = new Uint8Array(Buffer.concat([Buffer.from('3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420', 'hex'), d]));
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64url');
  const key = createPrivateKey({ key: { kty: 'EC', crv: 'P-256', d: b64(d), x: b64(point.subarray(1, 33)), y: b64(point.subarray(33)) }, format: 'jwk' });
  const sec1 = new Uint8Array(key.export({ format: 'der', type: 'sec1' }));
  const pkcs8Full = new Uint8Array(key.export({ format: 'der', type: 'pkcs8' }));
  return { d, point, spki, pkcs8, sec1, pkcs8Full, key, pub: createPublicKey(key) };
}

export function makePair(o: PairOptions = {}): Pair {
  const rng = seededRng(o.seed ?? 1);
  const c = o.crypto || nodeCrypto;
  const p: Pair = {
    now: 0, wire: [], inFlight: [], clientAddr: CLIENT, clientEvents: [], serverEvents: [], clientData: [], serverData: [],
    filter: (d: Datagram) => [d],
    run: (until: number) => run(p, until, !!o.strict),
  } as unknown as Pair;
  let count = 0;
  const put = (d: Datagram) => {
    p.wire.push(d);
    for (const x of p.filter(d, count++)) p.inFlight.push(x);
  };
  const creds: PskCredentials = { identity: o.clientIdentity || IDENTITY, key: o.clientKey || KEY };
  p.client = createDtlsClient({
    socket: { send: (data, to) => put({ from: p.clientAddr, to, data: new Uint8Array(data) }) },
    crypto: o.clientCrypto || c,
    rng,
    psk: () => creds,
    rpk: o.clientRpk ? () => o.clientRpk! : undefined,
    onData: (d) => p.clientData.push(Buffer.from(d).toString()),
    onEvent: (e) => p.clientEvents.push(e),
    handshakeTimeout: o.handshakeTimeout,
    retransmitInitial: o.retransmitInitial,
    retransmitMax: o.retransmitMax,
    ...(o.idle ? { idle: o.idle } : {}),
  });
  const keys = o.serverKeys || { 'lwm2m-client': KEY };
  p.server = createDtlsServer({
    socket: { send: (data, to) => put({ from: SERVER, to, data: new Uint8Array(data) }) },
    crypto: c,
    rng,
    pskKey: (id) => keys[Buffer.from(id).toString()] || null,
    hint: o.hint,
    rpk: o.serverRpk,
    onData: (d, peer) => {
      p.serverData.push(Buffer.from(d).toString());
      if (o.serverEcho) p.server.send(d, peer);
    },
    onEvent: (e) => p.serverEvents.push(e),
    handshakeTimeout: o.handshakeTimeout,
    retransmitInitial: o.retransmitInitial,
    resumable: o.resumable,
    resumeLifetime: o.resumeLifetime,
    connectionId: !!o.cid,
  });
  return p;
}

function run(p: Pair, until: number, strict: boolean): void {
  for (let guard = 0; guard < 100000; guard++) {
    while (p.inFlight.length) {
      const d = p.inFlight.shift()!;
      const ep = d.to.port === SERVER.port && d.to.address === SERVER.address ? p.server : p.client;
      if (strict) ep.input(d.data, d.from);
      else ep.receive(d.data, d.from);
    }
    const a = p.client.poll(p.now);
    const b = p.server.poll(p.now);
    if (p.inFlight.length) continue;
    const next = [a, b].filter((x) => x >= 0).reduce((m, x) => Math.min(m, x), Infinity);
    if (next === Infinity || next > until) {
      p.now = until;
      p.client.poll(p.now);
      p.server.poll(p.now);
      if (!p.inFlight.length) return;
      continue;
    }
    p.now = Math.max(p.now, next);
  }
  throw new Error('network did not settle');
}
