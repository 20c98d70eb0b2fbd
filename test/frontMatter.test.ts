/**
 * Front matter is data (DESIGN.md "Sources"): YAML or JSON, never code. gray-matter would run
 * `---js` front matter as JavaScript, in the build, in the watcher and in the runtime on any
 * anonymous GET; these tests put such pages through all three and check that nothing ran.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runBuild } from '../build/build.js';
import { frontMatterLanguage, splitFrontMatter } from '../build/markdown.js';
import { type SiteSpec, type TempSite, withRuntime, withSite } from './helpers.js';

/** Front matter that would write `marker` if run as code, in the forms gray-matter runs. */
function hostilePages(marker: string): Record<string, string> {
  const code = `{ title: (function () { require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); return 'pwned'; })() }`;
  return {
    'wiki/Js.md': `---js\n${code}\n---\n# Body\n`,
    'wiki/Javascript.md': `---javascript\n${code}\n---\n# Body\n`,
    'wiki/Spaced.md': `--- JS\n${code}\n---\n# Body\n`,
    'wiki/Coffee.md': `---coffee\ntitle: "x"\n---\n# Body\n`,
    'wiki/Exit.md': '---js\n{ title: process.exit(3) }\n---\n# Body\n',
    'wiki/YamlTag.md': `---\ntitle: !!js/function 'function () { return 1 }'\n---\n# Body\n`,
    'wiki/Yaml.md': '---\ntitle: From YAML\n---\nText.\n',
    'wiki/Json.md': '---json\n{ "title": "From JSON" }\n---\nText.\n',
  };
}

const HOSTILE = ['Js', 'Javascript', 'Spaced', 'Coffee', 'Exit'];

/** The hostile pages, their rows, and after the test the proof that none of them ran. */
function hostileSite(): SiteSpec & { check: (site: TempSite) => void } {
  const names = [...HOSTILE, 'YamlTag', 'Yaml', 'Json'];
  return {
    rows: names.map((name) => ({ path: `/${name.toLowerCase()}.html`, status: 200, source: `wiki:${name}` })),
    prepare: (site) => site.write(hostilePages(join(site.dir, 'ran-code'))),
    check: (site) => assert.not.ok(existsSync(join(site.dir, 'ran-code')), 'no front matter ran as code'),
  };
}

const Data = suite('security: front matter is data');

Data('the language after --- is read as gray-matter reads it', () => {
  assert.is(frontMatterLanguage('---js\n{}\n---\n'), 'js');
  assert.is(frontMatterLanguage('--- JS \r\n{}\n---\n'), 'js');
  assert.is(frontMatterLanguage('---\ntitle: x\n---\n'), '');
  assert.is(frontMatterLanguage('---json\n{}'), 'json');
  assert.is(frontMatterLanguage('----\nnot front matter'), undefined);
  assert.is(frontMatterLanguage('# no front matter'), undefined);
});

