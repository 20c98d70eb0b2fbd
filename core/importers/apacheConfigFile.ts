/**
 * Reading an Apache configuration as Apache reads it: logical lines (a trailing backslash
 * continues one), `#` comments, arguments split as ap_getword_conf splits them (quotes group,
 * a backslash escapes the quote inside them), `<Section>` containers, and `Include` /
 * `IncludeOptional` followed where Apache follows them: a relative path from the server root
 * when one is given, else from the including file's folder; a wildcard in the last part, or a
 * folder, takes its files in name order.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { type ReportedDirective, placeOf } from './conversion.js';

/** One directive, with its place and the containers it sits in. */
export interface Directive {
  /** Lower-case: Apache's directive names are case-insensitive. */
  name: string;
  args: string[];
  where: string;
  /** The line as written (its continuation lines joined). */
  original: string;
  /** The enclosing sections, outermost first: `VirtualHost *:80`, `Directory /srv`… */
  sections: string[];
}

/** Sections whose directives apply to the whole server or virtual host. */
const TRANSPARENT_SECTIONS = new Set(['ifmodule', 'ifdefine', 'ifversion', 'virtualhost', 'ifdirective', 'iffile', 'ifsection']);

/** Split one logical line into arguments as ap_getword_conf does. */
export function splitArguments(line: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    const quote = line[i] === '"' || line[i] === "'" ? line[i]! : undefined;
    let word = '';
    if (quote) {
      i++;
      while (i < line.length && line[i] !== quote) {
        if (line[i] === '\\' && line[i + 1] === quote) i++;
        word += line[i++];
      }
      i++;
    } else {
      while (i < line.length && !/\s/.test(line[i]!)) word += line[i++];
    }
    args.push(word);
  }
  return args;
}

/** The logical lines of a file: continuation lines joined, each with the number of its first line. */
function logicalLines(text: string): { line: number; text: string }[] {
  const physical = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const lines: { line: number; text: string }[] = [];
  for (let i = 0; i < physical.length; i++) {
    const start = i;
    let joined = physical[i]!;
    while (joined.endsWith('\\') && i + 1 < physical.length) joined = joined.slice(0, -1) + physical[++i]!;
    lines.push({ line: start + 1, text: joined.trim() });
  }
  return lines;
}

/** The files an Include names: one file, a folder's files, or a wildcard's matches, in name order. */
function includedFiles(pattern: string): string[] {
  const name = basename(pattern);
  if (/[*?[]/.test(dirname(pattern))) throw new Error('a wildcard in a folder name is not followed');
  if (/[*?[]/.test(name)) {
    const glob = new RegExp(`^${name.replace(/[.+^${}()|\\]/g, (c) => `\\${c}`).replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
    return readdirSync(dirname(pattern))
      .filter((entry) => glob.test(entry))
      .sort()
      .map((entry) => join(dirname(pattern), entry))
      .filter((file) => statSync(file).isFile());
  }
  if (statSync(pattern).isDirectory()) {
    return readdirSync(pattern)
      .sort()
      .map((entry) => join(pattern, entry))
      .filter((file) => statSync(file).isFile());
  }
  return [pattern];
}

export interface ReadOptions {
  /** Apache's ServerRoot, from which a relative Include is resolved; else the including file's folder. */
  serverRoot?: string;
}

/**
 * Every directive of `file` and of what it includes, in the order Apache reads them. Includes
 * that cannot be read, and sections left open or closed twice, are reported; the rest is read.
 */
export function readApacheConfig(file: string, options: ReadOptions = {}): { directives: Directive[]; reported: ReportedDirective[] } {
  const directives: Directive[] = [];
  const reported: ReportedDirective[] = [];
  // Places as short as they can be read: from the current folder, unless the absolute path is shorter.
  const display = (path: string) => {
    const shown = relative(process.cwd(), path);
    return shown.length < path.length ? shown : path;
  };
  const readOne = (path: string, sections: string[], including: string[]) => {
    const text = readFileSync(path, 'utf8');
    const shown = display(path);
    const open: { name: string; label: string; where: string }[] = [];
    for (const { line, text: content } of logicalLines(text)) {
      if (content === '' || content.startsWith('#')) continue;
      const where = placeOf(shown, line);
      const closing = /^<\/\s*([A-Za-z]+)\s*>$/.exec(content);
      if (closing) {
        if (open.at(-1)?.name !== closing[1]!.toLowerCase()) reported.push({ where, reason: `</${closing[1]}> closes no open <${closing[1]}> section`, original: content });
        else open.pop();
        continue;
      }
      const opening = /^<\s*([A-Za-z]+)(.*)>$/.exec(content);
      if (opening) {
        open.push({ name: opening[1]!.toLowerCase(), label: `${opening[1]}${opening[2]!.trimEnd()}`, where });
        continue;
      }
      const [name = '', ...args] = splitArguments(content);
      const enclosing = [...sections, ...open.map((section) => section.label)];
      const lower = name.toLowerCase();
      if (lower === 'include' || lower === 'includeoptional') {
        const isOptional = lower === 'includeoptional';
        const target = args[0] ?? '';
        const resolved = isAbsolute(target) ? target : resolve(options.serverRoot ?? dirname(path), target);
        let files: string[];
        try {
          files = includedFiles(resolved);
        } catch (error) {
          const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
          const hint = !isAbsolute(target) && options.serverRoot === undefined ? '; Apache reads a relative Include from its ServerRoot: give it with --server-root' : '';
          reported.push({ where, reason: `${name} ${target}: cannot read ${resolved} (${why})${isOptional ? '; IncludeOptional skips it, as Apache does' : ''}${hint}; the rest is imported`, original: content });
          continue;
        }
        for (const included of files) {
          if (including.includes(included)) {
            reported.push({ where, reason: `${name} ${target}: includes ${display(included)} inside itself; not read again`, original: content });
            continue;
          }
          try {
            readOne(included, enclosing, [...including, included]);
          } catch (error) {
            reported.push({ where, reason: `${name} ${target}: cannot read ${included} (${(error as Error).message})`, original: content });
          }
        }
        continue;
      }
      directives.push({ name: lower, args, where, original: content, sections: enclosing });
    }
    for (const section of open) reported.push({ where: section.where, reason: `<${section.label}> is never closed in ${shown}`, original: `<${section.label}>` });
  };
  readOne(resolve(file), [], [resolve(file)]);
  return { directives, reported };
}

/** Whether a directive sits where its rules apply to the server's URL-paths (not per directory). */
export function isServerContext(directive: Directive): boolean {
  return directive.sections.every((section) => TRANSPARENT_SECTIONS.has(section.split(/\s/)[0]!.toLowerCase()));
}
