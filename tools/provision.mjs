#!/usr/bin/env node
// npm run provision -- --endpoint EP --bootstrap coaps://HOST:5684 --psk-id ID --psk-key HEX
//                      [--mode psk|rpk|nosec] [--wifi-ssid S --wifi-password P]
//   RPK: --mode rpk --rpk-server-pub HEX [--rpk-key FILE | --rpk-priv HEX [--rpk-pub HEX]]
//        (no key given: a fresh Ed25519 key pair; --rpk-key FILE: read it, or create it there);
//        prints the QR label (SHA-256 of the device's SubjectPublicKeyInfo) to print on the device
//                      [--buzzer-pin D25] [--buzzer-hz 2000] [--port 56830] [--out FILE]
// Writes the device configuration (JSON, stored on the board as Storage file `lwm2m.cfg`)
// to FILE (default dist/lwm2m.cfg.json). `npm run flash` uploads it. One line per bad argument.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildConfig, rpkLabel, ROOT } from './board-lib.mjs';

const argv = process.argv.slice(2);
let out = join(ROOT, 'dist', 'lwm2m.cfg.json');
const i = argv.indexOf('--out');
if (i >= 0) {
  if (!argv[i + 1]) {
    console.error('provision: --out needs a file');
    process.exit(2);
  }
  out = argv[i + 1];
  argv.splice(i, 2);
}
try {
  const cfg = buildConfig(argv);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(cfg));
  console.log(`provision: wrote ${out} (endpoint ${cfg.endpoint}, ${cfg.mode}, bootstrap ${cfg.bootstrap}${cfg.wifi ? `, Wi-Fi '${cfg.wifi.ssid}'` : ''})`);
  if (cfg.mode === 'rpk') {
    console.log(`provision: device public key (SPKI DER) ${cfg.rpkPub}`);
    console.log(`provision: QR label (SHA-256 of the SPKI; the installer scans it: npm run sim -- enrol LABEL) ${rpkLabel(cfg)}`);
  }
} catch (e) {
  console.error(`provision: ${e.message}`);
  process.exit(2);
}
