import t from 'tap';
import { createRequire } from 'node:module';
import { tokenizeMessage } from '../../protocols/hl7/tokenizer.js';
import { extractMessages, type Hl7MessageProjection, type Hl7BatchProjection } from '../../protocols/hl7/extract.js';
import { message } from './builder.js';

const require = createRequire(import.meta.url);
// hl7-standard: the npm parser DESIGN.md compares against; used here to pin down where it reads differently
const HL7Standard = require('hl7-standard') as new (raw: string) => { transform(): void; get(path: string): unknown; getSegments(id: string): unknown[] };

const msgs = (items: (Hl7MessageProjection | Hl7BatchProjection)[]) =>
  items.filter((i): i is Hl7MessageProjection => i.type === 'hl7.message');

t.test('custom delimiters from MSH-1/MSH-2', async (t) => {
  // field '#', component '@', repetition '!', escape '$', subcomponent '%'
  const buf = message([
    'MSH#@!$%#MONITOR@0011223344556677@EUI-64#ICU#GW##20240101##ORU@R01@ORU_R01#1#P#2.6######UNICODE UTF-8!8859/1',
    'OBX#1##69837@MDC_DEV_MON_PHYSIO_MDS@MDC#1##############AB$F$CD@NS%sub@@',
  ]);
  const m = tokenizeMessage(buf);
  t.same(m.segments(), ['MSH', 'OBX']);
  t.equal(m.field(0, 1), '#');
  t.equal(m.field(0, 2), '@!$%');
  t.equal(m.component(0, 3, 0, 1), 'MONITOR');
  t.equal(m.component(0, 3, 0, 3), 'EUI-64');
  t.equal(m.repetitionCount(0, 18), 2);
  t.equal(m.component(0, 18, 1), '8859/1');
  t.equal(m.component(1, 18, 0, 1), 'AB#CD', '$F$ is the field separator, not a split');
  t.equal(m.component(1, 18, 0, 2, 1), 'NS');
  t.equal(m.component(1, 18, 0, 2, 2), 'sub');
  const [ev] = msgs(extractMessages(m).items);
  t.equal(ev!.messageType, 'ORU^R01^ORU_R01', 'MSH-9 joined by ^ whatever the component separator');
  t.same(ev!.characterSets, ['UNICODE UTF-8', '8859/1']);
  t.same(ev!.deviceTypeCodes, ['MDC_DEV_MON_PHYSIO_MDS']);
  t.equal(ev!.equipment.find((e) => e.source === 'MSH-3')?.id, '0011223344556677');

  const hs = new HL7Standard(buf.toString('latin1'));
  hs.transform();
  t.not(hs.get('MSH.3.1'), 'MONITOR', 'hl7-standard ignores MSH-1/MSH-2 (hard-coded |^~\\&)');
});

t.test('segment terminators: CR, LF and CRLF mixed in one message', async (t) => {
  const buf = Buffer.from('MSH|^~\\&|A|B|||||ADT^A01|1|P|2.5\rEVN|A01\nPID|1\r\nOBX|1||x^MDC_DEV_Y^MDC\n\r\nMSA|AA|1\r\n', 'latin1');
  const m = tokenizeMessage(buf);
  t.same(m.segments(), ['MSH', 'EVN', 'PID', 'OBX', 'MSA']);
  const [ev] = msgs(extractMessages(m).items);
  t.equal(ev!.ackCode, 'AA');
  t.same(ev!.deviceTypeCodes, ['MDC_DEV_Y']);
  t.equal(ev!.patientDataPresent, true);
  const minority = 'MSH|^~\\&|A|B|||||ADT^A01|1|P|2.5\rEVN|A01\rOBX|1||x\nMSA|AA|1\r';
  t.same(tokenizeMessage(Buffer.from(minority)).segments(), ['MSH', 'EVN', 'OBX', 'MSA']);
  const hs = new HL7Standard(minority);
  hs.transform();
  t.equal(hs.getSegments('MSA').length, 0, 'hl7-standard splits on the most frequent line ending only and loses segments');
});

