/** `pagemap serve`: the runtime, until SIGINT or SIGTERM. */
import { withAccessLog } from '../../core/logger.js';
import { openPageMap } from '../../core/site.js';
import { UsageError, defineCommand } from '../commandLine.js';
import { configFrom, logger, progressLine } from '../context.js';

export const serve = defineCommand({
  name: 'serve',
  positionals: [0, 0],
  summary: 'build, then serve the site and watch it (the runtime)',
  description: `Listen on the config's runtime address (default 127.0.0.1:8080; HOST and PORT in the
environment, then --host and --port, override it), build (incrementally), then serve the site.
Misses are rendered into public/, legacy files without a row are discovered, and the wiki,
templates, legacy tree and map are watched (--no-watch turns that off), and a page open in a
browser that asks the runtime directly reloads itself when it is rebuilt (--no-live-reload
turns that off; nothing of it is written into public/ or reaches Apache). Requests are logged in
Apache's combined format on stdout, or appended to FILE with --access-log FILE.
SIGINT/SIGTERM stop it gracefully.`,
  options: {
    host: { type: 'string', value: 'H', description: 'listen on this address' },
    port: { type: 'string', value: 'N', description: 'listen on this port (0: any free one)' },
    'no-watch': { type: 'boolean', description: 'do not watch the sources and the map' },
    'no-live-reload': { type: 'boolean', description: 'do not make pages in the browser reload themselves when rebuilt' },
    'no-build': { type: 'boolean', description: 'serve without building first' },
    'access-log': { type: 'string', value: 'FILE', description: 'append the access log to FILE instead of stdout' },
  },
  async run({ values }) {
    // Loaded here: the runtime (the server, chokidar) is start-up time every other command would pay.
    const { serveSite, untilSignal } = await import('../../runtime/lifecycle.js');
    const port = values.port === undefined ? undefined : Number(values.port);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError(`--port ${values.port}: not a port number`);
    const config = configFrom(values.config);
    const log = withAccessLog(logger, values['access-log'] ?? '-');
    const store = await openPageMap(config);
    try {
      await serveSite(config, store, {
        host: values.host,
        port,
        watch: !values['no-watch'],
        liveReload: !values['no-live-reload'],
        build: !values['no-build'],
        logger: log,
        until: untilSignal(),
        onProgress: progressLine(),
      });
    } finally {
      await log.close();
      store.close();
    }
    return 0;
  },
});
