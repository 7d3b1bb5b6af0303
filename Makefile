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