t.test('escape sequences (HL7 v2.5 §2.7)', async (t) => {
  const value = (raw: string, charset = ''): string | null => {
    const m = tokenizeMessage(message([`MSH|^~\\&|APP|FAC|||||ORU^R01|1|P|2.5||||||${charset}`, `SFT|${raw}`]));
    return m.component(1, 1);
  };
  t.equal(value('a\\F\\b'), 'a|b');
  t.equal(value('a\\S\\b'), 'a^b');
  t.equal(value('a\\T\\b'), 'a&b');
  t.equal(value('a\\R\\b'), 'a~b');
  t.equal(value('a\\E\\b'), 'a\\b');
  t.equal(value('a\\X0D0A\\b'), 'a\r\nb');
  t.equal(value('line1\\.br\\line2'), 'line1 line2');
  t.equal(value('\\H\\bold\\N\\'), 'bold');
  t.equal(value('\\Zlocal\\x'), 'x');
  t.equal(value('a\\Q\\b'), 'a\\Q\\b', 'unknown escape kept as sent');
  t.equal(value('a\\Xzz\\b'), 'a\\Xzz\\b', 'bad hex kept as sent');
  t.equal(value('a\\F'), 'a\\F', 'unterminated escape kept');
  t.equal(value('caf\\XE9\\', '8859/1'), 'café', '\\X\\ bytes decoded under ISO 8859-1');
  t.equal(value('caf\\XC3A9\\', 'UNICODE UTF-8'), 'café', '\\X\\ bytes decoded under UTF-8');
  // a decoded separator never splits: SFT-1 component 1 holds the whole 'x^y'
  const m = tokenizeMessage(message(['MSH|^~\\&|A|F|||||ORU^R01|1|P|2.5', 'SFT|x\\S\\y^second']));
  t.equal(m.component(1, 1, 0, 1), 'x^y');
  t.equal(m.component(1, 1, 0, 2), 'second');
  const hs = new HL7Standard('MSH|^~\\&|A\\F\\B|F|||||ORU^R01|1|P|2.5\r');
  hs.transform();
  t.equal(hs.get('MSH.3'), 'A\\F\\B', 'hl7-standard does not decode escapes');
});

t.test('truncation character (v2.7: 5th encoding character)', async (t) => {
  const m = tokenizeMessage(message(['MSH|^~\\&#|APP|FAC|||||ORU^R01|1|P|2.7', 'SFT|Vendor\\P\\Inc|1.0#']));
  t.equal(m.field(0, 2), '^~\\&#');
  t.equal(m.scope(0).delimiters.truncation, 0x23);
  t.equal(m.component(0, 3), 'APP');
  t.equal(m.component(1, 1), 'Vendor#Inc', '\\P\\ is the truncation character');
  t.equal(m.component(1, 2), '1.0#', 'a literal truncation mark is data and is kept');
  const old = tokenizeMessage(message(['MSH|^~\\&|APP', 'SFT|a\\P\\b']));
  t.equal(old.scope(0).delimiters.truncation, -1);
  t.equal(old.component(1, 1), 'a\\P\\b', 'no truncation char declared: \\P\\ stays');
});

