// A content format's codec (formats/index.ts codec() gives one per Content-Format), apart
// from index.ts so that the codecs need not import the table that imports them.
import type { Rec } from '../core/types';

export type TypeOf = (oid: number, rid: number) => number;
export interface Codec {
  /** Encode records under request path `base`; null when the format cannot carry them. */
  enc: (base: number[], recs: Rec[]) => Uint8Array | null;
  /** Decode a payload addressed to `base`; null when malformed. The SenML ones given a null `ty` read a list of paths (senml.ts, SenmlKit.rec). */
  dec: (b: Uint8Array, base: number[], ty: TypeOf) => Rec[] | null;
  /** Carries one value only (text, opaque). */
  one: boolean;
}
