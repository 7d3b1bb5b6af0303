// The run-and-echo half of the one-shot DTLS client CLIs (sim/dtls-client-cli.ts for PSK,
// sim/dtls-rpk-client-cli.ts for raw public keys), for interop runs inside a network
// namespace. Command line: HOST PORT CRED1 CRED2 MESSAGE [TIMEOUT_MS] [EXPECT], the two
// credential arguments being the CLI's own. Sends MESSAGE after the handshake; prints one
// JSON line per event; exits 0 once it received a datagram (containing EXPECT, when
// given), 1 on an error or timeout.
import { createDtlsClient, type DtlsClientOptions } from '../transport/dtls/client';
import { nodeCrypto } from './node-crypto';
import { nodeRng, runOnUdp } from './dtls-udp';

export interface EchoArgs {
  host: string;
  port: number;
  /** The two credential arguments, as given. */
  cred: [string, string];
  message: string;
  timeout: number;
  expect?: string;
}

/** The command line; exits 2 with `usage` when a required argument is missing. */
export function echoArgs(usage: string): EchoArgs {
  const [host, portS, c1, c2, message, timeoutS, expect] = process.argv.slice(2);
  if (!host || !portS || !c1 || !c2 || message === undefined) {
    console.error('usage: ' + usage);
    process.exit(2);
  }
  return { host, port: Number(portS), cred: [c1, c2], message, timeout: Number(timeoutS || 10000), expect };
}

/** Handshakes with `creds` (PSK, or RPK with the suite enabled), sends the message, exits as the header says. */
export async function echoClient(a: EchoArgs, creds: Pick<DtlsClientOptions, 'psk' | 'rpk'>): Promise<void> {
  const peer = { address: a.host, port: a.port };
  const out = (o: object) => console.log(JSON.stringify(o));
  let received = '';
  const u = await runOnUdp((socket) =>
    createDtlsClient({
      socket,
      crypto: nodeCrypto,
      rng: nodeRng,
      ...creds,
      handshakeTimeout: a.timeout,
      onData: (d) => {
        received += Buffer.from(d).toString();
        out({ data: Buffer.from(d).toString() });
        if (!a.expect || received.includes(a.expect)) finish(0);
      },
      onEvent: (e) => {
        out({ event: e.type, name: e.name, alert: e.alert, message: e.message });
        if (e.type === 'error') finish(1);
      },
    }),
  );
  u.ep.send(new Uint8Array(Buffer.from(a.message)), peer);
  u.kick();
  const guard = setTimeout(() => {
    out({ event: 'error', name: 'cli_timeout' });
    finish(1);
  }, a.timeout + 5000);
  async function finish(code: number) {
    clearTimeout(guard);
    u.ep.close(peer);
    await u.close();
    process.exit(code);
  }
}
