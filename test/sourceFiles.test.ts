import { mkdir, realpath, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SourceError } from '../core/errors.js';
import { SourceLocator } from '../core/sourceFiles.js';
import { withTempDir } from './helpers.js';

const Locator = suite('sourceFiles: SourceLocator through folders and links to folders');

/** A root with files three folders deep, and a secret beside the root. */
async function makeTree(dir: string): Promise<string> {
  const root = join(dir, 'root');
  await mkdir(join(root, 'a/b/c'), { recursive: true });
  await mkdir(join(dir, 'outside/deep'), { recursive: true });
  await writeFile(join(root, 'a/b/c/page.md'), 'deep\n');
  await writeFile(join(root, 'top.md'), 'top\n');
  await writeFile(join(dir, 'outside/deep/secret.md'), 'SECRET\n');
  return root;
}

Locator('files found at every depth, with their real place; a file where a folder should be, or no folder, is absent', async () => {
  await withTempDir(async (dir) => {
    const root = await makeTree(dir);
    const locator = new SourceLocator();
    const real = await realpath(root);
    assert.is(locator.find(root, 'a/b/c/page.md', 'wiki page')?.absolute, join(real, 'a/b/c/page.md'));
    assert.is(locator.find(root, 'a/b/c/page.md', 'wiki page')?.realRel, 'a/b/c/page.md');
    assert.is(locator.find(root + '/', 'top.md', 'wiki page')?.realRel, 'top.md', 'a root given with a trailing slash');
    assert.is(locator.find(root, 'top.md/x.md', 'wiki page'), undefined, 'a file in place of a folder');
    assert.is(locator.find(root, 'a/nothing/x.md', 'wiki page'), undefined);
    assert.is(locator.find(root, 'a/b', 'wiki page'), undefined, 'a folder is not a file');
  });
});

Locator('a folder that links inside the root is followed, at any depth; one that links out (or under such a link) is refused', async () => {
  await withTempDir(async (dir) => {
    const root = await makeTree(dir);
    const real = await realpath(root);
    await symlink(join(root, 'a/b'), join(root, 'a/alias'));
    await symlink('../../../outside', join(root, 'a/b/out'));
    await symlink(join(dir, 'outside'), join(root, 'away'));
    const locator = new SourceLocator();
    const found = locator.find(root, 'a/alias/c/page.md', 'wiki page');
    assert.is(found?.absolute, join(real, 'a/b/c/page.md'), 'through a link to a folder inside the root, below it');
    assert.is(found?.realRel, 'a/b/c/page.md');
    for (const rel of ['a/b/out/deep/secret.md', 'away/deep/secret.md', 'a/alias/out/deep/secret.md']) {
      assert.throws(() => locator.find(root, rel, 'wiki page'), (error: Error) => error instanceof SourceError && /outside its root/.test(error.message), rel);
      assert.is(locator.findIfSafe(root, rel), undefined, rel);
    }
  });
});

Locator('a looping or dangling folder link is absent, not an error', async () => {
  await withTempDir(async (dir) => {
    const root = await makeTree(dir);
    await symlink('loop', join(root, 'loop'));
    await symlink(join(root, 'gone'), join(root, 'dangling'));
    const locator = new SourceLocator();
    assert.is(locator.find(root, 'loop/x.md', 'wiki page'), undefined);
    assert.is(locator.find(root, 'loop/deeper/x.md', 'wiki page'), undefined);
    assert.is(locator.find(root, 'dangling/x.md', 'wiki page'), undefined);
  });
});

Locator('a new locator sees a folder swapped for a link out of the root (each build makes its own)', async () => {
  await withTempDir(async (dir) => {
    const root = await makeTree(dir);
    assert.ok(new SourceLocator().find(root, 'a/b/c/page.md', 'wiki page'));
    await rename(join(root, 'a/b'), join(dir, 'moved'));
    await symlink(join(dir, 'moved'), join(root, 'a/b'));
    assert.throws(() => new SourceLocator().find(root, 'a/b/c/page.md', 'wiki page'), /outside its root/);
  });
});

Locator.run();
