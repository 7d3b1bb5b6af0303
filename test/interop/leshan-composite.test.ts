// Composite read and Send with Eclipse Leshan's own server library (2.0.0-M4, the classes of the
// cached leshan-server-demo jar): its demo has no REST route for either, so a small server on that
// library (leshan-composite/lwm2m/interop/LeshanComposite.java, compiled here with javac) sends a
// Read-Composite of three resources in SenML CBOR when the device registers, and prints each Send as
// Leshan decoded it. The device is the bundle in the simulator, bootstrapped by our bootstrap server
// to Leshan over NoSec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootstrapServer, simpleConfig } from '../../sim/bootstrap-server';
import { startDevice, type SimDevice } from '../../sim/device';
import { leshanMissing, leshanJars } from '../../sim/leshan';
import { needPeer } from '../helpers/peers';
import { freeUdpPort } from '../helpers/free-port';

const EP = 'urn:dev:leshan-composite';
const SRC = join(import.meta.dirname, 'leshan-composite/lwm2m/interop/LeshanComposite.java');
const missing = leshanMissing();
if (missing && process.env.REQUIRE_PEERS === '1') throw new Error(`Leshan is required under .ci/run: ${missing}`);

test('Leshan\'s server library: Read-Composite of three resources in SenML CBOR, and a Send it decodes', { skip: missing ? `skipped: ${missing}` : false, timeout: 120_000 }, async (t) => {
  if (!needPeer(t, 'javac', 'openjdk-17-jdk-headless')) return;
  const jar = leshanJars().server;
  const dir = mkdtempSync(join(tmpdir(), 'leshan-composite-'));
  const cc = spawnSync('javac', ['-cp', jar, '-d', dir, SRC], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(cc.status, 0, cc.stderr);
  const port = await freeUdpPort();
  const java = spawn('java', ['-cp', `${jar}:${dir}`, 'lwm2m.interop.LeshanComposite', String(port), '/3/0/0', '/3303/0/5700', '/3338/0/5850'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  java.stdout.on('data', (b: Buffer) => (out += b.toString()));
  java.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
  const line = async (re: RegExp, ms: number): Promise<string> => {
    for (const end = Date.now() + ms; ; ) {
      const m = out.split('\n').find((l) => re.test(l));
      if (m) return m;
      if (java.exitCode !== null || Date.now() > end) throw new Error(`no line ${re} from the Leshan server; stdout:\n${out}\nstderr:\n${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const bs = await BootstrapServer.start({ port: 0, dtlsPort: -1 });
  let dev: SimDevice | null = null;
  try {
    await line(/^READY/, 60_000);
    bs.setConfig(EP, simpleConfig({ serverUri: `coap://127.0.0.1:${port}`, securityMode: 'NO_SEC', shortServerId: 123, lifetime: 60 }));
    dev = await startDevice({ endpoint: EP, bootstrapUri: bs.uri!, holdOff: 0 });
    await line(new RegExp(`^REGISTERED ${EP}`), 30_000);
    // Leshan's LwM2mNode toString: LwM2mSingleResource [id=0, value=lwm2m-espruino, type=STRING]
    const rc = await line(/^COMPOSITE /, 20_000);
    assert.match(rc, /^COMPOSITE CONTENT\(205\) \{/, rc);
    assert.match(rc, /\/3\/0\/0=LwM2mSingleResource \[id=0, value=lwm2m-espruino, type=STRING\]/, rc);
    assert.match(rc, /\/3303\/0\/5700=LwM2mSingleResource \[id=5700, value=-?\d+(\.\d+)?, type=FLOAT\]/, rc);
    assert.match(rc, /\/3338\/0\/5850=LwM2mSingleResource \[id=5850, value=false, type=BOOLEAN\]/, rc);
    await dev.waitFor('registered', 10_000);
    assert.equal(dev.send(['/3/0/0', '/3303/0/5700', '/3338/0/5850']), '');
    const s = await line(/^SEND /, 20_000);
    assert.match(s, new RegExp(`^SEND ${EP} SENML_CBOR\\(112\\) \\{`), s);
    assert.match(s, /\/3\/0\/0=LwM2mSingleResource \[id=0, value=lwm2m-espruino, type=STRING\]/, s);
    assert.match(s, /\/3338\/0\/5850=LwM2mSingleResource \[id=5850, value=false, type=BOOLEAN\]/, s);
    t.diagnostic(rc);
    t.diagnostic(s);
  } finally {
    dev?.kill();
    java.kill();
    await bs.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
