// CoRE Link Format (Content-Format 40), RFC 6690 §2: `</path>;attr=value,…`.
// Encoded by Discover and the registration payload; parsed (by hand, no regex:
// ESPRUINO.md) for the simulator's servers and the fuzz tests.
import { utf8Encode, utf8Decode } from '../../transport/bytes';

export interface Link {
  uri: string;
  /** Attribute name -> value ('' for a bare attribute; quotes removed). */
  a: { [name: string]: string };
}

/** One link: `</uri>` followed by `;k=v` for each attribute in `attrs` (already formatted). */
export function linkStr(uri: string, attrs: string): string {
  return '<' + uri + '>' + attrs;
}

export function linkEnc(s: string): Uint8Array {
  return utf8Encode(s);
}

/** Parse a link-format document; null when malformed. */
export function linkDec(b: Uint8Array): Link[] | null {
  var s = utf8Decode(b);
  if (s === null) return null;
  var out: Link[] = [];
  var i = 0;
  var n = s.length;
  while (i < n) {
    if (s.charAt(i) !== '<') return null;
    var e = s.indexOf('>', i);
    if (e < 0) return null;
    var l: Link = { uri: s.substring(i + 1, e), a: {} };
    i = e + 1;
    while (i < n && s.charAt(i) === ';') {
      var st = ++i;
      while (i < n && ';,='.indexOf(s.charAt(i)) < 0) i++;
      var name = s.substring(st, i);
      if (!name || name.indexOf('"') >= 0 || name.indexOf('<') >= 0) return null;
      var v = '';
      if (s.charAt(i) === '=') {
        i++;
        if (s.charAt(i) === '"') {
          e = s.indexOf('"', i + 1);
          if (e < 0) return null;
          v = s.substring(i + 1, e);
          i = e + 1;
        } else {
          st = i;
          while (i < n && ';,'.indexOf(s.charAt(i)) < 0) i++;
          v = s.substring(st, i);
          if (!v || v.indexOf('"') >= 0) return null;
        }
      }
      l.a[name] = v;
    }
    out.push(l);
    if (i < n) {
      if (s.charAt(i) !== ',') return null;
      i++;
      if (i === n) return null;
    }
  }
  return out;
}
