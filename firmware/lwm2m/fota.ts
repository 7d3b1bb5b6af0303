// Firmware update on the device (issue 18, docs/firmware-update.md): the board's side of
// object 5 (objects/board.ts FirmwarePort). A pushed package streams block by block into a
// second bundle file in Storage (never whole in RAM); at its end the bundle's SHA-256 is taken
// in one native call over the flash-backed file, and the vendor's P-256 or Ed25519 signature is
// checked in slices by the verifier, evaluated from Storage (`lwm2m.ver` / `lwm2m.ved`) only for
// that check. Update
// writes a boot record that the boot file (tools/board-lib.mjs BOOT_CODE) follows: the new
// bundle is tried a bounded number of boots and confirms itself once registered; otherwise
// the boot file returns to the old one, which reports Update Result 8.
//
// The boot record: two slots (REC + '.a' / '.b'), a JSON object each, the newest by `q`;
// record q lives in slot a when q is odd, b when even, so a write never touches the slot of
// the newest record, and a torn write (cut power) fails to parse and leaves the other.
//   q  sequence     c  the bundle file that boots     p  the bundle being tried ('' none)
//   t  boots of p so far    r  Update Result to report     v  the package's version
//
// Everything runs on Espruino's own modules (Natives: require('Storage'), require('crypto'),
// E), which the simulator emulates: on the board and in the stripped context alike. Nothing of
// it is held at rest: fotaPort() builds the port (its functions are closures made by that
// call) when a transfer starts, at boot while the boot record is read, and for a bundle on trial
// until it confirms; object 5 lets it go after (docs/memory.md, "Code loaded on demand"). The
// verifier exists only during its check.
import type { FirmwarePort } from '../../objects/board';
import { FirmwareApi, ON_DOWNLOADED, ON_UPDATED } from '../../objects/5-firmware-update';
import type { Natives } from '../espruino/native';
import { utf8Decode, utf8Encode } from '../../transport/bytes';
import type { Peer } from '../../transport/ports';
import { createDtlsClient } from '../../transport/dtls/client';
import type { DtlsClientOptions, PskCredentials } from '../../transport/dtls/client';
import type { DtlsEndpoint, DtlsEvent } from '../../transport/dtls/connection';
import { espruinoCrypto } from '../../transport/crypto/espruino';
import { SecurityRes } from '../../objects/0-security';
import { CoapEndpoint } from '../../transport/coap/endpoint';
import { CODE, OPT } from '../../transport/coap/constants';
import type { Params } from '../../transport/coap/constants';
import { blockBytes } from '../../transport/coap/block';
import { EspruinoUdp } from '../espruino/udp';
import { parseUri } from './uri';
import { MODE_PSK, MODE_RPK } from './states';
import { rpkCheck } from './rpk';
import type { RpkKeys } from './rpk';

// The names and numbers (the names are strings inside fotaPort: top-level ones would be held at rest):
//   'lwm2m.fwb' the boot record, 'lwm2m.js' / 'lwm2m.js2' the bundle slots, 'lwm2m.ver' the
//   P-256 verifier (dist/fw-verify.js, defining LwM2MV), 'lwm2m.ved' the Ed25519 one
//   (dist/fw-verify-ed25519.js); BOOT_SELECT gives a bundle on trial 3 boots.
/** A new bundle that has not registered this long after boot gives up (ms). */
var CONFIRM_MS = 300000;
var HEAD = 10;
/** Pull: a download that failed mid-way (the CoAP request timed out) resumes from its next block this many times, then Update Result 4. */
var RESUMES = 3;
/** Pull: Block2 size asked for. */
var PULL_BLOCK = 512;

/** The boot record (see above); `n`: the downloaded bundle's file, until Update puts it on trial. */
interface BootRecord {
  q: number;
  c: string;
  p: string;
  t: number;
  r: number;
  v: string;
  n?: string;
}

