/**
 * `fn` (a pure function of one string) with its answers remembered, at most `limit` of them:
 * when full, the memory starts over, so a build of any size holds no more than that.
 */
export function boundedMemo<T>(fn: (key: string) => T, limit: number): (key: string) => T {
  const answers = new Map<string, T>();
  return (key) => {
    let answer = answers.get(key);
    if (answer === undefined && !answers.has(key)) {
      if (answers.size >= limit) answers.clear();
      answer = fn(key);
      answers.set(key, answer);
    }
    return answer as T;
  };
}
