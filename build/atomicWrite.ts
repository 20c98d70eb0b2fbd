/**
 * Atomic file replacement: write a temp file beside the target, then rename over it, so a
 * reader (Apache, the runtime) or a crash never sees half a file. Parent folders are made
 * only when the first write finds them missing: a build writes thousands of files into a
 * few folders, and a mkdir per file would double its system calls.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { isAbsent } from '../core/errors.js';

/** Temp files start with this, then the writer's pid: a crash's leftovers are recognisable, and whose they were. */
export const TEMP_PREFIX = '.pagemap-tmp-';
const TEMP_NAME = /^\.pagemap-tmp-(\d+)-/;

let counter = 0;

/** Unique per process, thread and call: no two writers ever share a temp file. */
function tempPathFor(target: string): string {
  return join(dirname(target), `${TEMP_PREFIX}${process.pid}-${threadId}-${counter++}-${basename(target).slice(0, 100)}`);
}

async function replaceAtomically(target: string, writeTemp: (temp: string) => Promise<void>): Promise<void> {
  const temp = tempPathFor(target);
  try {
    try {
      await writeTemp(temp);
    } catch (error) {
      if (!isAbsent(error)) throw error;
      await mkdir(dirname(target), { recursive: true });
      await writeTemp(temp);
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Replace `target` with `data` atomically, creating parent folders. */
export function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  return replaceAtomically(target, (temp) => writeFile(temp, data));
}

/** Replace `target` with a copy of `source` atomically (copy_file_range where the kernel has it). */
export function copyFileAtomic(source: string, target: string): Promise<void> {
  return replaceAtomically(target, (temp) => copyFile(source, temp));
}

/** writeFileAtomic for render workers, where blocking costs nothing and saves the thread-pool hops. */
export function writeFileAtomicSync(target: string, data: string | Uint8Array): void {
  const temp = tempPathFor(target);
  try {
    try {
      writeFileSync(temp, data);
    } catch (error) {
      if (!isAbsent(error)) throw error;
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(temp, data);
    }
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Write `pieces` to a temp file beside `target` (making its folder if need be), one at a time:
 * a file too big to hold as one string. commit() renames it over `target`; discard() removes it.
 */
export async function writeTempBeside(target: string, pieces: Iterable<string>): Promise<{ commit(): Promise<void>; discard(): Promise<void> }> {
  const temp = tempPathFor(target);
  try {
    const file = await open(temp, 'w').catch(async (error: unknown) => {
      if (!isAbsent(error)) throw error;
      await mkdir(dirname(target), { recursive: true });
      return open(temp, 'w');
    });
    try {
      for (const piece of pieces) await file.write(piece);
    } finally {
      await file.close();
    }
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return {
    commit: () => rename(temp, target).catch(async (error: unknown) => (await rm(temp, { force: true }), Promise.reject(error))),
    discard: () => rm(temp, { force: true }),
  };
}

/** Whether a process with this pid is running (EPERM: it is, but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the temp files in `dir` whose writer is no longer running (a killed build's); a live
 * process's are left alone, since it is about to rename them. Returns how many were removed.
 */
export async function removeDeadTempFiles(dir: string): Promise<number> {
  const names = await readdir(dir).catch((error: unknown) => {
    if (isAbsent(error)) return [];
    throw error;
  });
  let removed = 0;
  for (const name of names) {
    const pid = TEMP_NAME.exec(name)?.[1];
    if (pid === undefined || isProcessAlive(Number(pid))) continue;
    await rm(join(dir, name), { force: true, recursive: true });
    removed++;
  }
  return removed;
}
