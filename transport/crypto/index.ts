// What the device needs of transport/crypto: the Espruino backend and the constructions
// composed on it. The pure-JS backend (js-backend.ts) is not exported to the bundle.
export { espruinoCrypto } from './espruino';
export { hmacSha256, prf } from './hmac';
export { ccmEncrypt, ccmDecrypt } from './ccm';
