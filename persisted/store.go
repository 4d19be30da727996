package persisted

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/scoutgraph/scoutgraph/cache"
)

// Defaults for StoreOptions.
const (
	// DefaultPrefix is the key prefix of registered queries, under the
	// cache's own prefix.
	DefaultPrefix = "apq:"
	// DefaultTTL is how long a registered query is kept. A query that has
	// expired costs its next client one extra round trip (the hash is
	// answered PERSISTED_QUERY_NOT_FOUND and the client resends the query),
	// so the TTL can be short; it is what bounds how long a client can make
	// the store keep what it registers.
	DefaultTTL = time.Hour
	// DefaultMaxQueryBytes is the longest query text the store keeps. A
	// longer query still runs when it is sent; it is just not registered, so
	// its client keeps sending it in full.
	DefaultMaxQueryBytes = 32 << 10
)

// ErrQueryTooLarge is returned by Store.Put for a query longer than the
// store's MaxQueryBytes; nothing was stored.
var ErrQueryTooLarge = errors.New("persisted: query too large to register")

// hashPrefix is the algorithm prefix of a document id in the GraphQL over
// HTTP persisted-documents appendix ("sha256:<hex>"), which GraphQL Codegen's
// client preset writes; Apollo's tools write the bare hex.
const hashPrefix = "sha256:"

// Hash returns the APQ hash of query: the SHA-256 of its bytes, in lowercase
// hex (what Apollo's persisted-query link and manifest generator compute).
func Hash(query string) string {
	sum := sha256.Sum256([]byte(query))
	return hex.EncodeToString(sum[:])
}

// parseHash returns the bare lowercase hex of a SHA-256 document hash given
// as 64 lowercase hex digits, optionally prefixed with "sha256:".
func parseHash(s string) (string, bool) {
	h := strings.TrimPrefix(s, hashPrefix)
	if len(h) != sha256.Size*2 {
		return "", false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return "", false
		}
	}
	return h, true
}

// StoreOptions configures NewStore. The zero value is ready to use.
type StoreOptions struct {
	Prefix        string        // key prefix, default DefaultPrefix
	TTL           time.Duration // lifetime of a registered query, default DefaultTTL
	MaxQueryBytes int           // longest query kept, default DefaultMaxQueryBytes
}

// Store keeps APQ-registered queries in a cache.Cache, keyed by their hash:
// in Redis it is shared by every replica, so a query registered through one
// is found through all of them.
//
// What a client can make the store keep is bounded per entry by
// MaxQueryBytes and in time by the TTL, which is fixed at registration (a
// hit does not extend it). The Extension registers a query only once it has
// parsed and validated against the schema. The number of entries is bounded
// by the cache: Redis by its maxmemory policy (every entry has a TTL, so
// volatile-* policies may evict them), cache.Memory not at all.
//
// A value read back is checked against its key: an entry whose text does not
// hash to its key (a corrupted or forged Redis value) is reported as an error,
// never served.
type Store struct {
	cache    cache.Cache
	prefix   string
	ttl      time.Duration
	maxBytes int
}

// NewStore returns a Store over c.
func NewStore(c cache.Cache, opts StoreOptions) *Store {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.MaxQueryBytes <= 0 {
		opts.MaxQueryBytes = DefaultMaxQueryBytes
	}
	return &Store{cache: c, prefix: opts.Prefix, ttl: opts.TTL, maxBytes: opts.MaxQueryBytes}
}

// Get returns the query registered under hash (lowercase hex, as Hash
// returns it). An unknown or expired hash is ok == false with a nil error.
func (s *Store) Get(ctx context.Context, hash string) (query string, ok bool, err error) {
	val, ok, err := s.cache.Get(ctx, s.prefix+hash)
	if err != nil {
		return "", false, fmt.Errorf("persisted: get %s: %w", hash, err)
	}
	if !ok {
		return "", false, nil
	}
	query = string(val)
	if Hash(query) != hash {
		return "", false, fmt.Errorf("persisted: get %s: the stored query does not hash to its key", hash)
	}
	return query, true, nil
}

// Put registers query under its Hash for the store's TTL. A query longer than
// MaxQueryBytes is not stored: Put returns ErrQueryTooLarge.
func (s *Store) Put(ctx context.Context, query string) error {
	if len(query) > s.maxBytes {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrQueryTooLarge, len(query), s.maxBytes)
	}
	hash := Hash(query)
	if err := s.cache.Set(ctx, s.prefix+hash, []byte(query), s.ttl); err != nil {
		return fmt.Errorf("persisted: put %s: %w", hash, err)
	}
	return nil
}
