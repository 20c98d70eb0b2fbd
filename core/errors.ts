/** Every error pagemap raises on purpose: a stable `code` for callers, a message for people. */
export class PagemapError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A path, row or source that the page map refuses. */
export class InvalidRowError extends PagemapError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EINVALIDROW', message, options);
  }
}

/** A configuration file or option that cannot be used. */
export class ConfigError extends PagemapError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ECONFIG', message, options);
  }
}

/** An import file with bad rows; nothing of it was applied. */
export class ImportError extends PagemapError {
  readonly problems: readonly string[];
  constructor(file: string, problems: readonly string[]) {
    super('EIMPORT', `${file}: ${problems.length} bad row${problems.length === 1 ? '' : 's'}, nothing imported:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/** A page source that is missing, unreadable or outside its root. */
export class SourceError extends PagemapError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ESOURCE', message, options);
  }
}

/** A page source that does not exist (the page answers 404 until it does). */
export class MissingSourceError extends PagemapError {
  constructor(message: string) {
    super('ENOSOURCE', message);
  }
}

/** The page map database cannot be opened or read: damaged, half deleted, not a database. */
export class DatabaseError extends PagemapError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EDATABASE', message, options);
  }
}

/** ENOENT and ENOTDIR mean "absent", which callers treat as an answer, not a failure. */
export function isAbsent(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
