#!/usr/bin/env node
// Pretokenises JavaScript for Espruino's Storage, as Espruino itself does with E.setFlags({pretokenise:1})
// for functions typed at its console (src/jslex.c, jslNewTokenisedStringFromLexer) and as its Web IDE does
// before an upload: each reserved word and multi-character operator becomes one byte (its LEX_* number,
// src/jslex.h), a non-empty string literal its raw bytes behind a length; comments and spaces go.
// On the board this pays twice: the lexer, which reads a function's body again on every call (the
// branches it skips too), matches no keywords (time), and a string literal longer than one variable's
// data stays in flash instead of being copied into variables (memory).
// Integers stay as written, unlike Espruino's tokeniser, which makes those in -32768…32767 one to three
// bytes: its lexer then makes a variable of each one it passes, in skipped code too, and reading the
// firmware.js so tokenised cost PSK power-on ~10 M instructions more than with the integers as written
// (bench:board --only psk, 2026-12-07: 452 M against 442 M; the code as built 451 M). `{ numbers: true }`
// does as Espruino does.
//   node tools/pretokenise.mjs IN.js OUT.js      (OUT is binary: latin1 bytes)
// test/espruino/pretokenise.test.ts checks the bytes (with { numbers: true }) against Espruino's own tokeniser.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tokenizer } from 'acorn';

// LEX_TYPES of src/jslex.h (Espruino 2v29): its comment forbids reordering, as uploaded code relies on it.
const LEX_ID = 128, LEX_INT = 129, LEX_FLOAT = 130, LEX_STR = 131, LEX_REGEX = 135;
const DECIMAL = -1; // this tool's own: a LEX_INT written out in decimal digits, which a `.` right after would extend
const OPERATORS = ['==', '===', '!=', '!==', '<=', '<<', '<<=', '>=', '>>', '>>>', '>>=', '>>>=', '+=', '-=', '++', '--',
  '*=', '/=', '%=', '&=', '&&', '|=', '||', '^=', '=>'];
const OPERATOR_BASE = 138; // LEX_EQUAL
const RESERVED = ['if', 'else', 'do', 'while', 'for', 'break', 'continue', 'function', 'return', 'var', 'let', 'const',
  'this', 'throw', 'try', 'catch', 'finally', 'true', 'false', 'null', 'undefined', 'new', 'in', 'instanceof', 'switch',
  'case', 'default', 'delete', 'typeof', 'void', 'debugger', 'class', 'extends', 'super', 'static', 'of'];
const RESERVED_BASE = OPERATOR_BASE + OPERATORS.length; // LEX_R_IF, right after LEX_ARROW_FUNCTION (=>)
const LEX_NULLISH = RESERVED_BASE + RESERVED.length - 1 + 10; // _LEX_R_LIST_END + 10 of padding
const OPERATOR2 = ['??'];
const RAW_STRING8 = LEX_NULLISH + 1, RAW_STRING16 = LEX_NULLISH + 2, RAW_INT0 = LEX_NULLISH + 3,
  RAW_INT8 = LEX_NULLISH + 4, RAW_INT16 = LEX_NULLISH + 5;

const tokenByte = new Map();
OPERATORS.forEach((op, i) => tokenByte.set(op, OPERATOR_BASE + i));
RESERVED.forEach((w, i) => tokenByte.set(w, RESERVED_BASE + i));
OPERATOR2.forEach((op, i) => tokenByte.set(op, LEX_NULLISH + i));

/** Espruino's jslPreserveSpaceBetweenTokens: where its lexer needs a space to read two tokens apart. */
function needsSpace(last, next) {
  const word = (t) => t === LEX_ID || t === LEX_FLOAT || t === LEX_INT || t === DECIMAL;
  if (word(last) && word(next)) return true;
  if (last === DECIMAL && next === 46) return true; // `1 .x` written as `1.x` would read as the number `1.`
  return (last === 45 && next === 45) || (last === 43 && next === 43) ||
    (last === 47 && next === LEX_REGEX) || (last === LEX_REGEX && (next === 47 || next === LEX_ID));
}

