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
//    reassembled, Block2 followed as a client.
// No timers and no clock: `receive(bytes, peer, now)` and `poll(now)` bring the time in,
// `poll` returns the next deadline. Randomness comes from the Rng port.
//
// Known limits: no Block1 as a client (requests larger than one datagram), no client
// Block2 inside notifications, no proactive observe cancel (a cancelled client
// observation is ended by RST to the next notification, RFC 7641 §3.6), no PROBING_RATE
// pacing of NON traffic, NSTART counts client requests only (not our notifications).
import { peerKey, type DatagramPort, type Peer, type Rng } from '../ports';
import { toHex } from '../bytes';
import { CODE, OPT, TYPE, OBSERVE_SEQ_MASK, params, szxOf, type Params } from './constants';
import {
  decode, encode, message, DECODE_REJECT, getOption, getUint, setUint, setOption, removeOption, addOption,
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
}

export type ResponseCallback = (err: string | null, res?: CoapMessage) => void;
export type RequestHandler = (req: CoapMessage, peer: Peer, ex: Exchange) => void;

export interface EndpointOptions {
  port: DatagramPort;
  rng: Rng;
  onRequest?: RequestHandler;
  params?: Partial<Params>;
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
// option in a CON request gets 4.02; in a response it gets the response rejected).
var KNOWN_CRITICAL: { [k: string]: boolean } = {
  o1: true, o3: true, o5: true, o7: true, o11: true, o15: true, o17: true, o23: true, o27: true, o35: true, o39: true,
};

function firstUnknownCritical(m: CoapMessage): number {
  var o = m.options;
  for (var i = 0; i < o.length; i++) if (isCritical(o[i].num) && !KNOWN_CRITICAL['o' + o[i].num]) return o[i].num;
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
  peer: Peer;
  pkey: string;
  mid: number;
  bytes: Uint8Array;
  /** retransmissions done so far */
  tries: number;
  /** current timeout (doubles after each retransmission) */
  timeout: number;
  /** when it is due */
  next: number;
  req: ClientRequest | null;
  obs: Observation | null;
}

/** Deduplication record of a received CON/NON (RFC 7252 §4.5). */
interface Seen {
  expires: number;
  /** what we answered (ACK with piggybacked response, or empty ACK), resent on a duplicate CON */
  reply: Uint8Array | null;
  ex: Exchange | null;
}

interface BlockCache {
  key: string;
  code: number;
  options: CoapOption[];
  body: Uint8Array;
  expires: number;
}

interface Upload {
  key: string;
  buf: Uint8Array;
  len: number;
  expires: number;
}

/** One request received in the server role; the handler answers through it. */
export class Exchange {
  declare request: CoapMessage;
  declare peer: Peer;
  /** the response has been given */
  declare responded: boolean;
  declare ep: CoapEndpoint;
  declare pkey: string;
  declare seen: Seen | null;
  /** an empty ACK has been sent: the response goes separately */
  declare acked: boolean;
  declare ackAt: number;
  declare observeAsked: boolean;
  declare obs: Observation | null;
  /** Block1 of the last block of an upload, echoed in the final response */
  declare block1: Uint8Array | null;
  /** block number and size exponent the request asked for, or -1 */
  declare b2num: number;
  declare b2szx: number;
  constructor(ep: CoapEndpoint, req: CoapMessage, peer: Peer, pkey: string, seen: Seen | null) {
    this.ep = ep;
    this.request = req;
    this.peer = peer;
    this.pkey = pkey;
    this.seen = seen;
    this.responded = false;
    this.acked = false;
    this.ackAt = -1;
    this.observeAsked = false;
    this.obs = null;
    this.block1 = null;
    this.b2num = -1;
    this.b2szx = -1;
  }
  /** Answer the request (piggybacked if still possible, else a separate response). */
  respond(res: ResponseSpec, now?: number): void {
    this.ep.respondTo(this, res, now === undefined ? this.ep.now : now);
  }
  /** Accept the observation asked for by a GET/FETCH with Observe=0; null if none was asked or no room. */
  observe(): Observation | null {
    return this.ep.acceptObservation(this);
  }
}

/** A server-side observation relation (RFC 7641 §4.1). */
export class Observation {
  declare peer: Peer;
  declare pkey: string;
  declare token: Uint8Array;
  /** "/3/0/1" */
  declare path: string;
  declare request: CoapMessage;
  declare active: boolean;
  declare onCancel: ((reason: string) => void) | null;
  declare ep: CoapEndpoint;
  declare lastConAt: number;
  declare inflight: Tx | null;
  declare queued: CoapMessage | null;
  declare queuedCon: boolean;
  declare mids: number[];
  declare szx: number;
  declare cacheKey: string;
  constructor(ep: CoapEndpoint, ex: Exchange) {
    this.ep = ep;
    this.peer = ex.peer;
    this.pkey = ex.pkey;
    this.token = new Uint8Array(ex.request.token);
    this.path = getPathString(ex.request) || '/';
    // keep the request's options (for the block cache key); its bytes may be a shared view
    this.request = message(ex.request.type, ex.request.code, ex.request.mid, this.token, copyOptions(ex.request.options));
    this.active = true;
    this.onCancel = null;
    this.lastConAt = ep.now;
    this.inflight = null;
    this.queued = null;
    this.queuedCon = false;
    this.mids = [];
    this.szx = ex.b2szx;
    this.cacheKey = '';
  }
  /** Send a notification (CON when asked, or when the last CON one is older than OBSERVE_CON_INTERVAL). */
  notify(res: ResponseSpec, confirmable?: boolean, now?: number): void {
    this.ep.notify(this, res, !!confirmable, now === undefined ? this.ep.now : now);
  }
  /** End the relation from the application's side (onCancel runs with 'cancelled'). */
  cancel(): void {
    this.ep.endObservation(this, 'cancelled');
  }
}

function copyOptions(o: CoapOption[]): CoapOption[] {
  var out: CoapOption[] = [];
  for (var i = 0; i < o.length; i++) out.push({ num: o[i].num, value: new Uint8Array(o[i].value) });
  return out;
}

/** A client request in flight. */
class ClientRequest {
  declare peer: Peer;
  declare pkey: string;
  declare msg: CoapMessage;
  declare cb: ResponseCallback;
  declare con: boolean;
  declare observe: boolean;
  /** 0 queued, 1 sent and not acknowledged, 2 acknowledged / NON sent: waiting for the response, 3 observing, 4 done */
  declare state: number;
  declare deadline: number;
  declare tx: Tx | null;
  declare lastMid: number;
  declare body: Uint8Array | null;
  declare bodyLen: number;
  declare obsSeq: number;
  declare obsAt: number;
  constructor(peer: Peer, msg: CoapMessage, cb: ResponseCallback, con: boolean, observe: boolean) {
    this.peer = peer;
    this.pkey = peerKey(peer);
    this.msg = msg;
    this.cb = cb;
    this.con = con;
    this.observe = observe;
    this.state = 0;
    this.deadline = -1;
    this.tx = null;
    this.lastMid = -1;
    this.body = null;
    this.bodyLen = 0;
    this.obsSeq = -1;
    this.obsAt = 0;
  }
}

/** What request() returns. */
export class RequestHandle {
  declare token: Uint8Array;
  private declare ep: CoapEndpoint;
  private declare req: ClientRequest;
  constructor(ep: CoapEndpoint, req: ClientRequest) {
    this.ep = ep;
    this.req = req;
    this.token = req.msg.token;
  }
  /** Stop: no further callback; retransmissions stop; an observation is forgotten. */
  cancel(): void {
    this.ep.finish(this.req);
  }
}

var E_BUSY = 'busy';
var E_TIMEOUT = 'timeout';
var E_RESET = 'reset';
var E_NORESP = 'no-response';
var E_LARGE = 'too-large';
var E_BLOCK = 'bad-block';
var E_OPTION = 'bad-option';

export class CoapEndpoint {
  declare params: Params;
  declare stats: CoapStats;
  /** exceptions caught at the top of receive() (a port, a callback or a bug): tests expect 0 */
  declare faults: number;
  /** the latest time given to receive/poll/request */
  declare now: number;
  declare onRequest: RequestHandler | null;
  private declare port: DatagramPort;
  private declare rng: Rng;
  private declare rnd: Uint8Array;
  private declare nextMid: number;
  private declare seqCounter: number;
  private declare tx: Tx[];
  private declare seen: { [k: string]: Seen };
  private declare seenKeys: string[];
  private declare reqs: ClientRequest[];
  private declare waiting: Exchange[];
  private declare obsList: Observation[];
  private declare cache: BlockCache[];
  private declare uploads: Upload[];

