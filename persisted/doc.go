// Package persisted holds the gateway's persisted operations
// (PERSISTED_QUERIES, PERSISTED_QUERIES_FILE): Apollo's automatic persisted
// queries (APQ) and trusted documents, as one gqlgen handler extension.
//
// Clients name an operation by the SHA-256 of its text in
// extensions.persistedQuery {version: 1, sha256Hash}. In APQ mode a Store,
// over a cache.Cache (Redis, shared by every replica, or memory), keeps the
// queries clients have sent with their hash; in only mode a Manifest, an
// Apollo persisted-query manifest, lists the only operations that run; in off
// mode hashes are refused in the way that makes clients stop sending them.
// Extension documents the outcome of every request in every mode.
//
// Decisions where the contract is silent:
//
//   - The messages PersistedQueryNotFound and PersistedQueryNotSupported break
//     the lowercase-message convention on purpose: they are the protocol,
//     and clients compare them exactly.
//   - Off mode answers a hash-only request with PERSISTED_QUERY_NOT_FOUND and
//     the message PersistedQueryNotSupported (errcode has no
//     PERSISTED_QUERY_NOT_SUPPORTED, and Apollo's link, which matches either
//     the message or the code, then disables hashing and resends at once).
//   - Only mode answers an unknown hash with PERSISTED_QUERY_REQUIRED, not
//     NOT_FOUND: a client must not resend the query, which would be refused
//     too.
//   - A hash is 64 lowercase hex digits; "sha256:<hex>" (the GraphQL over
//     HTTP persisted-documents form, GraphQL Codegen's) is accepted too, in
//     requests and in the manifest. Anything else is BAD_USER_INPUT.
//   - APQ registers a query only once gqlgen has parsed and validated it
//     against the schema (and coerced its variables), so a client cannot
//     make the store keep text that is not an operation of this schema. A
//     registered query lives DefaultTTL (an hour, not extended by hits) and
//     at most DefaultMaxQueryBytes (32 KiB) is kept; a longer query runs but
//     is not registered.
//   - The store failing never fails an operation: a read error is answered
//     as an unknown hash (the client resends the query, which runs), a write
//     error is logged.
//   - Entries read back from the store are checked against their hash, so a
//     forged Redis value is never executed.
package persisted
