#!/usr/bin/env node
/**
 * `npm run bench` — the project's benchmarks (performance is measured here, never by timed
 * tests). Prints a Markdown report on stdout, progress on stderr, and writes the raw samples
 * as JSON to a temp file whose path it prints.
 *
 *   node dist/bench/run.js [--pages N] [--runs R] [--warmup W] [--only build] [--shape synthetic|wiki] [--tools pagemap,hugo,eleventy] [--sizes 4000,100000] [--keep]
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TOOLS, type Tool, runBuildBench } from './buildBench.js';
import { runApacheBench } from './apacheBench.js';
import { runCheckBench } from './checkBench.js';
import { CORPUS_SHAPES, type CorpusShape } from './corpusFiles.js';
import { BenchError } from './measure.js';
import { runMissesBench } from './missesBench.js';
import { runRuntimeBench } from './runtimeBench.js';
import { runScaleBench } from './scaleBench.js';
import { removeScratch } from './scratch.js';
import { runWatchBench } from './watchBench.js';
import { WIKI_PAGES } from './wikiCorpus.js';

const HELP = `Usage: node dist/bench/run.js [options]

  --pages N     Markdown pages in the generated corpus (default 5000; 20000 for check and watch);
                not with --shape wiki, whose size is fixed
  --shape NAME  the build benchmark's corpus: synthetic (default; --pages uniform pages in
                section-K/page-M.md) or wiki (shaped like the Python wiki: 3,865 pages, 28 MB,
                pages up to 440 kB, folders six deep, 6,800 redirects with odd paths,
                360 attachments without rows; see bench/wikiCorpus.ts)
  --runs R      timed runs of each scenario (default 5); medians and minimums are reported
  --warmup W    untimed rounds first (default 1)
  --only NAME   run one benchmark: build, runtime, apache, misses, check, watch or scale
                (default: all seven)
  --sizes LIST  the scale benchmark's page counts, comma-separated (default
                4000,10000,25000,50000,100000; each with nine redirect rows per page)
  --seconds S   wrk's duration for each serving sample (default 5)
  --tools LIST  comma-separated, from ${TOOLS.join(', ')} (default all). Hugo must be on PATH;
                Eleventy is installed on first use outside the project (see bench/competitors.ts)
  --keep        keep the temp folder with the corpus and every tool's output
  --quick       every benchmark, small: 1 run, no warm-up, 500 pages (2,000 for check and
                watch, 10 edits), 1 s of wrk, Apache at 100 and 10,000 rows, 10,000 misses,
                the scale curve at 500 and 2,000 pages —
                to see that all of them still run (in under two minutes), not to quote`;

const BENCHMARKS = ['build', 'runtime', 'apache', 'misses', 'check', 'watch', 'scale'] as const;
type Benchmark = (typeof BENCHMARKS)[number];

function wholeNumber(name: string, value: string | undefined, fallback: number, least: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < least) throw new BenchError(`--${name} must be a whole number of at least ${least}, got ${JSON.stringify(value)}`);
  return n;
}

/** --sizes, else the default curve (small with --quick): whole numbers, smallest first. */
function scaleSizes(value: string | undefined, quick: boolean): number[] {
  if (value === undefined) return quick ? [500, 2000] : [4000, 10_000, 25_000, 50_000, 100_000];
  const sizes = value.split(',').map((part) => wholeNumber('sizes', part.trim(), 0, 1));
  return sizes.sort((a, b) => a - b);
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
      seconds: { type: 'string' },
      shape: { type: 'string' },
      sizes: { type: 'string' },
      quick: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return (console.log(HELP), 0);
  if (values.only !== undefined && !(BENCHMARKS as readonly string[]).includes(values.only)) {
    throw new BenchError(`--only ${values.only}: no such benchmark (known: ${BENCHMARKS.join(', ')})`);
  }
  const chosen: readonly Benchmark[] = values.only ? [values.only as Benchmark] : BENCHMARKS;
  const shape = (values.shape ?? 'synthetic') as CorpusShape;
  if (!CORPUS_SHAPES.includes(shape)) throw new BenchError(`--shape ${values.shape}: no such corpus (known: ${CORPUS_SHAPES.join(', ')})`);
  if (values.shape !== undefined && !chosen.includes('build')) throw new BenchError('--shape chooses the build benchmark\'s corpus; add --only build');
  if (values.sizes !== undefined && !chosen.includes('scale')) throw new BenchError('--sizes chooses the scale benchmark\'s page counts; add --only scale');
  if (shape === 'wiki' && values.pages !== undefined) {
    throw new BenchError(`--pages does not apply to --shape wiki, whose size is fixed (${WIKI_PAGES.toLocaleString('en')} pages); leave --pages out`);
  }
  const toolNames = (values.tools ?? TOOLS.join(',')).split(',').map((t) => t.trim());
  for (const name of toolNames) if (!(TOOLS as readonly string[]).includes(name)) throw new BenchError(`--tools: unknown tool ${JSON.stringify(name)} (known: ${TOOLS.join(', ')})`);
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const quick = values.quick === true;
  const runs = wholeNumber('runs', values.runs, quick ? 1 : 5, 1);
  const wrk = { seconds: wholeNumber('seconds', values.seconds, quick ? 1 : 5, 1), connections: 32, threads: 2 };
  /** A benchmark's corpus size: --pages, else its own default, small with --quick. */
  const pagesOr = (full: number, small: number) => wholeNumber('pages', values.pages, quick ? small : full, 1);

  try {
    for (const only of chosen) {
      process.stdout.write(`## ${only[0]!.toUpperCase()}${only.slice(1)}\n\nCommand: \`node dist/bench/run.js ${process.argv.slice(2).join(' ')}\` — ${new Date().toISOString()}\n\n`);
      if (only === 'runtime') process.stdout.write((await runRuntimeBench({ runs, wrk, log })) + '\n\n');
      if (only === 'apache') process.stdout.write((await runApacheBench({ sizes: [100, quick ? 10_000 : 100_000], runs, wrk, log })) + '\n\n');
      if (only === 'misses') process.stdout.write((await runMissesBench({ max: quick ? 10_000 : 100_000, paths: quick ? 15_000 : 150_000, log })) + '\n\n');
      if (only === 'check') process.stdout.write((await runCheckBench({ pages: pagesOr(20_000, 2000), runs, log })) + '\n\n');
      if (only === 'watch') process.stdout.write((await runWatchBench({ pages: pagesOr(20_000, 2000), edits: quick ? 10 : 50, log })) + '\n\n');
      if (only === 'scale') process.stdout.write((await runScaleBench({ sizes: scaleSizes(values.sizes, quick), log })) + '\n\n');
      if (only !== 'build') continue;
      const result = await runBuildBench({
        shape,
        pages: pagesOr(5000, 500),
        runs,
        warmup: wholeNumber('warmup', values.warmup, quick ? 0 : 1, 0),
        tools: new Set(toolNames as Tool[]),
        keep: values.keep === true,
        log,
      });
      const jsonFile = join(tmpdir(), `pagemap-bench-${only}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
      await writeFile(jsonFile, JSON.stringify(result.json, null, 2) + '\n');
      process.stdout.write(`${result.markdown}\n\nRaw samples: ${jsonFile}\n\n`);
    }
  } finally {
    await removeScratch(log);
  }
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
