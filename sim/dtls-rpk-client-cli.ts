// A one-shot DTLS client with raw public keys (RFC 7250, P-256 or Ed25519) on our stack, for
// interop runs inside a network namespace:
//   tsx sim/dtls-rpk-client-cli.ts HOST PORT KEY.pem SERVER_PUB.pem|- MESSAGE [TIMEOUT_MS] [EXPECT]
// KEY.pem: our P-256 or Ed25519 private key (PEM, as certtool or openssl write it);
// SERVER_PUB.pem: the server's public key to pin, or - to accept any. Prints one JSON
// line per event; exits 0 once it received a datagram (containing EXPECT, when given),
// 1 on an error or timeout (sim/dtls-echo-client.ts).
import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { enableP256 } from '../transport/dtls/rpk-p256';
import * as P256Lib from '../transport/crypto/p256-lib';
import { enableEd25519 } from '../transport/dtls/rpk-ed25519';
import { echoArgs, echoClient } from './dtls-echo-client';

const a = echoArgs('dtls-rpk-client-cli HOST PORT KEY.pem SERVER_PUB.pem|- MESSAGE [TIMEOUT_MS] [EXPECT]');
const [keyFile, serverPub] = a.cred;
// both key types and groups (the key files say which ours is)
enableP256(() => P256Lib);
enableEd25519();
const priv = createPrivateKey(readFileSync(keyFile));
const key = new Uint8Array(priv.export({ format: 'der', type: 'pkcs8' }));
const spki = new Uint8Array(createPublicKey(priv).export({ format: 'der', type: 'spki' }));
const pin = serverPub === '-' ? null : new Uint8Array(createPublicKey(readFileSync(serverPub)).export({ format: 'der', type: 'spki' }));
await echoClient(a, { psk: () => null, rpk: () => ({ key, spki, serverSpki: pin }) });
