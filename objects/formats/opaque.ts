// application/octet-stream (Content-Format 42), LwM2M 1.1 Core §7.3.2: the raw
// bytes of one Opaque value.
import { Rec, T_OPQ } from '../core/types';
import { copyOf } from '../../transport/bytes';

export function opaqueEnc(base: number[], recs: Rec[]): Uint8Array | null {
  return recs.length === 1 && base.length > 2 && recs[0].v instanceof Uint8Array ? (recs[0].v as Uint8Array) : null;
}

export function opaqueDec(b: Uint8Array, base: number[], ty: (oid: number, rid: number) => number): Rec[] | null {
  return base.length > 2 && ty(base[0], base[2]) === T_OPQ ? [{ p: base.slice(0, 4), t: T_OPQ, v: copyOf(b) }] : null;
}
