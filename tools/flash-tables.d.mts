/** tools/build.mjs pass 9b: `src` with each read-only typed array of constant integers (32 bytes or more) built from a string; `made`: how many. */
export function flashTables(src: string, inMap: object | undefined): { code: string; map: object; made: number };
