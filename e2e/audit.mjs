// GraphQL-over-HTTP conformance: runs graphql-http's server audit against
// SCOUTGRAPH_URL/graphql and fails unless every audit is ok.
//
//   SCOUTGRAPH_URL=http://127.0.0.1:8080 npm run audit
import { auditServer } from 'graphql-http';
import { baseURL, run } from './lib.mjs';

run('audit', async () => {
  const url = `${baseURL()}/graphql`;
  const results = await auditServer({ url });

  const counts = { ok: 0, warn: 0, error: 0, notice: 0 };
  for (const r of results) {
    counts[r.status] = (counts[r.status] ?? 0) + 1;
    console.log(`${r.status.padEnd(6)} ${r.id}  ${r.name}`);
    if (r.status !== 'ok') {
      let body = '';
      try {
        body = await r.response.text();
      } catch {
        // the body was already read by the audit
      }
      console.log(`       ${r.reason} (HTTP ${r.response.status} ${r.response.headers.get('content-type') ?? ''})`);
      if (body) console.log(`       body: ${body.slice(0, 300)}`);
    }
  }

  const summary = `${counts.ok} ok, ${counts.warn} warn, ${counts.error} error` +
    (counts.notice ? `, ${counts.notice} notice` : '');
  console.log(`\naudit ${url}: ${results.length} audits: ${summary}`);
  if (counts.ok !== results.length) {
    console.log('FAIL: every audit must be ok');
    return false;
  }
  console.log('PASS');
  return true;
});
