// The content formats (LwM2M 1.1 Core §7.4): Content-Format number -> codec. Adding a
// format is one case here and one file beside it.
import { text } from './text';
import { opaque } from './opaque';
import { tlvEnc, tlvDec } from './tlv';
import { senmlJson } from './senml-json';
import { senmlCbor } from './senml-cbor';

export type { Codec, TypeOf } from './codec';
import type { Codec } from './codec';
import { FORMAT } from '../../transport/coap/constants';

// The numbers' one home is transport/coap/constants.ts FORMAT; these names are for the host
// (sim/, tests): the device code reads FORMAT, which the build inlines (tools/build.mjs).
export var CF_TEXT = FORMAT.TEXT;
export var CF_LINK = FORMAT.LINK;
export var CF_OPAQUE = FORMAT.OCTET;
export var CF_SENML_JSON = FORMAT.SENML_JSON;
export var CF_SENML_CBOR = FORMAT.SENML_CBOR;
export var CF_TLV = FORMAT.LWM2M_TLV;

/** The Content-Formats codec() knows. */
export var FORMATS = [FORMAT.TEXT, FORMAT.OCTET, FORMAT.SENML_JSON, FORMAT.SENML_CBOR, FORMAT.LWM2M_TLV];

/**
 * The codec of Content-Format `cf`, or null. Built on each call rather than kept in a table:
 * on Espruino a table of codecs costs some 90 variables for good, and each codec but TLV's is a
 * whole module built only while a payload needs it (docs/memory.md, rule 7). TLV's functions are
 * held at load (31 variables): the bootstrap decodes a TLV payload per Bootstrap-Write, and
 * building the codec for each cost PSK power-on -> registered 3.9 M instructions (bench:board).
 */
export function codec(cf: number): Codec | null {
  switch (cf) {
    case FORMAT.TEXT:
      return text();
    case FORMAT.OCTET:
      return opaque();
    case FORMAT.SENML_JSON:
      return senmlJson();
    case FORMAT.SENML_CBOR:
      return senmlCbor();
    case FORMAT.LWM2M_TLV:
      return { enc: tlvEnc, dec: tlvDec, one: false };
  }
  return null;
}
