// Shared by tools/provision.mjs, tools/flash.mjs and tools/hil.mjs: the device
// configuration (built from flags, checked with one-line errors), the boot file, and
// the one way code reaches a board — the official espruino CLI (npm `espruino`).
import { spawn } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { writeFileSync, readFileSync, mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CONFIG_FILE = 'lwm2m.cfg';
export const BUNDLE_FILE = 'lwm2m.js';
export const BOOT_FILE = '.boot0';

/**
 * `.boot0` runs first at every boot. It evals the bundle from Storage (the code stays
 * in flash: about 90 variables per KB instead of the whole text in RAM, ESPRUINO.md
 * "Memory") and starts the client on E.on('init'), after every boot file has run.
 */
export const BOOT_CODE =
  "// lwm2m-espruino: run the client bundle from Storage\n" +
  "if (require('Storage').read('" + BUNDLE_FILE + "')) {\n" +
  "  eval(require('Storage').read('" + BUNDLE_FILE + "'));\n" +
  "  E.on('init', function () { LwM2M.espruino.start(global); });\n" +
  "}\n";

const FLAGS = {
  '--endpoint': 'endpoint',
  '--bootstrap': 'bootstrap',
  '--mode': 'mode',
  '--psk-id': 'pskId',
  '--psk-key': 'pskKey',
  '--rpk-priv': 'rpkPriv',
  '--rpk-pub': 'rpkPub',
  '--rpk-key': 'rpkKey',
  '--rpk-server-pub': 'rpkServerPub',
  '--wifi-ssid': 'ssid',
  '--wifi-password': 'password',
  '--buzzer-pin': 'buzzerPin',
  '--buzzer-hz': 'buzzerHz',
  '--port': 'port',
};

const isHex = (s) => typeof s === 'string' && s.length > 0 && s.length % 2 === 0 && /^[0-9a-fA-F]+$/.test(s);
const isAscii = (s) => /^[\x20-\x7e]*$/.test(s);

/** Builds the lwm2m.cfg object from provisioning flags; throws an Error with a one-line message. */
export function buildConfig(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (!(flag in FLAGS)) throw new Error(`unknown option '${a}'`);
    const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
    o[FLAGS[flag]] = v;
  }
  if (!o.endpoint) throw new Error('--endpoint is required (the LwM2M endpoint client name)');
  if (!isAscii(o.endpoint) || o.endpoint.length > 64) throw new Error(`--endpoint '${o.endpoint}' must be 1-64 printable ASCII characters`);
  if (!o.bootstrap) throw new Error('--bootstrap is required (coap://HOST:PORT or coaps://HOST:PORT)');
  const m = /^(coaps?):\/\/([^/:\s]+|\[[0-9a-fA-F:]+\])(?::(\d+))?\/?$/.exec(o.bootstrap);
  if (!m) throw new Error(`--bootstrap '${o.bootstrap}' is not coap://HOST[:PORT] or coaps://HOST[:PORT]`);
  if (m[3] && (+m[3] < 1 || +m[3] > 65535)) throw new Error(`--bootstrap port ${m[3]} out of range`);
  const mode = o.mode || (m[1] === 'coaps' ? 'psk' : 'nosec');
  if (!['psk', 'rpk', 'nosec'].includes(mode)) throw new Error(`--mode '${mode}' must be psk, rpk or nosec`);
  if (mode === 'nosec' && m[1] === 'coaps') throw new Error('--mode nosec needs a coap:// bootstrap URI');
  if (mode !== 'nosec' && m[1] === 'coap') throw new Error(`--mode ${mode} needs a coaps:// bootstrap URI`);
  const cfg = { v: 1, endpoint: o.endpoint, bootstrap: o.bootstrap, mode };
  if (mode === 'psk') {
    if (!o.pskId) throw new Error('--psk-id is required for --mode psk');
    if (!isAscii(o.pskId)) throw new Error('--psk-id must be printable ASCII');
    if (!isHex(o.pskKey)) throw new Error('--psk-key must be an even number of hex digits');
    if (o.pskKey.length > 128) throw new Error('--psk-key longer than 64 bytes');
    cfg.pskId = o.pskId;
    cfg.pskKey = o.pskKey.toLowerCase();
  } else if (o.pskId || o.pskKey) throw new Error(`--psk-id/--psk-key given with --mode ${mode}`);
  if (mode === 'rpk') {
    if (o.rpkPriv && o.rpkKey) throw new Error('--rpk-priv and --rpk-key are exclusive (a key given, or a key file)');
    if (!o.rpkServerPub) throw new Error('--rpk-server-pub is required for --mode rpk (the bootstrap server\'s public key, hex)');
    const k = o.rpkPriv ? ed25519FromPrivate(hexArg('--rpk-priv', o.rpkPriv)) : o.rpkKey ? ed25519KeyFile(o.rpkKey).keys : ed25519Generate();
    if (o.rpkPub !== undefined && spkiArg('--rpk-pub', o.rpkPub) !== k.spki) throw new Error('--rpk-pub is not the public key of the private key given');
    cfg.rpkPriv = k.pkcs8;
    cfg.rpkPub = k.spki;
    cfg.rpkServerPub = spkiArg('--rpk-server-pub', o.rpkServerPub);
  } else if (o.rpkPriv || o.rpkPub || o.rpkKey || o.rpkServerPub) throw new Error(`--rpk-priv/--rpk-pub/--rpk-key/--rpk-server-pub given with --mode ${mode}`);
  if (o.password !== undefined && o.ssid === undefined) throw new Error('--wifi-password given without --wifi-ssid');
  if (o.ssid !== undefined) {
    if (o.ssid.length > 32 || !isAscii(o.ssid)) throw new Error('--wifi-ssid must be 1-32 printable ASCII characters');
    if (o.password !== undefined && (o.password.length < 8 || o.password.length > 63 || !isAscii(o.password))) {
      throw new Error('--wifi-password must be 8-63 printable ASCII characters (WPA2)');
    }
    cfg.wifi = { ssid: o.ssid };
    if (o.password !== undefined) cfg.wifi.password = o.password;
  }
  if (o.buzzerPin !== undefined) {
    if (!/^(D\d{1,2}|\d{1,2})$/.test(o.buzzerPin)) throw new Error(`--buzzer-pin '${o.buzzerPin}' must be a pin like D25`);
    cfg.buzzerPin = /^\d/.test(o.buzzerPin) ? 'D' + o.buzzerPin : o.buzzerPin;
  }
  if (o.buzzerHz !== undefined) {
    if (!/^\d+$/.test(o.buzzerHz) || +o.buzzerHz < 20 || +o.buzzerHz > 20000) throw new Error('--buzzer-hz must be 20-20000');
    cfg.buzzerHz = +o.buzzerHz;
  }
  if (o.port !== undefined) {
    if (!/^\d+$/.test(o.port) || +o.port < 1 || +o.port > 65535) throw new Error(`--port '${o.port}' must be 1-65535`);
    cfg.port = +o.port;
  }
  return cfg;
}

