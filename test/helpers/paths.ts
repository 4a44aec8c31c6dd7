/** Paths tests share: the repo's fixtures and the workplace's public data. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(REPO, 'test', 'fixtures');
export const DICOM_FIXTURES = join(FIXTURES, 'dicom');
/** `../shared/data` beside the repository (present on developer machines and in CI). */
export const SHARED_DATA = resolve(REPO, '..', 'shared', 'data');

/** Reason to skip a test that needs the shared data, or false when it is there. */
export function sharedDataMissing(sub: string): string | false {
  const p = join(SHARED_DATA, sub);
  return existsSync(p) ? false : `needs the public data in ${p} (absent on this machine)`;
}
