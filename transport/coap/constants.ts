// CoAP numbers in one place: message types, codes, option numbers, content formats
// (RFC 7252 §12, RFC 7641, RFC 7959, OMA LwM2M 1.1 TS Core §7) and the transmission
// parameters of RFC 7252 §4.8 with the derived values of §4.8.2 COMPUTED from them,
// never typed in by hand. Every parameter, base or derived, can be overridden.

/** Message types, RFC 7252 §3 (2-bit T field). */
export var TYPE = {
  CON: 0,
  NON: 1,
  ACK: 2,
  RST: 3,
};

/**
 * Codes as the single header byte: class * 32 + detail (RFC 7252 §3, "c.dd").
 * 0.00 is the Empty message; 0.01–0.31 requests; 2.xx, 4.xx, 5.xx responses.
 */
export var CODE = {
  EMPTY: 0,
  // requests (RFC 7252 §12.1.1, RFC 8132 for FETCH/PATCH/iPATCH)
  GET: 1,
  POST: 2,
  PUT: 3,
  DELETE: 4,
  FETCH: 5,
  PATCH: 6,
  IPATCH: 7,
  // 2.xx success
  CREATED: 65, // 2.01
  DELETED: 66, // 2.02
  VALID: 67, // 2.03
  CHANGED: 68, // 2.04
  CONTENT: 69, // 2.05
  CONTINUE: 95, // 2.31 (RFC 7959 §2.9.1)
  // 4.xx client error
  BAD_REQUEST: 128, // 4.00
  UNAUTHORIZED: 129, // 4.01
  BAD_OPTION: 130, // 4.02
  FORBIDDEN: 131, // 4.03
  NOT_FOUND: 132, // 4.04
  METHOD_NOT_ALLOWED: 133, // 4.05
  NOT_ACCEPTABLE: 134, // 4.06
  REQUEST_ENTITY_INCOMPLETE: 136, // 4.08 (RFC 7959 §2.9.2)
  CONFLICT: 137, // 4.09 (RFC 8132)
  PRECONDITION_FAILED: 140, // 4.12
  REQUEST_ENTITY_TOO_LARGE: 141, // 4.13
  UNSUPPORTED_CONTENT_FORMAT: 143, // 4.15
  UNPROCESSABLE_ENTITY: 150, // 4.22 (RFC 8132)
  // 5.xx server error
  INTERNAL_SERVER_ERROR: 160, // 5.00
  NOT_IMPLEMENTED: 161, // 5.01
  BAD_GATEWAY: 162, // 5.02
  SERVICE_UNAVAILABLE: 163, // 5.03
  GATEWAY_TIMEOUT: 164, // 5.04
  PROXYING_NOT_SUPPORTED: 165, // 5.05
};

/** A code as "c.dd" (69 → "2.05"), for logs and errors. */
export function codeStr(code: number): string {
  var d = code & 31;
  return (code >> 5) + '.' + (d < 10 ? '0' : '') + d;
}

/** Option numbers (RFC 7252 §5.10 and §12.2, RFC 7641 §2, RFC 7959 §2.1/§4, RFC 7967). */
export var OPT = {
  IF_MATCH: 1,
  URI_HOST: 3,
  ETAG: 4,
  IF_NONE_MATCH: 5,
  OBSERVE: 6,
  URI_PORT: 7,
  LOCATION_PATH: 8,
  URI_PATH: 11,
  CONTENT_FORMAT: 12,
  MAX_AGE: 14,
  URI_QUERY: 15,
  ACCEPT: 17,
  LOCATION_QUERY: 20,
  BLOCK2: 23,
  BLOCK1: 27,
  SIZE2: 28,
  PROXY_URI: 35,
  PROXY_SCHEME: 39,
  SIZE1: 60,
  NO_RESPONSE: 258,
};

/** Content-Format numbers (RFC 7252 §12.3, RFC 8428, OMA LwM2M registry). */
export var FORMAT = {
  TEXT: 0, // text/plain;charset=utf-8
  LINK: 40, // application/link-format
  OCTET: 42, // application/octet-stream
  JSON: 50,
  CBOR: 60,
  SENML_JSON: 110,
  SENML_CBOR: 112,
  LWM2M_TLV: 11542,
  LWM2M_JSON: 11543,
};

/** Protocol version carried in the Ver field (RFC 7252 §3). */
export var VERSION = 1;
/** The payload marker (RFC 7252 §3). */
export var PAYLOAD_MARKER = 0xff;
/** Longest token (RFC 7252 §3: TKL 9–15 are reserved). */
export var MAX_TOKEN_LENGTH = 8;
/** Observe sequence numbers are 24-bit (RFC 7641 §4.4). */
export var OBSERVE_SEQ_MASK = 0xffffff;
/** RFC 7641 §3.4: a notification is fresh if its 24-bit Observe is newer in serial arithmetic (within 2^23), or OBS.FRESH_MS passed. */
export const enum OBS {
  HALF = 0x800000,
  /** 128 s: after it, any sequence number is newer. */
  FRESH_MS = 128000,
}

