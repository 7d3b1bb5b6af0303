#!/bin/false
# lwm2m-espruino's stand-in for an ESP32: Espruino 2v29's Linux target built with the ESP32's memory
# model and speed settings (compare boards/ESP32.py in Espruino's source), used by the HIL runner,
# the board tests and `npm run bench:board`. tools/espruino/build.sh copies it into the source tree.
#  - 16,383 variables of 14 bytes in one block allocated at start (ESP32.py 'variables', JSVAR_MALLOC);
#  - 32-bit (-m32, as the Xtensa core), -Og (ESP32.py 'optimizeflags'), no unicode (the ESP32 has none);
#  - Storage: 896 KB in 4 KB pages (ESP32.py 'saved_code', partitions_espruino.csv), memory-mapped
#    (LINUX_FLASH_MMAP, tools/espruino/flash-mmap.patch) as the ESP32 maps its js_code partition.
#  - the interpreter's stack: 25,000 bytes (ESP32.py ESP_STACK_SIZE; LINUX_STACK_SIZE, esp32-stack.patch), so
#    "Too much recursion" comes where the ESP32's stack check puts it, not after the Linux build's 1 MB.
#    The frames are x86-32's, not Xtensa's: the depth is close to the board's, not the same.
#  - the console's input queue: filled by a second thread on Linux, so the sections where the ESP32
#    keeps its UART interrupt out hold a lock (LINUX_CONSOLE_LOCK, console-lock.patch); without it
#    a character arriving while the main loop takes from the queue can be lost (a serial upload).
#  - the input buffer: 4,096 bytes (ESP32.py io_buffer_size).
# Not modelled: Wi-Fi, pins, E.getTemperature.
import pinutils;
info = {
 'name' : "Linux with the ESP32's memory model (lwm2m-espruino)",
 'default_console' : "EV_USBSERIAL",
 'variables' : 16383,
 'io_buffer_size' : 4096,   # ESP32.py: the input buffer (the Linux target's default is 1,024)
 'binary_name' : 'espruino',
 'build' : {
   'optimizeflags' : '-Og',
   'libraries' : [
     'NET',
     'CRYPTO','SHA256','SHA512','AES',   # the ESP32 gets AES through 'TLS'
     'TELNET',
     'FILESYSTEM',
   ],
   'makefile' : [
     'CFLAGS+=-m32', 'LDFLAGS+=-m32', 'DEFINES+=-DUSE_CALLFUNCTION_HACK',
     'DEFINES+=-DLINUX_FLASH_MMAP=1',
     'DEFINES+=-DLINUX_STACK_SIZE=25000',
     'DEFINES+=-DLINUX_CONSOLE_LOCK=1',
     'LINUX=1',
   ]
 }
};
chip = {
  'part' : "LINUX",
  'family' : "LINUX",
  'package' : "",
  'ram' : 0,
  'flash' : 896,
  'speed' : -1,
  'usart' : 6,
  'spi' : 3,
  'i2c' : 3,
  'adc' : 0,
  'dac' : 0,
  'saved_code' : {
    'address' : 0x10000000,
    'page_size' : 4096,
    'pages' : 224,
    'flash_available' : 0,
  },
};

devices = {
  'USB' : {}
};

def get_pins():
  return pinutils.generate_pins(0,32)
