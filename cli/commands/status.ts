/** `pagemap status`: the migration at a glance. */
import { describeStatus, migrationStatus } from '../../runtime/migrationStatus.js';
import { defineCommand } from '../commandLine.js';
import { configFrom, withStore } from '../context.js';

export const status = defineCommand({
  name: 'status',
  positionals: [0, 0],
  summary: 'the migration at a glance: rows, wiki share, discoveries, misses, broken links, chains',
  description: `How far the migration has come: the rows by status and kind; the pages on the wiki and
still legacy files, as a share; the rows discovery added in the last 7 days; the most
requested misses; the internal links that lead nowhere (as pagemap check finds them); the
redirects that go through others. --json for scripts.`,
  options: {
    json: { type: 'boolean', description: 'print JSON' },
  },
  async run({ values }) {
    const config = configFrom(values.config);
    const found = await withStore(config, (store) => migrationStatus(config, store));
    process.stdout.write(values.json ? JSON.stringify(found, null, 2) + '\n' : describeStatus(found).join('\n') + '\n');
    return 0;
  },
});
