// The CLI: each bad argument is one line naming it, exit 2; the admin commands drive a
// running LwM2M server through its HTTP API; the server commands start and serve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Lwm2mServer } from '../../sim/lwm2m-server';
import { runCli, COMMANDS } from '../../sim/cli';
import { FakeDevice, apiFetch, peerOf, until } from './fake-device';

const ROOT = join(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) =>
    execFile(TSX, ['sim/cli.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 20000 }, (e, out, err) =>
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err }),
    ),
  );
}

test('bad arguments: one line naming the argument, exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [[], /^lwm2m-sim: missing command \(one of: scenario, device, bootstrap-server, lwm2m-server, clients, read/],
    [['frobnicate'], /^lwm2m-sim: unknown command 'frobnicate'/],
    [['lwm2m-server', '--port', 'abc'], /^lwm2m-sim: --port 'abc' must be 0\.\.65535 or off$/],
    [['lwm2m-server', '--psk', 'nokey'], /^lwm2m-sim: --psk: PSK 'nokey' must be IDENTITY:HEXKEY$/],
    [['lwm2m-server', '--bogus'], /^lwm2m-sim: unknown option '--bogus'$/],
    [['lwm2m-server', '--psk', 'a=id:00', '--psk', 'b=id:01'], /^lwm2m-sim: --psk b=id:01: PSK Identity id is already used$/],
    [['lwm2m-server', '--port', 'off', '--dtls-port', 'off'], /nothing to serve/],
    [['bootstrap-server', '--server-uri', 'coap://x:1'], /^lwm2m-sim: --server-uri needs an --endpoint before it$/],
    [['bootstrap-server', '--endpoint', 'e1'], /^lwm2m-sim: endpoint e1: --server-uri is required$/],
    [['bootstrap-server', '--endpoint', 'e1', '--server-uri', 'http://x'], /--server-uri 'http:\/\/x' must be coap:\/\/HOST:PORT/],
    [['bootstrap-server', '--endpoint', 'e1', '--server-uri', 'coaps://127.0.0.1:5684'], /a coaps:\/\/ server needs --server-psk/],
    [['bootstrap-server', '--endpoint', 'e1', '--server-uri', 'coap://127.0.0.1:5683', '--format', 'xml'], /--format 'xml' must be tlv, senml-cbor or senml-json/],
    [['bootstrap-server', '--endpoint', 'e1', '--server-uri', 'coap://127.0.0.1:5683', '--lifetime', '0'], /--lifetime '0' must be an integer 1\.\./],
    [['bootstrap-server', '--config', '/nonexistent.json'], /--config '\/nonexistent\.json' not found/],
    [['read', 'ep1', '/3/x'], /^lwm2m-sim: path '\/3\/x' is not an LwM2M path like \/3\/0\/1$/],
    [['read'], /^lwm2m-sim: missing endpoint name$/],
    [['read', 'ep1', '/3/0', '--format', 'xml'], /--format 'xml' must be tlv, senml-cbor, senml-json, text or opaque/],
    [['write', 'ep1', '/3338/0/5850', 'maybe'], /value 'maybe' for 3338\/0\/5850 must be true or false/],
    [['write', 'ep1', '/3338/0/5850'], /^lwm2m-sim: missing value$/],
    [['write', 'ep1', '/9999/0/1', 'x'], /unknown resource 9999\/0\/1: give --type/],
    [['exec', 'ep1', '/3/0'], /exec takes a resource path/],
    [['attrs', 'ep1', '/3303/0/5700', 'pmin=x'], /attribute pmin=x: expected a non-negative integer/],
    [['attrs', 'ep1', '/3303/0/5700', 'colour=red'], /unknown attribute 'colour'/],
    [['clients', '--api', 'ftp://x'], /--api 'ftp:\/\/x' must be http:\/\/HOST:PORT/],
    [['read', 'ep1', '/3/0', '--timeout', '0'], /--timeout '0' must be an integer 1\.\.3600/],
    [['read', 'ep1', '/'], /^lwm2m-sim: read takes \/oid\[\/iid\[\/rid\[\/riid\]\]\], not '\/'/],
    [['device', '--endpoint', 'e', '--bootstrap', 'coap://[::1]:5783'], /^lwm2m-sim: --bootstrap 'coap:\/\/\[::1\]:5783': IPv6 addresses are not supported \(Espruino's network is IPv4 only\)/],
    [['bootstrap-server', '--endpoint', 'e1', '--server-uri', 'coaps://[::1]:5684', '--server-psk', 'id:00'], /^lwm2m-sim: --server-uri 'coaps:\/\/\[::1\]:5684': IPv6 addresses are not supported/],
    [['device', '--endpoint', 'e', '--bootstrap', 'coap://127.0.0.1:5783', '--app-port', 'x'], /^lwm2m-sim: --app-port 'x' must be 0\.\.65535/],
    [['read-composite', 'ep1'], /^lwm2m-sim: missing path \(read-composite EP PATH PATH…\)$/],
    [['read-composite', 'ep1', '/3/0/0', '/'], /^lwm2m-sim: read-composite takes \/oid\[\/iid\[\/rid\[\/riid\]\]\] paths, not '\/'$/],
    [['read-composite', 'ep1', '/3/x'], /^lwm2m-sim: path '\/3\/x' is not an LwM2M path like \/3\/0\/1$/],
    [['write-composite', 'ep1', '/3338/0/5850'], /^lwm2m-sim: '\/3338\/0\/5850' must be \/OID\/IID\/RID\[\/RIID\]=VALUE$/],
    [['write-composite', 'ep1', '/3338/0/5850=maybe'], /value 'maybe' for 3338\/0\/5850 must be true or false/],
    [['device', '--endpoint', 'e', '--bootstrap', 'coap://127.0.0.1:5783', '--store', '500'], /^lwm2m-sim: --store '500' must be a whole number from 0 to 200/],
    [['device', '--endpoint', 'e', '--bootstrap', 'coap://127.0.0.1:5783', '--awake', '5'], /^lwm2m-sim: --awake goes with --queue/],
    [['device', '--endpoint', 'e', '--bootstrap', 'coap://127.0.0.1:5783', '--send-paths', '/3/0/x', '--send-every', '5'], /^lwm2m-sim: --send-paths '\/3\/0\/x': '\/3\/0\/x' is not a path/],
    [['device', '--endpoint', 'e', '--bootstrap', 'coap://127.0.0.1:5783', '--send-paths', '/3/0/9'], /^lwm2m-sim: --send-paths and --send-every go together/],
    [['device', '--endpoint', 'e', '--bootstrap', 'coap://127.0.0.1:5783', '--send-paths', '/3/0/9', '--send-every', '0'], /^lwm2m-sim: --send-every '0' must be a whole number from 1 to 86400/],
    [['device', '--endpoint', 'e', '--bootstrap', 'coap://127.0.0.1:5783', '--queue=1'], /^lwm2m-sim: option --queue takes no value/],
  ];
  // In-process (every case fails before any socket is opened); one case through a real process below.
  for (const [args, re] of cases) {
    const lines: string[] = [];
    const code = await runCli(args, (l) => lines.push(l));
    assert.equal(code, 2, `${args.join(' ')}: exit code (stderr: ${lines.join('|')})`);
    assert.equal(lines.length, 1, `${args.join(' ')}: one line`);
    assert.ok(!lines[0].includes('\n'), `${args.join(' ')}: one line`);
    assert.match(lines[0], re, args.join(' '));
  }
  const r = await cli(['read', 'ep1', '/3/x']);
  assert.equal(r.code, 2);
  assert.equal(r.err, "lwm2m-sim: path '/3/x' is not an LwM2M path like /3/0/1\n");
});

