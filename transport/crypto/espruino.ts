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

function check(r: ArrayBuffer | undefined, n: number): Uint8Array {
  // Wrapping as Uint8Array over the returned buffer costs no copy. (The message a literal here,
  // built only when thrown: as a top-level string it was 3 variables held for good.)
  if (!r || r.byteLength !== n) throw new Error('crypto failed');
  return new Uint8Array(r);
}

/**
 * AES over `data` (a DTLS record's CCM: its length). Espruino puts the result in one flat block
 * of variables (~80 contiguous for a 1 KB record), and when the store is too fragmented for one
 * it prints "Not enough memory for result" and returns undefined, for every record after: the
 * device stops answering although most variables are free. So: compact the store (E.defrag) and
 * once more.
 */
function aes(mod: EspruinoCryptoModule, defrag: (() => void) | undefined, data: Uint8Array, key: Uint8Array, o: { mode: string; iv?: Uint8Array }): Uint8Array {
  var r = mod.AES.encrypt(data, key, o);
  if (!r && defrag) {
    defrag();
    r = mod.AES.encrypt(data, key, o);
  }
  return check(r, data.length);
}

/**
 * `mod` is `require('crypto')` on the board (passed in: the platform is never imported);
 * `defrag` is E.defrag (absent: a failed AES result is not tried again).
 */
export function espruinoCrypto(mod: EspruinoCryptoModule, defrag?: () => void): CryptoBackend {
  return {
    sha256: function (data: Uint8Array): Uint8Array {
      return check(mod.SHA256(data), 32);
    },
    aes128EcbEncrypt: function (key: Uint8Array, data: Uint8Array): Uint8Array {
      return aes(mod, defrag, data, key, { mode: 'ECB' });
    },
    aes128CbcEncrypt: function (key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
      return aes(mod, defrag, data, key, { mode: 'CBC', iv: iv });
    },
    sha512: function (data: Uint8Array): Uint8Array {
      return check(mod.SHA512(data), 64);
    },
  };
}
