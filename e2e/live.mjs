// Live events through the subscription clients frontends use: graphql-ws (graphql-transport-ws
// over WebSocket) and graphql-sse (Server-Sent Events, distinct connections). Both subscribe to
// conversation creations; once the gateway's /metrics shows both subscriptions, a conversation
// is created through the gateway, FreeScout (the emulator) delivers its webhook, and each client
// must hear the event, with nested data resolved.
//
//   SCOUTGRAPH_URL=http://127.0.0.1:8080 npm run live     (the gateway must get its FreeScout's webhooks)
import { createClient as createWSClient } from 'graphql-ws';
import { createClient as createSSEClient } from 'graphql-sse';
import WebSocket from 'ws';
import { baseURL, run } from './lib.mjs';

const timeoutMs = Number(process.env.LIVE_TIMEOUT_MS || 60000);
const SUBSCRIPTION = `subscription { conversationEvents(filter: { types: [CREATED] }) {
  id type receivedAt conversation { id subject mailbox { name } customer { email } } } }`;

/** Resolves with the first event whose conversation has subject, from one subscribe function. */
function firstEvent(name, subscribe, subject) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: no event within ${timeoutMs} ms`)), timeoutMs);
    const unsubscribe = subscribe(
      { query: SUBSCRIPTION },
      {
        next: (result) => {
          if (result.errors?.length) {
            clearTimeout(timer);
            reject(new Error(`${name}: errors ${JSON.stringify(result.errors)}`));
            return;
          }
          const ev = result.data?.conversationEvents;
          if (ev?.conversation?.subject === subject) {
            clearTimeout(timer);
            unsubscribe();
            resolve(ev);
          }
        },
        error: (err) => {
          clearTimeout(timer);
          reject(new Error(`${name}: ${err?.message || JSON.stringify(err)}`));
        },
        complete: () => {},
      },
    );
  });
}

/** Waits until the gateway serves at least n subscriptions. */
async function waitForSubscriptions(base, n) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const text = await (await fetch(`${base}/metrics`)).text();
    const m = /^scoutgraph_subscriptions (\d+)/m.exec(text);
    if (m && Number(m[1]) >= n) return;
    if (Date.now() > until) throw new Error(`the gateway serves ${m?.[1]} subscriptions, want ${n}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

run('live', async () => {
  const base = baseURL();
  const subject = `live e2e ${Date.now()}`;
  const ws = createWSClient({ url: `${base.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
  const sse = createSSEClient({ url: `${base}/graphql`, retryAttempts: 0 });
  try {
    const heard = Promise.all([
      firstEvent('graphql-ws', (p, sink) => ws.subscribe(p, sink), subject),
      firstEvent('graphql-sse', (p, sink) => sse.subscribe(p, sink), subject),
    ]);
    await waitForSubscriptions(base, 2);
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({
        query: `mutation($in: CreateConversationInput!) { createConversation(input: $in) { conversationId userErrors { message } } }`,
        variables: { in: { type: 'EMAIL', mailboxId: '1', subject, customer: { email: 'live.e2e@example.org' },
          threads: [{ type: 'CUSTOMER', text: 'hello', customer: { email: 'live.e2e@example.org' } }] } },
      }),
    });
    const created = (await res.json()).data?.createConversation?.conversationId;
    if (!created) throw new Error(`createConversation answered ${res.status}`);
    for (const [name, ev] of [['graphql-ws', (await heard)[0]], ['graphql-sse', (await heard)[1]]]) {
      if (ev.type !== 'CREATED' || ev.conversation.id !== created || !ev.conversation.mailbox?.name || ev.conversation.customer?.email !== 'live.e2e@example.org') {
        throw new Error(`${name}: event ${JSON.stringify(ev)}`);
      }
      console.log(`ok    ${name}: ${ev.type} conversation #${ev.conversation.id} ${JSON.stringify(ev.conversation.subject)} in ${ev.conversation.mailbox.name}`);
    }
  } finally {
    await ws.dispose();
    sse.dispose();
  }
});
