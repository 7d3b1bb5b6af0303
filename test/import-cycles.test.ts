// No import cycle in firmware/, objects/, transport/, sim/ (issue 17): tools/import-cycles.mjs,
// also run by tools/test.mjs before the tests. Type-only imports are erased and do not count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCycles, runtimeImports } from '../tools/import-cycles.mjs';

test('import-cycles: the device tree and the simulator have no import cycle', () => {
  assert.deepEqual(findCycles(), []);
});

test('import-cycles: type-only imports and re-exports do not count, the others do', () => {
  const src = [
    "import type { A } from './a';",
    "import { type B, type C } from './b';",
    "export type { D } from './d';",
    "export { type E } from './e';",
    "import { F, type G } from './f';",
    "import * as H from './h';",
    "import './i';",
    "export * from './j';",
    "export { K } from './k';",
    "const l = await import('./l');",
  ].join('\n');
  assert.deepEqual(runtimeImports(src), ['./f', './h', './i', './j', './k']);
});

test('import-cycles: finds a cycle through an index file and names its files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cycles-'));
  try {
    mkdirSync(join(dir, 'src/fmt'), { recursive: true });
    writeFileSync(join(dir, 'src/fmt/index.ts'), "import { x } from './x';\nexport var y = x;\n");
    writeFileSync(join(dir, 'src/fmt/x.ts'), "import { z } from '../z.js';\nexport var x = 1;\nexport var w = z;\n");
    writeFileSync(join(dir, 'src/z.ts'), "import { y } from './fmt';\nexport var z = y;\n");
    writeFileSync(join(dir, 'src/t.ts'), "import type { y } from './fmt/index';\nexport type T = typeof y;\n");
    assert.deepEqual(findCycles(['src'], dir), [['src/fmt/index.ts', 'src/fmt/x.ts', 'src/z.ts']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
