// 30% loss and 10% duplication in both directions, 300 seeds: every handshake completes.
// With the timer capped at 4 s (the RFC's 60 s cap is for congested paths; RFC 7925 §11
// lets a device choose), 30% loss each way means a round trip succeeds 49% of the time,
// so a handshake needs about 6 tries of each flight in the worst seeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePair, seededRng, SERVER } from '../helpers/dtls-net';

test('30% loss + duplicates both ways, 300 seeds: every PSK handshake completes within 120 s of fake time', () => {
  const fails: string[] = [];
  for (let seed = 1; seed <= 300; seed++) {
    const p = makePair({ seed, retransmitInitial: 1000, retransmitMax: 4000, handshakeTimeout: 120000 });
    const r = seededRng(seed * 7919);
    p.filter = (d) => {
      const x = (r.next() % 1000) / 1000;
      if (x < 0.3) return [];
      if (x < 0.4) return [d, d];
      return [d];
    };
    let at = -1;
    const push = p.clientEvents.push.bind(p.clientEvents);
    p.clientEvents.push = (...e: any[]) => {
      if (e[0].type === 'connected') at = p.now;
      return push(...e);
    };
    p.client.send(new Uint8Array([1, 2, 3]), SERVER);
    p.run(120000);
    const ok = at >= 0;
    if (!ok) fails.push(`seed ${seed}: ${ok ? 'connected late at ' + at : 'no connection'} ${p.clientEvents.map((e) => e.type + ':' + (e.name || '')).join(',')} wire=${p.wire.length}`);
  }
  assert.deepEqual(fails, []);
});
