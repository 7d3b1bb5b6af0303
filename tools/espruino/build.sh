#!/usr/bin/env bash
# Builds the board's stand-in: Espruino 2v29 (../shared/espruino/, MPL-2.0) for Linux with the ESP32's
# memory model, memory-mapped Storage and interpreter stack (LINUX_ESP32.py, *.patch beside this script:
# flash-mmap.patch, esp32-stack.patch, console-lock.patch).
# Prints the binary's path on stdout (everything else goes to stderr); builds once per set of inputs,
# cached in ${LWM2M_ESPRUINO_CACHE:-~/.cache/lwm2m-espruino}/<hash of the inputs>/espruino.
#   ESPRUINO_BIN=$(bash tools/espruino/build.sh)      # or: npm run espruino:build
# Needs gcc with 32-bit support and the 32-bit libstdc++ (Debian: gcc-multilib g++-multilib), make, python3, git, xz.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${ESPRUINO_SRC:-$here/../../../shared/espruino/espruino-2v29-src.tar.xz}
[ -f "$src" ] || { echo "espruino:build: no Espruino source at $src (set ESPRUINO_SRC)" >&2; exit 2; }
# tools/espruino/bin.mjs computes the same key to find the build (keep the two in step)
key=$(cat "$src" "$here/LINUX_ESP32.py" "$here"/*.patch "$here/build.sh" | sha256sum | cut -c1-16)
out=${LWM2M_ESPRUINO_CACHE:-$HOME/.cache/lwm2m-espruino}/2v29-esp32-$key
if [ -x "$out/espruino" ]; then echo "$out/espruino"; exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
t0=$(date +%s)
tar -xJf "$src" -C "$work"
cd "$work"/espruino-*
for p in "$here"/*.patch; do patch -p1 --quiet < "$p"; done
cp "$here/LINUX_ESP32.py" boards/
git init -q && git -c user.email=ci@localhost -c user.name=ci commit -q --allow-empty -m src   # the build asks git for a hash
mkdir -p bin
make BOARD=LINUX_ESP32 -j"$(nproc)" >"$work/make.log" 2>&1 || { tail -40 "$work/make.log" >&2; echo "espruino:build: make failed" >&2; exit 1; }
mkdir -p "$out"
cp espruino "$out/espruino" 2>/dev/null || cp bin/espruino "$out/espruino"
echo "espruino:build: built $out/espruino in $(( $(date +%s) - t0 )) s" >&2
echo "$out/espruino"
