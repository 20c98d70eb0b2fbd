/**
 * Atomic file replacement: write a temp file beside the target, then rename over it, so a
 * reader (Apache, the runtime) or a crash never sees half a file.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Temp files start with this, so a crash's leftovers are recognisable and never served as pages. */
export const TEMP_PREFIX = '.pagemap-tmp-';

function tempPathFor(target: string): string {
  return join(dirname(target), `${TEMP_PREFIX}${randomBytes(6).toString('hex')}-${basename(target).slice(0, 100)}`);
}

async function replaceAtomically(target: string, writeTemp: (temp: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const temp = tempPathFor(target);
  try {
    await writeTemp(temp);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Replace `target` with `data` atomically, creating parent directories. */
export function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  return replaceAtomically(target, (temp) => writeFile(temp, data));
}

/** Replace `target` with a copy of `source` atomically (copy_file_range where the kernel has it). */
export function copyFileAtomic(source: string, target: string): Promise<void> {
  return replaceAtomically(target, (temp) => copyFile(source, temp));
}
