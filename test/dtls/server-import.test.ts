// Importing the server role changes nothing for the rest of the process (issue 17 item 4): the
// DTLS client's RPK suite stays off and the RPK tables stay empty until someone enables them
// (server-curves.ts's serverCurves() for the simulator's servers, enableRpk()/enableP256()/
// enableEd25519() for a client); and the server role never loads the client role's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createDtlsServer } from '../../transport/dtls/server';
import { clientRole } from '../../transport/dtls/client';
import { rpkGroups, rpkSigs } from '../../transport/dtls/rpk-codec';
import { runtimeImports } from '../../tools/import-cycles.mjs';
import { nodeCrypto } from '../../sim/node-crypto';
import { p256Keys } from '../helpers/dtls-net';

const ROOT = join(import.meta.dirname, '../..');

test('importing transport/dtls/server.ts leaves RPK disabled: no client RPK hooks, empty key-type and group tables', () => {
  assert.equal(typeof createDtlsServer, 'function');
  assert.equal(clientRole.rpkCred, undefined);
  assert.equal(clientRole.rpkStep, undefined);
  assert.equal(clientRole.tick, undefined);
  assert.deepEqual([rpkSigs.length, rpkGroups.length], [0, 0]);
});

test('an RPK server before serverCurves() is refused with a message that names it', () => {
  const k = p256Keys(5);
  assert.throws(() => createDtlsServer({ socket: { send: () => {} }, crypto: nodeCrypto, rng: { fill: () => {} }, onData: () => {}, pskKey: () => null, rpk: { key: k.pkcs8, spki: k.spki, trust: () => true } }),
    /no key type built in \(call serverCurves\(\)/);
});

test('the server role does not load the client role: no run-time import path from server.ts to client.ts or rpk.ts', () => {
  const seen: Record<string, boolean> = {};
  const todo = [join(ROOT, 'transport/dtls/server.ts')];
  while (todo.length) {
    const f = todo.pop()!;
    if (seen[f]) continue;
    seen[f] = true;
    for (const spec of runtimeImports(readFileSync(f, 'utf8'), f) as string[]) {
      if (!spec.startsWith('.')) continue;
      const base = resolve(dirname(f), spec.replace(/\.(m?js|ts)$/, ''));
      todo.push(base + '.ts');
    }
  }
  const reached = Object.keys(seen).map((f) => f.slice(ROOT.length + 1));
  assert.ok(reached.includes('transport/dtls/rpk-codec.ts'), reached.join(' '));
  for (const f of ['transport/dtls/client.ts', 'transport/dtls/rpk.ts']) assert.ok(!reached.includes(f), `server.ts reaches ${f}: ${reached.join(' ')}`);
});
