// The Ed25519 RPK build's curves (dist/firmware-rpk-ed25519.js): Ed25519 + X25519 from
// tweetnacl, in place of rpk-curves.ts (tools/build.mjs: microbundle --alias).
import { enableEd25519 } from '../transport/dtls/rpk-ed25519';

export * from '../transport/dtls/rpk';
export { c25519LastCost } from '../transport/crypto/c25519';

/** The build's target, as a firmware package's manifest names it (docs/firmware-update.md). */
export var TARGET = 'rpk-ed25519';

/** The RPK suite with this build's curve (Ed25519/X25519) in the DTLS client. Idempotent. */
export function enableRpk(): void {
  enableEd25519();
}
