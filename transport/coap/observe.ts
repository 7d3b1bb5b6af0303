// Observe, server side (RFC 7641): the relations a GET/FETCH with Observe=0 opens, their
// notifications (CON at least every OBSERVE_CON_INTERVAL, a newer one replacing the one in
// flight, §4.5.2), and their end (RST, timeout, error, deregistration). A client's own
// registrations are requests (requests.ts).
import { peerKey, type Peer } from '../ports';
import { OPT, OBSERVE_SEQ_MASK } from './constants';
import { message, setUint, getStrings, type CoapMessage } from './message';
import type { CoapEndpoint, ResponseSpec, Tx } from './endpoint';
import type { Exchange } from './exchange';
import { blockSteps } from './blockwise';

/** A server-side observation relation (RFC 7641 §4.1). */
export class Observation {
  declare peer: Peer;
  /**
   * The request's token as a binary string (one char per byte: two Espruino variables, a
   * Uint8Array five). The peer's key is not kept: peerKey(peer) makes it when needed.
   */
  declare _tok: string;
  /** "/3/0/1" */
  declare path: string;
  /** The Block2 cache key of the request (path, query, Accept) less the peer's key in front: a notification too large for one block is served from the cache under peerKey(peer) + _bkey. */
  declare _bkey: string;
  declare active: boolean;
  /** Set by the application if it wants to know; absent otherwise (a property costs Espruino variables). */
  declare onCancel?: ((reason: string) => void) | null;
  declare _ep: CoapEndpoint;
  declare _lastConAt: number;
  /** the CON notification in flight, and the newer one waiting for it (RFC 7641 §4.5.2), when any (absent, not null: a null property costs two variables) */
  declare _inflight?: Tx;
  declare _queued?: CoapMessage;
  /** what the newest CON notification (in flight or waiting) carries, while one is: CoapEndpoint.keep gets it if it goes unacknowledged */
  declare _last?: ResponseSpec;
  /** the message IDs of the latest notifications (at most four): absent until the first goes out */
  declare _mids?: number[];
  declare _szx: number;
  constructor(ep: CoapEndpoint, ex: Exchange) {
    this._ep = ep;
    this.peer = ex.peer;
    // a token has at most 8 bytes (RFC 7252 §3): written out here, as in notifyObservation and
    // obsByToken, since bytes.ts's bytesToBin/binToBytes held as functions cost 12 at load
    this._tok = String.fromCharCode.apply(null, ex.request.token as unknown as number[]);
    // "/3/0/1" as getPathString() makes it, written out here so that the bundle holds that
    // function only in its `coap` namespace (five variables less at load)
    var segs = getStrings(ex.request, OPT.URI_PATH);
    this.path = segs === null ? '/' : '/' + segs.join('/');
    // only the request's block cache key is kept, not a copy of the request (on Espruino a
    // copied message with its options costs some 40 variables for each observation)
    this._bkey = blockSteps().blockKey('', ex.request);
    this.active = true;
    this._lastConAt = ep.now;
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
    delete this._last;
    if (this.onCancel) {
      try {
        this.onCancel(reason || 'cancelled');
      } catch (e) {
        ep.faults++;
      }
    }
  }
}

/** Send a notification for `o` (see Observation.notify). */
function notifyObservation(ep: CoapEndpoint, o: Observation, res: ResponseSpec, confirmable: boolean, now: number): void {
  if (!o.active) return;
  ep.now = now;
  var tok = new Uint8Array(o._tok.length);
  for (var i = 0; i < tok.length; i++) tok[i] = o._tok.charCodeAt(i);
  var m = message(0, res.code, 0, tok, res.options ? res.options.slice(0) : [], res.payload);
  if (res.contentFormat !== undefined) setUint(m, OPT.CONTENT_FORMAT, res.contentFormat);
  var ok = (res.code >> 5) === 2;
  if (ok) {
    setUint(m, OPT.OBSERVE, (ep._seqCounter = (ep._seqCounter + 1) & OBSERVE_SEQ_MASK));
    // a large notification carries its first block; the client GETs the rest (RFC 7959 §3.4)
    ep._sliceBlock2(m, peerKey(o.peer) + o._bkey, null, -1, o._szx, now);
  }
  var con = confirmable || now - o._lastConAt >= ep.params.observeConInterval || !ok;
  if (ok && (con || o._inflight)) o._last = res;
  if (o._inflight && ok) {
    // RFC 7641 §4.5.2: a newer notification replaces the one in flight and inherits its
    // retransmission counter and timeout; it goes out when that one is acknowledged or due
    o._queued = m;
  } else ep._sendNotification(o, m, con, now);
  if (!ok) o.cancel('error');
}

export function obsByMid(ep: CoapEndpoint, pkey: string, mid: number): Observation | null {
  for (var i = 0; i < ep._obsList.length; i++) {
    var o = ep._obsList[i];
    if (o._mids && o._mids.indexOf(mid) >= 0 && peerKey(o.peer) === pkey) return o;
  }
  return null;
}

// Observe values are at most 3 bytes (RFC 7641 §2)
export function readUintValue3(v: Uint8Array): number {
  var x = 0;
  for (var i = 0; i < v.length && i < 3; i++) x = x * 256 + v[i];
  return v.length > 3 ? -1 : x;
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
  for (var i = 0; i < list.length; i++) if (!peer || peerKey(list[i].peer) === k) list[i].cancel();
}
