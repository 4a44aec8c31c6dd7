/** Paths tests share: the repo's fixtures and the workplace's public data. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, SHARED_DATA } from '../../scripts/lib/paths.js';

export { REPO, SHARED_DATA };
export const FIXTURES = join(REPO, 'test', 'fixtures');
export const DICOM_FIXTURES = join(FIXTURES, 'dicom');

/** Reason to skip a test that needs the shared data, or false when it is there. */
export function sharedDataMissing(sub: string): string | false {
  const p = join(SHARED_DATA, sub);
  return existsSync(p) ? false : `needs the public data in ${p} (absent on this machine)`;
}