/**
 * Transmission parameters, in milliseconds where they are times.
 * The first block is RFC 7252 §4.8 (base values, §4.8.1 says which may be changed);
 * the second is §4.8.2 (derived); the third are this engine's own knobs.
 */
export interface Params {
  ACK_TIMEOUT: number;
  ACK_RANDOM_FACTOR: number;
  MAX_RETRANSMIT: number;
  NSTART: number;
  DEFAULT_LEISURE: number;
  PROBING_RATE: number; // bytes per second
  MAX_LATENCY: number;
  PROCESSING_DELAY: number;

  MAX_TRANSMIT_SPAN: number;
  MAX_TRANSMIT_WAIT: number;
  MAX_RTT: number;
  EXCHANGE_LIFETIME: number;
  NON_LIFETIME: number;

  /** A server handler that has not answered within this delay gets an empty ACK sent for it (then a separate response). */
  SEPARATE_ACK_DELAY: number;
  /** After an empty ACK, how long a client waits for the separate response. */
  SEPARATE_RESPONSE_TIMEOUT: number;
  /** How long a NON request waits for a response. */
  NON_RESPONSE_TIMEOUT: number;
  /** A notification is sent CON at least this often (RFC 7641 §4.5: at least every 24 hours). */
  OBSERVE_CON_INTERVAL: number;
  /** Token length for our requests (RFC 7252 §5.3.1: at least 32 random bits when exposed). */
  TOKEN_LENGTH: number;
  /** Default Block2 size for our responses and a ceiling for the size a peer asks for (16..1024, a power of two). */
  BLOCK_SIZE: number;
  /** Largest body reassembled from Block1 requests or Block2 responses; larger gets 4.13 / 'too-large'. */
  MAX_BODY: number;
  /** Bounds on per-peer state, so that no input can grow memory without limit. */
  MAX_DEDUP: number;
  MAX_OBSERVATIONS: number;
  MAX_BLOCK_CACHE: number;
  MAX_PENDING_REQUESTS: number;
}


/**
 * The parameters the engine reads, under names the build shortens: what an endpoint (and the
 * LwM2M client) holds for good. The RFC-named `Params` exist only while `params()`'s result
 * is held: on Espruino their 24 long names and the values the engine never reads (the
 * derived MAX_RTT, PROBING_RATE, …) cost some 75 variables, these about 27.
 */
export interface EngineParams {
  ackTimeout: number;
  ackRandomFactor: number;
  maxRetransmit: number;
  nstart: number;
  maxTransmitWait: number;
  exchangeLifetime: number;
  nonLifetime: number;
  separateAckDelay: number;
  separateResponseTimeout: number;
  nonResponseTimeout: number;
  observeConInterval: number;
  tokenLength: number;
  blockSize: number;
  maxBody: number;
  maxDedup: number;
  maxObservations: number;
  maxBlockCache: number;
  maxPendingRequests: number;
}

/** The last engineParams() call's argument and result: see engineParams(). */
var lastIn: Partial<Params> | undefined;
var lastOut: EngineParams | undefined;

/**
 * Transmission parameters: the defaults, with `overrides` applied to the base values
 * first and the derived values then computed from them (RFC 7252 §4.8.2), unless a
 * derived value is itself overridden. A new object each call: the engine holds
 * engineParams() instead.
 */
export function params(overrides?: Partial<Params>): Params {
  return compute(overrides);
}

/**
 * params(overrides) as the engine reads them. Called again with the same argument (the same
 * object, or none), it returns the same object: a client's endpoints share one set instead
 * of a copy each. The result is never modified.
 */
export function engineParams(overrides?: Partial<Params>): EngineParams {
  if (lastOut && overrides === lastIn) return lastOut;
  var p = compute(overrides);
  lastIn = overrides;
  lastOut = {
    ackTimeout: p.ACK_TIMEOUT,
    ackRandomFactor: p.ACK_RANDOM_FACTOR,
    maxRetransmit: p.MAX_RETRANSMIT,
    nstart: p.NSTART,
    maxTransmitWait: p.MAX_TRANSMIT_WAIT,
    exchangeLifetime: p.EXCHANGE_LIFETIME,
    nonLifetime: p.NON_LIFETIME,
    separateAckDelay: p.SEPARATE_ACK_DELAY,
    separateResponseTimeout: p.SEPARATE_RESPONSE_TIMEOUT,
    nonResponseTimeout: p.NON_RESPONSE_TIMEOUT,
    observeConInterval: p.OBSERVE_CON_INTERVAL,
    tokenLength: p.TOKEN_LENGTH,
    blockSize: p.BLOCK_SIZE,
    maxBody: p.MAX_BODY,
    maxDedup: p.MAX_DEDUP,
    maxObservations: p.MAX_OBSERVATIONS,
    maxBlockCache: p.MAX_BLOCK_CACHE,
    maxPendingRequests: p.MAX_PENDING_REQUESTS,
  };
  return lastOut;
}

