// One babel pass over a bundle, as tools/build.mjs's post-passes make them.
import { transformSync } from '@babel/core';

/** One babel pass over the bundle with `plugin`, its source map chained onto `inMap`. */
export function babelPass(src, inMap, plugin, generatorOpts) {
  return transformSync(src, { plugins: [plugin], inputSourceMap: inMap, sourceMaps: true, compact: true, comments: false, configFile: false, babelrc: false, sourceType: 'script', generatorOpts });
}
