#!/usr/bin/env node
// npm run package -- --key vendor.key [--new-key|--new-ed25519-key] [--target psk|rpk|rpk-ed25519] [--version V] [BUNDLE] [-o OUT]
// Builds a firmware package (docs/firmware-update.md) of BUNDLE (default dist/firmware.js):
// manifest (version, size, SHA-256, target build) signed by the vendor key (P-256 ECDSA, or
// Ed25519), then the bundle, pretokenised as a board's Storage holds it. Prints the vendor public key the devices are provisioned with
// (npm run provision -- … --vendor-pub HEX). One line per bad argument, exit 2.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT } from './board-lib.mjs';
import { storageCopy } from './espruino/bin.mjs';
import { buildPackage, vendorKey, vendorPublic, TARGETS } from './package-lib.mjs';

const USAGE = `usage: npm run package -- --key vendor.key [--new-key|--new-ed25519-key] [--target ${TARGETS.join('|')}] [--version V] [dist/firmware.js] [-o OUT.pkg]`;
const fail = (m) => {
  console.error(`package: ${m}`);
  process.exit(2);
};
const argv = process.argv.slice(2);
const o = { key: '', newKey: '', target: '', version: '', bundle: '', out: '' };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const need = () => (argv[i + 1] !== undefined && argv[i + 1] !== '' ? argv[++i] : fail(`${a} needs a value`));
  if (a === '--key') o.key = need();
  else if (a === '--new-key') o.newKey = 'p256';
  else if (a === '--new-ed25519-key') o.newKey = 'ed25519';
  else if (a === '--target') o.target = need();
  else if (a === '--version') o.version = need();
  else if (a === '-o' || a === '--out') o.out = need();
  else if (a === '--help' || a === '-h') {
    console.log(USAGE);
    process.exit(0);
  } else if (a.startsWith('-')) fail(`unknown option '${a}'`);
  else if (o.bundle) fail(`one bundle only ('${o.bundle}' and '${a}')`);
  else o.bundle = a;
}
if (!o.key) fail('--key is required (the vendor signing key, PEM; --new-key creates it)');
o.bundle = o.bundle || join(ROOT, 'dist', 'firmware.js');
if (!existsSync(o.bundle)) fail(`bundle '${o.bundle}' not found (npm run build)`);
// the target follows the bundle's name unless given
o.target = o.target || (/firmware-rpk-ed25519\.js$/.test(o.bundle) ? 'rpk-ed25519' : /firmware-rpk\.js$/.test(o.bundle) ? 'rpk' : 'psk');
o.version = o.version || JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
o.out = o.out || o.bundle.replace(/\.js$/, '') + '.pkg';
try {
  const k = vendorKey(o.key, !!o.newKey, o.newKey);
  // the bundle as a board's Storage holds it: pretokenised (tools/pretokenise.mjs), 16 % fewer bytes to push
  const pkg = buildPackage(readFileSync(storageCopy(resolve(o.bundle))), k, { version: o.version, target: o.target });
  writeFileSync(o.out, pkg);
  console.log(`package: wrote ${o.out} (${pkg.length} bytes: ${o.target} ${o.version}, ${k.asymmetricKeyType === 'ed25519' ? 'Ed25519' : 'P-256'} signature)`);
  console.log(`package: vendor public key ${vendorPublic(k)}`);
} catch (e) {
  fail(e.message);
}
