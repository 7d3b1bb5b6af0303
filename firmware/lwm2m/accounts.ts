// Which Security (/0) and Server (/1) instances make an account the client can use: the
// Bootstrap-Server's, and LwM2M server accounts with a reachable URI, a mode this build speaks
// and its credentials (LwM2M 1.1 Core E.1, E.2). Part of the lifecycle (lifecycle.ts).
import { SecurityRes } from '../../objects/0-security';
import { parseUri } from './uri';
import { MODE_PSK, MODE_RPK, MODE_NOSEC } from './states';
import { noRpk, rpkCheck } from './rpk';
import type { Client } from './client';
import type { Lifecycle } from './lifecycle';

export function accountSteps(cl: Client, lc: Lifecycle): void {
  /** What an unusable URI's message adds when the URI holds an IPv6 literal (uri.ts refuses them). */
  function noIpv6(u: unknown): string {
    return ('' + u).indexOf('[') < 0 ? '' : " (an IPv6 address: Espruino's network is IPv4 only)";
  }

  /** Security instances marked Bootstrap-Server. */
  function bootstrapIid(): number[] {
    var out: number[] = [];
    var sec = cl.reg.obj(0);
    if (!sec) return out;
    var l = sec.iids();
    for (var i = 0; i < l.length; i++) if (sec.i[l[i]][1] === true) out.push(l[i]);
    return out;
  }

  /**
   * Usable LwM2M server accounts: a non-bootstrap Security instance with a URI we can
   * reach and a mode we speak, and a Server instance with the same Short Server ID.
   */
  function serverAccounts(say?: boolean): { sec: number; srv: number; ssid: number }[] {
    var out: { sec: number; srv: number; ssid: number }[] = [];
    var sec = cl.reg.obj(0);
    if (!sec) return out;
    var l = sec.iids();
    for (var i = 0; i < l.length; i++) {
      var s = sec.i[l[i]];
      if (s[SecurityRes.BootstrapServer] === true) continue;
      var ssid = s[SecurityRes.ShortServerId];
      var uri = parseUri('' + s[SecurityRes.ServerUri]);
      var mode = s[SecurityRes.Mode];
      if (!uri && say) cl.log('bootstrap-finish', 'server URI unusable: ' + s[SecurityRes.ServerUri] + noIpv6(s[SecurityRes.ServerUri]));
      if (typeof ssid !== 'number' || !uri || (!uri.secure && mode !== MODE_NOSEC)) continue;
      var k = mode !== MODE_RPK ? noPsk(l[i]) : rpkCheck ? rpkCheck(cl.reg, l[i]) : noRpk(l[i]);
      if (typeof k === 'string' && k) {
        if (say) cl.log(mode === MODE_RPK ? 'rpk' : 'psk', k);
        continue;
      }
      var srv = cl.reg.serverInst(ssid);
      if (srv >= 0) out.push({ sec: l[i], srv: srv, ssid: ssid });
    }
    return out;
  }

  /**
   * Why account `iid`, on a coaps:// URI and not RPK, cannot make a PSK handshake, or '': it
   * needs Security Mode PSK, a PSK Identity and a Secret Key. An empty key would let any
   * server that holds an empty PSK act as this account's server, so it is refused as an RPK
   * account without the server's key is (no handshake).
   */
  function noPsk(iid: number): string {
    var s: any = cl.reg.obj(0)!.i[iid];
    var uri = parseUri('' + s[SecurityRes.ServerUri]);
    var m = s[SecurityRes.Mode];
    var w = !uri || !uri.secure || m === MODE_RPK ? '' : m !== MODE_PSK ? 'Security Mode ' + m + ' with a coaps:// URI' :
      !(s[SecurityRes.PublicKeyOrId] && s[SecurityRes.PublicKeyOrId].length) ? 'PSK without a PSK Identity (/0/' + iid + '/3)' :
      !(s[SecurityRes.SecretKey] && s[SecurityRes.SecretKey].length) ? 'PSK without a Secret Key (/0/' + iid + '/5)' : '';
    return w && 'Security /0/' + iid + ': ' + w + ': no DTLS handshake; account skipped';
  }

  /** The Security instance of server account `ssid` (-1: the Bootstrap-Server's). */
  function secOf(ssid: number): any {
    var sec = cl.reg.obj(0)!;
    var l = sec.iids();
    for (var i = 0; i < l.length; i++) {
      var s = sec.i[l[i]];
      if (ssid < 0 ? s[SecurityRes.BootstrapServer] === true : s[SecurityRes.BootstrapServer] !== true && s[SecurityRes.ShortServerId] === ssid) return s;
    }
    return {};
  }

  lc.noIpv6 = noIpv6;
  lc.bootstrapIid = bootstrapIid;
  lc.serverAccounts = serverAccounts;
  lc.noPsk = noPsk;
  lc.secOf = secOf;
}
