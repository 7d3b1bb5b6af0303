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
import { toHex } from '../bytes';
import { CODE, OPT, TYPE, OBSERVE_SEQ_MASK, params, szxOf, type Params } from './constants';
import {
  decode, encode, message, emptyBytes, DECODE_REJECT, getOption, getUint, setUint, setOption, removeOption,
  addPathOptions, addUriQuery, isCritical, uintBytes, getPathString, type CoapMessage, type CoapOption,
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
// not a table held at top level (some 20 Espruino variables).
function firstUnknownCritical(m: CoapMessage): number {
  var o = m.options;
  for (var i = 0; i < o.length; i++) if (isCritical(o[i].num) && ',1,3,5,7,11,15,17,23,27,35,39,'.indexOf(',' + o[i].num + ',') < 0) return o[i].num;
  return -1;
}

function codeClass(code: number): number {
  return code >> 5;
}

function emptyMessage(type: number, mid: number): Uint8Array {
  var b = new Uint8Array(4);
  b[0] = 0x40 | (type << 4);
  b[2] = (mid >> 8) & 255;
  b[3] = mid & 255;
  return b;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

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

/** Deduplication record of a received CON/NON (RFC 7252 §4.5). */
interface Seen {
  _expires: number;
  /** what we answered (ACK with piggybacked response, or empty ACK), resent on a duplicate CON */
  _reply: Uint8Array | null;
  _ex: Exchange | null;
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
  /** Answer the request (piggybacked if still possible, else a separate response). */
  respond(res: ResponseSpec, now?: number): void {
    this._ep._respondTo(this, res, now === undefined ? this._ep.now : now);
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
  declare _inflight: Tx | null;
  declare _queued: CoapMessage | null;
  declare _queuedCon: boolean;
  declare _mids: number[];
  declare _szx: number;
  constructor(ep: CoapEndpoint, ex: Exchange) {
    this._ep = ep;
    this.peer = ex.peer;
    this._pkey = ex._pkey;
    this.token = new Uint8Array(ex.request.token);
    this.path = getPathString(ex.request) || '/';
    // only the request's block cache key is kept, not a copy of the request (on Espruino a
    // copied message with its options costs some 40 variables for each observation)
    this._bkey = ep._blockKey(ex._pkey, ex.request);
    this.active = true;
    this._lastConAt = ep.now;
    this._inflight = null;
    this._queued = null;
    this._queuedCon = false;
    this._mids = [];
    this._szx = ex._b2szx;
  }
  /** Send a notification (CON when asked, or when the last CON one is older than OBSERVE_CON_INTERVAL). */
  notify(res: ResponseSpec, confirmable?: boolean, now?: number): void {
    notifyObservation(this._ep, this, res, !!confirmable, now === undefined ? this._ep.now : now);
  }
  /** End the relation from the application's side (onCancel runs with 'cancelled'). */
  cancel(): void {
    this._ep._endObservation(this, 'cancelled');
  }
}

/** A client request in flight. */
class ClientRequest {
  declare _peer: Peer;
  declare _pkey: string;
  declare _msg: CoapMessage;
  declare _cb: ResponseCallback;
  declare _con: boolean;
  declare _observe: boolean;
  /** 0 queued, 1 sent and not acknowledged, 2 acknowledged / NON sent: waiting for the response, 3 observing, 4 done */
  declare _state: number;
  declare _deadline: number;
  declare _tx: Tx | null;
  declare _lastMid: number;
  declare _body: Uint8Array | null;
  declare _bodyLen: number;
  declare _obsSeq: number;
  declare _obsAt: number;
  declare _onData: ((data: Uint8Array, offset: number, more: boolean) => void) | null;
  /** a Block1 upload: the whole body, where the block in flight starts, its size exponent */
  declare _up: Uint8Array | null;
  declare _upOff: number;
  declare _upSzx: number;
  constructor(peer: Peer, msg: CoapMessage, cb: ResponseCallback, con: boolean, observe: boolean) {
    this._peer = peer;
    this._pkey = peerKey(peer);
    this._msg = msg;
    this._cb = cb;
    this._con = con;
    this._observe = observe;
    this._state = 0;
    this._deadline = -1;
    this._tx = null;
    this._lastMid = -1;
    this._body = null;
    this._bodyLen = 0;
    this._obsSeq = -1;
    this._obsAt = 0;
    this._onData = null;
    this._up = null;
    this._upOff = 0;
    this._upSzx = 0;
  }
}

/** What request() returns. */
export class RequestHandle {
  declare token: Uint8Array;
  declare _ep: CoapEndpoint;
  declare _req: ClientRequest;
  constructor(ep: CoapEndpoint, req: ClientRequest) {
    this._ep = ep;
    this._req = req;
    this.token = req._msg.token;
  }
  /** Stop: no further callback; retransmissions stop; an observation is forgotten. */
  cancel(): void {
    this._ep._finish(this._req);
  }
}

var E_BUSY = 'busy';
var E_TIMEOUT = 'timeout';
var E_RESET = 'reset';
var E_NORESP = 'no-response';
var E_LARGE = 'too-large';
var E_BLOCK = 'bad-block';
var E_OPTION = 'bad-option';

export class CoapEndpoint implements Pollable {
  declare params: Params;
  declare stats: CoapStats;
  /** exceptions caught from the port, an application callback, or (a bug) the engine itself: tests expect 0 */
  declare faults: number;
  /** the latest time given to receive/poll/request */
  declare now: number;
  declare onRequest: RequestHandler | null;
  declare streamBlock1: ((req: CoapMessage, peer: Peer) => boolean) | null;
  declare _port: DatagramPort;
  declare _rng: Rng;
  declare _rnd: Uint8Array;
  declare _nextMid: number;
  declare _seqCounter: number;
  declare _tx: Tx[];
  declare _seen: { [k: string]: Seen };
  declare _seenKeys: string[];
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
    this.streamBlock1 = o.streamBlock1 || null;
    this.stats = { txDatagrams: 0, txBytes: 0, rxDatagrams: 0, rxBytes: 0, retransmissions: 0, timeouts: 0, duplicates: 0, dropped: 0, rejected: 0 };
    this.now = 0;
    this.faults = 0;
    this._rnd = new Uint8Array(4);
    // RFC 7252 §4.4: the first message ID SHOULD be randomized
    this._nextMid = random16(this);
    this._seqCounter = 0;
    this._tx = [];
    this._seen = {};
    this._seenKeys = [];
    this._reqs = [];
    this._waiting = [];
    this._obsList = [];
    this._cache = [];
    this._uploads = [];
  }

  // ---------------------------------------------------------------- plumbing


  _mid(): number {
    var m = this._nextMid;
    this._nextMid = (m + 1) & 0xffff;
    return m;
  }


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
    this._rng.fill(this._rnd);
    var r = ((this._rnd[0] << 8) | this._rnd[1]) / 65536;
    var p = this.params;
    var t: Tx = {
      _peer: peer, _pkey: pkey, _mid: mid, _bytes: bytes, _tries: 0,
      _timeout: Math.floor(p.ACK_TIMEOUT + p.ACK_TIMEOUT * (p.ACK_RANDOM_FACTOR - 1) * r),
      _next: 0, _req: req, _obs: obs,
    };
    t._next = now + t._timeout;
    // bounded: past the cap the oldest separate response stops being retransmitted
    var cap = this.params.MAX_DEDUP + this.params.MAX_OBSERVATIONS + this.params.MAX_PENDING_REQUESTS;
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


  _dropTx(t: Tx | null): void {
    if (!t) return;
    for (var i = 0; i < this._tx.length; i++) {
      if (this._tx[i] === t) {
        this._tx.splice(i, 1);
        return;
      }
    }
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


  _sendEmptyAck(ex: Exchange): void {
    ex._acked = true;
    var b = emptyMessage(TYPE.ACK, ex.request.mid);
    if (ex._seen) ex._seen._reply = b;
    this._send(b, ex.peer);
  }

  _blockKey(pkey: string, m: CoapMessage): string {
    var k = pkey + '|' + m.code;
    var o = m.options;
    for (var i = 0; i < o.length; i++) {
      var n = o[i].num;
      if (n === OPT.URI_PATH || n === OPT.URI_QUERY || n === OPT.ACCEPT) k += '|' + n + ':' + toHex(o[i].value);
    }
    return k;
  }





  _dropUpload(key: string): void {
    for (var i = this._uploads.length - 1; i >= 0; i--) if (this._uploads[i]._key === key) this._uploads.splice(i, 1);
  }

  /** Build the response message for an exchange (options, Observe, Block1 echo, Block2 slicing). */
  _respondTo(ex: Exchange, res: ResponseSpec, now: number): void {
    if (ex.responded) return;
    ex.responded = true;
    this.now = now;
    // the dedup record keeps only the reply bytes from now on, not the request datagram
    if (ex._seen) ex._seen._ex = null;
    var wi = this._waiting.indexOf(ex);
    if (wi >= 0) this._waiting.splice(wi, 1);
    var req = ex.request;
    var m = message(0, res.code, 0, req.token, res.options ? res.options.slice(0) : [], res.payload);
    if (res.contentFormat !== undefined) setUint(m, OPT.CONTENT_FORMAT, res.contentFormat);
    var obs = ex._obs;
    if (obs && obs.active) {
      if (codeClass(res.code) === 2) setUint(m, OPT.OBSERVE, this._nextSeq());
      else this._endObservation(obs, 'error');
    }
    if (ex._block1 && codeClass(res.code) === 2) setOption(m, OPT.BLOCK1, ex._block1);
    if (!this._sliceBlock2(m, ex._pkey, req, '', ex._b2num < 0 ? 0 : ex._b2num, ex._b2szx, ex._b2num >= 0, now)) {
      m = message(0, CODE.BAD_OPTION, 0, req.token);
    }
    if (req.type === TYPE.CON && !ex._acked) {
      m.type = TYPE.ACK;
      m.mid = req.mid;
      var b = encode(m);
      if (ex._seen) ex._seen._reply = b;
      this._send(b, ex.peer);
    } else if (req.type === TYPE.CON) {
      // separate response (RFC 7252 §5.2.2): a new CON, retransmitted until acknowledged
      m.type = TYPE.CON;
      m.mid = this._mid();
      this._sendCon(encode(m), ex.peer, ex._pkey, m.mid, now, null, null);
    } else {
      m.type = TYPE.NON;
      m.mid = this._mid();
      this._send(encode(m), ex.peer);
    }
  }

  /**
   * Cut `m.payload` to block `num` when it is larger than the block size or a block was
   * asked for (RFC 7959 §2.4), caching the whole body for the following blocks.
   * False when block `num` lies beyond the body.
   */
  /** Slices a Block2 response; the block cache key is `bkey`, or else made from `req` when needed. */
  _sliceBlock2(m: CoapMessage, pkey: string, req: CoapMessage | null, bkey: string, num: number, askedSzx: number, asked: boolean, now: number): boolean {
    var ours = szxOf(this.params.BLOCK_SIZE);
    if (ours < 0) ours = 6;
    var szx = askedSzx >= 0 && askedSzx < ours ? askedSzx : ours;
    var size = blockSize(szx);
    var body = m.payload;
    if (body.length <= size && !asked) return true;
    if (codeClass(m.code) !== 2) return true;
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
        putCache(this, bkey || this._blockKey(pkey, req!), m.code, co, body, now);
      }
      setUint(m, OPT.SIZE2, body.length);
    }
    setOption(m, OPT.BLOCK2, blockBytes(num, more, szx));
    m.payload = body.subarray(off, end);
    return true;
  }

  // ---------------------------------------------------------------- observe, server side

  _obsByToken(pkey: string, token: Uint8Array): Observation | null {
    for (var i = 0; i < this._obsList.length; i++) {
      var o = this._obsList[i];
      if (o._pkey === pkey && sameBytes(o.token, token)) return o;
    }
    return null;
  }

  _nextSeq(): number {
    this._seqCounter = (this._seqCounter + 1) & OBSERVE_SEQ_MASK;
    return this._seqCounter;
  }



  _sendNotification(o: Observation, m: CoapMessage, con: boolean, now: number): void {
    m.mid = this._mid();
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

  /** End a relation and tell the application why. */
  _endObservation(o: Observation, reason: string): void {
    if (!o.active) return;
    o.active = false;
    o._queued = null;
    var i = this._obsList.indexOf(o);
    if (i >= 0) this._obsList.splice(i, 1);
    if (o._inflight && reason !== 'error') this._dropTx(o._inflight);
    o._inflight = null;
    if (o.onCancel) {
      try {
        o.onCancel(reason);
      } catch (e) {
        this.faults++;
      }
    }
  }

  /** Active server-side observation relations. */
  observations(): Observation[] {
    return this._obsList.slice(0);
  }

  /** End every relation (of one peer, if given), e.g. when the LwM2M server de-registers us. */
  cancelObservations(peer?: Peer): void {
    var k = peer ? peerKey(peer) : '';
    var list = this._obsList.slice(0);
    for (var i = 0; i < list.length; i++) if (!peer || list[i]._pkey === k) this._endObservation(list[i], 'cancelled');
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
    var r = new ClientRequest(peer, m, cb, con, !!spec.observe);
    if (spec.onData) r._onData = spec.onData;
    // a body larger than a block goes block-wise, Size1 announcing the total (RFC 7959 §2.5, §4)
    var b1szx = szxOf(spec.block1Size || this.params.BLOCK_SIZE);
    if (b1szx < 0) b1szx = 6;
    if (m.payload.length > blockSize(b1szx)) {
      r._up = m.payload;
      r._upSzx = b1szx;
      setUint(m, OPT.SIZE1, m.payload.length);
      this._block1Slice(r);
    }
    var h = new RequestHandle(this, r);
    if (this._reqs.length >= this.params.MAX_PENDING_REQUESTS) {
      r._state = 4;
      this._callback(r, E_BUSY, undefined);
      return h;
    }
    this._reqs.push(r);
    if (!this._outstanding(r._pkey)) this._transmit(r, now);
    return h;
  }

  /** An interaction with this peer still waiting for its ACK (NSTART, RFC 7252 §4.7). */
  _outstanding(pkey: string): boolean {
    var n = 0;
    for (var i = 0; i < this._reqs.length; i++) if (this._reqs[i]._pkey === pkey && this._reqs[i]._state === 1) n++;
    return n >= this.params.NSTART;
  }

  _startQueued(pkey: string, now: number): void {
    for (var i = 0; i < this._reqs.length; i++) {
      if (this._outstanding(pkey)) return;
      var r = this._reqs[i];
      if (r._pkey === pkey && r._state === 0) this._transmit(r, now);
    }
  }

  _transmit(r: ClientRequest, now: number): void {
    var m = r._msg;
    m.mid = this._mid();
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

  /** Remove a request for good (answered, failed or cancelled) and start the next one queued for its peer. */
  _finish(r: ClientRequest): void {
    if (r._state === 4) return;
    r._state = 4;
    this._dropTx(r._tx);
    r._tx = null;
    var i = this._reqs.indexOf(r);
    if (i >= 0) this._reqs.splice(i, 1);
    this._startQueued(r._pkey, this.now);
  }

  _fail(r: ClientRequest, err: string): void {
    if (r._state === 4) return;
    this._finish(r);
    this._callback(r, err, undefined);
  }

  /** The application's callback; what it throws stays out of the engine (counted in `faults`). */
  _callback(r: ClientRequest, err: string | null, m: CoapMessage | undefined): void {
    try {
      r._cb(err, m);
    } catch (e) {
      this.faults++;
    }
  }


  /** A response (piggybacked or separate, or a notification) for request `r`. */
  _deliver(r: ClientRequest, m: CoapMessage, now: number): void {
    if (firstUnknownCritical(m) >= 0) {
      this._fail(r, E_OPTION);
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
        this._fail(r, E_BLOCK);
        return;
      }
      r._upOff += sent;
      if (cv.szx < r._upSzx) r._upSzx = cv.szx;
      this._block1Slice(r);
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
    if (b2 !== null && codeClass(m.code) === 2) {
      var bv = readBlock(b2);
      if (!bv) {
        this._fail(r, E_BLOCK);
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
    if (r._onData && codeClass(m.code) === 2 && r._state !== 3) {
      // a body that came whole
      if (!this._stream(r, m.payload, 0, false)) return;
      m.payload = emptyBytes();
    }
    this._complete(r, m, now);
  }

  /** Put the Block1 block starting at r._upOff into the request (RFC 7959 §2.5). */
  _block1Slice(r: ClientRequest): void {
    var up = r._up as Uint8Array;
    var size = blockSize(r._upSzx);
    var end = r._upOff + size < up.length ? r._upOff + size : up.length;
    setOption(r._msg, OPT.BLOCK1, blockBytes(r._upOff / size, end < up.length, r._upSzx));
    r._msg.payload = up.subarray(r._upOff, end);
  }

  /** Hand a piece of body to the application; false (request failed) if it threw. */
  _stream(r: ClientRequest, data: Uint8Array, off: number, more: boolean): boolean {
    try {
      (r._onData as (d: Uint8Array, o: number, m: boolean) => void)(data, off, more);
      return true;
    } catch (e) {
      this.faults++;
      this._fail(r, 'aborted');
      return false;
    }
  }

  _complete(r: ClientRequest, m: CoapMessage, now: number): void {
    if (r._observe && codeClass(m.code) === 2 && getOption(m, OPT.OBSERVE) !== null) {
      if (r._state !== 3) {
        r._state = 3;
        r._deadline = -1;
        r._obsSeq = getUint(m, OPT.OBSERVE, 0);
        r._obsAt = now;
      }
      this._callback(r, null, m);
      return;
    }
    this._finish(r);
    this._callback(r, null, m);
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
      if (this._tx.indexOf(t) < 0) continue;
      if (t._tries >= p.MAX_RETRANSMIT) {
        this._dropTx(t);
        this.stats.timeouts++;
        if (t._obs) this._endObservation(t._obs, 'timeout');
        if (t._req) this._fail(t._req, E_TIMEOUT);
        continue;
      }
      var o = t._obs;
      if (o && o._inflight === t && o._queued && o.active) {
        // the replacing notification takes over this transmission (RFC 7641 §4.5.2)
        var q = o._queued;
        o._queued = null;
        q.type = TYPE.CON;
        q.mid = this._mid();
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
    for (i = 0; i < this._tx.length; i++) next = earliest(next, this._tx[i]._next);
    // empty ACKs for handlers that have not answered yet (RFC 7252 §5.2.2)
    var w = this._waiting.slice(0);
    for (i = 0; i < w.length; i++) {
      var ex = w[i];
      if (ex._ackAt <= now) {
        this._waiting.splice(this._waiting.indexOf(ex), 1);
        if (!ex.responded && !ex._acked) this._sendEmptyAck(ex);
      } else next = earliest(next, ex._ackAt);
    }
    // clients waiting for a separate or NON response
    var rs = this._reqs.slice(0);
    for (i = 0; i < rs.length; i++) {
      var r = rs[i];
      if (r._state === 2 && r._deadline >= 0) {
        if (r._deadline <= now) this._fail(r, E_NORESP);
        else next = earliest(next, r._deadline);
      }
    }
    // expiry: deduplication records, block caches, uploads (bounded anyway; no deadline needed)
    for (i = this._seenKeys.length - 1; i >= 0; i--) {
      var k = this._seenKeys[i];
      if (this._seen[k]._expires <= now) {
        delete this._seen[k];
        this._seenKeys.splice(i, 1);
      }
    }
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

  /** Sizes of the internal tables (for tests: no input may grow them without bound). */
  sizes(): { [k: string]: number } {
    return {
      tx: this._tx.length, seen: this._seenKeys.length, reqs: this._reqs.length, waiting: this._waiting.length,
      observations: this._obsList.length, cache: this._cache.length, uploads: this._uploads.length,
    };
  }
}

// The endpoint's steps that run from one place each: functions of the module, not methods.
// terser then writes each into its one caller, so it costs no Espruino variables while the
// endpoint is idle (a method costs about seven, defined or not in use). Fields and methods
// named `_x` are the endpoint's internals, for these functions and the classes above.

function acceptObservation(ep: CoapEndpoint, ex: Exchange): Observation | null {
  if (!ex._observeAsked || ex.responded) return null;
  if (ex._obs) return ex._obs;
  // same endpoint and token: update the existing entry, do not add (RFC 7641 §4.1)
  var o = ep._obsByToken(ex._pkey, ex.request.token);
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
  var ok = codeClass(res.code) === 2;
  if (ok) {
    setUint(m, OPT.OBSERVE, ep._nextSeq());
    // a large notification carries its first block; the client GETs the rest (RFC 7959 §3.4)
    ep._sliceBlock2(m, o._pkey, null, o._bkey, 0, o._szx, false, now);
  }
  var con = confirmable || now - o._lastConAt >= ep.params.OBSERVE_CON_INTERVAL || !ok;
  if (o._inflight && ok) {
    // RFC 7641 §4.5.2: a newer notification replaces the one in flight and inherits its
    // retransmission counter and timeout; it goes out when that one is acknowledged or due
    o._queued = m;
    o._queuedCon = true;
  } else ep._sendNotification(o, m, con, now);
  if (!ok) ep._endObservation(o, 'error');
}

function random16(ep: CoapEndpoint): number {
  ep._rng.fill(ep._rnd);
  return (ep._rnd[0] << 8) | ep._rnd[1];
}

function newToken(ep: CoapEndpoint): Uint8Array {
  var t = new Uint8Array(ep.params.TOKEN_LENGTH);
  for (var tries = 0; tries < 4; tries++) {
    ep._rng.fill(t);
    var clash = false;
    for (var i = 0; i < ep._reqs.length; i++) if (sameBytes(ep._reqs[i]._msg.token, t)) clash = true;
    if (!clash) break;
  }
  return t;
}

function findTx(ep: CoapEndpoint, pkey: string, mid: number): number {
  for (var i = 0; i < ep._tx.length; i++) if (ep._tx[i]._mid === mid && ep._tx[i]._pkey === pkey) return i;
  return -1;
}

function remember(ep: CoapEndpoint, key: string, s: Seen): void {
  if (ep._seen[key]) ep._seenKeys.splice(ep._seenKeys.indexOf(key), 1);
  if (ep._seenKeys.length >= ep.params.MAX_DEDUP) {
    delete ep._seen[ep._seenKeys.shift() as string];
  }
  ep._seen[key] = s;
  ep._seenKeys.push(key);
}

function handleDatagram(ep: CoapEndpoint, bytes: Uint8Array, peer: Peer, now: number): void {
  var d = decode(bytes);
  if (typeof d === 'number') {
    if (d === DECODE_REJECT) {
      ep.stats.rejected++;
      // RFC 7252 §4.2: a CON with a format error is rejected with a matching RST
      if (((bytes[0] >> 4) & 3) === TYPE.CON) ep._send(emptyMessage(TYPE.RST, (bytes[2] << 8) | bytes[3]), peer);
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
    if (m.type === TYPE.CON) ep._send(emptyMessage(TYPE.RST, m.mid), peer);
    else ep.stats.rejected++;
    return;
  }
  // deduplication (RFC 7252 §4.5). The Message ID in a fixed six digits: a key that grew by a
  // digit when the IDs pass 10000 would take one more Espruino variable in each of the
  // MAX_DEDUP records (the HIL saw +32 at once, mid-run).
  var key = pkey + '#' + (m.mid + 100000);
  var s = ep._seen[key];
  if (s && s._expires > now) {
    ep.stats.duplicates++;
    if (m.type === TYPE.CON) {
      if (s._reply) ep._send(s._reply, peer);
      else if (s._ex && !s._ex.responded && !s._ex._acked) ep._sendEmptyAck(s._ex);
    }
    return;
  }
  s = { _expires: now + (m.type === TYPE.CON ? ep.params.EXCHANGE_LIFETIME : ep.params.NON_LIFETIME), _reply: null, _ex: null };
  remember(ep, key, s);
  if (codeClass(m.code) === 0) onRequestMsg(ep, m, peer, pkey, s, now);
  else onResponse(ep, m, peer, pkey, s, now);
}

function onAckOrReset(ep: CoapEndpoint, m: CoapMessage, peer: Peer, pkey: string, now: number): void {
  // an RST is always Empty; an ACK is Empty or carries a response, never a request (RFC 7252 §4.2, §4.3)
  if ((m.type === TYPE.RST && m.code !== CODE.EMPTY) || (m.code !== CODE.EMPTY && codeClass(m.code) === 0)) {
    ep.stats.rejected++;
    return;
  }
  var i = findTx(ep, pkey, m.mid);
  var t = i >= 0 ? ep._tx[i] : null;
  if (t) ep._tx.splice(i, 1);
  if (m.type === TYPE.RST) {
    var o = t && t._obs ? t._obs : obsByMid(ep, pkey, m.mid);
    if (o) ep._endObservation(o, 'reset');
    var r = t && t._req ? t._req : reqByMid(ep, pkey, m.mid);
    if (r) ep._fail(r, E_RESET);
    return;
  }
  if (!t) return; // a late or duplicate ACK
  if (t._obs) {
    var ob = t._obs;
    if (ob._inflight === t) ob._inflight = null;
    if (ob._queued && ob.active) {
      var q = ob._queued;
      ob._queued = null;
      ep._sendNotification(ob, q, ob._queuedCon, now);
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
  if (!sameBytes(m.token, req._msg.token)) {
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
    if (m.type === TYPE.CON) ep._respondTo(ex, { code: CODE.BAD_OPTION }, now);
    return;
  }
  if (getOption(m, OPT.PROXY_URI) !== null || getOption(m, OPT.PROXY_SCHEME) !== null) {
    ep._respondTo(ex, { code: CODE.PROXYING_NOT_SUPPORTED }, now);
    return;
  }
  // Block2 asked for (RFC 7959 §2.4): a later block may come from the cache
  var b2 = getOption(m, OPT.BLOCK2);
  if (b2 !== null) {
    var bv = readBlock(b2);
    if (!bv) {
      ep._respondTo(ex, { code: CODE.BAD_REQUEST }, now);
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
    var o = ep._obsByToken(pkey, m.token);
    var ovv = readUintValue3(ov);
    if (ovv === 0) ex._observeAsked = true;
    else if (ovv === 1 && o) ep._endObservation(o, 'deregister');
  }
  var h = ep.onRequest;
  if (!h) {
    ep._respondTo(ex, { code: CODE.NOT_FOUND }, now);
    return;
  }
  try {
    h(m, peer, ex);
  } catch (e) {
    if (!ex.responded) ep._respondTo(ex, { code: CODE.INTERNAL_SERVER_ERROR }, now);
    return;
  }
  if (!ex.responded && m.type === TYPE.CON) {
    if (ep.params.SEPARATE_ACK_DELAY <= 0) ep._sendEmptyAck(ex);
    else {
      ex._ackAt = now + ep.params.SEPARATE_ACK_DELAY;
      // bounded: under a flood the oldest waiting exchange gets its empty ACK early
      if (ep._waiting.length >= ep.params.MAX_DEDUP) ep._sendEmptyAck(ep._waiting.shift() as Exchange);
      ep._waiting.push(ex);
    }
  }
  // a re-registration the handler did not accept ends the old relation (RFC 7641 §4.1)
  if (ex._observeAsked && !ex._obs) {
    var old = ep._obsByToken(pkey, m.token);
    if (old) ep._endObservation(old, 'replaced');
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
  var c = findCache(ep, ep._blockKey(ex._pkey, ex.request), now);
  if (!c) return false;
  ep._respondTo(ex, { code: c._code, options: c._options, payload: c._body }, now);
  return true;
}

function collectBlock1(ep: CoapEndpoint, ex: Exchange, b1: Uint8Array, now: number): boolean {
  var m = ex.request;
  var bv = readBlock(b1);
  if (!bv) {
    ep._respondTo(ex, { code: CODE.BAD_REQUEST }, now);
    return false;
  }
  var key = ep._blockKey(ex._pkey, m);
  var u: Upload | null = null;
  var i;
  for (i = 0; i < ep._uploads.length; i++) if (ep._uploads[i]._key === key) u = ep._uploads[i];
  var size = blockSize(bv.szx);
  var off = bv.num * size;
  var max = ep.params.MAX_BODY;
  var size1 = getUint(m, OPT.SIZE1, 0);
  ex._block1 = b1;
  if (bv.num === 0) {
    ep._dropUpload(key);
    u = null;
    var sb = ep.streamBlock1;
    if (bv.more && sb && sb(m, ex.peer)) u = { _key: key, _buf: null, _len: 0, _expires: 0 };
  }
  var streamed = u !== null && u._buf === null;
  if (!streamed && (size1 > max || off + m.payload.length > max)) {
    ep._dropUpload(key);
    var tl = message(0, 0, 0);
    setUint(tl, OPT.SIZE1, max);
    ep._respondTo(ex, { code: CODE.REQUEST_ENTITY_TOO_LARGE, options: tl.options }, now);
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
    ep._respondTo(ex, { code: CODE.REQUEST_ENTITY_INCOMPLETE }, now);
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
    if (!bv.more) ep._dropUpload(key);
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
    ep._respondTo(ex, { code: CODE.CONTINUE }, now);
    return false;
  }
  ep._dropUpload(key);
  m.payload = u._len === u._buf.length ? u._buf : new Uint8Array(u._buf.subarray(0, u._len));
  removeOption(m, OPT.BLOCK1);
  return true;
}

function onResponse(ep: CoapEndpoint, m: CoapMessage, peer: Peer, pkey: string, s: Seen, now: number): void {
  var r: ClientRequest | null = null;
  for (var i = 0; i < ep._reqs.length; i++) {
    var c = ep._reqs[i];
    if (c._pkey === pkey && c._state !== 0 && sameBytes(c._msg.token, m.token)) r = c;
  }
  if (!r) {
    // RFC 7252 §4.2/§4.3 and RFC 7641 §3.6: reject what we have no context for
    ep._send(emptyMessage(TYPE.RST, m.mid), peer);
    return;
  }
  if (m.type === TYPE.CON) {
    var ack = emptyMessage(TYPE.ACK, m.mid);
    if (firstUnknownCritical(m) >= 0) ack = emptyMessage(TYPE.RST, m.mid);
    s._reply = ack;
    ep._send(ack, peer);
  }
  if (r._state === 1) {
    // the response came before (or instead of) the ACK: it acknowledges the request
    ep._dropTx(r._tx);
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
    ep._fail(r, E_BLOCK);
    return;
  }
  var need = off + m.payload.length;
  if (r._onData) {
    // streamed: nothing kept, no MAX_BODY bound
    if (!ep._stream(r, m.payload, off, more)) return;
    if (!more) m.payload = emptyBytes();
  } else {
    var max = ep.params.MAX_BODY;
    if (need > max) {
      ep._fail(r, E_LARGE);
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
    ep._complete(r, m, now);
    return;
  }
  // next block: same request, new MID, without Observe (RFC 7959 §2.4, §3.4)
  var q = r._msg;
  removeOption(q, OPT.OBSERVE);
  r._observe = false;
  setOption(q, OPT.BLOCK2, blockBytes(num + 1, false, szx));
  ep._transmit(r, now);
}

function earliest(a: number, b: number): number {
  return a < 0 || b < a ? b : a;
}

// Observe values are at most 3 bytes (RFC 7641 §2)
function readUintValue3(v: Uint8Array): number {
  var x = 0;
  for (var i = 0; i < v.length && i < 3; i++) x = x * 256 + v[i];
  return v.length > 3 ? -1 : x;
}
