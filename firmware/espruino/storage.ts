// Storage on Espruino's require('Storage') (ESPRUINO.md "Storage"): binary-safe
// strings, names over 28 characters silently truncated (so they are refused here),
// zero-length writes throw (so an empty value erases the file: read() then gives null).
import type { Storage } from '../../transport/ports';
import type { EspStorage, Natives } from './native';

export var MAX_NAME = 28;

export function checkName(name: string): void {
  if (name.length === 0 || name.length > MAX_NAME) throw new Error('Storage name must be 1-28 chars: ' + name);
}

export class EspruinoStorage implements Storage {
  n: Natives;
  s: EspStorage;
  constructor(n: Natives) {
    this.n = n;
    this.s = n.require('Storage');
  }
  read(name: string): Uint8Array | null {
    checkName(name);
    var v = this.s.read(name);
    if (v === undefined) return null;
    // a copy in RAM: the flash-backed string moves when Storage compacts
    return this.n.E.toUint8Array(v);
  }
  write(name: string, data: Uint8Array): void {
    checkName(name);
    if (data.length === 0) {
      this.s.erase(name);
      return;
    }
    var str = this.n.E.toString(data);
    if (str === undefined) throw new Error('out of memory');
    if (!this.s.write(name, str)) throw new Error('Storage full');
  }
  erase(name: string): void {
    checkName(name);
    this.s.erase(name);
  }
  list(prefix: string): string[] {
    var all = this.s.list();
    var out: string[] = [];
    for (var i = 0; i < all.length; i++) if (all[i].indexOf(prefix) === 0) out.push(all[i]);
    out.sort();
    return out;
  }
}

// ---- atomic records: "write the new record, then switch" -------------------------
// Two slots, NAME.a and NAME.b (NAME ≤ 26 characters). A record is
//   'R' seq(4, big-endian) len(4) data(len) crc32(4 over seq..data)
// and the valid record with the higher seq wins. Writing goes to the slot NOT holding
// the current record, in two flash writes (header+data with the final size reserved,
// then the trailer), and only then erases the old slot. A power cut at any point
// leaves either the old record (new slot absent, or its trailer still 0xFF so the CRC
// fails) or the new one (complete, higher seq). `cut` lets tests stop after any step.

// A Uint32Array: on Espruino an Array costs a variable per element, this one 5 in all.
var CRC_T = new Uint32Array([
  0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
  0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c, 0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
]);

/** CRC-32 (IEEE 802.3, reflected 0xEDB88320), a nibble at a time: a 16-entry table keeps RAM small. */
export function crc32(b: Uint8Array, start: number, end: number): number {
  var c = 0xffffffff;
  for (var i = start; i < end; i++) {
    c ^= b[i];
    c = (c >>> 4) ^ CRC_T[c & 15];
    c = (c >>> 4) ^ CRC_T[c & 15];
  }
  return (c ^ 0xffffffff) >>> 0;
}

function put32(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 24) & 255;
  b[off + 1] = (v >>> 16) & 255;
  b[off + 2] = (v >>> 8) & 255;
  b[off + 3] = v & 255;
}

function get32(b: Uint8Array, off: number): number {
  return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
}

var HEAD = 9;

/** Parses one slot; null if absent, torn or corrupt. */
function parseSlot(raw: Uint8Array | null): { seq: number; data: Uint8Array } | null {
  if (!raw || raw.length < HEAD + 4 || raw[0] !== 0x52) return null;
  var len = get32(raw, 5);
  if (HEAD + len + 4 !== raw.length) return null;
  if (crc32(raw, 1, HEAD + len) !== get32(raw, HEAD + len)) return null;
  return { seq: get32(raw, 1), data: new Uint8Array(raw.subarray(HEAD, HEAD + len)) };
}

export class AtomicRecord {
  n: Natives;
  s: EspStorage;
  a: string;
  b: string;
  constructor(n: Natives, name: string) {
    if (name.length === 0 || name.length > MAX_NAME - 2) throw new Error('record name must be 1-26 chars: ' + name);
    this.n = n;
    this.s = n.require('Storage');
    this.a = name + '.a';
    this.b = name + '.b';
  }
  slot(name: string): { seq: number; data: Uint8Array } | null {
    var v = this.s.read(name);
    return v === undefined ? null : parseSlot(this.n.E.toUint8Array(v));
  }
  /** The newest complete record, or null. */
  read(): Uint8Array | null {
    var ra = this.slot(this.a);
    var rb = this.slot(this.b);
    if (ra && rb) return ra.seq > rb.seq ? ra.data : rb.data;
    return ra ? ra.data : rb ? rb.data : null;
  }
  /** Writes `data` as the new record. `cut(step)` returning true stops there (a simulated power cut). */
  write(data: Uint8Array, cut?: (step: number) => boolean): boolean {
    var ra = this.slot(this.a);
    var rb = this.slot(this.b);
    var cur = ra && (!rb || ra.seq > rb.seq) ? this.a : rb ? this.b : null;
    var seq = ra && rb ? Math.max(ra.seq, rb.seq) : ra ? ra.seq : rb ? rb.seq : 0;
    var target = cur === this.a ? this.b : this.a;
    var rec = new Uint8Array(HEAD + data.length + 4);
    rec[0] = 0x52;
    put32(rec, 1, (seq + 1) >>> 0);
    put32(rec, 5, data.length);
    rec.set(data, HEAD);
    put32(rec, HEAD + data.length, crc32(rec, 1, HEAD + data.length));
    var E = this.n.E;
    // 1: the target slot holds an older or torn record: clear it
    this.s.erase(target);
    if (cut && cut(1)) return false;
    // 2: header and data, the file created at its final size (trailer still erased flash)
    var body = E.toString(new Uint8Array(rec.subarray(0, HEAD + data.length)));
    if (body === undefined || !this.s.write(target, body, 0, rec.length)) return false;
    if (cut && cut(2)) return false;
    // 3: the trailer completes the record: from here it is the newest
    var tail = E.toString(new Uint8Array(rec.subarray(HEAD + data.length)));
    if (tail === undefined || !this.s.write(target, tail, HEAD + data.length)) return false;
    if (cut && cut(3)) return false;
    // 4: the old record is no longer needed
    if (cur !== null) this.s.erase(cur);
    return true;
  }
}
