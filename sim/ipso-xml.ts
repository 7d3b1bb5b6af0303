// Registry XML for the owner-objects example (docs/owner-objects.md) and its tests: Humidity
// 3304, Power Control 3312 and Push button 3347 with the resources (ids, operations, types,
// multiplicity, mandatory) the OMA registry gives them, plus an object of our own (33000) —
// written out here so that tests and `npm run mem:report -- --app` need no download
// (tools/objects.mjs reads any registry file the same way).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function item(id: number, name: string, ops: string, type: string, mand = false, multi = false): string {
  return `<Item ID="${id}"><Name>${name}</Name><Operations>${ops}</Operations><MultipleInstances>${multi ? 'Multiple' : 'Single'}</MultipleInstances>` +
    `<Mandatory>${mand ? 'Mandatory' : 'Optional'}</Mandatory><Type>${type}</Type><RangeEnumeration></RangeEnumeration><Units></Units><Description>${name}.</Description></Item>`;
}

export function objectXml(id: number, name: string, ver: string, mi: boolean, items: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<LWM2M xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://openmobilealliance.org/tech/profiles/LWM2M-v1_1.xsd">\n<Object ObjectType="MODefinition"><Name>${name}</Name><Description1></Description1><ObjectID>${id}</ObjectID>` +
    `<ObjectURN>urn:oma:lwm2m:${id >= 10241 ? 'x' : 'ext'}:${id}${ver === '1.0' ? '' : ':' + ver}</ObjectURN><LWM2MVersion>1.1</LWM2MVersion><ObjectVersion>${ver}</ObjectVersion><MultipleInstances>${mi ? 'Multiple' : 'Single'}</MultipleInstances>` +
    `<Mandatory>Optional</Mandatory><Resources>${items.join('')}</Resources><Description2></Description2></Object></LWM2M>\n`;
}

/** The files by name: 3304.xml, 3312.xml, 3347.xml (the example's three) and vent.xml (33000, ours). */
export const EXAMPLE_XML: Record<string, string> = {
  '3304.xml': objectXml(3304, 'Humidity', '1.0', true, [
    item(5700, 'Sensor Value', 'R', 'Float', true), item(5601, 'Min Measured Value', 'R', 'Float'), item(5602, 'Max Measured Value', 'R', 'Float'),
    item(5603, 'Min Range Value', 'R', 'Float'), item(5604, 'Max Range Value', 'R', 'Float'), item(5701, 'Sensor Units', 'R', 'String'),
    item(5605, 'Reset Min and Max Measured Values', 'E', ''),
  ]),
  '3312.xml': objectXml(3312, 'Power Control', '1.0', true, [
    item(5850, 'On/Off', 'RW', 'Boolean', true), item(5851, 'Dimmer', 'RW', 'Integer'), item(5852, 'On time', 'RW', 'Integer'),
    item(5805, 'Cumulative active power', 'R', 'Float'), item(5820, 'Power factor', 'R', 'Float'), item(5750, 'Application Type', 'RW', 'String'),
  ]),
  '3347.xml': objectXml(3347, 'Push button', '1.0', true, [
    item(5500, 'Digital Input State', 'R', 'Boolean', true), item(5501, 'Digital Input Counter', 'R', 'Integer'), item(5750, 'Application Type', 'RW', 'String'),
    item(5518, 'Timestamp', 'R', 'Time'), item(6050, 'Fractional Timestamp', 'R', 'Float'),
  ]),
  'vent.xml': objectXml(33000, 'Greenhouse Vent', '1.1', true, [item(1, 'Opening', 'RW', 'Float', true), item(2, 'Open', 'E', ''), item(3, 'Label', 'RW', 'String'), item(4, 'Log', 'R', 'Integer', false, true)]),
};

/** Writes EXAMPLE_XML into `dir`; returns the paths in its order. */
export function writeExampleXml(dir: string): string[] {
  return Object.entries(EXAMPLE_XML).map(([n, x]) => {
    writeFileSync(join(dir, n), x);
    return join(dir, n);
  });
}
