/** `pagemap admin-password`: the hash of the admin page's password, for the config. */
import { MIN_PASSWORD_LENGTH, hashPassword } from '../../core/adminPassword.js';
import { PagemapError } from '../../core/errors.js';
import { defineCommand } from '../commandLine.js';
import { logger } from '../context.js';

/** The first line of standard input: the password, never an argument (which other users can read in ps). */
async function readFirstLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += chunk;
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/, 1)[0] ?? '';
}

export const adminPassword = defineCommand({
  name: 'admin-password',
  positionals: [0, 0],
  summary: 'hash a password for the admin page (admin.passwordHash in the config)',
  description: `Read a password from the first line of standard input (type it, or pipe it in: never give it
as an argument, which other users can see) and print its hash — scrypt, salted, slow by design —
with the line to put into pagemap.config.json: "admin": {"passwordHash": "…"}. Clients that are
not on this machine, and every client when admin.trustLoopback is false, log in with it.`,
  options: {},
  async run() {
    if (process.stdin.isTTY) process.stderr.write(`password (at least ${MIN_PASSWORD_LENGTH} characters; it shows as you type): `);
    const password = await readFirstLine();
    if (password.length < MIN_PASSWORD_LENGTH) throw new PagemapError('EPASSWORD', `the password has ${password.length} characters; use at least ${MIN_PASSWORD_LENGTH}`);
    const hash = hashPassword(password);
    process.stdout.write(`${hash}\n`);
    logger.info(`put it into pagemap.config.json: "admin": {"passwordHash": ${JSON.stringify(hash)}}`);
    return 0;
  },
});
