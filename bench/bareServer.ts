/**
 * The baseline for the runtime benchmark: the least a node:http server can do to serve a
 * static file from disk — map the URL to a file, stat it, stream it with a type and length.
 *   node dist/bench/bareServer.js PUBLIC_DIR PORT
 */
import { createReadStream, stat } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const [root, port] = process.argv.slice(2);
createServer((req, res) => {
  let path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
  if (path.endsWith('/')) path += 'index.html';
  const file = join(root!, path);
  stat(file, (error, stats) => {
    if (error || !stats.isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': stats.size });
    createReadStream(file).pipe(res);
  });
}).listen(Number(port), '127.0.0.1');
