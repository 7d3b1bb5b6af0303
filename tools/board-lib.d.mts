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
