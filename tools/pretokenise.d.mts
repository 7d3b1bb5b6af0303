/**
 * `code` (ES5) pretokenised as Espruino's ESP32 build reads it: a string of bytes (latin1), what a board's Storage
 * holds; `opts.numbers`: small integers raw too, as Espruino's own tokeniser does.
 */
export function pretokenise(code: string, opts?: { numbers?: boolean }): string;
