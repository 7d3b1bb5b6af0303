// DTLS 1.2 Connection ID (RFC 9146): the hello extension connection_id (54) and, for our
// server, the CID → session map that keeps a session across a NAT rebinding.
//
// The device offers an empty CID (it does not need to receive CID records: the server then
// sends it ordinary records) and takes the server's: from then on every protected record it
// sends is a tls12_cid record carrying that CID (connection.ts's record(), record.ts), so the
// server finds the session when the device's address or port changes, with no handshake.
// Our server gives every client that offers the extension a 6-byte CID (DTLS.SERVER_CID),
// finds sessions by it (an unknown CID is dropped silently, §6), and moves a session to a new
// address only for an authentic record newer than any before (§6).
import type { Peer } from '../ports';
import { peerKey } from '../ports';
import { copyOf, toHex } from '../bytes';
import { A, DTLS, EXT } from './constants';
import type { DtlsEndpoint, Session } from './connection';
import type { DtlsRecord } from './record';

// The ClientHello extension the device sends, connection_id with an empty cid (RFC 9146 §3:
// 0, EXT.CONNECTION_ID, 0, 1, 0), is written in place by the hellos (handshake.ts, rpk-codec.ts),
// in the array literals they build anyway: as an array held at top level it cost 7 variables.

/**
 * The server's CID from a (checked well-formed) ServerHello body into the session, when it
 * gave a non-empty one; 0, or decode_error for a malformed extension.
 */
export function takeCid(s: Session, b: Uint8Array): number {
  var p = 40 + b[34];
  while (p + 4 <= b.length) {
    var n = (b[p + 2] << 8) | b[p + 3];
    if (((b[p] << 8) | b[p + 1]) === EXT.CONNECTION_ID) {
      if (n < 1 || b[p + 4] !== n - 1) return A.DECODE_ERROR;
      if (n > 1) s.cid = copyOf(b, p + 5, p + 4 + n);
    }
    p += 4 + n;
  }
  return 0;
}

/** Server side: the CID a (decodeClientHello-checked) ClientHello body offers (possibly empty), or null when it does not offer the extension or it is malformed. */
export function clientCid(b: Uint8Array): Uint8Array | null {
  var p = 34;
  p += 1 + b[p];
  p += 1 + b[p];
  p += 2 + ((b[p] << 8) | b[p + 1]);
  p += 1 + b[p] + 2;
  while (p + 4 <= b.length) {
    var n = (b[p + 2] << 8) | b[p + 3];
    if (((b[p] << 8) | b[p + 1]) === EXT.CONNECTION_ID) return n >= 1 && b[p + 4] === n - 1 && p + 4 + n <= b.length ? b.subarray(p + 5, p + 4 + n) : null;
    p += 4 + n;
  }
  return null;
}

/** Server side: sessions by the hex of the CID we gave them. */
export interface CidMap {
  [hex: string]: Session;
}

/**
 * Server side: a new CID for session `s` (whose client offered `offered`), kept in `m`; the
 * client's own CID, when not empty, goes into the session (our records then carry it). The
 * ServerHello extension to send: connection_id with our CID.
 */
export function giveCid(ep: DtlsEndpoint, m: CidMap, s: Session, offered: Uint8Array): number[] {
  var cid = ep.hs().random(DTLS.SERVER_CID);
  m[toHex(cid)] = s;
  if (offered.length) s.cid = copyOf(offered);
  var ext = [0, EXT.CONNECTION_ID, 0, 1 + cid.length, cid.length];
  for (var i = 0; i < cid.length; i++) ext.push(cid[i]);
  return ext;
}

/** Server side: the live session a tls12_cid record names, or null. */
export function sessionByCid(ep: DtlsEndpoint, m: CidMap, r: DtlsRecord): Session | null {
  var k = toHex(r.cid!);
  var s = m[k];
  if (s && ep.s['p' + peerKey(s.peer)] !== s) {
    delete m[k];
    s = undefined as unknown as Session;
  }
  return s || null;
}

/** Server side: forgets the CIDs of sessions no longer live. */
export function sweepCids(ep: DtlsEndpoint, m: CidMap): void {
  for (var k in m) if (ep.s['p' + peerKey(m[k].peer)] !== m[k]) delete m[k];
}

/** Server side: the session follows its peer to `peer` (an authentic, newer CID record came from there). */
export function moveSession(ep: DtlsEndpoint, s: Session, peer: Peer): void {
  delete ep.s['p' + peerKey(s.peer)];
  s.peer = { address: peer.address, port: peer.port };
  ep.s['p' + peerKey(peer)] = s;
}
