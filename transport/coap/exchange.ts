// The server role (RFC 7252 §5): one request received, answered through its Exchange,
// piggybacked on the ACK when the handler answers at once, else an empty ACK after
// SEPARATE_ACK_DELAY and the response as a separate CON (§5.2.2). Critical options we do not
// know get 4.02 (§5.4.1), proxying 5.05; Block1/Block2 and Observe options are handed to
// blockwise.ts and observe.ts before the application's handler runs.
import { peerKey, type Peer } from '../ports';
import { CODE, OPT, TYPE, OBSERVE_SEQ_MASK } from './constants';
import { encode, message, getOption, setUint, setOption, firstUnknownCritical, type CoapMessage } from './message';
import { readBlock } from './block';
import type { CoapEndpoint, ResponseSpec, Seen } from './endpoint';
import { Observation, readUintValue3 } from './observe';
import { serveCachedBlock, collectBlock1 } from './blockwise';

/**
 * One request received in the server role; the handler answers through it. A plain object
 * (onRequestMsg makes it) whose `respond` and `observe` are the module's functions: as a
 * class, its constructor and prototype cost Espruino some ten variables more at load.
 */
export interface Exchange {
  request: CoapMessage;
  peer: Peer;
  /** the response has been given */
  responded: boolean;
  _ep: CoapEndpoint;
  _pkey: string;
  _seen: Seen | null;
  /** an empty ACK has been sent: the response goes separately */
  _acked: boolean;
  _ackAt: number;
  _observeAsked: boolean;
  _obs: Observation | null;
  /** Block1 of the last block of an upload, echoed in the final response */
  _block1: Uint8Array | null;
  /** streamed Block1 upload: where this block's payload starts, and whether more follow (else -1 / false) */
  blockOffset: number;
  blockMore: boolean;
  /** block number and size exponent the request asked for, or -1 */
  _b2num: number;
  _b2szx: number;
  /**
   * Answer the request (piggybacked if still possible, else a separate response): builds the
   * response (options, Observe, Block1 echo, Block2 slicing) and sends it. The endpoint's own
   * answers (4.02, 2.31, …) come here too.
   */
  respond(res: ResponseSpec, now?: number): void;
  /** Accept the observation asked for by a GET/FETCH with Observe=0; null if none was asked or no room. */
  observe(): Observation | null;
}

/**
 * Exchange.respond. The endpoint's own answers (4.02, 2.31, …) come here too: one function,
 * not a method of each class (about seven Espruino variables), and one frame less on the
 * receive path.
 */
