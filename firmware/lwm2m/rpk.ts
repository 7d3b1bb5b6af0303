// The LwM2M client's hook for Security Mode 1 (Raw Public Key) accounts. The PSK build
// (firmware/main.ts) leaves it empty and skips RPK accounts, saying so (noRpk); the RPK build
// (firmware/main-rpk.ts) installs rpk-accounts.ts's check here with useRpk(). No import
// beyond types: the client, its lifecycle and the firmware pull (fota.ts, a coaps:// Package
// URI) read it, and the PSK bundle carries nothing more.
import type { Registry } from '../../objects/core/registry';

/** An RPK account's keys in the DTLS client's form (transport/dtls/rpk.ts, DtlsClientOptions.rpk). */
export interface RpkKeys {
  /** Our Ed25519 private key: a 32-byte seed or PKCS#8 DER. */
  key: Uint8Array;
  /** Our SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /** The server's SubjectPublicKeyInfo DER (pinned). */
  serverSpki: Uint8Array | null;
}

/**
 * Checks RPK account `secIid` of the objects in `reg` (Security resources 3 Public Key,
 * 4 Server Public Key, 5 Secret Key) and gives its keys, or the reason they are unusable.
 * Installed by the RPK build only (rpk-accounts.ts): the PSK build carries no RPK code and
 * skips RPK accounts, saying so.
 */
export type RpkCheck = (reg: Registry, secIid: number) => RpkKeys | string;
export var rpkCheck: RpkCheck | null = null;

/** The RPK build's entry calls this once (with the DTLS RPK suite enabled). */
export function useRpk(check: RpkCheck): void {
  rpkCheck = check;
}

/** What a PSK build says of an RPK account. */
export function noRpk(secIid: number): string {
  return 'Security /0/' + secIid + ': RPK not in this build (dist/firmware-rpk.js has it); account skipped';
}
