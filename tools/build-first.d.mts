export function bundleName(path: string): string | null;
export function buildIfStale(paths: string[]): void;
