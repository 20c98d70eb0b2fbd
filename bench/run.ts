#!/usr/bin/env node
/**
 * `npm run bench` — the project's benchmarks (performance is measured here, never by timed
 * tests). Prints a Markdown report on stdout, progress on stderr, and writes the raw samples
 * as JSON to a temp file whose path it prints.
 *
 *   node dist/bench/run.js [--pages N] [--runs R] [--warmup W] [--only build] [--tools pagemap,hugo,eleventy] [--keep]
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TOOLS, type Tool, runBuildBench } from './buildBench.js';
import { BenchError } from './measure.js';

const HELP = `Usage: node dist/bench/run.js [options]

  --pages N     Markdown pages in the generated corpus (default 5000)
  --runs R      timed runs of each scenario (default 5); medians and minimums are reported
  --warmup W    untimed rounds first (default 1)
  --only NAME   run one benchmark: ${'build'} (the only one so far)
  --tools LIST  comma-separated, from ${TOOLS.join(', ')} (default all). Hugo must be on PATH;
                Eleventy is installed on first use outside the project (see bench/competitors.ts)
  --keep        keep the temp folder with the corpus and every tool's output`;

const BENCHMARKS = ['build'] as const;

function wholeNumber(name: string, value: string | undefined, fallback: number, least: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < least) throw new BenchError(`--${name} must be a whole number of at least ${least}, got ${JSON.stringify(value)}`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      pages: { type: 'string' },
      runs: { type: 'string' },
      warmup: { type: 'string' },
      only: { type: 'string' },
      tools: { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return (console.log(HELP), 0);
  const only = values.only ?? 'build';
  if (!(BENCHMARKS as readonly string[]).includes(only)) throw new BenchError(`--only ${only}: no such benchmark (known: ${BENCHMARKS.join(', ')})`);
  const toolNames = (values.tools ?? TOOLS.join(',')).split(',').map((t) => t.trim());
  for (const name of toolNames) if (!(TOOLS as readonly string[]).includes(name)) throw new BenchError(`--tools: unknown tool ${JSON.stringify(name)} (known: ${TOOLS.join(', ')})`);

  const result = await runBuildBench({
    pages: wholeNumber('pages', values.pages, 5000, 1),
    runs: wholeNumber('runs', values.runs, 5, 1),
    warmup: wholeNumber('warmup', values.warmup, 1, 0),
    tools: new Set(toolNames as Tool[]),
    keep: values.keep === true,
    log: (line) => process.stderr.write(`bench: ${line}\n`),
  });
  const jsonFile = join(tmpdir(), `pagemap-bench-${only}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(jsonFile, JSON.stringify(result.json, null, 2) + '\n');
  process.stdout.write(`## ${only[0]!.toUpperCase()}${only.slice(1)}\n\n${result.markdown}\n\nRaw samples: ${jsonFile}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    const known = error instanceof BenchError || (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`error: ${known ? (error as Error).message : ((error as Error)?.stack ?? String(error))}\n`);
    process.exitCode = 1;
  },
);
