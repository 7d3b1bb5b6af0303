// The simulator's command line. Every bad argument gets one line naming it.
//   tsx sim/cli.ts scenario [--once] [--bundle dist/firmware.js]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFirmware } from './espruino-vm';

const COMMANDS = ['scenario'] as const;
type Command = (typeof COMMANDS)[number];

interface Options {
  once: boolean;
  bundle: string;
}

function fail(msg: string): never {
  console.error(`lwm2m-sim: ${msg}`);
  process.exit(2);
}

export function parseArgs(argv: string[]): { command: Command; opts: Options } {
  const [command, ...rest] = argv;
  if (!command) fail(`missing command (one of: ${COMMANDS.join(', ')})`);
  if (!(COMMANDS as readonly string[]).includes(command)) fail(`unknown command '${command}' (one of: ${COMMANDS.join(', ')})`);
  const opts: Options = { once: false, bundle: join(import.meta.dirname, '../dist/firmware.js') };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--once') opts.once = true;
    else if (a === '--bundle') {
      const v = rest[++i];
      if (!v) fail('--bundle needs a file');
      opts.bundle = v;
    } else fail(`unknown option '${a}'`);
  }
  return { command: command as Command, opts };
}

function scenario(opts: Options): void {
  if (!existsSync(opts.bundle)) fail(`bundle '${opts.bundle}' not found: run \`npm run build\` first`);
  const t0 = Date.now();
  const step = (what: string) => console.log(`${String(Date.now() - t0).padStart(6)} ms  ${what}`);
  const { api, ctx } = loadFirmware(opts.bundle, { print: (l) => step(`device: ${l}`) });
  step(`device bundle ${opts.bundle} loaded in the Espruino-stripped context (version ${api.VERSION})`);
  const out = ctx.run(readFileSync(join(import.meta.dirname, '../test/espruino/smoke.es5.js'), 'utf8'));
  step(String(out));
  ctx.stop();
  if (!/^smoke ok/.test(String(out))) process.exit(1);
}

const { command, opts } = parseArgs(process.argv.slice(2));
if (command === 'scenario') scenario(opts);
