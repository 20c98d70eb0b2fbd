#!/usr/bin/env node
/**
 * The `pagemap` command. Thin by design (house style 7): find the command in the table
 * (cli/commands/), parse its arguments from its declaration, run it, and turn whatever it
 * threw into one `error:` line and an exit code: 0 done, 1 failed, 2 a usage error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../core/config.js';
import { PagemapError } from '../core/errors.js';
import { type Command, UsageError, closest, helpText, parseInvocation, usageLine } from './commandLine.js';
import { COMMANDS } from './commands/index.js';

function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => `${command.name} ${command.args ?? ''}`.length));
  const lines = COMMANDS.map((command) => `  ${`${command.name} ${command.args ?? ''}`.padEnd(width)}  ${command.summary}`);
  return `pagemap — migrate a legacy website page by page without breaking a URL

Usage: pagemap <command> [options]

Commands:
${lines.join('\n')}

Every command takes --config FILE (default: the nearest pagemap.config.json in this folder
or above, else the shipped sample site) and --help; pagemap --version prints the version.`;
}

function version(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The command `argv` names (`build`, or `map` and its subcommand), and the arguments after it. */
function findCommand(argv: string[]): { command: Command; rest: string[] } {
  const [first = '', second = ''] = argv;
  const twoWords = `${first} ${second}`;
  const command = COMMANDS.find((c) => c.name === twoWords) ?? COMMANDS.find((c) => c.name === first);
  if (command) return { command, rest: argv.slice(command.name.split(' ').length) };
  const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
  if (group.length) {
    const suggestion = closest(twoWords, group.map((c) => c.name));
    throw new UsageError(`unknown ${first} command ${JSON.stringify(second)}${suggestion ? ` (did you mean "${suggestion}"?)` : ''} (see pagemap --help)`);
  }
  const names = new Set(COMMANDS.map((c) => c.name.split(' ')[0]!));
  const suggestion = closest(first, names);
  throw new UsageError(`unknown command ${JSON.stringify(first)}${suggestion ? ` (did you mean "${suggestion}"?)` : ''} (see pagemap --help)`);
}

async function main(argv: string[]): Promise<number> {
  const [first] = argv;
  if (first === undefined) return (console.log(globalHelp()), 2);
  if (first === '--help' || first === '-h' || first === 'help') return (console.log(globalHelp()), 0);
  if (first === '--version' || first === '-V') return (console.log(version()), 0);
  // `pagemap map --help`: the map commands' help, one after another.
  const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
  if (group.length && (argv[1] === undefined || argv[1] === '--help' || argv[1] === '-h')) {
    console.log(group.map((c) => `Usage: ${usageLine(c)}\n${c.description}`).join('\n\n'));
    return argv[1] === undefined ? 2 : 0;
  }
  const { command, rest } = findCommand(argv);
  const invocation = parseInvocation(command, rest);
  if (invocation.values.help) return (console.log(helpText(command)), 0);
  return command.run(invocation);
}

let isFinished = false;
// A task that never settles would let Node exit with 0 when nothing else is left to run: a
// build that did not finish must never look like one that did.
process.on('exit', () => {
  if (isFinished) return;
  process.stderr.write('error: pagemap stopped before finishing its work (nothing was left running to finish it); this is a bug in pagemap\n');
  process.exitCode = 1;
});
// `pagemap map list | head -1`: the reader has all it wants; stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  isFinished = true;
  process.exit(0);
});

main(process.argv.slice(2)).then(
  (code) => {
    isFinished = true;
    process.exitCode = code;
  },
  (error: unknown) => {
    isFinished = true;
    // One line, whatever happened; the stack only when asked for.
    const detail = process.env.PAGEMAP_DEBUG ? `\n${(error as Error)?.stack ?? ''}` : '';
    const message = error instanceof PagemapError ? error.message : `${(error as Error)?.message ?? String(error)} (internal error; PAGEMAP_DEBUG=1 shows where)`;
    process.stderr.write(`error: ${message.replace(/\n(?! {2})/g, ' ')}${detail}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
