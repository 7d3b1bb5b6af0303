// The content formats (LwM2M 1.1 Core §7.4): Content-Format number -> codec. Adding a
// format is one case here and one file beside it.
import { textEnc, textDec } from './text';
import { opaqueEnc, opaqueDec } from './opaque';
import { tlvEnc, tlvDec } from './tlv';
import { senmlJson } from './senml-json';
import { senmlCbor } from './senml-cbor';

export type { Codec, TypeOf } from './codec';
import type { Codec } from './codec';

export var CF_TEXT = 0;
export var CF_LINK = 40;
export var CF_OPAQUE = 42;
export var CF_SENML_JSON = 110;
export var CF_SENML_CBOR = 112;
export var CF_TLV = 11542;

/** The Content-Formats codec() knows. */
export var FORMATS = [CF_TEXT, CF_OPAQUE, CF_SENML_JSON, CF_SENML_CBOR, CF_TLV];

/**
 * The codec of Content-Format `cf`, or null. Built on each call rather than kept in a table:
 * on Espruino a table of codecs costs some 90 variables for good, and the SenML codecs are
 * whole modules built only while a payload needs them (docs/memory.md).
 */
export function codec(cf: number): Codec | null {
  switch (cf) {
    case CF_TEXT:
      return { enc: textEnc, dec: textDec, one: true };
    case CF_OPAQUE:
      return { enc: opaqueEnc, dec: opaqueDec, one: true };
    case CF_SENML_JSON:
      return senmlJson();
    case CF_SENML_CBOR:
      return senmlCbor();
    case CF_TLV:
      return { enc: tlvEnc, dec: tlvDec, one: false };
  }
  return null;
}
