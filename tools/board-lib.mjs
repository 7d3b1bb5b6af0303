// Shared by tools/provision.mjs, tools/flash.mjs and tools/hil.mjs: the device
// configuration (built from flags, checked with one-line errors), the boot file, and
// the one way code reaches a board — the official espruino CLI (npm `espruino`).
import { spawn } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { writeFileSync, readFileSync, mkdtempSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { storageCopy } from './espruino/bin.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CONFIG_FILE = 'lwm2m.cfg';
export const BUNDLE_FILE = 'lwm2m.js';
export const BOOT_FILE = '.boot0';
/**
 * The owner's script (`npm run flash -- --app owner-objects.js --app app.js`): a boot file run
 * after .boot0, so its LwM2M.espruino.start(global, { objects }) starts the client with the
 * owner's objects before .boot0's E.on('init') would start it without them (start() runs once).
 */
export const APP_FILE = '.boot1';

/** The firmware package's verifier (dist/fw-verify.js), evaluated only while a package is checked. */
export const VERIFIER_FILE = 'lwm2m.ver';
/** Its Ed25519 twin (dist/fw-verify-ed25519.js), for a device whose vendor key is Ed25519. */
export const VERIFIER_ED_FILE = 'lwm2m.ved';
/** Storage name → dist file of each verifier. */
export const VERIFIERS = [[VERIFIER_FILE, 'fw-verify.js'], [VERIFIER_ED_FILE, 'fw-verify-ed25519.js']];

/**
 * Which bundle boots (docs/firmware-update.md "Boot"), as an expression of Espruino's Storage
 * module giving a file name: the newest valid boot record (firmware/lwm2m/fota.ts, slots
 * lwm2m.fwb.a/.b) names the current bundle `c` and the one on trial `p`; a bundle on trial gets
 * its boot counted first (a record written; the name comes back as '!' + name), and after 3 boots that did not confirm it (or when
 * it is gone) the record returns to `c` with Update Result 8. No record: lwm2m.js. The
 * simulator's devices choose with the same code.
 */
export const BOOT_SELECT =
  "(function(S){var R=null,i,x;for(i=0;i<2;i++){try{x=JSON.parse(S.read('lwm2m.fwb.'+(i?'b':'a')));" +
  "if(x&&x.q>0&&typeof x.c=='string'&&(!R||x.q>R.q))R=x}catch(e){}}" +
  "if(!R)return '" + BUNDLE_FILE + "';" +
  "if(R.p){if(R.t>=3||!S.read(R.p)){R.p='';R.r=8}else R.t++;R.q++;S.write('lwm2m.fwb.'+(R.q&1?'a':'b'),JSON.stringify(R));if(R.p)return '!'+R.p}" +
  "return S.read(R.c)?R.c:'" + BUNDLE_FILE + "'})";

/**
 * `.boot0` runs first at every boot. It evals the bundle from Storage (the code stays
 * in flash: about 90 variables per KB instead of the whole text in RAM, ESPRUINO.md
 * "Memory") and starts the client on E.on('init'), after every boot file has run.
 */
export const BOOT_CODE =
  "// lwm2m-espruino: run the client bundle from Storage (the one BOOT_SELECT picks)\n" +
  "var LwM2Mf = " + BOOT_SELECT + "(require('Storage'));\n" +
  "var LwM2Mt = LwM2Mf.charAt(0) == '!';\n" +
  "if (LwM2Mt) LwM2Mf = LwM2Mf.substr(1);\n" +
  "if (require('Storage').read(LwM2Mf)) {\n" +
  // a bundle on trial that fails to load is a failed boot: the next one counts it
  "  try { eval(require('Storage').read(LwM2Mf)); } catch (e) { print(e); if (LwM2Mt) E.reboot(); }\n" +
  "  if (typeof LwM2M !== 'undefined') E.on('init', function () { LwM2M.espruino.start(global); });\n" +
  "}\n" +
  "delete LwM2Mf;\ndelete LwM2Mt;\n";

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
  '--curve': 'curve',
  '--wifi-ssid': 'ssid',
  '--wifi-password': 'password',
  '--buzzer-pin': 'buzzerPin',
  '--buzzer-hz': 'buzzerHz',
  '--port': 'port',
  '--vendor-pub': 'vendorPub',
  '--link': 'link',
  '--queue': 'queue',
  '--send-paths': 'sendPaths',
};

