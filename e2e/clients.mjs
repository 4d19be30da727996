// The gateway through the GraphQL clients frontends actually use: Apollo Client (core,
// HttpLink), urql (core; queries go out as GET when they fit the URL) and graphql-request.
// Each runs the same query and mutation and checks the answers.
//
//   SCOUTGRAPH_URL=http://127.0.0.1:8080 npm run clients
import { ApolloClient, HttpLink, InMemoryCache, gql as apolloGql } from '@apollo/client/core';
import { Client as UrqlClient, cacheExchange, fetchExchange, gql as urqlGql } from '@urql/core';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { createHash } from 'node:crypto';
import { GraphQLClient } from 'graphql-request';
import { baseURL, run } from './lib.mjs';

const QUERY = `{ conversations(first: 3) { totalCount nodes { id subject customer { firstName } } } }`;
const MUTATION = `mutation { updateConversationTags(input: { conversationId: "1", tags: ["vip","e2e"] }) { conversation { id tags { name } } userErrors { field message code } } }`;

/** Throws unless data answers QUERY as expected; returns a one-line description. */
function checkQuery(data) {
  const c = data?.conversations;
  if (!c) throw new Error(`no conversations in ${JSON.stringify(data)}`);
  if (!(c.totalCount > 0)) throw new Error(`totalCount = ${c.totalCount}, want > 0`);
  if (!Array.isArray(c.nodes) || c.nodes.length !== 3) {
    throw new Error(`${c.nodes?.length} nodes, want 3: ${JSON.stringify(c.nodes)}`);
  }
  for (const n of c.nodes) {
    if (typeof n.id !== 'string' || typeof n.subject !== 'string') {
      throw new Error(`malformed node ${JSON.stringify(n)}`);
    }
  }
  return `query: ${c.nodes.length} nodes of ${c.totalCount} (${c.nodes.map((n) => `#${n.id} ${JSON.stringify(n.subject)}`).join(', ')})`;
}

/** Throws unless data answers MUTATION as expected; returns a one-line description. */
function checkMutation(data) {
  const p = data?.updateConversationTags;
  if (!p) throw new Error(`no updateConversationTags in ${JSON.stringify(data)}`);
  if (p.userErrors?.length) throw new Error(`userErrors: ${JSON.stringify(p.userErrors)}`);
  const tags = (p.conversation?.tags ?? []).map((t) => t.name);
  if (!tags.includes('e2e')) throw new Error(`tags ${JSON.stringify(tags)} lack "e2e"`);
  return `mutation: conversation ${p.conversation.id} tags ${JSON.stringify(tags)}`;
}

const clients = {
  async '@apollo/client'(endpoint) {
    const client = new ApolloClient({
      link: new HttpLink({ uri: endpoint, fetch }),
      cache: new InMemoryCache(),
    });
    const q = await client.query({ query: apolloGql(QUERY), fetchPolicy: 'network-only' });
    if (q.error) throw q.error;
    const m = await client.mutate({ mutation: apolloGql(MUTATION) });
    if (m.error) throw m.error;
    return [checkQuery(q.data), checkMutation(m.data)];
  },

  // Apollo's automatic persisted queries: the link sends the query's hash only; the gateway
  // answers PERSISTED_QUERY_NOT_FOUND the first time, the link sends hash and query, and
  // from then on (from any client) the hash alone runs it.
  async '@apollo/client persisted queries'(endpoint) {
    const sha256 = (q) => createHash('sha256').update(q).digest('hex');
    const sent = [];
    const recording = (input, init) => {
      const body = JSON.parse(init.body);
      sent.push({ hashed: !!body.extensions?.persistedQuery, withQuery: typeof body.query === 'string' });
      return fetch(input, init);
    };
    // A query no other run has registered, so the first request is a miss.
    const query = apolloGql(`query PersistedE2E${Date.now()} { conversations(first: 2) { totalCount } }`);
    const newClient = () =>
      new ApolloClient({
        link: new PersistedQueryLink({ sha256 }).concat(new HttpLink({ uri: endpoint, fetch: recording })),
        cache: new InMemoryCache(),
      });
    const first = await newClient().query({ query, fetchPolicy: 'network-only' });
    if (first.error) throw first.error;
    const second = await newClient().query({ query, fetchPolicy: 'network-only' });
    if (second.error) throw second.error;
    const want = [
      { hashed: true, withQuery: false }, // the miss
      { hashed: true, withQuery: true }, // registered
      { hashed: true, withQuery: false }, // a new client: the hash alone runs it
    ];
    if (JSON.stringify(sent) !== JSON.stringify(want)) {
      throw new Error(`requests ${JSON.stringify(sent)}, want ${JSON.stringify(want)}`);
    }
    if (!(second.data?.conversations?.totalCount > 0)) throw new Error(`answer ${JSON.stringify(second.data)}`);
    return [`hash only → PERSISTED_QUERY_NOT_FOUND → hash and query → hash only: totalCount ${second.data.conversations.totalCount}`];
  },

  async '@urql/core'(endpoint) {
    const client = new UrqlClient({
      url: endpoint,
      exchanges: [cacheExchange, fetchExchange],
      requestPolicy: 'network-only',
    });
    const q = await client.query(urqlGql(QUERY), {}).toPromise();
    if (q.error) throw q.error;
    const m = await client.mutation(urqlGql(MUTATION), {}).toPromise();
    if (m.error) throw m.error;
    return [checkQuery(q.data), checkMutation(m.data)];
  },

  async 'graphql-request'(endpoint) {
    const client = new GraphQLClient(endpoint, { fetch });
    const q = await client.request(QUERY);
    const m = await client.request(MUTATION);
    return [checkQuery(q), checkMutation(m)];
  },
};

run('clients', async () => {
  const endpoint = `${baseURL()}/graphql`;
  let failed = 0;
  for (const [name, check] of Object.entries(clients)) {
    try {
      const lines = await check(endpoint);
      console.log(`ok    ${name}`);
      for (const line of lines) console.log(`        ${line}`);
    } catch (err) {
      failed++;
      console.log(`FAIL  ${name}: ${err?.message ?? err}`);
      const errors = err?.graphQLErrors ?? err?.errors ?? err?.response?.errors;
      if (errors?.length) console.log(`        ${JSON.stringify(errors)}`);
    }
  }
  const total = Object.keys(clients).length;
  console.log(`\nclients against ${endpoint}: ${total - failed} ok, ${failed} failed`);
  return failed === 0;
});
