#!/usr/bin/env node
// npm run objects -- 3304.xml 3312.xml 3347.xml [-o owner-objects.js]
// Reads LwM2M registry object definitions (OMA's XML, as in ../shared/lwm2m-objects/ or
// the OMA registry) and writes, for the objects named only:
//   owner-objects.js   `function lwm2mDef(id)`: the compact definition the device takes
//                      (LwM2M.espruino.start(global, { objects: [{ def: lwm2mDef(3304), … }] }));
//                      its arrays exist only while start() copies them (docs/owner-objects.md);
//   owner-objects.d.ts typings for the owner's script: the API and each object's resources by
//                      id and name, so an editor completes them (@types/espruino style).
// A bad file gets one line naming the file and the element (exit status 2).
import sax from 'sax';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { basename } from 'node:path';

// objects/core/types.ts: T_* types, flags R W EX M MAND, MI
const TYPES = { string: 1, integer: 2, 'unsigned integer': 3, float: 4, boolean: 5, opaque: 6, time: 7, objlnk: 8, corelnk: 9 };
const TS_TYPES = ['never', 'string', 'number', 'number', 'number', 'boolean', 'Uint8Array', 'number', 'string', 'string'];
const R = 16, W = 32, EX = 64, M = 128, MAND = 256, MI = 256;

export class XmlError extends Error {}

/** The XML text as an element tree ({ name, attrs, children, text }); a syntax error names the file and line. */
function parseTree(text, file) {
  const p = sax.parser(true, { trim: false });
  const root = { name: '#doc', attrs: {}, children: [], text: '' };
  const stack = [root];
  let err = null;
  p.onerror = (e) => {
    err = err || new XmlError(`${file}: not well-formed XML: ${String(e.message).split('\n')[0]} (line ${p.line + 1}, column ${p.column + 1})`);
    p.error = null;
  };
  p.onopentag = (n) => {
    const el = { name: n.name, attrs: n.attributes, children: [], text: '' };
    stack[stack.length - 1].children.push(el);
    stack.push(el);
  };
  p.onclosetag = () => stack.pop();
  p.ontext = (t) => (stack[stack.length - 1].text += t);
  p.oncdata = (t) => (stack[stack.length - 1].text += t);
  try {
    p.write(text).close();
  } catch (e) {
    err = err || new XmlError(`${file}: not well-formed XML: ${String(e.message).split('\n')[0]}`);
  }
  if (err) throw err;
  return root;
}

const child = (el, name) => el.children.find((c) => c.name === name);
const textOf = (el, name) => {
  const c = child(el, name);
  return c ? c.text.trim() : undefined;
};

/** One registry object from its XML: { id, name, version, mi, resources: [{ id, name, type, flags, multi, mandatory, desc, units }] }. */
export function parseObjectXml(text, file) {
  const doc = parseTree(text, file);
  const top = doc.children[0];
  if (!top || top.name !== 'LWM2M') throw new XmlError(`${file}: <LWM2M> expected as the root element${top ? `, found <${top.name}>` : ''}`);
  const objs = top.children.filter((c) => c.name === 'Object');
  if (objs.length !== 1) throw new XmlError(`${file}: <LWM2M> holds ${objs.length} <Object> elements (one expected)`);
  const o = objs[0];
  const need = (el, name, where) => {
    const v = textOf(el, name);
    if (v === undefined) throw new XmlError(`${file}: ${where} has no <${name}>`);
    return v;
  };
  const idText = need(o, 'ObjectID', '<Object>');
  if (!/^\d{1,5}$/.test(idText) || +idText > 65534) throw new XmlError(`${file}: <ObjectID>${idText}</ObjectID> is not an object id (0..65534)`);
  const id = +idText;
  const verText = textOf(o, 'ObjectVersion') || '1.0';
  const vm = /^(\d)\.(\d)$/.exec(verText);
  if (!vm) throw new XmlError(`${file}: <ObjectVersion>${verText}</ObjectVersion> is not MAJOR.MINOR (one digit each)`);
  const miText = need(o, 'MultipleInstances', '<Object>');
  if (miText !== 'Multiple' && miText !== 'Single') throw new XmlError(`${file}: <Object> <MultipleInstances>${miText}</MultipleInstances> is neither Multiple nor Single`);
  const resEl = child(o, 'Resources');
  if (!resEl) throw new XmlError(`${file}: <Object> has no <Resources>`);
  const resources = [];
  for (const it of resEl.children.filter((c) => c.name === 'Item')) {
    const rid = it.attrs.ID;
    const where = `<Item ID="${rid}">`;
    if (!/^\d{1,5}$/.test(rid || '') || +rid > 65534) throw new XmlError(`${file}: <Item ID="${rid ?? ''}"> has no resource id (0..65534)`);
    if (resources.some((r) => r.id === +rid)) throw new XmlError(`${file}: ${where} appears twice`);
    const ops = need(it, 'Operations', where).toUpperCase();
    if (!/^(|R|W|RW|E|NONE)$/.test(ops)) throw new XmlError(`${file}: ${where} <Operations>${ops}</Operations> is not R, W, RW or E`);
    const typeText = need(it, 'Type', where);
    let type = 0;
    if (ops === 'E') {
      if (typeText && typeText.toLowerCase() !== 'none') throw new XmlError(`${file}: ${where} is executable with <Type>${typeText}</Type> (none expected)`);
    } else {
      type = TYPES[typeText.toLowerCase()];
      if (!type) throw new XmlError(`${file}: ${where} <Type>${typeText}</Type>: unknown type (String, Integer, Unsigned Integer, Float, Boolean, Opaque, Time, Objlnk, Corelnk)`);
    }
    const multi = need(it, 'MultipleInstances', where);
    if (multi !== 'Multiple' && multi !== 'Single') throw new XmlError(`${file}: ${where} <MultipleInstances>${multi}</MultipleInstances> is neither Multiple nor Single`);
    const mand = need(it, 'Mandatory', where);
    if (mand !== 'Mandatory' && mand !== 'Optional') throw new XmlError(`${file}: ${where} <Mandatory>${mand}</Mandatory> is neither Mandatory nor Optional`);
    const flags = type | (ops.includes('R') ? R : 0) | (ops.includes('W') ? W : 0) | (ops === 'E' ? EX : 0) | (multi === 'Multiple' ? M : 0) | (mand === 'Mandatory' ? MAND : 0);
    resources.push({ id: +rid, name: textOf(it, 'Name') || `Resource ${rid}`, type, flags, ops, multi: multi === 'Multiple', mandatory: mand === 'Mandatory', units: textOf(it, 'Units') || '', desc: (textOf(it, 'Description') || '').replace(/\s+/g, ' ') });
  }
  return { id, name: textOf(o, 'Name') || `Object ${id}`, version: verText, info: (+vm[1] << 4) | +vm[2] | (miText === 'Multiple' ? MI : 0), mi: miText === 'Multiple', resources, file: basename(file) };
}

