// The RPK build's curves: P-256 (dist/firmware-rpk.js). The Ed25519 build
// (dist/firmware-rpk-ed25519.js) is the same entry with this module replaced by
// rpk-curves-ed25519.ts (tools/build.mjs: microbundle --alias). `LwM2M.rpk` is the suite
// (transport/dtls/rpk.ts) plus the curve's glue; enableRpk() installs the suite with the
// build's curves into the DTLS client.
import { enableP256 } from '../transport/dtls/rpk-p256';

export * from '../transport/dtls/rpk';
export { p256PrivateKeyOf } from '../transport/dtls/rpk-p256';
export { p256Spki, spkiP256, p256LastCost } from '../transport/crypto/p256';

/** The build's target, as a firmware package's manifest names it (docs/firmware-update.md). */
export var TARGET = 'rpk';

/** The RPK suite with this build's curve (P-256) in the DTLS client. Idempotent. */
export function enableRpk(): void {
  enableP256();
}
