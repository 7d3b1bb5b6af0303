// Issue 20: the link tuning (CoAP ACK_TIMEOUT, ACK_RANDOM_FACTOR, MAX_RETRANSMIT of RFC 7252
// §4.8, the Update margin) and queue mode as device configuration: the provisioning tool writes
// them, the board's parser checks them, run.ts turns them into the client's options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../firmware/espruino/config';
import { tuning } from '../../firmware/espruino/run';
import { Client } from '../../firmware/lwm2m/client';
import { engineParams, params } from '../../transport/coap/constants';
import { buildConfig } from '../../tools/board-lib.mjs';

const BASE = ['--endpoint', 'urn:dev:t', '--bootstrap', 'coap://192.0.2.1:5683'];

test('provision → lwm2m.cfg → client options: the nbiot profile, overrides, queue mode', () => {
  const cfg = buildConfig([...BASE, '--link', 'nbiot', '--max-retransmit', '3', '--update-margin', '300', '--queue', 'on', '--awake', '30', '--store', '50']);
  const parsed = parseConfig(JSON.stringify(cfg));
  assert.equal(parsed.error, undefined);
  const o = tuning(parsed.cfg!, {});
  assert.deepEqual(o.coap, { ACK_TIMEOUT: 6000, ACK_RANDOM_FACTOR: 1.5, MAX_RETRANSMIT: 3 });
  assert.equal(o.updateMargin, 300000);
  assert.equal(o.queue, true);
  assert.equal(o.awake, 30000);
  assert.equal(o.store, 50);
  // MAX_TRANSMIT_WAIT = ACK_TIMEOUT × (2^(MAX_RETRANSMIT+1) − 1) × ACK_RANDOM_FACTOR
  assert.equal(params(o.coap).MAX_TRANSMIT_WAIT, 6000 * 15 * 1.5);
});

test('no tuning given: no options (the RFC 7252 defaults, Wi-Fi), no queue mode', () => {
  const o = tuning(parseConfig(JSON.stringify(buildConfig(BASE))).cfg!, {});
  assert.deepEqual(o, {});
  assert.deepEqual(tuning(parseConfig(JSON.stringify(buildConfig([...BASE, '--ack-timeout', '3000']))).cfg!, {}).coap, { ACK_TIMEOUT: 3000, ACK_RANDOM_FACTOR: 1.5, MAX_RETRANSMIT: 4 });
});

test('bad tuning: one line naming it, from the tool and from the board', () => {
  assert.throws(() => buildConfig([...BASE, '--ack-timeout', '50']), /--ack-timeout '50' must be a number from 100 to 600000/);
  assert.throws(() => buildConfig([...BASE, '--link', 'lte']), /--link 'lte' must be wifi or nbiot/);
  assert.throws(() => buildConfig([...BASE, '--queue', 'yes']), /--queue 'yes' must be on or off/);
  const cfg = { v: 1, endpoint: 'e', bootstrap: 'coap://h:1', mode: 'nosec' };
  assert.equal(parseConfig(JSON.stringify({ ...cfg, maxRetransmit: 99 })).error, 'lwm2m.cfg: maxRetransmit must be a number from 0 to 20');
  assert.equal(parseConfig(JSON.stringify({ ...cfg, ackRandom: '2' })).error, 'lwm2m.cfg: ackRandom must be a number from 1 to 4');
  assert.equal(parseConfig(JSON.stringify({ ...cfg, link: 'lte' })).error, 'lwm2m.cfg: link must be wifi or nbiot');
  assert.equal(parseConfig(JSON.stringify({ ...cfg, queue: 1 })).error, 'lwm2m.cfg: queue must be true or false');
});

test('the Update margin: the Update goes that long before the lifetime ends, at most at half the lifetime', () => {
  const at = (lifetime: number, updateMargin?: number) => {
    const c: any = { lifetime };
    Client.prototype.schedule.call({ opt: { updateMargin }, params: engineParams() } as any, c, 1000);
    return c.updateAt - 1000;
  };
  assert.equal(at(300), 300000 - 93000, 'default: MAX_TRANSMIT_WAIT (93 s)');
  assert.equal(at(300, 60000), 240000);
  assert.equal(at(300, 200000), 150000, 'at most half the lifetime');
});

test('Send on a timer: --send-paths and --send-every → lwm2m.cfg → client options; bad ones named', () => {
  const cfg = buildConfig([...BASE, '--send-paths', '/3303/0/5700,/3/0/9', '--send-every', '600']);
  assert.deepEqual([cfg.sendPaths, cfg.sendEvery], [['/3303/0/5700', '/3/0/9'], 600]);
  const parsed = parseConfig(JSON.stringify(cfg));
  assert.equal(parsed.error, undefined);
  const o = tuning(parsed.cfg!, {});
  assert.deepEqual([o.sendPaths, o.sendEvery], [['/3303/0/5700', '/3/0/9'], 600000]);
  assert.throws(() => buildConfig([...BASE, '--send-paths', '/3303/0/5700']), /--send-paths and --send-every go together/);
  assert.throws(() => buildConfig([...BASE, '--send-paths', '/3303/x', '--send-every', '60']), /--send-paths '\/3303\/x': '\/3303\/x' is not a path/);
  assert.throws(() => buildConfig([...BASE, '--send-paths', '/3/0', '--send-every', '0']), /--send-every '0' must be a number from 1 to 86400/);
  const base = { v: 1, endpoint: 'e', bootstrap: 'coap://h:1', mode: 'nosec' };
  assert.equal(parseConfig(JSON.stringify({ ...base, sendEvery: 60 })).error, 'lwm2m.cfg: sendPaths and sendEvery go together');
  assert.equal(parseConfig(JSON.stringify({ ...base, sendEvery: 60, sendPaths: '/3/0' })).error, 'lwm2m.cfg: sendPaths must be a list of paths');
  assert.equal(parseConfig(JSON.stringify({ ...base, sendEvery: 60, sendPaths: ['/3/0', 'x'] })).error, 'lwm2m.cfg: sendPaths: x is not a path /oid[/iid[/rid[/riid]]]');
  assert.equal(parseConfig(JSON.stringify({ ...base, sendEvery: 0, sendPaths: ['/3/0'] })).error, 'lwm2m.cfg: sendEvery must be a number from 1 to 86400');
});
