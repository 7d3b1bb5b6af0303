// SenML JSON (Content-Format 110), RFC 8428 §4 and LwM2M 1.1 Core §7.4.4.
// vd is base64url without padding (RFC 8428 §4.3); decoding accepts either alphabet.
import { Rec, Value } from '../core/types';
import { utf8Encode, utf8Decode } from '../../transport/bytes';
import { fmtNum, b64enc, b64dec } from './value';
import type { Codec } from './codec';
import { senmlKit } from './senml';

/**
 * The codec, built by codec() (./index.ts) for the payload at hand and dropped with it: on
 * Espruino its functions and tables then cost variables only while a payload is encoded or
 * decoded, not for as long as the device runs (docs/memory.md, "Code loaded on demand").
 */
export function senmlJson(): Codec {
  var S = senmlKit();
  function jsonEnc(base: number[], recs: Rec[]): Uint8Array | null {
    var s = '[';
    for (var i = 0; i < recs.length; i++) {
      var r = recs[i];
      var v = r.v;
      var n = S.name(base, r.p);
      s += (i ? ',{' : '{') + (i ? '' : '"bn":' + JSON.stringify(S.base(base)) + (n ? ',' : '')) + (n ? '"n":"' + n + '"' : '');
      s += ',"' + S.key(r.t) + '":' + (typeof v === 'number' ? fmtNum(v) : v instanceof Uint8Array ? '"' + b64enc(v, true) + '"' : JSON.stringify(v)) + '}';
    }
    return utf8Encode(s + ']');
  }

  function jsonDec(b: Uint8Array, base: number[], ty: ((oid: number, rid: number) => number) | null): Rec[] | null {
    // Built per payload, not held at top level (some 15 Espruino variables for good).
    var KEYS = ['v', 'vs', 'vb', 'vd', 'vlo'];
    var KIND = ['number', 'string', 'boolean', 'string', 'string'];
    var s = utf8Decode(b);
    if (s === null) return null;
    var a;
    try {
      a = JSON.parse(s);
    } catch (e) {
      return null;
    }
    if (!Array.isArray(a)) return null;
    var out: Rec[] = [];
    var bn = '';
    for (var i = 0; i < a.length; i++) {
      var e = a[i];
      if (!e || typeof e !== 'object' || Array.isArray(e)) return null;
      var key = '';
      var v: Value | null = null;
      for (var k in e) {
        if (!e.hasOwnProperty(k)) continue;
        var x = e[k];
        var ki = KEYS.indexOf(k);
        if (k.charAt(k.length - 1) === '_') return null; // must-understand field (RFC 8428 §4.4)
        if (k === 'bn' || k === 'n') {
          if (typeof x !== 'string') return null;
        } else if (ki >= 0) {
          if (key || typeof x !== KIND[ki]) return null;
          key = k;
          v = k === 'vd' ? b64dec(x) : x;
          if (v === null) return null;
        }
      }
      if (typeof e.bn === 'string') bn = e.bn;
      if (!key && ty) return null;
      var r = S.rec(bn + (e.n || ''), key, v as Value, ty);
      if (!r) return null;
      out.push(r);
    }
    return out;
  }

  return { enc: jsonEnc, dec: jsonDec, one: false };
}
