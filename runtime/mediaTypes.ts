/**
 * Content types by file extension, from the same mime.types file Apache's TypesConfig reads
 * (Debian: /etc/mime.types), so the runtime and Apache name every file alike. Without that
 * file, a small built-in table covers the usual web types.
 */
import { readFileSync } from 'node:fs';
import { PREFIX_PAGE_FILE } from '../core/pagePath.js';

/** What Apache's ForceType gives pages at paths without an extension (see apacheConfig.ts). */
export const EXTENSIONLESS_TYPE = 'text/html; charset=utf-8';

const BUILT_IN: Record<string, string> = {
  html: 'text/html', htm: 'text/html', css: 'text/css', js: 'text/javascript', txt: 'text/plain', xml: 'application/xml',
  json: 'application/json', svg: 'image/svg+xml', png: 'image/png', gif: 'image/gif', jpg: 'image/jpeg', jpeg: 'image/jpeg',
  ico: 'image/vnd.microsoft.icon', pdf: 'application/pdf', zip: 'application/zip', gz: 'application/gzip', tgz: 'application/x-gtar-compressed',
};

export type MediaTypes = ReadonlyMap<string, string>;

/** Parse mime.types text: `type ext ext …` lines, # comments. Later lines win, as in Apache. */
export function parseMimeTypes(text: string): Map<string, string> {
  const table = new Map<string, string>();
  for (const line of text.split('\n')) {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/);
    if (fields.length < 2) continue;
    for (const extension of fields.slice(1)) table.set(extension.toLowerCase(), fields[0]!);
  }
  return table;
}

/** The table from `file`, or the built-in one when it cannot be read. */
export function loadMediaTypes(file = '/etc/mime.types'): MediaTypes {
  try {
    return parseMimeTypes(readFileSync(file, 'utf8'));
  } catch {
    return new Map(Object.entries(BUILT_IN));
  }
}

/**
 * The Content-Type of a file in public/ or the legacy tree, as Apache's mod_mime gives it:
 * the rightmost extension that names a type (`a.html.bak` is HTML, `x.tar.gz` gzip); HTML
 * for a name without an extension (and for a page stored inside its folder); none
 * (undefined) when no extension is known.
 */
export function contentTypeFor(types: MediaTypes, file: string): string | undefined {
  const name = file.slice(file.lastIndexOf('/') + 1);
  if (name === PREFIX_PAGE_FILE) return EXTENSIONLESS_TYPE;
  const extensions = name.split('.').slice(1);
  if (extensions.length === 0 || name.startsWith('.')) return EXTENSIONLESS_TYPE;
  for (let i = extensions.length - 1; i >= 0; i--) {
    const type = types.get(extensions[i]!.toLowerCase());
    if (type) return type;
  }
  return undefined;
}
