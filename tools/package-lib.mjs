// The firmware package (docs/firmware-update.md): a header, a manifest (JSON: version, size,
// SHA-256 of the bundle, target build), a vendor signature over header and manifest, then the
// bundle. Built by tools/package.mjs; read back by the simulator and the tests.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writePrivate } from './private-file.mjs';

export const MAGIC = 'LWFW';
export const LAYOUT = 1;
/** Signature algorithms (header byte 5). */
export const SIG_P256 = 1;
export const SIG_ED25519 = 2;
export const TARGETS = ['psk', 'rpk', 'rpk-ed25519'];
/** The header: magic 4, layout 1, algorithm 1, manifest length 2 (BE), signature length 2 (BE). */
export const HEADER = 10;

/** The vendor key of FILE (PEM or DER PKCS#8, P-256 or Ed25519), created there (`curve`: p256 or ed25519, 0600) when absent. */
export function vendorKey(file, create, curve = 'p256') {
  if (!existsSync(file)) {
    if (!create) throw new Error(`--key ${file} not found (--new-key creates one)`);
    const k = curve === 'ed25519' ? generateKeyPairSync('ed25519').privateKey : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    writePrivate(file, k.export({ type: 'pkcs8', format: 'pem' }));
  }
  let k;
  try {
    k = createPrivateKey(readFileSync(file));
  } catch (e) {
    throw new Error(`--key ${file}: not a private key (${e.message.split('\n')[0]})`);
  }
  const ec = k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails.namedCurve === 'prime256v1';
  if (!ec && k.asymmetricKeyType !== 'ed25519') throw new Error(`--key ${file}: a vendor key is P-256 or Ed25519, not ${k.asymmetricKeyType}`);
  return k;
}

/** The public half to provision, hex: P-256's uncompressed point (65 bytes), Ed25519's 32 bytes. */
export function vendorPublic(k) {
  const spki = createPublicKey(k).export({ type: 'spki', format: 'der' });
  return spki.subarray(k.asymmetricKeyType === 'ed25519' ? 12 : 26).toString('hex');
}

/** The package of `bundle` (bytes) signed with private key `k`. */
export function buildPackage(bundle, k, { version, target }) {
  if (!TARGETS.includes(target)) throw new Error(`--target '${target}' must be one of ${TARGETS.join(', ')}`);
  if (!/^[\x20-\x7e]{1,32}$/.test(version) || /["\\]/.test(version)) throw new Error(`--version '${version}' must be 1-32 printable ASCII characters without quotes`);
  const manifest = Buffer.from(JSON.stringify({ v: version, t: target, n: bundle.length, h: createHash('sha256').update(bundle).digest('hex') }), 'latin1');
  const ed = k.asymmetricKeyType === 'ed25519';
  const head = Buffer.alloc(HEADER);
  head.write(MAGIC, 0, 'latin1');
  head[4] = LAYOUT;
  head[5] = ed ? SIG_ED25519 : SIG_P256;
  head.writeUInt16BE(manifest.length, 6);
  // ECDSA's DER signature is 70-72 bytes: the length is fixed before signing at the largest
  // (DER of r and s padded to 33 bytes each); a shorter one is padded with zeros after it
  const sigLen = ed ? 64 : 72;
  head.writeUInt16BE(sigLen, 8);
  const signed = Buffer.concat([head, manifest]);
  const s = ed ? sign(null, signed, k) : sign('sha256', signed, k);
  const sig = Buffer.alloc(sigLen);
  s.copy(sig);
  return Buffer.concat([signed, sig, bundle]);
}

/** Parses a package (host side); throws naming what is wrong. */
export function parsePackage(pkg, vendorPubHex) {
  if (pkg.length < HEADER || pkg.subarray(0, 4).toString('latin1') !== MAGIC) throw new Error('not a firmware package (no LWFW header)');
  if (pkg[4] !== LAYOUT) throw new Error(`package layout ${pkg[4]} unknown`);
  const m = pkg.readUInt16BE(6);
  const l = pkg.readUInt16BE(8);
  const manifest = JSON.parse(pkg.subarray(HEADER, HEADER + m).toString('latin1'));
  const bundle = pkg.subarray(HEADER + m + l);
  const out = { alg: pkg[5], manifest, bundle, sigOk: undefined };
  if (vendorPubHex) {
    const raw = Buffer.from(vendorPubHex, 'hex');
    const prefix = pkg[5] === SIG_ED25519 ? '302a300506032b6570032100' : '3059301306072a8648ce3d020106082a8648ce3d030107034200';
    const pub = createPublicKey({ key: Buffer.concat([Buffer.from(prefix, 'hex'), raw]), format: 'der', type: 'spki' });
    let sig = pkg.subarray(HEADER + m, HEADER + m + l);
    if (pkg[5] === SIG_P256) sig = sig.subarray(0, sig[1] + 2);
    out.sigOk = verify(pkg[5] === SIG_ED25519 ? null : 'sha256', pkg.subarray(0, HEADER + m), pub, sig);
  }
  return out;
}
