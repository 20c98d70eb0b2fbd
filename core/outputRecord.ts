/**
 * The build's record of one file it wrote, and the fingerprint that says whether it is still
 * current. Apart from the store (pageMap.ts): planning uses both, and SQLite has no business
 * in planning.
 */

/** What the build wrote into public/, so it can skip unchanged work and remove only its own files. */
export interface OutputRecord {
  /** The file, relative to public/, with / separators. */
  file: string;
  /** The page path that owns it; empty for assets and error pages. */
  path: string;
  /** Hash of everything besides the source bytes that shaped the file (row, template, crumbs). */
  inputKey: string;
  /** size:mtime of the source when it was last read, to avoid re-reading it. */
  sourceSig: string;
  /** Hash of the source bytes. */
  sourceHash: string;
  /** size:mtime of the written file, to notice a file changed behind the build's back. */
  outputSig: string;
}

/**
 * What makes a record's output current, as one string: equal for a job whose inputs, output
 * and source are as recorded. An unfinished record (empty outputSig) never equals one made
 * from a file on disk. The store's outputFingerprints statement (pageMap.ts) joins the same
 * columns the same way.
 */
export function outputFingerprint({ inputKey, outputSig, sourceSig }: Pick<OutputRecord, 'inputKey' | 'outputSig' | 'sourceSig'>): string {
  return `${inputKey} ${outputSig} ${sourceSig}`;
}
