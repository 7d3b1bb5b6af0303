// Device modules as one ES5 script, minified with the firmware's terser settings: what bench:p256
// and bench:board run in Espruino where the bundles do not export the functions they time
// (transport/crypto/p256.ts with the Espruino CryptoBackend; the Ed25519 build's `ec`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import ts from 'typescript';
import { minify } from 'terser';

const root = join(import.meta.dirname, '..');

/** `entry` (TypeScript re-exports, resolved from the repository root) as one minified ES5 script defining `globalName`. */
export async function es5Script(entry: string, globalName: string): Promise<string> {
  const es = await build({ stdin: { contents: entry, resolveDir: root, loader: 'ts' }, bundle: true, format: 'iife', globalName, target: 'es2015', write: false });
  const es5 = ts.transpileModule(es.outputFiles[0].text, { compilerOptions: { target: ts.ScriptTarget.ES5 } }).outputText;
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return (await minify(es5, { ecma: 5, compress: pkg.minify.compress, mangle: { reserved: pkg.minify.mangle.reserved } })).code!;
}

export function p256Es5(): Promise<string> {
  return es5Script(`export { p256Ecdh, p256EcdhJob, p256Finish, p256LastCost, p256PublicKey, p256PublicKeyJob, p256Sign, p256SignJob, p256Verify, p256VerifyJob, p256VerifyTableJob, p256VerifyWithTable } from './transport/crypto/p256';
export { espruinoCrypto } from './transport/crypto/espruino';`, 'P256');
}
