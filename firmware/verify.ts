// The firmware package's verifier (docs/firmware-update.md): P-256 ECDSA verification as a
// step function, in a bundle of its own (dist/fw-verify.js, Storage file `lwm2m.ver`) that
// the device evaluates only while it checks a package (firmware/lwm2m/fota.ts) and lets go
// after: no build carries the verifier at rest. Only a function crosses between the two
// bundles (each shortens its own property names).
import { p256VerifyJob } from '../transport/crypto/p256';

/** A step function over verification of `der` (DER ECDSA signature) on `hash32` by `pub65`: 0 running, 1 valid, 2 not. */
export function verify(pub65: Uint8Array, hash32: Uint8Array, der: Uint8Array): () => number {
  var j = p256VerifyJob(pub65, hash32, der);
  return function () {
    return j.run() ? (j.r ? 1 : 2) : 0;
  };
}
