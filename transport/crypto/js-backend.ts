// The pure-JS CryptoBackend: the reference every other backend is tested against,
// and the backend for engines that have no native SHA-256/AES (duktape, browsers).
import type { CryptoBackend } from '../ports';
import { sha256 } from './sha256';
import { aesExpandKey, aesEncryptBlock } from './aes';

export var jsCrypto: CryptoBackend = {
  sha256: sha256,
  aes128EcbEncrypt: function (key: Uint8Array, data: Uint8Array): Uint8Array {
    var w = aesExpandKey(key);
    var out = new Uint8Array(data.length);
    for (var o = 0; o + 16 <= data.length; o += 16) aesEncryptBlock(w, data, o, out, o);
    return out;
  },
  aes128CbcEncrypt: function (key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
    var w = aesExpandKey(key);
    var out = new Uint8Array(data.length);
    var x = new Uint8Array(16);
    x.set(iv);
    for (var o = 0; o + 16 <= data.length; o += 16) {
      for (var i = 0; i < 16; i++) x[i] ^= data[o + i];
      aesEncryptBlock(w, x, 0, x, 0);
      out.set(x, o);
    }
    return out;
  },
};
