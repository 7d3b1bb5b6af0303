// LwM2M TLV (Content-Format 11542), LwM2M 1.1 Core §7.4.3.
// Type byte: bits 7-6 identifier kind (00 Object Instance, 01 Resource Instance,
// 10 Multiple Resource, 11 Resource with Value); bit 5 identifier length
// (0: 8 bits, 1: 16 bits); bits 4-3 length type (00: length in bits 2-0,
// 01/10/11: 8/16/24-bit length field). Values are big-endian; integers take
// 1/2/4/8 bytes, floats 4/8, Boolean 1, Objlnk 2+2 (Appendix C).
import { Rec, Value, T_STR, T_INT, T_UINT, T_FLT, T_BOOL, T_TIME, T_OLNK, T_CLNK } from '../core/types';
import { utf8Encode, utf8Decode, readUint, writeUint, copyOf } from '../../transport/bytes';
import { olnk } from './value';

var TWO32 = 4294967296;

interface Node {
  k: number; // identifier kind 0..3
  id: number;
  v: Uint8Array | null;
  n: number; // value length
  c: number; // index of parent in the node list, -1 at top
}

/**
 * Encode records relative to the request path `base` ([oid] reads wrap each
 * instance in an Object Instance TLV; a multiple resource becomes a Multiple
 * Resource TLV of Resource Instances; a read of one resource instance is a
 * bare Resource Instance TLV). Records must be sorted by path.
 */
export function tlvEnc(base: number[], recs: Rec[]): Uint8Array | null {
  // Its two helpers are made per call, not held at load (12 Espruino variables): an encoding is
  // seldom (a server's Read in TLV), and no payload is encoded on the way to registered.
  /** The value bytes of v as type t. */
  function valBytes(t: number, v: Value): Uint8Array {
    if (v instanceof Uint8Array) return v;
    if (typeof v === 'string') {
      if (t !== T_OLNK) return utf8Encode(v);
      var l = olnk(v) || [0, 0];
      v = l[0] * 65536 + l[1];
      t = T_UINT;
    }
    if (typeof v === 'boolean') return new Uint8Array([v ? 1 : 0]);
    var b;
    if (t === T_FLT) {
      b = new Uint8Array(8);
      var dv = new DataView(b.buffer);
      dv.setFloat32(0, v);
      if (dv.getFloat32(0) === v) return new Uint8Array(b.buffer, 0, 4);
      dv.setFloat64(0, v);
      return b;
    }
    var n = t === T_UINT ? (v < 256 ? 1 : v < 65536 ? 2 : v < TWO32 ? 4 : 8) : v >= -128 && v < 128 ? 1 : v >= -32768 && v < 32768 ? 2 : v >= -2147483648 && v < 2147483648 ? 4 : 8;
    b = new Uint8Array(n);
    if (n === 8) {
      var hi = Math.floor(v / TWO32);
      writeUint(b, 0, 4, hi < 0 ? hi + TWO32 : hi);
      writeUint(b, 4, 4, v - hi * TWO32);
    } else writeUint(b, 0, n, v < 0 ? v + (n === 1 ? 256 : n === 2 ? 65536 : TWO32) : v);
    return b;
  }

  /** Type byte + identifier + length field size for (id, len). */
  function hlen(id: number, len: number): number {
    return (id > 255 ? 3 : 2) + (len < 8 ? 0 : len < 256 ? 1 : len < 65536 ? 2 : 3);
  }

  var d = base.length;
  if (d < 1) return null;
  var all: Node[] = [];
  var ci = -1;
  var cr = -1;
  for (var i = 0; i < recs.length; i++) {
    var p = recs[i].p;
    if (d < 2 && (ci < 0 || all[ci].id !== p[1])) {
      ci = all.length;
      cr = -1;
      all.push({ k: 0, id: p[1], v: null, n: 0, c: -1 });
    }
    var vb = valBytes(recs[i].t, recs[i].v);
    if (p.length > 3 && d < 4) {
      if (cr < 0 || all[cr].id !== p[2] || all[cr].c !== ci) {
        cr = all.length;
        all.push({ k: 2, id: p[2], v: null, n: 0, c: ci });
      }
      all.push({ k: 1, id: p[3], v: vb, n: vb.length, c: cr });
    } else all.push({ k: p.length > 3 ? 1 : 3, id: p[p.length - 1], v: vb, n: vb.length, c: ci });
  }
  // Children follow their parent (pre-order): sum lengths from the end, then write in order.
  var total = 0;
  for (i = all.length - 1; i >= 0; i--) {
    var x = all[i];
    var t = hlen(x.id, x.n) + x.n;
    if (x.c >= 0) all[x.c].n += t;
    else total += t;
  }
  var out = new Uint8Array(total);
  var o = 0;
  for (i = 0; i < all.length; i++) {
    x = all[i];
    var n = x.n;
    var lt = n < 8 ? 0 : n < 256 ? 1 : n < 65536 ? 2 : 3;
    out[o++] = (x.k << 6) | (x.id > 255 ? 32 : 0) | (lt << 3) | (lt ? 0 : n);
    var il = x.id > 255 ? 2 : 1;
    writeUint(out, o, il, x.id);
    o += il;
    writeUint(out, o, lt, n);
    o += lt;
    if (x.v) {
      out.set(x.v, o);
      o += n;
    }
  }
  return out;
}

