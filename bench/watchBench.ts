/**
 * Watch latency (issue 11, item 5): a wiki page saved → its new bytes in public/, p50 and p95
 * over many edits, on the build benchmark's corpus. chokidar's own delay (the save until the
 * watcher hears of it) is shown apart from pagemap's (hearing it until the page is written:
 * the batch's quiet time, 50 ms by default, then a one-page build). The watcher runs in this
 * process, as `pagemap watch` runs it, so both ends are timed on one clock.
 */
import { appendFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SiteBuilder } from '../build/build.js';
import { resolveConfig } from '../core/config.js';
import { PageMapStore } from '../core/pageMap.js';
import { SiteWatcher } from '../runtime/watch.js';
import { CLI, importedSite } from './benchSite.js';
import { pageName, pagePath, writeCorpus } from './corpus.js';
import { BenchError, markdownTable, median, percentile, timeProcess } from './measure.js';
import { removeWhenDone } from './scratch.js';

export interface WatchBenchOptions {
  pages: number;
  edits: number;
  log: (line: string) => void;
}

/** Time between edits, so that each is a batch of its own. */
const PAUSE_MS = 150;
const TIMEOUT_MS = 10_000;

export async function runWatchBench(options: WatchBenchOptions): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pagemap-bench-watch-'));
  try {
    const corpus = await writeCorpus(join(dir, 'site'), { pages: options.pages });
    const { configFile } = await importedSite(dir, corpus);
    const built = timeProcess(process.execPath, [CLI, 'build', '--config', configFile], { cwd: dir });
    options.log(`watch: ${options.pages} pages written, imported and built (${(built.ms / 1000).toFixed(1)} s)`);

    const config = resolveConfig({ configFile, env: {} });
    const store = new PageMapStore(config.database);
    const builder = await SiteBuilder.open(config, store, { keepRenderer: true });
    const heard = new Map<string, number>();
    let onBatch = () => {};
    const watcher = new SiteWatcher(builder, undefined, { onEvent: (file) => heard.has(file) || heard.set(file, performance.now()), onBatch: () => onBatch() });
    const ready = performance.now();
    await watcher.start();
    options.log(`watch: chokidar ready in ${((performance.now() - ready) / 1000).toFixed(1)} s`);
    const chokidar: number[] = [];
    const pagemap: number[] = [];
    const total: number[] = [];
    try {
      for (let edit = 0; edit < options.edits; edit++) {
        const page = (edit * 7919 + 13) % options.pages;
        const source = join(config.wikiDir, pageName(page) + '.md');
        const output = join(config.publicDir, pagePath(page).slice(1));
        const marker = `Edit number ${edit} of the watch benchmark.`;
        heard.clear();
        const done = new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new BenchError(`watch: ${output} did not change within ${TIMEOUT_MS} ms of edit ${edit}`)), TIMEOUT_MS);
          onBatch = () =>
            void readFile(output, 'utf8').then((html) => {
              if (html.includes(marker)) (clearTimeout(timer), resolve(performance.now()));
            });
        });
        const saved = performance.now();
        await appendFile(source, `\n${marker}\n`);
        const written = await done;
        const heardAt = heard.get(source);
        if (heardAt === undefined) throw new BenchError(`watch: the watcher never named ${source}`);
        chokidar.push(heardAt - saved);
        pagemap.push(written - heardAt);
        total.push(written - saved);
        await new Promise((wake) => setTimeout(wake, PAUSE_MS));
      }
    } finally {
      await watcher.close();
      await builder.close();
      store.close();
    }
    const row = (name: string, samples: number[]) => [name, `${median(samples).toFixed(0)} ms`, `${percentile(samples, 0.95).toFixed(0)} ms`, `${Math.max(...samples).toFixed(0)} ms`];
    return [
      `${options.pages.toLocaleString('en')} wiki pages; ${options.edits} edits, one page each (appended to), ${PAUSE_MS} ms apart; the watcher in this process with its defaults (50 ms of quiet before a batch).`,
      '',
      markdownTable(['from → to', 'p50', 'p95', 'max'], [row('save → heard (chokidar)', chokidar), row('heard → new bytes in public/ (pagemap)', pagemap), row('save → new bytes (total)', total)]),
    ].join('\n');
  } finally {
    removeWhenDone(dir);
  }
}
