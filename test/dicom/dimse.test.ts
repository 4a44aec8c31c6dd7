import t from 'tap';
import {
  associateAc,
  associateRq,
  byType,
  cEchoRq,
  cMoveRq,
  commandSet,
  cStoreRq,
  cStoreRsp,
  CT_STORAGE,
  pdata,
  pdv,
  run,
  TS_IMPLICIT,
  us,
  VERIFICATION,
} from './builder.js';
import { parseCommandSet, statusName } from '../../protocols/dicom/dimse.js';

const assoc = [
  { dir: 'orig' as const, bytes: associateRq({ pcs: [{ id: 1, abstract: CT_STORAGE, ts: [TS_IMPLICIT] }, { id: 3, abstract: VERIFICATION, ts: [TS_IMPLICIT] }] }) },
  { dir: 'resp' as const, bytes: associateAc({ pcs: [{ id: 1, result: 0, ts: TS_IMPLICIT }, { id: 3, result: 0, ts: TS_IMPLICIT }] }) },
];

t.test('C-ECHO, C-MOVE and responses', async (t) => {
  const { events } = run([
    ...assoc,
    { dir: 'orig', bytes: Buffer.concat([pdata(pdv(3, true, true, cEchoRq(1))), pdata(pdv(1, true, true, cMoveRq(2, 'WORKSTATION')))]) },
    { dir: 'resp', bytes: Buffer.concat([pdata(pdv(3, true, true, cStoreRsp(1, 0xa702))), pdata(pdv(1, true, true, cStoreRsp(2, 0xb000)))]) },
  ]);
  const d = byType(events, 'dicom.dimse');
  t.same(d.map((e) => e.name), ['C-ECHO-RQ', 'C-MOVE-RQ', 'C-STORE-RSP', 'C-STORE-RSP']);
  t.equal(d[0]!.sopClassName, 'Verification');
  t.equal(d[0]!.hasDataset, false);
  t.equal(d[0]!.status, null, 'requests carry no status');
  t.equal(d[1]!.moveDestination, 'WORKSTATION');
  t.equal(d[1]!.priority, 2);
  t.equal(d[1]!.presentationContextId, 1);
  t.equal(d[2]!.status, 0xa702);
  t.equal(d[2]!.statusName, 'Refused: out of resources');
  t.equal(d[2]!.messageIdBeingRespondedTo, 1);
  t.equal(d[3]!.statusName, 'Warning: coercion of data elements or sub-operations failed');
});

t.test('a command set fragmented over several PDVs and PDUs is reassembled', async (t) => {
  const cmd = cStoreRq(42);
  const a = cmd.subarray(0, 5);
  const b = cmd.subarray(5, 30);
  const c = cmd.subarray(30);
  const { events } = run([
    ...assoc,
    { dir: 'orig', bytes: Buffer.concat([pdata(pdv(1, true, false, a), pdv(1, true, false, b)), pdata(pdv(1, true, true, c))]) },
  ]);
  const d = byType(events, 'dicom.dimse');
  t.equal(d.length, 1);
  t.equal(d[0]!.messageId, 42);
  t.equal(d[0]!.sopClassUid, CT_STORAGE);
});

t.test('a command set over the cap is dropped with an anomaly', async (t) => {
  const big = commandSet([[0x0100, us(1)], [0x0902, Buffer.alloc(3000, 0x41)]]);
  const { events, stats } = run([...assoc, { dir: 'orig', bytes: pdata(pdv(1, true, true, big)) }], { maxCommandBytes: 1024 });
  t.equal(byType(events, 'dicom.dimse').length, 0);
  t.equal(stats.capHits, 1);
  t.match(byType(events, 'anomaly'), [{ kind: 'cap' }]);
});

t.test('parseCommandSet keeps what it read before a truncated element', async (t) => {
  const cmd = cStoreRq(9);
  const r = parseCommandSet(cmd.subarray(0, cmd.length - 3));
  t.equal(r.value.commandField, 1);
  t.equal(r.value.messageId, 9);
  t.ok(r.issues.length > 0);
  t.equal(parseCommandSet(Buffer.alloc(0)).value.name, 'UNKNOWN');
  t.equal(statusName(0xc123), 'Error: cannot understand');
  t.equal(statusName(0xff00), 'Pending');
  t.equal(statusName(0x0122), 'Failure: SOP class not supported');
});

t.test('unknown command field gets a stable name', async (t) => {
  const r = parseCommandSet(commandSet([[0x0100, us(0x1234)], [0x0800, us(0x0101)]]));
  t.equal(r.value.name, 'UNKNOWN-0x1234');
  t.equal(r.value.hasDataset, false);
});
