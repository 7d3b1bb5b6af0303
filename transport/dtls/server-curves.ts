// The simulator's servers serve every key type and group built in: P-256 (first, RFC 7925's
// mandatory curve) and Ed25519/X25519. Only the tables of rpk-codec.ts are filled; the DTLS
// client's RPK suite stays as it was (enableRpk() is the client's, called by who needs it).
// Not in any bundle.
import { addCurve } from './rpk-codec';
import { p256Sig, secp256r1Group, useP256 } from './rpk-p256';
import * as P256 from '../crypto/p256-lib';
import { ed25519Sig, x25519Group } from './rpk-ed25519';

/** Puts every key type and group into the RPK tables (server.ts needs them for `rpk`). Idempotent. */
export function serverCurves(): void {
  addCurve(ed25519Sig, x25519Group);
  useP256(() => P256);
  addCurve(p256Sig, secp256r1Group, true);
}
