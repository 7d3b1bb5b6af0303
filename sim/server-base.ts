// What the simulator's two servers (bootstrap-server.ts, lwm2m-server.ts) share: their CoAP
// and DTLS listeners on one poller, the credentials they take, their raw public key pair, the
// events hub and the admin API; opening all of it (closing what opened when a part fails) and
// closing it again. Each server adds its own requests, API and state.
import type { Exchange } from '../transport/coap/endpoint';
import type { CoapMessage } from '../transport/coap/message';
import type { Peer } from '../transport/ports';
import { Poller } from './node-ports';
import { listenAll, listenerUri, SecurityStore, type EndpointsOptions, type Listener } from './lwm2m-common';
import { startHttp, EventHub, type ApiAccess, type HttpCtx, type HttpResult, type HttpServer } from './http-util';
import { generateRpk, type RpkKeyPair } from './rpk-keys';

/** What both servers take besides their own options. */
export interface ServerBaseOptions extends EndpointsOptions {
  /** Credentials by PSK identity / endpoint, shared with the admin API (default: a new store). */
  security?: SecurityStore;
  /** The DTLS listener's raw public key pair (default: a fresh P-256 one). */
  rpk?: RpkKeyPair;
  /** The admin API's HTTP port (omitted or < 0: none) and address (default 127.0.0.1). */
  httpPort?: number;
  httpHost?: string;
  /** The admin API's token and token file. */
  api?: ApiAccess;
}

/** How a server answers on what `open()` starts. */
export interface ServerHandlers {
  request: (l: Listener, req: CoapMessage, peer: Peer, ex: Exchange) => void;
  /** A DTLS event other than `connected`, as one line of text. */
  dtlsFailure: (peer: Peer, reason: string) => void;
  /** Whether a client's raw public key may finish a handshake. */
  trust: (spki: Uint8Array, peer: Peer) => boolean;
  api: (c: HttpCtx) => Promise<HttpResult>;
  /** The admin API's other accounts and bodies (the token and its file come from the options). */
  access?: Omit<ApiAccess, 'token' | 'tokenFile'>;
}

export abstract class ServerBase {
  readonly security: SecurityStore;
  readonly listeners: Listener[] = [];
  http: HttpServer | null = null;
  readonly events = new EventHub();
  protected poller = new Poller();
  /** The DTLS listener's raw public key pair. */
  readonly rpkKeys: RpkKeyPair;

  protected constructor(o: ServerBaseOptions) {
    this.security = o.security || new SecurityStore();
    this.rpkKeys = o.rpk || generateRpk();
  }

  /** Opens the listeners and the admin API; on a failure closes what opened and throws. */
  protected async open(o: ServerBaseOptions, h: ServerHandlers): Promise<void> {
    try {
      this.listeners.push(...(await listenAll(o, this.poller, this.security, h.request, h.dtlsFailure, { keys: this.rpkKeys, trust: h.trust })));
      if (o.httpPort !== undefined && o.httpPort >= 0) this.http = await startHttp(o.httpHost || '127.0.0.1', o.httpPort, h.api, { ...o.api, ...h.access });
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  /** coap://… of the NoSec listener, or null. */
  get uri(): string | null {
    return listenerUri(this.listeners, false);
  }
  /** coaps://… of the DTLS listener, or null. */
  get secureUri(): string | null {
    return listenerUri(this.listeners, true);
  }
  /** Our SubjectPublicKeyInfo DER: what a device's account pins as the server's key (/0/x/4). */
  get rpkSpki(): Uint8Array {
    return this.rpkKeys.spki;
  }

  /** Ends what the server itself holds (sessions, observations); then `close()` stops the rest. */
  protected abstract stopOwn(): void;

  async close(): Promise<void> {
    this.stopOwn();
    this.poller.stop();
    for (const l of this.listeners) l.close();
    this.events.close();
    if (this.http) await this.http.close();
  }
}