// ---- Ed25519 raw public keys (RFC 7250, RFC 8410), host side --------------------------

/** RFC 8410: SubjectPublicKeyInfo = this ‖ 32-byte key; PKCS#8 (OneAsymmetricKey v1) = this ‖ 32-byte seed. */
export const SPKI_ED25519_PREFIX = '302a300506032b6570032100';
export const PKCS8_ED25519_PREFIX = '302e020100300506032b657004220420';

function hexArg(flag, v) {
  if (!isHex(v)) throw new Error(`${flag} must be an even number of hex digits`);
  return v.toLowerCase();
}

/** A public key as hex: raw 32 bytes or a 44-byte Ed25519 SPKI → SPKI hex; wrong lengths are one line. */
function spkiArg(flag, v) {
  const h = hexArg(flag, v);
  if (h.length === 64) return SPKI_ED25519_PREFIX + h;
  if (h.length === 88 && h.startsWith(SPKI_ED25519_PREFIX)) return h;
  throw new Error(`${flag} is ${h.length / 2} bytes: an Ed25519 public key is 32 bytes raw or a 44-byte SubjectPublicKeyInfo (${SPKI_ED25519_PREFIX}…)`);
}

function ed25519Of(keyObject) {
  if (keyObject.asymmetricKeyType !== 'ed25519') throw new Error(`not an Ed25519 key (${keyObject.asymmetricKeyType})`);
  const pkcs8 = keyObject.export({ type: 'pkcs8', format: 'der' }).toString('hex');
  const spkiDer = createPublicKey(keyObject).export({ type: 'spki', format: 'der' });
  return { pkcs8, spki: spkiDer.toString('hex'), label: createHash('sha256').update(spkiDer).digest('hex') };
}

