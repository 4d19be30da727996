// Entry of the GraphiQL bundle the scoutgraph gateway serves at "/".
//
// The page (rendered by the Go package graphiql) holds <div id="graphiql"
// data-endpoint="/graphql">; everything else — scripts, styles, fonts — comes from the
// gateway itself. The gateway talks to FreeScout with its own key; a caller who must prove
// who it is (AUTH=tokens, jwt) types its Authorization header into the headers editor, which
// is never saved (shouldPersistHeaders is off), and the fetcher sends it over HTTP and in the
// WebSocket's connection_init.
import { setNonce } from 'get-nonce';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/graphiql.css';
import './page.css';
import { createFetcher } from './fetcher.js';
import { defaultQuery } from './default-query.js';

// GraphiQL's dialogs insert <style> elements (react-remove-scroll). The page's
// Content-Security-Policy admits styles only from the gateway or carrying the per-page
// nonce, which the page puts on this script's tag; get-nonce hands it to those elements.
const nonce = document.currentScript?.nonce;
if (nonce) {
  setNonce(nonce);
}

const container = document.getElementById('graphiql');
const endpoint = container.dataset.endpoint || '/graphql';

createRoot(container).render(
  <GraphiQL
    fetcher={createFetcher(endpoint)}
    defaultQuery={defaultQuery}
    isHeadersEditorEnabled
    shouldPersistHeaders={false}
    showPersistHeadersSettings={false}
    defaultEditorToolsVisibility={false}
  />,
);
