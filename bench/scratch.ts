/**
 * The benchmarks' scratch folders, removed once the whole run is over rather than as each
 * benchmark ends. On ext4 without a journal (this machine's disk) an inode freed in the last
 * minutes is not reused, and every file created meanwhile searches past it: for minutes after
 * one benchmark deleted its ~100,000 files, the next one's builds created theirs at up to
 * twenty times the cost (BENCHMARKS.md, "What the slow spells are").
 */
import { rm } from 'node:fs/promises';

const pending: string[] = [];

/** Remove `dir` when the run ends (removeScratch). */
export function removeWhenDone(dir: string): void {
  pending.push(dir);
}

/** Remove every folder handed to removeWhenDone so far. */
export async function removeScratch(log: (line: string) => void): Promise<void> {
  if (pending.length) log(`removing ${pending.length} scratch folder${pending.length === 1 ? '' : 's'}`);
  for (const dir of pending.splice(0)) await rm(dir, { recursive: true, force: true });
}
