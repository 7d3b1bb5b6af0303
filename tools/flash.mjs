#!/usr/bin/env node
// make flash PORT=/dev/ttyUSB0   |   npm run flash -- --port tcp://192.168.1.50[:23]
//   [--config dist/lwm2m.cfg.json] [--bundle dist/firmware.js] [--app FILE…] [--no-config] [--no-boot] [--no-build]
// The arguments and the configuration are checked first; then the bundle is built if it is
// stale (tools/build.mjs --if-stale --only NAME; --no-build: never), then uploaded.
// A configuration in mode rpk gets the RPK build of its own key's type unless --bundle says
// otherwise: dist/firmware-rpk.js for a P-256 key (provision's default),
// dist/firmware-rpk-ed25519.js for an Ed25519 one (the PSK build has no raw public keys).
// Uploads dist/firmware.js to Storage as `lwm2m.js`, the boot file `.boot0` that runs it,
// and the configuration as `lwm2m.cfg`, with the official espruino CLI; then `load()`
// reboots the board into the client (unless --no-boot). `--app FILE` (repeatable: the
// generated owner-objects.js, then the owner's script) uploads the files, joined, as the boot
// file .boot1, which starts the client with the owner's objects (docs/owner-objects.md).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkTarget, uploadToStorage, rpkBundleOf, ROOT, APP_FILE } from './board-lib.mjs';
import { buildIfStale } from './build-first.mjs';

const USAGE = `usage: npm run flash -- --port /dev/ttyUSB0|tcp://HOST[:23] [--config FILE] [--bundle FILE] [--app FILE…] [--no-config] [--no-boot] [--no-build]
  (make flash PORT=… [CONFIG=…]) uploads the bundle (built first if stale: dist/firmware.js, or the RPK build of the
  configuration's key type) to Storage as lwm2m.js, the boot file .boot0 and the configuration as lwm2m.cfg, then load();
  --app FILE (repeatable, e.g. --app owner-objects.js --app app.js) uploads your script, joined, as ${APP_FILE}`;

const fail = (m) => {
  console.error(`flash: ${m}`);
  process.exit(2);
};
const argv = process.argv.slice(2);
const opts = { port: '', config: join(ROOT, 'dist', 'lwm2m.cfg.json'), bundle: join(ROOT, 'dist', 'firmware.js'), useConfig: true, boot: true, build: true, app: [] };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const need = () => argv[++i] || fail(`${a} needs a value`);
  if (a === '--port' || a === '-p') opts.port = need();
  else if (a === '--config') opts.config = need();
  else if (a === '--bundle') {
    opts.bundle = need();
    opts.bundleGiven = true;
  }
  else if (a === '--app') opts.app.push(need());
  else if (a === '--no-config') opts.useConfig = false;
  else if (a === '--no-boot') opts.boot = false;
  else if (a === '--no-build') opts.build = false;
  else if (a === '--help' || a === '-h') {
    console.log(USAGE);
    process.exit(0);
  } else fail(`unknown option '${a}'`);
}
try {
  checkTarget(opts.port);
} catch (e) {
  fail(e.message);
}
for (const f of opts.app) if (!existsSync(f)) fail(`--app '${f}' not found`);
const files = opts.app.length ? { [APP_FILE]: Buffer.concat(opts.app.map((f) => Buffer.concat([readFileSync(f), Buffer.from('\n')]))) } : undefined;
let config;
if (opts.useConfig) {
  if (!existsSync(opts.config)) fail(`config '${opts.config}' not found: run \`npm run provision -- …\` first (or pass --no-config)`);
  config = readFileSync(opts.config, 'utf8');
  let cfg;
  try {
    cfg = JSON.parse(config);
  } catch {
    fail(`config '${opts.config}' is not JSON`);
  }
  if (cfg && cfg.mode === 'rpk' && !opts.bundleGiven) {
    // the build of the key type the configuration holds (one key type per RPK build)
    opts.bundle = rpkBundleOf(cfg) || fail(`config '${opts.config}': mode rpk without a P-256 or Ed25519 rpkPub (run \`npm run provision -- --mode rpk …\` again)`);
  }
}
if (opts.build) {
  try {
    buildIfStale([opts.bundle]);
  } catch (e) {
    console.error(`flash: ${e.message}`);
    process.exit(1);
  }
}
if (!existsSync(opts.bundle)) fail(`bundle '${opts.bundle}' not found: run \`npm run build\` first`);
try {
  await uploadToStorage({ port: opts.port, bundle: opts.bundle, config, files, after: opts.boot ? 'load()' : undefined });
  console.log(`flash: uploaded to ${opts.port}${opts.boot ? ' and rebooted' : ''}`);
} catch (e) {
  fail(`${e.message}`);
}
