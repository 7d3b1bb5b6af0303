// The CoAP endpoint's shapes (endpoint.ts): what a host hands it and gets back, and the
// records it keeps (CONs in flight, deduplication, block caches, uploads).
import type { DatagramPort, Peer, Rng } from '../ports';
import type { Params } from './constants';
import type { CoapMessage, CoapOption } from './message';
import type { Exchange } from './exchange';
import type { Observation } from './observe';
import type { ClientRequest } from './requests';

/** What a server handler answers with. */
export interface ResponseSpec {
  code: number;
  options?: CoapOption[];
  payload?: Uint8Array;
  contentFormat?: number;
}

/** A client request. */
export interface RequestSpec {
  code: number;
  /** "/rd", "rd/5a3f", "/3/0/1" */
  path?: string;
  /** ["ep=dev1", "lt=300"] or "b=U" */
  query?: string[] | string;
  options?: CoapOption[];
  payload?: Uint8Array;
  contentFormat?: number;
  accept?: number;
  /** default true */
  confirmable?: boolean;
  /** Ask for Block2 of this size (16..1024) from the first request (early negotiation, RFC 7959 §2.4). */
  block2Size?: number;
  /** Register an observation (Observe=0); the callback then runs for every notification. */
  observe?: boolean;
  /**
   * Stream the response body instead of collecting it (a firmware pull): called in order for
   * every Block2 block, or once for a body that came whole. The body is then not kept and not
   * bounded by MAX_BODY; the final callback gets the last response with an empty payload.
   */
  onData?: (data: Uint8Array, offset: number, more: boolean) => void;
  /** Block1 size (16..1024) for a payload larger than that; default BLOCK_SIZE (RFC 7959 §2.5). */
  block1Size?: number;
}

export type ResponseCallback = (err: string | null, res?: CoapMessage) => void;
export type RequestHandler = (req: CoapMessage, peer: Peer, ex: Exchange) => void;

export interface EndpointOptions {
  port: DatagramPort;
  rng: Rng;
  onRequest?: RequestHandler;
  params?: Partial<Params>;
  /**
   * Asked at the first block of a Block1 upload: true streams it to the handler block by
   * block (a firmware push) instead of reassembling it (bounded by MAX_BODY).
   */
  streamBlock1?: (req: CoapMessage, peer: Peer) => boolean;
  /** Count datagrams, bytes and events in `CoapEndpoint.stats` (tests, simulations); absent, the endpoint keeps no counters (17 Espruino variables). */
  stats?: boolean;
}

export interface CoapStats {
  txDatagrams: number;
  txBytes: number;
  rxDatagrams: number;
  rxBytes: number;
  retransmissions: number;
  timeouts: number;
  duplicates: number;
  dropped: number;
  rejected: number;
}

// Each top-level function costs Espruino some five variables for as long as the bundle is
// loaded, so small helpers are not kept for their own sake: a code's class is written
// `code >> 5` (RFC 7252 §3: class * 32 + detail); an Empty message (RST, empty ACK) is
// `encode(message(type, 0, mid))`, the same four bytes; tokens are compared with
// bytes.ts's equalConstTime, which the bundle holds anyway for the DTLS MACs.

/** A CON we sent and retransmit until it is acknowledged (RFC 7252 §4.2). */
export interface Tx {
  _peer: Peer;
  _pkey: string;
  _mid: number;
  _bytes: Uint8Array;
  /** retransmissions done so far */
  _tries: number;
  /** current timeout (doubles after each retransmission) */
  _timeout: number;
  /** when it is due */
  _next: number;
  _req: ClientRequest | null;
  _obs: Observation | null;
}

/**
 * Deduplication record of a received CON/NON (RFC 7252 §4.5), kept in one list in arrival
 * order. Unset fields are absent, not null: on Espruino a property holding null costs two
 * variables, in each of up to MAX_DEDUP records.
 */
export interface Seen {
  /** the peer and the Message ID (see handleDatagram) */
  _key: string;
  _expires: number;
  /** what we answered (ACK with piggybacked response, or empty ACK), resent on a duplicate CON */
  _reply?: Uint8Array;
  /** the exchange until it is answered */
  _ex?: Exchange;
}

export interface BlockCache {
  _key: string;
  _code: number;
  _options: CoapOption[];
  _body: Uint8Array;
  _expires: number;
}

export interface Upload {
  _key: string;
  /** null: streamed to the handler block by block */
  _buf: Uint8Array | null;
  _len: number;
  _expires: number;
  /** streamed: the deduplication record of the block last answered (blockwise.ts collectBlock1) */
  _seen?: Seen;
}
