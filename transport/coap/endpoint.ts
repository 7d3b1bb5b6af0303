// A CoAP endpoint: both roles on one datagram port (LwM2M: the device is a client for
// Register/Update and a server for Read/Write/Execute/Observe on the same association).
//
// Layers, bottom up, all in this one class so the receive path stays shallow on
// Espruino's small stack (receive → handle → request/response → handler → respond → send):
//  - messaging (RFC 7252 §4): CON/NON/ACK/RST, message IDs, deduplication over
//    EXCHANGE_LIFETIME / NON_LIFETIME, CON retransmission with exponential back-off;
//  - request/response (§5): tokens, piggybacked and separate responses, NSTART;
//  - Observe (RFC 7641): server relations and client registrations;
//  - block-wise (RFC 7959): Block2 responses served from a cache, Block1 uploads
//    reassembled (or streamed), Block1 uploads and Block2 downloads as a client.
// No timers and no clock: `receive(bytes, peer, now)` and `poll(now)` bring the time in,
// `poll` returns the next deadline. Randomness comes from the Rng port.
//
// Members whose names start with `_` are internal: the bundle's minifier mangles every
// `_`-prefixed property (package.json "minify.mangle.properties"), which saves ~2.5 KB here.
//
// Known limits: no client Block2 inside notifications, no proactive observe cancel (a
// cancelled client observation is ended by RST to the next notification, RFC 7641 §3.6), no
// PROBING_RATE pacing of NON traffic, NSTART counts client requests only (not our
// notifications).
import { peerKey, type DatagramPort, type Peer, type Pollable, type Rng } from '../ports';
import { toHex, equalConstTime } from '../bytes';
import { CODE, OPT, TYPE, OBSERVE_SEQ_MASK, params, szxOf, type Params } from './constants';
import {
  decode, encode, message, emptyBytes, DECODE_REJECT, getOption, getUint, setUint, setOption, removeOption,
  addPathOptions, addUriQuery, uintBytes, getStrings, type CoapMessage, type CoapOption,
} from './message';
import { blockBytes, blockSize, readBlock } from './block';

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

// Critical options this endpoint recognises (RFC 7252 §5.4.1: any other odd-numbered
// option in a CON request gets 4.02; in a response it gets the response rejected). A string,
// not a table held at top level (some 20 Espruino variables). Odd is critical (§5.4.6),
// tested here, not with message.ts's isCritical: the bundle then keeps that one only inside
// the `coap` namespace it builds on access, not as a function held at load.
function firstUnknownCritical(m: CoapMessage): number {
  var o = m.options;
  for (var i = 0; i < o.length; i++) if ((o[i].num & 1) === 1 && ',1,3,5,7,11,15,17,23,27,35,39,'.indexOf(',' + o[i].num + ',') < 0) return o[i].num;
  return -1;
}

// Each top-level function costs Espruino some five variables for as long as the bundle is
// loaded, so small helpers are not kept for their own sake: a code's class is written
// `code >> 5` (RFC 7252 §3: class * 32 + detail); an Empty message (RST, empty ACK) is
// `encode(message(type, 0, mid))`, the same four bytes; tokens are compared with
// bytes.ts's equalConstTime, which the bundle holds anyway for the DTLS MACs.

