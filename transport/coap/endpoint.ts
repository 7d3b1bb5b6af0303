// A CoAP endpoint: both roles on one datagram port (LwM2M: the device is a client for
// Register/Update and a server for Read/Write/Execute/Observe on the same association).
// This class owns the state, the plumbing (send, CON retransmission, time) and the steps
// several files share (a client request's transmission and end, a response's Block2 slice, a
// notification's send: methods, since on Espruino a method costs fewer variables than a
// function with the endpoint as one more parameter). The behaviour lives in one file per
// concern, as functions over the endpoint:
//  - messaging.ts   RFC 7252 §4: a datagram in: decode, CON/NON/ACK/RST, pings, deduplication
//                   over EXCHANGE_LIFETIME / NON_LIFETIME (retransmission: _sendCon and poll here);
//  - exchange.ts    §5, server role: one received request, its piggybacked or separate answer;
//  - requests.ts    §5, client role: tokens, the responses that find their request (request(),
//                   NSTART and the response's delivery are the class's);
//  - observe.ts     RFC 7641: server relations (a client's registration is a request);
//  - blockwise.ts   RFC 7959: Block2 responses from a cache, Block1 uploads reassembled (or
//                   streamed), Block1 uploads and Block2 downloads as a client.
// The shapes it takes and keeps are in types.ts. The receive path stays as shallow as before on
// Espruino's small stack (receive → handleDatagram → onRequestMsg → handler → respond → send). No timers and no clock: `receive(bytes, peer, now)`
// and `poll(now)` bring the time in, `poll` returns the next deadline. Randomness comes from
// the Rng port.
//
// Members whose names start with `_` are internal: the bundle's minifier mangles every
// `_`-prefixed property (package.json "minify.mangle.properties"), which saves ~2.5 KB here.
//
// Known limits: no client Block2 inside notifications, no proactive observe cancel (a
// cancelled client observation is ended by RST to the next notification, RFC 7641 §3.6), no
// PROBING_RATE pacing of NON traffic, NSTART counts client requests only (not our
// notifications).
import { peerKey, type DatagramPort, type Peer, type Pollable, type Rng } from '../ports';
import { CODE, OBS, OPT, TYPE, engineParams, szxOf, type EngineParams } from './constants';
import {
  encode, message, EMPTY, getOption, getUint, setUint, setOption, removeOption, addPathOptions, addUriQuery,
  uintBytes, firstUnknownCritical, type CoapMessage, type CoapOption,
} from './message';
import { blockBytes, blockSize, readBlock } from './block';
import type { BlockCache, CoapStats, EndpointOptions, RequestHandler, RequestSpec, ResponseCallback, ResponseSpec, Seen, Tx, Upload } from './types';
import { handleDatagram } from './messaging';
import { exchangeSteps, type Exchange } from './exchange';
import { Observation } from './observe';
import { newToken, cancelRequest, ReqState, type ClientRequest, type RequestHandle } from './requests';
import { blockSteps, putCache, collectBlock2 } from './blockwise';

export { Observation };
export type { Exchange };
export type { ClientRequest, RequestHandle };
export * from './types';

