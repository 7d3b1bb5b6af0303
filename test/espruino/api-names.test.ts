// The build never shortens a property a host or a board script can pass in or is handed
// (tools/build.mjs pass 8): the names come from the device tree's declarations
// (tools/api-names.mjs), not from whether some host file happens to mention them. Once the
// objects' `sensors`/`buzzers` and the client's `holdOff`/`backoffMax` options were renamed
// in the bundle and a host's values silently ignored, as the CoAP parameters had been.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiPropertyNames } from '../../tools/api-names.mjs';
import { loadFirmware } from '../../sim/espruino-vm';
import { fakeBoard } from '../objects/fake-board';

const root = join(import.meta.dirname, '../..');
const BUNDLES = ['firmware', 'firmware-rpk', 'firmware-rpk-ed25519'];
const api = apiPropertyNames(root);

test('api names: found in every kind of declaration a host meets', () => {
  for (const [name, where] of [
    ['sensors', 'objects.createObjectModel(opt).sensors'], // an option of an exported function
    ['backoffMax', 'lwm2m.Client(opt).backoffMax'], // an option of an exported class
    ['ACK_TIMEOUT', 'coap.params(overrides).ACK_TIMEOUT'], // the CoAP parameter overrides
    ['pskKey', undefined], // the configuration file (firmware/espruino/config.ts)
    ['aes128EcbEncrypt', undefined], // a port the host implements (transport/ports.ts)
    ['onAddress', undefined], // a field of the object the board hands the host's client
  ] as const) {
    assert.ok(api.has(name), `${name} is an API name`);
    if (where) assert.equal(api.get(name), where);
  }
  assert.ok(![...api.keys()].some((n) => n.startsWith('_')), 'private names are not API');
});

test('api names: no bundle renames one', () => {
  for (const b of BUNDLES) {
    const renamed = JSON.parse(readFileSync(join(root, 'dist', b + '.props.json'), 'utf8'));
    assert.ok(Object.keys(renamed).length > 50, `${b}: the pass renamed its own names`);
    const hit = Object.keys(renamed).filter((n) => api.has(n)).map((n) => `${n} (${api.get(n)}) -> ${renamed[n]}`);
    assert.deepEqual(hit, [], `${b}: API names renamed`);
  }
});

test('api names: the bundle takes the options by name (objects.createObjectModel sensors/buzzers)', () => {
  const { api: lw, ctx } = loadFirmware(join(root, 'dist/firmware.js'));
  try {
    const c = lw.objects.createObjectModel(fakeBoard().board, { sensors: ['temperature', 'temperature'], buzzers: ['a', 'b', 'c'] });
    assert.equal(c.reg.obj(3303).iids().length, 2);
    assert.equal(c.reg.obj(3338).iids().length, 3);
  } finally {
    ctx.stop();
  }
});