  constructor(o: EndpointOptions) {
    this.params = params(o.params);
    this.port = o.port;
    this.rng = o.rng;
    this.onRequest = o.onRequest || null;
    this.stats = { txDatagrams: 0, txBytes: 0, rxDatagrams: 0, rxBytes: 0, retransmissions: 0, timeouts: 0, duplicates: 0, dropped: 0, rejected: 0 };
    this.now = 0;
    this.faults = 0;
    this.rnd = new Uint8Array(4);
    // RFC 7252 §4.4: the first message ID SHOULD be randomized
    this.nextMid = this.random16();
    this.seqCounter = 0;
    this.tx = [];
    this.seen = {};
    this.seenKeys = [];
    this.reqs = [];
    this.waiting = [];
    this.obsList = [];
    this.cache = [];
    this.uploads = [];
  }

  // ---------------------------------------------------------------- plumbing

  private random16(): number {
    this.rng.fill(this.rnd);
    return (this.rnd[0] << 8) | this.rnd[1];
  }

  private mid(): number {
    var m = this.nextMid;
    this.nextMid = (m + 1) & 0xffff;
    return m;
  }

  private token(): Uint8Array {
    var t = new Uint8Array(this.params.TOKEN_LENGTH);
    for (var tries = 0; tries < 4; tries++) {
      this.rng.fill(t);
      var clash = false;
      for (var i = 0; i < this.reqs.length; i++) if (sameBytes(this.reqs[i].msg.token, t)) clash = true;
      if (!clash) break;
    }
    return t;
  }

