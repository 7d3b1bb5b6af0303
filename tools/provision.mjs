#!/usr/bin/env node
// npm run provision -- --endpoint EP --bootstrap coaps://HOST:5684 --psk-id ID --psk-key HEX
//                      [--mode psk|rpk|nosec] [--wifi-ssid S --wifi-password P]
//   RPK: --mode rpk --rpk-server-pub HEX [--rpk-key FILE | --rpk-priv HEX [--rpk-pub HEX]] [--curve p256|ed25519]
//        (no key given: a fresh key pair, P-256 unless --curve ed25519 or an Ed25519 server key;
//        --rpk-key FILE: read it, or create it there; a raw 32-byte --rpk-priv is a P-256 scalar,
//        an Ed25519 seed only with --curve ed25519);
//        prints the QR label (SHA-256 of the device's SubjectPublicKeyInfo) to print on the device
//                      [--buzzer-pin D25] [--buzzer-hz 2000] [--port PORT] [--out FILE]
//   --port fixes the device's UDP port (default: a random one of 49152-65535 at each boot)
//                      [--link wifi|nbiot] [--ack-timeout MS] [--ack-random F] [--max-retransmit N]
//                      [--update-margin S] [--queue on|off] [--awake S] [--store N]
//   link tuning and queue mode: docs/queue-mode.md
//                      [--send-paths /3303/0/5700,/3/0/9 --send-every S]
//   Send on a timer: docs/send-composite.md
// Writes the device configuration (JSON, stored on the board as Storage file `lwm2m.cfg`)
// to FILE (default dist/lwm2m.cfg.json). `npm run flash` uploads it. One line per bad argument.
import { mkdirSync } from 'node:fs';
import { writePrivate } from './private-file.mjs';
import { dirname, join, relative } from 'node:path';
import { buildConfig, rpkLabel, rpkBundleOf, spkiCurve, ROOT } from './board-lib.mjs';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(`usage: npm run provision -- --endpoint EP --bootstrap coap[s]://HOST:PORT
  [--mode psk|rpk|nosec] [--psk-id ID --psk-key HEX]
  [--rpk-server-pub HEX [--rpk-key FILE | --rpk-priv HEX [--rpk-pub HEX]] [--curve p256|ed25519]]
  [--wifi-ssid S [--wifi-password P]] [--buzzer-pin D25] [--buzzer-hz 2000] [--port 56830] [--out FILE]
  [--link wifi|nbiot] [--ack-timeout MS] [--ack-random F] [--max-retransmit N] [--update-margin S]
  [--queue on|off] [--awake S] [--store N]      (docs/queue-mode.md)
  [--send-paths /3303/0/5700,/3/0/9 --send-every S]   (Send on a timer: docs/send-composite.md)
writes the device configuration (default dist/lwm2m.cfg.json) that \`make flash\` uploads as lwm2m.cfg`);
  process.exit(0);
}
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
  // keys and the Wi-Fi password: readable by the owner only (0600), also when the file existed
  writePrivate(out, JSON.stringify(cfg));
  console.log(`provision: wrote ${out} (endpoint ${cfg.endpoint}, ${cfg.mode}, bootstrap ${cfg.bootstrap}${cfg.wifi ? `, Wi-Fi '${cfg.wifi.ssid}'` : ''})`);
  if (cfg.mode === 'rpk') {
    console.log(`provision: device public key (${spkiCurve(cfg.rpkPub) === 'p256' ? 'P-256' : 'Ed25519'}, SPKI DER) ${cfg.rpkPub}; build ${relative(ROOT, rpkBundleOf(cfg))} (npm run flash picks it)`);
    console.log(`provision: QR label (SHA-256 of the SPKI; the installer scans it: npm run sim -- enrol LABEL) ${rpkLabel(cfg)}`);
  }
} catch (e) {
  console.error(`provision: ${e.message}`);
  process.exit(2);
}
