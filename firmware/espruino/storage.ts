// Storage on Espruino's require('Storage') (ESPRUINO.md "Storage"): binary-safe
// strings, names over 28 characters silently truncated (so they are refused here),
// zero-length writes throw (so an empty value erases the file: read() then gives null).
// Crash safety is the layer above's: persistence (firmware/lwm2m/persistence.ts) writes the
// slot not holding the newest record and checks a sequence number and a checksum on load.
import type { Storage } from '../../transport/ports';
import type { EspStorage, Natives } from './native';

export var MAX_NAME = 28;

/**
 * Each method that takes a name checks it itself (1 to MAX_NAME characters): a shared helper would
 * be a top-level function held at load (5 variables, docs/memory.md rule 1).
 */
export class EspruinoStorage implements Storage {
  n: Natives;
  s: EspStorage;
  constructor(n: Natives) {
    this.n = n;
    this.s = n.require('Storage');
  }
  read(name: string): Uint8Array | null {
    if (name.length === 0 || name.length > MAX_NAME) throw new Error('Storage name must be 1-28 chars: ' + name);
    var v = this.s.read(name);
    if (v === undefined) return null;
    // a copy in RAM: the flash-backed string moves when Storage compacts
    return this.n.E.toUint8Array(v);
  }
  write(name: string, data: Uint8Array): void {
    if (name.length === 0 || name.length > MAX_NAME) throw new Error('Storage name must be 1-28 chars: ' + name);
    if (data.length === 0) {
      this.s.erase(name);
      return;
    }
    var str = this.n.E.toString(data);
    if (str === undefined) throw new Error('out of memory');
    if (!this.s.write(name, str)) throw new Error('Storage full');
  }
  erase(name: string): void {
    if (name.length === 0 || name.length > MAX_NAME) throw new Error('Storage name must be 1-28 chars: ' + name);
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
