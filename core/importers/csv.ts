/**
 * Redirect lists in CSV, as redirect plugins and spreadsheets export them: a header line naming
 * the columns (in any order, under the names such tools give them), comma-, semicolon- or
 * tab-separated as the header line shows (or an Excel `sep=` line says), quoted as RFC 4180
 * quotes (`""` for a quote; delimiters and line breaks inside quotes). Each record becomes a
 * row in pagemap's written form, or a line in the report saying why not.
 */
import { ImportError } from '../errors.js';
import { quoteText } from '../pagePath.js';
import { type Conversion, type ReportedDirective, placeOf } from './conversion.js';

/** The names each column goes by, the likeliest meaning first (a header may hold several). */
const COLUMN_NAMES = {
  source: ['source', 'from', 'old', 'old_url', 'redirect_from', 'path', 'url'],
  target: ['target', 'to', 'new', 'new_url', 'destination', 'redirect_to'],
  // A redirect plugin may export both `code` (301) and `status` (enabled); the code is the one wanted.
  status: ['status_code', 'http_code', 'code', 'status', 'type'],
} as const;
type Column = keyof typeof COLUMN_NAMES;

const COLUMN_LABELS: Record<Column, string> = { source: 'the old path', target: 'the new URL', status: 'the status' };

// Redirect plugins mark a source that is their own regular expression in a column of this name.
const REGEX_COLUMN_NAMES = ['regex', 'is_regex'];

const STATUS_WORDS = new Map<string, number>([
  ['301', 301],
  ['permanent', 301],
  ['302', 302],
  ['temporary', 302],
  ['redirect', 302],
  ['404', 404],
  ['410', 410],
  ['gone', 410],
]);

const DELIMITERS = [',', ';', '\t'];

/** One CSV record: its fields, the line it starts on, and its text as written. */
interface CsvRecord {
  line: number;
  fields: string[];
  text: string;
}

/**
 * The delimiter a header line uses: of comma, semicolon and tab, the one it holds most often
 * outside quotes (a comma when none).
 */
function delimiterOf(headerLine: string): string {
  const counts = new Map(DELIMITERS.map((delimiter) => [delimiter, 0]));
  let isQuoted = false;
  for (const char of headerLine) {
    if (char === '"') isQuoted = !isQuoted;
    else if (!isQuoted && counts.has(char)) counts.set(char, counts.get(char)! + 1);
  }
  let best = DELIMITERS[0]!;
  for (const delimiter of DELIMITERS) if (counts.get(delimiter)! > counts.get(best)!) best = delimiter;
  return best;
}

/**
 * Split CSV text into records as RFC 4180 reads it, also taking LF and lone CR line ends.
 * Fields are trimmed of spaces: around a path or a URL they mean nothing. A quote opens a
 * quoted field only at the start of a field; elsewhere it is text.
 */
function readRecords(text: string, delimiter: string, file: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let isQuoted = false;
  let hasQuotes = false;
  let line = 1;
  let recordLine = 1;
  let recordStart = 0;
  let quoteLine = 1;
  const endField = () => {
    fields.push(field.trim());
    field = '';
    hasQuotes = false;
  };
  const endRecord = (end: number) => {
    endField();
    records.push({ line: recordLine, fields, text: text.slice(recordStart, end) });
    fields = [];
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    const isLineEnd = char === '\n' || (char === '\r' && text[i + 1] !== '\n');
    if (isQuoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        isQuoted = false;
      } else {
        field += char;
      }
      if (isLineEnd) line++;
      continue;
    }
    if (char === '"' && !hasQuotes && field.trim() === '') {
      isQuoted = true;
      hasQuotes = true;
      quoteLine = line;
      field = '';
    } else if (char === delimiter) {
      endField();
    } else if (char === '\r' && text[i + 1] === '\n') {
      // The LF that follows ends the record.
    } else if (isLineEnd) {
      endRecord(text[i - 1] === '\r' && char === '\n' ? i - 1 : i);
      line++;
      recordLine = line;
      recordStart = i + 1;
    } else {
      field += char;
    }
  }
  if (isQuoted) throw new ImportError(file, [`line ${quoteLine}: a quoted field opens here and is never closed`]);
  if (recordStart < text.length) endRecord(text.length);
  return records;
}

const isBlank = (record: CsvRecord) => record.fields.every((field) => field === '');

