// The firmware package's Ed25519 verifier (docs/firmware-update.md): the sliced verification of
// transport/crypto/ed25519.ts as a step function, in a bundle of its own
// (dist/fw-verify-ed25519.js, Storage file `lwm2m.ved`) that the device evaluates only while it
// checks a package signed by an Ed25519 vendor key (firmware/lwm2m/fota.ts), as it does the
// P-256 one (firmware/verify.ts). SHA-512 comes from the caller (Espruino's native
// crypto.SHA512): only functions cross between the two bundles.
import type { CryptoBackend } from '../transport/ports';
import { ed25519VerifyJob } from '../transport/crypto/ed25519';

/** A step function over verification of the 64-byte `sig` on `msg` by the 32-byte `pub`: 0 running, 1 valid, 2 not. */
export function verify(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array, sha512: (d: Uint8Array) => Uint8Array): () => number {
  var j = ed25519VerifyJob(msg, sig, pub, { sha512: sha512 } as CryptoBackend);
  return function () {
    return j.run() ? (j.r ? 1 : 2) : 0;
  };
}
