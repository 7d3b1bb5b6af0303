// Shared value helpers for the codecs: number formatting that is identical on
// Node and Espruino (whose float-to-string differs, ESPRUINO.md), strict
// number parsing, base64 (RFC 4648 §4 and §5) and the type check of a JS value.
import { Value, T_STR, T_INT, T_UINT, T_FLT, T_BOOL, T_OPQ, T_TIME, T_OLNK, T_CLNK } from '../core/types';
import { B64, b64dec } from '../../transport/bytes';

export { b64dec };

/** Decimal text of a finite number: integers exactly, others to 15 significant digits, no exponent below 1e15. */
export function fmtNum(x: number): string {
  if (x === Math.floor(x) || Math.abs(x) >= 1e15 || Math.abs(x) < 1e-6) return '' + x;
  var neg = x < 0;
  if (neg) x = -x;
  var ip = Math.floor(x);
  var k = 15 - (ip ? ('' + ip).length : 0);
  if (ip === 0) for (var y = x; y < 0.1; y *= 10) k++;
  var p = 1;
  for (var j = 0; j < k; j++) p *= 10;
  var f = Math.round((x - ip) * p);
  if (f >= p) {
    ip++;
    f -= p;
  }
  var s = '' + f;
  while (s.length < k) s = '0' + s;
  var e = s.length;
  while (e > 0 && s.charAt(e - 1) === '0') e--;
  return (neg ? '-' : '') + ip + (e ? '.' + s.substring(0, e) : '');
}

/**
 * A decimal number (digits, sign, point, exponent; `int`: digits and a minus only) or NaN.
 * The character set keeps out what `+s` would also take (spaces, hex, Infinity, empty).
 */
export function parseNum(s: string, int: boolean): number {
  var ok = int ? '-0123456789' : '-+.eE0123456789';
  for (var i = 0; i < s.length; i++) if (ok.indexOf(s.charAt(i)) < 0) return NaN;
  var v = s.length ? +s : NaN;
  return isFinite(v) ? v : NaN;
}

/** Base64 (RFC 4648 §4, padded) or, with `url`, base64url (§5) without padding. */
export function b64enc(b: Uint8Array, url: boolean): string {
  var a = url ? B64.substring(0, 62) + '-_' : B64;
  var s = '';
  for (var i = 0; i < b.length; i += 3) {
    var v = (b[i] << 16) | ((i + 1 < b.length ? b[i + 1] : 0) << 8) | (i + 2 < b.length ? b[i + 2] : 0);
    for (var k = 0; k < 4; k++) {
      if (i + k - 1 < b.length) s += a.charAt((v >> (18 - 6 * k)) & 63);
      else if (!url) s += '=';
    }
  }
  return s;
}

/** Objlnk "oid:iid" (each 0..65535) -> [oid, iid], or null. */
export function olnk(s: string): number[] | null {
  var c = s.indexOf(':');
  var a = parseNum(s.substring(0, c), true);
  var b = parseNum(s.substring(c + 1), true);
  return c > 0 && a >= 0 && a < 65536 && b >= 0 && b < 65536 && s.charAt(0) !== '-' && s.charAt(c + 1) !== '-' ? [a, b] : null;
}

/** Does JS value v fit resource type t (1.1 Appendix C)? Numbers: finite; integers exact to 2^53. */
export function fits(t: number, v: Value): boolean {
  if (t === T_STR || t === T_CLNK) return typeof v === 'string';
  if (t === T_OLNK) return typeof v === 'string' && olnk(v) !== null;
  if (t === T_BOOL) return typeof v === 'boolean';
  if (t === T_OPQ) return v instanceof Uint8Array;
  if (typeof v !== 'number' || !isFinite(v)) return false;
  if (t === T_FLT) return true;
  return (t === T_INT || t === T_TIME || t === T_UINT) && v === Math.floor(v) && Math.abs(v) <= 9007199254740991 && (t !== T_UINT || v >= 0);
}
