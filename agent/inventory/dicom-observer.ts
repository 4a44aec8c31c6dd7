/**
 * Turns DICOM protocol events into inventory observations.
 *
 * Who is credited with what: the sender of a PDU is described by what it says
 * about itself (its implementation class UID and version name, its own AE
 * title, the SOP classes it proposes); a called AE title is only what the
 * requester believes the other side is called, so it is credited only
 * when the acceptor's own A-ASSOCIATE-AC echoes it. Equipment modules are
 * credited only from C-STORE requests: C-FIND identifiers describe query
 * results, not the host that sent them.
 */
import type { ConnectionInfo, Direction, Endpoint, EventBase } from '../../protocols/common/analyzer.js';
import type { DicomEvent } from '../../protocols/dicom/events.js';
import { EventHosts } from './event-hosts.js';
import type { Inventory, ObservationSource } from './inventory.js';

export interface DicomObserverStats {
  events: number;
  equipmentCredited: number;
  equipmentIgnored: number;
  anomalies: Record<string, number>;
}

export class DicomObserver {
  readonly stats: DicomObserverStats = { events: 0, equipmentCredited: 0, equipmentIgnored: 0, anomalies: {} };
  /** The sender and receiver of the event being observed. */
  private readonly hosts: EventHosts;

  constructor(private readonly inventory: Inventory) {
    this.hosts = new EventHosts(inventory, 'dicom');
  }

  /** Feed one event from the DICOM analyzer of `conn`. */
  observe(conn: ConnectionInfo, event: EventBase): void {
    const e = event as DicomEvent;
    this.stats.events++;
    if (e.type === 'anomaly') {
      this.stats.anomalies[e.kind] = (this.stats.anomalies[e.kind] ?? 0) + 1;
      return;
    }
    const dir: Direction = e.dir;
    const from: Endpoint = dir === 'orig' ? conn.orig : conn.resp;
    const to: Endpoint = dir === 'orig' ? conn.resp : conn.orig;
    const hosts = this.hosts;
    hosts.begin(from, to, conn.id, e.ts);

    switch (e.type) {
      case 'dicom.associate-rq': {
        hosts.peers();
        hosts.self('role', 'dicom-scu', 'A-ASSOCIATE-RQ sent');
        hosts.other('role', 'dicom-scp', 'A-ASSOCIATE-RQ received', 'medium');
        hosts.self('aeTitle', e.callingAeTitle, 'A-ASSOCIATE-RQ calling AE title');
        // The called AE title is only what the requester believes the other side
        // is called (a wrong one gets an A-ASSOCIATE-RJ): it is credited when the
        // acceptor echoes it in its A-ASSOCIATE-AC.
        hosts.self('implementationClassUid', e.userInfo?.implementationClassUid, 'A-ASSOCIATE-RQ implementation class UID (0x52)');
        hosts.self('implementationVersionName', e.userInfo?.implementationVersionName, 'A-ASSOCIATE-RQ implementation version name (0x55)');
        for (const pc of e.presentationContexts) hosts.self('sopClass', pc.abstractSyntax, 'A-ASSOCIATE-RQ presentation context abstract syntax', 'medium');
        if (e.userInfo?.userIdentity) hosts.self('userIdentityType', e.userInfo.userIdentity.typeName, 'A-ASSOCIATE-RQ user identity (0x58) type');
        break;
      }
      case 'dicom.associate-ac': {
        hosts.self('role', 'dicom-scp', 'A-ASSOCIATE-AC sent');
        hosts.self('aeTitle', e.calledAeTitle, 'A-ASSOCIATE-AC called AE title (acceptor)');
        hosts.self('implementationClassUid', e.userInfo?.implementationClassUid, 'A-ASSOCIATE-AC implementation class UID (0x52)');
        hosts.self('implementationVersionName', e.userInfo?.implementationVersionName, 'A-ASSOCIATE-AC implementation version name (0x55)');
        for (const pc of e.presentationContexts) {
          if (pc.result !== 0) continue;
          hosts.self('transferSyntax', pc.transferSyntax, 'A-ASSOCIATE-AC accepted transfer syntax');
        }
        break;
      }
      case 'dicom.associate-rj':
        hosts.self('role', 'dicom-scp', 'A-ASSOCIATE-RJ sent');
        hosts.self('associationRejected', `${e.resultName}: ${e.reasonName}`, 'A-ASSOCIATE-RJ result/source/reason', 'medium');
        break;
      case 'dicom.dimse': {
        hosts.self('dimseSent', e.name, 'DIMSE command field (0000,0100)', 'medium');
        if (e.name === 'C-STORE-RQ' && e.sopClassUid) hosts.self('sopClass', e.sopClassUid, 'C-STORE-RQ affected SOP class (0000,0002)');
        break;
      }
      case 'dicom.equipment': {
        // The analyzer names the command that announced the dataset; null when
        // the capture joined after it.
        const cmd = e.command;
        if (cmd !== null && cmd !== 'C-STORE-RQ') {
          this.stats.equipmentIgnored++;
          break;
        }
        this.stats.equipmentCredited++;
        if (e.patientModulePresent) {
          // We could read this dataset, so the association was not encrypted:
          // patient data crossed the network in clear (the values were never read).
          hosts.self('dicomPatientDataCleartext', `to ${to.ip}`, 'patient module (group 0010) present in a dataset on an unencrypted association', 'high');
        }
        this.inventory.equipment(
          from.ip,
          from.mac,
          {
            manufacturer: e.manufacturer ?? null,
            model: e.modelName ?? null,
            serialNumber: e.deviceSerialNumber ?? null,
            stationName: e.stationName ?? null,
            softwareVersions: e.softwareVersions ?? [],
            modality: e.modality ?? null,
            institutionName: e.institutionName ?? null,
            deviceUid: e.deviceUid ?? null,
            udi: e.udi[0] ?? null,
          },
          {
            protocol: 'dicom',
            field: cmd === null ? 'in a dataset (command not seen)' : 'in a C-STORE-RQ dataset',
            flow: conn.id,
            ts: e.ts,
            confidence: cmd === null ? 'medium' : 'high',
          } satisfies ObservationSource,
        );
        break;
      }
      default:
        break;
    }
  }
}
