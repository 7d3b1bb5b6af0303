// A greenhouse node: humidity on D34, a fan relay on D26, a push button on D0.
// npm run objects -- 3304.xml 3312.xml 3347.xml    (writes owner-objects.js and .d.ts)
// npm run flash -- --port /dev/ttyUSB0 --app owner-objects.js --app greenhouse.js
var humidity = {
  def: lwm2mDef(3304),                        // Humidity
  inst: { 0: { 5700: 0, 5701: '%RH' } }
};
var relay = {
  def: lwm2mDef(3312),                        // Power Control
  inst: { 0: { 5850: false, 5750: 'fan' } },
  write: function (iid, rid, v) {             // a server's Write, stored already
    if (rid === 5850) digitalWrite(D26, v);
  }
};
var button = {
  def: lwm2mDef(3347),                        // Push button
  inst: { 0: { 5500: false, 5501: 0 } }
};
LwM2M.espruino.start(global, { objects: [humidity, relay, button] });
setInterval(function () {                     // every 10 s: 0..1 on the ADC -> 0..100 %RH
  humidity.set(0, 5700, Math.round(analogRead(D34) * 1000) / 10);
}, 10000);
setWatch(function (e) {                       // pressed: the pin goes low
  button.set(0, 5500, !e.state);
  if (!e.state) button.set(0, 5501, button.get(0, 5501) + 1);
}, D0, { repeat: true, edge: 'both', debounce: 20 });
