/**
 * Malformed and hostile request-targets, sent raw (a URL parser would clean them up): every
 * one must be refused by the runtime and by Apache, and none may return a file outside
 * public/ or the legacy root. The test site holds pagemap.config.json and state/pagemap.db
 * beside public/ to catch any that would.
 */
export const HOSTILE = [
  '/..', '/../', '/../etc/passwd', '/a/../../etc/passwd', '/%2e%2e/etc/passwd', '/%2E%2E%2Fetc%2Fpasswd', '/..%2f..%2fetc%2fpasswd',
  '/.%2e/x', '/%2e%2e', '/a/%2e%2e/%2e%2e/x', '/..\\..\\etc\\passwd', '/%5c..%5c..%5cetc%5cpasswd', '/a%00.html', '/%00',
  '/a%0d%0aSet-Cookie:%20x', '/a%0aLocation:%20http://evil', '/%zz', '/%', '/a%', '/%4', '/%C3%28', '/%FF%FE', '/%C0%AE%C0%AE/x',
  '/%ED%A0%80', '/a%7f', '/a%1b[31m', '*', 'a/b', '//etc/passwd', '//../x', '/a//..//..//x', '/_pagemap/../pagemap.config.json',
  '/_pagemap/%2e%2e/pagemap.config.json', '/data/../../x', '/data/%2e%2e/%2e%2e/etc/passwd', '/data/.%2e/x', '/.pagemap-page',
  '/Guide/.pagemap-page', '/a/.pagemap-tmp-x', '/' + 'a'.repeat(300), '/' + 'a/'.repeat(1200), '/a?%zz', '/%00?x=1', '/%25%32%65%25%32%65/x',
  '/a%2Fb', '/state/pagemap.db', '/../state/pagemap.db', '/%2e%2e/state/pagemap.db', '/legacy/old.html', '/wiki/Home.md',
  '/..;/x', '/;/../x', '/%u002e%u002e/x', '/\u00e9', '/%E2%80%AE', '/a%C0%80',
];
