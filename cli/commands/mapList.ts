/** `pagemap map list`: the rows, plain or as JSON, filtered. */
import type { Config } from '../../core/config.js';
import { pathForExport } from '../../core/pagePath.js';
import { type Origin, type Status, ORIGINS, STATUSES, isOrigin, isStatus } from '../../core/pageRow.js';
import { chainsIn } from '../../core/redirects.js';
import { UsageError, defineCommand } from '../commandLine.js';
import { configFrom, formatRow, logger, plural, withStore } from '../context.js';

/** `--chains`: every chain of redirects, as the paths it passes through and where it ends. */
async function listChains(config: Config, json: boolean): Promise<number> {
  const chains = await withStore(config, (store) => chainsIn(store.all()));
  if (json) process.stdout.write(JSON.stringify(chains, null, 2) + '\n');
  else process.stdout.write(chains.map((chain) => chain.map((step, i) => (i < chain.length - 1 ? pathForExport(step) : step)).join(' → ') + '\n').join(''));
  return 0;
}

export const mapList = defineCommand({
  name: 'map list',
  positionals: [0, 0],
  summary: 'list rows of the page map',
  description: `List rows ordered by path: status, path, source. --search matches text anywhere in the path.
--json prints an array of {path, status, source, created, updated, origin}. --chains lists the
redirects whose target is itself a redirect (/a → /b → /c): the runtime and Apache answer each
in one hop, to the last target.`,
  options: {
    status: { type: 'string', value: 'N', description: `only rows with this status (${STATUSES.join(', ')})` },
    search: { type: 'string', value: 'TEXT', description: 'only rows whose path holds TEXT' },
    origin: { type: 'string', value: 'O', description: `only rows of this origin (${ORIGINS.join(', ')})` },
    json: { type: 'boolean', description: 'print JSON' },
    chains: { type: 'boolean', description: 'only the redirects to redirects, with their hops' },
  },
  async run({ values }) {
    const { status, search, origin, json } = values;
    if (values.chains) return listChains(configFrom(values.config), json === true);
    if (status !== undefined && !isStatus(Number(status))) throw new UsageError(`--status ${status}: not one of ${STATUSES.join(', ')}`);
    if (origin !== undefined && !isOrigin(origin)) throw new UsageError(`--origin ${origin}: not one of ${ORIGINS.join(', ')}`);
    const config = configFrom(values.config);
    const rows = await withStore(config, (store) => store.list({ status: status === undefined ? undefined : (Number(status) as Status), search, origin: origin as Origin | undefined }));
    if (json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    else process.stdout.write(rows.map(formatRow).join(''));
    if (!json && process.stderr.isTTY) logger.info(plural(rows.length, 'row'));
    return 0;
  },
});
