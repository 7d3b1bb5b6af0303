// Server resource 4, Disable (LwM2M 1.1 Core Appendix E.2): "After receiving Execute, the LwM2M
// Client MUST send the response of the operation and perform de-registration". The device is the
// bundle (sim/device.ts) restoring a server account from storage; the server is scripted here and
// records the order in which the Execute's response and the De-register arrive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UdpCoap } from '../helpers/udp-coap';
import { CODE, OPT } from '../../transport/coap/constants';
import { CoapMessage, getStrings } from '../../transport/coap/message';
import { MemoryStorage } from '../../sim/node-ports';
import { startDevice } from '../../sim/device';
import { createObjectModel } from '../../objects/index';
import { accountStore } from '../../firmware/lwm2m/persistence';
import { utf8Encode } from '../../transport/bytes';
import { fakeBoard } from '../objects/fake-board';
import type { Peer } from '../../transport/ports';

test('Execute Disable (/1/0/4): the 2.04 reaches the server before the De-register', async () => {
  const order: string[] = [];
  let regPeer: Peer | null = null;
  const srv = new UdpCoap({
    onRequest: (req: CoapMessage, peer: Peer, ex: any) => {
      const path = (getStrings(req, OPT.URI_PATH) || []).join('/');
      if (req.code === CODE.POST && path === 'rd') {
        regPeer = peer;
        ex.respond({ code: CODE.CREATED, options: [{ num: OPT.LOCATION_PATH, value: utf8Encode('rd') }, { num: OPT.LOCATION_PATH, value: utf8Encode('d1') }] });
      } else if (req.code === CODE.DELETE && path === 'rd/d1') {
        order.push('DELETE /rd/d1');
        ex.respond({ code: CODE.DELETED });
      } else ex.respond({ code: CODE.NOT_FOUND });
    },
  });
  const port = await srv.bind();
  // A stored server account (Security /0/1 NoSec, Server /1/0): the device registers without bootstrapping.
  const storage = new MemoryStorage();
  const m = createObjectModel(fakeBoard().board);
  m.reg.obj(0)!.add(0, { 0: 'coap://127.0.0.1:9', 1: true, 2: 3, 3: new Uint8Array(0), 5: new Uint8Array(0) });
  m.reg.obj(0)!.add(1, { 0: `coap://127.0.0.1:${port}`, 1: false, 2: 3, 3: new Uint8Array(0), 5: new Uint8Array(0), 10: 5 });
  m.reg.obj(1)!.add(0, { 0: 5, 1: 300, 5: 86400, 7: 'U' });
  accountStore(storage).save(m.reg);
  const dev = await startDevice({ endpoint: 'urn:dev:disable', bootstrapUri: 'coap://127.0.0.1:9', storage });
  try {
    await dev.waitFor('registered', 5000);
    assert.ok(regPeer);
    await new Promise<void>((resolve, reject) => {
      srv.ep.request(regPeer!, { code: CODE.POST, path: '/1/0/4' }, srv.now(), (err: string | null, res?: CoapMessage) => {
        if (err) return reject(new Error(err));
        order.push(`response ${res!.code === CODE.CHANGED ? '2.04' : res!.code}`);
        resolve();
      });
      srv.kick();
    });
    for (let i = 0; i < 200 && order.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(order, ['response 2.04', 'DELETE /rd/d1']);
  } finally {
    dev.kill();
    srv.close();
  }
});
