/**
 * Many two-column rows read from SQLite as text: each batch one string, `first\tsecond` lines
 * joined by newlines (`group_concat`), split here. A row apiece from better-sqlite3 costs a
 * JavaScript array or object and two decoded strings; a batch costs one decode, and the
 * fields are slices of it. At 100,000 pages, in a fresh process: the page rows ~195 → ~130 ms,
 * the output fingerprints ~220 → ~180 ms (BENCHMARKS.md).
 */

/** One batch: its text, how many rows it holds, and the key of its last row (the next batch starts after it). */
export interface JoinedBatch {
  joined: string | null;
  count: number;
  last: string | null;
}

/** Rows a batch, as many as a string comfortably holds (a few megabytes). */
export const JOINED_BATCH_ROWS = 20_000;

/**
 * Hand every row to `add`, reading batch after batch (`read(after)`: the batch of rows whose
 * key follows `after`; the first starts after ''). Returns false — the caller then reads row
 * by row — when a batch does not split into exactly its count of lines with one tab each: a
 * field holding a tab or a newline, which validation keeps out but a hand-edited database may
 * not.
 */
export function readJoinedRows(read: (after: string) => JoinedBatch | undefined, add: (first: string, second: string) => void): boolean {
  for (let after = ''; ; ) {
    const batch = read(after);
    if (!batch || batch.count === 0 || batch.joined === null || batch.last === null) return true;
    const text = batch.joined;
    let lines = 0;
    for (let start = 0; start <= text.length; lines++) {
      const newline = text.indexOf('\n', start);
      const end = newline < 0 ? text.length : newline;
      const tab = text.indexOf('\t', start);
      if (tab < 0 || text.lastIndexOf('\t', end - 1) !== tab) return false;
      add(text.slice(start, tab), text.slice(tab + 1, end));
      start = end + 1;
    }
    if (lines !== batch.count) return false;
    after = batch.last;
  }
}
