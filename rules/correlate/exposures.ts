/**
 * Exposures from behaviour alone: what a device was seen doing on the wire,
 * whatever advisories say. Each is backed by the evidence rows the observers
 * recorded (never by the patient data itself, which was never read).
 */
import type { DeviceRecord, Evidence } from '../inventory.js';
import type { Finding } from '../types.js';
import { compareVersions } from '../versions/compare.js';
import { findingId } from './finding-id.js';

/**
 * DICOM implementation version names known to be obsolete: releases with
 * published vulnerabilities fixed in a later release.
 */
const OBSOLETE_IMPLEMENTATIONS: Array<{ pattern: RegExp; fixedIn: string; format: (m: RegExpMatchArray) => string; why: string; source: string }> = [
  {
    // DCMTK's implementation version name is OFFIS_DCMTK_<major><minor><patch>, e.g. OFFIS_DCMTK_367.
    pattern: /^OFFIS_DCMTK_(\d)(\d)(\d)$/,
    format: (m) => `${m[1]}.${m[2]}.${m[3]}`,
    fixedIn: '3.6.7',
    why: 'DCMTK before 3.6.7 has path traversal and memory-safety flaws in its network tools (CVE-2022-2119, CVE-2022-2120, CVE-2022-2121)',
    source: 'CISA ICSMA-22-179-01 (OFFIS DCMTK); DCMTK 3.6.7 release notes',
  },
];

function rows(d: DeviceRecord, attribute: string): Evidence[] {
  return d.evidence.filter((e) => e.attribute === attribute);
}

function exposure(d: DeviceRecord, key: string, title: string, severity: string, summary: string, evidence: Evidence[], remediation: string): Finding {
  return {
    id: findingId(d.id, 'exposure', key),
    deviceId: d.id,
    kind: 'exposure',
    advisoryIds: [],
    cves: [],
    title,
    cvss: null,
    severity,
    kev: null,
    status: 'affected',
    remediations: [{ category: 'mitigation', details: remediation, url: null }],
    explanation: {
      summary,
      matched: evidence.map((e) => ({ attribute: e.attribute, value: e.value, protocol: e.protocol, field: e.field, firstSeen: e.firstSeen, lastSeen: e.lastSeen })),
      product: null,
      versionCheck: null,
    },
  };
}

/** Behaviour findings for one device. */
export function behaviourFindings(d: DeviceRecord): Finding[] {
  const out: Finding[] = [];
  const where = d.ip ?? d.id;
  const hl7 = rows(d, 'hl7PatientDataCleartext');
  if (hl7.length) {
    const peers = hl7.map((e) => e.value.replace(/^to /, '')).join(', ');
    out.push(
      exposure(
        d,
        'hl7-cleartext-phi',
        'Patient data sent in cleartext HL7 (MLLP without TLS)',
        'high',
        `${where} sent HL7 messages carrying patient segments over plain MLLP to ${peers} (${hl7.reduce((n, e) => n + e.count, 0)} message(s), first ${hl7[0].firstSeen}); anyone on the path can read them`,
        hl7,
        'Carry HL7 over TLS (MLLP over TLS or a TLS-terminating interface engine), or confine the feed to an isolated, monitored VLAN.',
      ),
    );
  }
  const dicom = rows(d, 'dicomPatientDataCleartext');
  if (dicom.length) {
    const peers = dicom.map((e) => e.value.replace(/^to /, '')).join(', ');
    out.push(
      exposure(
        d,
        'dicom-cleartext-phi',
        'DICOM carrying patient data without TLS',
        'high',
        `${where} sent DICOM datasets with a patient module to ${peers} on unencrypted associations (${dicom.reduce((n, e) => n + e.count, 0)} dataset(s)); PS3.15 Annex B secure transport was not used`,
        dicom,
        'Enable DICOM TLS (PS3.15 Annex B, "BCP 195" profile) between modality and PACS, or isolate imaging traffic.',
      ),
    );
  }
  const identity = rows(d, 'userIdentityType');
  if (identity.length) {
    const withSecret = identity.some((e) => /pass|saml|jwt|kerberos/i.test(e.value));
    out.push(
      exposure(
        d,
        'dicom-user-identity-clear',
        'DICOM User Identity sent in clear',
        withSecret ? 'high' : 'medium',
        `${where} sent DICOM User Identity negotiation (${identity.map((e) => e.value).join(', ')}) on an unencrypted association: the credential crossed the network readable (its value was not recorded)`,
        identity,
        'Use DICOM TLS for associations that carry User Identity (PS3.7 Annex D.3.3.7 expects a secure transport), and rotate credentials that were sent in clear.',
      ),
    );
  }
  // From active checks (issue 6): nmap's dicom-ping asked for an association
  // addressed to the AE title ANY-SCP, and the service accepted it.
  const anyAe = rows(d, 'dicomCalledAeCheck').filter((e) => e.value === 'any-ae-accepted');
  if (anyAe.length) {
    const ports = [...new Set(anyAe.map((e) => /tcp\/\d+/.exec(e.field)?.[0]).filter((x): x is string => !!x))];
    out.push(
      exposure(
        d,
        'dicom-any-called-ae',
        'DICOM service accepts any called AE title',
        'medium',
        `${where} accepted a DICOM association addressed to an AE title it does not have (ANY-SCP)${ports.length ? ` on ${ports.join(', ')}` : ''} when an active check asked (last ${anyAe[anyAe.length - 1].lastSeen}): whoever can reach the port can store or query without knowing its AE title`,
        anyAe,
        'Configure the DICOM service to accept only its own called AE title and known calling AE titles (or DICOM TLS with client certificates), and restrict which hosts can reach the port.',
      ),
    );
  }
  const impl = d.dicom?.implementationVersionName;
  if (impl) {
    for (const o of OBSOLETE_IMPLEMENTATIONS) {
      const m = impl.match(o.pattern);
      if (!m) continue;
      const version = o.format(m);
      if (compareVersions(version, o.fixedIn) >= 0) continue;
      out.push(
        exposure(
          d,
          `obsolete-implementation:${impl}`,
          `Obsolete DICOM implementation ${impl}`,
          'medium',
          `${where} announces implementation version name ${impl} (version ${version}); ${o.why}; fixed in ${o.fixedIn} (${o.source})`,
          rows(d, 'implementationVersionName').filter((e) => e.value === impl),
          `Update the DICOM software to ${o.fixedIn} or later.`,
        ),
      );
    }
  }
  return out;
}