/** A header name as compared: case, spaces and hyphens aside (`Old URL` is `old_url`). */
function columnKey(name: string): string {
  return name.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/** Which field holds each column; several candidates for one column are noted. */
function readHeader(header: CsvRecord, file: string, notes: ReportedDirective[]): Partial<Record<Column | 'regex', number>> {
  const keys = header.fields.map(columnKey);
  const columns: Partial<Record<Column | 'regex', number>> = {};
  for (const column of Object.keys(COLUMN_NAMES) as Column[]) {
    const found = COLUMN_NAMES[column].map((name) => keys.indexOf(name)).filter((index) => index >= 0);
    if (found.length === 0) continue;
    columns[column] = found[0]!;
    if (found.length > 1) {
      const names = found.map((index) => quoteText(header.fields[index]!));
      notes.push({ where: placeOf(file, header.line), reason: `columns ${names.join(' and ')} could each be ${COLUMN_LABELS[column]}; ${names[0]} is read as it`, original: header.text });
    }
  }
  const regexIndex = keys.findIndex((key) => REGEX_COLUMN_NAMES.includes(key));
  if (regexIndex >= 0) columns.regex = regexIndex;
  const missing = (['source', 'target'] as const).filter((column) => columns[column] === undefined);
  if (missing.length) {
    const wanted = missing.map((column) => `${COLUMN_LABELS[column]} (${COLUMN_NAMES[column].join(', ')})`);
    throw new ImportError(file, [`line ${header.line}: the header ${quoteText(header.text)} names no column for ${wanted.join(' nor for ')}`]);
  }
  return columns;
}

/** A status as such files spell it (`301`, `permanent`, `gone`…); the reason when pagemap has no such answer. */
function readStatus(written: string): { status: number } | { problem: string } {
  const word = written.toLowerCase();
  // "301 Moved Permanently" is read by its code.
  const status = STATUS_WORDS.get(word) ?? STATUS_WORDS.get(/^(\d{3})\s/.exec(word)?.[1] ?? '');
  if (status !== undefined) return { status };
  const code = /^\d{3}\b/.exec(word)?.[0];
  if (code === '307' || code === '308') return { problem: `status ${code} keeps the method; pagemap answers 301 or 302` };
  return { problem: `status ${quoteText(written)} is not one pagemap answers (301 or permanent, 302 or temporary, 404, 410 or gone)` };
}

/**
 * The row path a source becomes: a full URL its path, a pagemap pattern (`~…`) or prefix
 * (`/x/*`) as written; the reason when it cannot be one. The URL's host, when there is one.
 */
function readSource(written: string): { path: string; host?: string } | { problem: string } {
  if (written.startsWith('~')) return { path: written };
  if (/^https?:\/\//i.test(written)) {
    let url: URL;
    try {
      url = new URL(written);
    } catch {
      return { problem: `the old path ${quoteText(written)} is a URL that does not parse` };
    }
    if (written.includes('?')) return { problem: `the old path ${quoteText(written)} has a query: pagemap matches paths, not queries (a row for ${url.pathname} would answer every query)` };
    return { path: url.pathname, host: url.host };
  }
  if (written.includes('?')) {
    const path = written.slice(0, written.indexOf('?'));
    return { problem: `the old path ${quoteText(written)} has a query: pagemap matches paths, not queries (a row for ${path} would answer every query)` };
  }
  return { path: written };
}

const isTrue = (value: string) => /^(1|true|yes|y)$/i.test(value);

/**
 * Convert a CSV redirect list. `file` names it in each row's place (`file:line`, the line a
 * record starts on). Throws ImportError when the text cannot be read as a list: no header,
 * no column for the old path or the new URL, a quote never closed.
 */
export function convertCsv(text: string, file: string): Conversion {
  const body = text.replace(/^\uFEFF/, '');
  const firstLine = body.split(/\r\n|\n|\r/).find((line) => line.trim() !== '') ?? '';
  // Excel may name the delimiter in a line of its own before the header: sep=;
  const declared = /^sep=(.)$/i.exec(firstLine)?.[1];
  const records = readRecords(body, declared ?? delimiterOf(firstLine), file).filter((record) => !isBlank(record));
  if (declared) records.shift();
  const header = records.shift();
  if (!header) throw new ImportError(file, ['the file is empty: a CSV redirect list needs a header line naming its columns (source, target, status)']);
  const conversion: Conversion = { rows: [], reported: [], notes: [] };
  const columns = readHeader(header, file, conversion.notes);
  if (columns.status === undefined) {
    conversion.notes.push({ where: placeOf(file, header.line), reason: 'the header names no status column: every row is read as 301, a permanent redirect', original: header.text });
  }
  const fieldOf = (record: CsvRecord, column: Column | 'regex') => (columns[column] === undefined ? '' : (record.fields[columns[column]!] ?? ''));
  const hostsNoted = new Set<string>();
  let withoutStatus: { record: CsvRecord; count: number } | undefined;
  for (const record of records) {
    const where = placeOf(file, record.line);
    const report = (reason: string) => conversion.reported.push({ where, reason, original: record.text });
    const written = fieldOf(record, 'source');
    const target = fieldOf(record, 'target');
    const statusText = fieldOf(record, 'status');
    if (written === '') {
      report('has no old path');
      continue;
    }
    if (isTrue(fieldOf(record, 'regex')) && !written.startsWith('~')) {
      report(`the old path ${quoteText(written)} is a regular expression of the tool that exported it (its regex column says so); write it as a pagemap pattern row, ~regex`);
      continue;
    }
    const source = readSource(written);
    if ('problem' in source) {
      report(source.problem);
      continue;
    }
    const read = statusText === '' ? { status: 301 } : readStatus(statusText);
    if ('problem' in read) {
      report(read.problem);
      continue;
    }
    const { status } = read;
    if ((status === 301 || status === 302) && target === '') {
      report(`has status ${status} and no new URL`);
      continue;
    }
    if (statusText === '') withoutStatus = withoutStatus ? { ...withoutStatus, count: withoutStatus.count + 1 } : { record, count: 1 };
    conversion.rows.push({ where, path: source.path, status, source: status === 301 || status === 302 ? target : '', original: record.text });
    if (source.host !== undefined && !hostsNoted.has(source.host)) {
      hostsNoted.add(source.host);
      conversion.notes.push({ where, reason: `the old path is a URL on ${source.host}: its path is kept, the host dropped (this and every other URL on ${source.host})`, original: record.text });
    }
    if (status >= 400 && target !== '') conversion.notes.push({ where, reason: `has status ${status}, so its new URL ${quoteText(target)} is not kept`, original: record.text });
  }
  if (columns.status !== undefined && withoutStatus) {
    const { record, count } = withoutStatus;
    const others = count === 1 ? 'this row' : `this row and ${count - 1} other${count === 2 ? '' : 's'}`;
    conversion.notes.push({ where: placeOf(file, record.line), reason: `no status given: ${others} read as 301, a permanent redirect`, original: record.text });
  }
  return conversion;
}
