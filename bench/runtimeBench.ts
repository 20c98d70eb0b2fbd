/**
 * The runtime against a bare node:http server (the brief: "the runtime must answer close to a
 * bare node:http server"). Both serve the built sample site from public/, each in its own
 * process; wrk measures a page, and the runtime alone a redirect and a miss (404).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../core/config.js';
import { freePort, waitForPort } from '../test/apacheHarness.js';
import { CLI } from './benchSite.js';
import { markdownTable, median } from './measure.js';
import { removeWhenDone } from './scratch.js';
import { type WrkOptions, pathsScript, requestsPerSecond, wrkVersion } from './wrk.js';

export interface RuntimeBenchOptions {
  runs: number;
  wrk: WrkOptions;
  log: (line: string) => void;
}

export async function runRuntimeBench(options: RuntimeBenchOptions): Promise<string> {
  const version = wrkVersion();
  const dir = await mkdtemp(join(tmpdir(), 'pagemap-bench-runtime-'));
  const children: ChildProcess[] = [];
  try {
    await cp(join(PACKAGE_ROOT, 'content'), join(dir, 'content'), { recursive: true });
    await writeFile(join(dir, 'pagemap.config.json'), JSON.stringify({ wikiDir: 'content/wiki', legacyDir: 'content/legacy', seedMap: 'content/pagemap.tsv' }));
    const [runtimePort, barePort] = [await freePort(), await freePort()];
    const runtime = spawn(process.execPath, [CLI, 'serve', '--config', join(dir, 'pagemap.config.json'), '--port', String(runtimePort), '--no-watch', '--access-log', '/dev/null'], { stdio: 'ignore' });
    children.push(runtime);
    await waitForPort(runtimePort, runtime);
    const bare = spawn(process.execPath, [join(PACKAGE_ROOT, 'dist/bench/bareServer.js'), join(dir, 'public'), String(barePort)], { stdio: 'ignore' });
    children.push(bare);
    await waitForPort(barePort, bare);
    const pages = ['/', '/about/', '/doc/', '/download/', '/community/', '/news/', '/BeginnersGuide/Download', '/about/history.html'];
    const scenarios = [
      { name: 'pages, bare node:http', url: `http://127.0.0.1:${barePort}`, paths: pages },
      { name: 'pages, pagemap runtime', url: `http://127.0.0.1:${runtimePort}`, paths: pages },
      { name: 'redirects, pagemap runtime', url: `http://127.0.0.1:${runtimePort}`, paths: ['/doc/Intros.html', '/contact.html', '/dev/summary.html?x=1'] },
      { name: 'misses (404), pagemap runtime', url: `http://127.0.0.1:${runtimePort}`, paths: ['/no/such/page', '/nor/this.html'] },
    ].map((s, i) => ({ ...s, script: pathsScript(dir, `s${i}`, s.paths) }));
    const samples = new Map<string, number[]>();
    for (let run = 0; run < options.runs; run++) {
      options.log(`runtime round ${run + 1}/${options.runs}`);
      for (const scenario of scenarios) {
        const { rps } = requestsPerSecond(scenario.url, options.wrk, scenario.script);
        samples.set(scenario.name, [...(samples.get(scenario.name) ?? []), rps]);
      }
    }
    const bareRate = median(samples.get(scenarios[0]!.name)!);
    const rows = scenarios.map((s) => {
      const rate = median(samples.get(s.name)!);
      return [s.name, rate.toFixed(0), `${((rate / bareRate) * 100).toFixed(0)}%`];
    });
    return [
      `wrk: ${version}; ${options.wrk.threads} threads, ${options.wrk.connections} connections, ${options.wrk.seconds} s a sample; ${options.runs} samples each, interleaved; each server one process; the runtime's access log to /dev/null.`,
      '',
      markdownTable(['scenario', 'req/s (median)', 'of bare node:http'], rows),
    ].join('\n');
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    removeWhenDone(dir);
  }
}
