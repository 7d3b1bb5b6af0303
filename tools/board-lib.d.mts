export const ROOT: string;
export const CONFIG_FILE: string;
export const BUNDLE_FILE: string;
export const BOOT_FILE: string;
export const BOOT_CODE: string;
export const CLI: string;
export interface DeviceConfigJson {
  v: 1;
  endpoint: string;
  bootstrap: string;
  mode: 'psk' | 'rpk' | 'nosec';
  pskId?: string;
  pskKey?: string;
  rpkPriv?: string;
  rpkPub?: string;
  rpkServerPub?: string;
  wifi?: { ssid: string; password?: string };
  buzzerPin?: string;
  buzzerHz?: number;
  port?: number;
}
export function buildConfig(argv: string[]): DeviceConfigJson;
export function checkTarget(port: string): string;
export function uploadToStorage(o: { port: string; bundle?: string; config?: object | string; after?: string; quiet?: boolean; timeoutMs?: number }): Promise<string>;
export function runCli(args: string[], quiet?: boolean, timeoutMs?: number): Promise<string>;
export const SPKI_ED25519_PREFIX: string;
export const PKCS8_ED25519_PREFIX: string;
/** An Ed25519 key pair as hex DER, and its QR label (SHA-256 of the SPKI). */
export interface Ed25519Hex {
  pkcs8: string;
  spki: string;
  label: string;
}
export function ed25519Generate(): Ed25519Hex;
export function ed25519FromPrivate(hex: string): Ed25519Hex;
export function ed25519KeyFile(file: string): { keys: Ed25519Hex; created: boolean };
export function rpkLabel(cfg: { rpkPub?: string }): string | null;