/** Link tuning and queue mode (docs/queue-mode.md): flag → configuration name, smallest and largest value (firmware/espruino/config.ts checks the same). */
const TUNING = {
  '--ack-timeout': ['ackTimeout', 100, 600000],
  '--ack-random': ['ackRandom', 1, 4],
  '--max-retransmit': ['maxRetransmit', 0, 20],
  '--update-margin': ['updateMargin', 1, 86400],
  '--awake': ['awake', 1, 86400],
  '--store': ['store', 0, 200],
  '--send-every': ['sendEvery', 1, 86400],
};
for (const [f, [name]] of Object.entries(TUNING)) FLAGS[f] = name;

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
  // Espruino's network layer (the ESP32's included) has no IPv6: the device would refuse the URI
  if (m[2].startsWith('[')) throw new Error(`--bootstrap '${o.bootstrap}': IPv6 addresses are not supported (Espruino's network is IPv4 only); use an IPv4 address or a host name`);
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
    const curve = curveArg(o.curve);
    const serverPub = spkiArg('--rpk-server-pub', o.rpkServerPub);
    // no key given and no --curve: the server key's type (a build speaks one)
    const k = o.rpkPriv ? rpkFromPrivate(hexArg('--rpk-priv', o.rpkPriv), curve) : o.rpkKey ? rpkKeyFile(o.rpkKey, curve).keys : rpkGenerate(curve || spkiCurve(serverPub));
    if (o.rpkPub !== undefined && spkiArg('--rpk-pub', o.rpkPub) !== k.spki) throw new Error('--rpk-pub is not the public key of the private key given');
    if (spkiCurve(serverPub) !== k.curve) {
      throw new Error(`--rpk-server-pub is ${CURVE_NAME[spkiCurve(serverPub)]} but the device key is ${CURVE_NAME[k.curve]}: a build has one key type (dist/firmware-rpk.js P-256, dist/firmware-rpk-ed25519.js Ed25519)`);
    }
    cfg.rpkPriv = k.pkcs8;
    cfg.rpkPub = k.spki;
    cfg.rpkServerPub = serverPub;
  } else if (o.rpkPriv || o.rpkPub || o.rpkKey || o.rpkServerPub || o.curve) throw new Error(`--rpk-priv/--rpk-pub/--rpk-key/--rpk-server-pub/--curve given with --mode ${mode}`);
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
  if (o.vendorPub !== undefined) {
    // the key firmware packages are signed with (npm run package prints it): a P-256 point or
    // an Ed25519 key, stored raw (the device picks its verifier by the length)
    const h = hexArg('--vendor-pub', o.vendorPub);
    if (!(h.length === 64 || (h.length === 130 && h.startsWith('04')) || spkiCurve(h))) {
      throw new Error(`--vendor-pub is ${h.length / 2} bytes: the vendor key is a P-256 point (65 bytes 04‖X‖Y) or an Ed25519 key (32 bytes), or its SubjectPublicKeyInfo (91 or 44 bytes)`);
    }
    const spki = spkiArg('--vendor-pub', h);
    cfg.vendorPub = spki.slice((spkiCurve(spki) === 'p256' ? SPKI_P256_PREFIX : SPKI_ED25519_PREFIX).length);
  }
  if (o.port !== undefined) {
    if (!/^\d+$/.test(o.port) || +o.port < 1 || +o.port > 65535) throw new Error(`--port '${o.port}' must be 1-65535`);
    cfg.port = +o.port;
  }
  if (o.link !== undefined) {
    if (o.link !== 'wifi' && o.link !== 'nbiot') throw new Error(`--link '${o.link}' must be wifi or nbiot`);
    cfg.link = o.link;
  }
  if (o.queue !== undefined) {
    if (o.queue !== 'on' && o.queue !== 'off') throw new Error(`--queue '${o.queue}' must be on or off`);
    if (o.queue === 'on') cfg.queue = true;
  }
  for (const [f, [name, lo, hi]] of Object.entries(TUNING)) {
    if (o[name] === undefined) continue;
    const x = Number(o[name]);
    if (!/^\d+(\.\d+)?$/.test(o[name]) || x < lo || x > hi) throw new Error(`${f} '${o[name]}' must be a number from ${lo} to ${hi}`);
    cfg[name] = x;
  }
  // Send on a timer (docs/send-composite.md): the paths, every sendEvery seconds
  if (o.sendPaths !== undefined) {
    const ps = o.sendPaths.split(',');
    const bad = ps.find((p) => !/^(\/\d{1,5}){1,4}$/.test(p) || p.split('/').slice(1).some((x) => +x > 65535));
    if (bad !== undefined) throw new Error(`--send-paths '${o.sendPaths}': '${bad}' is not a path /oid[/iid[/rid[/riid]]]`);
    cfg.sendPaths = ps;
  }
  if ((cfg.sendPaths === undefined) !== (cfg.sendEvery === undefined)) throw new Error('--send-paths and --send-every go together (the paths a Send carries, every S seconds)');
  return cfg;
}