t.test('UTF-8 BOM and character sets', async (t) => {
  const bom = tokenizeMessage(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), message(['MSH|^~\\&|APP|FAC'])]));
  t.same(bom.segments(), ['MSH']);
  t.equal(bom.component(0, 3), 'APP');
  const latin = Buffer.concat([Buffer.from('MSH|^~\\&|APP|FAC|||||ADT^A01|1|P|2.5||||||8859/1\rSFT|Soci', 'latin1'), Buffer.from([0xe9]), Buffer.from('t\xe9\r', 'latin1')]);
  t.equal(tokenizeMessage(latin).component(1, 1), 'Société');
  const utf8 = Buffer.from('MSH|^~\\&|APP|FAC|||||ADT^A01|1|P|2.5||||||UNICODE UTF-8\rSFT|Société\r', 'utf8');
  t.equal(tokenizeMessage(utf8).component(1, 1), 'Société');
  t.equal(tokenizeMessage(Buffer.from('MSH|^~\\&|APP\rSFT|Société\r', 'utf8')).component(1, 1), 'Société', 'undeclared: UTF-8');
  t.equal(tokenizeMessage(Buffer.from('MSH|^~\\&|APP\rSFT|Société\r', 'latin1')).component(1, 1), 'Société', 'undeclared, not UTF-8: Latin-1');
  // the same bytes read under the declared charset differ
  const asLatin = Buffer.from('MSH|^~\\&|A|F|||||ADT^A01|1|P|2.5||||||8859/1\rSFT|Société\r', 'utf8');
  t.equal(tokenizeMessage(asLatin).component(1, 1), 'SociÃ©tÃ©');
});

t.test('batches: FHS/BHS with several MSH, each with its own delimiters', async (t) => {
  const buf = message([
    'FHS|^~\\&|FILEAPP^1.2.3^ISO|FILEFAC',
    'BHS|^~\\&|BATCHAPP|BATCHFAC',
    'MSH|^~\\&|DEV1|FAC|||||ORU^R01|1|P|2.5',
    'OBX|1||x^MDC_DEV_ONE^MDC',
    'MSH#@!$%#DEV2#FAC#####ORU@R01#2#P#2.5',
    'OBX#1##y@MDC_DEV_TWO@MDC',
    'BTS|2',
    'FTS|1',
  ]);
  const { items, issues } = extractMessages(tokenizeMessage(buf));
  t.same(issues, []);
  t.same(items.map((i) => i.type), ['hl7.batch', 'hl7.batch', 'hl7.message', 'hl7.message']);
  const [fhs] = items as Hl7BatchProjection[];
  t.same(fhs!.sendingApplication, { namespaceId: 'FILEAPP', universalId: '1.2.3', universalIdType: 'ISO' });
  const [m1, m2] = msgs(items);
  t.equal(m1!.sendingApplication?.namespaceId, 'DEV1');
  t.same(m1!.deviceTypeCodes, ['MDC_DEV_ONE']);
  t.same(m1!.segments, ['MSH', 'OBX']);
  t.equal(m2!.sendingApplication?.namespaceId, 'DEV2');
  t.equal(m2!.messageType, 'ORU^R01');
  t.same(m2!.deviceTypeCodes, ['MDC_DEV_TWO']);
});

t.test('malformed input is listed, not thrown', async (t) => {
  for (const raw of ['', 'garbage', 'MSH', 'MSH|', 'MSHA^~\\&', 'PID|1\r', 'MSH|^~\\&|\x00\xff\r?x|y\r']) {
    const m = tokenizeMessage(Buffer.from(raw, 'latin1'));
    const r = extractMessages(m);
    t.ok(Array.isArray(r.items), JSON.stringify(raw));
  }
  const r = extractMessages(tokenizeMessage(Buffer.from('PID|1\rOBX|1\r')));
  t.equal(r.items.length, 0);
  t.match(r.issues.join(';'), /no MSH/);
  const dup = tokenizeMessage(Buffer.from('MSH||~\\&|A\r'));
  t.match(dup.issues.join(';'), /encoding characters, 4 are required/);
});

