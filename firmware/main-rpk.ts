// The device bundle with raw public keys (RFC 7250): dist/firmware-rpk.js (P-256) and
// dist/firmware-rpk-ed25519.js (Ed25519, tools/build.mjs swaps ./rpk-curves). Everything
// firmware/main.ts exports, plus the RPK suite with the build's curve, installed into the
// DTLS client at load. main.ts's own bundle carries none of it.
import * as rpk from './rpk-curves';
import { rpkAccounts } from './lwm2m/rpk-accounts';

export * from './main';
// the DTLS RPK suite (rpk.enableRpk()), and Security Mode 1 accounts in the LwM2M client
rpk.enableRpk();
rpkAccounts();
export { rpk };
