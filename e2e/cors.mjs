// CORS in a real browser: a page on an allowed origin calls the gateway (a POST with an
// Authorization header, so the browser sends a preflight first) and gets the answer; a page on
// another origin is refused by the browser.
//
//   SCOUTGRAPH_URL=... ALLOWED_PAGE=http://127.0.0.1:5173/ REFUSED_PAGE=http://127.0.0.1:5174/ TOKEN=... npm run cors
import { chromium } from 'playwright-core';
import { baseURL, run } from './lib.mjs';

const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Calls the gateway from page and returns {status, body} or {error}. */
async function callFrom(page, endpoint, token) {
  return page.evaluate(
    async ({ endpoint, token }) => {
      try {
        const res = await fetch(endpoint, {
          method: 'POST',
          mode: 'cors',
          credentials: 'include',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: '{ conversations(first: 1) { totalCount } }' }),
        });
        return { status: res.status, body: await res.text() };
      } catch (err) {
        return { error: String(err) };
      }
    },
    { endpoint, token },
  );
}

run('cors', async () => {
  const endpoint = `${baseURL()}/graphql`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });
  try {
    const page = await browser.newPage();
    await page.goto(process.env.ALLOWED_PAGE);
    const allowed = await callFrom(page, endpoint, process.env.TOKEN);
    if (allowed.status !== 200 || !allowed.body.includes('"totalCount"')) {
      throw new Error(`from the allowed origin: ${JSON.stringify(allowed)}`);
    }
    console.log(`ok    allowed origin ${process.env.ALLOWED_PAGE}: ${allowed.body}`);
    await page.goto(process.env.REFUSED_PAGE);
    const refused = await callFrom(page, endpoint, process.env.TOKEN);
    if (!refused.error) throw new Error(`from another origin the browser let the answer through: ${JSON.stringify(refused)}`);
    console.log(`ok    refused origin ${process.env.REFUSED_PAGE}: ${refused.error}`);
  } finally {
    await browser.close();
  }
  return true;
});