/** A CON we sent and retransmit until it is acknowledged (RFC 7252 §4.2). */
interface Tx {
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
interface Seen {
  /** the peer and the Message ID (see handleDatagram) */
  _key: string;
  _expires: number;
  /** what we answered (ACK with piggybacked response, or empty ACK), resent on a duplicate CON */
  _reply?: Uint8Array;
  /** the exchange until it is answered */
  _ex?: Exchange;
}

interface BlockCache {
  _key: string;
  _code: number;
  _options: CoapOption[];
  _body: Uint8Array;
  _expires: number;
}

interface Upload {
  _key: string;
  /** null: streamed to the handler block by block */
  _buf: Uint8Array | null;
  _len: number;
  _expires: number;
}

/** One request received in the server role; the handler answers through it. */
export class Exchange {
  declare request: CoapMessage;
  declare peer: Peer;
  /** the response has been given */
  declare responded: boolean;
  declare _ep: CoapEndpoint;
  declare _pkey: string;
  declare _seen: Seen | null;
  /** an empty ACK has been sent: the response goes separately */
  declare _acked: boolean;
  declare _ackAt: number;
  declare _observeAsked: boolean;
  declare _obs: Observation | null;
  /** Block1 of the last block of an upload, echoed in the final response */
  declare _block1: Uint8Array | null;
  /** streamed Block1 upload: where this block's payload starts, and whether more follow (else -1 / false) */
  declare blockOffset: number;
  declare blockMore: boolean;
  /** block number and size exponent the request asked for, or -1 */
  declare _b2num: number;
  declare _b2szx: number;
  constructor(ep: CoapEndpoint, req: CoapMessage, peer: Peer, pkey: string, seen: Seen | null) {
    this._ep = ep;
    this.request = req;
    this.peer = peer;
    this._pkey = pkey;
    this._seen = seen;
    this.responded = false;
    this._acked = false;
    this._ackAt = -1;
    this._observeAsked = false;
    this._obs = null;
    this._block1 = null;
    this.blockOffset = -1;
    this.blockMore = false;
    this._b2num = -1;
    this._b2szx = -1;
  }
  /**
   * Answer the request (piggybacked if still possible, else a separate response): builds the
   * response (options, Observe, Block1 echo, Block2 slicing) and sends it. The endpoint's own
   * answers (4.02, 2.31, …) come here too: one function, not a method of each class (about
   * seven Espruino variables), and one frame less on the receive path.
   */
  respond(res: ResponseSpec, now?: number): void {
    var ep = this._ep;
    if (this.responded) return;
    this.responded = true;
    if (now !== undefined) ep.now = now;
    var t = ep.now;
    // the dedup record keeps only the reply bytes from now on, not the request datagram
    if (this._seen) delete this._seen._ex;
    var wi = ep._waiting.indexOf(this);
    if (wi >= 0) ep._waiting.splice(wi, 1);
    var req = this.request;
    var m = message(0, res.code, 0, req.token, res.options ? res.options.slice(0) : [], res.payload);
    if (res.contentFormat !== undefined) setUint(m, OPT.CONTENT_FORMAT, res.contentFormat);
    var obs = this._obs;
    if (obs && obs.active) {
      if (res.code >> 5 === 2) setUint(m, OPT.OBSERVE, (ep._seqCounter = (ep._seqCounter + 1) & OBSERVE_SEQ_MASK));
      else obs.cancel('error');
    }
    if (this._block1 && res.code >> 5 === 2) setOption(m, OPT.BLOCK1, this._block1);
    if (!ep._sliceBlock2(m, this._pkey, req, '', this._b2num < 0 ? 0 : this._b2num, this._b2szx, this._b2num >= 0, t)) {
      m = message(0, CODE.BAD_OPTION, 0, req.token);
    }
    if (req.type === TYPE.CON && !this._acked) {
      m.type = TYPE.ACK;
      m.mid = req.mid;
      var b = encode(m);
      if (this._seen) this._seen._reply = b;
      ep._send(b, this.peer);
      return;
    }
    m.mid = ep._nextMid;
    ep._nextMid = (m.mid + 1) & 0xffff;
    if (req.type === TYPE.CON) {
      // separate response (RFC 7252 §5.2.2): a new CON, retransmitted until acknowledged
      m.type = TYPE.CON;
      ep._sendCon(encode(m), this.peer, this._pkey, m.mid, t, null, null);
    } else {
      m.type = TYPE.NON;
      ep._send(encode(m), this.peer);
    }
  }
  /** Accept the observation asked for by a GET/FETCH with Observe=0; null if none was asked or no room. */
  observe(): Observation | null {
    return acceptObservation(this._ep, this);
  }
}

/** A server-side observation relation (RFC 7641 §4.1). */
export class Observation {
  declare peer: Peer;
  declare _pkey: string;
  declare token: Uint8Array;
  /** "/3/0/1" */
  declare path: string;
  /** The Block2 cache key of the request (path, query, Accept): a notification too large for one block is served from the cache under it. */
  declare _bkey: string;
  declare active: boolean;
  /** Set by the application if it wants to know; absent otherwise (a property costs Espruino variables). */
  declare onCancel?: ((reason: string) => void) | null;
  declare _ep: CoapEndpoint;
  declare _lastConAt: number;
  /** the CON notification in flight, and the newer one waiting for it (RFC 7641 §4.5.2), when any (absent, not null: a null property costs two variables) */
  declare _inflight?: Tx;
  declare _queued?: CoapMessage;
  declare _mids: number[];
  declare _szx: number;
  constructor(ep: CoapEndpoint, ex: Exchange) {
    this._ep = ep;
    this.peer = ex.peer;
    this._pkey = ex._pkey;
    this.token = new Uint8Array(ex.request.token);
    // "/3/0/1" as getPathString() makes it, written out here so that the bundle holds that
    // function only in its `coap` namespace (five variables less at load)
    var segs = getStrings(ex.request, OPT.URI_PATH);
    this.path = segs === null ? '/' : '/' + segs.join('/');
    // only the request's block cache key is kept, not a copy of the request (on Espruino a
    // copied message with its options costs some 40 variables for each observation)
    this._bkey = rare().blockKey(ex._pkey, ex.request);
    this.active = true;
    this._lastConAt = ep.now;
    this._mids = [];
    this._szx = ex._b2szx;
  }
  /** Send a notification (CON when asked, or when the last CON one is older than OBSERVE_CON_INTERVAL). */
  notify(res: ResponseSpec, confirmable?: boolean, now?: number): void {
    notifyObservation(this._ep, this, res, !!confirmable, now === undefined ? this._ep.now : now);
  }
  /**
   * End the relation; onCancel runs with `reason`: 'cancelled' when the application ends it
   * (no argument); the endpoint ends it with 'reset', 'timeout', 'error', 'deregister',
   * 'replaced'. One method for both: a second one would cost about seven variables.
   */
  cancel(reason?: string): void {
    var ep = this._ep;
    if (!this.active) return;
    this.active = false;
    delete this._queued;
    var i = ep._obsList.indexOf(this);
    if (i >= 0) ep._obsList.splice(i, 1);
    if (this._inflight && reason !== 'error') {
      var ti = ep._tx.indexOf(this._inflight);
      if (ti >= 0) ep._tx.splice(ti, 1);
    }
    delete this._inflight;
    if (this.onCancel) {
      try {
        this.onCancel(reason || 'cancelled');
      } catch (e) {
        ep.faults++;
      }
    }
  }
}

/**
 * A client request in flight; request() returns it as the application's handle (`token`,
 * `cancel()`). A plain object built in request() with a shared `cancel`, not a class: the
 * class's six-parameter constructor and prototype cost some ten variables at load.
 */
export interface ClientRequest {
  token: Uint8Array;
  /** Stop: no further callback; retransmissions stop; an observation is forgotten. */
  cancel: () => void;
  _ep: CoapEndpoint;
  _peer: Peer;
  _pkey: string;
  _msg: CoapMessage;
  _cb: ResponseCallback;
  _con: boolean;
  _observe: boolean;
  /** 0 queued, 1 sent and not acknowledged, 2 acknowledged / NON sent: waiting for the response, 3 observing, 4 done */
  _state: number;
  _deadline: number;
  _tx: Tx | null;
  _lastMid: number;
  _body: Uint8Array | null;
  _bodyLen: number;
  _obsSeq: number;
  _obsAt: number;
  _onData: ((data: Uint8Array, offset: number, more: boolean) => void) | null;
  /** a Block1 upload: the whole body, where the block in flight starts, its size exponent */
  _up: Uint8Array | null;
  _upOff: number;
  _upSzx: number;
}

/**
 * A request's `cancel()`. The endpoint ends every request so (answered, failed or
 * cancelled), then starts the next one queued for the peer.
 */
function cancelRequest(this: ClientRequest): void {
  var ep = this._ep;
  if (this._state === 4) return;
  this._state = 4;
  var ti = ep._tx.indexOf(this._tx as Tx);
  if (ti >= 0) ep._tx.splice(ti, 1);
  this._tx = null;
  var i = ep._reqs.indexOf(this);
  if (i >= 0) ep._reqs.splice(i, 1);
  ep._startQueued(this._pkey, ep.now);
}

/** What request() returns. */
export type RequestHandle = ClientRequest;

// The errors a request's callback gets are written where they arise: a string held at top
// level costs two variables or more for as long as the bundle is loaded.

export class CoapEndpoint implements Pollable {
  declare params: Params;
  declare stats: CoapStats;
  /** exceptions caught from the port, an application callback, or (a bug) the engine itself: tests expect 0 */
  declare faults: number;
  /** the latest time given to receive/poll/request */
  declare now: number;
  declare onRequest: RequestHandler | null;
  /** absent unless given */
  declare streamBlock1?: (req: CoapMessage, peer: Peer) => boolean;
  declare _port: DatagramPort;
  declare _rng: Rng;
  declare _nextMid: number;
  declare _seqCounter: number;
  declare _tx: Tx[];
  /** deduplication records, oldest first (one list: a table by key plus a list of keys cost four variables more a record) */
  declare _seen: Seen[];
  declare _reqs: ClientRequest[];
  declare _waiting: Exchange[];
  declare _obsList: Observation[];
  declare _cache: BlockCache[];
  declare _uploads: Upload[];

