// CryptoBackend on node:crypto, for the simulator and its servers.
import { createCipheriv, createHash } from 'node:crypto';
import type { CryptoBackend } from '../transport/ports';

function aes(mode: 'aes-128-ecb' | 'aes-128-cbc', key: Uint8Array, iv: Uint8Array | null, data: Uint8Array): Uint8Array {
  const c = createCipheriv(mode, key, iv);
  c.setAutoPadding(false);
  const out = Buffer.concat([c.update(data), c.final()]);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

export const nodeCrypto: CryptoBackend = {
  sha256: (data) => new Uint8Array(createHash('sha256').update(data).digest()),
  aes128EcbEncrypt: (key, data) => aes('aes-128-ecb', key, null, data),
  aes128CbcEncrypt: (key, iv, data) => aes('aes-128-cbc', key, iv, data),
  sha512: (data) => new Uint8Array(createHash('sha512').update(data).digest()),
};
