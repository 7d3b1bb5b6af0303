// Firmware update on the device (issue 18, docs/firmware-update.md): the board's side of
// object 5 (objects/board.ts FirmwarePort). A pushed package streams block by block into a
// second bundle file in Storage (never whole in RAM); at its end the bundle's SHA-256 is taken
// in one native call over the flash-backed file, and the vendor's P-256 signature is checked
// in slices by the verifier, evaluated from Storage (`lwm2m.ver`) only for that check. Update
// writes a boot record that the boot file (tools/board-lib.mjs BOOT_CODE) follows: the new
// bundle is tried a bounded number of boots and confirms itself once registered; otherwise
// the boot file returns to the old one, which reports Update Result 8.
//
// The boot record: two slots (REC + '.a' / '.b'), a JSON object each, the newest by `q`;
// record q lives in slot a when q is odd, b when even, so a write never touches the slot of
// the newest record, and a torn write (cut power) fails to parse and leaves the other.
//   q  sequence     c  the bundle file that boots     p  the bundle being tried ('' none)
//   t  boots of p so far    r  Update Result to report     v  the package's version
//
// Everything runs on Espruino's own modules (Natives: require('Storage'), require('crypto'),
// E), which the simulator emulates: on the board and in the stripped context alike. At rest
// the port is one small object over top-level functions; the stream state exists only during
// a transfer and the verifier only during its check.
import type { FirmwarePort } from '../../objects/board';
import type { FirmwareApi } from '../../objects/5-firmware-update';
import type { Natives } from '../espruino/native';
import { utf8Decode } from '../../transport/bytes';

export var REC = 'lwm2m.fwb';
export var SLOTS = ['lwm2m.js', 'lwm2m.js2'];
/** The verifier's file (dist/fw-verify.js) and the global it defines. */
export var VERIFIER = 'lwm2m.ver';
/** Boots a new bundle gets before the boot file returns to the old one (BOOT_CODE's 3). */
export var TRIES = 3;
/** A new bundle that has not registered this long after boot gives up (ms). */
export var CONFIRM_MS = 300000;
var HEAD = 10;

export interface BootRecord {
  q: number;
  c: string;
  p: string;
  t: number;
  r: number;
  v: string;
}

interface Stream {
  /** bytes of the package received */
  o: number;
  /** the header, manifest and signature while they arrive */
  h: Uint8Array;
  /** their length once known (0 before) */
  hl: number;
  /** the manifest */
  m: any;
  /** the bundle file written, bytes of it written */
  f: string;
  w: number;
}

interface Port extends FirmwarePort {
  n: Natives;
  /** the build's target (psk, rpk, rpk-ed25519) and the vendor key (hex point) */
  tg: string;
  vk: string;
  api: FirmwareApi | null;
  /** the transfer in progress, absent at rest */
  s?: Stream | null;
}

/** The newest valid boot record, or null. */
export function bootRecord(S: any): BootRecord | null {
  var best: BootRecord | null = null;
  for (var i = 0; i < 2; i++) {
    try {
      var x = JSON.parse(S.read(REC + (i ? '.b' : '.a')));
      if (x && x.q > 0 && typeof x.c === 'string' && (!best || x.q > best.q)) best = x;
    } catch (e) {
      // absent or torn: the other slot
    }
  }
  return best;
}

/** Writes `r` as the next record (q + 1) into the slot that does not hold the newest. */
export function putRecord(S: any, r: BootRecord): void {
  r.q++;
  S.write(REC + (r.q & 1 ? '.a' : '.b'), JSON.stringify(r));
}

function record(p: Port): BootRecord {
  return bootRecord(p.n.require('Storage')) || { q: 0, c: SLOTS[0], p: '', t: 0, r: 0, v: '' };
}

/** Called once by object 5: its State and Update Result after this boot, and the deadline of a bundle on trial. */
function boot(this: Port, api: FirmwareApi): void {
  var p = this;
  p.api = api;
  var r = bootRecord(p.n.require('Storage'));
  if (!r) return;
  api.set(0, 7, r.v);
  if (r.p) {
    // on trial: Updating until it registers (confirm) or the deadline passes
    api.set(0, 3, 3);
    p.n.setTimeout(function () {
      var x = record(p);
      if (!x.p) return;
      x.p = '';
      x.r = 8;
      putRecord(p.n.require('Storage'), x);
      p.n.E.reboot!();
    }, CONFIRM_MS);
  } else api.set(0, 5, r.r);
}

/** The client registered: a bundle on trial keeps itself (Update Result 1). */
function confirm(this: Port): void {
  var r = bootRecord(this.n.require('Storage'));
  if (!r || !r.p) return;
  r.c = r.p;
  r.p = '';
  r.t = 0;
  r.r = 1;
  putRecord(this.n.require('Storage'), r);
  if (this.api) this.api.updated(true);
}

/** Checks the header, manifest and signature's lengths and the manifest: 0, or an Update Result. */
function header(p: Port, s: Stream): number {
  var h = s.h;
  if (s.hl === 0 && s.o >= HEAD) {
    if (h[0] !== 76 || h[1] !== 87 || h[2] !== 70 || h[3] !== 87 || h[4] !== 1) return 6;
    s.hl = HEAD + ((h[6] << 8) | h[7]) + ((h[8] << 8) | h[9]);
    if (s.hl > 600) return 6;
  }
  if (s.hl === 0 || s.o < s.hl) return 0;
  var m: any = null;
  try {
    m = JSON.parse(utf8Decode(h.subarray(HEAD, HEAD + ((h[6] << 8) | h[7]))) || '');
  } catch (e) {
    return 6;
  }
  if (!m || m.t !== p.tg || h[5] !== 1 || typeof m.n !== 'number' || m.n < 1 || typeof m.h !== 'string' || m.h.length !== 64) return 6;
  var S = p.n.require('Storage');
  // room for the bundle (Storage.getFree: what a write can take without a compaction)
  if (S.getFree && m.n > S.getFree()) return 2;
  s.m = m;
  var r = record(p);
  s.f = r.c === SLOTS[0] ? SLOTS[1] : SLOTS[0];
  return 0;
}

