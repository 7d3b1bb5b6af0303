// Ed25519 raw public keys on the host (RFC 7250, RFC 8410): key pairs for devices and
// servers, their DER forms, and the device's QR-label identity (SHA-256 of the SPKI DER,
// INTEROP.md: what certtool prints as `Public Key ID: sha256:`). node:crypto only.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** RFC 8410 §4: SubjectPublicKeyInfo of an Ed25519 key = this prefix ‖ the 32-byte key. */
export const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** RFC 8410 §7: OneAsymmetricKey (PKCS#8 v1) of an Ed25519 key = this prefix ‖ the 32-byte seed. */
export const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface RpkKeyPair {
  /** PKCS#8 DER (48 bytes), what Leshan writes to /0/x/5. */
  pkcs8: Uint8Array;
  /** The 32-byte private seed. */
  seed: Uint8Array;
  /** SubjectPublicKeyInfo DER (44 bytes), /0/x/3 and /0/x/4. */
  spki: Uint8Array;
  /** The raw 32-byte public key. */
  pub: Uint8Array;
  /** SHA-256 of the SPKI DER, lower-case hex: the device's QR label. */
  hash: string;
}

function fromPrivate(k: KeyObject): RpkKeyPair {
  if (k.asymmetricKeyType !== 'ed25519') throw new Error(`not an Ed25519 key (${k.asymmetricKeyType})`);
  const pkcs8 = new Uint8Array(k.export({ type: 'pkcs8', format: 'der' }));
  const spki = new Uint8Array(createPublicKey(k).export({ type: 'spki', format: 'der' }));
  return { pkcs8, seed: pkcs8.slice(16), spki, pub: spki.slice(12), hash: spkiHash(spki) };
}

/** A fresh Ed25519 key pair. */
export function generateRpk(): RpkKeyPair {
  return fromPrivate(generateKeyPairSync('ed25519').privateKey);
}

/** A key pair from its 32-byte seed or PKCS#8 DER. Throws a one-line Error otherwise. */
export function rpkFromPrivate(der: Uint8Array): RpkKeyPair {
  const b = Buffer.from(der);
  if (b.length === 32) return fromPrivate(createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, b]), format: 'der', type: 'pkcs8' }));
  try {
    return fromPrivate(createPrivateKey({ key: b, format: 'der', type: 'pkcs8' }));
  } catch (e) {
    throw new Error(`private key (${b.length} bytes) is neither a 32-byte Ed25519 seed nor Ed25519 PKCS#8 DER: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** SHA-256 of a SubjectPublicKeyInfo DER, lower-case hex (the QR label). */
export function spkiHash(spki: Uint8Array): string {
  return createHash('sha256').update(spki).digest('hex');
}

/** A public key given as hex: SPKI DER (44 bytes) or the raw 32 bytes → SPKI DER. Throws a one-line Error. */
export function spkiFromHex(hex: string, what = 'public key'): Uint8Array {
  if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw new Error(`${what} '${hex.slice(0, 16)}…' is not hex bytes`);
  const b = Buffer.from(hex, 'hex');
  if (b.length === 32) return new Uint8Array(Buffer.concat([SPKI_ED25519_PREFIX, b]));
  if (b.length === 44 && b.subarray(0, 12).equals(SPKI_ED25519_PREFIX)) return new Uint8Array(b);
  throw new Error(`${what} is ${b.length} bytes: an Ed25519 key is 32 bytes raw or a 44-byte SubjectPublicKeyInfo`);
}

/** A QR label value: 64 hex digits (optionally `sha256:`-prefixed, colons allowed, as certtool prints them) → lower-case hex. */
export function parseLabel(s: string): string {
  const h = s.trim().replace(/^sha256:/i, '').replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(h)) throw new Error(`QR label '${s}' is not a SHA-256 (64 hex digits)`);
  return h;
}

/**
 * A server's key pair kept in a PEM file (PKCS#8 "PRIVATE KEY"): loaded when the file
 * exists, else generated and written there (so a provisioned device keeps trusting it).
 */
export function loadOrCreateRpk(file: string): { keys: RpkKeyPair; created: boolean } {
  if (existsSync(file)) {
    let k: KeyObject;
    try {
      k = createPrivateKey(readFileSync(file));
    } catch (e) {
      throw new Error(`${file}: not a private key (${(e as Error).message.split('\n')[0]})`);
    }
    return { keys: fromPrivate(k), created: false };
  }
  const keys = generateRpk();
  writeFileSync(file, pem(keys.pkcs8), { mode: 0o600 });
  return { keys, created: true };
}

export function pem(pkcs8: Uint8Array): string {
  const b64 = Buffer.from(pkcs8).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}
