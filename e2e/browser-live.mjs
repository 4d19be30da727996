// GraphiQL live in a real browser: one tab subscribes to conversation events, a second tab
// creates a conversation with a mutation, and the first tab shows the event FreeScout's
// webhook brought. Saves screenshots of both tabs to $SCREENSHOT_DIR (default e2e/out/):
// live-subscription.png and live-mutation.png.
//
//   SCOUTGRAPH_URL=http://127.0.0.1:8080 npm run browser-live   (the gateway must get its FreeScout's webhooks, as with --demo)
//
// With TOKEN set, each tab types {"Authorization": "Bearer $TOKEN"} into GraphiQL's headers
// editor first (a gateway with AUTH=tokens answers nothing without it).
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { baseURL, run } from './lib.mjs';

const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const timeout = Number(process.env.BROWSER_TIMEOUT_MS || 60000);
const screenshotDir = process.env.SCREENSHOT_DIR || fileURLToPath(new URL('./out/', import.meta.url));

const SUBSCRIPTION = `# Tab 1: every new conversation, live
subscription LiveInbox {
  conversationEvents(filter: { types: [CREATED] }) {
    type
    receivedAt
    conversation { id subject mailbox { name } customer { email } }
  }
}`;

const mutation = (subject) => `# Tab 2: a new conversation
mutation CreateLive {
  createConversation(input: {
    type: EMAIL, mailboxId: "1", subject: "${subject}",
    customer: { email: "browser.live@example.org", firstName: "Browser" },
    threads: [{ type: CUSTOMER, text: "Written in GraphiQL", customer: { email: "browser.live@example.org" } }]
  }) { conversationId userErrors { message } }
}`;

/** Opens GraphiQL in a new tab, puts text in its editor and runs it. */
async function runInGraphiQL(context, base, text, problems) {
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (/CSP violation|Content Security Policy|Refused to/i.test(msg.text())) problems.push(`CSP: ${msg.text()}`);
  });
  await page.goto(`${base}/`, { waitUntil: 'load' });
  await page.locator('.graphiql-container .graphiql-query-editor .CodeMirror').waitFor();
  await page.evaluate((t) => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(t), text);
  if (process.env.TOKEN) {
    await page.locator('.graphiql-editor-tools button', { hasText: 'Headers' }).click();
    await page.evaluate((token) => {
      // The headers editor is the editor tool not hidden once its tab is chosen.
      const editor = document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror');
      editor.CodeMirror.setValue(JSON.stringify({ Authorization: `Bearer ${token}` }));
    }, process.env.TOKEN);
  }
  await page.locator('button.graphiql-execute-button').click();
  return page;
}

/** Waits until the tab's result pane holds text matching re, and returns the text. */
async function waitForResult(page, re) {
  const handle = await page.waitForFunction((source) => {
    const text = document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror?.getValue() ?? '';
    return new RegExp(source).test(text) ? text : false;
  }, re.source);
  return handle.jsonValue();
}

/** Waits until the gateway serves at least n subscriptions. */
async function waitForSubscriptions(base, n) {
  const until = Date.now() + timeout;
  for (;;) {
    const m = /^scoutgraph_subscriptions (\d+)/m.exec(await (await fetch(`${base}/metrics`)).text());
    if (m && Number(m[1]) >= n) return;
    if (Date.now() > until) throw new Error(`the gateway serves ${m?.[1]} subscriptions, want ${n}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

run('browser-live', async () => {
  const base = baseURL();
  const userDataDir = await mkdtemp(join(tmpdir(), 'scoutgraph-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath, args, headless: true, viewport: { width: 1440, height: 900 }, timeout,
  });
  const problems = [];
  try {
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
      });
    });
    const before = Number(/^scoutgraph_subscriptions (\d+)/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? 0);
    const live = await runInGraphiQL(context, base, SUBSCRIPTION, problems);
    try {
      await waitForSubscriptions(base, before + 1);
    } catch (err) {
      const shown = await live.evaluate(() => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror?.getValue());
      throw new Error(`${err.message}; the subscription tab shows ${shown}`);
    }

    const subject = `Written in GraphiQL at ${new Date().toISOString()}`;
    const writer = await runInGraphiQL(context, base, mutation(subject), problems);
    const written = JSON.parse(await waitForResult(writer, /"conversationId"/));
    const id = written.data?.createConversation?.conversationId;
    if (!id) throw new Error(`the mutation answered ${JSON.stringify(written)}`);

    await live.bringToFront();
    const heard = JSON.parse(await waitForResult(live, new RegExp(`"id": "${id}"`)));
    const ev = heard.data?.conversationEvents;
    if (ev?.type !== 'CREATED' || ev.conversation?.subject !== subject) {
      throw new Error(`the subscription tab shows ${JSON.stringify(heard)}`);
    }
    await mkdir(screenshotDir, { recursive: true });
    await live.screenshot({ path: join(screenshotDir, 'live-subscription.png') });
    await writer.screenshot({ path: join(screenshotDir, 'live-mutation.png') });
    console.log(`tab 2 created conversation #${id}; tab 1 heard ${ev.type} ${JSON.stringify(ev.conversation.subject)} in ${ev.conversation.mailbox?.name}`);
    console.log(`screenshots: ${join(screenshotDir, 'live-subscription.png')}, ${join(screenshotDir, 'live-mutation.png')}`);
    if (problems.length) {
      for (const p of problems) console.log(`FAIL: ${p}`);
      return false;
    }
    return true;
  } finally {
    await context.close();
    await rm(userDataDir, { recursive: true, force: true });
  }
});
