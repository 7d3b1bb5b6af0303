/** `code` (ES5) pretokenised as Espruino's ESP32 build reads it: a string of bytes (latin1), what a board's Storage holds. */
export function pretokenise(code: string): string;
