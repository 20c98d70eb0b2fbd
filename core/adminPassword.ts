/**
 * The admin page's password, kept only as a slow, salted hash in the config
 * (`admin.passwordHash`, made by `pagemap admin-password`): scrypt from Node's crypto, its
 * cost written into the hash so it can be raised later, compared in constant time.
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

/** scrypt's cost: 2^15 × 8 × 128 bytes = 32 MiB and ~50–100 ms a try on this kind of machine. */
const COST = { N: 2 ** 15, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** Shorter passwords are refused when hashing: an admin page on the Internet deserves more. */
export const MIN_PASSWORD_LENGTH = 10;

const HASH_FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

function derive(password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Buffer {
  return scryptSync(password.normalize('NFC'), salt, KEY_BYTES, { ...cost, maxmem: 256 * cost.N * cost.r });
}

/** `scrypt$N$r$p$salt$key`, base64: what goes into the config. */
export function hashPassword(password: string): string {
  if (password.length < MIN_PASSWORD_LENGTH) throw new RangeError(`a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  const salt = randomBytes(SALT_BYTES);
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64')}$${derive(password, salt, COST).toString('base64')}`;
}

/** Whether a text is a hash hashPassword could have made (the config checks it). */
export function isPasswordHash(text: string): boolean {
  const match = HASH_FORMAT.exec(text);
  if (!match) return false;
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return N >= 2 ** 14 && N <= 2 ** 20 && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16 && Buffer.from(match[5]!, 'base64').length === KEY_BYTES;
}

/**
 * Whether `password` is the one `stored` was made from; false for a hash that is not one.
 * Asynchronous (libuv's thread pool): a running server keeps answering while a login is tried.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = HASH_FORMAT.exec(stored);
  if (!match || !isPasswordHash(stored)) return false;
  const expected = Buffer.from(match[5]!, 'base64');
  const cost = { N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  const actual = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize('NFC'), Buffer.from(match[4]!, 'base64'), KEY_BYTES, { ...cost, maxmem: 256 * cost.N * cost.r }, (error, key) => (error ? reject(error) : resolve(key))),
  );
  return timingSafeEqual(actual, expected);
}
