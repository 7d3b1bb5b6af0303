// The client on the board: the object model over the board's ports, the LwM2M client on
// one UDP port, both driven by the board's one scheduler. What start() runs by default.
import { createClient as createModel } from '../../objects/index';
import { Client } from '../lwm2m/client';
import { clearAccounts } from '../lwm2m/persistence';
import { espruinoCrypto } from '../../transport/crypto/espruino';
import type { CryptoBackend, Peer } from '../../transport/ports';
import type { Device } from './index';
import { objectsBoard } from './objects-board';

/** require('crypto') on first use: a NoSec device never needs it (and a build without it still runs). */
function lazyCrypto(d: Device): CryptoBackend {
  var be: CryptoBackend | null = null;
  var get = function (): CryptoBackend {
    if (!be) be = espruinoCrypto(d.n.require('crypto'));
    return be;
  };
  return {
    sha256: function (x: Uint8Array) {
      return get().sha256(x);
    },
    aes128EcbEncrypt: function (k: Uint8Array, x: Uint8Array) {
      return get().aes128EcbEncrypt(k, x);
    },
    aes128CbcEncrypt: function (k: Uint8Array, iv: Uint8Array, x: Uint8Array) {
      return get().aes128CbcEncrypt(k, iv, x);
    },
  };
}

export function runClient(d: Device): Client {
  var model = createModel(
    objectsBoard(d.board, d.clock, function () {
      clearAccounts(d.storage);
      d.board.reboot();
    }),
    {},
  );
  var client: Client | null = null;
  var udp = d.openUdp(function (data: Uint8Array, peer: Peer) {
    if (client) client.receive(data, peer, d.clock.now());
  });
  var c = new Client(
    model.reg,
    { udp: udp, clock: d.clock, rng: d.rng, storage: d.storage, crypto: d.crypto || lazyCrypto(d) },
    { endpoint: d.cfg.endpoint, bootstrapUri: d.cfg.bootstrap, pskIdentity: d.cfg.pskId, pskKey: d.cfg.pskKey },
    {
      log: function (ev: string, detail: string) {
        d.log(ev + ': ' + detail);
      },
    },
  );
  client = c;
  d.scheduler.add(c);
  d.scheduler.add(model);
  // A new address: the servers know the old one, so register again over new sessions.
  d.onAddress = function () {
    c.reconnect(d.clock.now());
    d.scheduler.kick();
  };
  c.start(d.clock.now());
  d.scheduler.kick();
  return c;
}
