// The device bundle with raw public keys (RFC 7250): dist/firmware-rpk.js (P-256) and
// dist/firmware-rpk-ed25519.js (Ed25519, tools/build.mjs swaps ./rpk-curves). Everything
// firmware/main.ts exports, plus the RPK suite with the build's curve, installed into the
// DTLS client at load. main.ts's own bundle carries none of it.
import * as rpk from './rpk-curves';

export * from './main';
rpk.enableRpk();
export { rpk };
