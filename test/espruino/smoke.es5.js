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
  return 'smoke ok: ' + n + ' checks, bundle ' + L.VERSION;
})();
