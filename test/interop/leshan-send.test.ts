// Send (LwM2M 1.1 Information Reporting, `POST /dp`) against Eclipse Leshan's LwM2M server demo
// (2.0.0-M4, NoSec through Leshan's bootstrap server): the device's Send of three resources goes
// in SenML CBOR and Leshan answers 2.04 — its SendResource decodes the payload with its own SenML
// CBOR decoder first and answers 4.00 when it cannot. The M4 demo neither streams a SEND event nor
// has a REST route for Send, so tshark shows it on the wire: POST /dp, Content-Format 112, the
// SenML CBOR payload, Leshan's 2.04. Nor has it a REST route for composite operations (ClientServlet: read, write, observe, execute, create, delete,
// discover, attributes only); composite reads are proven with our server and libcoap instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { needPeer, liveCapture } from '../helpers/peers';
import { senmlCbor } from '../../objects/formats/senml-cbor';
import { typeOf } from '../objects/helpers';
import { decode } from '../../transport/coap/message';
import { startDevice, type SimDevice } from '../../sim/device';
import { leshanMissing, leshanNoSec } from '../../sim/leshan';

// Fixed ports (the demo takes no port 0), from this area's range 26500-26599 (leshan.test.ts: 26580-26584, leshan-owner: 26590-26592).
const PORTS = { coapPort: 26561, coapsPort: 26562, webPort: 26560 };
const EP = 'urn:dev:leshan-send';
const WAIT = 20_000;

const missing = leshanMissing();
if (missing && process.env.REQUIRE_PEERS === '1') throw new Error(`Leshan is required under .ci/run: ${missing}`);

const run = promisify(execFile);

test('Leshan receives a Send of three resources in SenML CBOR and answers 2.04', { skip: missing ? `skipped: ${missing}` : false, timeout: 120_000 }, async (t) => {
  if (!needPeer(t, 'tshark', 'tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'leshan-send-'));
  const pcap = join(dir, 'send.pcapng');
  const cap = await liveCapture(`udp port ${PORTS.coapPort}`, pcap);
  const { server, bs, ev } = await leshanNoSec(EP, PORTS);
  let dev: SimDevice | null = null;
  try {
    dev = await startDevice({ endpoint: EP, bootstrapUri: bs.coapUri });
    await ev.wait((e) => e.event === 'REGISTRATION', WAIT, 'REGISTRATION');
    await dev.waitFor('registered', WAIT);
    const answers: string[] = [];
    assert.equal(dev.send(['/3/0/0', '/3303/0/5700', '/3338/0/5850'], (r) => answers.push(r)), '');
    for (const end = Date.now() + WAIT; !answers.length && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(answers, ['2.04'], 'Leshan decoded the SenML CBOR and accepted it');
    // tshark writes what it captured a moment later: give it that before stopping it
    await new Promise((r) => setTimeout(r, 1500));
    await new Promise<void>((resolve) => {
      cap.once('exit', () => resolve());
      cap.kill('SIGINT');
    });
    // on the wire: the device's POST /dp in Content-Format 112 and Leshan's 2.04 with the same token
    const d = ['-d', `udp.port==${PORTS.coapPort},coap`];
    const rows = (await run('tshark', ['-r', pcap, ...d, '-Y', 'coap', '-T', 'fields', '-e', 'coap.code', '-e', 'coap.opt.uri_path', '-e', 'coap.opt.ctype', '-e', 'coap.token', '-e', 'udp.payload'], { timeout: 30000 })).stdout.trim().split('\n').map((l) => l.split('\t'));
    const post = rows.find((r) => r[0] === '2' && r[1] === 'dp');
    assert.ok(post, `no POST /dp captured:\n${rows.map((r) => r.join(' ')).join('\n')}`);
    assert.match(post[2], /^(112|application\/senml\+cbor)$/, 'Content-Format application/senml+cbor (112)');
    const m = decode(new Uint8Array(Buffer.from(post[4].replace(/:/g, ''), 'hex')));
    assert.ok(typeof m === 'object', 'the datagram decodes as CoAP');
    const recs = senmlCbor().dec(m.payload, [], typeOf());
    assert.ok(recs, 'the payload decodes as SenML CBOR');
    assert.deepEqual(recs.map((r) => r.p.join('/')), ['3/0/0', '3303/0/5700', '3338/0/5850']);
    assert.ok(rows.some((r) => r[0] === '68' && r[3] === post[3]), 'Leshan answered 2.04 to that token');
    rmSync(dir, { recursive: true, force: true });
  } catch (e) {
    (e as Error).message += `\nLeshan server log:\n${server.log()}`;
    throw e;
  } finally {
    if (cap.exitCode === null) cap.kill('SIGINT');
    ev.close();
    await dev?.stop();
    await Promise.all([server.stop(), bs.stop()]);
  }
});
