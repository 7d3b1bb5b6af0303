// A file only its owner may read (0600), for keys and tokens: tools/provision.mjs writes
// the device configuration with it, the simulator's servers their admin API token.
import { closeSync, fchmodSync, openSync, writeSync, constants } from 'node:fs';

/** Writes `text` to `file`, mode 0600 also when the file existed (chmod before the write), never through a symlink. */
export function writePrivate(file, text) {
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