  constructor(o: EndpointOptions) {
    this.params = params(o.params);
    this._port = o.port;
    this._rng = o.rng;
    this.onRequest = o.onRequest || null;
    if (o.streamBlock1) this.streamBlock1 = o.streamBlock1;
    this.stats = { txDatagrams: 0, txBytes: 0, rxDatagrams: 0, rxBytes: 0, retransmissions: 0, timeouts: 0, duplicates: 0, dropped: 0, rejected: 0 };
    this.now = 0;
    this.faults = 0;
    // RFC 7252 §4.4: the first message ID SHOULD be randomized
    var rnd = new Uint8Array(4);
    this._rng.fill(rnd);
    this._nextMid = (rnd[0] << 8) | rnd[1];
    this._seqCounter = 0;
    this._tx = [];
    this._seen = [];
    this._reqs = [];
    this._waiting = [];
    this._obsList = [];
    this._cache = [];
    this._uploads = [];
  }

  // ---------------------------------------------------------------- plumbing

  _send(bytes: Uint8Array, peer: Peer): void {
    this.stats.txDatagrams++;
    this.stats.txBytes += bytes.length;
    try {
      this._port.send(bytes, peer);
    } catch (e) {
      // a port that cannot send (a DTLS connection closing, a socket gone) loses the datagram,
      // as the network may: retransmission and timeouts take it from there
      this.faults++;
    }
  }

  /** Send a CON and keep it for retransmission: first timeout ACK_TIMEOUT × random(1, ACK_RANDOM_FACTOR) (RFC 7252 §4.2). */
  _sendCon(bytes: Uint8Array, peer: Peer, pkey: string, mid: number, now: number, req: ClientRequest | null, obs: Observation | null): Tx {
    var rnd = new Uint8Array(4);
    this._rng.fill(rnd);
    var r = ((rnd[0] << 8) | rnd[1]) / 65536;
    var p = this.params;
    var t: Tx = {
      _peer: peer, _pkey: pkey, _mid: mid, _bytes: bytes, _tries: 0,
      _timeout: Math.floor(p.ACK_TIMEOUT + p.ACK_TIMEOUT * (p.ACK_RANDOM_FACTOR - 1) * r),
      _next: 0, _req: req, _obs: obs,
    };
    t._next = now + t._timeout;
    // bounded: past the cap the oldest separate response stops being retransmitted
    var cap = p.MAX_DEDUP + p.MAX_OBSERVATIONS + p.MAX_PENDING_REQUESTS;
    if (this._tx.length >= cap) {
      for (var i = 0; i < this._tx.length; i++) {
        if (!this._tx[i]._req && !this._tx[i]._obs) {
          this._tx.splice(i, 1);
          break;
        }
      }
    }
    this._tx.push(t);
    this._send(bytes, peer);
    return t;
  }

  // ---------------------------------------------------------------- receive

  /** Feed one datagram from `peer`. Never throws. */
  receive(bytes: Uint8Array, peer: Peer, now: number): void {
    this.now = now;
    this.stats.rxDatagrams++;
    this.stats.rxBytes += bytes.length;
    try {
      handleDatagram(this, bytes, peer, now);
    } catch (e) {
      // a port or a callback failed: the datagram is lost, the endpoint stays usable
      this.faults++;
    }
  }

  // ---------------------------------------------------------------- server role

  /**
   * Cut `m.payload` to block `num` when it is larger than the block size or a block was
   * asked for (RFC 7959 §2.4), caching the whole body for the following blocks under `bkey`,
   * or else a key made from `req` when needed. False when block `num` lies beyond the body.
   */
  _sliceBlock2(m: CoapMessage, pkey: string, req: CoapMessage | null, bkey: string, num: number, askedSzx: number, asked: boolean, now: number): boolean {
    var ours = szxOf(this.params.BLOCK_SIZE);
    if (ours < 0) ours = 6;
    var szx = askedSzx >= 0 && askedSzx < ours ? askedSzx : ours;
    var size = blockSize(szx);
    var body = m.payload;
    if (body.length <= size && !asked) return true;
    if (m.code >> 5 !== 2) return true;
    var off = num * size;
    if (off >= body.length && !(off === 0 && body.length === 0)) return false;
    var end = off + size < body.length ? off + size : body.length;
    var more = end < body.length;
    if (num === 0) {
      removeOption(m, OPT.BLOCK2);
      if (more) {
        // later blocks carry the same options minus Observe / Block1 / Size2 (RFC 7959 §2.3, §3.4)
        var co: CoapOption[] = [];
        for (var i = 0; i < m.options.length; i++) {
          var n = m.options[i].num;
          if (n !== OPT.OBSERVE && n !== OPT.BLOCK1 && n !== OPT.SIZE2) co.push(m.options[i]);
        }
        putCache(this, bkey || rare().blockKey(pkey, req!), m.code, co, body, now);
      }
      setUint(m, OPT.SIZE2, body.length);
    }
    setOption(m, OPT.BLOCK2, blockBytes(num, more, szx));
    m.payload = body.subarray(off, end);
    return true;
  }

  // ---------------------------------------------------------------- observe, server side

  _sendNotification(o: Observation, m: CoapMessage, con: boolean, now: number): void {
    m.mid = this._nextMid;
    this._nextMid = (m.mid + 1) & 0xffff;
    if (o._mids.length >= 4) o._mids.shift();
    o._mids.push(m.mid);
    if (con) {
      m.type = TYPE.CON;
      o._lastConAt = now;
      o._inflight = this._sendCon(encode(m), o.peer, o._pkey, m.mid, now, null, o);
    } else {
      m.type = TYPE.NON;
      this._send(encode(m), o.peer);
    }
  }

  // ---------------------------------------------------------------- client role