test('every command answers --help with its usage (exit 0), before checking anything else', async () => {
  const out: string[] = [];
  const log = console.log;
  console.log = (l: string) => out.push(l);
  try {
    for (const c of Object.keys(COMMANDS)) {
      out.length = 0;
      const errs: string[] = [];
      assert.equal(await runCli([c, '--help'], (l) => errs.push(l)), 0, `${c} --help: ${errs.join('|')}`);
      assert.equal(out.length, 1, c);
      assert.match(out[0], new RegExp(`^usage: npm run sim -- ${c}[: ]`), c);
    }
    out.length = 0;
    assert.equal(await runCli(['read', 'ep1', '/3/x', '-h']), 0);
    assert.match(out[0], /^usage: npm run sim -- read EP PATH \[--format/);
  } finally {
    console.log = log;
  }
});

test('an API on a port fetch calls "bad port" (1, 6000) is reached like any other', async () => {
  const r = await cli(['clients', '--api', 'http://127.0.0.1:1']);
  assert.equal(r.code, 1);
  assert.match(r.err.trim(), /^lwm2m-sim: cannot reach http:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/);
});

test('create honours --type for an object without a definition', async () => {
  const s = await Lwm2mServer.start({ port: 0, httpPort: 0 });
  const d = await FakeDevice.start();
  try {
    await d.register(peerOf(s.uri!), 'cli-create');
    const r = await cli(['create', 'cli-create', '/32769/0', '1=42', '--type', 'integer', '--format', 'senml-json', '--api', `http://127.0.0.1:${s.http!.port}`]);
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).status, 'CREATED(201)');
    const sent = JSON.parse(Buffer.from(d.seen[d.seen.length - 1].payload).toString()) as { n?: string; bn?: string; v?: unknown }[];
    assert.deepEqual(sent.map((x) => x.v), [42], JSON.stringify(sent));
  } finally {
    d.close();
    await s.close();
  }
});

