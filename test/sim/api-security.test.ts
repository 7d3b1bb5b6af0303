// Issue 15, items 1, 2 and 4: what an attacker who can reach loopback (a web page in the
// operator's browser, another local user, a hostile datagram) cannot do any more. The
// admin APIs of both servers want the token (or, for enrolment, an installer's login),
// refuse foreign Host and Origin headers and non-JSON bodies, and never list keys; an
// enrolled key never takes over an endpoint that has credentials; endpoint names are
// URN characters, and what the servers print from the network is escaped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootstrapServer, simpleConfig, type BsEvent } from '../../sim/bootstrap-server';
import { Lwm2mServer } from '../../sim/lwm2m-server';
import { SecurityStore, endpointError, logSafe } from '../../sim/lwm2m-common';
import { tokenFileFor } from '../../sim/http-util';
import { generateRpk, type RpkKeyPair } from '../../sim/rpk-keys';
import { CODE } from '../../transport/coap/constants';
import { utf8Decode } from '../../transport/bytes';
import { FakeDevice, apiFetch, peerOf, until } from './fake-device';

const ROOT = join(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const KEY = new Uint8Array(Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'));
const PASSWORD = 'correct horse battery';

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) =>
    execFile(TSX, ['sim/cli.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 20000 }, (e, out, err) =>
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err }),
    ),
  );
}

