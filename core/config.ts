/**
 * One place that turns a config file, command-line options and the environment into the
 * settings every command uses (house style 4): defaults filled, paths made absolute,
 * values checked with errors that name the key, the result frozen.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPasswordHash } from './adminPassword.js';
import { ConfigError } from './errors.js';

/** The repository or installed package root: the shipped templates and sample live here. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_CONFIG_FILE = 'pagemap.config.json';

export interface Config {
  /** The config file read, or undefined when the built-in defaults were used. */
  readonly configFile: string | undefined;
  /** Said once by the CLI when no config file was found: what it uses instead. */
  readonly notice: string | undefined;
  readonly wikiDir: string;
  readonly legacyDir: string;
  readonly publicDir: string;
  readonly templatesDir: string;
  readonly database: string;
  /** Where the generated Apache configuration and its rewrite maps are written. */
  readonly apacheDir: string;
  /** A map export (TSV or JSON) that seeds a new, empty database; undefined for none. */
  readonly seedMap: string | undefined;
  /** Where the runtime listens: the config's runtime address, unless HOST/PORT or options say otherwise. */
  readonly host: string;
  readonly port: number;
  /** The config's runtime address, never the environment's: where Apache sends misses. */
  readonly runtimeAddress: { readonly host: string; readonly port: number };
  /** Lower-case extensions, with the dot, of files served from /data (downloads). */
  readonly dataExtensions: readonly string[];
  /** Files at least this large are data resources too; undefined for no size rule. */
  readonly dataMinBytes: number | undefined;
  /** How many pages the build renders or copies at once. */
  readonly concurrency: number;
  /** The mime.types file Apache's TypesConfig reads; the runtime names files by it too. */
  readonly mimeTypes: string;
  /** A page rendering longer than this is stopped and fails. */
  readonly renderTimeoutSeconds: number;
  /** Each render worker's JavaScript heap; a page needing more fails alone. */
  readonly renderMemoryMb: number;
  /** At most this many distinct missing paths are kept (the misses table is fed by anonymous requests). */
  readonly missesMax: number;
  /** The site's own address, scheme and host (`https://www.python.org`, no trailing slash): sitemap URLs are absolute. */
  readonly siteUrl: string | undefined;
  /** Whether the build writes sitemap.xml and robots.txt into public/. */
  readonly sitemap: boolean;
  /** The admin page's access: loopback clients without a password unless trustLoopback is false; everyone else with the password. */
  readonly admin: { readonly trustLoopback: boolean; readonly passwordHash: string | undefined };
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
  renderTimeoutSeconds?: number;
  renderMemoryMb?: number;
  missesMax?: number;
  siteUrl?: string | null;
  sitemap?: boolean;
  admin?: { trustLoopback?: boolean; passwordHash?: string | null };
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

/** Numeric settings: default, the range a value must fall in, and whether it must be whole. */
const NUMBER_KEYS = {
  concurrency: { fallback: DEFAULT_CONCURRENCY, min: 1, max: 256, isWhole: true },
  renderTimeoutSeconds: { fallback: 60, min: 0.01, max: 86_400, isWhole: false },
  renderMemoryMb: { fallback: 1024, min: 16, max: 65_536, isWhole: true },
  missesMax: { fallback: 100_000, min: 1, max: 100_000_000, isWhole: true },
} as const;
type NumberKey = keyof typeof NUMBER_KEYS;

const PATH_KEYS = ['wikiDir', 'legacyDir', 'publicDir', 'templatesDir', 'database', 'apacheDir', 'seedMap', 'mimeTypes'] as const;
const KNOWN_KEYS = new Set<string>([...PATH_KEYS, ...Object.keys(NUMBER_KEYS), 'runtime', 'dataExtensions', 'dataMinBytes', 'siteUrl', 'sitemap', 'admin']);
const ADMIN_KEYS = new Set(['trustLoopback', 'passwordHash']);

export interface ResolveOptions {
  /** `--config FILE`; when given it must exist. Otherwise pagemap.config.json is looked for in cwd and its parents. */
  configFile?: string;
  /** Settings that win over the file (command-line options, tests). */
  overrides?: ConfigInput;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

function readConfigFile(file: string): ConfigInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
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

/**
 * A site address as the sitemap needs it: http or https, a host, nothing after it (pagemap
 * serves the root of its host). The URL parser's own form: host lower-case, a default port
 * dropped, an international name in its ASCII form. Undefined when `value` is no such address.
 */
export function parseSiteUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  const isBare = url.pathname === '/' && url.search === '' && url.hash === '' && !/[?#]/.test(value);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '' || !isBare) return undefined;
  return url.origin;
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
  const siteUrl = input.siteUrl;
  if (siteUrl !== undefined && siteUrl !== null && (typeof siteUrl !== 'string' || parseSiteUrl(siteUrl) === undefined)) {
    throw new ConfigError(`${where}: siteUrl must be the site's own address, such as "https://www.python.org" (http or https, a host and nothing after it), or null; got ${JSON.stringify(siteUrl)}`);
  }
  if (input.sitemap !== undefined && typeof input.sitemap !== 'boolean') throw new ConfigError(`${where}: sitemap must be true or false`);
  const admin = input.admin;
  if (admin !== undefined) {
    if (admin === null || typeof admin !== 'object' || Array.isArray(admin)) throw new ConfigError(`${where}: admin must be an object, such as {"trustLoopback": false, "passwordHash": "…"}`);
    for (const key of Object.keys(admin)) if (!ADMIN_KEYS.has(key)) throw new ConfigError(`${where}: unknown key admin.${key} (known: ${[...ADMIN_KEYS].join(', ')})`);
    if (admin.trustLoopback !== undefined && typeof admin.trustLoopback !== 'boolean') throw new ConfigError(`${where}: admin.trustLoopback must be true or false`);
    const hash = admin.passwordHash;
    if (hash !== undefined && hash !== null && (typeof hash !== 'string' || !isPasswordHash(hash))) {
      throw new ConfigError(`${where}: admin.passwordHash is not a hash pagemap made; make one with pagemap admin-password`);
    }
  }
  for (const [key, { min, max, isWhole }] of Object.entries(NUMBER_KEYS)) {
    const value = input[key as NumberKey];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || (isWhole && !Number.isInteger(value)) || value < min || value > max) {
      throw new ConfigError(`${where}: ${key} must be a ${isWhole ? 'whole ' : ''}number from ${min} to ${max}`);
    }
  }
}