test('admin commands over the HTTP API: clients, read, write, exec, attrs, discover; an unreachable API is exit 1', async () => {
  const s = await Lwm2mServer.start({ port: 0, httpPort: 0 });
  const d = await FakeDevice.start();
  try {
    await d.register(peerOf(s.uri!), 'cli-dev');
    const api = ['--api', `http://127.0.0.1:${s.http!.port}`];
    const [clients, read, write, exec, attrs, missing] = await Promise.all([
      cli(['clients', ...api]),
      cli(['read', 'cli-dev', '/3/0', '--format', 'senml-cbor', ...api]),
      cli(['write', 'cli-dev', '/3338/0/5850', 'true', '--format', 'tlv', ...api]),
      cli(['exec', 'cli-dev', '/3/0/4', ...api]),
      cli(['attrs', 'cli-dev', '/3303/0/5700', 'pmin=1', 'pmax=5', ...api]),
      cli(['read', 'cli-dev', '/3303/7', ...api]),
    ]);
    const disc = await cli(['discover', 'cli-dev', '/3303/0', ...api]);
    assert.equal(clients.code, 0, clients.err);
    assert.match(clients.out, /^cli-dev {2}\/rd\/\w{10} {2}127\.0\.0\.1:\d+ {2}lt=60 {2}NoSec/);
    assert.equal(read.code, 0, read.err);
    assert.equal(JSON.parse(read.out).content.resources[0].value, 'Open Mobile Alliance');
    assert.equal(write.code, 0, write.err);
    assert.equal(d.find([3338, 0, 5850])[0].v, true);
    assert.equal(exec.code, 0, exec.err);
    assert.deepEqual(d.executed, ['/3/0/4']);
    assert.equal(attrs.code, 0, attrs.err);
    assert.deepEqual(d.attrs['/3303/0/5700'], ['pmin=1', 'pmax=5']);
    assert.equal(disc.code, 0, disc.err);
    assert.match(disc.out, /^<\/3303\/0>\n<\/3303\/0\/5700>;pmin=1;pmax=5\n/);
    assert.equal(missing.code, 1, 'a device error is exit 1');
    assert.equal(JSON.parse(missing.out).status, 'NOT_FOUND(404)');
  } finally {
    d.close();
    await s.close();
  }
  const gone = await cli(['clients', '--api', 'http://127.0.0.1:35999']);
  assert.equal(gone.code, 1);
  assert.match(gone.err.trim(), /^lwm2m-sim: cannot reach http:\/\/127\.0\.0\.1:35999: .*ECONNREFUSED/);
});

