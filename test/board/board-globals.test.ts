// The bundle runs at the board's top level (tools/build.mjs pass 3), beside the owner's own
// script: its top-level names must stay out of that script's way (pass 9: all `$`-prefixed). A
// script that declares every one- and two-character global there is (`var t = 0, n = 0, …`, the
// names terser gives) must leave the firmware working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'acorn';
import { loadFirmware } from '../../sim/espruino-vm';

const DIST = (f: string) => join(import.meta.dirname, '../../dist', f);
const KEYWORDS = new Set(['do', 'if', 'in']);
const CH = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_';
const SHORT: string[] = [];
for (const a of CH) {
  SHORT.push(a);
  for (const b of CH + '0123456789') if (!KEYWORDS.has(a + b)) SHORT.push(a + b);
}

for (const f of ['firmware.js', 'firmware-rpk.js', 'firmware-rpk-ed25519.js']) {
  test(`${f}: every top-level name but LwM2M starts with $`, () => {
    const bare: string[] = [];
    for (const st of parse(readFileSync(DIST(f), 'utf8'), { ecmaVersion: 5 }).body as any[]) {
      const names = st.type === 'VariableDeclaration' ? st.declarations.map((d: any) => d.id.name) : st.type === 'FunctionDeclaration' ? [st.id.name] : [];
      for (const n of names) if (n !== 'LwM2M' && !n.startsWith('$')) bare.push(n);
    }
    assert.deepEqual(bare, []);
  });
}

test('firmware.js: a board script that declares every 1–2 character global leaves the bundle working', () => {
  const { ctx } = loadFirmware(DIST('firmware.js'), {});
  ctx.run(`var ${SHORT.map((n) => n + '=0').join(',')};`);
  const out = ctx.run(`(function () {
    var c = LwM2M.coap;
    var m = c.decode(c.encode({ type: c.TYPE.CON, code: c.CODE.GET, mid: 7, token: LwM2M.fromHex('0102'), options: [], payload: LwM2M.utf8Encode('hi') }));
    return m.mid + ' ' + m.code + ' ' + LwM2M.toHex(m.token) + ' ' + LwM2M.utf8Decode(m.payload) + ' ' + LwM2M.lwm2m.stateName(LwM2M.lwm2m.REGISTERED);
  })()`);
  assert.equal(out, '7 1 0102 hi registered');
});
