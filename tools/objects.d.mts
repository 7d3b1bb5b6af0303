/** One registry object parsed from its XML (tools/objects.mjs). */
export interface RegistryObject {
  id: number;
  name: string;
  version: string;
  /** version | 256 when multiple instances (the definition's second number). */
  info: number;
  mi: boolean;
  resources: { id: number; name: string; type: number; flags: number; ops: string; multi: boolean; mandatory: boolean; units: string; desc: string }[];
  file: string;
}
/** A file that cannot be used: the message names the file and the element. */
export class XmlError extends Error {}
export function parseObjectXml(text: string, file: string): RegistryObject;
export function compactDef(o: RegistryObject): number[];
export function emitJs(objs: RegistryObject[]): string;
export function emitDts(objs: RegistryObject[]): string;
export function readObjects(files: string[]): RegistryObject[];
