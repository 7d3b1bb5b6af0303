// Every object definition in objects/core/defs.ts against the OMA registry XML of
// the version it announces (../shared/lwm2m-objects/, current or version_history/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { allDefs, objDef } from '../../objects/core/defs';
import { ObjDef, defId, defVer, defMi, R, W, EX as E, M, MAND } from '../../objects/core/types';

const DIR = join(import.meta.dirname, '../../../../shared/lwm2m-objects');
const SHARED = existsSync(DIR) ? DIR : '/work/shared/lwm2m-objects';
const TYPES: Record<string, number> = { String: 1, Integer: 2, 'Unsigned Integer': 3, Float: 4, Boolean: 5, Opaque: 6, Time: 7, Objlnk: 8, Corelnk: 9, '': 0 };

function xmlFor(def: ObjDef): string {
  const id = defId(def);
  const ver = defVer(def);
  const cur = join(SHARED, `${id}.xml`);
  const hist = join(SHARED, 'version_history', `${id}-${ver.replace('.', '_')}.xml`);
  const tag = (x: string, t: string) => (x.match(new RegExp(`<${t}>([^<]*)</${t}>`)) || [])[1]?.trim() ?? '';
  for (const f of [hist, cur]) {
    if (!existsSync(f)) continue;
    const x = readFileSync(f, 'utf8');
    if ((tag(x, 'ObjectVersion') || '1.0') === ver) return x;
  }
  throw new Error(`no XML for object ${id} version ${ver}`);
}

const defs = allDefs();

test('ten object definitions', () => {
  assert.deepEqual(defs.map(defId).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 3303, 3338]);
});

test('objDef(oid) is the entry of that object in the table, null for an unknown object', () => {
  for (const d of defs) assert.deepEqual(objDef(defId(d)), d);
  assert.equal(objDef(8), null);
  assert.equal(objDef(3304), null);
});

for (const def of defs) {
  test(`object ${defId(def)} v${defVer(def)} matches the OMA XML`, () => {
    const x = xmlFor(def);
    const head = x.slice(0, x.indexOf('<Resources>'));
    assert.equal(/<MultipleInstances>\s*Multiple/.test(head), defMi(def), 'object multiple instances');
    // The info word holds the version and MI only; n counts the pairs that follow.
    assert.equal(def[1] & ~0x1ff, 0, 'info word');
    assert.equal(def.length, 3 + 2 * def[2], 'resource count');
    const lwm2m = (head.match(/<LWM2MVersion>([^<]*)</) || [])[1] || '1.0';
    assert.ok(parseFloat(lwm2m) <= 1.1, `LWM2MVersion ${lwm2m} > 1.1`);
    const items = new Map<number, number>();
    const mandatory: number[] = [];
    for (const m of x.matchAll(/<Item ID="(\d+)">([\s\S]*?)<\/Item>/g)) {
      const g = (t: string) => (m[2].match(new RegExp(`<${t}>([^<]*)</${t}>`)) || [])[1]?.trim() ?? '';
      const ops = g('Operations');
      let f = TYPES[g('Type')];
      assert.notEqual(f, undefined, `type ${g('Type')}`);
      if (ops.includes('R')) f |= R;
      if (ops.includes('W')) f |= W;
      if (ops.includes('E')) f |= E;
      if (g('MultipleInstances') === 'Multiple') f |= M;
      if (g('Mandatory') === 'Mandatory') {
        f |= MAND;
        mandatory.push(+m[1]);
      }
      items.set(+m[1], f);
    }
    const mine = new Map<number, number>();
    for (let i = 3; i < def.length; i += 2) {
      assert.ok(!mine.has(def[i]), `resource ${def[i]} twice`);
      mine.set(def[i], def[i + 1]);
      assert.equal(def[i + 1], items.get(def[i]), `resource ${defId(def)}/${def[i]} flags`);
    }
    for (const id of mandatory) assert.ok(mine.has(id), `mandatory resource ${defId(def)}/${id} missing`);
  });
}
