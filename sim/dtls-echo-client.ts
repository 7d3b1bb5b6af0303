// The run-and-echo half of the one-shot DTLS client CLIs (sim/dtls-client-cli.ts for PSK,
// sim/dtls-rpk-client-cli.ts for raw public keys), for interop runs inside a network
// namespace. Command line: HOST PORT CRED1 CRED2 MESSAGE [TIMEOUT_MS] [EXPECT], the two
// credential arguments being the CLI's own. Sends MESSAGE after the handshake; prints one
// JSON line per event; exits 0 once it received a datagram (containing EXPECT, when
// given), 1 on an error or timeout.
import { createDtlsClient, type DtlsClientOptions } from '../transport/dtls/client';
import { nodeCrypto } from './node-crypto';
import { nodeRng, runOnUdp } from './dtls-udp';
import { parseRecords } from '../transport/dtls/record';
import { parseFragments } from '../transport/dtls/handshake';

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

/**
 * Handshakes with `creds` (PSK, or RPK with the suite enabled), sends the message, exits as the header says.
 * With DTLS_RESUME=1 in the environment it does it twice: the second time from a new UDP port (a new
 * address, as after a reboot) offering the first session for resumption; each round prints the
 * handshake message types it received in plaintext ({"round":N,"got":[…]}), for the wire check.
 */
export async function echoClient(a: EchoArgs, creds: Pick<DtlsClientOptions, 'psk' | 'rpk'>): Promise<void> {
  const rounds = process.env.DTLS_RESUME === '1' ? 2 : 1;
  let ses: Uint8Array | undefined;
  for (let round = 1; round <= rounds; round++) {
    const r = await echoRound(a, creds, round, ses);
    if (r.code !== 0 || round === rounds) process.exit(r.code);
    ses = r.ses;
  }
}

async function echoRound(a: EchoArgs, creds: Pick<DtlsClientOptions, 'psk' | 'rpk'>, round: number, offer?: Uint8Array): Promise<{ code: number; ses?: Uint8Array }> {
  const peer = { address: a.host, port: a.port };
  const resuming = process.env.DTLS_RESUME === '1';
  const out = (o: object) => console.log(JSON.stringify(resuming ? { round, ...o } : o));
  let received = '';
  let ses: Uint8Array | undefined;
  const got: number[] = [];
  let finish: (code: number) => void = () => {};
  const ended = new Promise<number>((resolve) => (finish = resolve));
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
        if (e.ses) ses = e.ses;
        out({ event: e.type, name: e.name, alert: e.alert, message: e.message });
        if (e.type === 'error') finish(1);
      },
    }),
  );
  const receive = u.ep.receive.bind(u.ep);
  u.ep.receive = (d, p) => {
    for (const r of parseRecords(d)) if (r.type === 22 && r.epoch === 0) for (const f of parseFragments(r.fragment) || []) got.push(f.msg_type);
    receive(d, p);
  };
  if (offer) u.ep.connect(peer, offer);
  u.ep.send(new Uint8Array(Buffer.from(a.message)), peer);
  u.kick();
  const guard = setTimeout(() => {
    out({ event: 'error', name: 'cli_timeout' });
    finish(1);
  }, a.timeout + 5000);
  const code = await ended;
  clearTimeout(guard);
  if (resuming) out({ got });
  u.ep.close(peer);
  // the close_notify leaves before the socket closes (gnutls-serv serves the next client only once the last one closed)
  await new Promise((r) => setTimeout(r, 50));
  await u.close();
  return { code, ses };
}
