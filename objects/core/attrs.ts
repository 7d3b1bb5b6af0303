// Write-Attributes (LwM2M 1.1 Core §5.1.2, §5.4.4): notification attributes per
// server and path, with inheritance resource <- instance <- object, and the
// Server object's Default Minimum/Maximum Period (1/x/2, 1/x/3) below them.
import { Registry, Attrs } from './registry';

// One string, split where used: an Array of seven strings held at top level costs ~16 Espruino variables.
export var NAMES = 'pmin pmax gt lt st epmin epmax';

export function attrKey(ssid: number, path: number[]): string {
  return ssid + '|/' + path.join('/');
}

/** The attributes set exactly at `path` by server `ssid` (a copy). */
export function own(reg: Registry, ssid: number, path: number[]): Attrs {
  var a = reg.at ? reg.at[attrKey(ssid, path)] : undefined;
  var out: Attrs = {};
  for (var k in a) if (a.hasOwnProperty(k)) (out as any)[k] = (a as any)[k];
  return out;
}

/** Attributes in force at `path` for `ssid`: the deepest level wins; pmin/pmax default to the Server object's. */
export function effective(reg: Registry, ssid: number, path: number[]): Attrs {
  var out: Attrs = {};
  // (no Write-Attributes yet: nothing to look up)
  for (var d = 1; reg.at && d <= path.length; d++) {
    var a = reg.at[attrKey(ssid, path.slice(0, d))];
    for (var k in a) if (a.hasOwnProperty(k)) (out as any)[k] = (a as any)[k];
  }
  var si = reg.serverInst(ssid);
  var s = reg.obj(1);
  if (s && si >= 0) {
    if (out.pmin === undefined && typeof s.i[si][2] === 'number') out.pmin = s.i[si][2] as number;
    if (out.pmax === undefined && typeof s.i[si][3] === 'number') out.pmax = s.i[si][3] as number;
  }
  return out;
}

/** `;pmin=10;gt=20.5` for a Discover answer. */
export function attrStr(a: Attrs): string {
  var s = '';
  var names = NAMES.split(' ');
  for (var i = 0; i < names.length; i++) {
    var v = (a as any)[names[i]];
    if (v !== undefined) s += ';' + names[i] + '=' + v;
  }
  return s;
}
