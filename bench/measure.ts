/**
 * Timing fresh processes and summarising samples. Every run is a new process timed from
 * spawn to exit (wall clock), because that is what a person typing the command waits for.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';

export interface ProcessRun {
  ms: number;
  stdout: string;
  stderr: string;
}

export class BenchError extends Error {
  override readonly name = 'BenchError';
}

/** Run `command args` to completion and time it; throws (with its output) unless it exits 0. */
export function timeProcess(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ProcessRun {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = performance.now() - started;
  if (result.error) throw new BenchError(`cannot run ${command}: ${result.error.message}`);
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new BenchError(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}:\n${output}`);
  }
  return { ms, stdout: result.stdout, stderr: result.stderr };
}

export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The sample below which `p` (0–1) of them lie (nearest rank). */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export function min(samples: readonly number[]): number {
  return Math.min(...samples);
}

/** Files under `dir` whose names end with `suffix`, and any that start with `tempPrefix` (leftovers). */
export async function countFiles(dir: string, suffix: string, tempPrefix?: string): Promise<{ matching: number; temp: number }> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  let matching = 0;
  let temp = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    if (tempPrefix && entry.name.startsWith(tempPrefix)) temp++;
    else if (entry.name.endsWith(suffix)) matching++;
  }
  return { matching, temp };
}

/** The mean size in bytes of the files under `dir` whose names end with `suffix`. */
export async function meanFileSize(dir: string, suffix: string): Promise<number> {
  const entries = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && e.name.endsWith(suffix));
  let total = 0;
  for (const entry of entries) total += (await stat(join(entry.parentPath, entry.name))).size;
  return entries.length ? Math.round(total / entries.length) : 0;
}

/** A Markdown table; numbers are right-aligned. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const isNumeric = header.map((_, column) => rows.every((row) => /^[-\d.,×x—]*$/.test(row[column] ?? '')));
  const widths = header.map((h, column) => Math.max(h.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    '| ' + cells.map((cell, column) => (isNumeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join(' | ') + ' |';
  const rule = '| ' + widths.map((w, column) => (isNumeric[column] ? '-'.repeat(w - 1) + ':' : '-'.repeat(w))).join(' | ') + ' |';
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

export function formatRatio(ratio: number): string {
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}×`;
}

/**
 * The filesystem `dir` is on, for a report's machine line. ext4 without a journal is named as
 * such: it will not reuse an inode freed in the last minutes, so for minutes after many files
 * are deleted, creating one costs up to ~1 ms instead of ~50 µs (BENCHMARKS.md, "What the
 * slow spells are"), and figures taken minutes apart do not compare.
 */
export function describeDisk(dir: string): string {
  try {
    const real = realpathSync(dir);
    // /proc/self/mountinfo: the mount point is the fifth field; after the lone "-", the type and the device.
    let best: string[] | undefined;
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const fields = line.split(' ');
      const point = fields[4];
      if (point === undefined || !(real === point || real.startsWith(point.endsWith('/') ? point : point + '/'))) continue;
      if (!best || point.length > best[4]!.length) best = fields;
    }
    if (!best) return 'unknown';
    const type = best[best.indexOf('-') + 1] ?? 'unknown';
    if (type !== 'ext4') return type;
    const journal = readFileSync(`/sys/fs/ext4/${basename(best[best.indexOf('-') + 2] ?? '')}/journal_task`, 'utf8').trim();
    return journal === '<none>' ? 'ext4 without a journal (creating files is slow for minutes after many are deleted)' : 'ext4';
  } catch {
    return 'unknown';
  }
}