  private send(bytes: Uint8Array, peer: Peer): void {
    this.stats.txDatagrams++;
    this.stats.txBytes += bytes.length;
    this.port.send(bytes, peer);
  }

  /** Send a CON and keep it for retransmission: first timeout ACK_TIMEOUT × random(1, ACK_RANDOM_FACTOR) (RFC 7252 §4.2). */
  private sendCon(bytes: Uint8Array, peer: Peer, pkey: string, mid: number, now: number, req: ClientRequest | null, obs: Observation | null): Tx {
    this.rng.fill(this.rnd);
    var r = ((this.rnd[0] << 8) | this.rnd[1]) / 65536;
    var p = this.params;
    var t: Tx = {
      peer: peer, pkey: pkey, mid: mid, bytes: bytes, tries: 0,
      timeout: Math.floor(p.ACK_TIMEOUT + p.ACK_TIMEOUT * (p.ACK_RANDOM_FACTOR - 1) * r),
      next: 0, req: req, obs: obs,
    };
    t.next = now + t.timeout;
    // bounded: past the cap the oldest separate response stops being retransmitted
    var cap = this.params.MAX_DEDUP + this.params.MAX_OBSERVATIONS + this.params.MAX_PENDING_REQUESTS;
    if (this.tx.length >= cap) {
      for (var i = 0; i < this.tx.length; i++) {
        if (!this.tx[i].req && !this.tx[i].obs) {
          this.tx.splice(i, 1);
          break;
        }
      }
    }
    this.tx.push(t);
    this.send(bytes, peer);
    return t;
  }

  private findTx(pkey: string, mid: number): number {
    for (var i = 0; i < this.tx.length; i++) if (this.tx[i].mid === mid && this.tx[i].pkey === pkey) return i;
    return -1;
  }

  private dropTx(t: Tx | null): void {
    if (!t) return;
    for (var i = 0; i < this.tx.length; i++) {
      if (this.tx[i] === t) {
        this.tx.splice(i, 1);
        return;
      }
    }
  }

  private remember(key: string, s: Seen): void {
    if (this.seen[key]) this.seenKeys.splice(this.seenKeys.indexOf(key), 1);
    if (this.seenKeys.length >= this.params.MAX_DEDUP) {
      delete this.seen[this.seenKeys.shift() as string];
    }
    this.seen[key] = s;
    this.seenKeys.push(key);
  }

  // ---------------------------------------------------------------- receive

  /** Feed one datagram from `peer`. Never throws. */
  receive(bytes: Uint8Array, peer: Peer, now: number): void {
    this.now = now;
    this.stats.rxDatagrams++;
    this.stats.rxBytes += bytes.length;
    try {
      this.handle(bytes, peer, now);
    } catch (e) {
      // a port or a callback failed: the datagram is lost, the endpoint stays usable
      this.faults++;
    }
  }

  private handle(bytes: Uint8Array, peer: Peer, now: number): void {
    var d = decode(bytes);
    if (typeof d === 'number') {
      if (d === DECODE_REJECT) {
        this.stats.rejected++;
        // RFC 7252 §4.2: a CON with a format error is rejected with a matching RST
        if (((bytes[0] >> 4) & 3) === TYPE.CON) this.send(emptyMessage(TYPE.RST, (bytes[2] << 8) | bytes[3]), peer);
      } else this.stats.dropped++;
      return;
    }
    var m = d;
    var pkey = peerKey(peer);
    if (m.type === TYPE.ACK || m.type === TYPE.RST) {
      this.onAckOrReset(m, peer, pkey, now);
      return;
    }
    if (m.code === CODE.EMPTY) {
      // a CON Empty message is a "ping" (RFC 7252 §4.3): answer RST; an Empty NON is ignored
      if (m.type === TYPE.CON) this.send(emptyMessage(TYPE.RST, m.mid), peer);
      else this.stats.rejected++;
      return;
    }
    // deduplication (RFC 7252 §4.5)
    var key = pkey + '#' + m.mid;
    var s = this.seen[key];
    if (s && s.expires > now) {
      this.stats.duplicates++;
      if (m.type === TYPE.CON) {
        if (s.reply) this.send(s.reply, peer);
        else if (s.ex && !s.ex.responded && !s.ex.acked) this.sendEmptyAck(s.ex);
      }
      return;
    }
    s = { expires: now + (m.type === TYPE.CON ? this.params.EXCHANGE_LIFETIME : this.params.NON_LIFETIME), reply: null, ex: null };
    this.remember(key, s);
    if (codeClass(m.code) === 0) this.onRequestMsg(m, peer, pkey, s, now);
    else this.onResponse(m, peer, pkey, s, now);
  }

