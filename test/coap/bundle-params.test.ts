// The transmission parameters as the bundle (dist/firmware.js) takes them: a host hands
// overrides by their RFC 7252 §4.8 names (ClientOptions.coap), so the build must keep
// every one of those names. A shortened name was silently ignored (found in the fifth
// session's memory work: 13 of the 24 were shortened).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadFirmware } from '../../sim/espruino-vm';
import { params } from '../../transport/coap/constants';

const BUNDLE = join(import.meta.dirname, '../../dist/firmware.js');

test('bundle: every transmission parameter, base or derived, is overridden by its RFC name', () => {
  const { api, ctx } = loadFirmware(BUNDLE);
  try {
    const names = Object.keys(params());
    assert.equal(names.length, 24);
    for (const [i, k] of names.entries()) {
      const v = 3 + i; // distinct from every default
      const got = api.coap.params({ [k]: v });
      assert.equal(got[k], v, `${k} overridden`);
    }
    // and the defaults the bundle computes are the TS source's
    assert.deepEqual({ ...api.coap.params() }, { ...params() });
  } finally {
    ctx.stop();
  }
});