  /** Send a request; `cb` runs once with the response or an error (every notification, when observing). */
  request(peer: Peer, spec: RequestSpec, now: number, cb: ResponseCallback): RequestHandle {
    this.now = now;
    var con = spec.confirmable !== false;
    var m = message(con ? TYPE.CON : TYPE.NON, spec.code, 0, newToken(this), spec.options ? spec.options.slice(0) : [], spec.payload);
    if (spec.path) addPathOptions(m, OPT.URI_PATH, spec.path);
    if (spec.query) addUriQuery(m, spec.query);
    if (spec.contentFormat !== undefined) setUint(m, OPT.CONTENT_FORMAT, spec.contentFormat);
    if (spec.accept !== undefined) setUint(m, OPT.ACCEPT, spec.accept);
    if (spec.observe) setOption(m, OPT.OBSERVE, uintBytes(0));
    if (spec.block2Size) {
      var szx = szxOf(spec.block2Size);
      if (szx >= 0) setOption(m, OPT.BLOCK2, blockBytes(0, false, szx));
    }
    var r: ClientRequest = {
      token: m.token, cancel: cancelRequest, _ep: this, _peer: peer, _pkey: peerKey(peer), _msg: m, _cb: cb, _con: con,
      _observe: !!spec.observe, _state: 0, _deadline: -1, _tx: null, _lastMid: -1, _body: null, _bodyLen: 0,
      _obsSeq: -1, _obsAt: 0, _onData: spec.onData || null, _up: null, _upOff: 0, _upSzx: 0,
    };
    // a body larger than a block goes block-wise, Size1 announcing the total (RFC 7959 §2.5, §4)
    var b1szx = szxOf(spec.block1Size || this.params.BLOCK_SIZE);
    if (b1szx < 0) b1szx = 6;
    if (m.payload.length > blockSize(b1szx)) {
      r._up = m.payload;
      r._upSzx = b1szx;
      setUint(m, OPT.SIZE1, m.payload.length);
      rare().block1Slice(r);
    }
    if (this._reqs.length >= this.params.MAX_PENDING_REQUESTS) {
      r._state = 4;
      try {
        cb('busy');
      } catch (e) {
        this.faults++;
      }
      return r;
    }
    this._reqs.push(r);
    // transmitted now unless an interaction with this peer is outstanding (NSTART): a
    // request is queued only while one is, so the first queued one for the peer is `r`
    this._startQueued(r._pkey, now);
    return r;
  }

  /** Transmit the peer's queued requests in order while fewer than NSTART interactions with it wait for their ACK (RFC 7252 §4.7). */
  _startQueued(pkey: string, now: number): void {
    for (var i = 0; i < this._reqs.length; i++) {
      var n = 0;
      for (var j = 0; j < this._reqs.length; j++) if (this._reqs[j]._pkey === pkey && this._reqs[j]._state === 1) n++;
      if (n >= this.params.NSTART) return;
      var r = this._reqs[i];
      if (r._pkey === pkey && r._state === 0) this._transmit(r, now);
    }
  }

  _transmit(r: ClientRequest, now: number): void {
    var m = r._msg;
    m.mid = this._nextMid;
    this._nextMid = (m.mid + 1) & 0xffff;
    r._lastMid = m.mid;
    if (r._con) {
      r._state = 1;
      r._deadline = -1;
      r._tx = this._sendCon(encode(m), r._peer, r._pkey, m.mid, now, r, null);
    } else {
      r._state = 2;
      r._deadline = now + this.params.NON_RESPONSE_TIMEOUT;
      this._send(encode(m), r._peer);
    }
  }

  /**
   * The end of request `r` (`m`, a response, or `err`), or one more notification of its
   * observation: the application's callback runs; what it throws stays out of the engine
   * (counted in `faults`). Nothing when `r` is over already.
   */
  _answer(r: ClientRequest, err: string | null, m: CoapMessage | undefined, now: number): void {
    if (r._state === 4) return;
    if (m && r._observe && m.code >> 5 === 2 && getOption(m, OPT.OBSERVE) !== null) {
      if (r._state !== 3) {
        r._state = 3;
        r._deadline = -1;
        r._obsSeq = getUint(m, OPT.OBSERVE, 0);
        r._obsAt = now;
      }
    } else r.cancel();
    try {
      r._cb(err, m);
    } catch (e) {
      this.faults++;
    }
  }

  /** A response (piggybacked or separate, or a notification) for request `r`. */
  _deliver(r: ClientRequest, m: CoapMessage, now: number): void {
    if (firstUnknownCritical(m) >= 0) {
      this._answer(r, 'bad-option', undefined, now);
      return;
    }
    if (r._state === 3) {
      // a notification: RFC 7641 §3.4 freshness (24-bit serial arithmetic, or 128 s passed)
      var v = getUint(m, OPT.OBSERVE, -1);
      if (v >= 0) {
        var v1 = r._obsSeq;
        var fresh = (v1 < v && v - v1 < 0x800000) || (v1 > v && v1 - v > 0x800000) || now > r._obsAt + 128000;
        if (!fresh) return;
        r._obsSeq = v;
        r._obsAt = now;
      }
    }
    if (r._up && m.code === CODE.CONTINUE) {
      // 2.31: the server wants the next block, possibly smaller (RFC 7959 §2.3, §2.5)
      var cv = readBlock(getOption(m, OPT.BLOCK1) || emptyBytes());
      var sent = blockSize(r._upSzx);
      // the echo names the block just sent, in the size it was sent or the size now asked for
      if (!cv || (cv.num * blockSize(cv.szx) !== r._upOff && cv.num * sent !== r._upOff) || r._upOff + sent >= r._up.length) {
        this._answer(r, 'bad-block', undefined, now);
        return;
      }
      r._upOff += sent;
      if (cv.szx < r._upSzx) r._upSzx = cv.szx;
      rare().block1Slice(r);
      this._transmit(r, now);
      return;
    }
    if (r._up) {
      // the upload is over (final answer or an error): what follows is no upload
      r._up = null;
      removeOption(r._msg, OPT.BLOCK1);
      removeOption(r._msg, OPT.SIZE1);
      r._msg.payload = emptyBytes();
    }
    var b2 = getOption(m, OPT.BLOCK2);
    if (b2 !== null && m.code >> 5 === 2) {
      var bv = readBlock(b2);
      if (!bv) {
        this._answer(r, 'bad-block', undefined, now);
        return;
      }
      if (bv.more || bv.num > 0) {
        if (r._state === 3 || (r._observe && getOption(m, OPT.OBSERVE) !== null)) {
          // a block-wise notification: not followed (see Known limits); delivered as is
        } else {
          collectBlock2(this, r, m, bv.num, bv.more, bv.szx, now);
          return;
        }
      }
    }
    if (r._onData && m.code >> 5 === 2 && r._state !== 3) {
      // a body that came whole
      if (!rare().stream(this, r, m.payload, 0, false)) return;
      m.payload = emptyBytes();
    }
    this._answer(r, null, m, now);
  }

  // ---------------------------------------------------------------- time

