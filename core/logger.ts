/**
 * Where everything pagemap says while it runs goes: one object, made once by whoever starts
 * the program (the CLI) and handed down, so the runtime, the watcher and the build never pick
 * a stream themselves, and a test can hold what was said.
 */
import { createWriteStream } from 'node:fs';

export interface Logger {
  /** One request, as a line of Apache's combined format (without the newline). */
  access(line: string): void;
  /** Progress and notices: what a person watching wants to see. */
  info(message: string): void;
  /** Something went wrong; the program carries on. */
  error(message: string): void;
}

/** Says nothing (a library default: the caller decides what is worth saying). */
export const silentLogger: Logger = { access: () => undefined, info: () => undefined, error: () => undefined };

/** A logger for people: messages on stderr, access lines on stdout. */
export const consoleLogger: Logger = {
  access: (line) => void process.stdout.write(line + '\n'),
  info: (message) => void process.stderr.write(message + '\n'),
  error: (message) => void process.stderr.write(message + '\n'),
};

/**
 * `base`, with access lines appended to `file` instead ("-": stdout). Close it to flush the
 * file; a file that cannot be written is said once through `base.error`.
 */
export function withAccessLog(base: Logger, file: string): Logger & { close(): Promise<void> } {
  if (file === '-') return { ...base, close: async () => undefined };
  const stream = createWriteStream(file, { flags: 'a' });
  stream.once('error', (error) => base.error(`pagemap: access log ${file}: ${error.message}`));
  return {
    ...base,
    access: (line) => void stream.write(line + '\n'),
    close: () => new Promise<void>((resolve) => (stream.writable ? stream.end(() => resolve()) : resolve())),
  };
}
