/**
 * memberText: the cut-out text of a member parses to exactly what JSON.parse
 * gave for it, for any JSON, any spacing, escapes and repeated keys.
 */
import t from 'tap';
import fc from 'fast-check';
import { memberText } from '../../collector/json-member.js';

t.test('examples', async (t) => {
  t.equal(memberText('{"a":1,"device":{"x":"}\\"{","y":[1,{"z":null}]},"b":true}', 'device'), '{"x":"}\\"{","y":[1,{"z":null}]}');
  t.equal(memberText('{ "device" : "a\\\\" , "n": -1.5e3 }', 'n'), '-1.5e3');
  t.equal(memberText('{ "device" : "a\\\\" , "n": -1.5e3 }', 'device'), '"a\\\\"');
  t.equal(memberText('{"d\\u0065vice":[],"device":{"k":2}}', 'device'), '{"k":2}', 'the last of repeated keys, escaped keys decoded');
  t.equal(memberText('{"x":{"device":1}}', 'device'), null, 'only top-level members');
  t.equal(memberText('{}', 'device'), null);
  t.equal(memberText('[{"device":1}]', 'device'), null);
  t.equal(memberText('\r\n\t{"device":false}', 'device'), 'false');
});

t.test('property: the member text parses to what JSON.parse gave', async (t) => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 4 })),
      fc.string({ maxLength: 6 }),
      fc.constantFrom(undefined, 0, 1, 2, '\t', ' \r\n'),
      (obj, key, space) => {
        const text = JSON.stringify(obj, null, space as string | number | undefined);
        const parsed = JSON.parse(text) as Record<string, unknown>;
        for (const k of [...Object.keys(parsed), key]) {
          const cut = memberText(text, k);
          if (!Object.hasOwn(parsed, k)) {
            if (cut !== null) return false;
            continue;
          }
          if (cut === null || JSON.stringify(JSON.parse(cut)) !== JSON.stringify(parsed[k])) return false;
        }
        return true;
      },
    ),
    { numRuns: 2000 },
  );
  t.pass('2000 random objects');
});
