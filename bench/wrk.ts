/**
 * wrk (Debian's package) as the load generator for the serving benchmarks: bounded in time,
 * loopback only, cycling through a list of request paths so caches see realistic variety.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchError } from './measure.js';

export interface WrkOptions {
  seconds: number;
  connections: number;
  threads: number;
}

export function wrkVersion(): string {
  const result = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (result.error) throw new BenchError('wrk is not installed: apt-get install -y wrk');
  return (result.stdout + result.stderr).split('\n')[0]!.trim();
}

/** A wrk Lua script that requests `paths` in turn (each thread starts at a different place). */
export function pathsScript(dir: string, name: string, paths: readonly string[]): string {
  const list = join(dir, `${name}.paths`);
  writeFileSync(list, paths.join('\n') + '\n');
  const script = join(dir, `${name}.lua`);
  writeFileSync(
    script,
    `local paths = {}
for line in io.lines("${list}") do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
`,
  );
  return script;
}

/** Requests per second that wrk measured against `url` (with an optional path script). */
export function requestsPerSecond(url: string, options: WrkOptions, script?: string): { rps: number; non2xx3xx: number } {
  const args = ['-t', String(options.threads), '-c', String(options.connections), '-d', `${options.seconds}s`, ...(script ? ['-s', script] : []), url];
  const output = execFileSync('wrk', args, { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1]);
  if (!Number.isFinite(rps) || rps <= 0) throw new BenchError(`wrk gave no rate for ${url}:\n${output}`);
  return { rps, non2xx3xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0) };
}
