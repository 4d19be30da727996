// A GraphiQL fetcher speaking to the gateway: queries and mutations over HTTP, subscriptions
// over WebSocket (graphql-transport-ws, with the graphql-ws client).
//
// Over HTTP it asks for application/graphql-response+json first, so parse and validation
// errors come back as 400 with a JSON body; that body is still a GraphQL response and is
// shown as is. Anything that is not JSON (a proxy's error page, say) becomes a
// GraphQL-shaped error.
//
// The operation to run is worked out from the text being sent, not taken from GraphiQL as
// it is: GraphiQL keeps the name of the operation last chosen even after the text no
// longer defines it (the document was edited or replaced), and the gateway would then
// refuse a request that names an unknown operation.
import { parse } from 'graphql';
import { createClient } from 'graphql-ws';

const accept = 'application/graphql-response+json, application/json;q=0.9';

/**
 * operationOf returns the name to send for the operation GraphiQL asked for, and its kind.
 * A name the document does not define is dropped when the document has one operation
 * (that one runs); a document that does not parse is sent as is, for the gateway to
 * report its syntax error.
 *
 * @param {string} query
 * @param {string|null|undefined} operationName
 * @returns {{name: string|undefined, kind: string|undefined}}
 */
export function operationOf(query, operationName) {
  let ops;
  try {
    ops = parse(query).definitions.filter((d) => d.kind === 'OperationDefinition');
  } catch {
    return { name: operationName || undefined, kind: undefined };
  }
  const named = ops.find((op) => op.name && op.name.value === operationName);
  if (named) {
    return { name: operationName, kind: named.operation };
  }
  if (ops.length === 1) {
    return { name: ops[0].name ? ops[0].name.value : undefined, kind: ops[0].operation };
  }
  return { name: operationName || undefined, kind: undefined };
}

/**
 * wsURL is the WebSocket URL of an endpoint path on the page's own origin.
 *
 * @param {string} endpoint
 * @returns {string}
 */
function wsURL(endpoint) {
  const url = new URL(endpoint, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/**
 * @param {string} endpoint the GraphQL URL, a path on the page's own origin
 * @returns {(params: {query: string, operationName?: string|null, variables?: object}) => Promise<object>|AsyncIterable<object>}
 */
export function createFetcher(endpoint) {
  // One connection for every subscription of the page, opened on the first; a new one when
  // the headers (credentials) in the headers editor change: they go in connection_init.
  let ws;
  let wsHeaders;
  const client = (headers) => {
    const key = JSON.stringify(headers);
    if (ws && wsHeaders !== key) {
      ws.dispose();
      ws = undefined;
    }
    wsHeaders = key;
    ws ??= createClient({
      url: wsURL(endpoint),
      lazy: true,
      retryAttempts: 5,
      connectionParams: headers,
      // A connection refused for its credentials (4401, 4403) or a bad request (4400) would
      // be refused again: say so at once instead of retrying.
      shouldRetry: (e) => !(e && [4400, 4401, 4403].includes(e.code)),
    });
    return ws;
  };

  return function fetcher(params, opts) {
    const headers = opts?.headers && typeof opts.headers === 'object' ? opts.headers : {};
    const op = operationOf(params.query, params.operationName);
    const payload = {
      query: params.query,
      operationName: op.name,
      variables: params.variables || undefined,
    };
    if (op.kind === 'subscription') {
      return subscribe(client(headers), payload);
    }
    return post(endpoint, payload, headers);
  };
}

/**
 * subscribe runs a subscription, each event a result; a closed connection or a refused
 * subscription ends it with the reason as a GraphQL error.
 */
async function* subscribe(client, payload) {
  try {
    yield* client.iterate(payload);
  } catch (err) {
    yield { errors: closeErrors(err) };
  }
}

/** closeErrors describes why a subscription could not go on. */
function closeErrors(err) {
  if (Array.isArray(err)) {
    return err; // the gateway refused the subscription with GraphQL errors
  }
  if (err && typeof err.code === 'number') {
    return [{ message: `the WebSocket closed (${err.code}${err.reason ? `: ${err.reason}` : ''})`, extensions: { code: 'WEBSOCKET_CLOSED' } }];
  }
  return [{ message: `the subscription failed: ${err && err.message ? err.message : String(err)}`, extensions: { code: 'WEBSOCKET_CLOSED' } }];
}

/** post runs a query or mutation over HTTP. */
async function post(endpoint, payload, headers) {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json', Accept: accept },
    body: JSON.stringify(payload),
    credentials: 'same-origin',
  });
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return {
      errors: [
        {
          message: `HTTP ${res.status} ${res.statusText}: the gateway did not answer with JSON`,
          extensions: { code: 'BAD_RESPONSE', status: res.status, body: text.slice(0, 2000) },
        },
      ],
    };
  }
}
