/**
 * What an importer of a foreign file (Apache or nginx configuration, CSV) makes of it: rows in
 * pagemap's own written form, each with the place it came from, and every directive it could
 * not express, reported with its place and the reason. Nothing is dropped without a line in
 * the report. The rows are then checked like any imported row (core/mapTransfer.ts).
 */

/** A row a directive became. */
export interface ConvertedRow {
  /** `file:line` of the directive. */
  where: string;
  /** As pagemap writes a row path: `/exact`, `/prefix/*`, `~pattern` or `~*pattern`. */
  path: string;
  status: number;
  source: string;
  /** The directive as written, for the rejects file and the report. */
  original: string;
}

/** A directive that became no row, or became one with a caveat worth telling. */
export interface ReportedDirective {
  where: string;
  reason: string;
  original: string;
}

export interface Conversion {
  rows: ConvertedRow[];
  /** Directives that became no row: each with why. */
  reported: ReportedDirective[];
  /** Directives that became rows, with something the team should know (a quirk kept, a reading chosen). */
  notes: ReportedDirective[];
}

/** `file:line`, as the report and the rejects file name a place. */
export function placeOf(file: string, line: number): string {
  return `${file}:${line}`;
}

/** Escape text so that a regular expression matches it literally (pattern rows' syntax). */
export function literalPattern(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, (char) => `\\${char}`);
}
