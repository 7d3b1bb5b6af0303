// tools/pretokenise.mjs with { numbers: true } is byte for byte what Espruino's own tokeniser
// (E.setFlags({pretokenise:1}), src/jslex.c) makes of the same code: every bundle the build writes, cut
// into runs of top-level statements, each tokenised by Espruino as a function's body. (What a board's
// Storage gets keeps its integers as written, the one difference: tools/pretokenise.mjs says why.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'acorn';
import { runEspruino } from '../helpers/espruino';
import { espruinoSkip } from '../board/espruino-proc';
import { storeFileCode } from '../../tools/espruino/bin.mjs';
import { pretokenise } from '../../tools/pretokenise.mjs';

const skip = espruinoSkip();
const DIST = join(import.meta.dirname, '../../dist');
const BUNDLES = ['firmware.js', 'firmware-rpk.js', 'firmware-rpk-ed25519.js', 'fw-verify.js', 'fw-verify-ed25519.js'];

for (const name of BUNDLES) {
  test(`dist/${name} pretokenised as Espruino itself tokenises it`, { skip }, () => {
    const path = join(DIST, name);
    assert.ok(existsSync(path), `${path} missing: npm run build`);
    const code = readFileSync(path, 'utf8');
    // runs of top-level statements of at most ~3 KB (one statement may be longer), as byte offsets in the file
    const runs: [number, number][] = [];
    for (const st of (parse(code, { ecmaVersion: 5 }) as unknown as { body: { start: number; end: number }[] }).body) {
      const last = runs[runs.length - 1];
      if (last && st.end - last[0] <= 3000) last[1] = st.end;
      else runs.push([st.start, st.end]);
    }
    const bytesAt = (o: number) => Buffer.byteLength(code.slice(0, o));
    const dir = mkdtempSync(join(tmpdir(), 'pretokenise-'));
    try {
      const plain = join(dir, 'bundle.src'); // not `.js`: stored as it is, for Espruino to tokenise
      copyFileSync(path, plain);
      const { out } = runEspruino(`${storeFileCode('b.js', plain)}
E.setFlags({pretokenise:1});
var s=require('Storage').read('b.js'), R=${JSON.stringify(runs.map((r) => r.map(bytesAt)))};
R.forEach(function(r,i){ try { print('T'+i+' '+btoa(E.toString(eval('(function(){'+s.substring(r[0],r[1])+'\\n})')['\\xFFcod']))); } catch(e) { print('E'+i+' '+e); } });
print('DONE');quit();
`, 120);
      assert.match(out, /DONE/, out.slice(-2000));
      let same = 0;
      for (const m of out.matchAll(/^([TE])(\d+) (.*)$/gm)) {
        const i = +m[2];
        assert.equal(m[1], 'T', `Espruino could not read statements ${runs[i]}: ${m[3]}`);
        const theirs = Buffer.from(m[3], 'base64').toString('latin1');
        const ours = pretokenise(code.slice(runs[i][0], runs[i][1]), { numbers: true }); // as Espruino does: integers raw
        if (ours !== theirs) {
          let k = 0;
          while (ours[k] === theirs[k]) k++;
          assert.fail(`statements ${runs[i]} differ at byte ${k}: Espruino ${JSON.stringify(theirs.slice(Math.max(0, k - 30), k + 30))}, ours ${JSON.stringify(ours.slice(Math.max(0, k - 30), k + 30))}`);
        }
        same++;
      }
      assert.equal(same, runs.length, `${same} of ${runs.length} runs compared`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
