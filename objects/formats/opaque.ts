// application/octet-stream (Content-Format 42), LwM2M 1.1 Core §7.3.2: the raw
// bytes of one Opaque value.
import type { Codec } from './codec';
import { Rec, T_OPQ } from '../core/types';
import { copyOf } from '../../transport/bytes';

/** The codec, built by codec() (./index.ts) per payload and dropped with it (rule 7: not held at load, 13 variables). */
export function opaque(): Codec {
  function enc(base: number[], recs: Rec[]): Uint8Array | null {
    return recs.length === 1 && base.length > 2 && recs[0].v instanceof Uint8Array ? (recs[0].v as Uint8Array) : null;
  }

  function dec(b: Uint8Array, base: number[], ty: (oid: number, rid: number) => number): Rec[] | null {
    return base.length > 2 && ty(base[0], base[2]) === T_OPQ ? [{ p: base.slice(0, 4), t: T_OPQ, v: copyOf(b) }] : null;
  }

  return { enc: enc, dec: dec, one: true };
}

/** opaque().enc, for hosts (the tests): the device bundle reaches the codec through codec() only. */
export function opaqueEnc(base: number[], recs: Rec[]): Uint8Array | null {
  return opaque().enc(base, recs);
}

/** opaque().dec, for hosts (the tests). */
export function opaqueDec(b: Uint8Array, base: number[], ty: (oid: number, rid: number) => number): Rec[] | null {
  return opaque().dec(b, base, ty);
}
