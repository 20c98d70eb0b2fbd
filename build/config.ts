/**
 * One place that turns a config file, command-line options and the environment into the
 * settings every command uses (house style 4): defaults filled, paths made absolute,
 * values checked with errors that name the key, the result frozen.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, isAbsent } from './errors.js';

/** The repository or installed package root: the shipped templates and sample live here. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_CONFIG_FILE = 'pagemap.config.json';

export interface Config {
  /** The config file read, or undefined when the built-in defaults were used. */
  readonly configFile: string | undefined;
  readonly wikiDir: string;
  readonly legacyDir: string;
  readonly publicDir: string;
  readonly templatesDir: string;
  readonly database: string;
  /** Where the generated Apache configuration and its rewrite maps are written. */
  readonly apacheDir: string;
  /** A map export (TSV or JSON) that seeds a new, empty database; undefined for none. */
  readonly seedMap: string | undefined;
  readonly host: string;
  readonly port: number;
  /** Lower-case extensions, with the dot, of files served from /data (downloads). */
  readonly dataExtensions: readonly string[];
  /** Files at least this large are data resources too; undefined for no size rule. */
  readonly dataMinBytes: number | undefined;
  /** How many pages the build renders or copies at once. */
  readonly concurrency: number;
  /** The mime.types file Apache's TypesConfig reads; the runtime names files by it too. */
  readonly mimeTypes: string;
}

/** What a config file or a caller may set; every key is optional. */
export interface ConfigInput {
  wikiDir?: string;
  legacyDir?: string;
  publicDir?: string;
  templatesDir?: string;
  database?: string;
  apacheDir?: string;
  seedMap?: string | null;
  runtime?: string;
  dataExtensions?: string[];
  dataMinBytes?: number | null;
  concurrency?: number;
  mimeTypes?: string;
}

const DEFAULTS = {
  wikiDir: 'content/wiki',
  legacyDir: 'content/legacy',
  publicDir: 'public',
  database: '.pagemap/pagemap.db',
  apacheDir: '.pagemap/apache',
  seedMap: 'content/pagemap.tsv',
  runtime: '127.0.0.1:8080',
  dataExtensions: ['.tar.gz', '.tgz', '.tar.bz2', '.tbz2', '.tar.xz', '.zip', '.gz', '.bz2', '.xz', '.7z', '.exe', '.msi', '.dmg', '.pkg', '.iso', '.rpm', '.deb'],
} as const;

/**
 * Pages in flight at once. Most of a build's waiting is on render workers and the thread
 * pool, not the CPU, and the requests are small, so this is well above the core count.
 */
const DEFAULT_CONCURRENCY = 64;

const PATH_KEYS = ['wikiDir', 'legacyDir', 'publicDir', 'templatesDir', 'database', 'apacheDir', 'seedMap', 'mimeTypes'] as const;
const KNOWN_KEYS = new Set<string>([...PATH_KEYS, 'runtime', 'dataExtensions', 'dataMinBytes', 'concurrency']);