  /** Do what is due at `now` (retransmissions, timeouts, empty ACKs, expiry); returns the next deadline or -1. */
  poll(now: number): number {
    this.now = now;
    var p = this.params;
    var next = -1;
    var i;
    // retransmissions (RFC 7252 §4.2): collect first, callbacks may change the lists
    var due: Tx[] = [];
    for (i = 0; i < this._tx.length; i++) if (this._tx[i]._next <= now) due.push(this._tx[i]);
    for (i = 0; i < due.length; i++) {
      var t = due[i];
      var ti = this._tx.indexOf(t);
      if (ti < 0) continue;
      if (t._tries >= p.MAX_RETRANSMIT) {
        this._tx.splice(ti, 1);
        this.stats.timeouts++;
        if (t._obs) t._obs.cancel('timeout');
        if (t._req) this._answer(t._req, 'timeout', undefined, now);
        continue;
      }
      var o = t._obs;
      if (o && o._inflight === t && o._queued && o.active) {
        // the replacing notification takes over this transmission (RFC 7641 §4.5.2)
        var q = o._queued;
        delete o._queued;
        q.type = TYPE.CON;
        q.mid = this._nextMid;
        this._nextMid = (q.mid + 1) & 0xffff;
        if (o._mids.length >= 4) o._mids.shift();
        o._mids.push(q.mid);
        t._mid = q.mid;
        t._bytes = encode(q);
        o._lastConAt = now;
      }
      t._tries++;
      t._timeout *= 2;
      t._next = now + t._timeout;
      this.stats.retransmissions++;
      this._send(t._bytes, t._peer);
    }
    // the earliest deadline: next < 0 is "none yet"
    for (i = 0; i < this._tx.length; i++) if (next < 0 || this._tx[i]._next < next) next = this._tx[i]._next;
    // empty ACKs for handlers that have not answered yet (RFC 7252 §5.2.2)
    var w = this._waiting.slice(0);
    for (i = 0; i < w.length; i++) {
      var ex = w[i];
      if (ex._ackAt <= now) {
        this._waiting.splice(this._waiting.indexOf(ex), 1);
        if (!ex.responded && !ex._acked) rare().emptyAck(this, ex);
      } else if (next < 0 || ex._ackAt < next) next = ex._ackAt;
    }
    // clients waiting for a separate or NON response
    var rs = this._reqs.slice(0);
    for (i = 0; i < rs.length; i++) {
      var r = rs[i];
      if (r._state === 2 && r._deadline >= 0) {
        if (r._deadline <= now) this._answer(r, 'no-response', undefined, now);
        else if (next < 0 || r._deadline < next) next = r._deadline;
      }
    }
    // expiry: deduplication records, block caches, uploads (bounded anyway; no deadline needed)
    for (i = this._seen.length - 1; i >= 0; i--) if (this._seen[i]._expires <= now) this._seen.splice(i, 1);
    for (i = this._cache.length - 1; i >= 0; i--) if (this._cache[i]._expires <= now) this._cache.splice(i, 1);
    for (i = this._uploads.length - 1; i >= 0; i--) if (this._uploads[i]._expires <= now) this._uploads.splice(i, 1);
    return next;
  }

