/**
 * The layers, checked by dependency-cruiser on the TypeScript sources: arrows point one way
 * only, core ← build ← runtime ← cli; no product module imports tests or benchmarks; nothing
 * imports a test; no module cycles; a render worker loads no planning and no SQLite. The
 * second test proves the check can fail: it runs the same rules over a small tree with a
 * back arrow of each kind.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PACKAGE_ROOT } from '../core/config.js';

type Rule = { name: string; comment: string; severity: 'error'; from: Record<string, unknown>; to: Record<string, unknown> };

const PRODUCT = '^(core|build|runtime|cli)/';

/** The layering rules, strictest first. */
const LAYER_RULES: Rule[] = [
  { name: 'core-is-the-bottom', comment: 'the page map core imports no other layer', severity: 'error', from: { path: '^core/' }, to: { path: '^(build|runtime|cli)/' } },
  { name: 'build-below-runtime', comment: 'the build never reaches up to the runtime or the CLI', severity: 'error', from: { path: '^build/' }, to: { path: '^(runtime|cli)/' } },
  { name: 'runtime-below-cli', comment: 'the runtime never reaches up to the CLI', severity: 'error', from: { path: '^runtime/' }, to: { path: '^cli/' } },
  { name: 'product-without-tests', comment: 'shipped code imports no test or benchmark', severity: 'error', from: { path: PRODUCT }, to: { path: '^(test|bench)/' } },
  { name: 'nothing-imports-a-test', comment: 'a test file is an entry point only', severity: 'error', from: {}, to: { path: '\\.test\\.ts$' } },
  { name: 'no-cycles', comment: 'modules form no cycle', severity: 'error', from: { path: PRODUCT }, to: { circular: true } },
  {
    name: 'render-worker-lean',
    comment: 'a render worker loads neither planning nor the store (SQLite): every worker start would pay for them',
    severity: 'error',
    from: { path: '^build/renderWorker\\.ts$' },
    to: { path: '^(build/buildPlan\\.ts|core/pageMap\\.ts)$|better-sqlite3', reachable: true },
  },
  { name: 'resolvable', comment: 'every import resolves', severity: 'error', from: {}, to: { couldNotResolve: true } },
];

interface Violation {
  rule: string;
  from: string;
  to: string;
}

/** Cruise the folders under `baseDir` with the layer rules; the violations found. */
async function layerViolations(baseDir: string, folders: readonly string[]): Promise<Violation[]> {
  const { cruise } = await import('dependency-cruiser');
  const result = await cruise(
    [...folders],
    { baseDir, validate: true, ruleSet: { forbidden: LAYER_RULES }, doNotFollow: { path: 'node_modules' }, tsPreCompilationDeps: true },
    {},
    { tsConfig: { fileName: join(baseDir, 'tsconfig.json') } },
  );
  const output = result.output as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
  return output.summary.violations.map(({ rule, from, to }) => ({ rule: rule.name, from, to }));
}

const Layers = suite('layers: arrows point one way');

Layers('the source tree keeps every layering rule', async () => {
  const violations = await layerViolations(PACKAGE_ROOT, ['core', 'build', 'runtime', 'cli', 'test', 'bench']);
  assert.equal(violations, [], violations.map((v) => `${v.rule}: ${v.from} → ${v.to}`).join('\n'));
});

Layers('the check fails on a tree with back arrows, naming each', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pagemap-layers-'));
  const files: Record<string, string> = {
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
    'core/paths.ts': "import { plan } from '../build/plan.js';\nexport const paths = plan;\n",
    'build/plan.ts': "import { serve } from '../runtime/serve.js';\nexport const plan = serve;\n",
    'runtime/serve.ts': "import { main } from '../cli/main.js';\nexport const serve = main;\n",
    'cli/main.ts': "import { helper } from '../test/helper.js';\nexport const main = helper;\n",
    'test/helper.ts': "import { seen } from './paths.test.js';\nexport const helper = seen;\n",
    'test/paths.test.ts': 'export const seen = 1;\n',
    'core/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
    'core/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    'build/renderWorker.ts': "import { render } from './pageRenderer.js';\nexport const worker = render;\n",
    'build/pageRenderer.ts': "import { key } from './buildPlan.js';\nexport const render = key;\n",
    'build/buildPlan.ts': 'export const key = 1;\n',
  };
  try {
    for (const [file, text] of Object.entries(files)) {
      await mkdir(join(dir, dirname(file)), { recursive: true });
      await writeFile(join(dir, file), text);
    }
    const found = (await layerViolations(dir, ['core', 'build', 'runtime', 'cli', 'test'])).map((v) => `${v.rule}: ${v.from} → ${v.to}`).sort();
    for (const expected of [
      'core-is-the-bottom: core/paths.ts → build/plan.ts',
      'build-below-runtime: build/plan.ts → runtime/serve.ts',
      'runtime-below-cli: runtime/serve.ts → cli/main.ts',
      'product-without-tests: cli/main.ts → test/helper.ts',
      'nothing-imports-a-test: test/helper.ts → test/paths.test.ts',
      'no-cycles: core/a.ts → core/b.ts',
      'render-worker-lean: build/renderWorker.ts → build/buildPlan.ts',
    ]) {
      assert.ok(found.includes(expected), `${expected}\nfound:\n${found.join('\n')}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

Layers.run();
