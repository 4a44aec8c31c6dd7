/**
 * `auscult` command line. Subcommands: `inventory` now; `agent`, `collector`
 * and `kb` arrive with their issues.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { AuscultError } from '../errors.js';
import { inventoryCommand } from './inventory-command.js';

async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  await yargs(argv)
    .scriptName('auscult')
    .usage('$0 <command> [options]\n\nPassive discovery of medical devices from their DICOM and HL7 traffic.')
    .command(
      'inventory',
      'read a capture and print the devices it reveals',
      (y) =>
        y
          .option('read', { alias: 'r', type: 'string', demandOption: true, describe: 'pcap or pcapng file to read' })
          .option('filter', { alias: 'f', type: 'string', describe: 'BPF filter applied by libpcap' })
          .option('format', { choices: ['table', 'json'] as const, default: 'table' as const, describe: 'output format' })
          .option('output', { alias: 'o', type: 'string', describe: 'write the output to this file instead of stdout' })
          .example('$0 inventory --read test/fixtures/dicom/store.pcap', 'table of devices')
          .example('$0 inventory --read cap.pcapng --filter "tcp port 104" --format json', 'JSON for other tools'),
      async (args) => {
        exitCode = await inventoryCommand({
          read: args.read,
          filter: args.filter,
          format: args.format,
          output: args.output,
        });
      },
    )
    .demandCommand(1, 'name a command: auscult inventory --read FILE')
    .strict()
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`auscult: AUSCULT_ERR_BAD_ARGUMENT: ${msg}\n  what to do: see auscult --help\n`);
      exitCode = 64;
    })
    .help()
    .alias('h', 'help')
    .version()
    .parseAsync();
  return exitCode;
}

try {
  process.exitCode = await main(hideBin(process.argv));
} catch (err) {
  if (err instanceof AuscultError) {
    process.stderr.write(err.format() + '\n');
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`auscult: AUSCULT_ERR_INTERNAL: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 70;
  }
}