export class CoapEndpoint implements Pollable {
  declare params: EngineParams;
  /** the counters, when EndpointOptions.stats asked for them: absent otherwise (only tests and simulations read them) */
  declare stats?: CoapStats;
  /** exceptions caught from the port, an application callback, or (a bug) the engine itself: tests expect 0 */
  declare faults: number;
  /** the latest time given to receive/poll/request */
  declare now: number;
  declare onRequest: RequestHandler | null;
  /** absent unless given */
  declare streamBlock1?: (req: CoapMessage, peer: Peer) => boolean;
  /**
   * Asked when a CON notification goes unacknowledged (all its retransmissions): true keeps
   * the relation (the application keeps `res`, the notification lost, for later: LwM2M's
   * notification storing while the server is out of reach); absent or false ends it, as
   * RFC 7641 §4.5 has it. Absent unless set (the LwM2M client sets it on server connections).
   */
  declare keep?: { kept(o: Observation, res: ResponseSpec, now: number): boolean };
  declare _port: DatagramPort;
  declare _rng: Rng;
  declare _nextMid: number;
  declare _seqCounter: number;
  declare _tx: Tx[];
  /** deduplication records, oldest first (one list: a table by key plus a list of keys cost four variables more a record) */
  declare _seen: Seen[];
  declare _reqs: ClientRequest[];
  /** exchanges whose handler has not answered yet; absent, as the two lists after it, until first used (two Espruino variables each) */
  declare _waiting?: Exchange[];
  declare _obsList: Observation[];
  declare _cache?: BlockCache[];
  declare _uploads?: Upload[];

  constructor(o: EndpointOptions) {
    this.params = engineParams(o.params);
    this._port = o.port;
    this._rng = o.rng;
    this.onRequest = o.onRequest || null;
    if (o.streamBlock1) this.streamBlock1 = o.streamBlock1;
    if (o.stats) this.stats = { txDatagrams: 0, txBytes: 0, rxDatagrams: 0, rxBytes: 0, retransmissions: 0, timeouts: 0, duplicates: 0, dropped: 0, rejected: 0 };
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
    this._obsList = [];
  }

  // ---------------------------------------------------------------- plumbing

