/**
 * Debian's chromium for the browser tests, driven by puppeteer-core (nothing to download).
 * Without it the tests skip, saying so loudly; under CI=true they fail.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'puppeteer-core';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((file) => existsSync(file));

/** Say once, for a test file, that its browser tests cannot run here. */
export function warnIfNoChromium(what: string): void {
  if (CHROMIUM) return;
  console.warn(`\n!!! ${what}: chromium is not installed${process.env.CI === 'true' ? ' — FAILING under CI=true' : ' — SKIPPED'}. Install it with: apt-get install -y chromium\n`);
}

/** A test that fails under CI=true when chromium is missing. */
export function requireChromiumInCi(): void {
  if (!CHROMIUM && process.env.CI === 'true') throw new Error('chromium is not installed; CI must install it (apt-get install -y chromium)');
}

/** A headless chromium for the length of `use`. */
export async function withBrowser(use: (browser: Browser) => Promise<void>): Promise<void> {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    await use(browser);
  } finally {
    await browser.close();
  }
}