function compute(overrides?: Partial<Params>): Params {
  // The RFC's defaults for the base parameters plus this engine's knobs: a table built per
  // call, as calls are rare (engineParams() keeps its result), and not held for good (some 27 variables).
  // Quoted: overrides come from the host by these names (ClientOptions.coap), so the build must
  // not shorten them (a shortened NSTART was silently ignored: tools/build.mjs keeps every name
  // the device code spells as a string).
  var BASE: { [k: string]: number } = {
    'ACK_TIMEOUT': 2000,
    'ACK_RANDOM_FACTOR': 1.5,
    'MAX_RETRANSMIT': 4,
    'NSTART': 1,
    'DEFAULT_LEISURE': 5000,
    'PROBING_RATE': 1,
    'MAX_LATENCY': 100000,
    'SEPARATE_ACK_DELAY': 1000,
    'OBSERVE_CON_INTERVAL': 86400000,
    'TOKEN_LENGTH': 4,
    'BLOCK_SIZE': 1024,
    'MAX_BODY': 65536,
    'MAX_DEDUP': 32,
    'MAX_OBSERVATIONS': 16,
    'MAX_BLOCK_CACHE': 4,
    'MAX_PENDING_REQUESTS': 16,
  };
  // pick() exists while compute() runs (docs/memory.md, rule 7): held at load, it cost some eight variables
  function pick(o: any, k: string, dflt: number): number {
    return o && typeof o[k] === 'number' ? o[k] : dflt;
  }
  var o: any = overrides || {};
  var p: any = {};
  var k;
  for (k in BASE) p[k] = pick(o, k, BASE[k]);
  // PROCESSING_DELAY: "the time a node takes to turn around a Confirmable message into an
  // acknowledgement. We assume the node will attempt to send an ACK before having the
  // sender time out, so as a conservative assumption we set it equal to ACK_TIMEOUT."
  p.PROCESSING_DELAY = pick(o, 'PROCESSING_DELAY', p.ACK_TIMEOUT);
  // 2 ** MAX_RETRANSMIT as a shift: Math.pow is inexact on Espruino (ESPRUINO.md).
  var twoPowR = 1 << p.MAX_RETRANSMIT;
  // §4.8.2: MAX_TRANSMIT_SPAN = ACK_TIMEOUT * ((2 ** MAX_RETRANSMIT) - 1) * ACK_RANDOM_FACTOR
  p.MAX_TRANSMIT_SPAN = pick(o, 'MAX_TRANSMIT_SPAN', Math.floor(p.ACK_TIMEOUT * (twoPowR - 1) * p.ACK_RANDOM_FACTOR));
  // MAX_TRANSMIT_WAIT = ACK_TIMEOUT * ((2 ** (MAX_RETRANSMIT + 1)) - 1) * ACK_RANDOM_FACTOR
  p.MAX_TRANSMIT_WAIT = pick(o, 'MAX_TRANSMIT_WAIT', Math.floor(p.ACK_TIMEOUT * (2 * twoPowR - 1) * p.ACK_RANDOM_FACTOR));
  // MAX_RTT = (2 * MAX_LATENCY) + PROCESSING_DELAY
  p.MAX_RTT = pick(o, 'MAX_RTT', 2 * p.MAX_LATENCY + p.PROCESSING_DELAY);
  // EXCHANGE_LIFETIME = MAX_TRANSMIT_SPAN + (2 * MAX_LATENCY) + PROCESSING_DELAY
  p.EXCHANGE_LIFETIME = pick(o, 'EXCHANGE_LIFETIME', p.MAX_TRANSMIT_SPAN + 2 * p.MAX_LATENCY + p.PROCESSING_DELAY);
  // NON_LIFETIME = MAX_TRANSMIT_SPAN + MAX_LATENCY
  p.NON_LIFETIME = pick(o, 'NON_LIFETIME', p.MAX_TRANSMIT_SPAN + p.MAX_LATENCY);
  p.SEPARATE_RESPONSE_TIMEOUT = pick(o, 'SEPARATE_RESPONSE_TIMEOUT', p.EXCHANGE_LIFETIME);
  p.NON_RESPONSE_TIMEOUT = pick(o, 'NON_RESPONSE_TIMEOUT', p.MAX_TRANSMIT_WAIT);
  return p as Params;
}

/** Block size exponent for a size in bytes (16 → 0 … 1024 → 6), or -1 if not a valid block size. */
export function szxOf(size: number): number {
  for (var s = 0; s < 7; s++) if (16 << s === size) return s;
  return -1;
}
