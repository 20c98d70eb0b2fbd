/**
 * The short stable hash every build key is made of (a job's inputs, a source's bytes, the
 * Apache files' inputs). A module of its own: render workers need it, and loading planning
 * for it cost each worker ~6 ms of its start.
 */
import { type Hash, createHash, hash as oneShotHash } from 'node:crypto';

/** Characters beyond which a part is hashed apart from the rest rather than joined to it. */
const HUGE_PART = 1 << 20;

/** A short stable hash of the given parts (never ambiguous: parts are length-prefixed). */
export function hashParts(...parts: readonly (string | number)[]): string {
  // Parts are joined and hashed in one call, without a Hash object (the same bytes as an
  // update each; a build hashes several per page); a huge one is hashed where it is, not
  // copied into the join.
  let hash: Hash | undefined;
  let joined = '';
  for (const part of parts) {
    const text = String(part);
    joined += `${text.length}:`;
    if (text.length < HUGE_PART) joined += text;
    else ((hash ??= createHash('sha256')).update(joined).update(text), (joined = ''));
  }
  return (hash ? hash.update(joined).digest('hex') : oneShotHash('sha256', joined, 'hex')).slice(0, 32);
}
