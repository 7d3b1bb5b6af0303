// The simulator's bootstrap and LwM2M servers set up for one device, as the memory tools
// (mem-report.ts, hot-code.ts) use them: NoSec, or PSK with fixed keys ('bs' for the
// bootstrap account, 'dm' for the server's), Short Server ID 101; or RPK (rpkServers) with fresh
// P-256 keys for both servers and the device's public key enrolled.
import { BootstrapServer, simpleConfig } from '../sim/bootstrap-server';
import { Lwm2mServer, type ServerEvent, type Lwm2mServerOptions } from '../sim/lwm2m-server';
import { rpkFromPrivate, spkiHash } from '../sim/rpk-keys';
import { rpkGenerate } from '../tools/board-lib.mjs';

export const BS_KEY = new Uint8Array(16).map((_, i) => i);
export const DM_KEY = new Uint8Array(16).map((_, i) => 15 - i);

export interface BenchServers {
  lw: Lwm2mServer;
  bs: BootstrapServer;
  /** Everything the LwM2M server reported, in order. */
  events: ServerEvent[];
  /** The bootstrap server's URI for the device's factory account. */
  bootstrapUri: string;
  close(): Promise<void>;
}

/** Server options for a slow device (bench:board's runs under valgrind): answer waits, CoAP and DTLS timers, a datagram tap. */
export type SlowDevice = Pick<Lwm2mServerOptions, 'timeoutMs' | 'coap' | 'dtlsRetransmit' | 'dtlsTimeout' | 'onDatagram'>;

export async function benchServers(endpoint: string, psk: boolean, lifetime: number, slow: SlowDevice = {}): Promise<BenchServers> {
  const events: ServerEvent[] = [];
  const lw = await Lwm2mServer.start({ port: psk ? -1 : 0, dtlsPort: psk ? 0 : -1, ...slow, onEvent: (e) => events.push(e) });
  const { timeoutMs: _t, ...bsSlow } = slow;
  const bs = await BootstrapServer.start({ port: psk ? -1 : 0, dtlsPort: psk ? 0 : -1, ...bsSlow });
  if (psk) {
    lw.security.add({ endpoint, identity: 'dm', key: DM_KEY });
    bs.security.add({ endpoint, identity: 'bs', key: BS_KEY });
  }
  bs.setConfig(endpoint, simpleConfig({
    serverUri: (psk ? lw.secureUri : lw.uri)!,
    securityMode: psk ? 'PSK' : 'NO_SEC',
    pskIdentity: psk ? 'dm' : undefined,
    pskKey: psk ? DM_KEY : undefined,
    shortServerId: 101,
    lifetime,
  }));
  return {
    lw, bs, events,
    bootstrapUri: (psk ? bs.secureUri : bs.uri)!,
    close: async () => {
      await bs.close();
      await lw.close();
    },
  };
}

/**
 * DTLS-RPK servers for one device (its SPKI as hex): fresh P-256 key pairs, generous DTLS
 * timers (a handshake takes seconds on Espruino's Linux build), the device enrolled at the
 * bootstrap server and pinned at the LwM2M server, which the bootstrap server pins in /0/1/4.
 * `bootstrapSpki` is the key the device's configuration pins (rpkServerPub).
 */
export async function rpkServers(endpoint: string, deviceSpkiHex: string, lifetime: number): Promise<BenchServers & { bootstrapSpki: Uint8Array }> {
  const events: ServerEvent[] = [];
  const timers = { dtlsRetransmit: 9000, dtlsTimeout: 900000 };
  const key = () => rpkFromPrivate(Buffer.from(rpkGenerate('p256').pkcs8, 'hex'));
  const lw = await Lwm2mServer.start({ port: -1, dtlsPort: 0, ...timers, rpk: key(), onEvent: (e) => events.push(e) });
  const bs = await BootstrapServer.start({ port: -1, dtlsPort: 0, ...timers, rpk: key() });
  const spki = new Uint8Array(Buffer.from(deviceSpkiHex, 'hex'));
  lw.security.addRpk(endpoint, spki);
  bs.enrol(spkiHash(spki), 60 * 60 * 1000);
  bs.setConfig(endpoint, simpleConfig({ serverUri: lw.secureUri!, securityMode: 'RPK', shortServerId: 101, lifetime, serverPublicKey: lw.rpkSpki }));
  return {
    lw, bs, events,
    bootstrapUri: bs.secureUri!,
    bootstrapSpki: bs.rpkSpki!,
    close: async () => {
      await bs.close();
      await lw.close();
    },
  };
}