interface Stream {
  /** bytes of the package received */
  o: number;
  /** the header, manifest and signature while they arrive */
  h: Uint8Array;
  /** their length once known (0 before) */
  hl: number;
  /** the manifest */
  m: any;
  /** the bundle file written, bytes of it written */
  f: string;
  w: number;
}

/**
 * The board's firmware port on Espruino's modules `n`; packages must be signed by `vendorHex`
 * (hex: a 65-byte P-256 point, checked by `lwm2m.ver`, or a 32-byte Ed25519 key, by
 * `lwm2m.ved`; none: every package fails its check). `coap`: the pull's CoAP transmission
 * parameters (the client's, ClientOptions.coap; default RFC 7252's). The build's target is
 * LwM2M.rpk.TARGET in the RPK builds, else psk.
 */
export function fotaPort(n: Natives, vendorHex?: string, coap?: Partial<Params>): FirmwarePort {
  var S = n.require('Storage');
  var REC = 'lwm2m.fwb';
  var A = 'lwm2m.js';
  var B = 'lwm2m.js2';
  var api: FirmwareApi | null = null;
  var s: Stream | null = null;
  var timer: any = null;

  /** The newest valid boot record, or null. */
  function bootRecord(): BootRecord | null {
    var best: BootRecord | null = null;
    for (var i = 0; i < 2; i++) {
      try {
        var x = JSON.parse(S.read(REC + (i ? '.b' : '.a')));
        if (x && x.q > 0 && typeof x.c === 'string' && (!best || x.q > best.q)) best = x;
      } catch (e) {
        // absent or torn: the other slot
      }
    }
    return best;
  }

  function record(): BootRecord {
    return bootRecord() || { q: 0, c: A, p: '', t: 0, r: 0, v: '' };
  }

  /** Writes `r` as the next record (q + 1) into the slot that does not hold the newest. */
  function put(r: BootRecord): void {
    r.q++;
    S.write(REC + (r.q & 1 ? '.a' : '.b'), JSON.stringify(r));
  }

  /** Checks the head's lengths and the manifest: 0, or an Update Result. */
  function header(): number {
    var st = s as Stream;
    var h = st.h;
    if (st.hl === 0 && st.o >= HEAD) {
      if (h[0] !== 76 || h[1] !== 87 || h[2] !== 70 || h[3] !== 87 || h[4] !== 1) return 6;
      st.hl = HEAD + ((h[6] << 8) | h[7]) + ((h[8] << 8) | h[9]);
      if (st.hl > 600) return 6;
    }
    if (st.hl === 0 || st.o < st.hl) return 0;
    var m: any = null;
    try {
      m = JSON.parse(utf8Decode(h.subarray(HEAD, HEAD + ((h[6] << 8) | h[7]))) || '');
    } catch (e) {
      return 6;
    }
    var g = n.global.LwM2M;
    var target = (g && g.rpk && g.rpk.TARGET) || 'psk';
    if (!m || m.t !== target || (h[5] !== 1 && h[5] !== 2) || typeof m.n !== 'number' || m.n < 1 || typeof m.h !== 'string' || m.h.length !== 64) return 6;
    // room for the bundle (Storage.getFree: what a write can take without a compaction)
    if (S.getFree && m.n > S.getFree()) return 2;
    st.m = m;
    st.f = record().c === A ? B : A;
    return 0;
  }

  /** Takes up to what the head still needs from `data` at `i`; returns the new position. */
  function headPart(data: Uint8Array, i: number): number {
    var st = s as Stream;
    var need = (st.hl || HEAD) - st.o;
    var take = need > data.length - i ? data.length - i : need;
    var nh = new Uint8Array(st.o + take);
    nh.set(st.h);
    nh.set(data.subarray(i, i + take), st.o);
    st.h = nh;
    st.o += take;
    return i + take;
  }

  /** A piece of the package (FirmwarePort.block). */
  function block(off: number, data: Uint8Array, more: boolean): number {
    if (off === 0) s = { o: 0, h: new Uint8Array(0), hl: 0, m: null, f: '', w: 0 };
    var st = s;
    if (!st || off !== st.o) return 4;
    var r = 0;
    var i = 0;
    // the head: kept in RAM (at most 600 bytes) until complete; twice when its lengths just became known
    for (var k = 0; k < 2 && !r && !st.m && i < data.length; k++) {
      i = headPart(data, i);
      r = header();
    }
    if (!r && i < data.length) {
      if (!st.m) r = 6;
      else if (st.w + data.length - i > st.m.n) r = 5;
      else {
        var str = n.E.toString(i ? data.subarray(i) : data);
        // the first piece creates the file at its full size; the others fill it in place
        if (str === undefined || !(st.w ? S.write(st.f, str, st.w) : S.write(st.f, str, 0, st.m.n))) r = 2;
        st.w += data.length - i;
        st.o += data.length - i;
      }
    }
    if (!r && !more) r = st.m && st.w === st.m.n ? -1 : 4;
    if (r > 0) {
      if (st.w) S.erase(st.f);
      s = null;
    }
    if (r < 0) {
      check();
      r = 0;
    }
    return r;
  }

  /** The whole package is in: SHA-256 of the bundle, then the signature in slices. */
  function check(): void {
    var st = s as Stream;
    s = null;
    var c = n.require('crypto');
    var hex = '';
    var d = new Uint8Array(c.SHA256(S.read(st.f)));
    for (var i = 0; i < d.length; i++) hex += (d[i] < 16 ? '0' : '') + d[i].toString(16);
    var step: any = null;
    var done = function (ok: boolean): void {
      step = null;
      n.global.LwM2MV = undefined;
      if (ok) {
        var r = record();
        r.v = st.m.v;
        r.p = '';
        r.r = 0;
        r.n = st.f;
        put(r);
        if (api) api.set(0, 7, st.m.v);
      } else S.erase(st.f);
      if (api) api.hook!(ON_DOWNLOADED, ok ? 0 : 5, -1);
    };
    // the vendor key's type names the algorithm (an Ed25519 key is 32 bytes): a package signed
    // with the other one is not the vendor's (5)
    var h = st.h;
    var ed = vendorHex && vendorHex.length === 64 ? 1 : 0;
    var src = hex === st.m.h && vendorHex && h[5] === 1 + ed ? S.read(ed ? 'lwm2m.ved' : 'lwm2m.ver') : undefined;
    if (src === undefined) return done(false);
    try {
      // evaluated from the flash-backed file as it is (a copy would put its 18 KB in RAM):
      // its last statement gives the verifier (tools/build.mjs). Espruino's eval runs in the
      // caller's scope, so the file's `var LwM2MV` is check()'s: the global is set here, for
      // whoever watches the check (tools/hil.mjs stops its transfer's memory samples there)
      var v = (n.global.LwM2MV = n.global.eval(src));
      var ml = (h[6] << 8) | h[7];
      var sig = h.subarray(HEAD + ml);
      var signed = h.subarray(0, HEAD + ml);
      var key = new Uint8Array(vendorHex!.length >> 1);
      for (i = 0; i < key.length; i++) key[i] = parseInt(vendorHex!.substr(2 * i, 2), 16);
      // Ed25519 signs header and manifest themselves (SHA-512 inside, native); ECDSA their SHA-256
      step = ed
        ? v.verify(key, signed, sig.subarray(0, 64), function (m: Uint8Array) {
            return new Uint8Array(c.SHA512(m));
          })
        : v.verify(key, new Uint8Array(c.SHA256(n.E.toString(signed))), sig.subarray(0, sig[1] + 2));
    } catch (e) {
      return done(false);
    }
    var tick = function (): void {
      var r = step();
      if (r) done(r === 1);
      else n.setTimeout(tick, 0);
    };
    n.setTimeout(tick, 0);
  }

  /**
   * Pull (Package URI): a coap:// or coaps:// URI fetched with Block2 (RFC 7959 §2.4) from a
   * socket of its own (coaps: a DTLS session of its own, PSK or RPK, credFor), each block into
   * block() as it arrives; a request that fails mid-way resumes from the next block (RESUMES
   * times). A URI that is not one: Update Result 7; another scheme (http://), or coaps:// on a
   * host and port no usable account names: 9.
   */
  function pull(uri: string): void {
    var u = parseUri(uri);
    var at = uri.indexOf('://');
    var cred = u && u.secure ? credFor(u.host, u.port) : null;
    var bad = at < 1 || (!u && (uri.indexOf('coap://') === 0 || uri.indexOf('coaps://') === 0)) ? 7 : !u || (u.secure && !cred) ? 9 : 0;
    if (bad) return fail(bad);
    var rest = uri.substring(at + 3);
    var path = rest.indexOf('/') < 0 ? '/' : rest.substring(rest.indexOf('/'));
    var peer = { address: u!.host, port: u!.port };
    var timer: any = null;
    var tries = 0;
    var next = 0;
    var ep: CoapEndpoint;
    var dtls: DtlsEndpoint | null = null;
    var over = false;
    var sock = new EspruinoUdp(n, { port: 49152 + (n.E.hwRand() & 16383) }, function (d, p) {
      if (dtls) dtls.receive(d, p);
      else ep.receive(d, p, now());
      poll();
    });
    var rng = {
      fill: function (b: Uint8Array) {
        for (var i = 0; i < b.length; i++) b[i] = n.E.hwRand() & 255;
      },
    };
    if (cred) {
      // coaps://: DTLS 1.2 with the account whose Server URI names this host and port
      var o: DtlsClientOptions = {
        socket: sock,
        crypto: espruinoCrypto(n.require('crypto'), n.E.defrag),
        rng: rng,
        psk: function () {
          return (cred as RpkKeys).spki ? null : (cred as PskCredentials);
        },
        onData: function (d: Uint8Array, p: Peer) {
          ep.receive(d, p, now());
        },
        onEvent: function (e: DtlsEvent) {
          // a handshake that fails (no answer, an alert, the server's key not the pinned one): the connection is lost
          if (e.type === 'error') end(4);
        },
      };
      // RPK (the RPK build only gives such credentials): the device's key pair, the server's key pinned; set
      // only then, as the client does (an endpoint with `rpk` makes ECDHE key pairs in idle turns)
      if ((cred as RpkKeys).spki) {
        o.rpk = function () {
          return cred as RpkKeys;
        };
      }
      dtls = createDtlsClient(o);
    }
    ep = new CoapEndpoint({ port: dtls || sock, rng: rng, params: coap });
    function now(): number {
      return Math.floor(Date.now());
    }
    function poll(): void {
      if (timer) n.clearTimeout(timer);
      timer = null;
      // ended (here or in a callback of ep.poll): no timer keeps a finished pull's retransmissions going
      if (over) return;
      var t = ep.poll(now());
      var d = dtls ? dtls.poll(now()) : -1;
      if (d >= 0 && (t < 0 || d < t)) t = d;
      if (t >= 0 && !over) timer = n.setTimeout(poll, t - now() > 0 ? t - now() : 0);
    }
    function end(r: number): void {
      if (over) return;
      over = true;
      if (timer) n.clearTimeout(timer);
      timer = null;
      if (dtls) dtls.close(peer);
      dtls = null;
      sock.close();
      if (r) fail(r);
    }
    function get(): void {
      var h: any = ep.request(peer, { code: CODE.GET, path: path, options: [{ num: OPT.BLOCK2, value: blockBytes(next / PULL_BLOCK, false, 5) }], onData: function (d: Uint8Array, off: number, more: boolean) {
        var r = block(off, d, more);
        next = off + d.length;
        if (r) {
          // the package refused (too large, another build…): the request ends here
          fail(r);
          throw 0;
        }
        if (!more) end(0);
      } }, now(), function (err: string | null, res?: any) {
        if (!err && res.code === CODE.CONTENT) return;
        // a lost block the CoAP layer gave up on: the next one again, a bounded number of times
        if (err === 'timeout' && s && tries++ < RESUMES) return get();
        end(err === 'aborted' ? 0 : err || res.code >> 5 !== 4 ? 4 : 7);
      });
      // resuming: the endpoint follows from this block's offset
      h._bodyLen = next;
      poll();
    }
    get();
  }

  /**
   * The credentials for a coaps:// Package URI on `host`:`port`: those of the Security
   * instance whose LwM2M Server URI is coaps:// on the same host and port (the LwM2M server's
   * own account when it serves the package; one the bootstrap server wrote for the download
   * server otherwise). PSK mode: its PSK Identity and Secret Key. RPK mode, in the RPK build
   * only (rpkCheck, rpk-accounts.ts, as the LwM2M connection takes them): the device's key pair
   * and the Server Public Key (/0/x/4) to pin. null: none usable (Update Result 9).
   */
  function credFor(host: string, port: number): PskCredentials | RpkKeys | null {
    var reg = api && api.reg;
    var sec = reg ? reg.obj(0) : null;
    if (!sec) return null;
    for (var k in sec.i) {
      var x = sec.i[k];
      var su = parseUri('' + x[SecurityRes.ServerUri]);
      var m = x[SecurityRes.Mode];
      var id = x[SecurityRes.PublicKeyOrId];
      var key = x[SecurityRes.SecretKey];
      if (!su || !su.secure || su.host !== host || su.port !== port) continue;
      if (m === MODE_PSK && key instanceof Uint8Array && key.length) {
        return { identity: id instanceof Uint8Array ? id : utf8Encode('' + (id || '')), key: key };
      }
      var r = m !== MODE_RPK ? '' : rpkCheck ? rpkCheck(reg!, +k) : '';
      if (typeof r !== 'string') return r;
    }
    return null;
  }

  /** A pull ended without a package: Update Result r (object 5 is Downloading); what it wrote is erased. */
  function fail(r: number): void {
    if (s && s.w) S.erase(s.f);
    s = null;
    if (api) api.hook!(ON_DOWNLOADED, r, -1);
  }

  return {
    block: block,
    /** Update (Execute /5/0/2 in Downloaded): the downloaded bundle goes on trial at the next boot. */
    update: function (): void {
      var r = record();
      if (!r.n || !S.read(r.n)) {
        if (api) api.hook!(ON_UPDATED, 0, -1);
        return;
      }
      r.p = r.n;
      r.n = '';
      r.t = 0;
      put(r);
      // the Execute's 2.04 leaves first
      n.setTimeout(function () {
        n.E.reboot!();
      }, 500);
    },
    download: pull,
    /** What this boot reports; a bundle on trial (State Updating) keeps the port and its deadline. */
    boot: function (a: FirmwareApi): boolean {
      api = a;
      var r = bootRecord();
      if (!r) return false;
      a.set(0, 7, r.v);
      if (!r.p) {
        a.set(0, 5, r.r);
        return false;
      }
      a.set(0, 3, 3);
      timer = n.setTimeout(function () {
        timer = null;
        var x = record();
        if (!x.p) return;
        x.p = '';
        x.r = 8;
        put(x);
        n.E.reboot!();
      }, CONFIRM_MS);
      return true;
    },
    /** The client registered: a bundle on trial keeps itself (Update Result 1). */
    confirm: function (): boolean {
      var r = bootRecord();
      if (!r || !r.p) return false;
      if (timer) n.clearTimeout(timer);
      timer = null;
      r.c = r.p;
      r.p = '';
      r.t = 0;
      r.r = 1;
      put(r);
      if (api) api.hook!(ON_UPDATED, 1, -1);
      return true;
    },
  };
}
