/** `pagemap misses`: the most requested paths that found nothing, and where they were linked from. */
import { pathForExport, showText } from '../../core/pagePath.js';
import { UsageError, defineCommand } from '../commandLine.js';
import { configFrom, logger, withStore } from '../context.js';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `30d`, `12h`, `2w`, `90m` as milliseconds, or undefined. */
export function parseAge(text: string): number | undefined {
  const match = /^(\d+)\s*([mhdw])$/.exec(text.trim());
  return match ? Number(match[1]) * UNITS[match[2]!]! : undefined;
}

export const misses = defineCommand({
  name: 'misses',
  positionals: [0, 0],
  summary: 'the most requested paths that found no page, and the page that last linked to each',
  description: `The paths the runtime answered 404 for and that nothing answers yet, most requested first
(default top 20), each with when it was last asked for and the page that last linked to it
(the request's Referer: a broken link on another site, or on this one). A miss leaves the list
as soon as a row answers it — its own, a prefix or a pattern row — however the row came.
--purge-older-than 30d forgets the misses not asked for in that long (m, h, d or w).`,
  options: {
    top: { type: 'string', value: 'N', description: 'how many (default 20)' },
    json: { type: 'boolean', description: 'print JSON' },
    'purge-older-than': { type: 'string', value: 'AGE', description: 'forget misses last asked for longer ago than AGE (30d, 12h, 2w)' },
  },
  async run({ values }) {
    const top = values.top === undefined ? 20 : Number(values.top);
    if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top ${values.top}: not a positive whole number`);
    const purgeAge = values['purge-older-than'];
    const age = purgeAge === undefined ? undefined : parseAge(purgeAge);
    if (purgeAge !== undefined && age === undefined) throw new UsageError(`--purge-older-than ${purgeAge}: write an age as a number and a unit, m, h, d or w (30d)`);
    const config = configFrom(values.config);
    if (age !== undefined) {
      const purged = await withStore(config, (store) => store.purgeMisses(new Date(Date.now() - age)));
      logger.info(`purged ${purged} ${purged === 1 ? 'miss' : 'misses'} last asked for more than ${purgeAge} ago`);
      return 0;
    }
    const found = await withStore(config, (store) => store.topMisses(top));
    if (values.json) process.stdout.write(JSON.stringify(found, null, 2) + '\n');
    else process.stdout.write(found.map((m) => `${String(m.count).padStart(7)}  ${pathForExport(m.path)}  (last ${m.lastSeen}${m.referrer ? `, from ${showText(m.referrer)}` : ''})\n`).join(''));
    return 0;
  },
});