  private onAckOrReset(m: CoapMessage, peer: Peer, pkey: string, now: number): void {
    if (m.type === TYPE.RST && m.code !== CODE.EMPTY) {
      this.stats.rejected++;
      return;
    }
    var i = this.findTx(pkey, m.mid);
    var t = i >= 0 ? this.tx[i] : null;
    if (t) this.tx.splice(i, 1);
    if (m.type === TYPE.RST) {
      var o = t && t.obs ? t.obs : this.obsByMid(pkey, m.mid);
      if (o) this.endObservation(o, 'reset');
      var r = t && t.req ? t.req : this.reqByMid(pkey, m.mid);
      if (r) this.fail(r, E_RESET);
      return;
    }
    if (!t) return; // a late or duplicate ACK
    if (t.obs) {
      var ob = t.obs;
      if (ob.inflight === t) ob.inflight = null;
      if (ob.queued && ob.active) {
        var q = ob.queued;
        ob.queued = null;
        this.sendNotification(ob, q, ob.queuedCon, now);
      }
    }
    var req = t.req;
    if (!req || req.state !== 1) return;
    req.tx = null;
    if (m.code === CODE.EMPTY) {
      // separate response to follow (RFC 7252 §5.2.2); the interaction is no longer outstanding (NSTART)
      req.state = 2;
      req.deadline = now + this.params.SEPARATE_RESPONSE_TIMEOUT;
      this.startQueued(req.pkey, now);
      return;
    }
    if (!sameBytes(m.token, req.msg.token)) return;
    this.deliver(req, m, now);
  }

  private obsByMid(pkey: string, mid: number): Observation | null {
    for (var i = 0; i < this.obsList.length; i++) {
      var o = this.obsList[i];
      if (o.pkey === pkey && o.mids.indexOf(mid) >= 0) return o;
    }
    return null;
  }

  private reqByMid(pkey: string, mid: number): ClientRequest | null {
    for (var i = 0; i < this.reqs.length; i++) if (this.reqs[i].pkey === pkey && this.reqs[i].lastMid === mid) return this.reqs[i];
    return null;
  }

  // ---------------------------------------------------------------- server role

  private onRequestMsg(m: CoapMessage, peer: Peer, pkey: string, s: Seen, now: number): void {
    var ex = new Exchange(this, m, peer, pkey, s);
    s.ex = ex;
    var bad = firstUnknownCritical(m);
    if (bad >= 0) {
      // RFC 7252 §5.4.1: 4.02 for a CON; a NON is rejected (silently ignored here)
      if (m.type === TYPE.CON) this.respondTo(ex, { code: CODE.BAD_OPTION }, now);
      return;
    }
    if (getOption(m, OPT.PROXY_URI) !== null || getOption(m, OPT.PROXY_SCHEME) !== null) {
      this.respondTo(ex, { code: CODE.PROXYING_NOT_SUPPORTED }, now);
      return;
    }
    // Block2 asked for (RFC 7959 §2.4): a later block may come from the cache
    var b2 = getOption(m, OPT.BLOCK2);
    if (b2 !== null) {
      var bv = readBlock(b2);
      if (!bv) {
        this.respondTo(ex, { code: CODE.BAD_REQUEST }, now);
        return;
      }
      ex.b2num = bv.num;
      ex.b2szx = bv.szx;
      if (bv.num > 0 && this.serveCachedBlock(ex, now)) return;
    }
    // Block1 upload (RFC 7959 §2.5): reassemble, 2.31 per block, the handler sees the whole body
    var b1 = getOption(m, OPT.BLOCK1);
    if (b1 !== null && !this.collectBlock1(ex, b1, now)) return;
    // Observe (RFC 7641 §2): 0 registers (if the handler accepts), 1 deregisters
    var ov = getOption(m, OPT.OBSERVE);
    if (ov !== null && (m.code === CODE.GET || m.code === CODE.FETCH)) {
      var o = this.obsByToken(pkey, m.token);
      var ovv = readUintValue3(ov);
      if (ovv === 0) ex.observeAsked = true;
      else if (ovv === 1 && o) this.endObservation(o, 'deregister');
    }
    var h = this.onRequest;
    if (!h) {
      this.respondTo(ex, { code: CODE.NOT_FOUND }, now);
      return;
    }
    try {
      h(m, peer, ex);
    } catch (e) {
      if (!ex.responded) this.respondTo(ex, { code: CODE.INTERNAL_SERVER_ERROR }, now);
      return;
    }
    if (!ex.responded && m.type === TYPE.CON) {
      if (this.params.SEPARATE_ACK_DELAY <= 0) this.sendEmptyAck(ex);
      else {
        ex.ackAt = now + this.params.SEPARATE_ACK_DELAY;
        // bounded: under a flood the oldest waiting exchange gets its empty ACK early
        if (this.waiting.length >= this.params.MAX_DEDUP) this.sendEmptyAck(this.waiting.shift() as Exchange);
        this.waiting.push(ex);
      }
    }
    // a re-registration the handler did not accept ends the old relation (RFC 7641 §4.1)
    if (ex.observeAsked && !ex.obs) {
      var old = this.obsByToken(pkey, m.token);
      if (old) this.endObservation(old, 'replaced');
    }
  }

  private sendEmptyAck(ex: Exchange): void {
    ex.acked = true;
    var b = emptyMessage(TYPE.ACK, ex.request.mid);
    if (ex.seen) ex.seen.reply = b;
    this.send(b, ex.peer);
  }

  private blockKey(pkey: string, m: CoapMessage): string {
    var k = pkey + '|' + m.code;
    var o = m.options;
    for (var i = 0; i < o.length; i++) {
      var n = o[i].num;
      if (n === OPT.URI_PATH || n === OPT.URI_QUERY || n === OPT.ACCEPT) k += '|' + n + ':' + toHex(o[i].value);
    }
    return k;
  }