  /**
   * Done with this endpoint: drop everything it holds; it must not be used afterwards.
   * On Espruino an object once locked 15 times at the same moment stays locked for good
   * (Espruino issue #2616) and the garbage collector keeps it and all it references. An
   * endpoint is `this` in some seven nested calls on a response's callback path, two
   * locks each, so every endpoint reaches that: emptied, a closed one keeps one variable
   * instead of its whole connection (the Bootstrap-Server's: some 380 with DTLS).
   */
  close(): void {
    var keys = Object.keys(this);
    for (var i = 0; i < keys.length; i++) delete (this as any)[keys[i]];
  }

}

// What the device never calls, as functions of the module rather than methods: exported
// only, each is used once (in the bundle's `coap` namespace, built on access), so the bundle
// holds none of them at load (as methods, some 17 variables).

/** The endpoint's active server-side observation relations. */
export function observations(ep: CoapEndpoint): Observation[] {
  return ep._obsList.slice(0);
}

/** End every relation (of one peer, if given), e.g. when the LwM2M server de-registers us. */
export function cancelObservations(ep: CoapEndpoint, peer?: Peer): void {
  var k = peer ? peerKey(peer) : '';
  var list = ep._obsList.slice(0);
  for (var i = 0; i < list.length; i++) if (!peer || list[i]._pkey === k) list[i].cancel();
}

/** Sizes of the endpoint's internal tables (for tests: no input may grow them without bound). */
export function sizes(ep: CoapEndpoint): { [k: string]: number } {
  return {
    tx: ep._tx.length, seen: ep._seen.length, reqs: ep._reqs.length, waiting: ep._waiting.length,
    observations: ep._obsList.length, cache: ep._cache.length, uploads: ep._uploads.length,
  };
}

// The endpoint's steps that run from one place each: functions of the module, not methods.
// terser then writes each into its one caller, so it costs no Espruino variables while the
// endpoint is idle (a method costs about seven, defined or not in use). Fields and methods
// named `_x` are the endpoint's internals, for these functions and the classes above.

function acceptObservation(ep: CoapEndpoint, ex: Exchange): Observation | null {
  if (!ex._observeAsked || ex.responded) return null;
  if (ex._obs) return ex._obs;
  // same endpoint and token: update the existing entry, do not add (RFC 7641 §4.1)
  var o = rare().obsByToken(ep, ex._pkey, ex.request.token);
  if (o) {
    o._szx = ex._b2szx;
  } else {
    if (ep._obsList.length >= ep.params.MAX_OBSERVATIONS) return null;
    o = new Observation(ep, ex);
    ep._obsList.push(o);
  }
  ex._obs = o;
  return o;
}

/** Send a notification for `o` (see Observation.notify). */
function notifyObservation(ep: CoapEndpoint, o: Observation, res: ResponseSpec, confirmable: boolean, now: number): void {
  if (!o.active) return;
  ep.now = now;
  var m = message(0, res.code, 0, o.token, res.options ? res.options.slice(0) : [], res.payload);
  if (res.contentFormat !== undefined) setUint(m, OPT.CONTENT_FORMAT, res.contentFormat);
  var ok = (res.code >> 5) === 2;
  if (ok) {
    setUint(m, OPT.OBSERVE, (ep._seqCounter = (ep._seqCounter + 1) & OBSERVE_SEQ_MASK));
    // a large notification carries its first block; the client GETs the rest (RFC 7959 §3.4)
    ep._sliceBlock2(m, o._pkey, null, o._bkey, 0, o._szx, false, now);
  }
  var con = confirmable || now - o._lastConAt >= ep.params.OBSERVE_CON_INTERVAL || !ok;
  if (o._inflight && ok) {
    // RFC 7641 §4.5.2: a newer notification replaces the one in flight and inherits its
    // retransmission counter and timeout; it goes out when that one is acknowledged or due
    o._queued = m;
  } else ep._sendNotification(o, m, con, now);
  if (!ok) o.cancel('error');
}


function newToken(ep: CoapEndpoint): Uint8Array {
  var t = new Uint8Array(ep.params.TOKEN_LENGTH);
  for (var tries = 0; tries < 4; tries++) {
    ep._rng.fill(t);
    var clash = false;
    for (var i = 0; i < ep._reqs.length; i++) if (equalConstTime(ep._reqs[i]._msg.token, t)) clash = true;
    if (!clash) break;
  }
  return t;
}

function findTx(ep: CoapEndpoint, pkey: string, mid: number): number {
  for (var i = 0; i < ep._tx.length; i++) if (ep._tx[i]._mid === mid && ep._tx[i]._pkey === pkey) return i;
  return -1;
}

function handleDatagram(ep: CoapEndpoint, bytes: Uint8Array, peer: Peer, now: number): void {
  var d = decode(bytes);
  if (typeof d === 'number') {
    if (d === DECODE_REJECT) {
      ep.stats.rejected++;
      // RFC 7252 §4.2: a CON with a format error is rejected with a matching RST
      if (((bytes[0] >> 4) & 3) === TYPE.CON) ep._send(encode(message(TYPE.RST, 0, (bytes[2] << 8) | bytes[3])), peer);
    } else ep.stats.dropped++;
    return;
  }
  var m = d;
  var pkey = peerKey(peer);
  if (m.type === TYPE.ACK || m.type === TYPE.RST) {
    onAckOrReset(ep, m, peer, pkey, now);
    return;
  }
  if (m.code === CODE.EMPTY) {
    // a CON Empty message is a "ping" (RFC 7252 §4.3): answer RST; an Empty NON is ignored
    if (m.type === TYPE.CON) ep._send(encode(message(TYPE.RST, 0, m.mid)), peer);
    else ep.stats.rejected++;
    return;
  }
  // deduplication (RFC 7252 §4.5). The Message ID in a fixed six digits: a key that grew by a
  // digit when the IDs pass 10000 would take one more Espruino variable in each of the
  // MAX_DEDUP records (the HIL saw +32 at once, mid-run).
  var key = pkey + '#' + (m.mid + 100000);
  var seen = ep._seen;
  var i;
  for (i = 0; i < seen.length; i++) if (seen[i]._key === key) break;
  var s = i < seen.length ? seen[i] : null;
  if (s && s._expires > now) {
    ep.stats.duplicates++;
    if (m.type === TYPE.CON) {
      if (s._reply) ep._send(s._reply, peer);
      else if (s._ex && !s._ex.responded && !s._ex._acked) rare().emptyAck(ep, s._ex);
    }
    return;
  }
  // a new record goes last (an expired one with the same key is replaced); past MAX_DEDUP the oldest goes
  if (s) seen.splice(i, 1);
  if (seen.length >= ep.params.MAX_DEDUP) seen.shift();
  s = { _key: key, _expires: now + (m.type === TYPE.CON ? ep.params.EXCHANGE_LIFETIME : ep.params.NON_LIFETIME) };
  seen.push(s);
  if ((m.code >> 5) === 0) onRequestMsg(ep, m, peer, pkey, s, now);
  else onResponse(ep, m, peer, pkey, s, now);
}

function onAckOrReset(ep: CoapEndpoint, m: CoapMessage, peer: Peer, pkey: string, now: number): void {
  // an RST is always Empty; an ACK is Empty or carries a response, never a request (RFC 7252 §4.2, §4.3)
  if ((m.type === TYPE.RST && m.code !== CODE.EMPTY) || (m.code !== CODE.EMPTY && (m.code >> 5) === 0)) {
    ep.stats.rejected++;
    return;
  }
  var i = findTx(ep, pkey, m.mid);
  var t = i >= 0 ? ep._tx[i] : null;
  if (t) ep._tx.splice(i, 1);
  if (m.type === TYPE.RST) {
    var o = t && t._obs ? t._obs : obsByMid(ep, pkey, m.mid);
    if (o) o.cancel('reset');
    var r = t && t._req ? t._req : reqByMid(ep, pkey, m.mid);
    if (r) ep._answer(r, 'reset', undefined, now);
    return;
  }
  if (!t) return; // a late or duplicate ACK
  if (t._obs) {
    var ob = t._obs;
    if (ob._inflight === t) delete ob._inflight;
    if (ob._queued && ob.active) {
      // the newer notification that waited for this one: CON (RFC 7641 §4.5.2)
      var q = ob._queued;
      delete ob._queued;
      ep._sendNotification(ob, q, true, now);
    }
  }
  var req = t._req;
  if (!req || req._state !== 1) return;
  req._tx = null;
  if (m.code === CODE.EMPTY) {
    // separate response to follow (RFC 7252 §5.2.2); the interaction is no longer outstanding (NSTART)
    req._state = 2;
    req._deadline = now + ep.params.SEPARATE_RESPONSE_TIMEOUT;
    ep._startQueued(req._pkey, now);
    return;
  }
  if (!equalConstTime(m.token, req._msg.token)) {
    // not our response (RFC 7252 §5.3.2): take it as a bare acknowledgement
    req._state = 2;
    req._deadline = now + ep.params.SEPARATE_RESPONSE_TIMEOUT;
    ep._startQueued(req._pkey, now);
    return;
  }
  ep._deliver(req, m, now);
}

function obsByMid(ep: CoapEndpoint, pkey: string, mid: number): Observation | null {
  for (var i = 0; i < ep._obsList.length; i++) {
    var o = ep._obsList[i];
    if (o._pkey === pkey && o._mids.indexOf(mid) >= 0) return o;
  }
  return null;
}

function reqByMid(ep: CoapEndpoint, pkey: string, mid: number): ClientRequest | null {
  for (var i = 0; i < ep._reqs.length; i++) if (ep._reqs[i]._pkey === pkey && ep._reqs[i]._lastMid === mid) return ep._reqs[i];
  return null;
}

function onRequestMsg(ep: CoapEndpoint, m: CoapMessage, peer: Peer, pkey: string, s: Seen, now: number): void {
  var ex = new Exchange(ep, m, peer, pkey, s);
  s._ex = ex;
  var bad = firstUnknownCritical(m);
  if (bad >= 0) {
    // RFC 7252 §5.4.1: 4.02 for a CON; a NON is rejected (silently ignored here)
    if (m.type === TYPE.CON) ex.respond({ code: CODE.BAD_OPTION }, now);
    return;
  }
  if (getOption(m, OPT.PROXY_URI) !== null || getOption(m, OPT.PROXY_SCHEME) !== null) {
    ex.respond({ code: CODE.PROXYING_NOT_SUPPORTED }, now);
    return;
  }
  // Block2 asked for (RFC 7959 §2.4): a later block may come from the cache
  var b2 = getOption(m, OPT.BLOCK2);
  if (b2 !== null) {
    var bv = readBlock(b2);
    if (!bv) {
      ex.respond({ code: CODE.BAD_REQUEST }, now);
      return;
    }
    ex._b2num = bv.num;
    ex._b2szx = bv.szx;
    if (bv.num > 0 && serveCachedBlock(ep, ex, now)) return;
  }
  // Block1 upload (RFC 7959 §2.5): reassemble, 2.31 per block, the handler sees the whole body
  var b1 = getOption(m, OPT.BLOCK1);
  if (b1 !== null && !collectBlock1(ep, ex, b1, now)) return;
  // Observe (RFC 7641 §2): 0 registers (if the handler accepts), 1 deregisters
  var ov = getOption(m, OPT.OBSERVE);
  if (ov !== null && (m.code === CODE.GET || m.code === CODE.FETCH)) {
    var o = rare().obsByToken(ep, pkey, m.token);
    var ovv = readUintValue3(ov);
    if (ovv === 0) ex._observeAsked = true;
    else if (ovv === 1 && o) o.cancel('deregister');
  }
  var h = ep.onRequest;
  if (!h) {
    ex.respond({ code: CODE.NOT_FOUND }, now);
    return;
  }
  try {
    h(m, peer, ex);
  } catch (e) {
    if (!ex.responded) ex.respond({ code: CODE.INTERNAL_SERVER_ERROR }, now);
    return;
  }
  if (!ex.responded && m.type === TYPE.CON) {
    if (ep.params.SEPARATE_ACK_DELAY <= 0) rare().emptyAck(ep, ex);
    else {
      ex._ackAt = now + ep.params.SEPARATE_ACK_DELAY;
      // bounded: under a flood the oldest waiting exchange gets its empty ACK early
      if (ep._waiting.length >= ep.params.MAX_DEDUP) rare().emptyAck(ep, ep._waiting.shift() as Exchange);
      ep._waiting.push(ex);
    }
  }
  // a re-registration the handler did not accept ends the old relation (RFC 7641 §4.1)
  if (ex._observeAsked && !ex._obs) {
    var old = rare().obsByToken(ep, pkey, m.token);
    if (old) old.cancel('replaced');
  }
}

function findCache(ep: CoapEndpoint, key: string, now: number): BlockCache | null {
  for (var i = 0; i < ep._cache.length; i++) if (ep._cache[i]._key === key && ep._cache[i]._expires > now) return ep._cache[i];
  return null;
}

function putCache(ep: CoapEndpoint, key: string, code: number, options: CoapOption[], body: Uint8Array, now: number): void {
  for (var i = ep._cache.length - 1; i >= 0; i--) if (ep._cache[i]._key === key) ep._cache.splice(i, 1);
  if (ep._cache.length >= ep.params.MAX_BLOCK_CACHE) ep._cache.shift();
  ep._cache.push({ _key: key, _code: code, _options: options, _body: body, _expires: now + ep.params.EXCHANGE_LIFETIME });
}

function serveCachedBlock(ep: CoapEndpoint, ex: Exchange, now: number): boolean {
  var c = findCache(ep, rare().blockKey(ex._pkey, ex.request), now);
  if (!c) return false;
  ex.respond({ code: c._code, options: c._options, payload: c._body }, now);
  return true;
}

function collectBlock1(ep: CoapEndpoint, ex: Exchange, b1: Uint8Array, now: number): boolean {
  var m = ex.request;
  var bv = readBlock(b1);
  if (!bv) {
    ex.respond({ code: CODE.BAD_REQUEST }, now);
    return false;
  }
  var key = rare().blockKey(ex._pkey, m);
  var u: Upload | null = null;
  var i;
  for (i = 0; i < ep._uploads.length; i++) if (ep._uploads[i]._key === key) u = ep._uploads[i];
  var size = blockSize(bv.szx);
  var off = bv.num * size;
  var max = ep.params.MAX_BODY;
  var size1 = getUint(m, OPT.SIZE1, 0);
  ex._block1 = b1;
  if (bv.num === 0) {
    rare().dropUpload(ep, key);
    u = null;
    var sb = ep.streamBlock1;
    if (bv.more && sb && sb(m, ex.peer)) u = { _key: key, _buf: null, _len: 0, _expires: 0 };
  }
  var streamed = u !== null && u._buf === null;
  if (!streamed && (size1 > max || off + m.payload.length > max)) {
    rare().dropUpload(ep, key);
    var tl = message(0, 0, 0);
    setUint(tl, OPT.SIZE1, max);
    ex.respond({ code: CODE.REQUEST_ENTITY_TOO_LARGE, options: tl.options }, now);
    return false;
  }
  if (bv.num === 0) {
    if (!bv.more) return true; // the whole body in one block
    if (!u) u = { _key: key, _buf: new Uint8Array(size1 > 0 ? size1 : 2 * size), _len: 0, _expires: 0 };
    if (ep._uploads.length >= ep.params.MAX_BLOCK_CACHE) ep._uploads.shift();
    ep._uploads.push(u);
  }
  if (!u || u._len !== off || (bv.more && m.payload.length !== size)) {
    // RFC 7959 §2.9.2: a block out of sequence (or a first block never seen)
    ex.respond({ code: CODE.REQUEST_ENTITY_INCOMPLETE }, now);
    return false;
  }
  var need = u._len + m.payload.length;
  u._expires = now + ep.params.EXCHANGE_LIFETIME;
  if (!u._buf) {
    // streamed upload: the handler sees each block (ex.blockOffset, ex.blockMore) and
    // answers 2.31 Continue to all but the last; the endpoint echoes Block1
    u._len = need;
    ex.blockOffset = off;
    ex.blockMore = bv.more;
    if (!bv.more) rare().dropUpload(ep, key);
    return true;
  }
  if (need > u._buf.length) {
    var nb = new Uint8Array(need * 2 > max ? max : need * 2);
    nb.set(u._buf.subarray(0, u._len));
    u._buf = nb;
  }
  u._buf.set(m.payload, u._len);
  u._len = need;
  if (bv.more) {
    // 2.31 Continue, echoing the block (§2.3: the server may ask for a smaller SZX)
    var ours = szxOf(ep.params.BLOCK_SIZE);
    ex._block1 = blockBytes(bv.num, true, bv.szx < ours ? bv.szx : ours);
    ex.respond({ code: CODE.CONTINUE }, now);
    return false;
  }
  rare().dropUpload(ep, key);
  m.payload = u._len === u._buf.length ? u._buf : new Uint8Array(u._buf.subarray(0, u._len));
  removeOption(m, OPT.BLOCK1);
  return true;
}

function onResponse(ep: CoapEndpoint, m: CoapMessage, peer: Peer, pkey: string, s: Seen, now: number): void {
  var r: ClientRequest | null = null;
  for (var i = 0; i < ep._reqs.length; i++) {
    var c = ep._reqs[i];
    if (c._pkey === pkey && c._state !== 0 && equalConstTime(c._msg.token, m.token)) r = c;
  }
  if (!r) {
    // RFC 7252 §4.2/§4.3 and RFC 7641 §3.6: reject what we have no context for
    ep._send(encode(message(TYPE.RST, 0, m.mid)), peer);
    return;
  }
  if (m.type === TYPE.CON) {
    var ack = encode(message(TYPE.ACK, 0, m.mid));
    if (firstUnknownCritical(m) >= 0) ack = encode(message(TYPE.RST, 0, m.mid));
    s._reply = ack;
    ep._send(ack, peer);
  }
  if (r._state === 1) {
    // the response came before (or instead of) the ACK: it acknowledges the request
    var ti = ep._tx.indexOf(r._tx as Tx);
    if (ti >= 0) ep._tx.splice(ti, 1);
    r._tx = null;
    r._state = 2;
    ep._startQueued(pkey, now);
  }
  ep._deliver(r, m, now);
}

/** Follow a Block2 response as a client (RFC 7959 §2.4): GET the next block until M=0. */
function collectBlock2(ep: CoapEndpoint, r: ClientRequest, m: CoapMessage, num: number, more: boolean, szx: number, now: number): void {
  var size = blockSize(szx);
  var off = num * size;
  if (num === 0) r._bodyLen = 0;
  if (off !== r._bodyLen || (more && m.payload.length !== size)) {
    ep._answer(r, 'bad-block', undefined, now);
    return;
  }
  var need = off + m.payload.length;
  if (r._onData) {
    // streamed: nothing kept, no MAX_BODY bound
    if (!rare().stream(ep, r, m.payload, off, more)) return;
    if (!more) m.payload = emptyBytes();
  } else {
    var max = ep.params.MAX_BODY;
    if (need > max) {
      ep._answer(r, 'too-large', undefined, now);
      return;
    }
    if (!r._body || r._body.length < need) {
      // Size2 (RFC 7959 §4) lets the buffer be allocated once
      var total = getUint(m, OPT.SIZE2, 0);
      var nb = new Uint8Array(total >= need && total <= max ? total : need * 2 > max ? max : need * 2);
      if (r._body) nb.set(r._body.subarray(0, r._bodyLen));
      r._body = nb;
    }
    r._body.set(m.payload, off);
    if (!more) m.payload = r._body.length === need ? r._body : new Uint8Array(r._body.subarray(0, need));
  }
  r._bodyLen = need;
  if (!more) {
    removeOption(m, OPT.BLOCK2);
    r._body = null;
    r._observe = false;
    ep._answer(r, null, m, now);
    return;
  }
  // next block: same request, new MID, without Observe (RFC 7959 §2.4, §3.4)
  var q = r._msg;
  removeOption(q, OPT.OBSERVE);
  r._observe = false;
  setOption(q, OPT.BLOCK2, blockBytes(num + 1, false, szx));
  ep._transmit(r, now);
}

// Observe values are at most 3 bytes (RFC 7641 §2)
function readUintValue3(v: Uint8Array): number {
  var x = 0;
  for (var i = 0; i < v.length && i < 3; i++) x = x * 256 + v[i];
  return v.length > 3 ? -1 : x;
}

/**
 * The endpoint's steps that run rarely and from several places: an empty ACK for a handler
 * that has not answered, the Block1/Block2 bookkeeping, the block cache key, the lookup of
 * an observation by token. Built when one is needed and dropped after (docs/memory.md, "Code
 * loaded on demand"): as methods they cost Espruino some 35 variables for as long as the
 * bundle is loaded; here they exist only while they run. They keep no state of their own.
 */
function rare() {
  /** RFC 7252 §5.2.2: an empty ACK now, the response later as a separate CON. */
  function emptyAck(ep: CoapEndpoint, ex: Exchange): void {
    ex._acked = true;
    var b = encode(message(TYPE.ACK, 0, ex.request.mid));
    if (ex._seen) ex._seen._reply = b;
    ep._send(b, ex.peer);
  }
  /** The key of a request's block cache entry and upload: peer, method, Uri-Path, Uri-Query, Accept. */
  function blockKey(pkey: string, m: CoapMessage): string {
    var k = pkey + '|' + m.code;
    var o = m.options;
    for (var i = 0; i < o.length; i++) {
      var n = o[i].num;
      if (n === OPT.URI_PATH || n === OPT.URI_QUERY || n === OPT.ACCEPT) k += '|' + n + ':' + toHex(o[i].value);
    }
    return k;
  }
  function obsByToken(ep: CoapEndpoint, pkey: string, token: Uint8Array): Observation | null {
    for (var i = 0; i < ep._obsList.length; i++) {
      var o = ep._obsList[i];
      if (o._pkey === pkey && equalConstTime(o.token, token)) return o;
    }
    return null;
  }
  function dropUpload(ep: CoapEndpoint, key: string): void {
    for (var i = ep._uploads.length - 1; i >= 0; i--) if (ep._uploads[i]._key === key) ep._uploads.splice(i, 1);
  }
  /** Put the Block1 block starting at r._upOff into the request (RFC 7959 §2.5). */
  function block1Slice(r: ClientRequest): void {
    var up = r._up as Uint8Array;
    var size = blockSize(r._upSzx);
    var end = r._upOff + size < up.length ? r._upOff + size : up.length;
    setOption(r._msg, OPT.BLOCK1, blockBytes(r._upOff / size, end < up.length, r._upSzx));
    r._msg.payload = up.subarray(r._upOff, end);
  }
  /** Hand a piece of body to the application; false (request failed) if it threw. */
  function stream(ep: CoapEndpoint, r: ClientRequest, data: Uint8Array, off: number, more: boolean): boolean {
    try {
      (r._onData as (d: Uint8Array, o: number, m: boolean) => void)(data, off, more);
      return true;
    } catch (e) {
      ep.faults++;
      ep._answer(r, 'aborted', undefined, ep.now);
      return false;
    }
  }
  return { emptyAck: emptyAck, blockKey: blockKey, obsByToken: obsByToken, dropUpload: dropUpload, block1Slice: block1Slice, stream: stream };
}
