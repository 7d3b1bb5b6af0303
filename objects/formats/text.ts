// text/plain (Content-Format 0), LwM2M 1.1 Core §7.3.1: one value as UTF-8 text.
// Numbers in decimal, Boolean "0"/"1", Objlnk "oid:iid", Opaque as base64.
import type { Codec } from './codec';
import { Rec, Value, T_STR, T_FLT, T_BOOL, T_OPQ, T_OLNK, T_CLNK, T_UINT } from '../core/types';
import { utf8Encode, utf8Decode } from '../../transport/bytes';
import { fmtNum, parseNum, b64enc, b64dec, olnk, fits } from './value';

/** The codec, built by codec() (./index.ts) per payload and dropped with it (rule 7: not held at load, 13 variables). */
export function text(): Codec {
  function enc(base: number[], recs: Rec[]): Uint8Array | null {
    if (recs.length !== 1 || base.length < 3) return null;
    var r = recs[0];
    var v = r.v;
    return utf8Encode(typeof v === 'number' ? fmtNum(v) : typeof v === 'boolean' ? (v ? '1' : '0') : v instanceof Uint8Array ? b64enc(v, false) : v);
  }

  function dec(b: Uint8Array, base: number[], ty: (oid: number, rid: number) => number): Rec[] | null {
    if (base.length < 3) return null;
    var s = utf8Decode(b);
    if (s === null) return null;
    var t = ty(base[0], base[2]);
    var v: Value | null = s;
    if (t === T_BOOL) v = s === '1' ? true : s === '0' ? false : null;
    else if (t === T_OPQ) v = b64dec(s);
    else if (t === T_OLNK) v = olnk(s) ? s : null;
    else if (t > 0 && t !== T_STR && t !== T_CLNK) {
      v = parseNum(s, t !== T_FLT);
      if (!fits(t, v) || (t === T_UINT && s.charAt(0) === '-')) v = null;
    }
    return v === null ? null : [{ p: base.slice(0, 4), t: t, v: v }];
  }

  return { enc: enc, dec: dec, one: true };
}

/** text().enc, for hosts (the tests): the device bundle reaches the codec through codec() only. */
export function textEnc(base: number[], recs: Rec[]): Uint8Array | null {
  return text().enc(base, recs);
}

/** text().dec, for hosts (the tests). */
export function textDec(b: Uint8Array, base: number[], ty: (oid: number, rid: number) => number): Rec[] | null {
  return text().dec(b, base, ty);
}
