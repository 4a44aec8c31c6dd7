/**
 * HL7 v2 over MLLP: framing, tokenizer and the allow-listed device projection.
 * See stream.ts for the analyzer, events.ts for what it emits.
 */
export { createHl7Analyzer, type Hl7Options } from './stream.js';
export { hl7Probe, plausibleFrameStart, HL7_PROBE_LOOKAHEAD } from './probe.js';
export { MllpFramer, type MllpCut, type MllpSink } from './mllp.js';
export {
  tokenizeMessage,
  unescapeBytes,
  isPlausibleDelimiter,
  rangeStartsWith,
  Hl7Message,
  HL7_INVALID_SEGMENT_ID,
  type Hl7Delimiters,
  type Hl7Encoding,
  type Hl7Scope,
} from './tokenizer.js';
export { extractMessages, type Hl7Extraction, type Hl7MessageProjection, type Hl7BatchProjection } from './extract.js';
export type * from './events.js';
export * from './constants.js';
