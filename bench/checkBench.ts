/**
 * `pagemap check` at scale (issue 10: "20,000 pages in seconds"): the benchmark corpus's wiki
 * pages (each with a dozen links to other pages, some to redirects and retired paths) and
 * legacy files, checked by a fresh `pagemap check` process, wall clock from spawn to exit —
 * what a person typing it waits for. The corpus links a few missing pages on purpose, so the
 * command exits 1; that is counted, not failed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, importedSite } from './benchSite.js';
import { writeCorpus } from './corpus.js';
import { BenchError, markdownTable, median, min, timeProcess } from './measure.js';
import { removeWhenDone } from './scratch.js';

export interface CheckBenchOptions {
  pages: number;
  runs: number;
  log: (line: string) => void;
}

export async function runCheckBench(options: CheckBenchOptions): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pagemap-bench-check-'));
  try {
    const corpus = await writeCorpus(join(dir, 'site'), { pages: options.pages });
    const { configFile } = await importedSite(dir, corpus);
    options.log(`check: ${options.pages} pages written and imported`);
    const samples: number[] = [];
    let summary = '';
    for (let run = 0; run < options.runs; run++) {
      const started = performance.now();
      const result = spawnSync(process.execPath, [CLI, 'check', '--config', configFile], { cwd: dir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      samples.push(performance.now() - started);
      if (result.status !== 0 && result.status !== 1) throw new BenchError(`pagemap check exited with ${result.status}:\n${result.stderr}`);
      summary = result.stderr.trim().split('\n').at(-1) ?? '';
      options.log(`check: run ${run + 1}/${options.runs} ${samples.at(-1)!.toFixed(0)} ms — ${summary}`);
    }
    // Node's start alone, for scale: what any command pays.
    const bare = Array.from({ length: options.runs }, () => timeProcess(process.execPath, ['-e', '0']).ms);
    return [
      `${options.pages.toLocaleString('en')} wiki pages and ${corpus.legacyFiles.toLocaleString('en')} legacy files; \`pagemap check\` as a fresh process, ${options.runs} runs.`,
      `Last run: ${summary}.`,
      '',
      markdownTable(
        ['command', 'median', 'fastest'],
        [
          ['pagemap check', `${(median(samples) / 1000).toFixed(2)} s`, `${(min(samples) / 1000).toFixed(2)} s`],
          ['node -e 0 (start alone)', `${median(bare).toFixed(0)} ms`, `${min(bare).toFixed(0)} ms`],
        ],
      ),
    ].join('\n');
  } finally {
    removeWhenDone(dir);
  }
}