/** The nearest pagemap.config.json in `dir` or a folder above it, as npm finds package.json. */
export function findConfigFile(dir: string): string | undefined {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const candidate = join(current, DEFAULT_CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    if (dirname(current) === current) return undefined;
  }
}

/**
 * Read the config (the given file, else the nearest pagemap.config.json in cwd or above, else
 * the built-in defaults that describe the shipped sample), apply overrides and HOST/PORT, and
 * freeze it. Relative paths are taken from the config file's folder; without a file, the
 * defaults lie in the package (the sample's content/, its .pagemap/ and public/).
 */
export function resolveConfig(options: ResolveOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const configFile = options.configFile !== undefined ? resolve(cwd, options.configFile) : findConfigFile(cwd);
  const fromFile = configFile === undefined ? undefined : readConfigFile(configFile);
  if (fromFile) checkInput(fromFile, configFile!);
  const overrides = options.overrides ?? {};
  checkInput(overrides, 'options');

  const baseDir = configFile ? dirname(configFile) : PACKAGE_ROOT.replace(/[\\/]$/, '');
  const pick = <K extends keyof ConfigInput>(key: K): ConfigInput[K] | undefined => (key in overrides ? overrides[key] : fromFile?.[key]);
  const pathOf = (key: (typeof PATH_KEYS)[number], fallback: string): string => {
    const value = pick(key) as string | undefined;
    return value === undefined ? fallback : resolve(key in overrides ? cwd : baseDir, value);
  };

  const runtimeWhere = `${fromFile && !('runtime' in overrides) ? configFile : 'options'}: runtime`;
  const runtimeAddress = Object.freeze(parseAddress(runtimeWhere, pick('runtime') ?? DEFAULTS.runtime));
  let { host, port } = runtimeAddress;
  if (env.HOST !== undefined && env.HOST !== '') host = env.HOST;
  if (env.PORT !== undefined && env.PORT !== '') port = parsePort('environment variable PORT', env.PORT);

  const seed = pick('seedMap');
  const number = (key: NumberKey): number => pick(key) ?? NUMBER_KEYS[key].fallback;
  const config: Config = {
    configFile,
    notice: configFile ? undefined : `no ${DEFAULT_CONFIG_FILE} in ${cwd} or above: using the shipped sample site in ${join(baseDir, 'content')} (pagemap init makes a site of your own)`,
    wikiDir: pathOf('wikiDir', resolve(baseDir, DEFAULTS.wikiDir)),
    legacyDir: pathOf('legacyDir', resolve(baseDir, DEFAULTS.legacyDir)),
    publicDir: pathOf('publicDir', resolve(baseDir, DEFAULTS.publicDir)),
    templatesDir: pathOf('templatesDir', resolve(PACKAGE_ROOT, 'templates')),
    database: pathOf('database', resolve(baseDir, DEFAULTS.database)),
    apacheDir: pathOf('apacheDir', resolve(baseDir, DEFAULTS.apacheDir)),
    seedMap: seed === null ? undefined : pathOf('seedMap', fromFile ? '' : resolve(baseDir, DEFAULTS.seedMap)) || undefined,
    host,
    port,
    runtimeAddress,
    dataExtensions: Object.freeze((pick('dataExtensions') ?? DEFAULTS.dataExtensions).map((e) => e.toLowerCase())),
    dataMinBytes: pick('dataMinBytes') ?? undefined,
    concurrency: number('concurrency'),
    mimeTypes: pathOf('mimeTypes', '/etc/mime.types'),
    renderTimeoutSeconds: number('renderTimeoutSeconds'),
    renderMemoryMb: number('renderMemoryMb'),
    missesMax: number('missesMax'),
    siteUrl: typeof pick('siteUrl') === 'string' ? parseSiteUrl(pick('siteUrl')!) : undefined,
    sitemap: pick('sitemap') ?? true,
    admin: Object.freeze({ trustLoopback: pick('admin')?.trustLoopback ?? true, passwordHash: pick('admin')?.passwordHash ?? undefined }),
  };
  return Object.freeze(config);
}

/** Whether a legacy file is a data resource: served from /data by Apache, never copied. */
export function isDataResource(config: Pick<Config, 'dataExtensions' | 'dataMinBytes'>, rel: string, size: number): boolean {
  const name = rel.slice(rel.lastIndexOf('/') + 1).toLowerCase();
  if (config.dataExtensions.some((extension) => name.endsWith(extension) && name.length > extension.length)) return true;
  return config.dataMinBytes !== undefined && size >= config.dataMinBytes;
}
