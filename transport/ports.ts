// The host contract. Device code receives these at construction and never
// reaches the outside any other way: Espruino's implementations live in
// firmware/espruino/, Node's in sim/. Nothing under transport/ or objects/
// calls require('dgram'), setTimeout or Date.now() itself.

/** A datagram peer. `key` is `address + ':' + port`, used to index per-peer state in plain objects. */
export interface Peer {
  address: string;
  port: number;
}

export function peerKey(p: Peer): string {
  return p.address + ':' + p.port;
}

/**
 * Something that carries datagrams to a peer: a UDP socket, or a DTLS connection
 * seen from the layer above it. Upward delivery is a callback given to the
 * receiving engine at construction, not an event emitter.
 */
export interface DatagramPort {
  send(data: Uint8Array, peer: Peer): void;
}

/** Milliseconds, integral (Espruino's Date.now() is fractional: ports floor it). */
export interface Clock {
  now(): number;
}

/** Cryptographically strong random bytes (E.hwRand on the board, crypto.randomBytes in Node). */
export interface Rng {
  fill(out: Uint8Array): void;
}

/** Small named blobs (Espruino Storage: names of at most 28 characters, no empty writes). */
export interface Storage {
  read(name: string): Uint8Array | null;
  write(name: string, data: Uint8Array): void;
  erase(name: string): void;
  list(prefix: string): string[];
}

/**
 * The native primitives DTLS is built on; HMAC, the PRF and CCM are composed in JS above
 * them (transport/crypto/). Backends: Espruino's `require('crypto')`, node:crypto (sim/),
 * pure JS (transport/crypto/js-backend.ts). A backend may throw on failure; DTLS catches
 * at its entry points.
 */
export interface CryptoBackend {
  sha256(data: Uint8Array): Uint8Array;
  /** AES-128 ECB over whole 16-byte blocks (data.length a multiple of 16). */
  aes128EcbEncrypt(key: Uint8Array, data: Uint8Array): Uint8Array;
  /**
   * AES-128 CBC over whole blocks, no padding; returns every ciphertext block. CCM's
   * CBC-MAC is its last block with a zero IV: one native call instead of one per block,
   * which matters on the board where a JS loop is ~200x slower than native code.
   */
  aes128CbcEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array;
  /**
   * SHA-512, for Ed25519 (transport/crypto/c25519.ts): native on the board (Espruino's
   * crypto.SHA512); without it Ed25519 hashes in JS, ~1 s of board time a 128-byte block.
   */
  sha512?(data: Uint8Array): Uint8Array;
}

/** An engine driven from outside: does what is due at `now`, returns its next deadline (ms) or -1 if none. */
export interface Pollable {
  poll(now: number): number;
  /**
   * Optional: one step of the engine's background work alone (a public-key step, issue 16),
   * asked for when its last poll() returned `now`. The engine does it only when none of its
   * own deadlines of that poll has come; true: a step ran (ask again in the next turn), false:
   * nothing for it alone (poll instead). Such turns cost the stand-in ~1.3 M x86 instructions
   * each, profile markers included, where a whole round cost ~3.5 M (docs/board-clock.md, "A step alone").
   */
  work?(now: number): boolean;
}
