/** Documents the KB tests write themselves (the shared data has no CSAF VEX). */

/** A small valid CSAF VEX document using the parts of the product tree ICSMA files do not. */
export function csafVexDocument(overrides: { version?: string; title?: string } = {}): Record<string, unknown> {
  return {
    document: {
      category: 'csaf_vex',
      csaf_version: '2.0',
      publisher: { category: 'vendor', name: 'Example Medical', namespace: 'https://example.com' },
      title: overrides.title ?? 'Example Medical infusion pump VEX for OpenSSL',
      tracking: {
        id: 'EXMED-VEX-2024-001',
        status: 'final',
        version: overrides.version ?? '1',
        initial_release_date: '2024-03-01T00:00:00Z',
        current_release_date: overrides.version === '2' ? '2024-04-01T00:00:00Z' : '2024-03-01T00:00:00Z',
        revision_history: [{ date: '2024-03-01T00:00:00Z', number: '1', summary: 'Initial' }],
      },
      references: [{ category: 'self', url: 'https://example.com/vex/exmed-vex-2024-001.json', summary: 'this' }],
    },
    product_tree: {
      branches: [
        {
          category: 'vendor',
          name: 'Example Medical',
          branches: [
            {
              category: 'product_family',
              name: 'Infusion',
              branches: [
                {
                  category: 'product_name',
                  name: 'PumpMaster 3000',
                  branches: [
                    {
                      category: 'product_version',
                      name: '4.2.1',
                      product: {
                        name: 'Example Medical PumpMaster 3000 4.2.1',
                        product_id: 'PM3000-4.2.1',
                        product_identification_helper: { cpe: 'cpe:2.3:h:example_medical:pumpmaster_3000:4.2.1:*:*:*:*:*:*:*', model_numbers: ['PM-3000'] },
                      },
                    },
                    {
                      category: 'product_version_range',
                      name: 'vers:generic/>=4.0|<4.2',
                      product: { name: 'Example Medical PumpMaster 3000 4.0 to 4.1', product_id: 'PM3000-4.0-4.1' },
                    },
                    {
                      category: 'product_version',
                      name: '5.0',
                      product: { name: 'Example Medical PumpMaster 3000 5.0', product_id: 'PM3000-5.0' },
                    },
                  ],
                },
              ],
            },
          ],
        },
        {
          category: 'vendor',
          name: 'OpenSSL',
          branches: [
            {
              category: 'product_name',
              name: 'OpenSSL',
              branches: [
                {
                  category: 'product_version',
                  name: '1.0.2k',
                  product: { name: 'OpenSSL 1.0.2k', product_id: 'OPENSSL-1.0.2k', product_identification_helper: { purl: 'pkg:generic/openssl@1.0.2k' } },
                },
              ],
            },
          ],
        },
      ],
      full_product_names: [{ name: 'PumpMaster Gateway', product_id: 'GATEWAY' }],
      relationships: [
        {
          category: 'default_component_of',
          product_reference: 'OPENSSL-1.0.2k',
          relates_to_product_reference: 'PM3000-4.2.1',
          full_product_name: { name: 'OpenSSL 1.0.2k as a component of PumpMaster 3000 4.2.1', product_id: 'PM3000-4.2.1:OPENSSL' },
        },
        {
          category: 'installed_on',
          product_reference: 'OPENSSL-1.0.2k',
          relates_to_product_reference: 'GATEWAY',
          full_product_name: { name: 'OpenSSL 1.0.2k on PumpMaster Gateway', product_id: 'GATEWAY:OPENSSL' },
        },
      ],
      product_groups: [{ group_id: 'OLD-PUMPS', product_ids: ['PM3000-4.0-4.1', 'PM3000-4.2.1'], summary: 'pumps before 5.0' }],
    },
    vulnerabilities: [
      {
        cve: 'CVE-2016-2107',
        title: 'OpenSSL padding oracle',
        cwe: { id: 'CWE-200', name: 'Exposure of Sensitive Information' },
        scores: [
          { products: ['PM3000-4.2.1:OPENSSL'], cvss_v2: { version: '2.0', baseScore: 2.6, vectorString: 'AV:N/AC:H/Au:N/C:P/I:N/A:N' } },
          {
            products: ['PM3000-4.2.1:OPENSSL'],
            cvss_v3: { version: '3.1', baseScore: 5.9, baseSeverity: 'MEDIUM', vectorString: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N' },
          },
        ],
        product_status: {
          first_affected: ['PM3000-4.2.1:OPENSSL'],
          known_not_affected: ['GATEWAY:OPENSSL', 'PM3000-4.0-4.1'],
          first_fixed: ['PM3000-5.0'],
          under_investigation: ['GATEWAY'],
        },
        flags: [{ label: 'vulnerable_code_not_in_execute_path', product_ids: ['GATEWAY:OPENSSL'] }],
        threats: [{ category: 'impact', details: 'The 4.0 and 4.1 firmware does not use AES-NI.', product_ids: ['PM3000-4.0-4.1'] }],
        remediations: [
          { category: 'vendor_fix', details: 'Update to firmware 5.0.', url: 'https://example.com/fw/5.0', group_ids: ['OLD-PUMPS'] },
          { category: 'workaround', details: 'Disable TLS on the pump service port.' },
        ],
      },
    ],
  };
}