/** The compact definition: [id, version | MI, n, rid, flags, …] (objects/core/types.ts ObjDef). */
export function compactDef(o) {
  const d = [o.id, o.info, o.resources.length];
  for (const r of o.resources) d.push(r.id, r.flags);
  return d;
}

/** The device side: one function whose arrays exist only while start() copies them into Uint16Arrays. */
export function emitJs(objs) {
  const lines = [
    `// Generated by \`npm run objects\` (tools/objects.mjs) from ${objs.map((o) => o.file).join(', ')}: do not edit.`,
    '// lwm2mDef(id): the definition of object `id` for LwM2M.espruino.start(global, { objects: [{ def: lwm2mDef(id), … }] }).',
    'function lwm2mDef(id) {',
  ];
  for (const o of objs) lines.push(`  if (id === ${o.id}) return [${compactDef(o).join(', ')}]; // ${o.name} ${o.version}`);
  lines.push('}', '');
  return lines.join('\n');
}

const ident = (s) => {
  const w = s.replace(/[^A-Za-z0-9]+/g, ' ').trim().split(' ').filter(Boolean).map((x) => x[0].toUpperCase() + x.slice(1));
  const id = w.join('');
  return /^[A-Za-z_]/.test(id) ? id : '_' + id;
};
const doc = (s) => s.replace(/\*\//g, '*\\/');

/** The API the owner's script uses (the same for every set of objects). */
const API_DTS = `/** A resource value: String/Objlnk/Corelnk as string, Integer/Float/Time as number, Boolean, Opaque as Uint8Array. */
type LwM2MValue = string | number | boolean | Uint8Array;
/** A multiple resource: resource instance id -> value. */
interface LwM2MMulti<T> { [riid: number]: T }
/** A definition from lwm2mDef(): the object's resources in R (type only). */
interface LwM2MDef<R> extends Array<number> { readonly __resources?: R }

/**
 * An owner object as passed to LwM2M.espruino.start(global, { objects: [...] }). After start() the
 * same object is the LwM2M object: set(), get(), iids() work on it.
 */
interface LwM2MOwnerObject<R = { [rid: number]: any }> {
  def: LwM2MDef<R>;
  /** Initial instances: instance id -> resource values. */
  inst?: { [iid: number]: Partial<R> };
  /** A live value (a pin read), or undefined for the stored one. Throwing answers the server 5.00 (logged once). */
  read?(this: LwM2MObject<R>, iid: number, rid: keyof R & number): R[keyof R] | undefined;
  /** A server wrote (iid, rid); the value is stored already (drive a relay). */
  write?(this: LwM2MObject<R>, iid: number, rid: keyof R & number, v: R[keyof R]): void;
  /** A server executed (iid, rid) with its argument string. */
  exec?(this: LwM2MObject<R>, iid: number, rid: number, args: string): void;
  /** At most this many instances (a server's Create beyond it gets 4.00). */
  max?: number;
  /** Replace the built-in object of the same id (3303 Temperature, 3338 Buzzer only). */
  replace?: boolean;
}

/**
 * An owner object once started: store a value and notify the observers per their attributes.
 * Type your literal as one: \`({ def: lwm2mDef(3304), read: function (iid, rid) { … } }) as LwM2MHumidity3304\`
 * (in JavaScript, JSDoc's @type cast of the parenthesised literal).
 */
interface LwM2MObject<R = { [rid: number]: any }> extends LwM2MOwnerObject<R> {
  set<K extends keyof R & number>(iid: number, rid: K, v: R[K]): void;
  get<K extends keyof R & number>(iid: number, rid: K): R[K] | undefined;
  /** Instance ids, ascending. */
  iids(): number[];
}

declare namespace LwM2M {
  namespace espruino {
    interface StartOptions {
      /** Your own objects: definitions from lwm2mDef(), instances and callbacks. */
      objects?: LwM2MOwnerObject<any>[];
    }
    /** Reads lwm2m.cfg, joins Wi-Fi, starts the client (once per boot); null with one console line on bad input. */
    function start(g: any, opts?: StartOptions): object | null;
  }
}
`;

/** Typings for the owner's script: the API, and per object its resources by id (with names) and a const enum of names. */
export function emitDts(objs) {
  const out = [`// Generated by \`npm run objects\` (tools/objects.mjs) from ${objs.map((o) => o.file).join(', ')}: do not edit.`, API_DTS];
  for (const o of objs) {
    const name = ident(o.name);
    out.push(`/** ${doc(o.name)} (object ${o.id}, version ${o.version}, ${o.mi ? 'multiple instances' : 'single instance'}): its resources by id. */`);
    out.push(`interface LwM2MResources${o.id} {`);
    for (const r of o.resources) {
      if (r.ops === 'E') continue;
      const t = TS_TYPES[r.type] + (r.multi ? '' : '');
      out.push(`  /** ${doc(r.name)} (${r.ops || 'no operations'}${r.mandatory ? ', mandatory' : ''}${r.units ? ', ' + doc(r.units) : ''}): ${doc(r.desc)} */`);
      out.push(`  ${r.id}${r.mandatory ? '' : '?'}: ${r.multi ? `LwM2MMulti<${t}>` : t};`);
    }
    out.push('}');
    out.push(`/** ${doc(o.name)} as an owner object. */`);
    out.push(`type LwM2M${name}${o.id} = LwM2MObject<LwM2MResources${o.id}>;`);
    out.push(`/** Resource ids of ${doc(o.name)} by name (TypeScript writes the numbers in place). */`);
    out.push(`declare const enum ${name}${o.id} {`);
    const used = new Set();
    for (const r of o.resources) {
      let k = ident(r.name);
      if (used.has(k)) k += r.id;
      used.add(k);
      out.push(`  ${k} = ${r.id},`);
    }
    out.push('}');
  }
  out.push('', '/** The definition of an object generated here. */');
  for (const o of objs) out.push(`declare function lwm2mDef(id: ${o.id}): LwM2MDef<LwM2MResources${o.id}>;`);
  out.push('');
  return out.join('\n');
}

/** Reads the files, checks them together (one object id once), returns the parsed objects. */
export function readObjects(files) {
  const objs = [];
  for (const f of files) {
    if (!existsSync(f)) throw new XmlError(`${f}: not found`);
    const o = parseObjectXml(readFileSync(f, 'utf8'), f);
    const dup = objs.find((x) => x.id === o.id);
    if (dup) throw new XmlError(`${f}: object ${o.id} is already defined by ${dup.file}`);
    objs.push(o);
  }
  return objs;
}

const USAGE = `usage: npm run objects -- FILE.xml [FILE.xml …] [-o owner-objects.js]
  writes owner-objects.js (lwm2mDef(id) for the objects named) and owner-objects.d.ts (their typings)`;

function main(argv) {
  const files = [];
  let out = 'owner-objects.js';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-o' || a === '--out') {
      out = argv[++i];
      if (!out || !out.endsWith('.js')) return fail(`${a} needs a FILE.js`);
    } else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      return 0;
    } else if (a.startsWith('-')) return fail(`unknown option '${a}'`);
    else files.push(a);
  }
  if (!files.length) return fail('no XML file named (npm run objects -- 3304.xml …)');
  let objs;
  try {
    objs = readObjects(files);
  } catch (e) {
    if (e instanceof XmlError) return fail(e.message);
    throw e;
  }
  writeFileSync(out, emitJs(objs));
  const dts = out.replace(/\.js$/, '.d.ts');
  writeFileSync(dts, emitDts(objs));
  console.log(`objects: ${objs.map((o) => `${o.id} ${o.name} ${o.version}`).join(', ')} -> ${out}, ${dts}`);
  return 0;
}

function fail(m) {
  console.error(`objects: ${m}`);
  return 2;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.slice(2));
