// One DTLS-RPK handshake of a bundle's client (in the stripped vm) against our server in
// Node, recorded: the client's Rng is a fixed byte stream, so Espruino's client running the
// same bundle sends the same datagrams and can be answered with the server's recorded ones
// (bench/dtls-rpk-espruino.ts, test/espruino/rpk-sliced.test.ts). The client is driven as
// the board's scheduler drives it: receive, then poll while it asks to be polled at once
// (its public-key work runs a step per poll).
import { randomFillSync } from 'node:crypto';
import { loadFirmware } from '../../sim/espruino-vm';
import { espruinoCryptoModule } from '../../sim/espruino-crypto';
import { createDtlsServer } from '../../transport/dtls/server';
import { serverCurves } from '../../transport/dtls/server-curves';
import { nodeCrypto } from '../../sim/node-crypto';
import { ed25519Keys, p256Keys } from './dtls-net';

/** The client's Rng: the same fixed stream in Node and in Espruino (a test, not security). */
export const RNG_SRC = 'var rc = 0; var rng = { fill: function (u) { for (var i = 0; i < u.length; i++) u[i] = (rc++ * 37 + 11) & 255; } };';

const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

export interface RpkRecording {
  /** Per round trip: the client's datagrams (hex) and the server's answers to them. */
  rounds: { client: string[]; server: string[] }[];
  /** The client's credentials (hex): PKCS#8 key, SPKI, the server's SPKI it pins. */
  creds: { key: string; spki: string; pin: string };
  /** Polls that asked to be polled again at once in Node, until connected (public-key steps, the yields after messages, continuations). */
  steps: number;
  /** Ed25519 build: the work units of those steps (LwM2M.rpk.c25519LastCost after each), in all and the largest; 0 in the P-256 build. */
  units: number;
  maxUnits: number;
}

/** Records the handshake of `bundle`'s client (keys p256Keys/ed25519Keys 4, server 5). */
export function recordRpkHandshake(bundle: string, ed: boolean): RpkRecording {
  const C = ed ? ed25519Keys(4) : p256Keys(4);
  const S = ed ? ed25519Keys(5) : p256Keys(5);
  const SERVER = { address: '10.0.0.1', port: 5684 };
  const CLIENT = { address: '10.0.0.2', port: 40000 };
  const { ctx } = loadFirmware(bundle, { modules: { crypto: espruinoCryptoModule().mod } });
  try {
    ctx.run(RNG_SRC);
    const bytes = ctx.run('(function (h) { return LwM2M.fromHex(h); })') as (h: string) => Uint8Array;
    let out: string[] = [];
    const g = ctx.context as Record<string, unknown>;
    g.hostSend = (d: Uint8Array) => { out.push(hex(d)); };
    g.creds = { key: bytes(hex(C.pkcs8)), spki: bytes(hex(C.spki)), serverSpki: bytes(hex(S.spki)) };
    const client = ctx.run(`LwM2M.dtls.createDtlsClient({ socket: { send: function (d, p) { hostSend(d); } }, crypto: LwM2M.crypto.espruinoCrypto(require('crypto')), rng: rng,
      psk: function () { return null; }, rpk: function () { return creds; }, onData: function () {}, onEvent: function (e) { lastEvent = e.type; } })`) as
      { connect(p: unknown): void; receive(d: Uint8Array, p: unknown): void; poll(now: number): number };
    let answers: string[] = [];
    serverCurves();
    const server = createDtlsServer({
      socket: { send: (d) => { answers.push(hex(d)); } },
      crypto: nodeCrypto, rng: { fill: (u) => void randomFillSync(u) }, pskKey: () => null,
      rpk: { key: S.pkcs8, spki: S.spki, trust: () => true }, onData: () => {},
    });
    let steps = 0, units = 0, maxUnits = 0;
    const cost = ctx.run('LwM2M.rpk.c25519LastCost || function () { return 0; }') as () => number;
    // until connected: the polls after it make the next key pair (rpk.ts precompute), no part of this handshake
    const connected = () => ctx.run('typeof lastEvent !== "undefined" && lastEvent === "connected"');
    const settle = (count = true) => {
      while (!connected() && client.poll(0) === 0) {
        if (!count) continue;
        steps++;
        units += cost();
        maxUnits = Math.max(maxUnits, cost());
      }
    };
    const rounds: RpkRecording['rounds'] = [];
    // polled before it connects, as the board's scheduler polls an endpoint once it is added:
    // the idle polls make the next ephemeral key pair then (rpk.ts precompute), which draws from the Rng first;
    // that work is before the handshake and not counted in it
    settle(false);
    client.connect(SERVER);
    settle();
    for (let i = 0; i < 10 && out.length; i++) {
      const sent = out;
      out = [];
      answers = [];
      for (const d of sent) server.receive(Buffer.from(d, 'hex'), CLIENT);
      rounds.push({ client: sent, server: answers });
      for (const d of answers) {
        client.receive(bytes(d), SERVER);
        settle();
      }
    }
    if (ctx.run('typeof lastEvent === "undefined" ? "" : lastEvent') !== 'connected') throw new Error('the recorded handshake did not complete');
    return { rounds, creds: { key: hex(C.pkcs8), spki: hex(C.spki), pin: hex(S.spki) }, steps, units, maxUnits };
  } finally {
    ctx.stop();
  }
}