  private findCache(key: string, now: number): BlockCache | null {
    for (var i = 0; i < this.cache.length; i++) if (this.cache[i].key === key && this.cache[i].expires > now) return this.cache[i];
    return null;
  }

  private putCache(key: string, code: number, options: CoapOption[], body: Uint8Array, now: number): void {
    for (var i = this.cache.length - 1; i >= 0; i--) if (this.cache[i].key === key) this.cache.splice(i, 1);
    if (this.cache.length >= this.params.MAX_BLOCK_CACHE) this.cache.shift();
    this.cache.push({ key: key, code: code, options: options, body: body, expires: now + this.params.EXCHANGE_LIFETIME });
  }

  private serveCachedBlock(ex: Exchange, now: number): boolean {
    var c = this.findCache(this.blockKey(ex.pkey, ex.request), now);
    if (!c) return false;
    this.respondTo(ex, { code: c.code, options: c.options, payload: c.body }, now);
    return true;
  }

  private collectBlock1(ex: Exchange, b1: Uint8Array, now: number): boolean {
    var m = ex.request;
    var bv = readBlock(b1);
    if (!bv) {
      this.respondTo(ex, { code: CODE.BAD_REQUEST }, now);
      return false;
    }
    var key = this.blockKey(ex.pkey, m);
    var u: Upload | null = null;
    var i;
    for (i = 0; i < this.uploads.length; i++) if (this.uploads[i].key === key) u = this.uploads[i];
    var size = blockSize(bv.szx);
    var off = bv.num * size;
    var max = this.params.MAX_BODY;
    var size1 = getUint(m, OPT.SIZE1, 0);
    if (size1 > max || off + m.payload.length > max) {
      this.dropUpload(key);
      var tl = message(0, 0, 0);
      setUint(tl, OPT.SIZE1, max);
      this.respondTo(ex, { code: CODE.REQUEST_ENTITY_TOO_LARGE, options: tl.options }, now);
      return false;
    }
    if (bv.num === 0) {
      this.dropUpload(key);
      if (!bv.more) {
        ex.block1 = b1;
        return true; // the whole body in one block
      }
      if (this.uploads.length >= this.params.MAX_BLOCK_CACHE) this.uploads.shift();
      u = { key: key, buf: new Uint8Array(size1 > 0 ? size1 : 2 * size), len: 0, expires: 0 };
      this.uploads.push(u);
    }
    if (!u || u.len !== off || (bv.more && m.payload.length !== size)) {
      // RFC 7959 §2.9.2: a block out of sequence (or a first block never seen)
      this.respondTo(ex, { code: CODE.REQUEST_ENTITY_INCOMPLETE }, now);
      return false;
    }
    var need = u.len + m.payload.length;
    if (need > u.buf.length) {
      var nb = new Uint8Array(need * 2 > max ? max : need * 2);
      nb.set(u.buf.subarray(0, u.len));
      u.buf = nb;
    }
    u.buf.set(m.payload, u.len);
    u.len = need;
    u.expires = now + this.params.EXCHANGE_LIFETIME;
    if (bv.more) {
      // 2.31 Continue, echoing the block (§2.3: the server may ask for a smaller SZX)
      var ours = szxOf(this.params.BLOCK_SIZE);
      var cm = message(0, 0, 0);
      addOption(cm, OPT.BLOCK1, blockBytes(bv.num, true, bv.szx < ours ? bv.szx : ours));
      this.respondTo(ex, { code: CODE.CONTINUE, options: cm.options }, now);
      return false;
    }
    this.dropUpload(key);
    ex.block1 = b1;
    m.payload = u.len === u.buf.length ? u.buf : new Uint8Array(u.buf.subarray(0, u.len));
    removeOption(m, OPT.BLOCK1);
    return true;
  }

  private dropUpload(key: string): void {
    for (var i = this.uploads.length - 1; i >= 0; i--) if (this.uploads[i].key === key) this.uploads.splice(i, 1);
  }

  /** Build the response message for an exchange (options, Observe, Block1 echo, Block2 slicing). */
  respondTo(ex: Exchange, res: ResponseSpec, now: number): void {
    if (ex.responded) return;
    ex.responded = true;
    this.now = now;
    var wi = this.waiting.indexOf(ex);
    if (wi >= 0) this.waiting.splice(wi, 1);
    var req = ex.request;
    var m = message(0, res.code, 0, req.token, res.options ? res.options.slice(0) : [], res.payload);
    if (res.contentFormat !== undefined) setUint(m, OPT.CONTENT_FORMAT, res.contentFormat);
    var obs = ex.obs;
    if (obs && obs.active) {
      if (codeClass(res.code) === 2) setUint(m, OPT.OBSERVE, this.nextSeq());
      else this.endObservation(obs, 'error');
    }
    if (ex.block1 && codeClass(res.code) === 2) setOption(m, OPT.BLOCK1, ex.block1);
    if (!this.sliceBlock2(m, ex.pkey, req, ex.b2num < 0 ? 0 : ex.b2num, ex.b2szx, ex.b2num >= 0, now)) {
      m = message(0, CODE.BAD_OPTION, 0, req.token);
    }
    if (req.type === TYPE.CON && !ex.acked) {
      m.type = TYPE.ACK;
      m.mid = req.mid;
      var b = encode(m);
      if (ex.seen) ex.seen.reply = b;
      this.send(b, ex.peer);
    } else if (req.type === TYPE.CON) {
      // separate response (RFC 7252 §5.2.2): a new CON, retransmitted until acknowledged
      m.type = TYPE.CON;
      m.mid = this.mid();
      this.sendCon(encode(m), ex.peer, ex.pkey, m.mid, now, null, null);
    } else {
      m.type = TYPE.NON;
      m.mid = this.mid();
      this.send(encode(m), ex.peer);
    }
  }