  _send(bytes: Uint8Array, peer: Peer): void {
    var st = this.stats;
    if (st) {
      st.txDatagrams++;
      st.txBytes += bytes.length;
    }
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
      _timeout: Math.floor(p.ackTimeout + p.ackTimeout * (p.ackRandomFactor - 1) * r),
      _next: 0, _req: req, _obs: obs,
    };
    t._next = now + t._timeout;
    // bounded: past the cap the oldest separate response stops being retransmitted
    var cap = p.maxDedup + p.maxObservations + p.maxPendingRequests;
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
    var st = this.stats;
    if (st) {
      st.rxDatagrams++;
      st.rxBytes += bytes.length;
    }
    try {
      handleDatagram(this, bytes, peer, now);
    } catch (e) {
      // a port or a callback failed: the datagram is lost, the endpoint stays usable
      this.faults++;
    }
  }

  // ---------------------------------------------------------------- server role

  /**
   * Cut `m.payload` to block `num` (-1: none was asked for, block 0 if the body is larger
   * than the block size; RFC 7959 §2.4), caching the whole body for the following blocks under
   * `key`, or when `req` is given, the key blockKey(key, req) makes of the peer's key `key`.
   * False when block `num` lies beyond the body.
   */
  _sliceBlock2(m: CoapMessage, key: string, req: CoapMessage | null, num: number, askedSzx: number, now: number): boolean {
    var asked = num >= 0;
    if (!asked) num = 0;
    var ours = szxOf(this.params.blockSize);
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
        putCache(this, req ? blockSteps().blockKey(key, req) : key, m.code, co, body, now);
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
    var mids = o._mids || (o._mids = []);
    if (mids.length >= 4) mids.shift();
    mids.push(m.mid);
    if (con) {
      m.type = TYPE.CON;
      o._lastConAt = now;
      o._inflight = this._sendCon(encode(m), o.peer, peerKey(o.peer), m.mid, now, null, o);
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
      _observe: !!spec.observe, _state: ReqState.QUEUED, _deadline: -1, _tx: null, _lastMid: -1, _body: null, _bodyLen: 0,
      _obsSeq: -1, _obsAt: 0, _onData: spec.onData || null, _up: null, _upOff: 0, _upSzx: 0,
    };
    // a body larger than a block goes block-wise, Size1 announcing the total (RFC 7959 §2.5, §4)
    var b1szx = szxOf(spec.block1Size || this.params.blockSize);
    if (b1szx < 0) b1szx = 6;
    if (m.payload.length > blockSize(b1szx)) {
      r._up = m.payload;
      r._upSzx = b1szx;
      setUint(m, OPT.SIZE1, m.payload.length);
      blockSteps().block1Slice(r);
    }
    if (this._reqs.length >= this.params.maxPendingRequests) {
      r._state = ReqState.DONE;
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
      for (var j = 0; j < this._reqs.length; j++) if (this._reqs[j]._pkey === pkey && this._reqs[j]._state === ReqState.SENT) n++;
      if (n >= this.params.nstart) return;
      var r = this._reqs[i];
      if (r._pkey === pkey && r._state === ReqState.QUEUED) this._transmit(r, now);
    }
  }

  _transmit(r: ClientRequest, now: number): void {
    var m = r._msg;
    m.mid = this._nextMid;
    this._nextMid = (m.mid + 1) & 0xffff;
    r._lastMid = m.mid;
    if (r._con) {
      r._state = ReqState.SENT;
      r._deadline = -1;
      r._tx = this._sendCon(encode(m), r._peer, r._pkey, m.mid, now, r, null);
    } else {
      r._state = ReqState.WAITING;
      r._deadline = now + this.params.nonResponseTimeout;
      this._send(encode(m), r._peer);
    }
  }

  /**
   * The end of request `r` (`m`, a response, or `err`), or one more notification of its
   * observation: the application's callback runs; what it throws stays out of the engine
   * (counted in `faults`). Nothing when `r` is over already.
   */
  _answer(r: ClientRequest, err: string | null, m: CoapMessage | undefined, now: number): void {
    if (r._state === ReqState.DONE) return;
    if (m && r._observe && m.code >> 5 === 2 && getOption(m, OPT.OBSERVE) !== null) {
      if (r._state !== ReqState.OBSERVING) {
        r._state = ReqState.OBSERVING;
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
    if (r._state === ReqState.OBSERVING) {
      // a notification: RFC 7641 §3.4 freshness (24-bit serial arithmetic, or OBS.FRESH_MS passed)
      var v = getUint(m, OPT.OBSERVE, -1);
      if (v >= 0) {
        var v1 = r._obsSeq;
        var fresh = (v1 < v && v - v1 < OBS.HALF) || (v1 > v && v1 - v > OBS.HALF) || now > r._obsAt + OBS.FRESH_MS;
        if (!fresh) return;
        r._obsSeq = v;
        r._obsAt = now;
      }
    }
    if (r._up && m.code === CODE.CONTINUE) {
      // 2.31: the server wants the next block, possibly smaller (RFC 7959 §2.3, §2.5)
      var cv = readBlock(getOption(m, OPT.BLOCK1) || EMPTY);
      var sent = blockSize(r._upSzx);
      // the echo names the block just sent, in the size it was sent or the size now asked for
      if (!cv || (cv.num * blockSize(cv.szx) !== r._upOff && cv.num * sent !== r._upOff) || r._upOff + sent >= r._up.length) {
        this._answer(r, 'bad-block', undefined, now);
        return;
      }
      r._upOff += sent;
      if (cv.szx < r._upSzx) r._upSzx = cv.szx;
      blockSteps().block1Slice(r);
      this._transmit(r, now);
      return;
    }
    if (r._up) {
      // the upload is over (final answer or an error): what follows is no upload
      r._up = null;
      removeOption(r._msg, OPT.BLOCK1);
      removeOption(r._msg, OPT.SIZE1);
      r._msg.payload = EMPTY;
    }
    var b2 = getOption(m, OPT.BLOCK2);
    if (b2 !== null && m.code >> 5 === 2) {
      var bv = readBlock(b2);
      if (!bv) {
        this._answer(r, 'bad-block', undefined, now);
        return;
      }
      if (bv.more || bv.num > 0) {
        if (r._state === ReqState.OBSERVING || (r._observe && getOption(m, OPT.OBSERVE) !== null)) {
          // a block-wise notification: not followed (see Known limits); delivered as is
        } else {
          collectBlock2(this, r, m, bv.num, bv.more, bv.szx, now);
          return;
        }
      }
    }
    if (r._onData && m.code >> 5 === 2 && r._state !== ReqState.OBSERVING) {
      // a body that came whole
      if (!blockSteps().stream(this, r, m.payload, 0, false)) return;
      m.payload = EMPTY;
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
    i = this._tx.length;
    while (i--) if (this._tx[i]._next <= now) due.unshift(this._tx[i]);
    for (i = 0; i < due.length; i++) {
      var t = due[i];
      var ti = this._tx.indexOf(t);
      if (ti < 0) continue;
      if (t._tries >= p.maxRetransmit) {
        this._tx.splice(ti, 1);
        if (this.stats) this.stats.timeouts++;
        var ob = t._obs;
        if (ob && ob.active && ob._last && this.keep && this.keep.kept(ob, ob._last, now)) {
          delete ob._inflight;
          delete ob._queued;
          delete ob._last;
        } else if (ob) ob.cancel('timeout');
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
        // a notification went out before this one (its _mids are there)
        var mids = o._mids as number[];
        if (mids.length >= 4) mids.shift();
        mids.push(q.mid);
        t._mid = q.mid;
        t._bytes = encode(q);
        o._lastConAt = now;
      }
      t._tries++;
      t._timeout *= 2;
      t._next = now + t._timeout;
      if (this.stats) this.stats.retransmissions++;
      this._send(t._bytes, t._peer);
    }
    // the earliest deadline: next < 0 is "none yet"
    i = this._tx.length;
    while (i--) if (next < 0 || this._tx[i]._next < next) next = this._tx[i]._next;
    // empty ACKs for handlers that have not answered yet (RFC 7252 §5.2.2)
    var wl = this._waiting;
    var w = wl && wl.length ? wl.slice(0) : null;
    for (i = 0; w && i < w.length; i++) {
      var ex = w[i];
      if (ex._ackAt <= now) {
        wl!.splice(wl!.indexOf(ex), 1);
        if (!ex.responded && !ex._acked) exchangeSteps().emptyAck(this, ex);
      } else if (next < 0 || ex._ackAt < next) next = ex._ackAt;
    }
    // clients waiting for a separate or NON response
    var rs = this._reqs.length ? this._reqs.slice(0) : this._reqs;
    for (i = 0; i < rs.length; i++) {
      var r = rs[i];
      if (r._state === ReqState.WAITING && r._deadline >= 0) {
        if (r._deadline <= now) this._answer(r, 'no-response', undefined, now);
        else if (next < 0 || r._deadline < next) next = r._deadline;
      }
    }
    // expiry: deduplication records, block caches, uploads (bounded anyway; no deadline needed).
    // `while (i--)`: the board's cheapest loop (a poll runs after every datagram and timer).
    i = this._seen.length;
    while (i--) if (this._seen[i]._expires <= now) this._seen.splice(i, 1);
    var cl = this._cache;
    i = cl ? cl.length : 0;
    while (i--) if (cl![i]._expires <= now) cl!.splice(i, 1);
    var ul = this._uploads;
    i = ul ? ul.length : 0;
    while (i--) if (ul![i]._expires <= now) ul!.splice(i, 1);
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

/** Sizes of the endpoint's internal tables (for tests: no input may grow them without bound). */
export function sizes(ep: CoapEndpoint): { [k: string]: number } {
  return {
    tx: ep._tx.length, seen: ep._seen.length, reqs: ep._reqs.length, waiting: ep._waiting ? ep._waiting.length : 0,
    observations: ep._obsList.length, cache: ep._cache ? ep._cache.length : 0, uploads: ep._uploads ? ep._uploads.length : 0,
  };
}
