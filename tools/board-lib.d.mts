import type { DeviceConfig } from '../firmware/espruino/config';
export const ROOT: string;
export const CONFIG_FILE: string;
export const BUNDLE_FILE: string;
export const APP_FILE: string;
export const BOOT_FILE: string;
export const BOOT_CODE: string;
/** Which bundle boots: an expression of Espruino's Storage module giving the file name ("!" + name: on trial). */
export const BOOT_SELECT: string;
export const VERIFIER_FILE: string;
export const VERIFIER_ED_FILE: string;
export const VERIFIERS: [string, string][];
export const CLI: string;
/** What `buildConfig` writes to the board's Storage: the device's own DeviceConfig (firmware/espruino/config.ts). */
export type DeviceConfigJson = DeviceConfig & { v: 1; mode: 'psk' | 'rpk' | 'nosec' };
export function buildConfig(argv: string[]): DeviceConfigJson;
export function checkTarget(port: string): string;
export function crc32(bytes: Uint8Array): number;
export function verifiersFor(config: object | string | undefined): [string, string][];
/** The Storage name of the Bootstrap-Server's verification table (firmware/lwm2m/persistence.ts TABLE + 'b'). */
export const BS_TABLE_FILE: string;
/** A P-256 SPKI's comb table (transport/crypto/p256-verify.ts) and 8 bytes of its SHA-256, as the device keeps it. */
export function p256VerifyTable(spkiHex: string): Buffer;
/** The Storage files a configuration brings beside lwm2m.cfg (name → bytes). */
export function configFiles(config: object | string | undefined): Record<string, Buffer>;
export function cliArgs(port: string, pause: boolean): string[];
export const UNPAUSED_SLEEP_S: number;
export function uploadToStorage(o: { port: string; bundle?: string; config?: object | string; files?: Record<string, Buffer | string>; after?: string; quiet?: boolean; timeoutMs?: number }): Promise<{ output: string; bytes: number; paused: boolean; unpaused?: string }>;
export function runCli(args: string[], quiet?: boolean, timeoutMs?: number): Promise<string>;
export type RpkCurve = 'p256' | 'ed25519';
export const RPK_CURVES: RpkCurve[];
export const SPKI_ED25519_PREFIX: string;
export const PKCS8_ED25519_PREFIX: string;
export const SPKI_P256_PREFIX: string;
export const PKCS8_P256_PREFIX: string;
/** A key pair as hex DER (P-256's PKCS#8 in the compact form PKCS8_P256_PREFIX ‖ d), and its QR label (SHA-256 of the SPKI). */
export interface RpkHex {
  curve: RpkCurve;
  pkcs8: string;
  spki: string;
  label: string;
}
export function rpkGenerate(curve?: RpkCurve): RpkHex;
export function ed25519Generate(): RpkHex;
export function rpkFromPrivate(hex: string, curve?: RpkCurve, flag?: string): RpkHex;
export function rpkKeyFile(file: string, curve?: RpkCurve): { keys: RpkHex; created: boolean };
export function spkiCurve(spkiHex: string | undefined): RpkCurve | null;
export function rpkBundleOf(cfg: { mode?: string; rpkPub?: string }): string | null;
export function rpkLabel(cfg: { rpkPub?: string }): string | null;
