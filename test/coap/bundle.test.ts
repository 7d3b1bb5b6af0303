// The CoAP engine as the board runs it: dist/firmware.js inside the Espruino-stripped vm
// context (sim/espruino-vm.ts), two endpoints on an in-context fake network driven by
// hand. Everything below runs as ES5 inside the context, on the context's own typed arrays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadFirmware } from '../../sim/espruino-vm';

const BUNDLE = join(import.meta.dirname, '../../dist/firmware.js');

const SCENARIO = `(function () {
  var C = LwM2M.coap;
  var queue = [];
  var nodes = {};
  var lost = 0;
  function add(name, onRequest, seed) {
    var x = seed;
    var ep = new C.CoapEndpoint({
      rng: { fill: function (b) { for (var i = 0; i < b.length; i++) { x = (x * 1103515245 + 12345) % 2147483648; b[i] = x & 255; } } },
      port: { send: function (bytes, peer) { queue.push({ from: name, to: peer.address, bytes: bytes }); } },
      onRequest: onRequest,
      stats: true
    });
    nodes[name] = ep;
    return ep;
  }
  var now = 0;
  function flush() {
    while (queue.length) {
      var d = queue.shift();
      // lose every 7th datagram: retransmissions must cover it
      if (++lost % 7 === 0) continue;
      nodes[d.to].receive(d.bytes, { address: d.from, port: 5683 }, now);
    }
  }
  function run(until) {
    for (var g = 0; g < 1000; g++) {
      flush();
      var next = -1;
      for (var k in nodes) { var t = nodes[k].poll(now); if (t >= 0 && (next < 0 || t < next)) next = t; }
      flush();
      if (queue.length) continue;
      if (next < 0 || next > until) break;
      now = next;
    }
    if (now < until) now = until;
  }
  var big = new Uint8Array(3000);
  for (var i = 0; i < big.length; i++) big[i] = (i * 13) & 255;
  var obs = null;
  var uploaded = -1;
  add('dev', function (req, peer, ex) {
    var p = C.getPathString(req);
    if (p === '/5/0/0' && req.code === C.CODE.PUT) { uploaded = req.payload.length; ex.respond({ code: C.CODE.CHANGED }); return; }
    if (p === '/3303/0/5700') { obs = ex.observe() || obs; ex.respond({ code: C.CODE.CONTENT, payload: LwM2M.utf8Encode('21.5') }); return; }
    ex.respond({ code: C.CODE.CONTENT, contentFormat: C.FORMAT.OCTET, payload: big });
  }, 7);
  var srv = add('srv', null, 11);
  var out = [];
  srv.request({ address: 'dev', port: 5683 }, { code: C.CODE.GET, path: '/big', block2Size: 256 }, now, function (e, r) {
    var ok = !e && r.payload.length === 3000;
    for (var i = 0; ok && i < 3000; i++) if (r.payload[i] !== big[i]) ok = false;
    out.push('block2:' + (ok ? 'ok' : 'bad ' + e));
  });
  var notes = [];
  srv.request({ address: 'dev', port: 5683 }, { code: C.CODE.GET, path: '/3303/0/5700', observe: true }, now, function (e, r) {
    notes.push(LwM2M.utf8Decode(r.payload) + '@' + C.getUint(r, C.OPT.OBSERVE, -1));
  });
  run(60000);
  obs.notify({ code: C.CODE.CONTENT, payload: LwM2M.utf8Encode('22.0') }, true, now);
  run(120000);
  obs.notify({ code: C.CODE.CONTENT, payload: LwM2M.utf8Encode('22.5') }, false, now);
  run(180000);
  // a Block1 upload by hand: 3 blocks of 64 bytes
  var data = new Uint8Array(150);
  for (var b = 0; b < 3; b++) {
    var m = C.message(C.TYPE.CON, C.CODE.PUT, 500 + b, new Uint8Array([9]), [], new Uint8Array(data.subarray(b * 64, Math.min(150, b * 64 + 64))));
    C.setUriPath(m, '/5/0/0');
    C.addOption(m, C.OPT.BLOCK1, C.blockBytes(b, b < 2, 2));
    nodes.dev.receive(C.encode(m), { address: 'srv', port: 5683 }, now);
  }
  queue = [];
  out.push('notes:' + notes.join(','));
  out.push('upload:' + uploaded);
  out.push('faults:' + nodes.dev.faults + '/' + srv.faults);
  out.push('retransmissions:' + (nodes.dev.stats.retransmissions + srv.stats.retransmissions));
  return out.join(' ');
})()`;

test('bundle: block-wise, observe and Block1 between two endpoints in the Espruino-stripped context, on a lossy network', () => {
  const { ctx } = loadFirmware(BUNDLE);
  try {
    const out = String(ctx.run(SCENARIO));
    assert.match(out, /block2:ok/);
    assert.match(out, /notes:21\.5@\d+,22\.0@\d+,22\.5@\d+/);
    assert.match(out, /upload:150/);
    assert.match(out, /faults:0\/0/);
    const rt = Number(/retransmissions:(\d+)/.exec(out)![1]);
    assert.ok(rt > 0, 'the lossy network caused no retransmission: the scenario proves less than it says');
  } finally {
    ctx.stop();
  }
});
