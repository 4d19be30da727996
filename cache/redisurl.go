package cache

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"
)

// redisMode names the kind of Redis deployment a URL points at.
type redisMode int

const (
	modeSingle redisMode = iota
	modeCluster
	modeSentinel
)

// String returns the mode's name, as used in test output.
func (m redisMode) String() string {
	switch m {
	case modeSingle:
		return "single"
	case modeCluster:
		return "cluster"
	case modeSentinel:
		return "sentinel"
	default:
		return fmt.Sprintf("redisMode(%d)", int(m))
	}
}

// redisConfig is a parsed Redis URL: exactly one of the option pointers,
// the one matching mode, is set.
type redisConfig struct {
	mode     redisMode
	single   *redis.Options
	cluster  *redis.ClusterOptions
	sentinel *redis.FailoverOptions
}

// parseRedisURL turns a Redis URL into client options. The accepted forms are
// documented on NewRedis; every one of them is a form go-redis parses itself
// (redis.ParseURL, redis.ParseClusterURL, redis.ParseFailoverURL), chosen by
// scheme and query parameters.
//
// Errors never contain the URL's password. Errors from net/url quote the
// whole URL, and errors from go-redis may quote a path or parameter into
// which an unescaped password leaked, so a failing URL that has userinfo is
// parsed again with its userinfo replaced, and only that second error,
// computed from text free of secrets, is reported.
func parseRedisURL(raw string) (redisConfig, error) {
	cfg, err := parseRedisURLUnredacted(raw)
	if err == nil {
		return cfg, nil
	}
	if safe, ok := redactUserinfo(raw); ok {
		if _, err2 := parseRedisURLUnredacted(safe); err2 != nil {
			err = err2
		} else {
			return redisConfig{}, fmt.Errorf("%w: malformed user or password "+
				"(percent-encode reserved characters such as @ : / ? # %%)", ErrInvalidURL)
		}
	}
	return redisConfig{}, fmt.Errorf("%w: %w", ErrInvalidURL, err)
}

// ValidateURL reports whether NewRedis can use rawURL, without creating a
// client: for checking configuration at start.
func ValidateURL(rawURL string) error {
	_, err := parseRedisURL(rawURL)
	return err
}

// ErrInvalidURL is wrapped by every error NewRedis returns for a URL it
// cannot use. Such errors never contain the URL's password.
var ErrInvalidURL = errors.New("cache: invalid redis url")

// parseRedisURLUnredacted does the work of parseRedisURL; its errors may
// contain parts of raw, but never raw as a whole.
func parseRedisURLUnredacted(raw string) (redisConfig, error) {
	if strings.TrimSpace(raw) == "" {
		return redisConfig{}, errors.New("url is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // *url.Error quotes the whole URL; keep the reason only
		}
		return redisConfig{}, err
	}
	switch u.Scheme {
	case "redis", "rediss", "unix":
	case "":
		return redisConfig{}, errors.New("missing scheme (want redis://, rediss:// or unix://)")
	default:
		return redisConfig{}, fmt.Errorf("unsupported scheme %q (want redis://, rediss:// or unix://)", u.Scheme)
	}
	if u.Opaque != "" {
		return redisConfig{}, fmt.Errorf("missing // after the %s scheme", u.Scheme)
	}

	var cfg redisConfig
	q := u.Query()
	switch {
	case u.Scheme == "unix":
		cfg.mode = modeSingle
		cfg.single, err = redis.ParseURL(raw)
	case q.Has("master_name"):
		cfg.mode = modeSentinel
		cfg.sentinel, err = redis.ParseFailoverURL(raw)
		if err == nil && cfg.sentinel.MasterName == "" {
			err = errors.New("master_name is empty")
		}
	case q.Has("addr"):
		if db := strings.Trim(u.Path, "/"); db != "" && db != "0" {
			return redisConfig{}, fmt.Errorf("database %q requested, but redis cluster has database 0 only", db)
		}
		cfg.mode = modeCluster
		cfg.cluster, err = redis.ParseClusterURL(raw)
		if err == nil {
			cfg.cluster.Addrs = dedupe(cfg.cluster.Addrs)
		}
	default:
		cfg.mode = modeSingle
		cfg.single, err = redis.ParseURL(raw)
	}
	if err != nil {
		return redisConfig{}, err
	}
	cfg.applyDefaults()
	return cfg, nil
}

// applyDefaults adjusts go-redis defaults for a cache that must answer within
// a per-operation timeout:
//   - ContextTimeoutEnabled is forced on, so that the operation's context
//     deadline also bounds socket reads and writes (go-redis otherwise uses
//     its 3-5s socket timeouts and ignores the deadline once a command is on
//     the wire);
//   - DialerRetries defaults to 1 (no dial retry), so that an unreachable
//     Redis fails fast instead of spending the operation's budget on dial
//     backoff. A dialer_retries URL parameter (accepted by go-redis in
//     cluster and sentinel URLs only) still wins;
//   - MaxRetries defaults to 1 instead of 3: one retry replaces a pooled
//     connection that broke (say, after a Redis restart), while further
//     retries with backoff would only spend the operation's budget during
//     an outage. A max_retries URL parameter still wins.
func (c *redisConfig) applyDefaults() {
	var (
		contextTimeout            *bool
		dialerRetries, maxRetries *int
	)
	switch c.mode {
	case modeSingle:
		contextTimeout, dialerRetries, maxRetries = &c.single.ContextTimeoutEnabled, &c.single.DialerRetries, &c.single.MaxRetries
	case modeCluster:
		contextTimeout, dialerRetries, maxRetries = &c.cluster.ContextTimeoutEnabled, &c.cluster.DialerRetries, &c.cluster.MaxRetries
	case modeSentinel:
		contextTimeout, dialerRetries, maxRetries = &c.sentinel.ContextTimeoutEnabled, &c.sentinel.DialerRetries, &c.sentinel.MaxRetries
	default:
		return
	}
	*contextTimeout = true
	if *dialerRetries == 0 { // 0 means go-redis's default
		*dialerRetries = 1
	}
	if *maxRetries == 0 { // 0 means go-redis's default; -1 disables retries
		*maxRetries = 1
	}
}

// newClient returns a go-redis client for the configuration. go-redis
// connects lazily, on the first command.
func (c *redisConfig) newClient() redis.UniversalClient {
	switch c.mode {
	case modeCluster:
		return redis.NewClusterClient(c.cluster)
	case modeSentinel:
		return redis.NewFailoverClient(c.sentinel)
	default:
		return redis.NewClient(c.single)
	}
}

// redactUserinfo replaces everything between "://" and the last "@" of raw
// with a placeholder. It is deliberately cruder than URL parsing: a password
// with unescaped reserved characters is exactly what makes parsing fail.
// ok is false when raw has no userinfo to redact.
func redactUserinfo(raw string) (safe string, ok bool) {
	i := strings.Index(raw, "://")
	if i < 0 {
		return raw, false
	}
	rest := raw[i+len("://"):]
	j := strings.LastIndex(rest, "@")
	if j < 0 {
		return raw, false
	}
	return raw[:i+len("://")] + "redacted@" + rest[j+1:], true
}

// dedupe returns addrs without repeated entries, keeping the first
// occurrence's position.
func dedupe(addrs []string) []string {
	seen := make(map[string]bool, len(addrs))
	out := addrs[:0]
	for _, a := range addrs {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}
