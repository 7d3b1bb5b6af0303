// The RPK build's curves: P-256 (dist/firmware-rpk.js). The Ed25519 build
// (dist/firmware-rpk-ed25519.js) is the same entry with this module replaced by
// rpk-curves-ed25519.ts (tools/build.mjs: microbundle --alias). `LwM2M.rpk` is the suite
// (transport/dtls/rpk.ts) plus the curve's glue; enableRpk() installs the suite with the
// build's curves into the DTLS client.
import { enableP256 } from '../transport/dtls/rpk-p256';
import type * as P256Lib from '../transport/crypto/p256-lib';

export * from '../transport/dtls/rpk';
export { p256PrivateKeyOf, spkiP256 } from '../transport/dtls/rpk-p256';
export { p256Spki } from '../transport/crypto/p256-spki';

/**
 * transport/crypto/p256-lib.ts, built: the function tools/build.mjs appends to this bundle,
 * its body (the library's own IIFE) in flash. Each call builds the library anew.
 */
declare function $p256lib(): typeof P256Lib;

/** The build's target, as a firmware package's manifest names it (docs/firmware-update.md). */
export var TARGET = 'rpk';

/** The RPK suite with this build's curve (P-256) in the DTLS client. Idempotent. */
export function enableRpk(): void {
  // a function, not $p256lib itself: the build appends that after this runs
  enableP256(function () {
    return $p256lib();
  });
}
