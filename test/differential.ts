/**
 * The machinery of the differential tests against a real Apache: a site served twice (by the
 * runtime alone, and by Apache with the generated configuration in front of it), raw requests
 * sent to both exactly as written, and what of their answers must agree.
 */
import { mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { APACHE_CONFIG_FILE } from '../build/apacheConfig.js';
import { runBuild } from '../build/build.js';
import { resolveConfig } from '../core/config.js';
import { silentLogger } from '../core/logger.js';
import { encodePath } from '../core/pagePath.js';
import type { PageMapStore } from '../core/pageMap.js';
import { type Runtime, startRuntime } from '../runtime/server.js';
import { type RunningApache, findApache, startApache } from './apacheHarness.js';
import { type SiteSpec, type TempSite, withSite } from './helpers.js';

export interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!size) return Buffer.concat(parts);
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** One GET with the request-target exactly as given. */
export function rawGet(base: string, target: string): Promise<RawResponse> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`timeout: ${base} ${JSON.stringify(target)}`)));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const data = Buffer.concat(chunks);
      const split = data.indexOf('\r\n\r\n');
      const head = data.subarray(0, split < 0 ? data.length : split).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1]);
      if (!status) return reject(new Error(`no status from ${base} for ${JSON.stringify(target)}: ${JSON.stringify(head[0])}`));
      const headers = new Map<string, string>();
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
      }
      const body = split < 0 ? Buffer.alloc(0) : data.subarray(split + 4);
      resolve({ status, headers, body: headers.get('transfer-encoding') === 'chunked' ? dechunk(body) : body });
    });
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, 'latin1');
  });
}

/** What must agree: Location as path and query (Apache makes it absolute), body only where a page is the answer. */
export function comparable(response: RawResponse, base: string) {
  const location = response.headers.get('location');
  const isPage = [200, 404, 410].includes(response.status);
  return {
    status: response.status,
    location: location === undefined ? undefined : location.startsWith(base) ? location.slice(base.length) : location,
    type: isPage ? (response.headers.get('content-type') ?? null) : undefined,
    body: isPage ? response.body.toString('base64') : undefined,
  };
}

export interface Stack {
  site: TempSite;
  store: PageMapStore;
  runtime: Runtime;
  apache: RunningApache;
  /** Request lines that reached the runtime. */
  runtimeLog: string[];
}

/** A site (see SiteSpec) served twice: by the runtime alone, and by Apache (generated config) with the runtime behind it. */
export function withStack(spec: SiteSpec, run: (stack: Stack) => Promise<void>): Promise<void> {
  return withSite(spec, (site) => serveTwice(site, site.store, run));
}

export async function serveTwice(site: TempSite, store: PageMapStore, run: (stack: Stack) => Promise<void>): Promise<void> {
  const runtimeLog: string[] = [];
  let runtime: Runtime | undefined;
  let apache: RunningApache | undefined;
  try {
    runtime = await startRuntime(site.config, store, { port: 0, host: '127.0.0.1', watch: false, logger: { ...silentLogger, access: (line) => runtimeLog.push(line) } });
    // The build writes the runtime's real address into the Apache configuration.
    const config = resolveConfig({ configFile: site.configFile, overrides: { runtime: `127.0.0.1:${new URL(runtime.url).port}` }, env: {} });
    const report = await runBuild(config, store);
    assert.equal(report.failures, [], 'the site builds cleanly');
    const apacheDir = join(site.dir, 'apache-server');
    await mkdir(apacheDir);
    // No DocumentRoot of its own: the generated configuration sets it.
    apache = await startApache(findApache()!, apacheDir, undefined, join(config.apacheDir, APACHE_CONFIG_FILE), [
      site.dir,
      config.publicDir,
      config.legacyDir,
      config.apacheDir,
    ]);
    await run({ site, store, runtime, apache, runtimeLog });
  } catch (error) {
    if (apache) (error as Error).message += `\n--- Apache error log ---\n${(await apache.errorLog()).slice(-3000)}`;
    throw error;
  } finally {
    await apache?.stop();
    await runtime?.close();
  }
}

/** Ask both for `targets`, one by one, and list every disagreement. */
export async function disagreements(stack: Stack, targets: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const target of targets) {
    const viaApache = comparable(await rawGet(stack.apache.url, target), stack.apache.url);
    const direct = comparable(await rawGet(stack.runtime.url, target), stack.runtime.url);
    const differs = (Object.keys(direct) as (keyof typeof direct)[]).filter((key) => direct[key] !== viaApache[key]);
    if (differs.length) {
      const show = (c: typeof direct) => JSON.stringify({ ...c, body: c.body === undefined ? undefined : `${Buffer.from(c.body, 'base64').length} bytes` });
      problems.push(`${JSON.stringify(target)} differs in ${differs.join(', ')}:\n    apache  ${show(viaApache)}\n    runtime ${show(direct)}`);
    }
  }
  return problems;
}

/** The request-targets that exercise a row: its URL, and for a folder index the folder with and without slash. */
export function targetsFor(path: string): string[] {
  const targets = [encodePath(path)];
  if (path.endsWith('/index.html')) {
    const folder = path.slice(0, -'index.html'.length);
    targets.push(encodePath(folder), encodePath(folder.slice(0, -1)) || '/');
  }
  return targets;
}

