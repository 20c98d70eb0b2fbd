/**
 * The admin page's password: kept only as a salted scrypt hash in the config, made by
 * `pagemap admin-password` from standard input, checked in constant time; the config's
 * admin keys validated with messages that name them.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hashPassword, isPasswordHash, verifyPassword } from '../core/adminPassword.js';
import { resolveConfig } from '../core/config.js';
import { describe, runCli, withTempSite } from './helpers.js';

const Password = suite('admin password');

Password('a salted, slow hash: the right password verifies, any other does not; the same password hashes differently each time', async () => {
  const hash = hashPassword('correct horse battery');
  assert.match(hash, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$/);
  assert.ok(isPasswordHash(hash));
  assert.ok(await verifyPassword('correct horse battery', hash));
  assert.not.ok(await verifyPassword('correct horse batterY', hash));
  assert.not.ok(await verifyPassword('', hash));
  assert.is.not(hashPassword('correct horse battery'), hash, 'a fresh salt each time');
  // Written with a composed or decomposed é, the same password.
  assert.ok(await verifyPassword('caf\u00e9 au lait!', hashPassword('cafe\u0301 au lait!')));
  assert.not.ok(await verifyPassword('x', 'scrypt$2$8$1$AAAA$BBBB'), 'a hash too cheap to be ours is no hash');
  assert.throws(() => hashPassword('short'), /at least 10 characters/);
});

Password('the config\'s admin keys: checked, and named when wrong', async () => {
  await withTempSite({}, async (site) => {
    const withAdmin = async (admin: unknown) => {
      await writeFile(site.configFile, JSON.stringify({ wikiDir: 'wiki', legacyDir: 'legacy', admin }));
      return resolveConfig({ configFile: site.configFile, env: {} });
    };
    assert.equal((await withAdmin(undefined)).admin, { trustLoopback: true, passwordHash: undefined });
    const hash = hashPassword('a long enough one');
    assert.equal((await withAdmin({ trustLoopback: false, passwordHash: hash })).admin, { trustLoopback: false, passwordHash: hash });
    const refused: [unknown, RegExp][] = [
      [{ trustLoopBack: false }, /unknown key admin\.trustLoopBack \(known: trustLoopback, passwordHash\)/],
      [{ trustLoopback: 'no' }, /admin\.trustLoopback must be true or false/],
      [{ passwordHash: 'hunter2' }, /admin\.passwordHash is not a hash pagemap made; make one with pagemap admin-password/],
      [[], /admin must be an object/],
    ];
    for (const [admin, message] of refused) {
      await withAdmin(admin).then(
        () => assert.unreachable(`${JSON.stringify(admin)} accepted`),
        (error: Error) => assert.match(error.message, message),
      );
    }
  });
});

Password('pagemap admin-password reads the password from standard input and prints a hash that verifies', async () => {
  await withTempSite({}, async (site) => {
    const made = await runCli(['admin-password'], { cwd: site.dir, input: 'correct horse battery\n' });
    assert.is(made.code, 0, describe(made));
    const hash = made.stdout.trim();
    assert.ok(await verifyPassword('correct horse battery', hash), hash);
    assert.is(made.stderr, `put it into pagemap.config.json: "admin": {"passwordHash": ${JSON.stringify(hash)}}\n`);
    const short = await runCli(['admin-password'], { cwd: site.dir, input: 'short\n' });
    assert.is(short.code, 1);
    assert.is(short.stderr, 'error: the password has 5 characters; use at least 10\n');
    await writeFile(join(site.dir, 'pagemap.config.json'), JSON.stringify({ wikiDir: 'wiki', legacyDir: 'legacy', admin: { passwordHash: hash } }));
    assert.is(resolveConfig({ configFile: site.configFile, env: {} }).admin.passwordHash, hash);
  });
});

Password.run();
