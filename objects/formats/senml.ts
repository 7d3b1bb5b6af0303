// What SenML JSON (RFC 8428) and SenML CBOR share for LwM2M 1.1 (Core §7.4.4/§7.4.5):
// names are paths "/oid/iid/rid[/riid]" split into a base name and a name,
// the value field follows the resource type: v (numbers, time), vs (string,
// corelnk), vb (boolean), vd (opaque), vlo (objlnk "oid:iid").
import { Rec, Value, T_STR, T_BOOL, T_OPQ, T_OLNK, T_CLNK } from '../core/types';
import { fits } from './value';

/** "/a/b/c[/d]" -> [a, b, c(, d)] with each id 0..65535, or null; `min` levels at least (default 3: a resource). */
export function parsePath(s: string, min?: number): number[] | null {
  var p: number[] = [];
  if (s.charAt(0) !== '/') return null;
  var v = -1;
  for (var i = 1; i <= s.length; i++) {
    var c = i < s.length ? s.charCodeAt(i) : 47;
    if (c === 47) {
      if (v < 0) return null;
      p.push(v);
      v = -1;
    } else if (c >= 48 && c <= 57 && v < 65536) v = (v < 0 ? 0 : v * 10) + c - 48;
    else return null;
  }
  return p.length >= (min || 3) && p.length < 5 && v < 0 && p[p.length - 1] < 65536 ? p : null;
}

/** What both SenML codecs share: names, value fields, records. */
export interface SenmlKit {
  /** Base name for a response to `base`: "/3/0/" above resource level, "/3/0/1" at or below it. */
  base(base: number[]): string;
  /** Name of record p relative to the base name of `base` ('' when the base name already is the path). */
  name(base: number[], p: number[]): string;
  /** The SenML value field for type t. */
  key(t: number): string;
  /**
   * One decoded SenML record -> Rec: name resolved, value field checked against
   * the resource type (`key` is the field that carried `v`). null when invalid.
   * Without `ty` the records are a list of paths (a Read-Composite's request, Core §6.3):
   * names of objects, instances, resources or resource instances, any value ignored.
   */
  rec(name: string, key: string, v: Value, ty: ((oid: number, rid: number) => number) | null): Rec | null;
}

/**
 * The shared part, built by each codec (senml-json.ts, senml-cbor.ts) with it and dropped with
 * it: at top level its four functions would hold some 20 Espruino variables for good, and no
 * SenML payload passes while a device rests (docs/memory.md, rule 7).
 */
export function senmlKit(): SenmlKit {
  function key(t: number): string {
    return t === T_STR || t === T_CLNK ? 'vs' : t === T_BOOL ? 'vb' : t === T_OPQ ? 'vd' : t === T_OLNK ? 'vlo' : 'v';
  }
  return {
    base: function (base: number[]): string {
      return '/' + base.join('/') + (base.length < 3 && base.length ? '/' : '');
    },
    name: function (base: number[], p: number[]): string {
      var s = '';
      for (var i = base.length; i < p.length; i++) s += (i > base.length || base.length > 2 ? '/' : '') + p[i];
      return s;
    },
    key: key,
    rec: function (name: string, k: string, v: Value, ty: ((oid: number, rid: number) => number) | null): Rec | null {
      var p = parsePath(name, ty ? 3 : 1);
      if (!p) return null;
      if (!ty) return { p: p, t: -1, v: 0 };
      for (var i = 0; i < p.length; i++) if (p[i] > 65535) return null;
      var t = ty(p[0], p[2]);
      if (t > 0 && (key(t) !== k || !fits(t, v))) return null;
      return { p: p, t: t, v: v };
    },
  };
}