test('observe streams notifications until SIGINT, then cancels the observation', async () => {
  const s = await Lwm2mServer.start({ port: 0, httpPort: 0 });
  const d = await FakeDevice.start();
  try {
    await d.register(peerOf(s.uri!), 'obs-dev');
    const p = spawn(TSX, ['sim/cli.ts', 'observe', 'obs-dev', '/3303/0/5700', '--api', `http://127.0.0.1:${s.http!.port}`], { cwd: ROOT });
    let out = '';
    p.stdout.on('data', (x) => (out += x));
    p.stderr.on('data', (x) => (out += x));
    await until(() => /observing; Ctrl-C to stop/.test(out), 15000, 'first value');
    assert.match(out, /\/3303\/0\/5700 \{"id":5700,"kind":"singleResource","type":"FLOAT","value":"21.5"\}/);
    for (const v of [24, 24.5]) {
      d.set([3303, 0, 5700], v);
      d.notify('/3303/0/5700');
    }
    await until(() => /"24\.5"/.test(out), 5000, 'two notifications');
    assert.match(out, /\/3303\/0\/5700 \{[^}]*"value":"24\.0"\}\n.*\/3303\/0\/5700 \{[^}]*"value":"24\.5"\}/);
    p.kill('SIGINT');
    const code = await new Promise((r) => p.once('exit', (c) => r(c)));
    assert.equal(code, 0);
    assert.deepEqual(s.observations('obs-dev'), [], 'cancelled on Ctrl-C');
  } finally {
    d.close();
    await s.close();
  }
});

test('lwm2m-server and bootstrap-server commands start on the given ports and serve until SIGTERM', async () => {
  const start = (args: string[]) => {
    const p = spawn(TSX, ['sim/cli.ts', ...args], { cwd: ROOT });
    let out = '';
    p.stdout.on('data', (x) => (out += x));
    p.stderr.on('data', (x) => (out += x));
    return { p, out: () => out };
  };
  const srv = start(['lwm2m-server', '--port', '35693', '--dtls-port', '35694', '--http-port', '35090', '--psk', 'dev9=dev9-id:000102']);
  const bs = start(['bootstrap-server', '--port', '35793', '--dtls-port', 'off', '--http-port', '35091', '--endpoint', 'dev9', '--server-uri', 'coaps://127.0.0.1:35694', '--server-psk', 'dev9-id:000102']);
  try {
    await until(() => /admin API/.test(srv.out()) && /admin API/.test(bs.out()), 15000, 'both servers up');
    assert.match(srv.out(), /LwM2M server: coap:\/\/127\.0\.0\.1:35693 coaps:\/\/127\.0\.0\.1:35694, admin API http:\/\/127\.0\.0\.1:35090\/api\/clients/);
    assert.match(bs.out(), /bootstrap server: coap:\/\/127\.0\.0\.1:35793, admin API .*; endpoints: dev9/);
    const sec = (await (await apiFetch('http://127.0.0.1:35090/api/security/clients')).json()) as { endpoint: string }[];
    assert.deepEqual(sec.map((x) => x.endpoint), ['dev9']);
    const cfg = (await (await apiFetch('http://127.0.0.1:35091/api/bootstrap')).json()) as Record<string, { security: Record<string, { uri: string; publicKeyOrId: number[] }> }>;
    assert.equal(cfg.dev9.security['1'].uri, 'coaps://127.0.0.1:35694');
    assert.equal(Buffer.from(cfg.dev9.security['1'].publicKeyOrId).toString(), 'dev9-id');
  } finally {
    srv.p.kill('SIGTERM');
    bs.p.kill('SIGTERM');
  }
  const codes = await Promise.all([srv.p, bs.p].map((p) => new Promise((r) => (p.exitCode !== null ? r(p.exitCode) : p.once('exit', (c) => r(c))))));
  assert.deepEqual(codes, [0, 0]);
});
