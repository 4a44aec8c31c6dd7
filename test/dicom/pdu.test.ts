import t from 'tap';
import {
  abort,
  associateAc,
  associateRj,
  associateRq,
  byType,
  CT_STORAGE,
  pdata,
  pdu,
  pdv,
  releaseRp,
  releaseRq,
  run,
  TS_EXPLICIT,
  TS_IMPLICIT,
  ui,
  VERIFICATION,
} from './builder.js';
import { dicomProbe, findPduHeader } from '../../protocols/dicom/probe.js';
import { parsePduHeader } from '../../protocols/dicom/pdu-parser.js';

t.test('A-ASSOCIATE-RQ: AE titles, contexts and every user information sub-item', async (t) => {
  const rq = associateRq({
    called: 'PACS',
    calling: 'MODALITY_7',
    pcs: [
      { id: 1, abstract: CT_STORAGE, ts: [TS_EXPLICIT, TS_IMPLICIT] },
      { id: 3, abstract: VERIFICATION, ts: [TS_IMPLICIT] },
    ],
    userInfo: [
      ui.maxLength(32768),
      ui.implClassUid('1.2.40.0.13.1.3'),
      ui.asyncWindow(5, 1),
      ui.roleSelection(CT_STORAGE, 1, 0),
      ui.implVersion('dcm4che-5.31'),
      ui.extendedNegotiation(CT_STORAGE, Buffer.from([1, 0])),
      ui.commonExtended(CT_STORAGE),
      ui.userIdentity(2, 1, 'CANARY-USER', 'CANARY-PASSWORD'),
    ],
  });
  const { events } = run([{ dir: 'orig', bytes: rq }]);
  const [e] = byType(events, 'dicom.associate-rq');
  t.ok(e);
  t.equal(e!.calledAeTitle, 'PACS');
  t.equal(e!.callingAeTitle, 'MODALITY_7');
  t.equal(e!.applicationContextName, '1.2.840.10008.3.1.1.1');
  t.same(e!.presentationContexts, [
    { id: 1, abstractSyntax: CT_STORAGE, abstractSyntaxName: 'CT Image Storage', transferSyntaxes: [TS_EXPLICIT, TS_IMPLICIT] },
    { id: 3, abstractSyntax: VERIFICATION, abstractSyntaxName: 'Verification', transferSyntaxes: [TS_IMPLICIT] },
  ]);
  t.same(e!.userInfo, {
    maxPduLength: 32768,
    implementationClassUid: '1.2.40.0.13.1.3',
    implementationVersionName: 'dcm4che-5.31',
    asyncOperationsWindow: { invoked: 5, performed: 1 },
    roleSelections: [{ sopClassUid: CT_STORAGE, scu: true, scp: false }],
    userIdentity: { type: 2, typeName: 'username-and-passcode', positiveResponseRequested: true },
    userIdentityResponsePresent: false,
    sopClassExtendedNegotiations: 1,
    sopClassCommonExtendedNegotiations: 1,
  });
  const json = JSON.stringify(events);
  t.notOk(json.includes('CANARY-PASSWORD'), 'user identity secondary field never emitted');
  t.notOk(json.includes('CANARY-USER'), 'user identity primary field never emitted');
  t.equal(byType(events, 'anomaly').length, 0);
});

t.test('A-ASSOCIATE-AC: results, accepted transfer syntax, user identity response presence only', async (t) => {
  const ac = associateAc({
    pcs: [
      { id: 1, result: 0, ts: TS_EXPLICIT },
      { id: 3, result: 3, ts: TS_IMPLICIT },
      { id: 5, result: 4, ts: TS_IMPLICIT },
    ],
    userInfo: [ui.maxLength(0), ui.implClassUid('1.2.3'), ui.userIdentityAc('CANARY-TOKEN-RESPONSE')],
  });
  const { events } = run([{ dir: 'resp', bytes: ac }]);
  const [e] = byType(events, 'dicom.associate-ac');
  t.same(
    e!.presentationContexts.map((p) => [p.id, p.result, p.resultName, p.transferSyntax]),
    [
      [1, 0, 'acceptance', TS_EXPLICIT],
      [3, 3, 'abstract-syntax-not-supported', TS_IMPLICIT],
      [5, 4, 'transfer-syntaxes-not-supported', TS_IMPLICIT],
    ],
  );
  t.equal(e!.userInfo!.maxPduLength, 0);
  t.equal(e!.userInfo!.userIdentityResponsePresent, true);
  t.notOk(JSON.stringify(events).includes('CANARY-TOKEN'));
});

t.test('A-ASSOCIATE-RJ, release and abort with readable names', async (t) => {
  const { events } = run([
    { dir: 'resp', bytes: Buffer.concat([associateRj(1, 1, 3), associateRj(2, 3, 1), releaseRp(), abort(2, 6)]) },
    { dir: 'orig', bytes: Buffer.concat([releaseRq(), abort(0, 0)]) },
  ]);
  const rj = byType(events, 'dicom.associate-rj');
  t.same(
    rj.map((e) => [e.resultName, e.sourceName, e.reasonName]),
    [
      ['rejected-permanent', 'service-user', 'calling-ae-title-not-recognized'],
      ['rejected-transient', 'service-provider-presentation', 'temporary-congestion'],
    ],
  );
  t.equal(byType(events, 'dicom.release-rq').length, 1);
  t.equal(byType(events, 'dicom.release-rp').length, 1);
  t.same(byType(events, 'dicom.abort').map((e) => [e.sourceName, e.reasonName]), [
    ['service-provider', 'invalid-pdu-parameter-value'],
    ['service-user', 'reason-not-specified'],
  ]);
});

