// A one-shot DTLS-PSK client on our stack, for interop runs inside a network namespace:
//   tsx sim/dtls-client-cli.ts HOST PORT IDENTITY HEXKEY MESSAGE [TIMEOUT_MS] [EXPECT]
// Sends MESSAGE after the handshake; prints one JSON line per event; exits 0 once it
// received a datagram (containing EXPECT, when given), 1 on an error or timeout
// (sim/dtls-echo-client.ts).
import { echoArgs, echoClient } from './dtls-echo-client';

const a = echoArgs('dtls-client-cli HOST PORT IDENTITY HEXKEY MESSAGE [TIMEOUT_MS] [EXPECT]');
const [identity, hexKey] = a.cred;
await echoClient(a, {
  psk: () => ({ identity: new Uint8Array(Buffer.from(identity)), key: new Uint8Array(Buffer.from(hexKey, 'hex')) }),
});
