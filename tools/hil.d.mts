export const DEVICE_UDP_PORT: number;
export const BOOTSTRAP_PORT: number;
export interface HilOptions { port: string; hostIp: string; bundle: string; netns: boolean; inNetns: boolean; wifi: string[]; bin: string; keep: boolean }
export interface HilStep { name: string; run(ctx: any): Promise<string | void> }
export const STEPS: HilStep[];
export function parseHilArgs(argv: string[], env?: Record<string, string | undefined>): HilOptions;
export function runHil(o: HilOptions, steps?: HilStep[], log?: (s: string) => void): Promise<{ ok: boolean; failed?: string; error?: string; results: any[]; console?: string }>;
export function openConsole(port: string): Promise<any>;
export function ask(con: any, expr: string, timeoutMs?: number): Promise<any>;
