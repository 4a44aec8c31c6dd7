import t from 'tap';
import { associateAc, associateRq, byType, CT_STORAGE, run, TS_EXPLICIT, TS_IMPLICIT, ui, VERIFICATION } from './builder.js';
import { AssociationCache } from '../../protocols/dicom/association-cache.js';
import { parseAssociateAc, parseAssociateRq } from '../../protocols/dicom/pdu-parser.js';

/** The body of a whole PDU (after its 6-byte header). */
const body = (pdu: Buffer): Buffer => pdu.subarray(6);

const rq = (calling: string): Buffer =>
  associateRq({ called: 'PACS', calling, pcs: [{ id: 1, abstract: CT_STORAGE, ts: [TS_EXPLICIT, TS_IMPLICIT] }, { id: 3, abstract: VERIFICATION, ts: [TS_IMPLICIT] }] });

t.test('a remembered parse equals a fresh one, is shared by identical bodies and is frozen', async (t) => {
  const cache = new AssociationCache();
  const a = cache.associateRq(Buffer.from(body(rq('MODALITY_1'))));
  const b = cache.associateRq(Buffer.from(body(rq('MODALITY_1'))));
  t.same(a, parseAssociateRq(body(rq('MODALITY_1'))));
  t.equal(a, b, 'the same object for the same bytes');
  t.ok(Object.isFrozen(a.value.presentationContexts[0]!.transferSyntaxes), 'deep-frozen');
  const c = cache.associateRq(body(rq('MODALITY_2')));
  t.not(c, a);
  t.equal(c.value.callingAeTitle, 'MODALITY_2', 'one byte apart: parsed apart');
  const ac = associateAc({ called: 'PACS', calling: 'MODALITY_1', pcs: [{ id: 1, result: 0, ts: TS_EXPLICIT }] });
  t.same(cache.associateAc(body(ac)), parseAssociateAc(body(ac)));
});

t.test('bounded: entries and body size', async (t) => {
  const cache = new AssociationCache(4, 1024);
  for (let i = 0; i < 20; i++) cache.associateRq(body(rq(`MODALITY_${i}`)));
  t.equal(cache.size, 4, 'the oldest dropped');
  t.same(cache.associateRq(body(rq('MODALITY_0'))), parseAssociateRq(body(rq('MODALITY_0'))), 'a dropped body is parsed again');
  const big = body(associateRq({ calling: 'BIG', pcs: Array.from({ length: 40 }, (_, k) => ({ id: 2 * k + 1, abstract: CT_STORAGE, ts: [TS_EXPLICIT] })) }));
  t.ok(big.length > 1024);
  const x = cache.associateRq(big);
  t.not(cache.associateRq(big), x, 'a body over the size cap is parsed every time');
  t.equal(x.value.presentationContexts.length, 40);
});

t.test('the stream gives the same events with a shared cache as with a fresh one', async (t) => {
  const shared = new AssociationCache();
  const feeds = [{ dir: 'orig' as const, bytes: rq('MODALITY_1') }];
  const first = run(feeds, { associationCache: shared }).events;
  const again = run(feeds, { associationCache: shared }).events;
  const fresh = run(feeds, { associationCache: new AssociationCache() }).events;
  t.same(byType(again, 'dicom.associate-rq'), byType(fresh, 'dicom.associate-rq'));
  t.same(byType(first, 'dicom.associate-rq'), byType(fresh, 'dicom.associate-rq'));
});

t.test('a remembered body is a copy: the caller may reuse its buffer', async (t) => {
  const cache = new AssociationCache();
  const a = Buffer.from(body(rq('MODALITY_A')));
  const b = body(rq('MODALITY_B'));
  const first = cache.associateRq(a);
  b.copy(a); // same length: the caller's buffer now holds another body
  t.equal(cache.associateRq(a).value.callingAeTitle, 'MODALITY_B');
  t.equal(cache.associateRq(body(rq('MODALITY_A'))), first);
});

t.test('a body with user identity credentials (or the server response) is never kept', async (t) => {
  const cache = new AssociationCache();
  const withIdentity = body(
    associateRq({ calling: 'MODALITY_1', pcs: [{ id: 1, abstract: CT_STORAGE, ts: [TS_EXPLICIT] }], userInfo: [ui.userIdentity(2, 1, 'CANARY-USER', 'CANARY-PASSWORD')] }),
  );
  const a = cache.associateRq(withIdentity);
  t.equal(a.value.userInfo?.userIdentity?.type, 2);
  t.not(cache.associateRq(withIdentity), a, 'parsed again');
  const ac = body(associateAc({ pcs: [{ id: 1, result: 0, ts: TS_EXPLICIT }], userInfo: [ui.userIdentityAc('CANARY-TOKEN')] }));
  t.ok(cache.associateAc(ac).value.userInfo?.userIdentityResponsePresent);
  t.equal(cache.size, 0);
});
