// CryptoBackend on Espruino's native `require('crypto')` (../shared/ESPRUINO.md "crypto"):
// SHA256, SHA512 (Ed25519's hash; in the ESP32 build: boards/ESP32.py 'SHA512') and AES.encrypt return an ArrayBuffer; on error they print "ERROR:" and return
// undefined instead of throwing, so every result is checked. Only ECB and CBC are used:
// CTR ignores its IV on Espruino and ccmEncrypt is missing on ESP32 and takes no
// additional data, so CCM is composed in ccm.ts from ECB (keystream) and CBC (CBC-MAC).
import type { CryptoBackend } from '../ports';

/** The subset of Espruino's crypto module we use. */
export interface EspruinoCryptoModule {
  SHA256(data: Uint8Array): ArrayBuffer | undefined;
  SHA512(data: Uint8Array): ArrayBuffer | undefined;
  AES: {
    encrypt(data: Uint8Array, key: Uint8Array, opts: { mode: string; iv?: Uint8Array }): ArrayBuffer | undefined;
  };
}

var FAIL = 'crypto failed';

function check(r: ArrayBuffer | undefined, n: number): Uint8Array {
  // Wrapping as Uint8Array over the returned buffer costs no copy.
  if (!r || r.byteLength !== n) throw new Error(FAIL);
  return new Uint8Array(r);
}

/** `mod` is `require('crypto')` on the board (passed in: the platform is never imported). */
export function espruinoCrypto(mod: EspruinoCryptoModule): CryptoBackend {
  return {
    sha256: function (data: Uint8Array): Uint8Array {
      return check(mod.SHA256(data), 32);
    },
    aes128EcbEncrypt: function (key: Uint8Array, data: Uint8Array): Uint8Array {
      return check(mod.AES.encrypt(data, key, { mode: 'ECB' }), data.length);
    },
    aes128CbcEncrypt: function (key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
      return check(mod.AES.encrypt(data, key, { mode: 'CBC', iv: iv }), data.length);
    },
    sha512: function (data: Uint8Array): Uint8Array {
      return check(mod.SHA512(data), 64);
    },
  };
}