t.test('OBX-18 equipment and PRT (v2.7+)', async (t) => {
  const buf = message([
    'MSH|^~\\&|GW|FAC|||||ORU^R01|1|P|2.8',
    'OBX|1||69837^MDC_DEV_PUMP_INFUS_MDS^MDC|1|CANARY-OBX-VALUE||||||X|||||||0123456789abcdef^EUI-64~1305815835^NS^FEDCBA9876543210^EUI-64~PLAIN-ID^Vendor',
    'OBX|2||69838^MDC_DEV_X_VMD^MDC|1.1|||||||X|||||||0123456789ABCDEF^EUI-64',
    'OBX|3||1234^SOMETHING^MDC|1|||||||X',
    'PRT|1|UC||EQUIP^Equipment|CANARY^PERSON|||||DEV-42^ACME^1.2.3^ISO||||||(01)00812345678901^GS1||||SN-0001',
    'PRT|2|UC||EQUIP||||||||||||(01)999^GS1',
  ]);
  const [ev] = msgs(extractMessages(tokenizeMessage(buf)).items);
  const obx = ev!.equipment.filter((e) => e.source === 'OBX-18');
  t.same(obx.map((e) => [e.id, e.idType, e.namespace, e.mdcText]), [
    ['0123456789ABCDEF', 'EUI-64', null, 'MDC_DEV_PUMP_INFUS_MDS'],
    ['FEDCBA9876543210', 'EUI-64', 'NS', 'MDC_DEV_PUMP_INFUS_MDS'],
    ['PLAIN-ID', null, 'Vendor', 'MDC_DEV_PUMP_INFUS_MDS'],
  ], 'one entry per id, the first device-level code kept');
  t.same(ev!.deviceTypeCodes, ['MDC_DEV_PUMP_INFUS_MDS', 'MDC_DEV_X_VMD', 'SOMETHING'], 'MDC_DEV_ prefix, or MDC code at MDS level 1');
  const prt = ev!.equipment.filter((e) => e.source.startsWith('PRT'));
  t.same(prt.map((e) => [e.source, e.id, e.udi, e.serialNumber]), [
    ['PRT-10', 'DEV-42', '(01)00812345678901', 'SN-0001'],
    ['PRT-16', '(01)999', '(01)999', null],
  ]);
  t.notMatch(JSON.stringify(ev), /CANARY/);
});

t.test('segment ids: standard HL7 v2 ids and Z-segments are named, anything else is "?" and counted', async (t) => {
  const m = tokenizeMessage(
    message(['MSH|^~\\&|A|F|||||ORU^R01|1|P|2.5', 'ZBE|1', 'Z01|2', 'QRD|x', 'CAN|x', 'ABC|y', 'OBX|1', 'OBXA|1', 'ZZ|1', 'PRT|1']),
  );
  t.same(m.segments(), ['MSH', 'ZBE', 'Z01', 'QRD', '?', '?', 'OBX', '?', '?', 'PRT']);
  t.match(m.issues, ['4 line(s) are not segments (unknown segment id)']);
  t.equal(m.fieldCount(4), 1, 'a "?" line still has byte ranges (never reported)');
});

t.test('selection without allocation matches the range accessors', async (t) => {
  const m = tokenizeMessage(message(['MSH|^~\\&|APP^1.2.3^ISO|FAC', 'OBX|1||a^b&c^MDC~d|1|||||||X|||||||EE^NS~FF']));
  const r: number[] = [];
  t.equal(m.components(1, 3, 0, 4, r), 3, 'three components in repetition 0');
  t.same([m.buf.toString('latin1', r[0], r[1]), m.buf.toString('latin1', r[2], r[3]), m.buf.toString('latin1', r[4], r[5])], ['a', 'b', 'MDC'], 'each cut at its first subcomponent');
  t.equal(m.components(1, 3, 1, 4, r), 1);
  t.equal(m.components(1, 3, 2, 4, r), 0, 'no third repetition');
  t.equal(m.components(0, 2, 0, 4, r), 0, 'MSH-2 has no components');
  t.equal(m.components(0, 3, 0, 2, r), 2, 'at most max components');
  t.ok(m.selectField(1, 18));
  t.same({ start: m.selectedStart, end: m.selectedEnd }, m.fieldRange(1, 18));
  t.ok(m.selectComponent(1, 18, 1, 1));
  t.same({ start: m.selectedStart, end: m.selectedEnd }, m.componentRange(1, 18, 1, 1));
  t.notOk(m.selectField(1, 40));
  t.notOk(m.selectField(9, 1), 'no such segment');
});
