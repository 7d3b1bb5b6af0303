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
  return 'smoke ok: ' + n + ' checks, bundle ' + L.VERSION;
})();
