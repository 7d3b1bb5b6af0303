/** One babel pass over a bundle with `plugin`, its source map chained onto `inMap`. */
export function babelPass(src: string, inMap: object | undefined, plugin: unknown, generatorOpts?: object): { code: string; map: object };
