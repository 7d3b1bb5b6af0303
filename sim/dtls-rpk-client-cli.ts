// A one-shot DTLS client with raw public keys (RFC 7250, P-256 or Ed25519) on our stack, for
// interop runs inside a network namespace:
//   tsx sim/dtls-rpk-client-cli.ts HOST PORT KEY.pem SERVER_PUB.pem|- MESSAGE [TIMEOUT_MS] [EXPECT]
// KEY.pem: our P-256 or Ed25519 private key (PEM, as certtool or openssl write it);
// SERVER_PUB.pem: the server's public key to pin, or - to accept any. Prints one JSON
// line per event; exits 0 once it received a datagram (containing EXPECT, when given),
// 1 on an error or timeout.
import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { createDtlsClient } from '../transport/dtls/client';
import { enableP256 } from '../transport/dtls/rpk-p256';
import { enableEd25519 } from '../transport/dtls/rpk-ed25519';
import { nodeCrypto } from './node-crypto';
import { nodeRng, runOnUdp } from './dtls-udp';

const [host, portS, keyFile, serverPub, message, timeoutS, expect] = process.argv.slice(2);
if (!host || !portS || !keyFile || !serverPub || message === undefined) {
  console.error('usage: dtls-rpk-client-cli HOST PORT KEY.pem SERVER_PUB.pem|- MESSAGE [TIMEOUT_MS] [EXPECT]');
  process.exit(2);
}
// both key types and groups (the key files say which ours is)
enableP256();
enableEd25519();
const priv = createPrivateKey(readFileSync(keyFile));
const key = new Uint8Array(priv.export({ format: 'der', type: 'pkcs8' }));
const spki = new Uint8Array(createPublicKey(priv).export({ format: 'der', type: 'spki' }));
const pin = serverPub === '-' ? null : new Uint8Array(createPublicKey(readFileSync(serverPub)).export({ format: 'der', type: 'spki' }));
const peer = { address: host, port: Number(portS) };
const timeout = Number(timeoutS || 10000);
const out = (o: object) => console.log(JSON.stringify(o));
let received = '';
const u = await runOnUdp((socket) =>
  createDtlsClient({
    socket,
    crypto: nodeCrypto,
    rng: nodeRng,
    psk: () => null,
    rpk: () => ({ key, spki, serverSpki: pin }),
    handshakeTimeout: timeout,
    onData: (d) => {
      received += Buffer.from(d).toString();
      out({ data: Buffer.from(d).toString() });
      if (!expect || received.includes(expect)) finish(0);
    },
    onEvent: (e) => {
      out({ event: e.type, name: e.name, alert: e.alert, message: e.message });
      if (e.type === 'error') finish(1);
    },
  }),
);
u.ep.send(new Uint8Array(Buffer.from(message)), peer);
u.kick();
const guard = setTimeout(() => {
  out({ event: 'error', name: 'cli_timeout' });
  finish(1);
}, timeout + 5000);
async function finish(code: number) {
  clearTimeout(guard);
  u.ep.close(peer);
  await u.close();
  process.exit(code);
}
