// Queue mode (LwM2M 1.1 Core §6.5, Register's `Q`) against Eclipse Leshan's server demo: Leshan
// keeps a presence per queue-mode client (awake after each Register/Update for its awake time,
// 93 s; sleeping once a request to it times out) and answers a REST request to a sleeping client
// at once with 400 "The destination client is sleeping"; its web UI queues such a request until
// the AWAKE event. Here the test does what that UI does, and the device answers in its awake window.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevice, type SimDevice } from '../../sim/device';
import { leshanNoSec, leshanMissing, leshanJars, http } from '../../sim/leshan';

// Fixed ports (Leshan's demo takes no port 0), unused by the other Leshan tests.
const PORTS = { coapPort: 26571, coapsPort: 26572, webPort: 26570 };
const EP = 'urn:dev:leshan-queue';
const WAIT = 20_000;

const missing = leshanMissing();
if (missing && process.env.REQUIRE_PEERS === '1') throw new Error(`Leshan is required under .ci/run: ${missing}`);

let stop: (() => Promise<void>) | null = null;
after(async () => stop && (await stop()));

test('Leshan: a queue-mode device (b=U&Q) sleeps; Leshan refuses a request while it sleeps; after its Update (AWAKE) the queued Read is answered', { skip: missing ? `skipped: ${missing}` : false, timeout: 120_000 }, async () => {
  // lifetime 8 s: the device's Update, its own wake-up, comes at half of it
  const { server, bs, ev } = await leshanNoSec(EP, PORTS, leshanJars(), 8);
  stop = async () => void (await Promise.all([server.stop(), bs.stop()]));
  const log: string[] = [];
  let dev: SimDevice | null = null;
  const read = (timeoutS: number) => http('GET', `${server.web}/api/clients/${encodeURIComponent(EP)}/3/0/0?timeout=${timeoutS}`);
  try {
    dev = await startDevice({ endpoint: EP, bootstrapUri: bs.coapUri, queue: true, awake: 2000, log: (e, d) => log.push(`${e}: ${d}`) });
    const reg = await ev.wait((e) => e.event === 'REGISTRATION', WAIT, 'REGISTRATION');
    assert.equal(reg.data.queuemode, true, `Leshan took the Register's Q: ${JSON.stringify(reg.data)}`);
    // awake: a Read goes straight through
    assert.equal((await read(5)).json().content.value, 'lwm2m-espruino');
    await until('the device to sleep', () => dev!.asleep(), 10_000);
    // Leshan still counts it awake (93 s): its Read goes unanswered, and Leshan marks the client sleeping
    const lost = await read(1);
    assert.notEqual(lost.status, 200, lost.text);
    await ev.wait((e) => e.event === 'SLEEPING', WAIT, 'SLEEPING');
    const refused = await read(5);
    assert.equal(refused.status, 400);
    assert.match(refused.text, /sleeping/);
    // queued as Leshan's web UI queues it: sent on AWAKE, which the device's own Update brings
    const mark = ev.events.length;
    await ev.wait((e) => e.event === 'AWAKE', WAIT, 'AWAKE', mark);
    const res = await read(5);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json().content.value, 'lwm2m-espruino');
    assert.ok(log.some((l) => l === 'queue: awake: radio on'), log.join('\n'));
    await until('the device to sleep again', () => dev!.asleep(), 10_000);
  } finally {
    await dev?.stop();
    ev.close();
  }
});

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !cond(); ) {
    if (Date.now() > end) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
