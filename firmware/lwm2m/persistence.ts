// Persistence of the accounts (objects 0, 1, 2) after Bootstrap-Finish, so a reboot
// registers without bootstrapping again. Two slots, A and B: a save writes the slot
// not holding the newest record, with a sequence number and a checksum, and never
// touches the other. A power cut at any point leaves the old record (the new one is
// missing or fails its checksum) or the new one — never a broken configuration.
//
// Beside them, the same way, each server account's DTLS session (transport/dtls/resume.ts),
// so a reboot or a new address resumes it (an abbreviated handshake: no key exchange, no
// public-key operation) instead of a full handshake. A session is kept with a check of the
// credentials it was made with (the Security instance's URI, mode and keys): offered only
// with those, discarded when they changed or its record fails the check, and all server
// sessions are dropped after a bootstrap.
import type { CryptoBackend, Storage } from '../../transport/ports';
import type { Registry } from '../../objects/core/registry';
import { concat, equal, toHex, fromHex, utf8Encode, utf8Decode } from '../../transport/bytes';

export var SLOT_A = 'lwm2m.acc.a';
export var SLOT_B = 'lwm2m.acc.b';
// (The two file names below, and the objects saved, 0 to 2, are written where they are used, in
// accountStore(): held at top level, each would cost Espruino variables for good.)

interface Record {
  seq: number;
  /** The record's bytes (without sequence number and checksum). */
  b: Uint8Array;
}

export interface AccountStore {
  /** Saves objects 0, 1, 2 of `reg` into the slot that does not hold the newest record. */
  save(reg: Registry): void;
  /** Restores objects 0, 1, 2 from the newest valid record; false when there is none. */
  load(reg: Registry): boolean;
  /** Factory Reset: forget the accounts and the sessions. */
  clear(): void;
  /**
   * The DTLS session kept for server account `ssid` (-1: the Bootstrap-Server) whose Security
   * instance is `sec`, if it was made with `sec`'s credentials; a record that fails its check
   * is erased. null when none.
   */
  session(ssid: number, sec: any, c: CryptoBackend): Uint8Array | null;
  /** Keeps session record `ses` (DtlsEvent.ses) for `ssid` made with `sec`'s credentials; an empty one erases. */
  keep(ssid: number, sec: any, c: CryptoBackend, ses: Uint8Array): void;
  /** After a bootstrap: the server accounts' sessions go (the Bootstrap-Server's stays, under its check). */
  drop(): void;
  /** The verification table kept for `ssid`'s pinned key, or null (none, or it fails its check: erased). */
  table(ssid: number, c: CryptoBackend): Uint8Array | null;
  /** Keeps verification table `t` for `ssid`. */
  keepTable(ssid: number, c: CryptoBackend, t: Uint8Array): void;
}

/**
 * The accounts in storage `st`. Built for each save, load or clear and dropped after it:
 * the device saves once per bootstrap and loads once per power-up, so on Espruino these
 * functions cost variables only while they run (docs/memory.md, "Code loaded on demand").
 * With crypto backend `c` (the device always gives it) records are checked by SHA-256 (sum()
 * below); session() and keep() use the backend they are given.
 */
