/**
 * Recognises HL7 v2 over MLLP by content, on any port: a start block
 * (HL7 v2.5 Appendix C.4.2) followed by a header segment id and a plausible
 * field separator (HL7 v2.5 §2.5.4). Raw HL7 without MLLP framing is not
 * claimed: without the start block there is no reliable message boundary.
 */
import type { Probe, ProbeVerdict } from '../common/analyzer.js';
import { HL7_UTF8_BOM, MLLP_START_BLOCK } from './constants.js';
import { isPlausibleDelimiter } from './tokenizer.js';

const HEADERS = ['MSH', 'FHS', 'BHS'].map((s) => Buffer.from(s, 'latin1'));
/** The header ids by their first byte (M, F, B: all different). */
const HEADER_BY_FIRST: (Buffer | undefined)[] = new Array<Buffer | undefined>(256).fill(undefined);
for (const h of HEADERS) HEADER_BY_FIRST[h[0]!] = h;

/** Bytes after which `plausibleFrameStart` always has a verdict (start block, BOM, id, 2 delimiters). */
export const HL7_PROBE_LOOKAHEAD = 1 + 3 + 3 + 2;

/**
 * Is there a plausible MLLP frame start at `off`? With `strict`, the first
 * encoding character (MSH-2) is also checked, and 'need-more' is answered
 * until it is there; without, the field separator decides and MSH-2 is
 * checked only when present.
 */
export function plausibleFrameStart(buf: Buffer, off: number, strict = false): ProbeVerdict {
  const avail = buf.length - off;
  if (avail < 1) return 'need-more';
  if (buf[off] !== MLLP_START_BLOCK) return 'no-match';
  let p = off + 1;
  if (p < buf.length && buf[p] === HL7_UTF8_BOM[0]) {
    for (let k = 1; k < 3; k++) {
      if (p + k >= buf.length) return 'need-more';
      if (buf[p + k] !== HL7_UTF8_BOM[k]) return 'no-match';
    }
    p += 3;
  }
  // the segment id, checked byte by byte so a short buffer can still say no; the three
  // header ids differ in their first letter, which then fixes the other two
  if (p >= buf.length) return 'need-more';
  const h = HEADER_BY_FIRST[buf[p]!];
  if (h === undefined) return 'no-match';
  for (let k = 1; k < 3; k++) {
    if (p + k >= buf.length) return 'need-more';
    if (buf[p + k] !== h[k]) return 'no-match';
  }
  p += 3;
  if (p >= buf.length) return 'need-more';
  const sep = buf[p]!;
  if (!isPlausibleDelimiter(sep)) return 'no-match';
  p++;
  if (p >= buf.length) return strict ? 'need-more' : 'match';
  const comp = buf[p]!;
  return isPlausibleDelimiter(comp) && comp !== sep ? 'match' : 'no-match';
}


/** Probe: is this direction HL7 v2 over MLLP? 'need-more' below 5 bytes (start block, id, separator). */
export const hl7Probe: Probe = (firstBytes: Buffer): ProbeVerdict => plausibleFrameStart(firstBytes, 0, false);
