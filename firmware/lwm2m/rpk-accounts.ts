// Security Mode 1 (Raw Public Key) accounts for the LwM2M client: in the RPK build only
// (firmware/main-rpk.ts calls rpkAccounts() at load). It turns a Security instance's
// resources into the DTLS client's RPK credentials (transport/dtls/rpk.ts), or one line
// saying why they are unusable, so the PSK build (firmware/main.ts) carries none of this.
//   /0/x/3 Public Key or Identity: our SubjectPublicKeyInfo DER (or the raw 32 bytes)
//   /0/x/4 Server Public Key: the server's SPKI DER (or raw 32 bytes), pinned
//   /0/x/5 Secret Key: our private key, PKCS#8 DER as Leshan writes it, or the 32-byte seed
// (LwM2M 1.1 Core Appendix E.1; Transport §5.2.8.2 "Raw Public Key mode").
import { ed25519Spki, enableRpk, rpkKeyOf } from '../../transport/dtls/rpk';
import { equal } from '../../transport/bytes';
import type { Registry } from '../../objects/core/registry';
import { useRpk } from './rpk';
import type { RpkKeys } from './rpk';

/** Said of a key the build cannot use: the key types are the build's curves (rpkKeyOf). */
var NOT_KEY = ' is not a SubjectPublicKeyInfo of a key type this build signs with, nor a raw Ed25519 key (32)';

function opaque(v: any): Uint8Array {
  return v instanceof Uint8Array ? v : new Uint8Array(0);
}

/**
 * A public key as SPKI DER of a key type this build signs with (raw 32 bytes are taken as
 * Ed25519, RFC 8410 §4); null otherwise. Checked for form only (rpkKeyOf): the server's key is
 * checked on the curve by the handshake's verification, ours by the server, and the full check
 * here cost the board's first boot ~50 M x86 instructions a key in one turn (with the P-256
 * library built for each).
 */
function spkiOf(b: Uint8Array): Uint8Array | null {
  if (b.length === 32) b = ed25519Spki(b);
  return rpkKeyOf(b) ? b : null;
}

/**
 * The keys of RPK account `secIid`, or why it is unusable. An account written without a
 * Secret Key uses the device's own key pair (the RPK Bootstrap-Server account's): the
 * bootstrap server then needs only the device's public key, and the private key never
 * leaves the device.
 */
export function rpkAccountKeys(reg: Registry, secIid: number): RpkKeys | string {
  var where = 'Security /0/' + secIid + ': ';
  var sec = reg.obj(0)!;
  var s = sec.i[secIid];
  var pub = opaque(s[3]);
  var secret = opaque(s[5]);
  if (!secret.length && s[1] !== true) {
    // the Bootstrap-Server account (the first Security instance marked so)
    var b: any = null;
    var l = sec.iids();
    for (var i = 0; i < l.length && !b; i++) if (sec.i[l[i]][1] === true) b = sec.i[l[i]];
    if (!b || b[2] !== 1) return where + 'RPK account without a Secret Key, and no RPK Bootstrap-Server account to take the device key from';
    var own = opaque(b[3]);
    if (pub.length && !equal(pub, own)) return where + 'Public Key is not the device key, and no Secret Key for it';
    pub = own;
    secret = opaque(b[5]);
  }
  var spki = spkiOf(pub);
  if (!spki) return where + 'Public Key (' + pub.length + ' bytes)' + NOT_KEY;
  if (!rpkKeyOf(spki)!.s.priv(secret)) return where + 'Secret Key (' + secret.length + ' bytes) is not a private key of the Public Key\'s type (raw 32 bytes or PKCS#8 DER)';
  var srv = opaque(s[4]);
  var srvSpki = spkiOf(srv);
  // Without the server's key anyone could answer as the server: refuse rather than not pin.
  if (!srvSpki) return where + 'Server Public Key (' + srv.length + ' bytes)' + NOT_KEY;
  return { key: secret, spki: spki, serverSpki: srvSpki };
}

/** Enables the DTLS RPK suite and RPK accounts in the client (once, at load). */
export function rpkAccounts(): void {
  enableRpk();
  useRpk(rpkAccountKeys);
}
