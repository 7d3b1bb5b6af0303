// Composite operations (LwM2M 1.1, FETCH / and iPATCH / with SenML JSON) from a peer nobody here
// wrote: libcoap's coap-client, against the bundle (dist/firmware.js) in the simulator over NoSec.
// The device answers only its server's address and port, so the simulator's server registers the
// device, closes, and coap-client sends from that very port (`-a 127.0.0.1 -p PORT`): for the
// device, the requests come from its LwM2M server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BootstrapServer, simpleConfig } from '../../sim/bootstrap-server';
import { Lwm2mServer } from '../../sim/lwm2m-server';
import { startDevice } from '../../sim/device';
import { needPeer } from '../helpers/peers';

const run = promisify(execFile);
const EP = 'urn:dev:composite-libcoap';

async function coap(args: string[]): Promise<string> {
  const r = await run('coap-client-notls', ['-B', '3', ...args], { timeout: 20000 });
  return r.stdout + r.stderr;
}

test('coap-client -m fetch / -t 110 -A 110: Read-Composite of three resources; -m ipatch: Write-Composite; TLV paths: 4.15', async (t) => {
  if (!needPeer(t, 'coap-client-notls', 'libcoap3-bin')) return;
  const lw = await Lwm2mServer.start({ port: 0, dtlsPort: -1 });
  const bs = await BootstrapServer.start({ port: 0, dtlsPort: -1 });
  bs.setConfig(EP, simpleConfig({ serverUri: lw.uri!, securityMode: 'NO_SEC', shortServerId: 101, lifetime: 300 }));
  const dev = await startDevice({ endpoint: EP, bootstrapUri: bs.uri!, holdOff: 0 });
  try {
    await dev.waitFor('registered', 10000);
    const srvPort = +new URL(lw.uri!).port;
    await bs.close();
    await lw.close();
    const from = ['-a', '127.0.0.1', '-p', String(srvPort)];
    const dst = `coap://127.0.0.1:${dev.udp.port}/`;
    const out = await coap([...from, '-m', 'fetch', '-t', '110', '-A', '110', '-e', '[{"n":"/3/0/0"},{"n":"/3303/0/5700"},{"n":"/3338/0/5850"}]', dst]);
    const recs = JSON.parse(out.trim()) as { bn?: string; n?: string; v?: number; vs?: string; vb?: boolean }[];
    let bn = '';
    const names = recs.map((r) => (bn = r.bn ?? bn) + (r.n ?? ''));
    assert.deepEqual(names, ['/3/0/0', '/3303/0/5700', '/3338/0/5850'], out);
    assert.equal(recs[0].vs, 'lwm2m-espruino');
    assert.equal(typeof recs[1].v, 'number');
    assert.equal(recs[2].vb, false);
    assert.equal(dev.buzzer.on, false);
    const w = await coap([...from, '-m', 'ipatch', '-t', '110', '-e', '[{"n":"/3338/0/5850","vb":true}]', dst]);
    assert.doesNotMatch(w, /[45]\.\d\d/, w);
    assert.equal(dev.buzzer.on, true);
    const tlv = await coap([...from, '-m', 'fetch', '-t', '11542', '-e', 'x', dst]);
    assert.match(tlv, /4\.15/, tlv);
  } finally {
    dev.kill();
  }
});