/** One HTTP request with exactly these headers (fetch may not set Host). */
function raw(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; json: { error?: string } & Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    // no Host given: none is sent
    const req = http.request({ host: '127.0.0.1', port, method, path, setHost: 'Host' in headers, headers: { ...headers, ...(body ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      let t = '';
      res.setEncoding('utf8');
      res.on('data', (x) => (t += x));
      res.on('end', () => resolve({ status: res.statusCode!, json: t.startsWith('{') ? JSON.parse(t) : {} }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function bsWith(o: Partial<Parameters<typeof BootstrapServer.start>[0]> = {}): Promise<{ bs: BootstrapServer; ev: BsEvent[] }> {
  const ev: BsEvent[] = [];
  const bs = await BootstrapServer.start({ port: -1, dtlsPort: 0, httpPort: 0, onEvent: (e) => ev.push(e), installers: { alice: PASSWORD }, ...o });
  return { bs, ev };
}

test('admin API gate on both servers: no or wrong token 401, foreign Host 403, cross-origin POST 403 (nothing enrolled), text/plain body 415', async () => {
  const { bs } = await bsWith();
  const lw = await Lwm2mServer.start({ port: 0, httpPort: 0 });
  try {
    const label = generateRpk().hash;
    const body = JSON.stringify({ label, windowMs: 7 * 86400000 });
    for (const [port, token] of [[bs.http!.port, bs.http!.token], [lw.http!.port, lw.http!.token]] as [number, string][]) {
      const host = `127.0.0.1:${port}`;
      const ok = { Host: host, Authorization: `Bearer ${token}` };
      assert.equal((await raw(port, 'GET', '/api/security/clients', ok)).status, 200, 'the token, our Host: served');
      for (const h of [`localhost:${port}`, `[::1]:${port}`]) assert.equal((await raw(port, 'GET', '/api/security/clients', { ...ok, Host: h })).status, 200, h);
      const none = await raw(port, 'GET', '/api/security/clients', { Host: host });
      assert.equal(none.status, 401);
      assert.match(none.json.error!, /^missing credentials: send Authorization: Bearer/);
      assert.equal((await raw(port, 'GET', '/api/security/clients', { Host: host, Authorization: `Bearer ${'0'.repeat(64)}` })).json.error, 'wrong credentials');
      // DNS rebinding: the browser sends the attacker's name (with the right port, or another)
      for (const h of [`evil.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', 'none']) {
        const r = await raw(port, 'GET', '/api/security/clients', h === 'none' ? { Authorization: ok.Authorization } : { ...ok, Host: h });
        if (h === 'none') assert.equal(r.status, 400, 'HTTP/1.1 without Host: node:http refuses it itself');
        else {
          assert.equal(r.status, 403, `Host '${h}'`);
          assert.match(r.json.error!, /is not this server .*DNS rebinding/);
        }
      }
      // a page on another origin (the browser adds Origin; the token would not even be there)
      for (const origin of ['http://evil.example', `http://127.0.0.1:${port + 1}`, 'null']) {
        const r = await raw(port, 'POST', '/api/enrol', { ...ok, Origin: origin, 'Content-Type': 'application/json' }, body);
        assert.equal(r.status, 403, origin);
        assert.match(r.json.error!, /^cross-origin request from .* refused$/);
      }
      assert.equal((await raw(port, 'GET', '/api/security/clients', { ...ok, Origin: `http://${host}` })).status, 200, 'our own origin');
      const text = await raw(port, 'POST', '/api/enrol', { ...ok, 'Content-Type': 'text/plain' }, body);
      assert.equal(text.status, 415);
      assert.equal(text.json.error, "Content-Type 'text/plain' refused: send application/json");
    }
    assert.deepEqual(bs.enrolmentList(), [], 'no refused request opened a window');
    // Execute's arguments may be text/plain on the LwM2M server (Leshan's form): past the gate, to the handler
    const exec = await raw(lw.http!.port, 'POST', '/api/clients/nobody/3/0/4', { Host: `127.0.0.1:${lw.http!.port}`, Authorization: `Bearer ${lw.http!.token}`, 'Content-Type': 'text/plain' }, "0='x'");
    assert.equal(exec.json.error, "no registered client with endpoint 'nobody'");
  } finally {
    await bs.close();
    await lw.close();
  }
});

test('listings never show keys: GET /api/bootstrap hides secretKey, /api/security/clients hides PSKs (both servers)', async () => {
  const security = new SecurityStore();
  security.add({ endpoint: 'dev1', identity: 'dev1-bs', key: KEY });
  const { bs } = await bsWith({ security, configs: { dev1: simpleConfig({ serverUri: 'coaps://127.0.0.1:5684', pskIdentity: 'dev1-id', pskKey: KEY }) } });
  const lw = await Lwm2mServer.start({ port: 0, httpPort: 0, security });
  try {
    const api = `http://127.0.0.1:${bs.http!.port}`;
    for (const url of [`${api}/api/bootstrap`, `${api}/api/bootstrap/dev1`, `${api}/api/security/clients`, `http://127.0.0.1:${lw.http!.port}/api/security/clients`]) {
      const text = await (await apiFetch(url)).text();
      assert.ok(!text.includes('000102030405060708090a0b0c0d0e0f') && !text.includes('[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]'), `${url} shows a key: ${text}`);
      assert.match(text, /"\(16 bytes, not shown\)"/, url);
    }
    const cfg = (await (await apiFetch(`${api}/api/bootstrap/dev1`)).json()) as { security: Record<string, { secretKey: unknown; publicKeyOrId: number[] }> };
    assert.equal(Buffer.from(cfg.security['1'].publicKeyOrId).toString(), 'dev1-id', 'identities stay visible');
    // a listing posted back cannot blank the key by accident
    const back = await apiFetch(`${api}/api/bootstrap/dev1`, { method: 'POST', body: JSON.stringify(cfg), headers: { 'Content-Type': 'application/json' } });
    assert.equal(back.status, 400);
    assert.equal(((await back.json()) as { error: string }).error, 'security 1: secretKey: give the key itself (listings do not show keys)');
  } finally {
    await bs.close();
    await lw.close();
  }
});

test('the token file: 0600 in a 0700 directory, found by the CLI, removed on close; LWM2M_API_TOKEN and --token-file work too', async () => {
  const lw = await Lwm2mServer.start({ port: 0, httpPort: 0 });
  const file = tokenFileFor(lw.http!.port);
  const api = ['--api', `http://127.0.0.1:${lw.http!.port}`];
  try {
    assert.equal(lw.http!.tokenFile, file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(file, '..')).mode & 0o077, 0, 'the directory is the user\'s alone');
    assert.equal(readFileSync(file, 'utf8').trim(), lw.http!.token);
    assert.match(lw.http!.token, /^[0-9a-f]{64}$/);
    const found = await cli(['clients', ...api]);
    assert.equal(found.code, 0, found.err);
    assert.equal(found.out, '(no registered clients)\n');
    const other = join(mkdtempSync(join(tmpdir(), 'tok-')), 't');
    writeFileSync(other, 'f'.repeat(64), { mode: 0o600 });
    const wrong = await cli(['clients', ...api, '--token-file', other]);
    assert.equal(wrong.code, 1);
    assert.equal(wrong.err, `lwm2m-sim: GET /api/clients: HTTP 401 wrong credentials (credentials from ${other})\n`);
    const env = await cli(['clients', ...api], { LWM2M_API_TOKEN: lw.http!.token, LWM2M_SIM_DIR: '/nonexistent' });
    assert.equal(env.code, 0, env.err);
    const missing = await cli(['clients', ...api], { LWM2M_SIM_DIR: '/nonexistent' });
    assert.equal(missing.code, 1);
    assert.match(missing.err, /HTTP 401 missing credentials: .*\(credentials from \/nonexistent\/api-\d+\.token \(missing: give --token-file FILE or LWM2M_API_TOKEN\)\)\n$/);
  } finally {
    await lw.close();
  }
  assert.ok(!existsSync(file), 'removed on close');
  // a given token and file
  const dir = mkdtempSync(join(tmpdir(), 'tok-'));
  const s = await Lwm2mServer.start({ port: 0, httpPort: 0, api: { token: 'a-token-of-my-own-choosing', tokenFile: join(dir, 'api.token') } });
  try {
    const r = await cli(['clients', '--api', `http://127.0.0.1:${s.http!.port}`, '--token-file', join(dir, 'api.token')]);
    assert.equal(r.code, 0, r.err);
  } finally {
    await s.close();
  }
  await assert.rejects(Lwm2mServer.start({ port: 0, httpPort: 0, api: { token: 'short' } }), /the API token must be at least 16 characters/);
});

test('installers: `enrol --installer` logs in and the enrolment names the installer; a wrong password is 401; an installer may do nothing else', async () => {
  const { bs, ev } = await bsWith();
  const api = ['--api', `http://127.0.0.1:${bs.http!.port}`];
  try {
    const k = generateRpk();
    const r = await cli(['enrol', k.hash, ...api, '--installer', 'alice', '--endpoint', 'dev7'], { LWM2M_INSTALLER_PASSWORD: PASSWORD, LWM2M_SIM_DIR: '/nonexistent' });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`^enrolled sha256:${k.hash} until \\S+ for endpoint dev7 by alice\\n$`));
    assert.deepEqual(bs.enrolmentList().map((e) => [e.hash, e.installer, e.endpoint]), [[k.hash, 'alice', 'dev7']]);
    assert.match(ev.find((e) => e.type === 'enrol')!.reason!, / \(endpoint dev7\) by alice$/);
    const pw = join(mkdtempSync(join(tmpdir(), 'pw-')), 'pw');
    writeFileSync(pw, 'not the password\n');
    const bad = await cli(['enrol', generateRpk().hash, ...api, '--installer', 'alice', '--password-file', pw]);
    assert.equal(bad.code, 1);
    assert.equal(bad.err, 'lwm2m-sim: POST /api/enrol: HTTP 401 wrong credentials (credentials from installer alice)\n');
    assert.equal((await cli(['enrol', generateRpk().hash, ...api, '--installer', 'alice'], { LWM2M_INSTALLER_PASSWORD: '' })).err, 'lwm2m-sim: --installer alice: give the password in --password-file FILE or LWM2M_INSTALLER_PASSWORD\n');
    // without --installer: the admin token (from the server's file), the operator
    const op = await cli(['enrol', generateRpk().hash, ...api]);
    assert.equal(op.code, 0, op.err);
    assert.match(op.out, / by operator\n$/);
    const basic = { Host: `127.0.0.1:${bs.http!.port}`, Authorization: `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}` };
    for (const [m, p] of [['GET', '/api/bootstrap'], ['GET', '/api/security/clients'], ['GET', '/api/enrol'], ['DELETE', '/api/security/clients/dev7']]) {
      const x = await raw(bs.http!.port, m, p, basic);
      assert.equal(x.status, 403, `${m} ${p}`);
      assert.equal(x.json.error, 'installer alice may only enrol (POST /api/enrol)');
    }
    // bad installer accounts are refused at start, one line
    await assert.rejects(BootstrapServer.start({ port: -1, dtlsPort: -1, installers: { bob: 'short' } }), /^Error: installer bob: the password must have 8 characters or more$/);
    assert.equal((await cli(['bootstrap-server', '--installer', 'bad name:xxxxxxxxxx'])).err, "lwm2m-sim: --installer: installer name 'bad name' must be 1..64 of A-Z a-z 0-9 . _ @ -\n");
  } finally {
    await bs.close();
  }
});

/** A Bootstrap-Request over DTLS-RPK with key `k` claiming endpoint `ep`: the answer's code and text. */
async function bootstrapAs(bs: BootstrapServer, k: RpkKeyPair, ep: string): Promise<{ code: number; text: string; seen: number }> {
  const d = await FakeDevice.start({ rpk: { pkcs8: k.pkcs8, spki: k.spki } });
  try {
    const r = await d.request(peerOf(bs.secureUri!), { code: CODE.POST, path: '/bs', query: [`ep=${ep}`] });
    await new Promise((res) => setTimeout(res, 200)); // a 2.04 is followed by the server's requests
    return { code: r.code, text: utf8Decode(r.payload) || '', seen: d.seen.length };
  } finally {
    d.close();
  }
}

test('enrolment never takes over an endpoint: a new key cannot become a PSK device\'s or an RPK device\'s endpoint, a second key for a bound endpoint is refused, until the operator revokes', async () => {
  const security = new SecurityStore();
  security.add({ endpoint: 'dev1', identity: 'dev1-bs', key: KEY });
  const dev2 = generateRpk();
  const cfg = simpleConfig({ serverUri: 'coaps://127.0.0.1:5684', pskIdentity: 'dm-id', pskKey: KEY });
  const { bs, ev } = await bsWith({ security, configs: { dev1: cfg, dev2: cfg, dev3: cfg } });
  const api = ['--api', `http://127.0.0.1:${bs.http!.port}`];
  const alice = { LWM2M_INSTALLER_PASSWORD: PASSWORD };
  try {
    // dev2's own key, enrolled and bound by its first Bootstrap-Request
    assert.equal((await cli(['enrol', dev2.hash, ...api, '--installer', 'alice', '--endpoint', 'dev2'], alice)).code, 0);
    assert.equal((await bootstrapAs(bs, dev2, 'dev2')).code, CODE.CHANGED);
    assert.equal(security.getRpk('dev2')?.hash, dev2.hash);
    // the issue's sequence: enrol a new key without an endpoint, bootstrap it as dev1 (PSK) or dev2 (RPK)
    const mallory = generateRpk();
    assert.equal((await cli(['enrol', mallory.hash, ...api, '--installer', 'alice'], alice)).code, 0);
    for (const [ep, has] of [['dev1', 'PSK identity dev1-bs'], ['dev2', `RPK sha256:${dev2.hash.slice(0, 16)}…`]]) {
      const r = await bootstrapAs(bs, mallory, ep);
      assert.equal(r.code, CODE.BAD_REQUEST, ep);
      assert.equal(r.text, 'Unauthorized');
      assert.equal(r.seen, 0, `${ep}'s configuration (with its PSK) was not written to the new key`);
      assert.equal(ev.filter((e) => e.type === 'rejected').pop()!.reason, `Unauthorized: endpoint ${ep} already has credentials (${has}): an operator must revoke them first (DELETE /api/security/clients/${ep})`);
    }
    assert.equal(security.get('dev1')!.identity, 'dev1-bs', 'dev1 keeps its PSK');
    assert.equal(security.getRpk('dev2')?.hash, dev2.hash, 'dev2 keeps its key');
    assert.equal(security.rpkOwner(mallory.spki), undefined);
    // a second key enrolled for a bound endpoint: refused at once (CLI and API)
    const second = await cli(['enrol', generateRpk().hash, ...api, '--endpoint', 'dev2']);
    assert.equal(second.code, 1);
    assert.match(second.err, /HTTP 400 endpoint dev2 already has credentials \(RPK sha256:[0-9a-f]{16}…\): an operator must revoke them first/);
    const again = await cli(['enrol', dev2.hash, ...api]);
    assert.match(again.err, new RegExp(`HTTP 400 RPK sha256:${dev2.hash} is already endpoint dev2's\\n$`));
    // a free endpoint: the enrolled key binds; who enrolled what is in the log and the API
    assert.equal((await bootstrapAs(bs, mallory, 'dev3')).code, CODE.CHANGED);
    const bound = ev.filter((e) => e.type === 'enrolled').pop()!;
    assert.match(bound.reason!, new RegExp(`^RPK sha256:${mallory.hash} \\(enrolled by alice at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\) is now endpoint dev3's$`));
    const list = (await (await apiFetch(`http://127.0.0.1:${bs.http!.port}/api/enrol`)).json()) as { hash: string; installer: string; time: number; boundTo: string; boundAt: number }[];
    assert.deepEqual(list.map((e) => [e.hash, e.installer, e.boundTo]), [[dev2.hash, 'alice', 'dev2'], [mallory.hash, 'alice', 'dev3']]);
    assert.ok(list.every((e) => e.time <= e.boundAt));
    const sec = (await (await apiFetch(`http://127.0.0.1:${bs.http!.port}/api/security/clients`)).json()) as { endpoint: string; installer?: string }[];
    assert.equal(sec.find((e) => e.endpoint === 'dev3')!.installer, 'alice');
    // the operator revokes dev1 (CLI): now an enrolled key may take it
    const rv = await cli(['revoke', 'dev1', ...api]);
    assert.equal(rv.code, 0, rv.err);
    assert.equal(rv.out, 'credentials of dev1 revoked\n');
    assert.equal(ev.filter((e) => e.type === 'revoked').pop()!.reason, 'credentials of endpoint dev1 revoked (PSK identity dev1-bs)');
    assert.match((await cli(['revoke', 'dev1', ...api])).err, /^lwm2m-sim: endpoint dev1 has no credentials on http:/);
    const newKey = generateRpk();
    assert.equal((await cli(['enrol', newKey.hash, ...api, '--endpoint', 'dev1'])).code, 0);
    assert.equal((await bootstrapAs(bs, newKey, 'dev1')).code, CODE.CHANGED);
    assert.equal(security.getRpk('dev1')?.hash, newKey.hash);
  } finally {
    await bs.close();
  }
});

test('endpoint names: URN characters only, at most 128; both servers answer 4.00 to control characters, and the CLI prints network text escaped', async () => {
  for (const ok of ['dev1', 'urn:dev:mac:0002a1b2c3d4', 'urn:imei:490154203237518', "a-b.c_d~e!$&'()*+,;=:@/%41", 'x'.repeat(128)]) assert.equal(endpointError(ok), null, ok);
  for (const bad of ['', 'x'.repeat(129), 'dev\n1', 'a b', 'caf\u00e9', '\u001b[2J', 'a%zz', 'a\u202eb', 'a#b', 'a?b', 'a<b']) assert.notEqual(endpointError(bad), null, JSON.stringify(bad));
  assert.equal(logSafe('a\u001b[31mb\nc\rd\u007f\u0085\u202ee'), 'a\\x1b[31mb\\x0ac\\x0dd\\x7f\\x85\\u202ee');
  const evil = '\u001b]0;pwned\u0007\nFAKE 00:00 Bootstrap-Request';
  const lw = await Lwm2mServer.start({ port: 0 });
  const d = await FakeDevice.start();
  try {
    for (const ep of [evil, 'dev\u00001', 'x'.repeat(129)]) {
      const r = await d.request(peerOf(lw.uri!), { code: CODE.POST, path: '/rd', query: [`ep=${ep}`, 'lt=60'], contentFormat: 40, payload: Buffer.from('</3/0>') });
      assert.equal(r.code, CODE.BAD_REQUEST, JSON.stringify(ep));
    }
    assert.equal(lw.clients().length, 0);
  } finally {
    await lw.close();
  }
  // the bootstrap server as a process: its log line for the refused name is one line, escaped
  const p = spawn(TSX, ['sim/cli.ts', 'bootstrap-server', '--port', '0', '--dtls-port', 'off', '--http-port', 'off'], { cwd: ROOT });
  let out = '';
  p.stdout.on('data', (x) => (out += x));
  p.stderr.on('data', (x) => (out += x));
  try {
    await until(() => /bootstrap server: coap:\/\/127\.0\.0\.1:\d+/.test(out), 15000, 'bootstrap server up');
    const port = +/coap:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1];
    const r = await d.request({ address: '127.0.0.1', port }, { code: CODE.POST, path: '/bs', query: [`ep=${evil}`] });
    assert.equal(r.code, CODE.BAD_REQUEST);
    assert.equal(utf8Decode(r.payload), 'endpoint name has characters a URN cannot have (RFC 8141)');
    await until(() => /rejected/.test(out), 5000, 'the log line');
    assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f]/.test(out), `raw control characters in the log: ${JSON.stringify(out)}`);
    const line = out.split('\n').find((l) => l.includes('rejected'))!;
    assert.ok(line.includes('[\\x1b]0;pwned\\x07\\x0aFAKE 00:00 Bootstrap-Request] Bootstrap-Request rejected (4.00): endpoint name has characters'), line);
    assert.ok(!out.split('\n').some((l) => l.startsWith('FAKE')), 'no injected line');
  } finally {
    d.close();
    p.kill('SIGTERM');
  }
});
