// A one-shot DTLS-PSK client on our stack, for interop runs inside a network namespace:
//   tsx sim/dtls-client-cli.ts HOST PORT IDENTITY HEXKEY MESSAGE [TIMEOUT_MS] [EXPECT]
// Sends MESSAGE after the handshake; prints one JSON line per event; exits 0 once it
// received a datagram (containing EXPECT, when given), 1 on an error or timeout.
import { createDtlsClient } from '../transport/dtls/client';
import { nodeCrypto } from './node-crypto';
import { nodeRng, runOnUdp } from './dtls-udp';

const [host, portS, identity, hexKey, message, timeoutS, expect] = process.argv.slice(2);
if (!host || !portS || !identity || !hexKey || message === undefined) {
  console.error('usage: dtls-client-cli HOST PORT IDENTITY HEXKEY MESSAGE [TIMEOUT_MS] [EXPECT]');
  process.exit(2);
}
const peer = { address: host, port: Number(portS) };
const timeout = Number(timeoutS || 10000);
const out = (o: object) => console.log(JSON.stringify(o));
let received = '';
const u = await runOnUdp((socket) =>
  createDtlsClient({
    socket,
    crypto: nodeCrypto,
    rng: nodeRng,
    psk: () => ({ identity: new Uint8Array(Buffer.from(identity)), key: new Uint8Array(Buffer.from(hexKey, 'hex')) }),
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
