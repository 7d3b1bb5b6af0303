// Shared test helpers for the object model.
import { allDefs } from '../../objects/core/defs';
import { ObjDef, Rec, resFlags, defId, MI } from '../../objects/core/types';

export const DEFS = allDefs();
/** A definition in the device's layout (core/types.ts ObjDef) for a test object: version 'x.y', pairs (rid, flags). */
export function mkDef(id: number, ver: string, mi: boolean, r: number[]): ObjDef {
  const [maj, min] = ver.split('.').map(Number);
  return [id, (maj << 4) | min | (mi ? MI : 0), r.length / 2, ...r];
}
/** typeOf over the ten definitions (plus extra test objects), -1 unknown. */
export function typeOf(extra: ObjDef[] = []) {
  return (oid: number, rid: number): number => {
    const d = [...DEFS, ...extra].find((x) => defId(x) === oid);
    const f = d ? resFlags(d, rid) : -1;
    return f < 0 ? -1 : f & 15;
  };
}
export const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/[\s,]|0x/g, ''), 'hex'));
export const toHex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : 'null');
export const str = (s: string) => Buffer.from(s, 'utf8').toString('hex');
/** Records from a compact description: [path, type, value]. */
export const recs = (l: [number[], number, any][]): Rec[] => l.map(([p, t, v]) => ({ p, t, v }));
/** Deterministic PRNG (mulberry32) for fuzzing. */
export function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
