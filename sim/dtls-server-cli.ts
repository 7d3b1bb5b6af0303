// A DTLS-PSK echo server on our stack, for interop runs:
//   tsx sim/dtls-server-cli.ts PORT IDENTITY HEXKEY [HINT]
// Prints one JSON line per event and per datagram received, echoes every datagram back.
import { createDtlsServer } from '../transport/dtls/server';
import { nodeCrypto } from './node-crypto';
import { nodeRng, runOnUdp } from './dtls-udp';

const [portS, identity, hexKey, hint] = process.argv.slice(2);
if (!portS || !identity || !hexKey) {
  console.error('usage: dtls-server-cli PORT IDENTITY HEXKEY [HINT]');
  process.exit(2);
}
const out = (o: object) => console.log(JSON.stringify(o));
const u = await runOnUdp(
  (socket) => {
    const ep = createDtlsServer({
      socket,
      crypto: nodeCrypto,
      rng: nodeRng,
      hint: hint ? new Uint8Array(Buffer.from(hint)) : undefined,
      pskKey: (id) => (Buffer.from(id).toString() === identity ? new Uint8Array(Buffer.from(hexKey, 'hex')) : null),
      onData: (d, peer) => {
        out({ data: Buffer.from(d).toString(), peer: `${peer.address}:${peer.port}` });
        ep.send(d, peer);
      },
      onEvent: (e) => out({ event: e.type, name: e.name, alert: e.alert, message: e.message }),
    });
    return ep;
  },
  Number(portS),
);
out({ listening: u.port });
process.on('SIGTERM', () => u.close().then(() => process.exit(0)));
