/**
 * The one real HL7/MLLP capture in the public data (an ADT^A01 and its ACK
 * between two hosts), read through the whole pipeline.
 */
import t from 'tap';
import { join } from 'node:path';
import { runInventory } from '../../agent/inventory/run.js';
import { SHARED_DATA, sharedDataMissing } from '../helpers/paths.js';

const missing = sharedDataMissing('pcap/hl7_mllp_adt_a01_ack.pcap');

t.test('hl7_mllp_adt_a01_ack.pcap', { skip: missing }, async (t) => {
  const { report, error } = await runInventory({ file: join(SHARED_DATA, 'pcap', 'hl7_mllp_adt_a01_ack.pcap') });
  t.equal(error, null);
  t.equal(report.stats.malformed, 0);
  const sender = report.devices.find((d) => d.ip === '10.0.0.155');
  const receiver = report.devices.find((d) => d.ip === '10.0.0.126');
  t.ok(sender && receiver, 'both hosts are in the inventory');
  t.same(sender!.roles, ['hl7-sender']);
  t.same(receiver!.roles, ['hl7-receiver'], 'the ACK (MSA) marks the receiver');
  t.same(sender!.hl7!.sendingApplications, ['SENDING_APPLICATION']);
  t.same(sender!.hl7!.sendingFacilities, ['SENDING_FACILITY']);
  t.same(sender!.hl7!.messageTypes, ['ADT^A01']);
  t.same(sender!.hl7!.versions, ['2.3']);
  t.match(receiver!.hl7!.sendingApplications, ['RECEIVING_APPLICATION']);
  t.equal(sender!.macVendor, 'VMware, Inc.', 'MAC vendor from the IEEE registry');
  t.equal(sender!.macLocallyAdministered, false);
  t.ok(sender!.peers.includes('ip:10.0.0.126'));
  // The ADT carries patient, next-of-kin, visit and allergy segments; none
  // of their values may appear anywhere in the output.
  const text = JSON.stringify(report);
  for (const phi of ['MOUSE', 'MICKEY', 'MINNIE', '135769', '19281118', 'Main St', 'Lake Buena Vista', '939-5555', 'notdisney', 'Penicillin', 'Cat dander', '999999999']) {
    t.notOk(text.includes(phi), `no "${phi}" from PID/NK1/AL1 in the output`);
  }
});
