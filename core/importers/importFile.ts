/**
 * `map import` of any file a migration starts from: pagemap's own TSV and JSON, or an Apache
 * or nginx configuration or a CSV export, converted (core/importers/*) and then checked row
 * by row like pagemap's own. The format is taken from --from, else guessed from the file's
 * extension and content.
 */
import { extname } from 'node:path';
import { InvalidRowError, PagemapError } from '../errors.js';
import { type MapFormat, type Reject, TSV_HEADER, checkEntries, parseMapLeniently, readMapText } from '../mapTransfer.js';
import { isPrefixPath, showText } from '../pagePath.js';
import { type ValidRow, validateRow } from '../pageRow.js';
import { isPatternPath } from '../patterns.js';
import { convertApache } from './apache.js';
import type { Conversion, ReportedDirective } from './conversion.js';
import { convertCsv } from './csv.js';
import { convertNginx } from './nginx.js';

export const IMPORT_FORMATS = ['apache', 'nginx', 'csv', 'json', 'tsv'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** What an import read: the valid rows, the refused ones, and (for a foreign file) what its conversion reported. */
export interface ImportRead {
  format: ImportFormat;
  rows: ValidRow[];
  rejects: Reject[];
  reported: ReportedDirective[];
  notes: ReportedDirective[];
}

const APACHE_DIRECTIVE = /^\s*(Redirect|RedirectMatch|RedirectPermanent|RedirectTemp|RewriteRule|RewriteCond|RewriteEngine|RewriteMap|Include|<VirtualHost)\b/im;
const NGINX_DIRECTIVE = /^\s*(server\s*\{|location\s|rewrite\s+\S+\s+\S+(\s+\w+)?\s*;|return\s+\d{3})/m;

/** The format of `file`: from its extension, and for configurations from what they hold. */
export function guessFormat(file: string, text: string): ImportFormat | undefined {
  const extension = extname(file).toLowerCase();
  if (extension === '.json') return 'json';
  if (extension === '.tsv') return 'tsv';
  if (extension === '.csv') return 'csv';
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  if (extension === '.txt' || firstLine === TSV_HEADER) return 'tsv';
  if (NGINX_DIRECTIVE.test(text)) return 'nginx';
  if (APACHE_DIRECTIVE.test(text) || file.endsWith('.htaccess')) return 'apache';
  if (/^\s*\[/.test(text)) return 'json';
  if (/[,;]/.test(firstLine) && /(source|from|old|url|path)/i.test(firstLine)) return 'csv';
  return undefined;
}

/** A conversion's rows checked as any imported row is: the valid ones, and each refused one with its place and directive. */
function checkConverted(conversion: Conversion): { rows: ValidRow[]; rejects: Reject[] } {
  return checkEntries(
    conversion.rows.map((converted) => ({
      where: converted.where,
      original: `${converted.path}\t${converted.status}\t${converted.source}`,
      parse: () => {
        try {
          return validateRow({ path: converted.path, status: converted.status, source: converted.source });
        } catch (error) {
          throw new InvalidRowError(`${converted.original.trim()}: ${(error as Error).message}`, { cause: error });
        }
      },
    })),
  );
}

/** Read `file` as `format` (guessed when not given): rows, refused rows, and what a conversion reported. */
export async function readImportFile(file: string, options: { format?: ImportFormat; serverRoot?: string; folder?: string } = {}): Promise<ImportRead> {
  const text = await readMapText(file);
  const format = options.format ?? guessFormat(file, text);
  if (!format) throw new PagemapError('EFORMAT', `${file}: cannot tell what kind of file this is; say it with --from ${IMPORT_FORMATS.join('|')}`);
  if (format === 'tsv' || format === 'json') return { format, ...parseMapLeniently(text, format as MapFormat, file), reported: [], notes: [] };
  const conversion = format === 'apache' ? convertApache(file, { serverRoot: options.serverRoot, folder: options.folder }) : format === 'nginx' ? convertNginx(text, file) : convertCsv(text, file);
  return { format, ...checkConverted(conversion), reported: conversion.reported, notes: conversion.notes };
}

/** How many rows of each kind. */
export function rowKinds(rows: readonly ValidRow[]): { exact: number; prefix: number; pattern: number } {
  const kinds = { exact: 0, prefix: 0, pattern: 0 };
  for (const row of rows) kinds[isPatternPath(row.path) ? 'pattern' : isPrefixPath(row.path) ? 'prefix' : 'exact']++;
  return kinds;
}

/** The report of a foreign file's conversion, one line each: where, then why (messages escaped). */
export function reportLines(read: ImportRead): string[] {
  return [
    ...read.reported.map((entry) => `${entry.where}: not imported: ${showText(entry.reason)}`),
    ...read.notes.map((entry) => `${entry.where}: note: ${showText(entry.reason)}`),
  ];
}
