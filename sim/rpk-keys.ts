// Raw public keys on the host (RFC 7250): key pairs for devices and servers, P-256 by
// default (secp256r1, RFC 5480; RFC 7925 §4.3's mandatory curve, dist/firmware-rpk.js) or
// Ed25519 (RFC 8410, dist/firmware-rpk-ed25519.js); their DER forms, and the device's
// QR-label identity (SHA-256 of the SPKI DER, INTEROP.md: what certtool prints as
// `Public Key ID: sha256:`). node:crypto only.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** The key types: P-256 (ECDSA-SHA256 + ECDHE secp256r1) or Ed25519 (+ X25519). */
export type RpkCurve = 'p256' | 'ed25519';
export const RPK_CURVES: readonly RpkCurve[] = ['p256', 'ed25519'];
const NAME: Record<RpkCurve, string> = { p256: 'P-256', ed25519: 'Ed25519' };

/** RFC 8410 §4: SubjectPublicKeyInfo of an Ed25519 key = this prefix ‖ the 32-byte key. */
export const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** RFC 8410 §7: OneAsymmetricKey (PKCS#8 v1) of an Ed25519 key = this prefix ‖ the 32-byte seed. */
export const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** RFC 5480 §2: SubjectPublicKeyInfo { id-ecPublicKey, secp256r1 } = this prefix ‖ 04 ‖ X ‖ Y. */
export const SPKI_P256_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
/**
 * RFC 5208 §5 PrivateKeyInfo { id-ecPublicKey, secp256r1, ECPrivateKey (RFC 5915) { 1, d } }
 * = this prefix ‖ d: the 67-byte form Leshan (Java) writes, which the device takes.
 */
export const PKCS8_P256_PREFIX = Buffer.from('3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420', 'hex');
/** The order of P-256's base point (SEC 2 §2.4.2): a private scalar is 1 <= d < n. */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

export interface RpkKeyPair {
  curve: RpkCurve;
  /** PKCS#8 DER, what Leshan writes to /0/x/5: Ed25519 48 bytes; P-256 67 bytes (PKCS8_P256_PREFIX ‖ d). */
  pkcs8: Uint8Array;
  /** The raw 32-byte private key: the Ed25519 seed, or the P-256 scalar d. */
  priv: Uint8Array;
  /** SubjectPublicKeyInfo DER (Ed25519 44 bytes, P-256 91 bytes), /0/x/3 and /0/x/4. */
  spki: Uint8Array;
  /** The raw public key: Ed25519's 32 bytes, P-256's uncompressed point 04 ‖ X ‖ Y (65 bytes). */
  pub: Uint8Array;
  /** SHA-256 of the SPKI DER, lower-case hex: the device's QR label. */
  hash: string;
}

function fromPrivate(k: KeyObject): RpkKeyPair {
  const spki = new Uint8Array(createPublicKey(k).export({ type: 'spki', format: 'der' }));
  if (k.asymmetricKeyType === 'ed25519') {
    const pkcs8 = new Uint8Array(k.export({ type: 'pkcs8', format: 'der' }));
    return { curve: 'ed25519', pkcs8, priv: pkcs8.slice(16), spki, pub: spki.slice(12), hash: spkiHash(spki) };
  }
  if (k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    const d = Buffer.from(k.export({ format: 'jwk' }).d!, 'base64url');
    const priv = new Uint8Array(32);
    priv.set(d, 32 - d.length);
    const n = BigInt('0x' + Buffer.from(priv).toString('hex'));
    // node:crypto takes any scalar; the device (p256ValidScalar) does not
    if (n < 1n || n >= P256_N) throw new Error('the P-256 private scalar is not in [1, n)');
    return { curve: 'p256', pkcs8: new Uint8Array(Buffer.concat([PKCS8_P256_PREFIX, priv])), priv, spki, pub: spki.slice(26), hash: spkiHash(spki) };
  }
  const t = k.asymmetricKeyType === 'ec' ? k.asymmetricKeyDetails?.namedCurve : k.asymmetricKeyType;
  throw new Error(`not a P-256 or Ed25519 key (${t})`);
}

function want(k: RpkKeyPair, curve: RpkCurve | undefined, what: string): RpkKeyPair {
  if (curve && k.curve !== curve) throw new Error(`${what} is ${NAME[k.curve]}, not ${NAME[curve]}`);
  return k;
}

/** A fresh key pair: P-256 unless asked for Ed25519. */
export function generateRpk(curve: RpkCurve = 'p256'): RpkKeyPair {
  return fromPrivate(curve === 'ed25519' ? generateKeyPairSync('ed25519').privateKey : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
}

/**
 * A key pair from the private-key forms the device takes (transport/dtls/rpk-p256.ts
 * p256PrivateKeyOf, rpk.ts pkcs8Ed25519Seed): PKCS#8 DER of either type, SEC 1
 * ECPrivateKey DER, or 32 raw bytes — a P-256 scalar, or an Ed25519 seed only when `curve`
 * says 'ed25519' (raw bytes carry no type). A DER key must be of `curve` when given.
 * Throws a one-line Error.
 */
export function rpkFromPrivate(der: Uint8Array, curve?: RpkCurve): RpkKeyPair {
  const b = Buffer.from(der);
  if (b.length === 32) {
    const c = curve || 'p256';
    const n = BigInt('0x' + b.toString('hex'));
    if (c === 'p256' && (n < 1n || n >= P256_N)) throw new Error('private key: the P-256 private scalar is not in [1, n)');
    try {
      return fromPrivate(createPrivateKey({ key: Buffer.concat([c === 'ed25519' ? PKCS8_ED25519_PREFIX : PKCS8_P256_PREFIX, b]), format: 'der', type: 'pkcs8' }));
    } catch (e) {
      throw new Error(`private key: not a ${NAME[c]} private key: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  let k: KeyObject | null = null;
  let err = '';
  for (const type of ['pkcs8', 'sec1'] as const) {
    try {
      k = createPrivateKey({ key: b, format: 'der', type });
      break;
    } catch (e) {
      err ||= (e as Error).message.split('\n')[0];
    }
  }
  if (!k) throw new Error(`private key (${b.length} bytes) is neither 32 raw bytes (a P-256 scalar, or an Ed25519 seed when asked for) nor PKCS#8 or SEC 1 DER: ${err}`);
  return want(fromPrivate(k), curve, 'private key');
}

/** SHA-256 of a SubjectPublicKeyInfo DER, lower-case hex (the QR label). */
export function spkiHash(spki: Uint8Array): string {
  return createHash('sha256').update(spki).digest('hex');
}

/** The key type of a SubjectPublicKeyInfo DER, or null. */
export function spkiCurve(spki: Uint8Array): RpkCurve | null {
  const b = Buffer.from(spki);
  if (b.length === 44 && b.subarray(0, 12).equals(SPKI_ED25519_PREFIX)) return 'ed25519';
  if (b.length === 91 && b.subarray(0, 26).equals(SPKI_P256_PREFIX) && b[26] === 4) return 'p256';
  return null;
}

/**
 * A public key given as hex → SPKI DER: Ed25519 as 32 raw bytes or its 44-byte SPKI; P-256
 * as the 65-byte uncompressed point 04 ‖ X ‖ Y or its 91-byte SPKI (the point must lie on
 * the curve). Throws a one-line Error.
 */
export function spkiFromHex(hex: string, what = 'public key'): Uint8Array {
  if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw new Error(`${what} '${hex.slice(0, 16)}…' is not hex bytes`);
  const b = Buffer.from(hex, 'hex');
  let spki: Buffer | null = null;
  if (b.length === 32) spki = Buffer.concat([SPKI_ED25519_PREFIX, b]);
  else if (b.length === 65 && b[0] === 4) spki = Buffer.concat([SPKI_P256_PREFIX, b]);
  else if (spkiCurve(b)) spki = b;
  if (!spki) throw new Error(`${what} is ${b.length} bytes: a P-256 key is a 65-byte point (04 ‖ X ‖ Y) or a 91-byte SubjectPublicKeyInfo, an Ed25519 key 32 bytes raw or a 44-byte SubjectPublicKeyInfo`);
  try {
    createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch (e) {
    throw new Error(`${what} is not a ${NAME[spkiCurve(spki)!]} public key: ${(e as Error).message.split('\n')[0]}`);
  }
  return new Uint8Array(spki);
}

/** A QR label value: 64 hex digits (optionally `sha256:`-prefixed, colons allowed, as certtool prints them) → lower-case hex. */
export function parseLabel(s: string): string {
  const h = s.trim().replace(/^sha256:/i, '').replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(h)) throw new Error(`QR label '${s}' is not a SHA-256 (64 hex digits)`);
  return h;
}

/**
 * A key pair kept in a file (PEM "PRIVATE KEY" / "EC PRIVATE KEY", or PKCS#8 DER): loaded
 * when the file exists — its own type (Ed25519 files written before P-256 became the
 * default keep working), which must be `curve` when given — else a fresh `curve` key pair
 * (default P-256) written there as PEM PKCS#8 (so a provisioned device keeps trusting it).
 */
export function loadOrCreateRpk(file: string, curve?: RpkCurve): { keys: RpkKeyPair; created: boolean } {
  if (existsSync(file)) {
    const data = readFileSync(file);
    let k: KeyObject;
    try {
      k = createPrivateKey(data);
    } catch (e) {
      try {
        k = createPrivateKey({ key: data, format: 'der', type: 'pkcs8' });
      } catch {
        throw new Error(`${file}: not a private key (${(e as Error).message.split('\n')[0]})`);
      }
    }
    try {
      return { keys: want(fromPrivate(k), curve, 'its key'), created: false };
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`);
    }
  }
  const keys = generateRpk(curve);
  writeFileSync(file, pem(keys.pkcs8), { mode: 0o600 });
  return { keys, created: true };
}

export function pem(pkcs8: Uint8Array): string {
  const b64 = Buffer.from(pkcs8).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}
