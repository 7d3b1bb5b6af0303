// Block-wise transfers (RFC 7959) for the endpoint, both roles: a response larger than a
// block is cut, the whole body cached for the blocks that follow (server Block2); an upload is
// reassembled, or streamed to the handler block by block (server Block1); a download is
// followed block by block, or streamed to the application (client Block2); an upload goes
// out block by block (client Block1: sliced here, sent by the endpoint). Cutting a response
// into blocks is the endpoint's _sliceBlock2. The option codec is block.ts.
import { toHex } from '../bytes';
import { CODE, OPT, szxOf } from './constants';
import { message, EMPTY, getUint, setUint, setOption, removeOption, type CoapMessage, type CoapOption } from './message';
import { blockBytes, blockSize, readBlock } from './block';
import type { CoapEndpoint, BlockCache, Upload } from './endpoint';
import type { Exchange } from './exchange';
import type { ClientRequest } from './requests';

function findCache(ep: CoapEndpoint, key: string, now: number): BlockCache | null {
  var c = ep._cache;
  if (c) for (var i = 0; i < c.length; i++) if (c[i]._key === key && c[i]._expires > now) return c[i];
  return null;
}

export function putCache(ep: CoapEndpoint, key: string, code: number, options: CoapOption[], body: Uint8Array, now: number): void {
  var c = ep._cache || (ep._cache = []);
  for (var i = c.length - 1; i >= 0; i--) if (c[i]._key === key) c.splice(i, 1);
  if (c.length >= ep.params.maxBlockCache) c.shift();
  c.push({ _key: key, _code: code, _options: options, _body: body, _expires: now + ep.params.exchangeLifetime });
}

export function serveCachedBlock(ep: CoapEndpoint, ex: Exchange, now: number): boolean {
  var c = findCache(ep, blockSteps().blockKey(ex._pkey, ex.request), now);
  if (!c) return false;
  ex.respond({ code: c._code, options: c._options, payload: c._body }, now);
  return true;
}

export function collectBlock1(ep: CoapEndpoint, ex: Exchange, b1: Uint8Array, now: number): boolean {
  var m = ex.request;
  var bv = readBlock(b1);
  if (!bv) {
    ex.respond({ code: CODE.BAD_REQUEST }, now);
    return false;
  }
  var key = blockSteps().blockKey(ex._pkey, m);
  var u: Upload | null = null;
  var i;
  var ups = ep._uploads || (ep._uploads = []);
  for (i = 0; i < ups.length; i++) if (ups[i]._key === key) u = ups[i];
  var size = blockSize(bv.szx);
  var off = bv.num * size;
  var max = ep.params.maxBody;
  var size1 = getUint(m, OPT.SIZE1, 0);
  ex._block1 = b1;
  if (bv.num === 0) {
    blockSteps().dropUpload(ep, key);
    u = null;
    var sb = ep.streamBlock1;
    if (bv.more && sb && sb(m, ex.peer)) u = { _key: key, _buf: null, _len: 0, _expires: 0 };
  }
  var streamed = u !== null && u._buf === null;
  if (!streamed && (size1 > max || off + m.payload.length > max)) {
    blockSteps().dropUpload(ep, key);
    var tl = message(0, 0, 0);
    setUint(tl, OPT.SIZE1, max);
    ex.respond({ code: CODE.REQUEST_ENTITY_TOO_LARGE, options: tl.options }, now);
    return false;
  }
  if (bv.num === 0) {
    if (!bv.more) return true; // the whole body in one block
    if (!u) u = { _key: key, _buf: new Uint8Array(size1 > 0 ? size1 : 2 * size), _len: 0, _expires: 0 };
    if (ups.length >= ep.params.maxBlockCache) ups.shift();
    ups.push(u);
  }
  if (u && !u._buf && bv.more && off + size === u._len && m.payload.length === size) {
    // a streamed block again (its 2.31 was lost and the client sent it anew): the handler has
    // it already, so Continue once more
    ex.respond({ code: CODE.CONTINUE }, now);
    return false;
  }
  if (!u || u._len !== off || (bv.more && m.payload.length !== size)) {
    // RFC 7959 §2.9.2: a block out of sequence (or a first block never seen)
    ex.respond({ code: CODE.REQUEST_ENTITY_INCOMPLETE }, now);
    return false;
  }
  var need = u._len + m.payload.length;
  u._expires = now + ep.params.exchangeLifetime;
  if (!u._buf) {
    // streamed upload: the handler sees each block (ex.blockOffset, ex.blockMore) and
    // answers 2.31 Continue to all but the last; the endpoint echoes Block1
    u._len = need;
    ex.blockOffset = off;
    ex.blockMore = bv.more;
    // The previous block's deduplication record goes: the client sent this block because it had
    // that one's 2.31 (RFC 7959 §2.5, one block at a time), and a late copy of it can only get a
    // 4.08 it no longer waits for. Kept, a whole upload's records (MAX_DEDUP, ~14 Espruino
    // variables each for EXCHANGE_LIFETIME) sat one per block among the buffers the DTLS records
    // had freed, and fragmented the variable store; this block's stays (its answer may be lost).
    var ps = u._seen;
    if (ps) {
      i = ep._seen.indexOf(ps);
      if (i >= 0) ep._seen.splice(i, 1);
    }
    if (ex._seen) u._seen = ex._seen;
    if (!bv.more) blockSteps().dropUpload(ep, key);
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
    var ours = szxOf(ep.params.blockSize);
    ex._block1 = blockBytes(bv.num, true, bv.szx < ours ? bv.szx : ours);
    ex.respond({ code: CODE.CONTINUE }, now);
    return false;
  }
  blockSteps().dropUpload(ep, key);
  m.payload = u._len === u._buf.length ? u._buf : new Uint8Array(u._buf.subarray(0, u._len));
  removeOption(m, OPT.BLOCK1);
  return true;
}

/** Follow a Block2 response as a client (RFC 7959 §2.4): GET the next block until M=0. */
export function collectBlock2(ep: CoapEndpoint, r: ClientRequest, m: CoapMessage, num: number, more: boolean, szx: number, now: number): void {
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
    if (!blockSteps().stream(ep, r, m.payload, off, more)) return;
    if (!more) m.payload = EMPTY;
  } else {
    var max = ep.params.maxBody;
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

/**
 * The block-wise steps that run rarely and from several places: the block cache key, an
 * upload's end, a client upload's next block, a streamed body's next piece. Built when one is
 * needed and dropped after (docs/memory.md, "Code loaded on demand"): as methods they cost
 * Espruino some 25 variables for as long as the bundle is loaded; here they exist only while
 * they run. They keep no state of their own.
 */
export function blockSteps() {
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

  function dropUpload(ep: CoapEndpoint, key: string): void {
    var ups = ep._uploads;
    if (ups) for (var i = ups.length - 1; i >= 0; i--) if (ups[i]._key === key) ups.splice(i, 1);
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
  return { blockKey: blockKey, dropUpload: dropUpload, block1Slice: block1Slice, stream: stream };
}