export function accountStore(st: Storage, c?: CryptoBackend): AccountStore {
  /** A server account's session: SESSION + Short Server ID (b for the Bootstrap-Server) + '.a' / '.b'. */
  var SESSION = 'lwm2m.ses';
  /**
   * A server account's verification table of its pinned public key (RPK: the handshake's
   * verification of the server's signature makes it once, transport/dtls/rpk.ts; `npm run flash`
   * writes the Bootstrap-Server's): TABLE + Short Server ID (b for the Bootstrap-Server), the
   * table and 8 bytes of its SHA-256. One file: a torn write fails the check, and the next
   * handshake makes the table again; a table of another key is not used (the verification checks).
   */
  var TABLE = 'lwm2m.vt';

  /**
   * FNV-1a, 32 bits: detects a torn write (not an attacker: the storage is the device's own).
   * The check of records written without a crypto backend, and by firmware before 2026-12-07.
   */
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

  /**
   * A record's check: with a crypto backend the first 4 bytes of SHA-256 (one native call on the
   * board, where FNV's loop costs ~65 k instructions a byte: 35 M of a PSK first boot), else FNV-1a.
   */
  function sum(b: Uint8Array, end: number): number {
    if (!c) return fnv(b, end);
    var h = c.sha256(b.subarray(0, end));
    return ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
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
    var want = ((b[n + 4] << 24) | (b[n + 5] << 16) | (b[n + 6] << 8) | b[n + 7]) >>> 0;
    // a record older firmware wrote carries FNV-1a: still accepted (the next save writes the new check)
    if (want !== sum(b, n + 4) && (!c || want !== fnv(b, n + 4))) return null;
    var seq = ((b[n] << 24) | (b[n + 1] << 16) | (b[n + 2] << 8) | b[n + 3]) >>> 0;
    return { seq: seq, b: b.subarray(0, n) };
  }

  /** The newest valid record of the two slots `base`.a and `base`.b, and its slot name. */
  function newest(base: string): { rec: Record | null; slot: string } {
    var a = load1(base + '.a');
    var b = load1(base + '.b');
    if (a && (!b || a.seq >= b.seq)) return { rec: a, slot: base + '.a' };
    if (b) return { rec: b, slot: base + '.b' };
    return { rec: null, slot: '' };
  }

  /** The accounts' record, parsed; null when there is none or it is not JSON. */
  function accounts(): { seq: number; o: any } | null {
    var r = newest('lwm2m.acc').rec;
    var s = r ? utf8Decode(r.b) : null;
    if (s === null) return null;
    try {
      return { seq: r!.seq, o: JSON.parse(s) };
    } catch (e) {
      return null;
    }
  }

  /** Saves objects 0, 1, 2 of `reg` into the slot that does not hold the newest record. */
  function save(reg: Registry): void {
    var o: any = {};
    // the objects 0, 1, 2
    for (var oid = 0; oid < 3; oid++) {
      var obj = reg.obj(oid);
      if (obj) o[oid] = enc(obj.i);
    }
    write('lwm2m.acc', utf8Encode(JSON.stringify(o)));
  }

  /** Writes `body` into the slot of `base` that does not hold the newest record. */
  function write(base: string, body: Uint8Array): void {
    var cur = newest(base);
    var seq = cur.rec ? (cur.rec.seq + 1) >>> 0 : 1;
    var out = new Uint8Array(body.length + 8);
    out.set(body, 0);
    var n = body.length;
    out[n] = seq >>> 24;
    out[n + 1] = (seq >> 16) & 255;
    out[n + 2] = (seq >> 8) & 255;
    out[n + 3] = seq & 255;
    var h = sum(out, n + 4);
    out[n + 4] = h >>> 24;
    out[n + 5] = (h >> 16) & 255;
    out[n + 6] = (h >> 8) & 255;
    out[n + 7] = h & 255;
    st.write(cur.slot === base + '.a' ? base + '.b' : base + '.a', out);
  }

  /** Restores objects 0, 1, 2 from the newest valid record; false when there is none. */
  function load(reg: Registry): boolean {
    var cur = accounts();
    if (!cur) return false;
    // the objects 0, 1, 2
    for (var oid = 0; oid < 3; oid++) {
      var obj = reg.obj(oid);
      var inst = cur.o[oid];
      if (!obj || !inst) continue;
      obj.i = dec(inst);
    }
    return true;
  }

  /** Erases every file whose name starts with `prefix`, but `keep`'s. */
  function erase(prefix: string, keep: string): void {
    var l = st.list(prefix);
    for (var i = 0; i < l.length; i++) if (!keep || l[i].indexOf(keep) !== 0) st.erase(l[i]);
  }

  /** 8 bytes of SHA-256 over the Security instance's URI (0), mode (2), keys (3, 4, 5): what a kept session was made with. */
  function check(sec: any, c: CryptoBackend): Uint8Array {
    var parts = [utf8Encode(sec[0] + ' ' + sec[2])];
    for (var r = 3; r < 6; r++) {
      var v = sec[r] instanceof Uint8Array ? sec[r] : utf8Encode('' + (sec[r] || ''));
      parts.push(new Uint8Array([v.length >> 8, v.length & 255]), v);
    }
    return c.sha256(concat(parts)).subarray(0, 8);
  }

  /** `base` + the account's Short Server ID, b for the Bootstrap-Server. */
  function name(ssid: number, base?: string): string {
    return (base || SESSION) + (ssid < 0 ? 'b' : ssid);
  }

  return {
    save: save,
    load: load,
    clear: function (): void {
      erase('lwm2m.acc', '');
      erase(SESSION, '');
      erase(TABLE, '');
    },
    session: function (ssid: number, sec: any, cb: CryptoBackend): Uint8Array | null {
      c = cb;
      var r = newest(name(ssid)).rec;
      if (!r) return null;
      if (r.b.length > 8 && equal(r.b.subarray(0, 8), check(sec, cb))) return r.b.subarray(8);
      erase(name(ssid) + '.', '');
      return null;
    },
    keep: function (ssid: number, sec: any, cb: CryptoBackend, ses: Uint8Array): void {
      c = cb;
      if (ses.length) write(name(ssid), concat([check(sec, cb), ses]));
      else erase(name(ssid) + '.', '');
    },
    drop: function (): void {
      erase(SESSION, name(-1) + '.');
    },
    table: function (ssid: number, cb: CryptoBackend): Uint8Array | null {
      var f = name(ssid, TABLE), b = st.read(f);
      if (!b) return null;
      var n = b.length - 8;
      if (n > 0 && equal(b.subarray(n), cb.sha256(b.subarray(0, n)).subarray(0, 8))) return b.subarray(0, n);
      st.erase(f);
      return null;
    },
    keepTable: function (ssid: number, cb: CryptoBackend, t: Uint8Array): void {
      st.write(name(ssid, TABLE), concat([t, cb.sha256(t).subarray(0, 8)]));
    },
  };
}
