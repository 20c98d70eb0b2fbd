/**
 * Commands as declarations: each command says once what it is called, what it takes and
 * what it does; the usage line, the help text, parseArgs' options and the types of the
 * parsed values all come from that one declaration, as do usage errors and their "did you
 * mean" (a mistyped `--stauts` → `--status`).
 */
import { parseArgs } from 'node:util';
import { PagemapError } from '../core/errors.js';

/** A wrong command line: exit 2, one `error:` line. */
export class UsageError extends PagemapError {
  constructor(message: string) {
    super('EUSAGE', message);
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** The value's placeholder in help (`N`, `FILE`), for string options. */
  value?: string;
  description: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** The parsed values of `O`: strings and booleans as declared, absent when not given. */
export type OptionValues<O extends OptionSpecs> = { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };

/** Options every command takes. */
export const COMMON_OPTIONS = {
  config: { type: 'string', value: 'FILE', description: 'the site config (default: the nearest pagemap.config.json here or above)' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
} as const satisfies OptionSpecs;

export interface Invocation<O extends OptionSpecs> {
  values: OptionValues<O & typeof COMMON_OPTIONS>;
  positionals: string[];
}

export interface Command<O extends OptionSpecs = OptionSpecs> {
  /** `build`, `map list`. */
  name: string;
  /** The positionals as the usage line shows them: `PATH STATUS [SOURCE]`. */
  args?: string;
  /** How many positionals, at least and at most. */
  positionals: readonly [number, number];
  /** One line for the command list. */
  summary: string;
  /** The rest of the help text. */
  description: string;
  options: O;
  run(invocation: Invocation<O>): Promise<number>;
}

/** Declare a command; keeps its options' types for `run`. */
export function defineCommand<O extends OptionSpecs>(command: Command<O>): Command<O> {
  return command;
}

function optionUsage(name: string, spec: OptionSpec): string {
  return spec.type === 'string' ? `--${name} ${spec.value ?? 'VALUE'}` : `--${name}`;
}

/** `pagemap map list [--status N] [--json]`. */
export function usageLine(command: Command): string {
  const options = Object.entries(command.options).map(([name, spec]) => `[${optionUsage(name, spec)}]`);
  return ['pagemap', command.name, command.args, ...options].filter(Boolean).join(' ');
}

/** The whole help of one command. */
export function helpText(command: Command): string {
  const all: [string, OptionSpec][] = [...Object.entries(command.options), ...Object.entries(COMMON_OPTIONS)];
  const labels = all.map(([name, spec]) => (spec.short ? `-${spec.short}, ` : '') + optionUsage(name, spec));
  const width = Math.max(...labels.map((label) => label.length));
  const options = all.map(([, spec], i) => `  ${labels[i]!.padEnd(width)}  ${spec.description}`);
  return `Usage: ${usageLine(command)}\n${command.description}\n\nOptions:\n${options.join('\n')}`;
}

/** Edit distance (with transpositions): how far a typo is from a real name. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name closest to `typed`, when it is close enough to be what was meant. */
export function closest(typed: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    const d = distance(typed.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) ((best = name), (bestDistance = d));
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

/** Parse `args` for `command`; UsageError, naming the nearest option, when they do not fit. */
export function parseInvocation<O extends OptionSpecs>(command: Command<O>, args: string[]): Invocation<O> {
  const options = { ...command.options, ...COMMON_OPTIONS };
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec((error as Error).message)?.[1];
    if (unknown) {
      const suggestion = closest(unknown.replace(/^-+/, ''), Object.keys(options));
      throw new UsageError(`${command.name}: unknown option ${unknown}${suggestion ? ` (did you mean --${suggestion}?)` : ''} (see pagemap ${command.name} --help)`);
    }
    throw new UsageError(`${command.name}: ${(error as Error).message}`);
  }
  const values = parsed.values as Invocation<O>['values'];
  const [min, max] = command.positionals;
  const n = parsed.positionals.length;
  if (!values.help && (n < min || n > max)) {
    throw new UsageError(`${command.name}: expected ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, got ${n} (see pagemap ${command.name} --help)`);
  }
  return { values, positionals: parsed.positionals };
}