// ---- Raw public keys (RFC 7250): P-256 (default) or Ed25519, host side -----------------
// A build carries one key type: dist/firmware-rpk.js P-256 (ecdsa_secp256r1_sha256 and
// ECDHE secp256r1, RFC 7925 §4.3's mandatory curve), dist/firmware-rpk-ed25519.js Ed25519 +
// X25519. The device's key, its bootstrap server's key and the build must agree.

/** The key types, default first. */
export const RPK_CURVES = ['p256', 'ed25519'];
/** RFC 8410: SubjectPublicKeyInfo = this ‖ 32-byte key; PKCS#8 (OneAsymmetricKey v1) = this ‖ 32-byte seed. */
export const SPKI_ED25519_PREFIX = '302a300506032b6570032100';
export const PKCS8_ED25519_PREFIX = '302e020100300506032b657004220420';
/** RFC 5480 §2: SubjectPublicKeyInfo { id-ecPublicKey, secp256r1 } = this ‖ 04 ‖ X ‖ Y (uncompressed point, 65 bytes). */
export const SPKI_P256_PREFIX = '3059301306072a8648ce3d020106082a8648ce3d030107034200';
/** RFC 5208 + RFC 5915: PKCS#8 { id-ecPublicKey, secp256r1, ECPrivateKey { 1, d } } = this ‖ 32-byte d, as Leshan writes it (67 bytes). */
export const PKCS8_P256_PREFIX = '3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420';
/** The order n of P-256's base point (SEC 2 §2.4.2): a private scalar is 1 <= d < n. */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const CURVE_NAME = { p256: 'P-256', ed25519: 'Ed25519' };

function hexArg(flag, v) {
  if (!isHex(v)) throw new Error(`${flag} must be an even number of hex digits`);
  return v.toLowerCase();
}

function curveArg(v) {
  if (v === undefined) return undefined;
  if (!RPK_CURVES.includes(v)) throw new Error(`--curve '${v}' must be p256 or ed25519`);
  return v;
}

/** The key type of a SubjectPublicKeyInfo (hex), or null. */
export function spkiCurve(spki) {
  if (typeof spki !== 'string') return null;
  if (spki.length === 88 && spki.startsWith(SPKI_ED25519_PREFIX)) return 'ed25519';
  if (spki.length === 182 && spki.startsWith(SPKI_P256_PREFIX + '04')) return 'p256';
  return null;
}

/** The RPK build a configuration needs, from its own key (null when it holds none). */
export function rpkBundleOf(cfg) {
  const c = cfg && cfg.mode === 'rpk' ? spkiCurve(cfg.rpkPub) : null;
  return c ? join(ROOT, 'dist', c === 'p256' ? 'firmware-rpk.js' : 'firmware-rpk-ed25519.js') : null;
}

/**
 * A public key as hex → SPKI hex. Ed25519: 32 bytes raw or the 44-byte SPKI. P-256: the
 * 65-byte uncompressed point (04 ‖ X ‖ Y) or the 91-byte SPKI; the point must be on the curve.
 */
