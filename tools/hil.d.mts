export const DEVICE_UDP_PORT: number;
export const BOOTSTRAP_PORT: number;
export const LWM2M_PORT: number;
export const ECHO_UDP_PORT: number;
export const BOOTSTRAP_DTLS_PORT: number;
export const LWM2M_DTLS_PORT: number;
export const MODES: string[];
export const NOTIFICATIONS: number;
export const HIL_WARMUP: number;
export const FLAT_TOLERANCE: number;
export const MEMORY_GOAL: Record<string, number>;
export const RPK_SLOW: number;
export const RPK_DTLS: { dtlsRetransmit: number; dtlsTimeout: number };
export interface HilOptions { port: string; hostIp: string; bundle: string; rpkBundle: string; curve: 'p256' | 'ed25519'; netns: boolean; inNetns: boolean; wifi: string[]; bin: string; keep: boolean; modes: string[]; notifications: number; build: boolean; help: boolean; fota: '' | 'p256' | 'ed25519'; hookAfter?: RegExp }
export interface HilStep { name: string; run(ctx: any): Promise<string | void> }
export interface HilNumbers {
  bootToReg: number | null;
  bootToBs: number | null;
  memObserving: { usage: number; total: number } | null;
  flat: { n: number; warmup: number; samples: { at: number; usage: number }[]; growth: number; ms: number } | null;
}
export const STEPS: HilStep[];
export const LWM2M_STEPS: HilStep[];
export const FOTA_STEPS: HilStep[];
export const FOTA_VERSION: string;
export const FOTA_PEAK_GOAL: number;
export function parseHilArgs(argv: string[], env?: Record<string, string | undefined>): HilOptions;
export function pskCredentials(endpoint: string): { bs: { identity: string; key: Uint8Array }; dm: { identity: string; key: Uint8Array } };
export function rpkCredentials(curve?: 'p256' | 'ed25519'): { curve: 'p256' | 'ed25519'; device: import('./board-lib.mjs').RpkHex; bs: import('./board-lib.mjs').RpkHex; dm: import('./board-lib.mjs').RpkHex };
export function modeConfig(mode: string, hostIp: string, endpoint: string, creds: ReturnType<typeof pskCredentials> & { rpk?: ReturnType<typeof rpkCredentials>; vendorPub?: string }, wifi?: string[]): any;
export function runHil(o: HilOptions, steps?: HilStep[], log?: (s: string) => void): Promise<{ ok: boolean; failed?: string; mode?: string; error?: string; results: any[]; numbers?: Record<string, HilNumbers>; console?: string }>;
export function openConsole(port: string): Promise<any>;
export function ask(con: any, expr: string, timeoutMs?: number): Promise<any>;
export function watchLog(ctx: any): Promise<void>;
export function unwatchLog(ctx: any): Promise<'restored' | 'clean'>;
export function assertUnwatched(ctx: any): Promise<void>;
export function memoryFlat(usage: number[]): { ok: boolean; growth: number; reason?: string };
