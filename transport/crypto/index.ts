// What the device needs of transport/crypto: the Espruino backend. The constructions composed
// on it (hmac.ts, ccm.ts) are not exported to the bundle: each then has one caller there (the
// DTLS record layer, the cold handshake half), which terser writes into it, so none is a
// function held at load (docs/memory.md, rule 1). Their vectors are checked on the sources
// (test/crypto/vectors.test.ts) and, in the bundle, by its DTLS handshakes (test/dtls/bundle.test.ts).
// The pure-JS backend (js-backend.ts) is not exported to the bundle either.
export { espruinoCrypto } from './espruino';