function spkiArg(flag, v) {
  const h = hexArg(flag, v);
  let spki = null;
  if (h.length === 64) spki = SPKI_ED25519_PREFIX + h;
  else if (h.length === 130 && h.startsWith('04')) spki = SPKI_P256_PREFIX + h;
  else if (spkiCurve(h)) spki = h;
  if (!spki) throw new Error(`${flag} is ${h.length / 2} bytes: a public key is P-256 (65-byte point 04‖X‖Y or 91-byte SubjectPublicKeyInfo) or Ed25519 (32 bytes raw or 44-byte SubjectPublicKeyInfo)`);
  try {
    createPublicKey({ key: Buffer.from(spki, 'hex'), format: 'der', type: 'spki' });
  } catch (e) {
    throw new Error(`${flag} is not a ${CURVE_NAME[spkiCurve(spki)]} public key: ${e.message.split('\n')[0]}`);
  }
  return spki;
}

/** {curve, pkcs8, spki, label} (hex) of a node:crypto private KeyObject; P-256's PKCS#8 in the compact form. */
function rpkOf(keyObject) {
  let curve;
  let pkcs8;
  if (keyObject.asymmetricKeyType === 'ed25519') {
    curve = 'ed25519';
    pkcs8 = keyObject.export({ type: 'pkcs8', format: 'der' }).toString('hex');
  } else if (keyObject.asymmetricKeyType === 'ec' && keyObject.asymmetricKeyDetails.namedCurve === 'prime256v1') {
    curve = 'p256';
    const d = Buffer.from(keyObject.export({ format: 'jwk' }).d, 'base64url').toString('hex').padStart(64, '0');
    const n = BigInt('0x' + d);
    if (n < 1n || n >= P256_N) throw new Error('the P-256 private scalar is not in [1, n)');
    pkcs8 = PKCS8_P256_PREFIX + d;
  } else {
    const t = keyObject.asymmetricKeyType;
    throw new Error(`not a P-256 or Ed25519 key (${t === 'ec' ? keyObject.asymmetricKeyDetails.namedCurve : t})`);
  }
  const spkiDer = createPublicKey(keyObject).export({ type: 'spki', format: 'der' });
  return { curve, pkcs8, spki: spkiDer.toString('hex'), label: createHash('sha256').update(spkiDer).digest('hex') };
}

function checkCurve(k, curve, what) {
  if (curve && k.curve !== curve) throw new Error(`${what} is ${CURVE_NAME[k.curve]}, not ${CURVE_NAME[curve]} (--curve ${curve})`);
  return k;
}

/**
 * A private key as hex, the forms the device takes (transport/dtls/rpk-p256.ts
 * p256PrivateKeyOf, rpk.ts pkcs8Ed25519Seed): PKCS#8 DER of either type, SEC 1
 * ECPrivateKey DER (P-256), or 32 raw bytes — a P-256 scalar, or with curve 'ed25519' an
 * Ed25519 seed (32 raw bytes say nothing of their type: Ed25519 only when asked for).
 */
