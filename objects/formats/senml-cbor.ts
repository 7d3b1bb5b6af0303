// SenML CBOR (Content-Format 112), RFC 8428 §6 (labels: bn -2, n 0, v 2, vs 3,
// vb 4, vd 8) and LwM2M 1.1 Core §7.4.5 (vlo as the text label "vlo").
// CBOR per RFC 8949: definite lengths only; integers as major 0/1, floats as
// single precision when exact, else double.
import { Rec, Value, T_FLT } from '../core/types';
import { utf8Encode, utf8Decode, readUint, writeUint, copyOf } from '../../transport/bytes';
import type { Codec } from './codec';
import { senmlKit } from './senml';

/**
 * The codec, built by codec() (./index.ts) for the payload at hand and dropped with it: on
 * Espruino its functions and tables then cost variables only while a payload is encoded or
 * decoded, not for as long as the device runs (docs/memory.md, "Code loaded on demand").
 */
export function senmlCbor(): Codec {
  var S = senmlKit();
  var TWO32 = 4294967296;

  /** A writer that only counts when `b` is null: the same code sizes and then fills the buffer. */
  interface Out {
    b: Uint8Array | null;
    o: number;
  }
  function put(w: Out, x: number): void {
    if (w.b) w.b[w.o] = x;
    w.o++;
  }
  function head(w: Out, major: number, n: number): void {
    var k = n < 24 ? 0 : n < 256 ? 1 : n < 65536 ? 2 : n < TWO32 ? 4 : 8;
    put(w, (major << 5) | (k ? 23 + (k > 2 ? (k >> 2) + 2 : k) : n));
    // writeUint is exact to 2^53: each byte is taken from an integer below 2^53.
    if (w.b) writeUint(w.b, w.o, k, n);
    w.o += k;
  }
  function bytes(w: Out, major: number, b: Uint8Array): void {
    head(w, major, b.length);
    if (w.b) w.b.set(b, w.o);
    w.o += b.length;
  }
  var F = new DataView(new ArrayBuffer(8));
  function num(w: Out, v: number, flt: boolean): void {
    if (!flt && v === Math.floor(v) && Math.abs(v) <= 9007199254740991) {
      head(w, v < 0 ? 1 : 0, v < 0 ? -1 - v : v);
      return;
    }
    F.setFloat32(0, v);
    var n = F.getFloat32(0) === v ? 4 : 8;
    if (n === 8) F.setFloat64(0, v);
    put(w, n === 4 ? 0xfa : 0xfb);
    for (var i = 0; i < n; i++) put(w, F.getUint8(i));
  }

  function emit(w: Out, base: number[], recs: Rec[]): void {
    head(w, 4, recs.length);
    for (var i = 0; i < recs.length; i++) {
      var r = recs[i];
      var n = S.name(base, r.p);
      head(w, 5, (i ? 1 : 2) + (n ? 1 : 0));
      if (!i) {
        put(w, 0x21); // bn (-2)
        bytes(w, 3, utf8Encode(S.base(base)));
      }
      if (n) {
        put(w, 0); // n
        bytes(w, 3, utf8Encode(n));
      }
      var k = S.key(r.t);
      var v = r.v;
      if (k === 'vlo') bytes(w, 3, utf8Encode(k));
      else put(w, k === 'v' ? 2 : k === 'vs' ? 3 : k === 'vb' ? 4 : 8); // labels v, vs, vb, vd
      if (typeof v === 'number') num(w, v, r.t === T_FLT);
      else if (typeof v === 'boolean') put(w, v ? 0xf5 : 0xf4);
      else if (v instanceof Uint8Array) bytes(w, 2, v);
      else bytes(w, 3, utf8Encode(v));
    }
  }

  function cborEnc(base: number[], recs: Rec[]): Uint8Array | null {
    var w: Out = { b: null, o: 0 };
    emit(w, base, recs);
    w.b = new Uint8Array(w.o);
    w.o = 0;
    emit(w, base, recs);
    return w.b;
  }

  /** Decoder state: the item just read is in (m, n, v). */
  interface In {
    b: Uint8Array;
    o: number;
    m: number; // major type, -1 on error
    n: number; // argument: integer value, length, or simple value
    v: Value | null; // scalar value (numbers, strings, bytes, booleans)
  }

  /** Read one item head and, for a scalar, its value. Arrays and maps leave their count in n. */
  function item(r: In): number {
    var b = r.b;
    r.m = -1;
    r.v = null;
    if (r.o >= b.length) return -1;
    var ib = b[r.o++];
    var m = ib >> 5;
    var ai = ib & 31;
    var n = ai;
    if (ai > 27) return -1; // reserved or indefinite length
    if (ai > 23) {
      var k = 1 << (ai - 24);
      if (r.o + k > b.length) return -1;
      if (m === 7 && k > 1) {
        var dv = new DataView(b.buffer, b.byteOffset + r.o, k);
        r.o += k;
        if (k === 2) {
          // half precision (RFC 8949 Appendix D)
          var h = dv.getUint16(0);
          var e = (h >> 10) & 31;
          var f = h & 1023;
          n = e === 0 ? f / 16777216 : e === 31 ? NaN : (1024 + f) * (e > 25 ? 1 << (e - 25) : 1 / (1 << (25 - e)));
          r.v = h & 0x8000 ? -n : n;
        } else r.v = k === 4 ? dv.getFloat32(0) : dv.getFloat64(0);
        return (r.m = isFinite(r.v as number) ? 7 : -1);
      }
      n = k === 8 ? readUint(b, r.o, 4) * TWO32 + readUint(b, r.o + 4, 4) : readUint(b, r.o, k);
      r.o += k;
    }
    r.n = n;
    r.m = m;
    if (m === 0) r.v = n;
    else if (m === 1) r.v = -1 - n;
    else if (m === 2 || m === 3) {
      if (r.o + n > b.length) {
        return -1;
      }
      var s = b.subarray(r.o, r.o + n);
      r.o += n;
      r.v = m === 2 ? copyOf(s) : utf8Decode(s);
      if (r.v === null) r.m = -1;
    } else if (m === 7) {
      if (n === 20 || n === 21) r.v = n === 21;
      else r.m = -1;
    } else if (m === 6) r.m = -1; // tags are not part of SenML
    return r.m;
  }

  function cborDec(b: Uint8Array, base: number[], ty: ((oid: number, rid: number) => number) | null): Rec[] | null {
    // The label tables live only while a payload is decoded: at top level they would hold some
    // 30 Espruino variables for good.
    var KEYS: { [label: string]: string } = { '-2': 'bn', '0': 'n', '2': 'v', '3': 'vs', '4': 'vb', '8': 'vd', vlo: 'vlo' };
    var KIND: { [key: string]: string } = { bn: 'string', n: 'string', v: 'number', vs: 'string', vb: 'boolean', vlo: 'string' };
    var r: In = { b: b, o: 0, m: 0, n: 0, v: null };
    if (item(r) !== 4) return null;
    var cnt = r.n;
    var out: Rec[] = [];
    var bn = '';
    for (var i = 0; i < cnt; i++) {
      if (item(r) !== 5) return null;
      var pairs = r.n;
      var name = '';
      var key = '';
      var val: Value | null = null;
      for (var j = 0; j < pairs; j++) {
        var km = item(r);
        if (km !== 0 && km !== 1 && km !== 3) return null;
        var label = '' + r.v;
        if (km === 3 && label.charAt(label.length - 1) === '_') return null; // must-understand (RFC 8428 §4.4)
        var vm = item(r);
        if (vm < 0 || vm === 4 || vm === 5) return null;
        var k = KEYS.hasOwnProperty(label) ? KEYS[label] : '';
        if (!k) continue;
        var v = r.v as Value;
        if (k === 'vd' ? !(v instanceof Uint8Array) : typeof v !== KIND[k]) return null;
        if (k === 'bn') bn = v as string;
        else if (k === 'n') name = v as string;
        else {
          if (key) return null;
          key = k;
          val = v;
        }
      }
      if (!key && ty) return null;
      var rec = S.rec(bn + name, key, val as Value, ty);
      if (!rec) return null;
      out.push(rec);
    }
    return r.o === b.length ? out : null;
  }

  return { enc: cborEnc, dec: cborDec, one: false };
}