  /**
   * Cut `m.payload` to block `num` when it is larger than the block size or a block was
   * asked for (RFC 7959 §2.4), caching the whole body for the following blocks.
   * False when block `num` lies beyond the body.
   */
  private sliceBlock2(m: CoapMessage, pkey: string, req: CoapMessage, num: number, askedSzx: number, asked: boolean, now: number): boolean {
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
        this.putCache(this.blockKey(pkey, req), m.code, co, body, now);
      }
      setUint(m, OPT.SIZE2, body.length);
    }
    setOption(m, OPT.BLOCK2, blockBytes(num, more, szx));
    m.payload = body.subarray(off, end);
    return true;
  }

  // ---------------------------------------------------------------- observe, server side

  private obsByToken(pkey: string, token: Uint8Array): Observation | null {
    for (var i = 0; i < this.obsList.length; i++) {
      var o = this.obsList[i];
      if (o.pkey === pkey && sameBytes(o.token, token)) return o;
    }
    return null;
  }

  private nextSeq(): number {
    this.seqCounter = (this.seqCounter + 1) & OBSERVE_SEQ_MASK;
    return this.seqCounter;
  }

  acceptObservation(ex: Exchange): Observation | null {
    if (!ex.observeAsked || ex.responded) return null;
    if (ex.obs) return ex.obs;
    // same endpoint and token: update the existing entry, do not add (RFC 7641 §4.1)
    var o = this.obsByToken(ex.pkey, ex.request.token);
    if (o) {
      o.szx = ex.b2szx;
    } else {
      if (this.obsList.length >= this.params.MAX_OBSERVATIONS) return null;
      o = new Observation(this, ex);
      this.obsList.push(o);
    }
    ex.obs = o;
    return o;
  }

  /** Send a notification for `o` (see Observation.notify). */
  notify(o: Observation, res: ResponseSpec, confirmable: boolean, now: number): void {
    if (!o.active) return;
    this.now = now;
    var m = message(0, res.code, 0, o.token, res.options ? res.options.slice(0) : [], res.payload);
    if (res.contentFormat !== undefined) setUint(m, OPT.CONTENT_FORMAT, res.contentFormat);
    var ok = codeClass(res.code) === 2;
    if (ok) {
      setUint(m, OPT.OBSERVE, this.nextSeq());
      // a large notification carries its first block; the client GETs the rest (RFC 7959 §3.4)
      this.sliceBlock2(m, o.pkey, o.request, 0, o.szx, false, now);
    }
    var con = confirmable || now - o.lastConAt >= this.params.OBSERVE_CON_INTERVAL || !ok;
    if (o.inflight && ok) {
      // RFC 7641 §4.5.2: a newer notification replaces the one in flight and inherits its
      // retransmission counter and timeout; it goes out when that one is acknowledged or due
      o.queued = m;
      o.queuedCon = true;
    } else this.sendNotification(o, m, con, now);
    if (!ok) this.endObservation(o, 'error');
  }

  private sendNotification(o: Observation, m: CoapMessage, con: boolean, now: number): void {
    m.mid = this.mid();
    if (o.mids.length >= 4) o.mids.shift();
    o.mids.push(m.mid);
    if (con) {
      m.type = TYPE.CON;
      o.lastConAt = now;
      o.inflight = this.sendCon(encode(m), o.peer, o.pkey, m.mid, now, null, o);
    } else {
      m.type = TYPE.NON;
      this.send(encode(m), o.peer);
    }
  }

  /** End a relation and tell the application why. */
  endObservation(o: Observation, reason: string): void {
    if (!o.active) return;
    o.active = false;
    o.queued = null;
    var i = this.obsList.indexOf(o);
    if (i >= 0) this.obsList.splice(i, 1);
    if (o.inflight && reason !== 'error') this.dropTx(o.inflight);
    o.inflight = null;
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
    return this.obsList.slice(0);
  }

  /** End every relation (of one peer, if given), e.g. when the LwM2M server de-registers us. */
  cancelObservations(peer?: Peer): void {
    var k = peer ? peerKey(peer) : '';
    var list = this.obsList.slice(0);
    for (var i = 0; i < list.length; i++) if (!peer || list[i].pkey === k) this.endObservation(list[i], 'cancelled');
  }

  // ---------------------------------------------------------------- client role

  /** Send a request; `cb` runs once with the response or an error (every notification, when observing). */
  request(peer: Peer, spec: RequestSpec, now: number, cb: ResponseCallback): RequestHandle {
    this.now = now;
    var con = spec.confirmable !== false;
    var m = message(con ? TYPE.CON : TYPE.NON, spec.code, 0, this.token(), spec.options ? spec.options.slice(0) : [], spec.payload);
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
    var h = new RequestHandle(this, r);
    if (this.reqs.length >= this.params.MAX_PENDING_REQUESTS) {
      r.state = 4;
      this.callback(r, E_BUSY, undefined);
      return h;
    }
    this.reqs.push(r);
    if (!this.outstanding(r.pkey)) this.transmit(r, now);
    return h;
  }

  /** An interaction with this peer still waiting for its ACK (NSTART, RFC 7252 §4.7). */
  private outstanding(pkey: string): boolean {
    var n = 0;
    for (var i = 0; i < this.reqs.length; i++) if (this.reqs[i].pkey === pkey && this.reqs[i].state === 1) n++;
    return n >= this.params.NSTART;
  }

  private startQueued(pkey: string, now: number): void {
    for (var i = 0; i < this.reqs.length; i++) {
      if (this.outstanding(pkey)) return;
      var r = this.reqs[i];
      if (r.pkey === pkey && r.state === 0) this.transmit(r, now);
    }
  }

  private transmit(r: ClientRequest, now: number): void {
    var m = r.msg;
    m.mid = this.mid();
    r.lastMid = m.mid;
    if (r.con) {
      r.state = 1;
      r.deadline = -1;
      r.tx = this.sendCon(encode(m), r.peer, r.pkey, m.mid, now, r, null);
    } else {
      r.state = 2;
      r.deadline = now + this.params.NON_RESPONSE_TIMEOUT;
      this.send(encode(m), r.peer);
    }
  }

  /** Remove a request for good (answered, failed or cancelled) and start the next one queued for its peer. */
  finish(r: ClientRequest): void {
    if (r.state === 4) return;
    r.state = 4;
    this.dropTx(r.tx);
    r.tx = null;
    var i = this.reqs.indexOf(r);
    if (i >= 0) this.reqs.splice(i, 1);
    this.startQueued(r.pkey, this.now);
  }

  private fail(r: ClientRequest, err: string): void {
    if (r.state === 4) return;
    this.finish(r);
    this.callback(r, err, undefined);
  }

  /** The application's callback; what it throws stays out of the engine (counted in `faults`). */
  private callback(r: ClientRequest, err: string | null, m: CoapMessage | undefined): void {
    try {
      r.cb(err, m);
    } catch (e) {
      this.faults++;
    }
  }

  private onResponse(m: CoapMessage, peer: Peer, pkey: string, s: Seen, now: number): void {
    var r: ClientRequest | null = null;
    for (var i = 0; i < this.reqs.length; i++) {
      var c = this.reqs[i];
      if (c.pkey === pkey && c.state !== 0 && sameBytes(c.msg.token, m.token)) r = c;
    }
    if (!r) {
      // RFC 7252 §4.2/§4.3 and RFC 7641 §3.6: reject what we have no context for
      this.send(emptyMessage(TYPE.RST, m.mid), peer);
      return;
    }
    if (m.type === TYPE.CON) {
      var ack = emptyMessage(TYPE.ACK, m.mid);
      if (firstUnknownCritical(m) >= 0) ack = emptyMessage(TYPE.RST, m.mid);
      s.reply = ack;
      this.send(ack, peer);
    }
    if (r.state === 1) {
      // the response came before (or instead of) the ACK: it acknowledges the request
      this.dropTx(r.tx);
      r.tx = null;
      r.state = 2;
      this.startQueued(pkey, now);
    }
    this.deliver(r, m, now);
  }

  /** A response (piggybacked or separate, or a notification) for request `r`. */
  private deliver(r: ClientRequest, m: CoapMessage, now: number): void {
    if (firstUnknownCritical(m) >= 0) {
      this.fail(r, E_OPTION);
      return;
    }
    if (r.state === 3) {
      // a notification: RFC 7641 §3.4 freshness (24-bit serial arithmetic, or 128 s passed)
      var v = getUint(m, OPT.OBSERVE, -1);
      if (v >= 0) {
        var v1 = r.obsSeq;
        var fresh = (v1 < v && v - v1 < 0x800000) || (v1 > v && v1 - v > 0x800000) || now > r.obsAt + 128000;
        if (!fresh) return;
        r.obsSeq = v;
        r.obsAt = now;
      }
    }
    var b2 = getOption(m, OPT.BLOCK2);
    if (b2 !== null && codeClass(m.code) === 2) {
      var bv = readBlock(b2);
      if (!bv) {
        this.fail(r, E_BLOCK);
        return;
      }
      if (bv.more || bv.num > 0) {
        if (r.state === 3 || (r.observe && getOption(m, OPT.OBSERVE) !== null)) {
          // a block-wise notification: not followed (see Known limits); delivered as is
        } else {
          this.collectBlock2(r, m, bv.num, bv.more, bv.szx, now);
          return;
        }
      }
    }
    this.complete(r, m, now);
  }

  private complete(r: ClientRequest, m: CoapMessage, now: number): void {
    if (r.observe && codeClass(m.code) === 2 && getOption(m, OPT.OBSERVE) !== null) {
      if (r.state !== 3) {
        r.state = 3;
        r.deadline = -1;
        r.obsSeq = getUint(m, OPT.OBSERVE, 0);
        r.obsAt = now;
      }
      this.callback(r, null, m);
      return;
    }
    this.finish(r);
    this.callback(r, null, m);
  }

  /** Follow a Block2 response as a client (RFC 7959 §2.4): GET the next block until M=0. */
  private collectBlock2(r: ClientRequest, m: CoapMessage, num: number, more: boolean, szx: number, now: number): void {
    var size = blockSize(szx);
    var off = num * size;
    if (num === 0) r.bodyLen = 0;
    if (off !== r.bodyLen || (more && m.payload.length !== size)) {
      this.fail(r, E_BLOCK);
      return;
    }
    var need = off + m.payload.length;
    if (need > this.params.MAX_BODY) {
      this.fail(r, E_LARGE);
      return;
    }
    if (!r.body || r.body.length < need) {
      var total = getUint(m, OPT.SIZE2, 0);
      var cap = total >= need && total <= this.params.MAX_BODY ? total : need * 2 > this.params.MAX_BODY ? this.params.MAX_BODY : need * 2;
      var nb = new Uint8Array(cap);
      if (r.body) nb.set(r.body.subarray(0, r.bodyLen));
      r.body = nb;
    }
    r.body.set(m.payload, off);
    r.bodyLen = need;
    if (!more) {
      m.payload = r.body.length === need ? r.body : new Uint8Array(r.body.subarray(0, need));
      removeOption(m, OPT.BLOCK2);
      r.body = null;
      r.observe = false;
      this.complete(r, m, now);
      return;
    }
    // next block: same request, new MID, without Observe (RFC 7959 §2.4, §3.4)
    var q = r.msg;
    removeOption(q, OPT.OBSERVE);
    r.observe = false;
    setOption(q, OPT.BLOCK2, blockBytes(num + 1, false, szx));
    this.transmit(r, now);
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
    for (i = 0; i < this.tx.length; i++) if (this.tx[i].next <= now) due.push(this.tx[i]);
    for (i = 0; i < due.length; i++) {
      var t = due[i];
      if (this.tx.indexOf(t) < 0) continue;
      if (t.tries >= p.MAX_RETRANSMIT) {
        this.dropTx(t);
        this.stats.timeouts++;
        if (t.obs) this.endObservation(t.obs, 'timeout');
        if (t.req) this.fail(t.req, E_TIMEOUT);
        continue;
      }
      var o = t.obs;
      if (o && o.inflight === t && o.queued && o.active) {
        // the replacing notification takes over this transmission (RFC 7641 §4.5.2)
        var q = o.queued;
        o.queued = null;
        q.type = TYPE.CON;
        q.mid = this.mid();
        if (o.mids.length >= 4) o.mids.shift();
        o.mids.push(q.mid);
        t.mid = q.mid;
        t.bytes = encode(q);
        o.lastConAt = now;
      }
      t.tries++;
      t.timeout *= 2;
      t.next = now + t.timeout;
      this.stats.retransmissions++;
      this.send(t.bytes, t.peer);
    }
    for (i = 0; i < this.tx.length; i++) next = earliest(next, this.tx[i].next);
    // empty ACKs for handlers that have not answered yet (RFC 7252 §5.2.2)
    var w = this.waiting.slice(0);
    for (i = 0; i < w.length; i++) {
      var ex = w[i];
      if (ex.ackAt <= now) {
        this.waiting.splice(this.waiting.indexOf(ex), 1);
        if (!ex.responded && !ex.acked) this.sendEmptyAck(ex);
      } else next = earliest(next, ex.ackAt);
    }
    // clients waiting for a separate or NON response
    var rs = this.reqs.slice(0);
    for (i = 0; i < rs.length; i++) {
      var r = rs[i];
      if (r.state === 2 && r.deadline >= 0) {
        if (r.deadline <= now) this.fail(r, E_NORESP);
        else next = earliest(next, r.deadline);
      }
    }
    // expiry: deduplication records, block caches, uploads (bounded anyway; no deadline needed)
    for (i = this.seenKeys.length - 1; i >= 0; i--) {
      var k = this.seenKeys[i];
      if (this.seen[k].expires <= now) {
        delete this.seen[k];
        this.seenKeys.splice(i, 1);
      }
    }
    for (i = this.cache.length - 1; i >= 0; i--) if (this.cache[i].expires <= now) this.cache.splice(i, 1);
    for (i = this.uploads.length - 1; i >= 0; i--) if (this.uploads[i].expires <= now) this.uploads.splice(i, 1);
    return next;
  }

  /** Sizes of the internal tables (for tests: no input may grow them without bound). */
  sizes(): { [k: string]: number } {
    return {
      tx: this.tx.length, seen: this.seenKeys.length, reqs: this.reqs.length, waiting: this.waiting.length,
      observations: this.obsList.length, cache: this.cache.length, uploads: this.uploads.length,
    };
  }
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