export function rpkFromPrivate(h, curve, flag = '--rpk-priv') {
  const bad = () => new Error(`${flag} is ${h.length / 2} bytes: a private key is 32 raw bytes (a P-256 scalar; an Ed25519 seed with --curve ed25519), PKCS#8 DER or SEC 1 DER`);
  if (h.length === 64) {
    if (curve !== 'ed25519' && (BigInt('0x' + h) < 1n || BigInt('0x' + h) >= P256_N)) throw new Error(`${flag}: the P-256 private scalar is not in [1, n)`);
    const der = Buffer.from((curve === 'ed25519' ? PKCS8_ED25519_PREFIX : PKCS8_P256_PREFIX) + h, 'hex');
    try {
      return rpkOf(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
    } catch (e) {
      throw new Error(`${flag} is not a ${CURVE_NAME[curve || 'p256']} private key: ${e.message.split('\n')[0]}`);
    }
  }
  if (h.length < 80 || !h.startsWith('30')) throw bad();
  const der = Buffer.from(h, 'hex');
  let k = null;
  let err = '';
  for (const type of ['pkcs8', 'sec1']) {
    try {
      k = createPrivateKey({ key: der, format: 'der', type });
      break;
    } catch (e) {
      err = err || e.message.split('\n')[0];
    }
  }
  if (!k) throw new Error(`${flag} is not a PKCS#8 or SEC 1 private key: ${err}`);
  try {
    return checkCurve(rpkOf(k), curve, flag);
  } catch (e) {
    throw new Error(e.message.startsWith(flag) ? e.message : `${flag}: ${e.message}`);
  }
}

/** A fresh key pair: P-256 unless curve is 'ed25519'. */
export function rpkGenerate(curve = 'p256') {
  return rpkOf(curve === 'ed25519' ? generateKeyPairSync('ed25519').privateKey : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
}

/** Ed25519 (the other build's keys). */
export function ed25519Generate() {
  return rpkGenerate('ed25519');
}

/**
 * The device's key file (PEM, or DER; PKCS#8 or SEC 1): read when it exists — its own key
 * type, which `curve` (when given) must match — else a fresh key pair of `curve` (default
 * P-256) written there as PEM PKCS#8 (mode 600).
 */
export function rpkKeyFile(file, curve) {
  if (existsSync(file)) {
    let k;
    try {
      k = createPrivateKey(readFileSync(file));
    } catch (e) {
      try {
        k = createPrivateKey({ key: readFileSync(file), format: 'der', type: 'pkcs8' });
      } catch {
        throw new Error(`--rpk-key ${file}: not a private key (${e.message.split('\n')[0]})`);
      }
    }
    try {
      return { keys: checkCurve(rpkOf(k), curve, `the key in ${file}`), created: false };
    } catch (e) {
      throw new Error(`--rpk-key ${file}: ${e.message}`);
    }
  }
  const keys = rpkGenerate(curve);
  const b64 = Buffer.from(keys.pkcs8, 'hex').toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  writeFileSync(file, `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`, { mode: 0o600 });
  return { keys, created: true };
}

/** The device's QR label: SHA-256 of its SubjectPublicKeyInfo DER, hex (certtool's `Public Key ID: sha256:`). */
export function rpkLabel(cfg) {
  return cfg.rpkPub ? createHash('sha256').update(Buffer.from(cfg.rpkPub, 'hex')).digest('hex') : null;
}

/** Checks a target port argument: a serial device or tcp://HOST[:PORT]. */
/** An absolute path to a character device (a serial port's link elsewhere than /dev, e.g. a pty's). */
function isCharDevice(p) {
  try {
    return p.startsWith('/') && statSync(p).isCharacterDevice();
  } catch {
    return false;
  }
}

export function checkTarget(port) {
  if (!port) throw new Error('--port is required (/dev/ttyUSB0 or tcp://HOST[:23])');
  if (port.startsWith('tcp://')) {
    if (!/^tcp:\/\/[^\s:/]+(:\d{1,5})?$/.test(port)) throw new Error(`--port '${port}' is not tcp://HOST[:PORT]`);
  } else if (!port.startsWith('/dev/') && !/^COM\d+$/.test(port) && !isCharDevice(port)) {
    throw new Error(`--port '${port}' is neither a serial device (/dev/…) nor tcp://HOST[:PORT]`);
  }
  return port;
}

export const CLI = join(ROOT, 'node_modules', 'espruino', 'bin', 'espruino-cli.js');

/** CRC-32 (IEEE, as zlib and Espruino's E.CRC32 compute it) of a byte string's bytes. */
export function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    c ^= bytes[i];
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * The verifiers (VERIFIERS rows) an upload with `config` (the configuration as an object or
 * its JSON text; undefined: the board keeps its own) puts beside the bundle: the one of the
 * configuration's vendor key type (firmware/lwm2m/fota.ts reads `lwm2m.ver` for a P-256 key,
 * `lwm2m.ved` for an Ed25519 one, and neither without a key: the device then takes no
 * package); P-256's when the configuration is not known.
 */
/**
 * The Bootstrap-Server's verification table (firmware/lwm2m/persistence.ts TABLE, 'b'): with a
 * P-256 server key, the comb table the device's first handshake would otherwise make from it
 * (transport/crypto/p256-verify.ts: entry d = the sum of 2^(52 i) Q over the set bits i of d,
 * d = 1..31, affine x || y big-endian), then 8 bytes of its SHA-256. Computed here by BigInt
 * affine arithmetic, an implementation of its own (the tests compare the two).
 */
export const BS_TABLE_FILE = 'lwm2m.vtb';

export function p256VerifyTable(spkiHex) {
  const p = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;
  const mod = (v) => ((v % p) + p) % p;
  const inv = (v) => {
    let r = 1n;
    for (let e = p - 2n, x = mod(v); e; e >>= 1n, x = (x * x) % p) if (e & 1n) r = (r * x) % p;
    return r;
  };
  const add = (a, b) => {
    if (!a) return b;
    const l = a[0] === b[0] ? (mod(3n * a[0] * a[0] - 3n) * inv(2n * a[1])) % p : (mod(b[1] - a[1]) * inv(b[0] - a[0])) % p;
    const x = mod(l * l - a[0] - b[0]);
    return [x, mod(l * (a[0] - x) - a[1])];
  };
  const q = Buffer.from(spkiHex.slice(SPKI_P256_PREFIX.length), 'hex');
  const teeth = [[BigInt('0x' + q.subarray(1, 33).toString('hex')), BigInt('0x' + q.subarray(33).toString('hex'))]];
  for (let i = 1; i < 5; i++) {
    let t = teeth[i - 1];
    for (let k = 0; k < 52; k++) t = add(t, t);
    teeth.push(t);
  }
  const out = [];
  for (let d = 1; d < 32; d++) {
    let e = null;
    for (let i = 0; i < 5; i++) if (d & (1 << i)) e = add(e, teeth[i]);
    for (const v of e) out.push(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'));
  }
  const t = Buffer.concat(out);
  return Buffer.concat([t, createHash('sha256').update(t).digest().subarray(0, 8)]);
}

/** The Storage files a configuration brings beside lwm2m.cfg: the Bootstrap-Server's verification table for a P-256 key. */
export function configFiles(config) {
  let c = config;
  try {
    if (typeof c === 'string') c = JSON.parse(c);
  } catch {
    c = undefined;
  }
  const k = c && c.mode === 'rpk' && typeof c.rpkServerPub === 'string' ? c.rpkServerPub : '';
  return k.startsWith(SPKI_P256_PREFIX) && k.length === 182 ? { [BS_TABLE_FILE]: p256VerifyTable(k) } : {};
}

export function verifiersFor(config) {
  let c = config;
  if (typeof c === 'string') {
    try {
      c = JSON.parse(c);
    } catch {
      c = undefined;
    }
  }
  if (!c || typeof c !== 'object') return VERIFIERS.filter(([name]) => name === VERIFIER_FILE);
  const k = typeof c.vendorPub === 'string' ? c.vendorPub.length : 0;
  return VERIFIERS.filter(([name]) => name === (k === 130 ? VERIFIER_FILE : k === 64 ? VERIFIER_ED_FILE : ''));
}

/**
 * The CLI's command line up to its `--storage` files. By default the CLI pauses 250 ms after
 * each `require("Storage").write` line it sends (its STORAGE_UPLOAD_METHOD 0: 384 bytes a line,
 * ~1.5 KB/s, over a minute for the bundle), so that a target on a serial line keeps up;
 * `pause` false sends without them (STORAGE_UPLOAD_METHOD 1, "No delays") and has the CLI stay
 * UNPAUSED_SLEEP_S seconds after its last write (`--sleep`) for the target to work through them.
 */
export function cliArgs(port, pause) {
  return [CLI, '--no-ble', '-p', port, ...(pause ? [] : ['--config', 'STORAGE_UPLOAD_METHOD=1', '--sleep', String(UNPAUSED_SLEEP_S)])];
}

/**
 * Without it the CLI leaves 0.5 s after its last write when the target prints nothing: a
 * stand-in starved by a loaded machine (5 busy loops on 2 cores) had not printed its check by
 * then in 2 of 6 uploads of the Ed25519 build (165 KB); with 2 s, 0 of 8 (4.7-5.9 s each).
 */
export const UNPAUSED_SLEEP_S = 2;

/**
 * Uploads the bundle, the configuration and the boot file to Storage through the
 * espruino CLI (`--storage NAME:FILE` writes each file with chunked
 * require("Storage").write calls), checks what the target now holds against what was
 * sent (its E.CRC32 of each file: a serial line can lose a character, and a bundle
 * missing one breaks at boot in ways that name nothing), then runs `after` (e.g.
 * `load()` to boot). Resolves with the CLI's output, the bytes of the files sent and
 * whether the CLI paused (`paused`, and `unpaused`: why the attempt without pauses did not
 * do); rejects with the output on a non-zero exit or on a file that differs
 * (`err.corrupted` names it).
 *
 * Over tcp:// (Espruino's telnet console, the ESP32's as the Linux build's) it first sends
 * without the CLI's pauses: the target takes bytes off its socket only when its input queue
 * has room for them (libs/network/telnet/jswrap_telnet.c telnetRecv), so TCP paces the CLI and
 * nothing is lost (the bundle in ~2 s on the stand-in instead of ~80). But the CLI then finishes
 * writing long before the target has worked through what it sent, and it judges the end by
 * the time without output (UNPAUSED_SLEEP_S) or a prompt (a Ctrl-C when none comes within 2 s):
 * on a busy target it can leave before the check is printed, and a new connection makes the
 * target drop what the old one still held. So when the check is not confirmed the upload is
 * done again, with the pauses.
 * Over a serial port the pauses always stay.
 */
export async function uploadToStorage(o) {
  if (!o.port.startsWith('tcp://')) return { ...(await uploadOnce(o, true)), paused: true };
  try {
    return { ...(await uploadOnce(o, false)), paused: false };
  } catch (e) {
    if (!e.corrupted) throw e;
    return { ...(await uploadOnce(o, true)), paused: true, unpaused: e.message };
  }
}

async function uploadOnce({ port, bundle, config, files, after, quiet, timeoutMs = 300000 }, pause) {
  const dir = mkdtempSync(join(tmpdir(), 'lwm2m-flash-'));
  const args = cliArgs(port, pause);
  const sent = {};
  if (bundle) {
    if (!existsSync(bundle)) throw new Error(`bundle '${bundle}' not found: run \`npm run build\` first`);
    const code = storageCopy(bundle); // pretokenised: 16 % fewer bytes, string literals left in flash
    args.push('--storage', `${BUNDLE_FILE}:${code}`);
    sent[BUNDLE_FILE] = readFileSync(code);
    writeFileSync(join(dir, 'boot0.js'), BOOT_CODE);
    // the firmware package's verifier, beside the bundle (built by npm run build)
    for (const [name, f] of verifiersFor(config)) {
      const ver = storageCopy(join(ROOT, 'dist', f));
      if (!existsSync(ver)) continue;
      args.push('--storage', `${name}:${ver}`);
      sent[name] = readFileSync(ver);
    }
    args.push('--storage', `${BOOT_FILE}:${join(dir, 'boot0.js')}`);
    sent[BOOT_FILE] = Buffer.from(BOOT_CODE, 'latin1');
  }
  if (config) {
    const file = join(dir, 'lwm2m.cfg.json');
    writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
    args.push('--storage', `${CONFIG_FILE}:${file}`);
    sent[CONFIG_FILE] = readFileSync(file);
    files = { ...configFiles(config), ...files };
  }
  // more Storage files by name (the owner's script as APP_FILE: npm run flash -- --app)
  for (const [name, text] of Object.entries(files || {})) {
    const file = join(dir, 'file-' + Object.keys(sent).length);
    writeFileSync(file, text);
    args.push('--storage', `${name}:${file}`);
    sent[name] = readFileSync(file);
  }
  const names = Object.keys(sent);
  // Without an expression the CLI would stay as a terminal: always end with one.
  // a bundle uploaded by hand replaces any update's boot record: lwm2m.js boots
  const forget = bundle ? "require('Storage').erase('lwm2m.fwb.a');require('Storage').erase('lwm2m.fwb.b');" : '';
  const check = `${forget}print('UPLOAD-CRC '+${JSON.stringify(names)}.map(function(n){var f=require('Storage').read(n);return f===undefined?'none':E.CRC32(f);}).join(','))`;
  args.push('-e', `${check};${after || "print('UPLOAD-DONE '+require('Storage').list().length)"}`);
  const out = await runCli(args, quiet, timeoutMs);
  const m = /UPLOAD-CRC (\S*)/.exec(out);
  const got = m ? m[1].split(',') : [];
  const bad = names.filter((n, i) => got[i] !== String(crc32(sent[n])));
  if (bad.length) throw Object.assign(new Error(`upload to ${port}: ${bad.join(', ')} on the target differ${bad.length > 1 ? '' : 's'} from what was sent (CRC-32 ${m ? 'mismatch' : 'not reported'}): upload again`), { output: out, corrupted: bad });
  return { output: out, bytes: names.reduce((n, k) => n + sent[k].length, 0) };
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
