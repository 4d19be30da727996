// A GraphiQL fetcher speaking GraphQL over HTTP to the gateway.
//
// It asks for application/graphql-response+json first, so parse and validation errors come
// back as 400 with a JSON body; that body is still a GraphQL response and is shown as is.
// Anything that is not JSON (a proxy's error page, say) becomes a GraphQL-shaped error.

const accept = 'application/graphql-response+json, application/json;q=0.9';

/**
 * @param {string} endpoint the GraphQL URL, a path on the page's own origin
 * @returns {(params: {query: string, operationName?: string|null, variables?: object}) => Promise<object>}
 */
export function createFetcher(endpoint) {
  return async function fetcher(params) {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: accept },
      body: JSON.stringify({
        query: params.query,
        operationName: params.operationName || undefined,
        variables: params.variables || undefined,
      }),
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
  };
}
