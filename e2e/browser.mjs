// GraphiQL in a real browser: opens SCOUTGRAPH_URL/, waits for GraphiQL, runs the default
// query, waits for data in the result pane, and checks that every request the page made
// went to the gateway itself and that the Content-Security-Policy blocked nothing.
// Saves a screenshot to $SCREENSHOT_DIR/graphiql.png (default e2e/out/).
//
//   SCOUTGRAPH_URL=http://127.0.0.1:8080 npm run browser
//
// The browser is Debian's chromium (/usr/bin/chromium, see install.sh; override with
// CHROMIUM_PATH); nothing here downloads a browser.
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { baseURL, run } from './lib.mjs';

const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const args = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const timeout = Number(process.env.BROWSER_TIMEOUT_MS || 30000);
const screenshotDir = process.env.SCREENSHOT_DIR || fileURLToPath(new URL('./out/', import.meta.url));

run('browser', async () => {
  const base = baseURL();
  const origin = new URL(base).origin;
  const userDataDir = await mkdtemp(join(tmpdir(), 'scoutgraph-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    args,
    headless: true,
    viewport: { width: 1440, height: 900 },
    timeout,
  });
  const requests = [];
  const problems = [];
  try {
    context.on('request', (req) => requests.push({ method: req.method(), url: req.url() }));
    // Report what the Content-Security-Policy blocks (injected over CDP, so the CSP does
    // not apply to this listener itself).
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
      });
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(timeout);
    page.on('console', (msg) => {
      const text = msg.text();
      if (/CSP violation|Content Security Policy|Refused to/i.test(text)) problems.push(`CSP: ${text}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('requestfailed', (req) => {
      problems.push(`request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`);
    });

    const res = await page.goto(`${base}/`, { waitUntil: 'load' });
    if (!res || res.status() !== 200) {
      throw new Error(`GET ${base}/ answered ${res?.status()}: ${(await res?.text())?.slice(0, 300)}`);
    }
    if (!res.headers()['content-security-policy']) {
      problems.push('the page has no Content-Security-Policy header');
    }

    // GraphiQL rendered: the query editor holds the default Inbox query.
    await page.locator('.graphiql-container .graphiql-query-editor .CodeMirror').waitFor();
    const query = await page.evaluate(
      () => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue(),
    );
    if (!/conversations\s*\(/.test(query)) throw new Error(`the query editor does not hold the default query:\n${query}`);
    const html = await page.content();
    if (/api[-_ ]?key/i.test(html)) problems.push('the page mentions an API key');

    // Run it: the execute button (Ctrl-Enter in the editor does the same).
    await page.locator('button.graphiql-execute-button').click();
    const handle = await page.waitForFunction(() => {
      const cm = document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror;
      const text = cm?.getValue() ?? '';
      return /"data"/.test(text) && /"conversations"/.test(text) ? text : false;
    });
    const result = JSON.parse(await handle.jsonValue());
    const conversations = result.data?.conversations;
    if (!conversations || !Array.isArray(conversations.nodes)) {
      throw new Error(`unexpected result: ${JSON.stringify(result).slice(0, 500)}`);
    }
    if (result.errors?.length) problems.push(`the query answered errors: ${JSON.stringify(result.errors)}`);

    // A query pasted over the default one (another operation name) runs at once with
    // Ctrl-Enter: the page sends the name the text holds, not the one it had before.
    const editor = page.locator('.graphiql-query-editor .CodeMirror');
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.evaluate(async (text) => {
      const data = new DataTransfer();
      data.setData('text/plain', text);
      const target = document.querySelector('.graphiql-query-editor .CodeMirror textarea');
      target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, 'query Pasted { mailboxes { totalCount } }');
    await page.keyboard.press('Control+Enter');
    const pasted = await page.waitForFunction(() => {
      const text = document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror?.getValue() ?? '';
      return /"mailboxes"|"errors"/.test(text) ? text : false;
    });
    const pastedResult = JSON.parse(await pasted.jsonValue());
    if (!(pastedResult.data?.mailboxes?.totalCount > 0) || pastedResult.errors?.length) {
      problems.push(`the pasted query answered ${JSON.stringify(pastedResult).slice(0, 300)}`);
    }

    await mkdir(screenshotDir, { recursive: true });
    const screenshot = join(screenshotDir, 'graphiql.png');
    await page.screenshot({ path: screenshot });

    // The Docs explorer works from the introspection GraphiQL already fetched, and the
    // settings dialog inserts <style> elements: both must get past the CSP.
    await page.locator('button[aria-label="Show Documentation Explorer"]').click();
    await page.locator('.graphiql-doc-explorer').getByText('Root Types').waitFor();
    await page.locator('button[aria-label="Open settings dialog"]').click();
    await page.locator('[role="dialog"]').getByText('Settings').first().waitFor();
    await page.keyboard.press('Escape');
    await page.locator('[role="dialog"]').waitFor({ state: 'detached' });

    const foreign = requests.filter((r) => {
      if (/^(data|blob|about):/.test(r.url)) return false;
      return new URL(r.url).origin !== origin;
    });
    for (const r of foreign) problems.push(`request to another host: ${r.method} ${r.url}`);

    console.log(`requests (${requests.length}):`);
    for (const r of requests) console.log(`  ${r.method} ${r.url}`);
    console.log(`result: ${conversations.nodes.length} conversations shown, totalCount ${conversations.totalCount}`);
    console.log(`screenshot: ${screenshot}`);
    if (problems.length) {
      for (const p of problems) console.log(`FAIL: ${p}`);
      return false;
    }
    console.log(`PASS: GraphiQL at ${base}/ ran the default query; all ${requests.length} requests went to ${origin}`);
    return true;
  } finally {
    await context.close();
    await rm(userDataDir, { recursive: true, force: true });
  }
});