t.test('a truncated item inside an association keeps the items before it', async (t) => {
  const good = associateRq({ pcs: [{ id: 1, abstract: CT_STORAGE, ts: [TS_IMPLICIT] }], userInfo: [ui.maxLength(1000)] });
  // grow the PDU by 4 bytes holding a user info item header that claims 200 bytes
  const bad = pdu(1, Buffer.concat([good.subarray(6), Buffer.from([0x50, 0, 0, 200])]));
  const { events } = run([{ dir: 'orig', bytes: bad }]);
  const [e] = byType(events, 'dicom.associate-rq');
  t.equal(e!.presentationContexts.length, 1);
  t.equal(e!.userInfo!.maxPduLength, 1000);
  t.match(byType(events, 'anomaly'), [{ kind: 'malformed' }]);
});

t.test('PDU header: unknown type, over cap, bad fixed length', async (t) => {
  t.match(parsePduHeader(Buffer.from([9, 0, 0, 0, 0, 4]), 0, 100), { kind: 'error', code: 'DICOM_ERR_UNKNOWN_PDU_TYPE' });
  t.match(parsePduHeader(Buffer.from([4, 0, 0, 0, 1, 0]), 0, 100), { kind: 'error', code: 'DICOM_ERR_PDU_TOO_LARGE' });
  t.match(parsePduHeader(Buffer.from([5, 0, 0, 0, 0, 5]), 0, 100), { kind: 'error', code: 'DICOM_ERR_BAD_PDU_LENGTH' });
  t.match(parsePduHeader(Buffer.from([5, 0, 0]), 0, 100), { kind: 'need-more', needed: 3 });
  t.match(parsePduHeader(Buffer.from([4, 0, 0, 0, 0, 8]), 0, 100), { kind: 'ok', value: { type: 4, length: 8 } });
});

t.test('a declared length over the cap is an anomaly and the stream resynchronises', async (t) => {
  const huge = Buffer.from([4, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 1, 3]);
  const first = associateRq({ pcs: [{ id: 1, abstract: CT_STORAGE, ts: [TS_IMPLICIT] }] });
  const { events, stats } = run([{ dir: 'orig', bytes: Buffer.concat([first, huge, Buffer.alloc(40, 0x55), releaseRq()]) }], { maxPduLength: 4096 });
  t.match(byType(events, 'anomaly')[0], { kind: 'cap' });
  t.equal(stats.capHits, 1);
  t.equal(byType(events, 'dicom.release-rq').length, 1, 'found the next PDU');
  t.equal(stats.resyncs, 1);
});

t.test('probe', async (t) => {
  const rq = associateRq({ pcs: [{ id: 1, abstract: CT_STORAGE, ts: [TS_IMPLICIT] }] });
  t.equal(dicomProbe(rq), 'match');
  t.equal(dicomProbe(rq.subarray(0, 20)), 'need-more');
  t.equal(dicomProbe(Buffer.from('GET / HTTP/1.1\r\n')), 'no-match');
  t.equal(dicomProbe(Buffer.from('\x0bMSH|^~\\&|')), 'no-match');
  const badAe = Buffer.from(rq);
  badAe[12] = 0x07;
  t.equal(dicomProbe(badAe), 'no-match', 'control character in an AE title');
  const noCtx = Buffer.from(rq);
  noCtx[74] = 0x20;
  t.equal(dicomProbe(noCtx), 'no-match', 'application context item must come first');
  t.equal(dicomProbe(associateAc({ pcs: [{ id: 1, result: 0, ts: TS_IMPLICIT }] })), 'match');
  t.equal(dicomProbe(associateRj(1, 1, 1)), 'match');
  t.equal(dicomProbe(releaseRq()), 'match');
  t.equal(dicomProbe(abort(2, 1)), 'match');
  t.equal(dicomProbe(abort(9, 1)), 'no-match');
  t.equal(dicomProbe(pdata(pdv(1, true, true, Buffer.alloc(10)))), 'match');
  t.equal(dicomProbe(pdata(pdv(2, true, true, Buffer.alloc(10)))), 'no-match', 'even presentation context id');
  const pd = pdata(pdv(1, false, false, Buffer.alloc(100, 7)));
  t.same(findPduHeader(Buffer.concat([Buffer.alloc(33, 0xff), pd]), 0), { offset: 33, verdict: 'match' });
  t.same(findPduHeader(Buffer.concat([Buffer.alloc(5, 0xff), pd.subarray(0, 8)]), 0), { offset: 5, verdict: 'need-more' });
  t.equal(findPduHeader(Buffer.alloc(100, 0xff), 0), null);
});
