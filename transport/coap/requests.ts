// The client role (RFC 7252 §5): a request in flight and its handle, its token, and the
// response that finds it (piggybacked or separate; an unknown one gets RST). Building and
// sending a request, NSTART (§4.7), a response's delivery with Observe freshness (RFC 7641
// §3.4) and its end are CoapEndpoint's methods (request, _startQueued, _transmit, _deliver,
// _answer), shared with messaging.ts and blockwise.ts.
import type { Peer } from '../ports';
import { equalConstTime } from '../bytes';
import { TYPE } from './constants';
import { encode, message, firstUnknownCritical, type CoapMessage } from './message';
import type { CoapEndpoint, ResponseCallback, Seen, Tx } from './endpoint';

/** Where a ClientRequest is (its _state). */
export const enum ReqState {
  /** waiting for NSTART (RFC 7252 §4.7) to let it go */
  QUEUED = 0,
  /** a CON sent and not acknowledged */
  SENT = 1,
  /** acknowledged, or a NON sent: waiting for the response */
  WAITING = 2,
  /** an observation: notifications arrive */
  OBSERVING = 3,
  /** over: answered, failed or cancelled */
  DONE = 4,
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
  _state: ReqState;
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
export function cancelRequest(this: ClientRequest): void {
  var ep = this._ep;
  if (this._state === ReqState.DONE) return;
  this._state = ReqState.DONE;
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

export function newToken(ep: CoapEndpoint): Uint8Array {
  var t = new Uint8Array(ep.params.tokenLength);
  for (var tries = 0; tries < 4; tries++) {
    ep._rng.fill(t);
    var clash = false;
    for (var i = 0; i < ep._reqs.length; i++) if (equalConstTime(ep._reqs[i]._msg.token, t)) clash = true;
    if (!clash) break;
  }
  return t;
}

export function reqByMid(ep: CoapEndpoint, pkey: string, mid: number): ClientRequest | null {
  for (var i = 0; i < ep._reqs.length; i++) if (ep._reqs[i]._pkey === pkey && ep._reqs[i]._lastMid === mid) return ep._reqs[i];
  return null;
}

export function onResponse(ep: CoapEndpoint, m: CoapMessage, peer: Peer, pkey: string, s: Seen, now: number): void {
  var r: ClientRequest | null = null;
  for (var i = 0; i < ep._reqs.length; i++) {
    var c = ep._reqs[i];
    if (c._pkey === pkey && c._state !== ReqState.QUEUED && equalConstTime(c._msg.token, m.token)) r = c;
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
  if (r._state === ReqState.SENT) {
    // the response came before (or instead of) the ACK: it acknowledges the request
    var ti = ep._tx.indexOf(r._tx as Tx);
    if (ti >= 0) ep._tx.splice(ti, 1);
    r._tx = null;
    r._state = ReqState.WAITING;
    ep._startQueued(pkey, now);
  }
  ep._deliver(r, m, now);
}

