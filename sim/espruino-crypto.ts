// An emulation of Espruino 2v29's `require('crypto')` on node:crypto, for running the
// bundle in the stripped vm context (sim/espruino-vm.ts `modules`). Faithful to the
// quirks in ../shared/ESPRUINO.md "crypto": results are ArrayBuffers (made in the
// context's realm when `realm` is given), errors print and return undefined instead of
// throwing, CTR ignores the IV (counter starts at zero), CFB is CFB8, OFB is missing,
// no padding (data must be whole blocks), and no ccmEncrypt (absent on ESP32).
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

type Data = string | Uint8Array | ArrayBuffer;

function bytes(d: Data): Buffer {
  if (typeof d === 'string') return Buffer.from(d, 'latin1');
  if (ArrayBuffer.isView(d)) {
    // a typed array of either realm (Node's or the vm context's)
    const u = d as Uint8Array;
    return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  }
  return Buffer.from(new Uint8Array(d as ArrayBuffer));
}

export interface EspruinoCryptoCounters {
  sha256Calls: number;
  aesCalls: number;
}

/** `realm` turns a Node Uint8Array into an ArrayBuffer of the context (e.g. ctx.run('(function(u){...})')). */
export function espruinoCryptoModule(opts: { realm?: (u: Uint8Array) => ArrayBuffer; print?: (s: string) => void } = {}) {
  const out = (b: Buffer): ArrayBuffer => {
    const u = new Uint8Array(b.length);
    u.set(b);
    return opts.realm ? opts.realm(u) : u.buffer;
  };
  const error = (msg: string): undefined => {
    (opts.print || (() => {}))(`ERROR: ${msg}`);
    return undefined;
  };
  const counters: EspruinoCryptoCounters = { sha256Calls: 0, aesCalls: 0 };
  const aes = (encrypt: boolean, data: Data, key: Data, options?: { mode?: string; iv?: Data }): ArrayBuffer | undefined => {
    counters.aesCalls++;
    const k = bytes(key);
    const d = bytes(data);
    if (k.length !== 16 && k.length !== 24 && k.length !== 32) return error('Invalid key length');
    const mode = ((options && options.mode) || 'CBC').toUpperCase();
    const bits = k.length * 8;
    let iv: Buffer | null = options && options.iv !== undefined ? bytes(options.iv) : Buffer.alloc(16);
    let name: string;
    if (mode === 'ECB') {
      name = `aes-${bits}-ecb`;
      iv = null;
    } else if (mode === 'CBC') name = `aes-${bits}-cbc`;
    else if (mode === 'CTR') {
      name = `aes-${bits}-ctr`;
      iv = Buffer.alloc(16); // Espruino's CTR ignores the IV
    } else if (mode === 'CFB') name = `aes-${bits}-cfb8`;
    else return error(`Unknown Crypto mode ${mode}`);
    if ((mode === 'ECB' || mode === 'CBC') && d.length % 16) return error('Message length must be a multiple of 16');
    if (iv && iv.length !== 16) return error('IV must be 16 bytes');
    const c = encrypt ? createCipheriv(name, k, iv) : createDecipheriv(name, k, iv);
    c.setAutoPadding(false);
    return out(Buffer.concat([c.update(d), c.final()]));
  };
  const mod = {
    SHA1: (d: Data) => out(createHash('sha1').update(bytes(d)).digest()),
    SHA224: (d: Data) => out(createHash('sha224').update(bytes(d)).digest()),
    SHA256: (d: Data) => {
      counters.sha256Calls++;
      return out(createHash('sha256').update(bytes(d)).digest());
    },
    SHA384: (d: Data) => out(createHash('sha384').update(bytes(d)).digest()),
    SHA512: (d: Data) => out(createHash('sha512').update(bytes(d)).digest()),
    AES: {
      encrypt: (data: Data, key: Data, options?: { mode?: string; iv?: Data }) => aes(true, data, key, options),
      decrypt: (data: Data, key: Data, options?: { mode?: string; iv?: Data }) => aes(false, data, key, options),
    },
  };
  return { mod, counters };
}