/** A private key as hex: the 32-byte seed or 48-byte PKCS#8 DER. */
export function ed25519FromPrivate(h) {
  if (h.length !== 64 && h.length !== 96) throw new Error(`--rpk-priv is ${h.length / 2} bytes: an Ed25519 private key is a 32-byte seed or 48-byte PKCS#8 DER`);
  const der = Buffer.from(h.length === 64 ? PKCS8_ED25519_PREFIX + h : h, 'hex');
  try {
    return ed25519Of(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
  } catch (e) {
    throw new Error(`--rpk-priv is not an Ed25519 PKCS#8 key: ${e.message.split('\n')[0]}`);
  }
}

export function ed25519Generate() {
  return ed25519Of(generateKeyPairSync('ed25519').privateKey);
}

/** The device's key file (PEM PKCS#8): read when it exists, else generated and written (mode 600). */
export function ed25519KeyFile(file) {
  if (existsSync(file)) {
    let k;
    try {
      k = createPrivateKey(readFileSync(file));
    } catch (e) {
      throw new Error(`--rpk-key ${file}: not a private key (${e.message.split('\n')[0]})`);
    }
    return { keys: ed25519Of(k), created: false };
  }
  const keys = ed25519Generate();
  const b64 = Buffer.from(keys.pkcs8, 'hex').toString('base64');
  writeFileSync(file, `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`, { mode: 0o600 });
  return { keys, created: true };
}

/** The device's QR label: SHA-256 of its SubjectPublicKeyInfo DER, hex (certtool's `Public Key ID: sha256:`). */
export function rpkLabel(cfg) {
  return cfg.rpkPub ? createHash('sha256').update(Buffer.from(cfg.rpkPub, 'hex')).digest('hex') : null;
}

/** Checks a target port argument: a serial device or tcp://HOST[:PORT]. */
export function checkTarget(port) {
  if (!port) throw new Error('--port is required (/dev/ttyUSB0 or tcp://HOST[:23])');
  if (port.startsWith('tcp://')) {
    if (!/^tcp:\/\/[^\s:/]+(:\d{1,5})?$/.test(port)) throw new Error(`--port '${port}' is not tcp://HOST[:PORT]`);
  } else if (!port.startsWith('/dev/') && !/^COM\d+$/.test(port)) {
    throw new Error(`--port '${port}' is neither a serial device (/dev/…) nor tcp://HOST[:PORT]`);
  }
  return port;
}

export const CLI = join(ROOT, 'node_modules', 'espruino', 'bin', 'espruino-cli.js');

/**
 * Uploads the bundle, the configuration and the boot file to Storage through the
 * espruino CLI (`--storage NAME:FILE` writes each file with chunked
 * require("Storage").write calls), then runs `after` (e.g. `load()` to boot).
 * Resolves with the CLI's output; rejects with it on a non-zero exit.
 */
export function uploadToStorage({ port, bundle, config, after, quiet, timeoutMs = 120000 }) {
  const dir = mkdtempSync(join(tmpdir(), 'lwm2m-flash-'));
  const args = [CLI, '--no-ble', '-p', port];
  if (bundle) {
    if (!existsSync(bundle)) throw new Error(`bundle '${bundle}' not found: run \`npm run build\` first`);
    args.push('--storage', `${BUNDLE_FILE}:${bundle}`);
    writeFileSync(join(dir, 'boot0.js'), BOOT_CODE);
    args.push('--storage', `${BOOT_FILE}:${join(dir, 'boot0.js')}`);
  }
  if (config) {
    const file = join(dir, 'lwm2m.cfg.json');
    writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
    args.push('--storage', `${CONFIG_FILE}:${file}`);
  }
  // Without an expression the CLI would stay as a terminal: always end with one.
  args.push('-e', after || "print('UPLOAD-DONE '+require('Storage').list().length)");
  return runCli(args, quiet, timeoutMs);
}

export function runCli(args, quiet, timeoutMs = 120000) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const on = (d) => {
      out += d;
      if (!quiet) process.stdout.write(d);
    };
    p.stdout.on('data', on);
    p.stderr.on('data', on);
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(t);
      if (code === 0) resolve(out);
      else reject(Object.assign(new Error(`espruino CLI exited with ${code}`), { output: out }));
    });
  });
}
