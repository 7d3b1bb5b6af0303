// Application access (the seed's section 6, "CoAP Server" and "User"): plain CoAP clients
// on the device's local port reach the application objects (3303, 3338), with Observe;
// management objects answer 4.03. Proven with libcoap's coap-client against the device
// running from dist/firmware.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startDevice } from '../../sim/device';
import { needPeer } from '../helpers/peers';

const run = promisify(execFile);

async function coap(args: string[]): Promise<string> {
  const r = await run('coap-client-notls', args, { timeout: 20000 });
  return r.stdout + r.stderr;
}

test('coap-client reads the temperature, observes it, switches the buzzer; /3/0 is 4.03', async (t) => {
  if (!needPeer(t, 'coap-client-notls', 'libcoap3-bin')) return;
  // no bootstrap server is reachable: application access does not depend on the LwM2M association
  const dev = await startDevice({ endpoint: 'urn:dev:app', bootstrapUri: 'coap://127.0.0.1:9', appPort: 0, period: 300 });
  try {
    const base = `coap://127.0.0.1:${dev.appUdp!.port}`;
    const temp = await coap(['-B', '3', `${base}/3303/0/5700`]);
    assert.match(temp.trim(), /^-?\d+(\.\d+)?$/, temp);
    // observe for 3 s: the sensor is sampled every 300 ms, notifications arrive, then coap-client cancels
    const obs = await coap(['-B', '4', '-s', '3', `${base}/3303/0/5700`]);
    // coap-client prints each payload without a separator: count the decimal points
    assert.doesNotMatch(obs, /4\.\d\d|5\.\d\d|ERR/, obs);
    assert.ok((obs.match(/\./g) || []).length >= 3, `first answer and at least two notifications: ${obs}`);
    assert.equal(dev.buzzer.on, false);
    const w = await coap(['-B', '3', '-m', 'put', '-t', 'text/plain', '-e', '1', `${base}/3338/0/5850`]);
    assert.doesNotMatch(w, /4\.\d\d|5\.\d\d/, w);
    assert.equal(dev.buzzer.on, true);
    const on = await coap(['-B', '3', `${base}/3338/0/5850`]);
    assert.equal(on.trim(), '1');
    const mgmt = await coap(['-B', '3', `${base}/3/0`]);
    assert.match(mgmt, /4\.03/, mgmt);
    const sec = await coap(['-B', '3', `${base}/0/0`]);
    assert.match(sec, /4\.03/, sec);
  } finally {
    dev.kill();
  }
});
