export declare const DIRS: string[];
export declare function runtimeImports(text: string, fileName?: string): string[];
export declare function findCycles(dirs?: string[], base?: string): string[][];