export interface ResolveOptions {
  /** `--config FILE`; when given it must exist. */
  configFile?: string;
  /** Settings that win over the file (command-line options, tests). */
  overrides?: ConfigInput;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

function readConfigFile(file: string, required: boolean): ConfigInput | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (!required && isAbsent(error)) return undefined;
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${file} must hold a JSON object`);
  }
  return parsed as ConfigInput;
}

function parseAddress(where: string, value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new ConfigError(`${where}: ${JSON.stringify(value)} is not host:port (e.g. 127.0.0.1:8080)`);
  return { host: (match[1] ?? match[2])!, port };
}

function parsePort(where: string, value: string | number): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || String(value).trim() === '') {
    throw new ConfigError(`${where}: ${JSON.stringify(value)} is not a port number (0–65535)`);
  }
  return port;
}

function checkInput(input: ConfigInput, where: string): void {
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key)) throw new ConfigError(`${where}: unknown key ${JSON.stringify(key)} (known: ${[...KNOWN_KEYS].join(', ')})`);
  }
  for (const key of PATH_KEYS) {
    const value = input[key];
    if (value === undefined || (key === 'seedMap' && value === null)) continue;
    if (typeof value !== 'string' || value === '') throw new ConfigError(`${where}: ${key} must be a non-empty path string`);
  }
  if (input.runtime !== undefined && typeof input.runtime !== 'string') throw new ConfigError(`${where}: runtime must be a "host:port" string`);
  if (input.dataExtensions !== undefined) {
    const list = input.dataExtensions;
    if (!Array.isArray(list) || list.some((e) => typeof e !== 'string' || !/^\.[^./\\\s]+(\.[^./\\\s]+)*$/.test(e))) {
      throw new ConfigError(`${where}: dataExtensions must be a list of extensions such as ".tar.gz"`);
    }
  }
  const size = input.dataMinBytes;
  if (size !== undefined && size !== null && (!Number.isInteger(size) || size < 0)) {
    throw new ConfigError(`${where}: dataMinBytes must be a whole number of bytes, or null`);
  }
  const concurrency = input.concurrency;
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)) {
    throw new ConfigError(`${where}: concurrency must be a whole number from 1 to 256`);
  }
}

/**
 * Read the config (the given file, else ./pagemap.config.json if present, else the built-in
 * defaults that describe the shipped sample), apply overrides and HOST/PORT, and freeze it.
 * Relative paths are taken from the config file's folder, or from cwd without one.
 */
export function resolveConfig(options: ResolveOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const explicit = options.configFile !== undefined;
  const configFile = resolve(cwd, options.configFile ?? DEFAULT_CONFIG_FILE);
  const fromFile = readConfigFile(configFile, explicit);
  if (fromFile) checkInput(fromFile, configFile);
  const overrides = options.overrides ?? {};
  checkInput(overrides, 'options');

  const baseDir = fromFile ? dirname(configFile) : cwd;
  const pick = <K extends keyof ConfigInput>(key: K): ConfigInput[K] | undefined => (key in overrides ? overrides[key] : fromFile?.[key]);
  const pathOf = (key: (typeof PATH_KEYS)[number], fallback: string): string => {
    const value = pick(key) as string | undefined;
    return value === undefined ? fallback : resolve(key in overrides ? cwd : baseDir, value);
  };

  const runtimeWhere = `${fromFile && !('runtime' in overrides) ? configFile : 'options'}: runtime`;
  let { host, port } = parseAddress(runtimeWhere, pick('runtime') ?? DEFAULTS.runtime);
  if (env.HOST !== undefined && env.HOST !== '') host = env.HOST;
  if (env.PORT !== undefined && env.PORT !== '') port = parsePort('environment variable PORT', env.PORT);

  const seed = pick('seedMap');
  const config: Config = {
    configFile: fromFile ? configFile : undefined,
    wikiDir: pathOf('wikiDir', resolve(baseDir, DEFAULTS.wikiDir)),
    legacyDir: pathOf('legacyDir', resolve(baseDir, DEFAULTS.legacyDir)),
    publicDir: pathOf('publicDir', resolve(baseDir, DEFAULTS.publicDir)),
    templatesDir: pathOf('templatesDir', resolve(PACKAGE_ROOT, 'templates')),
    database: pathOf('database', resolve(baseDir, DEFAULTS.database)),
    apacheDir: pathOf('apacheDir', resolve(baseDir, DEFAULTS.apacheDir)),
    seedMap: seed === null ? undefined : pathOf('seedMap', fromFile ? '' : resolve(baseDir, DEFAULTS.seedMap)) || undefined,
    host,
    port,
    dataExtensions: Object.freeze((pick('dataExtensions') ?? DEFAULTS.dataExtensions).map((e) => e.toLowerCase())),
    dataMinBytes: pick('dataMinBytes') ?? undefined,
    concurrency: pick('concurrency') ?? DEFAULT_CONCURRENCY,
    mimeTypes: pathOf('mimeTypes', '/etc/mime.types'),
  };
  return Object.freeze(config);
}

/** Whether a legacy file is a data resource: served from /data by Apache, never copied. */
export function isDataResource(config: Pick<Config, 'dataExtensions' | 'dataMinBytes'>, rel: string, size: number): boolean {
  const name = rel.slice(rel.lastIndexOf('/') + 1).toLowerCase();
  if (config.dataExtensions.some((extension) => name.endsWith(extension) && name.length > extension.length)) return true;
  return config.dataMinBytes !== undefined && size >= config.dataMinBytes;
}