Data('front matter is cut from the page exactly as gray-matter cuts the whole page', async () => {
  const { default: grayMatter } = (await import('gray-matter')) as unknown as { default: typeof import('gray-matter') };
  const texts = [
    '---\ntitle: A\n---\nBody\n',
    '---\r\ntitle: A\r\n---\r\nBody\r\n',
    '---\ntitle: A\n---\n\n\nBody',
    '---\ntitle: A\n---',
    '---\ntitle: Unclosed\n',
    '---\n---\nBody',
    '---\n# only a comment\n---\nBody',
    '---json\n{ "title": "J" }\n---\nBody',
    '---\ntitle: A\n---x\nBody',
    '---\ntitle: A\n---\n---\nstill body\n---\n',
    // Plain front matter (what migrate writes), read without gray-matter: the same data.
    '---\ntitle: "Plain \\"quoted\\" \\u00e9 \\\\ \\/ \\t"\nmigrated_from: "file:old/a b.html"\n---\n\nBody',
    '---\r\ntitle: "CRLF"\r\n\r\nother_key-2: "x"   \r\n---\r\nBody',
    '---yaml\ntitle: "é 日本 ✓ \u00a0"\n---\n',
    // Not plain, so gray-matter's: the same data either way.
    '---\ntitle: "emoji 😀"\n---\n',
    '---\ntrue: "a key YAML reads as a boolean"\n---\n',
    '---\ntitle: "\\x41 is YAML, not JSON"\n---\n',
    '---\ntitle: "a"\n  # indented comment\n---\n',
    '---\ntitle: "a" # comment\n---\n',
    '---\ntitle:"no space"\n---\n',
    '---\ntitle: "line\u2028separator"\n---\n',
    '---\ntitle: "control \u0084 character"\n---\n',
  ];
  for (const text of texts) {
    const whole = grayMatter(text, {});
    assert.equal(splitFrontMatter(text, 'wiki:T'), { data: whole.data, content: whole.content }, JSON.stringify(text));
  }
  // What YAML refuses is refused when every line is plain too.
  assert.throws(() => splitFrontMatter('---\ntitle: "A"\ntitle: "B"\n---\n', 'wiki:T'), /bad front matter: duplicated mapping key/);
});

Data('the build refuses every code engine by name and builds the YAML and JSON pages', async () => {
  const spec = hostileSite();
  await withSite(spec, async (site) => {
    const report = await runBuild(site.config, site.store);
    const failed = new Map(report.failures.map((failure) => [failure.path, failure.message]));
    for (const name of HOSTILE) {
      const message = failed.get(`/${name.toLowerCase()}.html`);
      assert.ok(message?.startsWith(`wiki:${name} (${join(site.config.wikiDir, name + '.md')}): front matter in "`), `${name}: ${message}`);
      assert.ok(message!.endsWith('" is refused: front matter is data, written in YAML or JSON, never code'), message);
    }
    assert.match(failed.get('/yamltag.html') ?? '', /bad front matter: unknown tag/);
    assert.is(report.failures.length, HOSTILE.length + 1);
    assert.match(await readFile(join(site.config.publicDir, 'yaml.html'), 'utf8'), /<title>From YAML \|/);
    assert.match(await readFile(join(site.config.publicDir, 'json.html'), 'utf8'), /<title>From JSON \|/);
    spec.check(site);
  });
});

Data('an anonymous GET renders nothing that runs: 500, and the server carries on', async () => {
  const spec = hostileSite();
  await withRuntime(spec, async (site) => {
    for (const name of HOSTILE) {
      const res = await fetch(`${site.url}/${name.toLowerCase()}.html`);
      assert.is(res.status, 500, name);
      await res.text();
    }
    const yaml = await fetch(`${site.url}/yaml.html`);
    assert.is(yaml.status, 200);
    assert.match(await yaml.text(), /<title>From YAML \|/);
    spec.check(site);
  });
});

Data('an edit that turns a page into code is refused by the watcher, which keeps running', async () => {
  const spec = hostileSite();
  const batches: number[] = [];
  await withRuntime({ ...spec, runtime: { watch: { onBatch: () => batches.push(1) } } }, async (site) => {
    const log = site.log.messages;
    await (await fetch(`${site.url}/yaml.html`)).text();
    await writeFile(join(site.config.wikiDir, 'Yaml.md'), '---js\n{ title: process.exit(3) }\n---\n# Body\n');
    for (const deadline = Date.now() + 10_000; !batches.length; ) {
      if (Date.now() > deadline) throw new Error('the watcher never ran a batch');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(log.some((line) => line.includes('failed: /yaml.html: wiki:Yaml') && line.includes('is refused')), log.join('\n'));
    const after = await fetch(`${site.url}/json.html`);
    assert.is(after.status, 200, 'still serving');
    await after.text();
    spec.check(site);
  });
});

Data.run();
