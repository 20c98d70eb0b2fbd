/**
 * `pagemap map import FILE`: rows from pagemap's own TSV or JSON, or from what a real site
 * has — an Apache or nginx configuration, a CSV export — all or nothing (or keeping going),
 * with a report of every directive that became no row.
 */
import { extname } from 'node:path';
import { writeFileAtomic } from '../../build/atomicWrite.js';
import { ImportError } from '../../core/errors.js';
import { IMPORT_FORMATS, type ImportFormat, readImportFile, reportLines, rowKinds } from '../../core/importers/importFile.js';
import { type MapFormat, rejectsFileFor, serialiseMap, serialiseRejects } from '../../core/mapTransfer.js';
import { UsageError, defineCommand } from '../commandLine.js';
import { configFrom, logger, plural, withStore } from '../context.js';

export const mapImport = defineCommand({
  name: 'map import',
  args: 'FILE',
  positionals: [1, 1],
  summary: 'import a map, or the redirects of an Apache or nginx configuration or a CSV file',
  description: `Import rows from FILE: pagemap's own .tsv (path<TAB>status<TAB>source, optional
header line) or .json ([{path, status, source}]); an Apache configuration (Redirect,
RedirectPermanent, RedirectTemp, RedirectMatch, RewriteRule with its RewriteCond lines on the
path, RewriteMap int:tolower, Include; a .htaccess, or any file given --folder, as the
per-directory rules of that URL folder); an nginx configuration (rewrite … permanent|redirect,
location blocks that return a redirect); or CSV with a header naming the source, target and
status columns, comma or semicolon separated. The kind is guessed from the extension and
content unless --from says it. Every directive that becomes no row is reported with its file,
line and reason; the report ends with counts. Existing rows at the same paths are updated;
with --replace, rows not in FILE are removed. A bad row refuses the whole import, naming
every one — unless --keep-going: then the valid rows are imported and the refused ones go,
each with its place and reason, to a file beside FILE (map.tsv → map.rejects.tsv; a
configuration's to FILE.rejects.tsv), to be fixed and imported in turn. --dry-run prints the
rows (TSV) and the report, and writes nothing.`,
  options: {
    from: { type: 'string', description: `what FILE is: ${IMPORT_FORMATS.join(', ')} (default: guessed)` },
    'server-root': { type: 'string', description: 'Apache\'s ServerRoot, from which a relative Include is read (default: the including file\'s folder)' },
    folder: { type: 'string', description: 'for an Apache per-directory file (.htaccess): the URL folder it sits in (default: / for a file named .htaccess)' },
    'dry-run': { type: 'boolean', description: 'print the rows and the report; write nothing' },
    replace: { type: 'boolean', description: 'also remove every row that is not in FILE' },
    'keep-going': { type: 'boolean', description: 'import the valid rows; write the refused ones to FILE.rejects' },
  },
  async run({ values, positionals }) {
    const file = positionals[0]!;
    if (values['keep-going'] && values.replace) {
      throw new UsageError('map import: --replace with --keep-going would remove the rows the refused lines were meant to keep; fix the file, or import without --replace');
    }
    if (values.from !== undefined && !IMPORT_FORMATS.includes(values.from as ImportFormat)) {
      throw new UsageError(`map import: --from ${values.from}: expected one of ${IMPORT_FORMATS.join(', ')}`);
    }
    const config = configFrom(values.config);
    const read = await readImportFile(file, { format: values.from as ImportFormat | undefined, serverRoot: values['server-root'], folder: values.folder });
    for (const line of reportLines(read)) logger.info(line);
    const kinds = rowKinds(read.rows);
    const counts = `${plural(read.rows.length, 'row')} (${kinds.exact} exact, ${kinds.prefix} prefix, ${kinds.pattern} pattern)${read.format === 'tsv' || read.format === 'json' ? '' : `; ${plural(read.reported.length, 'directive')} not imported, ${plural(read.notes.length, 'note')}`}`;
    if (values['dry-run']) {
      process.stdout.write(serialiseMap(read.rows, 'tsv'));
      for (const reject of read.rejects) logger.info(`${reject.where}: refused: ${reject.reason}`);
      logger.info(`${file} (${read.format}), dry run: ${counts}${read.rejects.length ? `; ${plural(read.rejects.length, 'row')} refused` : ''}; nothing written`);
      return 0;
    }
    let rejectsFile: string | undefined;
    if (read.rejects.length) {
      if (!values['keep-going']) throw new ImportError(file, read.rejects.map((reject) => `${reject.where}: ${reject.reason}`));
      const ownFormat = read.format === 'json' || read.format === 'tsv';
      rejectsFile = ownFormat ? rejectsFileFor(file) : `${file.slice(0, file.length - extname(file).length) || file}.rejects.tsv`;
      await writeFileAtomic(rejectsFile, serialiseRejects(read.rejects, ownFormat ? (read.format as MapFormat) : 'tsv'));
    }
    const summary = await withStore(config, (store) => store.applyRows(read.rows, 'import', { replace: values.replace === true }));
    logger.info(`imported ${file} (${read.format}): ${counts}; ${summary.added} added, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.removed} removed`);
    if (rejectsFile) logger.info(`warning: ${plural(read.rejects.length, 'row')} refused, each with its place and reason in ${rejectsFile}: fix them there and import that file`);
    return 0;
  },
});
