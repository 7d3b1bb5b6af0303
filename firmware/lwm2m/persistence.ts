// Persistence of the accounts (objects 0, 1, 2) after Bootstrap-Finish, so a reboot
// registers without bootstrapping again. Two slots, A and B: a save writes the slot
// not holding the newest record, with a sequence number and a checksum, and never
// touches the other. A power cut at any point leaves the old record (the new one is
// missing or fails its checksum) or the new one — never a broken configuration.
import type { Storage } from '../../transport/ports';
import type { Registry } from '../../objects/core/registry';
import { toHex, fromHex, utf8Encode, utf8Decode } from '../../transport/bytes';

export var SLOT_A = 'lwm2m.acc.a';
export var SLOT_B = 'lwm2m.acc.b';
var OIDS = [0, 1, 2];

interface Record {
  seq: number;
  o: any;
}

export interface AccountStore {
  /** Saves objects 0, 1, 2 of `reg` into the slot that does not hold the newest record. */
  save(reg: Registry): void;
  /** Restores objects 0, 1, 2 from the newest valid record; false when there is none. */
  load(reg: Registry): boolean;
  /** Factory Reset: forget the accounts. */
  clear(): void;
}

/**
 * The accounts in storage `st`. Built for each save, load or clear and dropped after it:
 * the device saves once per bootstrap and loads once per power-up, so on Espruino these
 * functions cost variables only while they run (docs/memory.md, "Code loaded on demand").
 */
export function accountStore(st: Storage): AccountStore {
  /** FNV-1a, 32 bits: detects a torn write (not an attacker: the storage is the device's own). */
  function fnv(b: Uint8Array, end: number): number {
    var h = 0x811c9dc5;
    for (var i = 0; i < end; i++) {
      h ^= b[i];
      h = (h + ((h << 1) + (h << 4) + (h << 7) + (h << 8) + (h << 24))) >>> 0;
    }
    return h >>> 0;
  }

  /** A value as JSON: strings 's…', opaque 'h<hex>', numbers and booleans as they are. */
  function enc(v: any): any {
    if (typeof v === 'string') return 's' + v;
    if (v instanceof Uint8Array || (v && typeof v.length === 'number' && typeof v.subarray === 'function')) return 'h' + toHex(v);
    if (typeof v === 'object') {
      var m: any = {};
      for (var k in v) if (v.hasOwnProperty(k)) m[k] = enc(v[k]);
      return m;
    }
    return v;
  }

  function dec(v: any): any {
    if (typeof v === 'string') return v.charAt(0) === 'h' ? fromHex(v.substring(1)) : v.substring(1);
    if (v && typeof v === 'object') {
      var m: any = {};
      for (var k in v) if (v.hasOwnProperty(k)) m[k] = dec(v[k]);
      return m;
    }
    return v;
  }


  function load1(name: string): Record | null {
    var b = st.read(name);
    if (!b || b.length < 8) return null;
    var n = b.length - 8;
    var sum = ((b[n + 4] << 24) | (b[n + 5] << 16) | (b[n + 6] << 8) | b[n + 7]) >>> 0;
    if (fnv(b, n + 4) !== sum) return null;
    var seq = ((b[n] << 24) | (b[n + 1] << 16) | (b[n + 2] << 8) | b[n + 3]) >>> 0;
    var s = utf8Decode(b, 0, n);
    if (s === null) return null;
    try {
      return { seq: seq, o: JSON.parse(s) };
    } catch (e) {
      return null;
    }
  }

  function newest(): { rec: Record | null; slot: string } {
    var a = load1(SLOT_A);
    var b = load1(SLOT_B);
    if (a && (!b || a.seq >= b.seq)) return { rec: a, slot: SLOT_A };
    if (b) return { rec: b, slot: SLOT_B };
    return { rec: null, slot: '' };
  }

  /** Saves objects 0, 1, 2 of `reg` into the slot that does not hold the newest record. */
  function save(reg: Registry): void {
    var cur = newest();
    var o: any = {};
    for (var i = 0; i < OIDS.length; i++) {
      var obj = reg.obj(OIDS[i]);
      if (obj) o[OIDS[i]] = enc(obj.i);
    }
    var body = utf8Encode(JSON.stringify(o));
    var seq = cur.rec ? (cur.rec.seq + 1) >>> 0 : 1;
    var out = new Uint8Array(body.length + 8);
    out.set(body, 0);
    var n = body.length;
    out[n] = seq >>> 24;
    out[n + 1] = (seq >> 16) & 255;
    out[n + 2] = (seq >> 8) & 255;
    out[n + 3] = seq & 255;
    var sum = fnv(out, n + 4);
    out[n + 4] = sum >>> 24;
    out[n + 5] = (sum >> 16) & 255;
    out[n + 6] = (sum >> 8) & 255;
    out[n + 7] = sum & 255;
    st.write(cur.slot === SLOT_A ? SLOT_B : SLOT_A, out);
  }

  /** Restores objects 0, 1, 2 from the newest valid record; false when there is none. */
  function load(reg: Registry): boolean {
    var cur = newest();
    if (!cur.rec) return false;
    for (var i = 0; i < OIDS.length; i++) {
      var obj = reg.obj(OIDS[i]);
      var inst = cur.rec.o[OIDS[i]];
      if (!obj || !inst) continue;
      obj.i = dec(inst);
    }
    return true;
  }

  /** Factory Reset: forget the accounts. */
  function clear(): void {
    st.erase(SLOT_A);
    st.erase(SLOT_B);
  }

  return { save: save, load: load, clear: clear };
}
