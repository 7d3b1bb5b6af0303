// The content-format table (LwM2M 1.1 Core §7.4): Content-Format number ->
// codec. Adding a format is one line here and one file beside it.
import { Rec } from '../core/types';
import { textEnc, textDec } from './text';
import { opaqueEnc, opaqueDec } from './opaque';
import { tlvEnc, tlvDec } from './tlv';
import { jsonEnc, jsonDec } from './senml-json';
import { cborEnc, cborDec } from './senml-cbor';

export type TypeOf = (oid: number, rid: number) => number;
export interface Codec {
  /** Encode records under request path `base`; null when the format cannot carry them. */
  enc: (base: number[], recs: Rec[]) => Uint8Array | null;
  /** Decode a payload addressed to `base`; null when malformed. */
  dec: (b: Uint8Array, base: number[], ty: TypeOf) => Rec[] | null;
  /** Carries one value only (text, opaque). */
  one: boolean;
}

export var CF_TEXT = 0;
export var CF_LINK = 40;
export var CF_OPAQUE = 42;
export var CF_SENML_JSON = 110;
export var CF_SENML_CBOR = 112;
export var CF_TLV = 11542;

export var FORMATS: { [cf: string]: Codec } = {
  0: { enc: textEnc, dec: textDec, one: true },
  42: { enc: opaqueEnc, dec: opaqueDec, one: true },
  110: { enc: jsonEnc, dec: jsonDec, one: false },
  112: { enc: cborEnc, dec: cborDec, one: false },
  11542: { enc: tlvEnc, dec: tlvDec, one: false },
};

export function codec(cf: number): Codec | null {
  return FORMATS.hasOwnProperty('' + cf) ? FORMATS[cf] : null;
}