/**
 * `code` (ES5, as the build writes it) pretokenised: a string of bytes (each char one byte, latin1), what a
 * board's Storage should hold; `opts.numbers`: small integers raw too, as Espruino's own tokeniser does. A string
 * literal whose raw bytes this cannot work out (a \u escape, a character above 255, escapes beside characters above 127)
 * is copied as written, its source text's UTF-8, which the board reads as before. Throws on ES6 (a template literal).
 */
export function pretokenise(code, opts = {}) {
  const rawNumbers = opts.numbers === true;
  let out = '';
  let last = 0; // the kind of the token written last (a LEX_* number or the character's code)
  let atob = 0; // 1 after the name atob, 2 after `atob(`: Espruino decodes atob("…") into the raw string
  const tokens = [...tokenizer(code, { ecmaVersion: 5 })];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const text = code.slice(t.start, t.end);
    let kind, bytes;
    const label = t.type.label;
    if (label === 'string') {
      let value = rawValue(text, t.value);
      if (value !== undefined && atob === 2 && tokens[i + 1] && tokens[i + 1].type.label === ')') {
        value = Buffer.from(t.value, 'base64').toString('latin1');
        out = out.slice(0, -5); // the `atob(` already written
        i++; // and its `)`
      }
      kind = LEX_STR;
      bytes = value !== undefined ? rawString(value) : utf8(text);
      atob = 0;
    } else if (label === 'num') {
      const int = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|[0-9]+)$/.test(text);
      kind = int ? LEX_INT : LEX_FLOAT;
      if (/^[0-9]+$/.test(text) && (!rawNumbers || t.value > 32767)) kind = DECIMAL; // a LEX_INT, as written in digits
      const v = t.value;
      bytes = !int || v > 32767 || !rawNumbers ? text
        : v === 0 ? chr(RAW_INT0)
          : v < 128 ? chr(RAW_INT8) + chr(v)
            : chr(RAW_INT16) + chr(v & 255) + chr(v >> 8);
      atob = 0;
    } else if (label === 'name' || t.type.keyword) {
      const b = tokenByte.get(text);
      kind = b === undefined ? LEX_ID : b;
      bytes = b === undefined ? text : chr(b);
      atob = text === 'atob' && b === undefined ? 1 : 0;
    } else if (label === 'regexp') {
      kind = LEX_REGEX;
      bytes = utf8(text);
      atob = 0;
    } else if (label === 'eof') {
      break;
    } else if (label === 'template' || label === '`' || label === '${') {
      throw new Error(`pretokenise: a template literal at ${t.start} (the bundle is ES5)`);
    } else {
      const b = tokenByte.get(text);
      kind = b === undefined ? text.charCodeAt(0) : b;
      if (b === undefined && text.length !== 1) throw new Error(`pretokenise: unknown token '${text}' at ${t.start}`);
      bytes = b === undefined ? text : chr(b);
      atob = atob === 1 && text === '(' ? 2 : 0;
    }
    if (needsSpace(last, kind)) out += ' ';
    out += bytes;
    last = kind;
  }
  return out;
}

function chr(n) {
  return String.fromCharCode(n & 255);
}

/**
 * The bytes Espruino's ESP32 build (no ESPR_UNICODE_SUPPORT) reads from a string literal's source `text`, whose value
 * is `value`, when it would store them raw; undefined when the literal is better copied as it is (empty, as Espruino's
 * tokeniser leaves it; with a \u escape, or with characters above 127 as well as escapes, whose bytes this does not
 * work out: copied, they read as before).
 */
function rawValue(text, value) {
  if (value.length === 0 || /\\u/.test(text)) return undefined;
  const wide = /[^\x00-\x7f]/.test(text);
  if (wide) return /\\/.test(text) ? undefined : utf8(value); // read byte by byte, as the board reads the file
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 255) return undefined;
  return value;
}

/** Text as the bytes of its UTF-8 (each char of the result one byte), as a file holds it. */
function utf8(text) {
  return Buffer.from(text, 'utf8').toString('latin1');
}

function rawString(value) {
  const n = value.length;
  return (n < 256 ? chr(RAW_STRING8) + chr(n) : chr(RAW_STRING16) + chr(n) + chr(n >> 8)) + value;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    console.error('usage: node tools/pretokenise.mjs IN.js OUT.js');
    process.exit(2);
  }
  writeFileSync(output, Buffer.from(pretokenise(readFileSync(input, 'utf8')), 'latin1'));
}
