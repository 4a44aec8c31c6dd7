/**
 * The messages of bench/collector-load.ts: what one bench agent sends,
 * by seq. Kept apart so a test can check them against the protocol.
 */

/** Devices each bench agent reports (ids differ per agent). */
export const DEVICES_PER_AGENT = 500;

/**
 * The messages agent `agent` sends, by seq: 7 in 10 are device updates, 2
 * finding updates, 1 stats. Like a real agent's refresh (agent/uplink
 * snapshot-diff.ts) every device update moves the device's lastSeen; each
 * of its DEVICES_PER_AGENT devices is sent once per round, and a round is
 * five minutes of the agent's clock. The association evidence (aeTitle,
 * role) is seen every round, the dataset evidence (manufacturer, model,
 * softwareVersion, serialNumber) every third round, and one device in 50
 * per round gets a software patch (a new evidence row, a version-history
 * row). Bodies are JSON templates split once at their variable slots so
 * that producing a message costs the sender a string join, not a
 * JSON.stringify.
 */
export function messageSource(agent: number): (seq: number) => string {
  const SLOT = /"\\u0001(\w+)"/;
  const template = (value: unknown) => JSON.stringify(value).split(SLOT);
  const t0 = Date.parse('2024-05-01T10:00:00.000Z');
  const iso = (ms: number) => `"${new Date(ms).toISOString()}"`;
  const slot = (name: string) => `\u0001${name}`;
  const attributes = ['aeTitle', 'role', 'manufacturer', 'model', 'softwareVersion', 'serialNumber'];
  const devices = Array.from({ length: DEVICES_PER_AGENT }, (_, i) => {
    const ip = `10.${agent}.${i >> 8}.${i & 255}`;
    const hex = (n: number) => n.toString(16).padStart(2, '0');
    return template({
      type: 'device',
      v: 1,
      seq: slot('seq'),
      observedAt: slot('last'),
      device: {
        id: `ip:${ip}`,
        identity: null,
        ip,
        mac: `02:00:00:${hex(agent)}:${hex(i >> 8)}:${hex(i & 255)}`,
        macVendor: null,
        macLocallyAdministered: true,
        ips: [ip],
        manufacturer: 'GE MEDICAL SYSTEMS',
        model: 'Optima CT660',
        softwareVersions: [slot('version')],
        serialNumber: `SN-${agent}-${i}`,
        deviceClass: 'ct',
        roles: ['modality', 'dicom-scu'],
        dicom: { aeTitles: [`CT${agent}_${i}`], stationName: `CTSTATION${i}` },
        hl7: null,
        dhcp: null,
        peers: ['ip:10.0.0.10'],
        gateways: [],
        firstSeen: '2024-05-01T10:00:00.000Z',
        lastSeen: slot('last'),
        evidence: attributes.map((attribute, k) => ({
          attribute,
          value: attribute === 'softwareVersion' ? slot('version') : `${attribute}-${agent}-${i}`,
          protocol: 'dicom',
          field: k < 2 ? `A-ASSOCIATE-RQ ${attribute}` : `C-STORE-RQ dataset ${attribute}`,
          flow: `tcp:${ip}:40000-10.0.0.10:104`,
          firstSeen: '2024-05-01T10:00:00.000Z',
          lastSeen: slot(k < 2 ? 'assocSeen' : 'dataSeen'),
          count: slot(k < 2 ? 'assocCount' : 'dataCount'),
          confidence: 'high',
        })),
      },
    });
  });
  const finding = template({
    type: 'finding',
    v: 1,
    seq: slot('seq'),
    finding: {
      id: slot('id'),
      deviceId: slot('device'),
      kind: 'exposure',
      advisoryIds: [],
      cves: [],
      title: 'Patient data in cleartext HL7',
      cvss: null,
      severity: slot('severity'),
      kev: null,
      status: 'affected',
      remediations: [{ category: 'mitigation', details: 'use TLS', url: null }],
      explanation: { summary: 'cleartext', matched: [], product: null, versionCheck: null },
    },
  });
  const stats = template({
    type: 'stats',
    v: 1,
    seq: slot('seq'),
    at: slot('at'),
    stats: { packets: slot('packets'), bytes: slot('bytes'), pcapDropped: 0, pcapIfDropped: 0, flows: 12, devices: DEVICES_PER_AGENT, findings: 0, capHits: 0, malformed: 0, gaps: 0, outboxDepth: 0, uptimeSeconds: slot('uptime') },
  });
  const fill = (parts: string[], values: Record<string, string>): string => {
    let out = parts[0]!;
    for (let j = 1; j < parts.length; j += 2) out += values[parts[j]!]! + parts[j + 1]!;
    return out;
  };
  const ROUND_MS = 300_000;
  const severities = ['"high"', '"medium"', '"critical"'];
  return (seq: number): string => {
    const k = seq % 10;
    const n = Math.floor(seq / 10);
    if (k < 7) {
      const d = n * 7 + k; // the agent's d-th device update
      const i = d % DEVICES_PER_AGENT;
      const round = Math.floor(d / DEVICES_PER_AGENT);
      const last = t0 + round * ROUND_MS + i * 100;
      const dataRound = round - (round % 3);
      return fill(devices[i]!, {
        seq: String(seq),
        last: iso(last),
        assocSeen: iso(last),
        assocCount: String(1 + round),
        dataSeen: iso(t0 + dataRound * ROUND_MS + i * 100),
        dataCount: String(1 + dataRound * 4),
        version: `"gmp_vct.${46 + Math.floor((round + i) / 50)}"`,
      });
    }
    if (k < 9) {
      const i = (n * 2 + k - 7) % DEVICES_PER_AGENT;
      return fill(finding, {
        seq: String(seq),
        id: `"bench-${agent}-${i}"`,
        device: `"ip:10.${agent}.${i >> 8}.${i & 255}"`,
        severity: severities[(n + i) % 3]!,
      });
    }
    return fill(stats, { seq: String(seq), at: iso(t0 + n * 1000), packets: String(n * 900), bytes: String(n * 700_000), uptime: String(n) });
  };
}
