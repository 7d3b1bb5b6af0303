// The device (dist/firmware.js) answers malformed server requests with the right CoAP codes,
// and nothing it is sent changes its state unless the request was valid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootstrapServer, simpleConfig } from '../../sim/bootstrap-server';
import { Lwm2mServer } from '../../sim/lwm2m-server';
import { startDevice } from '../../sim/device';
import { CODE, FORMAT } from '../../transport/coap/constants';
import { utf8Encode, fromHex } from '../../transport/bytes';

test('malformed and forbidden requests get 4.00, 4.01/4.03, 4.04, 4.05, 4.06, 4.15; the state is unchanged', async () => {
  const lw = await Lwm2mServer.start({ port: 0, dtlsPort: -1 });
  const bs = await BootstrapServer.start({ port: 0, dtlsPort: -1 });
  bs.setConfig('urn:dev:bad', simpleConfig({ serverUri: lw.uri!, securityMode: 'NO_SEC', shortServerId: 101, lifetime: 60 }));
  const dev = await startDevice({ endpoint: 'urn:dev:bad', bootstrapUri: bs.uri! });
  try {
    await dev.waitFor('registered', 15000);
    const ep = 'urn:dev:bad';
    const ask = async (spec: any) => (await lw.send(ep, spec)).code;
    const cases: [string, any, number][] = [
      ['unknown object', { code: CODE.GET, path: '/9999' }, CODE.NOT_FOUND],
      ['unknown instance', { code: CODE.GET, path: '/3303/7' }, CODE.NOT_FOUND],
      ['unknown resource', { code: CODE.GET, path: '/3/0/999' }, CODE.NOT_FOUND],
      ['path that is not numbers', { code: CODE.GET, path: '/3/zero' }, CODE.NOT_FOUND],
      ['Security is not for an LwM2M server', { code: CODE.GET, path: '/0/0' }, CODE.UNAUTHORIZED],
      ['write to a read-only resource', { code: CODE.PUT, path: '/3/0/0', contentFormat: FORMAT.TEXT, payload: utf8Encode('x') }, CODE.METHOD_NOT_ALLOWED],
      ['execute a non-executable resource', { code: CODE.POST, path: '/3/0/0' }, CODE.METHOD_NOT_ALLOWED],
      ['type mismatch', { code: CODE.PUT, path: '/3338/0/5850', contentFormat: FORMAT.TEXT, payload: utf8Encode('loud') }, CODE.BAD_REQUEST],
      ['malformed TLV', { code: CODE.PUT, path: '/1/0', contentFormat: FORMAT.LWM2M_TLV, payload: fromHex('c801ff') }, CODE.BAD_REQUEST],
      ['unsupported write format', { code: CODE.PUT, path: '/3338/0/5850', contentFormat: 50, payload: utf8Encode('true') }, CODE.UNSUPPORTED_CONTENT_FORMAT],
      ['unsupported Accept', { code: CODE.GET, path: '/3/0', accept: 50 }, CODE.NOT_ACCEPTABLE],
      ['Bootstrap-Finish from an LwM2M server', { code: CODE.POST, path: '/bs' }, CODE.NOT_FOUND],
      ['Create of an existing instance', { code: CODE.POST, path: '/3303', contentFormat: FORMAT.LWM2M_TLV, payload: fromHex('0400e1167678') }, CODE.BAD_REQUEST], // instance 0 { 5750: 'x' }
    ];
    const lifetimeBefore = (await lw.read(ep, [1, 0, 1])).recs![0].v;
    for (const [name, spec, want] of cases) assert.equal(await ask(spec), want, name);
    assert.equal((await lw.read(ep, [1, 0, 1])).recs![0].v, lifetimeBefore, 'the malformed TLV write changed nothing');
    assert.equal(dev.state(), 'registered');
    // an unknown critical option: 4.02 without reaching the handler
    assert.equal(await ask({ code: CODE.GET, path: '/3/0/0', options: [{ num: 65001, value: new Uint8Array([1]) }] }), CODE.BAD_OPTION);
  } finally {
    await dev.stop();
    await bs.close();
    await lw.close();
  }
});

test('an IPv6 bootstrap or server URI: the device says in one line that it has IPv4 only (as the board, whose network has no IPv6)', async () => {
  const logs: string[] = [];
  const dev = await startDevice({ endpoint: 'urn:dev:v6', bootstrapUri: 'coap://[::1]:5783', log: (ev, d) => logs.push(`${ev}: ${d}`) });
  try {
    await dev.waitFor('stopped', 3000);
    assert.ok(logs.includes("error: Bootstrap-Server URI unusable: coap://[::1]:5783 (an IPv6 address: Espruino's network is IPv4 only)"), logs.join('\n'));
  } finally {
    await dev.stop();
  }
  // a bootstrap server that writes an IPv6 LwM2M server URI: Bootstrap-Finish is refused, saying why
  const bs = await BootstrapServer.start({ port: 0, dtlsPort: -1 });
  bs.setConfig('urn:dev:v6s', simpleConfig({ serverUri: 'coap://[::1]:5683', securityMode: 'NO_SEC', shortServerId: 101, lifetime: 60 }));
  const seen: string[] = [];
  const d2 = await startDevice({ endpoint: 'urn:dev:v6s', bootstrapUri: bs.uri!, log: (ev, d) => seen.push(`${ev}: ${d}`) });
  try {
    for (const end = Date.now() + 5000; !seen.some((l) => l.includes('refused (4.06)')) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
    assert.ok(seen.includes("bootstrap-finish: server URI unusable: coap://[::1]:5683 (an IPv6 address: Espruino's network is IPv4 only)"), seen.join('\n'));
    assert.ok(seen.includes('bootstrap-finish: refused (4.06): no usable LwM2M server account'), seen.join('\n'));
  } finally {
    await d2.stop();
    await bs.close();
  }
});
