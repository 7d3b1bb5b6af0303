all: build

build:
	npm run build

test:
	npm test

size: build
	npm run size

sim:
	npm start

clean:
	rm -rf dist

.PHONY: all build test size sim clean

# make flash PORT=/dev/ttyUSB0 [CONFIG=dist/lwm2m.cfg.json]   (or PORT=tcp://HOST:23)
# The tools check their arguments first, then build what they upload if it is stale.
flash:
	node tools/flash.mjs --port "$(PORT)" $(if $(CONFIG),--config "$(CONFIG)")

# make hil [PORT=…]   (with ESPRUINO_BIN=… and no PORT: Espruino's Linux build is the target)
hil:
	node tools/hil.mjs $(if $(PORT),--port "$(PORT)")

.PHONY: flash hil

# make espruino: the board's stand-in, Espruino 2v29 for Linux with the ESP32's memory model and
# memory-mapped Storage (tools/espruino/); prints the binary's path: export ESPRUINO_BIN=$(make -s espruino)
espruino:
	@bash tools/espruino/build.sh

.PHONY: espruino
