export function espruinoSource(env?: NodeJS.ProcessEnv): string;
export function espruinoCacheDir(env?: NodeJS.ProcessEnv): string;
export function espruinoBin(env?: NodeJS.ProcessEnv): string;
export function espruinoRequired(env?: NodeJS.ProcessEnv): boolean;
export const NO_ESPRUINO: string;
export function storageCopy(path: string): string;
export function storeFileCode(name: string, path: string): string;
export function storeFiles(bin: string, dir: string, files: Record<string, string>): void;
