/** One test file's app and Chromium: started before its tests, stopped after them. */
import { afterAll, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, useApp } from './harness';

export interface Suite {
  app: Awaited<ReturnType<typeof useApp>>;
  browser: Browser;
}

export function e2eSuite(): Suite {
  const suite = {} as Suite;
  let chrome: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  beforeAll(async () => {
    suite.app = await useApp();
    chrome = await launchBrowser();
    suite.browser = chrome.browser;
  });
  afterAll(async () => {
    await chrome?.close();
    await suite.app?.stop();
  });
  return suite;
}