function respond(this: Exchange, res: ResponseSpec, now?: number): void {
  var ep = this._ep;
  if (this.responded) return;
  this.responded = true;
  if (now !== undefined) ep.now = now;
  var t = ep.now;
  // the dedup record keeps only the reply bytes from now on, not the request datagram
  if (this._seen) delete this._seen._ex;
  var wl = ep._waiting;
  var wi = wl ? wl.indexOf(this) : -1;
  if (wi >= 0) wl!.splice(wi, 1);
  var req = this.request;
  var m = message(0, res.code, 0, req.token, res.options ? res.options.slice(0) : [], res.payload);
  if (res.contentFormat !== undefined) setUint(m, OPT.CONTENT_FORMAT, res.contentFormat);
  var obs = this._obs;
  if (obs && obs.active) {
    if (res.code >> 5 === 2) setUint(m, OPT.OBSERVE, (ep._seqCounter = (ep._seqCounter + 1) & OBSERVE_SEQ_MASK));
    else obs.cancel('error');
  }
  if (this._block1 && res.code >> 5 === 2) setOption(m, OPT.BLOCK1, this._block1);
  if (!ep._sliceBlock2(m, this._pkey, req, this._b2num, this._b2szx, t)) {
    m = message(0, CODE.BAD_OPTION, 0, req.token);
  }
  if (req.type === TYPE.CON && !this._acked) {
    m.type = TYPE.ACK;
    m.mid = req.mid;
    var b = encode(m);
    if (this._seen) {
      // A GET or FETCH is safe: a copy of it is simply answered again (RFC 7252 §4.5 allows
      // it for an idempotent request), so its record goes now rather than holding the reply
      // for EXCHANGE_LIFETIME (a server polling reads filled MAX_DEDUP records, ~14 variables each).
      var si = req.code === CODE.GET || req.code === CODE.FETCH ? ep._seen.indexOf(this._seen) : -1;
      if (si >= 0) ep._seen.splice(si, 1);
      else this._seen._reply = b;
    }
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
/** Exchange.observe. */
function observe(this: Exchange): Observation | null {
  return acceptObservation(this._ep, this);
}

/** Exchange.observe(): the relation a GET/FETCH with Observe=0 asked for (RFC 7641 §4.1). */
function acceptObservation(ep: CoapEndpoint, ex: Exchange): Observation | null {
  if (!ex._observeAsked || ex.responded) return null;
  if (ex._obs) return ex._obs;
  // same endpoint and token: update the existing entry, do not add (RFC 7641 §4.1)
  var o = exchangeSteps().obsByToken(ep, ex._pkey, ex.request.token);
  if (o) {
    o._szx = ex._b2szx;
  } else {
    if (ep._obsList.length >= ep.params.maxObservations) return null;
    o = new Observation(ep, ex);
    ep._obsList.push(o);
  }
  ex._obs = o;
  return o;
}

export function onRequestMsg(ep: CoapEndpoint, m: CoapMessage, peer: Peer, pkey: string, s: Seen, now: number): void {
  var ex: Exchange = {
    _ep: ep, request: m, peer: peer, _pkey: pkey, _seen: s, responded: false, _acked: false, _ackAt: -1,
    _observeAsked: false, _obs: null, _block1: null, blockOffset: -1, blockMore: false, _b2num: -1, _b2szx: -1,
    respond: respond, observe: observe,
  };
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
    var o = exchangeSteps().obsByToken(ep, pkey, m.token);
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
    if (ep.params.separateAckDelay <= 0) exchangeSteps().emptyAck(ep, ex);
    else {
      ex._ackAt = now + ep.params.separateAckDelay;
      // bounded: under a flood the oldest waiting exchange gets its empty ACK early
      var wl = ep._waiting || (ep._waiting = []);
      if (wl.length >= ep.params.maxDedup) exchangeSteps().emptyAck(ep, wl.shift() as Exchange);
      wl.push(ex);
    }
  }
  // a re-registration the handler did not accept ends the old relation (RFC 7641 §4.1)
  if (ex._observeAsked && !ex._obs) {
    var old = exchangeSteps().obsByToken(ep, pkey, m.token);
    if (old) old.cancel('replaced');
  }
}

/**
 * The steps an exchange needs rarely and from several places: an empty ACK for a handler that
 * has not answered (RFC 7252 §5.2.2), and the observation a token names (RFC 7641 §4.1). Built
 * when one is needed and dropped after (docs/memory.md, "Code loaded on demand"), as
 * blockwise.ts's blockSteps(): as top-level functions they would cost Espruino some ten
 * variables for as long as the bundle is loaded. They keep no state of their own.
 */
export function exchangeSteps() {
  /** RFC 7252 §5.2.2: an empty ACK now, the response later as a separate CON. */
  function emptyAck(ep: CoapEndpoint, ex: Exchange): void {
    ex._acked = true;
    var b = encode(message(TYPE.ACK, 0, ex.request.mid));
    if (ex._seen) ex._seen._reply = b;
    ep._send(b, ex.peer);
  }

  /** The relation with this peer and token, if any. */
  function obsByToken(ep: CoapEndpoint, pkey: string, token: Uint8Array): Observation | null {
    var tok = String.fromCharCode.apply(null, token as unknown as number[]);
    for (var i = 0; i < ep._obsList.length; i++) {
      var o = ep._obsList[i];
      if (o._tok === tok && peerKey(o.peer) === pkey) return o;
    }
    return null;
  }
  return { emptyAck: emptyAck, obsByToken: obsByToken };
}