/**
 * A piece of the package at byte `off` (blocks in order; `more`: others follow). Returns 0
 * while it goes on, or an Update Result (2 no room, 4 cut short, 6 not for this build): the
 * transfer is then over. After the last piece the check runs in slices and ends in
 * FirmwareApi.downloaded(0 or 5).
 */
function block(this: Port, off: number, data: Uint8Array, more: boolean): number {
  var p = this;
  if (off === 0) p.s = { o: 0, h: new Uint8Array(0), hl: 0, m: null, f: '', w: 0 };
  var s = p.s;
  if (!s || off !== s.o) return 4;
  var r = 0;
  var i = 0;
  if (!s.m) {
    // the head: kept in RAM (at most 600 bytes) until complete
    var need = s.hl ? s.hl - s.o : HEAD - s.o;
    var take = need > data.length ? data.length : need;
    var nh = new Uint8Array(s.o + take);
    nh.set(s.h);
    nh.set(data.subarray(0, take), s.o);
    s.h = nh;
    s.o += take;
    i = take;
    r = header(p, s);
    // a header whose lengths just became known: the rest of the head is in this block too
    if (!r && !s.m && s.hl && i < data.length) {
      take = s.hl - s.o > data.length - i ? data.length - i : s.hl - s.o;
      nh = new Uint8Array(s.o + take);
      nh.set(s.h);
      nh.set(data.subarray(i, i + take), s.o);
      s.h = nh;
      s.o += take;
      i += take;
      r = header(p, s);
    }
  }
  if (!r && i < data.length) {
    if (!s.m) r = 6;
    else if (s.w + data.length - i > s.m.n) r = 5;
    else {
      var S = p.n.require('Storage');
      var str = p.n.E.toString(i ? data.subarray(i) : data);
      // the first piece creates the file at its full size; the others fill it in place
      if (str === undefined || !(s.w ? S.write(s.f, str, s.w) : S.write(s.f, str, 0, s.m.n))) r = 2;
      s.w += data.length - i;
      s.o += data.length - i;
    }
  }
  if (!r && !more) r = s.m && s.w === s.m.n ? -1 : 4;
  if (r > 0) p.s = null;
  if (r < 0) {
    check(p);
    r = 0;
  }
  return r;
}

/** The whole package is in: SHA-256 of the bundle, then the signature in slices. */
function check(p: Port): void {
  var s = p.s as Stream;
  p.s = null;
  var n = p.n;
  var S = n.require('Storage');
  var c = n.require('crypto');
  var hex = '';
  var d = new Uint8Array(c.SHA256(S.read(s.f)));
  for (var i = 0; i < d.length; i++) hex += (d[i] < 16 ? '0' : '') + d[i].toString(16);
  var step: any = null;
  var done = function (ok: boolean): void {
    step = null;
    try {
      delete n.global.LwM2MV;
    } catch (e) {
      n.global.LwM2MV = undefined;
    }
    if (ok) {
      var r = record(p);
      r.v = s.m.v;
      r.p = '';
      r.r = 0;
      // where Update finds the bundle: s.f, not yet tried
      (r as any).n = s.f;
      putRecord(S, r);
      if (p.api) p.api.set(0, 7, s.m.v);
    } else S.erase(s.f);
    if (p.api) p.api.downloaded(ok ? 0 : 5);
  };
  var src = hex === s.m.h && p.vk ? S.read(VERIFIER) : undefined;
  if (src === undefined) return done(false);
  var v: any = null;
  try {
    v = n.global.eval(src + '\nLwM2MV');
    var h = s.h;
    var ml = (h[6] << 8) | h[7];
    var sig = h.subarray(HEAD + ml);
    var key = new Uint8Array(65);
    for (i = 0; i < 65; i++) key[i] = parseInt(p.vk.substr(2 * i, 2), 16);
    step = v.verify(key, new Uint8Array(c.SHA256(n.E.toString(h.subarray(0, HEAD + ml)))), sig.subarray(0, sig[1] + 2));
  } catch (e) {
    return done(false);
  }
  var tick = function (): void {
    var r = step();
    if (r) done(r === 1);
    else n.setTimeout(tick, 0);
  };
  n.setTimeout(tick, 0);
}

/** Update (Execute /5/0/2 in Downloaded): the downloaded bundle goes on trial at the next boot. */
function update(this: Port): void {
  var S = this.n.require('Storage');
  var r = record(this) as any;
  if (!r.n || !S.read(r.n)) {
    if (this.api) this.api.updated(false);
    return;
  }
  r.p = r.n;
  r.n = '';
  r.t = 0;
  putRecord(S, r);
  var n = this.n;
  // the Execute's 2.04 leaves first
  n.setTimeout(function () {
    n.E.reboot!();
  }, 500);
}

function download(this: Port, uri: string): void {
  // pull (Package URI) is not built yet: unsupported protocol
  if (this.api) this.api.downloaded(9);
}

/** The board's firmware port on Espruino's modules `n`, for build `target` and vendor key `vendorHex` (65-byte P-256 point). */
export function fotaPort(n: Natives, target: string, vendorHex: string): FirmwarePort {
  var p: Port = { n: n, tg: target, vk: vendorHex || '', api: null, block: block, update: update, download: download, boot: boot, confirm: confirm };
  return p;
}
