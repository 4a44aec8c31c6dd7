/**
 * `auscult inventory`'s options, declared once: yargs builds the command
 * (help, validation, errors) from them, and `plainInventoryArgs` reads a
 * plain command line with them without loading yargs at all.
 *
 * Why a second reader: `inventory` is the command people run on captures of
 * hundreds of MB, and its fixed start-up is part of every run. Loading yargs
 * and the help text it renders before every command handler (its cached help
 * message) cost 100-200 ms here; a plain line (known options, each once, every
 * value present and valid) needs none of it. Anything else (help, a typo, a
 * bad choice, a missing value) goes to yargs, which explains the problem.
 */

export const INVENTORY_OPTIONS = {
  read: { alias: 'r', type: 'string', demandOption: true, describe: 'pcap or pcapng file to read' },
  filter: { alias: 'f', type: 'string', describe: 'BPF filter applied by libpcap' },
  format: { choices: ['table', 'json'], default: 'table', describe: 'output format' },
  output: { alias: 'o', type: 'string', describe: 'write the output to this file instead of stdout' },
  kb: { type: 'string', describe: 'knowledge base (from auscult kb import) to correlate against: fills "findings"' },
} as const;

export interface InventoryArgs {
  read: string;
  filter?: string;
  format: 'table' | 'json';
  output?: string;
  kb?: string;
}

type OptionName = keyof typeof INVENTORY_OPTIONS;

/** Every spelling of every option (`--read`, `-r`, ...), to its name. */
const SPELLINGS = new Map<string, OptionName>();
for (const [name, spec] of Object.entries(INVENTORY_OPTIONS) as Array<[OptionName, (typeof INVENTORY_OPTIONS)[OptionName]]>) {
  SPELLINGS.set(`--${name}`, name);
  if ('alias' in spec) SPELLINGS.set(`-${spec.alias}`, name);
}

/**
 * The arguments of `inventory ...` when the line is plain (see above), else
 * null. `argv` is the command line after the program name.
 */
export function plainInventoryArgs(argv: readonly string[]): InventoryArgs | null {
  if (argv[0] !== 'inventory') return null;
  const seen = new Map<OptionName, string>();
  for (let i = 1; i < argv.length; i++) {
    let word = argv[i];
    let value: string | undefined;
    const eq = word.indexOf('=');
    if (word.startsWith('--') && eq > 0) {
      value = word.slice(eq + 1);
      word = word.slice(0, eq);
    }
    const name = SPELLINGS.get(word);
    if (name === undefined || seen.has(name)) return null;
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined || value.startsWith('-')) return null;
    }
    seen.set(name, value);
  }
  const read = seen.get('read');
  if (read === undefined || read === '') return null;
  const format = seen.get('format') ?? INVENTORY_OPTIONS.format.default;
  if (format !== 'table' && format !== 'json') return null;
  return { read, filter: seen.get('filter'), format, output: seen.get('output'), kb: seen.get('kb') };
}
