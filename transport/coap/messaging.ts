// CoAP messaging (RFC 7252 §4) for the endpoint (endpoint.ts): one datagram in. Decoding
// (a format error in a CON gets a matching RST, anything else undecodable is dropped), pings,
// ACK and RST matched to what we sent, deduplication of CON and NON by peer and Message ID,
// then a request to exchange.ts and a response to requests.ts. Retransmission of what we
// send is the endpoint's own (_sendCon, poll).
import { peerKey, type Peer } from '../ports';
import { equalConstTime } from '../bytes';
import { CODE, TYPE } from './constants';
import { decode, encode, message, DECODE_REJECT, type CoapMessage } from './message';
import type { CoapEndpoint } from './endpoint';
import { onRequestMsg, exchangeSteps } from './exchange';
import { onResponse, reqByMid, ReqState } from './requests';
import { obsByMid } from './observe';

// The endpoint's steps that run from one place each: functions of the module, not methods.
// terser then writes each into its one caller, so it costs no Espruino variables while the
// endpoint is idle (a method costs about seven, defined or not in use). Fields and methods
// named `_x` are the endpoint's internals, for these functions and the classes above.

export function handleDatagram(ep: CoapEndpoint, bytes: Uint8Array, peer: Peer, now: number): void {
  var d = decode(bytes);
  if (typeof d === 'number') {
    if (d === DECODE_REJECT) {
      if (ep.stats) ep.stats.rejected++;
      // RFC 7252 §4.2: a CON with a format error is rejected with a matching RST
      if (((bytes[0] >> 4) & 3) === TYPE.CON) ep._send(encode(message(TYPE.RST, 0, (bytes[2] << 8) | bytes[3])), peer);
    } else if (ep.stats) ep.stats.dropped++;
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
    else if (ep.stats) ep.stats.rejected++;
    return;
  }
  // deduplication (RFC 7252 §4.5). The Message ID in a fixed six digits: a key that grew by a
  // digit when the IDs pass 10000 would take one more Espruino variable in each of the
  // MAX_DEDUP records (the HIL saw +32 at once, mid-run).
  var key = pkey + '#' + (m.mid + 100000);
  var seen = ep._seen;
  // from the newest (a retransmission is recent), `while (i--)`: the board's cheapest loop
  var i = seen.length;
  while (i-- && seen[i]._key !== key);
  var s = i >= 0 ? seen[i] : null;
  if (s && s._expires > now) {
    if (ep.stats) ep.stats.duplicates++;
    if (m.type === TYPE.CON) {
      if (s._reply) ep._send(s._reply, peer);
      else if (s._ex && !s._ex.responded && !s._ex._acked) exchangeSteps().emptyAck(ep, s._ex);
    }
    return;
  }
  // a new record goes last (an expired one with the same key is replaced); past MAX_DEDUP the oldest goes
  if (s) seen.splice(i, 1);
  if (seen.length >= ep.params.maxDedup) seen.shift();
  s = { _key: key, _expires: now + (m.type === TYPE.CON ? ep.params.exchangeLifetime : ep.params.nonLifetime) };
  seen.push(s);
  if ((m.code >> 5) === 0) onRequestMsg(ep, m, peer, pkey, s, now);
  else onResponse(ep, m, peer, pkey, s, now);
}

function findTx(ep: CoapEndpoint, pkey: string, mid: number): number {
  for (var i = 0; i < ep._tx.length; i++) if (ep._tx[i]._mid === mid && ep._tx[i]._pkey === pkey) return i;
  return -1;
}

function onAckOrReset(ep: CoapEndpoint, m: CoapMessage, peer: Peer, pkey: string, now: number): void {
  // an RST is always Empty; an ACK is Empty or carries a response, never a request (RFC 7252 §4.2, §4.3)
  if ((m.type === TYPE.RST && m.code !== CODE.EMPTY) || (m.code !== CODE.EMPTY && (m.code >> 5) === 0)) {
    if (ep.stats) ep.stats.rejected++;
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
    if (!ob._queued) delete ob._last;
    if (ob._queued && ob.active) {
      // the newer notification that waited for this one: CON (RFC 7641 §4.5.2)
      var q = ob._queued;
      delete ob._queued;
      ep._sendNotification(ob, q, true, now);
    }
  }
  var req = t._req;
  if (!req || req._state !== ReqState.SENT) return;
  req._tx = null;
  if (m.code === CODE.EMPTY) {
    // separate response to follow (RFC 7252 §5.2.2); the interaction is no longer outstanding (NSTART)
    req._state = ReqState.WAITING;
    req._deadline = now + ep.params.separateResponseTimeout;
    ep._startQueued(req._pkey, now);
    return;
  }
  if (!equalConstTime(m.token, req._msg.token)) {
    // not our response (RFC 7252 §5.3.2): take it as a bare acknowledgement
    req._state = ReqState.WAITING;
    req._deadline = now + ep.params.separateResponseTimeout;
    ep._startQueued(req._pkey, now);
    return;
  }
  ep._deliver(req, m, now);
}
