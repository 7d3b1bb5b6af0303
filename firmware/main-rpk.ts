// The device bundle with raw public keys (RFC 7250): dist/firmware-rpk.js. Everything
// firmware/main.ts exports, plus the RPK suite (transport/dtls/rpk.ts with tweetnacl),
// installed into the DTLS client at load. main.ts's own bundle carries none of it.
import * as rpk from '../transport/dtls/rpk';
import { rpkAccounts } from './lwm2m/rpk';

export * from './main';
// the DTLS RPK suite (rpk.enableRpk()), and Security Mode 1 accounts in the LwM2M client
rpkAccounts();
export { rpk };
