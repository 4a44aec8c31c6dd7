/**
 * Turns libpcap's error text into a catalogue code. libpcap has no error
 * numbers for these cases, so we match the messages of libpcap 1.10
 * (savefile.c, sf-pcap.c, sf-pcapng.c, gencode.c).
 */
import type { ErrorCode } from '../errors.js';

/** Code for a failure of pcap_open_offline(). */
export function classifyOfflineOpenError(message: string): ErrorCode {
  if (/No such file or directory/i.test(message)) return 'AUSCULT_ERR_FILE_NOT_FOUND';
  if (/Permission denied/i.test(message)) return 'AUSCULT_ERR_FILE_UNREADABLE';
  // "truncated dump file; tried to read 4 file header bytes, only got N": not even a magic number.
  if (/tried to read 4 file header bytes/.test(message)) return 'AUSCULT_ERR_NOT_A_CAPTURE';
  // The magic number matched but the header or first block is cut short.
  if (/truncated/i.test(message)) return 'AUSCULT_ERR_CAPTURE_TRUNCATED';
  // "unknown file format", "bad dump file format", "Is a directory", pcapng block errors.
  return 'AUSCULT_ERR_NOT_A_CAPTURE';
}

