/**
 * The one catalogue of auscult's user-facing errors. Each has a stable code
 * (never renamed once released) and a message that says what was wrong and
 * what to do about it.
 */

export const ERRORS = {
  AUSCULT_ERR_FILE_NOT_FOUND: { exit: 66, hint: 'check the path; --read takes a pcap or pcapng file' },
  AUSCULT_ERR_FILE_UNREADABLE: { exit: 66, hint: 'check the file permissions' },
  AUSCULT_ERR_NOT_A_CAPTURE: {
    exit: 65,
    hint: 'the file is not a pcap or pcapng capture; record one with tcpdump -w or dumpcap',
  },
  AUSCULT_ERR_CAPTURE_TRUNCATED: {
    exit: 65,
    hint: 'the capture ends in the middle of a packet (was it copied while being written?); the packets before the cut were processed',
  },
  AUSCULT_ERR_BAD_FILTER: { exit: 64, hint: 'the BPF filter does not compile; see man pcap-filter' },
  AUSCULT_ERR_BAD_ARGUMENT: { exit: 64, hint: 'see auscult --help' },
  AUSCULT_ERR_UNSUPPORTED_LINKTYPE: {
    exit: 65,
    hint: 'auscult decodes Ethernet (with VLAN tags), Linux cooked (SLL, SLL2), raw IP and loopback captures',
  },
  AUSCULT_ERR_CAPTURE_FAILED: { exit: 70, hint: 'libpcap reported an error; the message above says which' },
  AUSCULT_ERR_BAD_RULE_PACK: {
    exit: 65,
    hint: 'the fingerprint rule pack does not validate against rules/fingerprint/rule-pack.schema.json; the message lists each problem',
  },
  AUSCULT_ERR_KB_UNREADABLE: { exit: 66, hint: 'check the path and permissions; auscult kb import takes JSON files or folders of them' },
  AUSCULT_ERR_KB_FILE_TOO_LARGE: {
    exit: 65,
    hint: 'knowledge-base documents are at most 256 MiB; split the file or check it is the right one',
  },
  AUSCULT_ERR_KB_NOT_JSON: { exit: 65, hint: 'the file is not valid JSON; the message says where it breaks (was it cut short while downloading?)' },
  AUSCULT_ERR_KB_UNKNOWN_FORMAT: {
    exit: 65,
    hint: 'auscult kb import reads CSAF 2.0 advisories and VEX, CycloneDX 1.2–1.6 and SPDX 2.2/2.3 JSON SBOMs, and the CISA KEV catalog',
  },
  AUSCULT_ERR_KB_INVALID_DOCUMENT: {
    exit: 65,
    hint: 'the document breaks the rules of its format (listed above, with JSON paths); fix it or ask its publisher for a corrected one',
  },
  AUSCULT_ERR_KB_DATABASE: {
    exit: 74,
    hint: 'the knowledge-base file cannot be opened or written; check --db (or AUSCULT_KB), its folder and permissions, and that it is an auscult KB',
  },
  AUSCULT_ERR_KB_MISSING: {
    exit: 66,
    hint: 'give --kb the knowledge-base file that auscult kb import wrote (default ./auscult-kb.sqlite)',
  },
  AUSCULT_ERR_BAD_INVENTORY: {
    exit: 65,
    hint: 'the inventory must be JSON shaped like the output of auscult inventory --format json: {"devices":[{"id":...}, ...]}',
  },
  AUSCULT_ERR_COLLECTOR_DATABASE: {
    exit: 74,
    hint: 'the collector database cannot be opened or written; check --db, its folder and permissions, and that it is an auscult collector database',
  },
  AUSCULT_ERR_COLLECTOR_LISTEN: {
    exit: 69,
    hint: 'the collector cannot listen there; --listen takes HOST:PORT (e.g. 0.0.0.0:8443); check the port is free and allowed',
  },
  AUSCULT_ERR_COLLECTOR_TLS: {
    exit: 66,
    hint: 'the TLS files cannot be read or do not match; give --cert and --key as PEM files (both or neither), and --ca as a PEM CA bundle for mutual TLS',
  },
  AUSCULT_ERR_AGENT_EXISTS: {
    exit: 65,
    hint: 'an agent with that name is already enrolled; pick another name, or revoke it and enroll a new one under a new name',
  },
  AUSCULT_ERR_AGENT_UNKNOWN: { exit: 65, hint: 'no agent of that name is enrolled; auscult collector agents lists them' },
  AUSCULT_ERR_AGENT_NAME: { exit: 64, hint: 'agent names are 1-64 characters of letters, digits, dot, dash and underscore' },
  AUSCULT_ERR_OUTBOX: {
    exit: 74,
    hint: 'the agent outbox (SQLite) cannot be opened or written; check --outbox, its folder, free space and permissions, and that no other agent uses the same file',
  },
  AUSCULT_ERR_TOKEN_FILE: {
    exit: 66,
    hint: 'auscult collector enroll NAME prints an agent token; write it to the file given to --token-file (one line)',
  },
  AUSCULT_ERR_CA_FILE: {
    exit: 66,
    hint: "--ca takes the collector's certificate in PEM (the FILE.cert.pem next to the collector's database)",
  },
  AUSCULT_ERR_ACTIVE_POLICY: {
    exit: 64,
    hint: 'active checks take --allow and --deny as IPv4/IPv6 addresses or CIDR blocks with no host bits set (e.g. 10.20.0.0/16), never host names',
  },
  AUSCULT_ERR_ACTIVE_TOO_MANY: {
    exit: 64,
    hint: 'one run probes at most --max-hosts hosts; narrow --allow, name targets with --target or --inventory, or raise --max-hosts deliberately',
  },
  AUSCULT_ERR_NMAP_MISSING: {
    exit: 69,
    hint: 'active checks run nmap; install it (apt-get install nmap) or give its path with --nmap',
  },
  AUSCULT_ERR_NMAP_FAILED: {
    exit: 70,
    hint: 'nmap stopped with an error (its message is above); check the target, the options and that nmap runs by hand with the same arguments (they are in the audit log)',
  },
  AUSCULT_ERR_NMAP_OUTPUT: {
    exit: 70,
    hint: 'nmap wrote XML that auscult cannot read (cut short or an unknown nmap version); run nmap by hand with the argv from the audit log and report the output',
  },
  AUSCULT_ERR_AUDIT_LOG: {
    exit: 74,
    hint: 'active checks write every probe to the audit log first; check --audit (or --active-audit), its folder, free space and permissions. No probe is sent without it',
  },
  AUSCULT_ERR_INTERNAL: { exit: 70, hint: 'this is a bug in auscult; please report it with the command line used' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class AuscultError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly hint: string;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuscultError';
    this.code = code;
    this.exitCode = ERRORS[code].exit;
    this.hint = ERRORS[code].hint;
  }

  /** One line for a terminal: "auscult: CODE: message (hint)". */
  format(): string {
    return `auscult: ${this.code}: ${this.message}\n  what to do: ${this.hint}`;
  }
}
