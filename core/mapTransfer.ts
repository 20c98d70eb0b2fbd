/**
 * The page map's text forms, for import, export and the shipped seed: TSV
 * (`path<TAB>status<TAB>source`, header optional on import) and JSON (an array of
 * `{path, status, source}`). Parsing checks every row and reports every bad one with its
 * line, so an import is applied whole or not at all — or, when asked to keep going, applied
 * without the bad rows, which go to a rejects file beside the input, fixable and importable.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { ImportError, InvalidRowError, PagemapError, isAbsent } from './errors.js';
import { pathForExport, showText } from './pagePath.js';
import { type ValidRow, validateRow } from './pageRow.js';

export const TSV_HEADER = 'path\tstatus\tsource';
export type MapFormat = 'tsv' | 'json';

/** The format a file name implies; .tsv/.txt are TSV, .json is JSON. */
export function formatOf(file: string): MapFormat {
  const extension = extname(file).toLowerCase();
  if (extension === '.json') return 'json';
  if (extension === '.tsv' || extension === '.txt') return 'tsv';
  throw new InvalidRowError(`${file}: cannot tell the format from the extension ${JSON.stringify(extension)}; use .tsv or .json`);
}

/** An entry of an import, not yet checked: where it is, what was written, and how it becomes a row. */
export interface Located {
  where: string;
  /** The entry as written: the TSV line, or the JSON item. */
  original: string | unknown;
  parse: () => ValidRow;
}

/** A row an import refused: where, why, and what it was. */
export interface Reject {
  where: string;
  reason: string;
  original: string | unknown;
}

function tsvEntries(text: string): Located[] {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const entries: Located[] = [];
  let isFirstRow = true;
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const where = `line ${index + 1}`;
    if (line.trim() === '' || line.startsWith('#')) return;
    const isHeader = isFirstRow && line === TSV_HEADER;
    isFirstRow = false;
    if (isHeader) return;
    const fields = line.split('\t');
    entries.push({
      where,
      original: line,
      parse: () => {
        if (fields.length < 2 || fields.length > 3) {
          throw new InvalidRowError(`expected path<TAB>status<TAB>source, found ${fields.length} field${fields.length === 1 ? '' : 's'}`);
        }
        return validateRow({ path: fields[0]!, status: fields[1]!, source: fields[2] ?? '' });
      },
    });
  });
  return entries;
}

function jsonEntries(text: string): Located[] {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new InvalidRowError(`not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(data)) throw new InvalidRowError('a JSON map must be an array of {path, status, source}');
  return data.map((item: unknown, index) => ({
    where: `item ${index + 1}`,
    original: item,
    parse: () => {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new InvalidRowError('is not an object');
      const { path, status, source } = item as Record<string, unknown>;
      if (typeof path !== 'string') throw new InvalidRowError('has no "path" string');
      if (typeof status !== 'number' && typeof status !== 'string') throw new InvalidRowError('has no "status"');
      if (source !== undefined && source !== null && typeof source !== 'string') throw new InvalidRowError('has a "source" that is not a string');
      return validateRow({ path, status, source: source ?? '' });
    },
  }));
}

/**
 * Parse a map export: the rows it holds, and every entry refused with where it is (line or
 * item number) and why, paths given twice included. Throws ImportError only when the text as
 * a whole cannot be read (JSON that does not parse, say).
 */
export function parseMapLeniently(text: string, format: MapFormat, name: string): { rows: ValidRow[]; rejects: Reject[] } {
  let entries: Located[];
  try {
    entries = format === 'json' ? jsonEntries(text) : tsvEntries(text);
  } catch (error) {
    throw new ImportError(name, [(error as Error).message]);
  }
  return checkEntries(entries);
}

/**
 * Every entry checked: the rows, and each one refused with where it is and why — a path
 * given twice included (the first one stands).
 */
export function checkEntries(entries: readonly Located[]): { rows: ValidRow[]; rejects: Reject[] } {
  const rows: ValidRow[] = [];
  const rejects: Reject[] = [];
  const firstSeen = new Map<string, string>();
  for (const entry of entries) {
    try {
      const row = entry.parse();
      const earlier = firstSeen.get(row.path);
      if (earlier) {
        rejects.push({ where: entry.where, reason: `${pathForExport(row.path)} is already given at ${earlier}`, original: entry.original });
        continue;
      }
      firstSeen.set(row.path, entry.where);
      rows.push(row);
    } catch (error) {
      rejects.push({ where: entry.where, reason: (error as Error).message, original: entry.original });
    }
  }
  return { rows, rejects };
}

/** Parse a map export, all or nothing: the rows, or an ImportError listing every bad one. */
export function parseMap(text: string, format: MapFormat, name: string): ValidRow[] {
  const { rows, rejects } = parseMapLeniently(text, format, name);
  if (rejects.length) throw new ImportError(name, rejects.map((reject) => `${reject.where}: ${reject.reason}`));
  return rows;
}

/** Where the rejects of an import of `file` go: beside it, `map.tsv` → `map.rejects.tsv`. */
export function rejectsFileFor(file: string): string {
  const extension = extname(file);
  return join(dirname(file), `${basename(file, extension)}.rejects${extension}`);
}

/**
 * The rejects in the input's own format, so the file can be fixed and imported as it is:
 * TSV lines under a `# line N: reason` comment; JSON items with a `"rejected"` key (ignored
 * on import).
 */
export function serialiseRejects(rejects: readonly Reject[], format: MapFormat): string {
  if (format === 'json') {
    const items = rejects.map((reject) => ({ rejected: `${reject.where}: ${reject.reason}`, ...(reject.original as object) }));
    return JSON.stringify(items, null, 2) + '\n';
  }
  const lines = [TSV_HEADER];
  for (const reject of rejects) lines.push(`# ${reject.where}: ${showText(reject.reason)}`, String(reject.original));
  return lines.join('\n') + '\n';
}

/** A map file's text; a PagemapError naming the file when it cannot be read. */
export async function readMapText(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const why = isAbsent(error) ? 'no such file' : (error as NodeJS.ErrnoException).code === 'EISDIR' ? 'is a folder' : (error as Error).message;
    throw new PagemapError('EREAD', `cannot read map file ${file}: ${why}; nothing imported`, { cause: error });
  }
  return text;
}

/** Read and parse a map file, the format by its extension, all or nothing. */
export async function readMapFile(file: string): Promise<ValidRow[]> {
  const format = formatOf(file);
  return parseMap(await readMapText(file), format, file);
}

/** Serialise rows; parseMap of the result gives the same rows back. */
export function serialiseMap(rows: readonly ValidRow[], format: MapFormat): string {
  if (format === 'json') {
    return JSON.stringify(rows.map(({ path, status, source }) => ({ path: pathForExport(path), status, source })), null, 2) + '\n';
  }
  return [TSV_HEADER, ...rows.map((r) => `${pathForExport(r.path)}\t${r.status}\t${r.source}`)].join('\n') + '\n';
}
