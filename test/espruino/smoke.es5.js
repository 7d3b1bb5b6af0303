// A pure-codec smoke test of dist/firmware.js, written in ES5 so that any embedded
// engine runs it: the Espruino-stripped Node context and Debian's duktape (`duk`).
// Expects the bundle's `LwM2M` global; throws on the first failure, returns a summary.
(function () {
  var L = LwM2M;
  function check(cond, what) {
    if (!cond) throw new Error('smoke failed: ' + what);
  }
  var n = 0;
  // Espruino's ESP32 build has no unicode: there text stays as UTF-8 bytes in binary strings.
  var unicode = '\u20ac'.charCodeAt(0) === 0x20ac;
  var s = unicode ? 'h\u00e9llo \u20ac \ud83d\ude00' : 'h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80';
  var u = L.utf8Encode(s);
  check(L.toHex(u) === '68c3a96c6c6f20e282ac20f09f9880', 'utf8Encode bytes ' + L.toHex(u));
  check(L.utf8Decode(u) === s, 'utf8 round trip');
  check(L.utf8Decode(L.fromHex('c0af')) === null, 'overlong utf8 refused');
  check(L.fromHex('0g') === null, 'bad hex refused');
  n += 4;
  if (L.coap) {
    var m = L.coap.decode(L.fromHex('44010000c0dec0deb474696d65'));
    check(m && m.code === 1, 'coap decode');
    check(L.toHex(L.coap.encode(m)) === '44010000c0dec0deb474696d65', 'coap re-encode');
    n += 2;
  }
  if (L.coap && L.coap.CoapEndpoint) {
    // the endpoint on the board's engine: a piggybacked answer (RFC 7252 Figure 16) and the
    // exact retransmission schedule of a CON nobody acknowledges, on a hand-driven clock
    var out = [];
    var zero = { fill: function (b) { for (var i = 0; i < b.length; i++) b[i] = 0; } };
    var ep = new L.coap.CoapEndpoint({
      port: { send: function (b) { out.push(L.toHex(b)); } },
      rng: zero,
      onRequest: function (req, peer, ex) { ex.respond({ code: 69, payload: L.utf8Encode('22.3 C') }); }
    });
    ep.receive(L.fromHex('40017d34bb74656d7065726174757265'), { address: 'a', port: 1 }, 0);
    check(out[0] === '60457d34ff32322e332043', 'coap endpoint answer ' + out[0]);
    var err = null;
    ep.request({ address: 'b', port: 2 }, { code: 1, path: '/x' }, 0, function (e) { err = e; });
    var times = [];
    var t = ep.poll(0);
    while (t >= 0 && times.length < 10) {
      times.push(t);
      t = ep.poll(t);
    }
    check(times.join(',') === '2000,6000,14000,30000,62000', 'coap retransmission schedule ' + times.join(','));
    check(err === 'timeout' && out.length === 6, 'coap timeout outcome');
    n += 3;
  }
  if (L.objects) {
    var O = L.objects;
    var now = 5000;
    var outs = [];
    var board = {
      clock: { now: function () { return now; } },
      info: { manufacturer: 'ACME', model: 'E32', serial: 'SN1', firmware: '0.1.0' },
      reboot: function () { outs.push('reboot'); },
      factoryReset: function () {},
      memFree: function () { return 42; },
      net: function () { return { bearer: 21, available: [21], rssi: -60, ips: ['10.0.0.2'] }; },
      sensor: function () { return 21.5; },
      output: function (name, on, level) { outs.push(name + (on ? ':on:' : ':off:') + level); }
    };
    var c = O.createObjectModel(board, {});
    c.reg.obj(1).add(0, { 0: 101, 1: 300, 6: true, 7: 'U' });
    var r = O.ops.read(c.reg, { srv: 101, path: [3, 0, 0] });
    check(r.code === 69 && L.utf8Decode(r.payload) === 'ACME', 'objects read text');
    r = O.ops.read(c.reg, { srv: 101, path: [3303, 0, 5700], accept: 11542 });
    check(L.toHex(r.payload) === 'e4164441ac0000', 'objects read TLV float ' + L.toHex(r.payload));
    r = O.ops.read(c.reg, { srv: 101, path: [3303, 0, 5700], accept: 112 });
    check(L.toHex(r.payload) === '81a2216c2f333330332f302f3537303002fa41ac0000', 'objects read SenML CBOR ' + L.toHex(r.payload));
    r = O.ops.read(c.reg, { srv: 101, path: [3303, 0], accept: 110 });
    check(r.code === 69 && L.utf8Decode(r.payload).indexOf('"n":"5700","v":21.5') > 0, 'objects read SenML JSON');
    // the Device Management operations by CoAP method (GET 1, POST 2, PUT 3), as dispatch calls them
    r = O.ops.manage(c.reg, { srv: 101, path: [3338, 0, 5850], cf: 0, payload: L.utf8Encode('1') }, 3, true);
    check(r.code === 68 && outs[0] === 'buzzer:on:100', 'objects write drives the buzzer');
    r = O.ops.manage(c.reg, { srv: 101, path: [1, 0], cf: 11542, payload: L.fromHex('c10164c10758') }, 2, true);
    check(r.code === 128 && c.reg.obj(1).i[0][1] === 300, 'objects write all-or-nothing');
    r = O.ops.manage(c.reg, { srv: 101, path: [3, 0, 4] }, 2, false);
    check(r.code === 68 && outs[1] === 'reboot', 'objects execute');
    r = O.ops.manage(c.reg, { srv: 101, path: [3, 0, 6], accept: 40 }, 1, false);
    check(r.code === 132, 'objects discover absent resource');
    check(O.ops.objectLinks(c.reg).indexOf('</3>;ver=1.1,</3/0>') >= 0, 'objects registration links');
    n += 9;
  }
  return 'smoke ok: ' + n + ' checks, bundle ' + L.VERSION;
})();
