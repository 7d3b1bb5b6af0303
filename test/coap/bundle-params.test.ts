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

test('bundle: an endpoint reads the overrides it is given (ACK_TIMEOUT, ACK_RANDOM_FACTOR, MAX_RETRANSMIT through the engine\'s short names)', () => {
  const { api, ctx } = loadFirmware(BUNDLE);
  try {
    const sent: number[] = [];
    let now = 0;
    let answer = '';
    const ep = new api.coap.CoapEndpoint({
      port: { send() { sent.push(now); } },
      rng: { fill(b: Uint8Array) { for (let i = 0; i < b.length; i++) b[i] = 0; } },
      params: { ACK_TIMEOUT: 100, ACK_RANDOM_FACTOR: 1, MAX_RETRANSMIT: 2 },
    });
    ep.request({ address: '127.0.0.1', port: 5683 }, { code: 1 }, now, (err: string | null) => { answer = err || 'ok'; });
    for (now = 1; now <= 1000; now++) ep.poll(now);
    assert.deepEqual(sent, [0, 100, 300]);
    assert.equal(answer, 'timeout');
  } finally {
    ctx.stop();
  }
});
