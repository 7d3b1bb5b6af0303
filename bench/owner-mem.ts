// npm run mem:owner [-- --security psk|nosec]: what the owner's objects cost in Espruino variables
// on the board's stand-in (needs the Espruino build, as mem:report). Generates owner-objects.js
// for Humidity 3304, Power Control 3312 and Push button 3347 from registry XML (sim/ipso-xml.ts)
// and runs `npm run mem:report -- --app …` (registered, one observation) three times:
//   none     start(global, { objects: [] })
//   sensor   one Humidity object, one instance holding three resource values (5700, 5601, 5701)
//   example  docs/examples/greenhouse.js (three objects, a timer and a pin watch)
// The sensor's cost is its run minus none's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeExampleXml } from '../sim/ipso-xml';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const security = args[0] === '--security' && (args[1] === 'nosec' || args[1] === 'psk') ? args[1] : args.length ? '' : 'psk';
if (!security) {
  console.error(`mem:owner: bad argument '${args.join(' ')}' (--security psk|nosec)`);
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'mem-owner-'));
try {
  const gen = spawnSync(process.execPath, [join(root, 'tools/objects.mjs'), ...writeExampleXml(dir).slice(0, 3), '-o', join(dir, 'owner-objects.js')], { encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(gen.stderr);
  writeFileSync(join(dir, 'none.js'), 'LwM2M.espruino.start(global, { objects: [] });\n');
  writeFileSync(join(dir, 'sensor.js'), "var sensor = { def: lwm2mDef(3304), inst: { 0: { 5700: 41.5, 5601: 40.25, 5701: '%RH' } } };\nLwM2M.espruino.start(global, { objects: [sensor] });\n");
  const run = (app: string): number => {
    const r = spawnSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'bench/mem-report.ts'), '--security', security, '--min', '100000', '--app', join(dir, 'owner-objects.js'), '--app', app], { encoding: 'utf8', timeout: 300000 });
    const m = /registered with one observation: (\d+) of (\d+)/.exec(r.stdout);
    if (!m) throw new Error(`mem:report --app ${app} failed:\n${r.stdout}${r.stderr}`);
    console.log(r.stdout.split('\n')[0].replace(/^/, `${app.split('/').pop()}: `));
    return +m[1];
  };
  const none = run(join(dir, 'none.js'));
  const sensor = run(join(dir, 'sensor.js'));
  const example = run(join(root, 'docs/examples/greenhouse.js'));
  console.log(`${security}: one owner sensor object (3304, one instance, three values) at rest: ${sensor - none} variables; ` +
    `the greenhouse example (three objects, a timer, a pin watch): ${example - none} over none, ${example} of 16383 (${((100 * example) / 16383).toFixed(1)} %)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