/** Decode bytes b of resource type t, or null when the length or content does not fit the type. */
function valDec(t: number, b: Uint8Array): Value | null {
  var n = b.length;
  if (t === T_STR || t === T_CLNK) return utf8Decode(b);
  if (t === T_BOOL) return n === 1 && b[0] < 2 ? b[0] === 1 : null;
  if (t === T_OLNK) return n === 4 ? readUint(b, 0, 2) + ':' + readUint(b, 2, 2) : null;
  if (t === T_FLT) {
    if (n !== 4 && n !== 8) return null;
    var dv = new DataView(b.buffer, b.byteOffset, n);
    var f = n === 4 ? dv.getFloat32(0) : dv.getFloat64(0);
    return isFinite(f) ? f : null;
  }
  if (t === T_INT || t === T_UINT || t === T_TIME) {
    if (n !== 1 && n !== 2 && n !== 4 && n !== 8) return null;
    var v = n === 8 ? readUint(b, 0, 4) * TWO32 + readUint(b, 4, 4) : readUint(b, 0, n);
    if (t !== T_UINT && b[0] > 127) v -= n === 1 ? 256 : n === 2 ? 65536 : n === 4 ? TWO32 : TWO32 * TWO32;
    return v;
  }
  return copyOf(b); // Opaque, and the raw bytes of a resource the definition lacks (t -1)
}

/**
 * Decode a TLV payload addressed to `base` into records with absolute paths.
 * `ty(oid, rid)` gives the resource type (-1 unknown: value kept raw).
 * An iid the payload does not give (bare resources sent to /oid, Create) is -1.
 * null when the payload is malformed: bad nesting, a length past its parent, a value not of its type.
 */
export function tlvDec(b: Uint8Array, base: number[], ty: (oid: number, rid: number) => number): Rec[] | null {
  var d = base.length;
  if (d < 1) return null;
  var out: Rec[] = [];
  var ends: number[] = [b.length];
  var kinds: number[] = [-1];
  var ids: number[] = [-1];
  var iid = d > 1 ? base[1] : -1;
  var pos = 0;
  while (pos < b.length || ends.length > 1) {
    var top = ends.length - 1;
    if (pos === ends[top]) {
      ends.pop();
      kinds.pop();
      ids.pop();
      continue;
    }
    var end = ends[top];
    var h = b[pos];
    var k = h >> 6;
    var il = h & 32 ? 2 : 1;
    var lt = (h >> 3) & 3;
    if (pos + 1 + il + lt > end) return null;
    var id = readUint(b, pos + 1, il);
    var n = lt ? readUint(b, pos + 1 + il, lt) : h & 7;
    pos += 1 + il + lt;
    if (pos + n > end) return null;
    var pk = kinds[top];
    // Where each kind may appear: instances at top level only, resource instances only in a multiple resource
    // (or bare when the request names one resource instance).
    if (pk === -1 ? k === 1 && d < 4 : pk === 0 ? k < 2 : k !== 1) return null;
    if (k === 0 || k === 2) {
      if (k === 0) iid = id;
      ends.push(pos + n);
      kinds.push(k);
      ids.push(id);
      continue;
    }
    var rid = k === 3 ? id : pk === 2 ? ids[top] : base[2];
    var t = ty(base[0], rid);
    var v = valDec(t, b.subarray(pos, pos + n));
    if (v === null) return null;
    out.push({ p: k === 3 ? [base[0], iid, rid] : [base[0], iid, rid, id], t: t, v: v });
    pos += n;
  }
  return out;
}
