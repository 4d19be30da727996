package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/cache"
	"github.com/scoutgraph/scoutgraph/persisted"
	"github.com/scoutgraph/scoutgraph/ratelimit"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// config is the gateway's settings. Each comes from a flag or, when the flag
// is not given, from its environment variable.
type config struct {
	freescoutURL string
	apiKey       string
	listen       string
	redisURL     string
	redisPrefix  string
	demo         bool
	demoInstall  emulator.Options // the install --demo emulates: ModuleVersion, WithoutModules
	concurrency  int              // bound on requests in flight to FreeScout
	cacheTTL     time.Duration    // custom-field definitions
	timeout      time.Duration    // per upstream request attempt
	logLevel     slog.Level

	auth           auth.Config
	allowAnonymous bool
	corsOrigins    []string
	maxDepth       int
	maxCost        int
	rateLimit      ratelimit.Rate
	persisted      persisted.Mode
	persistedFile  string
	introspection  bool
	requestTimeout time.Duration
	maxConns       int

	webhookSecret        string
	publicURL            string
	conversationCacheTTL time.Duration
}

// setting describes one configuration value.
type setting struct {
	flag, env, def, usage string
}

var settings = []setting{
	{"freescout-url", "FREESCOUT_URL", "", "FreeScout base URL; the gateway calls {url}/api/... (required unless --demo)"},
	{"freescout-api-key", "FREESCOUT_API_KEY", "", "FreeScout API key (required unless --demo)"},
	{"listen", "LISTEN_ADDR", "127.0.0.1:8080", "address to listen on"},
	{"redis-url", "REDIS_URL", "", "Redis URL for the shared cache; in-memory cache when empty"},
	{"redis-prefix", "REDIS_PREFIX", "scoutgraph:v1:", "prefix of every Redis key: gateways of different FreeScout installs sharing a Redis need different ones"},
	{"demo", "DEMO", "", "demo mode: serve the built-in FreeScout emulator's sample data (1/true)"},
	{"freescout-module", "FREESCOUT_MODULE", "", "with --demo: the API & Webhooks module version the emulator emulates, e.g. 1.0.20 (default: the newest)"},
	{"without-modules", "WITHOUT_MODULES", "", "with --demo: FreeScout modules the emulated install lacks, a comma list of tags, customfields, crm, timetracking"},
	{"upstream-concurrency", "UPSTREAM_CONCURRENCY", "64", "most requests in flight to FreeScout at once"},
	{"cache-ttl", "CACHE_TTL", "10m", "how long custom-field definitions stay cached"},
	{"upstream-timeout", "UPSTREAM_TIMEOUT", "15s", "timeout of each request to FreeScout"},
	{"log-level", "LOG_LEVEL", "info", "debug, info, warn or error"},
	{"auth", "AUTH", "none", "how callers authenticate: none, tokens, jwt, freescout-key (a comma list; the first that matches wins)"},
	{"auth-tokens-file", "AUTH_TOKENS_FILE", "", "JSON file of callers and the SHA-256 of their tokens (AUTH=tokens)"},
	{"jwt-jwks-url", "JWT_JWKS_URL", "", "JWKS URL that signs callers' JWTs (AUTH=jwt)"},
	{"jwt-issuer", "JWT_ISSUER", "", "the iss JWTs must carry (AUTH=jwt)"},
	{"jwt-audience", "JWT_AUDIENCE", "", "the aud JWTs must carry (AUTH=jwt)"},
	{"jwt-scopes-claim", "JWT_SCOPES_CLAIM", "scope", "the JWT claim holding the caller's scopes"},
	{"jwt-mailboxes-claim", "JWT_MAILBOXES_CLAIM", "mailboxes", "the JWT claim holding the caller's mailbox ids"},
	{"allow-anonymous", "ALLOW_ANONYMOUS", "", "let AUTH=none listen beyond loopback (1/true)"},
	{"cors-origins", "CORS_ORIGINS", "", "browser origins allowed to call the gateway, comma separated"},
	{"max-depth", "MAX_DEPTH", "12", "most nesting depth of an operation"},
	{"max-cost", "MAX_COST", "250", "most estimated FreeScout calls of one operation"},
	{"rate-limit", "RATE_LIMIT", "3000/min", "each caller's budget of FreeScout calls, e.g. 3000/min"},
	{"persisted-queries", "PERSISTED_QUERIES", "apq", "off, apq (automatic persisted queries) or only (trusted documents only)"},
	{"persisted-queries-file", "PERSISTED_QUERIES_FILE", "", "Apollo persisted-query manifest of the trusted documents (PERSISTED_QUERIES=only)"},
	{"introspection", "INTROSPECTION", "true", "allow introspection (true/false)"},
	{"request-timeout", "REQUEST_TIMEOUT", "30s", "deadline of each request (streams excepted)"},
	{"max-connections", "MAX_CONNECTIONS", "4096", "most client connections at once; idle ones are closed first to make room"},
	{"webhook-secret", "WEBHOOK_SECRET", "", "FreeScout's webhook Secret Key (Manage » API & Webhooks); empty: POST /webhooks/freescout answers 404"},
	{"public-url", "PUBLIC_URL", "", "the gateway's public base URL, for `scoutgraph webhooks register` (its webhook is PUBLIC_URL/webhooks/freescout)"},
	{"conversation-cache-ttl", "CONVERSATION_CACHE_TTL", "0", "keep conversation pages, conversations and folders cached this long, dropped by events and own writes (0: off)"},
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseConfig reads flags over environment variables over defaults. A bad
// value fails with one line naming the setting; the API key is never echoed.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	fs := newFlagSet("scoutgraph", stderr)
	vals := map[string]*string{}
	for _, s := range settings {
		// The default shown in usage is the built-in one, never the
		// environment's value: that may be the API key.
		vals[s.flag] = fs.String(s.flag, s.def, s.usage+" [$"+s.env+"]")
	}
	// --demo is a switch: accept it without a value too.
	for i, a := range args {
		if a == "--demo" || a == "-demo" {
			args[i] = "--demo=1"
		}
	}
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	// Flags win over env, env over defaults.
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, s := range settings {
		if e := getenv(s.env); e != "" && !given[s.flag] {
			*vals[s.flag] = e
		}
	}
	get := func(name string) string { return strings.TrimSpace(*vals[name]) }
	var cfg config
	var err error
	cfg.listen, cfg.redisURL, cfg.redisPrefix = get("listen"), get("redis-url"), get("redis-prefix")
	if cfg.redisPrefix == "" || strings.ContainsAny(cfg.redisPrefix, " {}*?[]") {
		return cfg, fmt.Errorf("REDIS_PREFIX / --redis-prefix: want a key prefix without spaces, braces or glob characters, got %q", cfg.redisPrefix)
	}
	if cfg.demo, err = parseBool(get("demo")); err != nil {
		return cfg, fmt.Errorf("DEMO / --demo: %w", err)
	}
	if cfg.concurrency, err = strconv.Atoi(get("upstream-concurrency")); err != nil || cfg.concurrency < 1 {
		return cfg, fmt.Errorf("UPSTREAM_CONCURRENCY / --upstream-concurrency: want a whole number of at least 1, got %q", get("upstream-concurrency"))
	}
	if cfg.cacheTTL, err = time.ParseDuration(get("cache-ttl")); err != nil || cfg.cacheTTL <= 0 {
		return cfg, fmt.Errorf("CACHE_TTL / --cache-ttl: want a positive duration such as 10m, got %q", get("cache-ttl"))
	}
	if cfg.timeout, err = time.ParseDuration(get("upstream-timeout")); err != nil || cfg.timeout <= 0 {
		return cfg, fmt.Errorf("UPSTREAM_TIMEOUT / --upstream-timeout: want a positive duration such as 15s, got %q", get("upstream-timeout"))
	}
	if err := cfg.logLevel.UnmarshalText([]byte(get("log-level"))); err != nil {
		return cfg, fmt.Errorf("LOG_LEVEL / --log-level: want debug, info, warn or error, got %q", get("log-level"))
	}
	if cfg.listen == "" {
		return cfg, errors.New("LISTEN_ADDR / --listen: must not be empty")
	}
	if _, _, err := net.SplitHostPort(cfg.listen); err != nil {
		return cfg, fmt.Errorf("LISTEN_ADDR / --listen: want host:port such as 127.0.0.1:8080, got %q", cfg.listen)
	}
	if cfg.redisURL != "" {
		if err := cache.ValidateURL(cfg.redisURL); err != nil {
			return cfg, fmt.Errorf("REDIS_URL / --redis-url: %w", err)
		}
	}
	if err := parseCallerSettings(&cfg, get); err != nil {
		return cfg, err
	}
	if err := parseLiveSettings(&cfg, get); err != nil {
		return cfg, err
	}
	if cfg.demoInstall, err = parseInstall(get("freescout-module"), get("without-modules")); err != nil {
		return cfg, err
	}
	if cfg.demo {
		return cfg, nil
	}
	if get("freescout-module") != "" || get("without-modules") != "" {
		return cfg, errors.New("FREESCOUT_MODULE / --freescout-module and WITHOUT_MODULES / --without-modules: only with --demo, for the emulated install")
	}
	cfg.freescoutURL, cfg.apiKey = get("freescout-url"), get("freescout-api-key")
	if cfg.freescoutURL == "" {
		return cfg, errors.New("FREESCOUT_URL / --freescout-url: required (or run with --demo)")
	}
	if u, err := url.Parse(cfg.freescoutURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return cfg, fmt.Errorf("FREESCOUT_URL / --freescout-url: want an http or https URL, got %q", redactURL(cfg.freescoutURL))
	} else if u.RawQuery != "" || u.User != nil {
		return cfg, errors.New("FREESCOUT_URL / --freescout-url: must not carry a query or credentials; the key goes in FREESCOUT_API_KEY")
	}
	if cfg.apiKey == "" {
		return cfg, errors.New("FREESCOUT_API_KEY / --freescout-api-key: required (or run with --demo)")
	}
	return cfg, nil
}

// parseCallerSettings reads the settings of callers, limits and persisted
// operations into cfg.
func parseCallerSettings(cfg *config, get func(string) string) error {
	var err error
	if cfg.auth.Modes, err = auth.ParseModes(get("auth")); err != nil {
		return fmt.Errorf("AUTH / --auth: %w", err)
	}
	cfg.auth.TokensFile = get("auth-tokens-file")
	cfg.auth.JWKSURL, cfg.auth.Issuer, cfg.auth.Audience = get("jwt-jwks-url"), get("jwt-issuer"), get("jwt-audience")
	cfg.auth.ScopesClaim, cfg.auth.MailboxesClaim = get("jwt-scopes-claim"), get("jwt-mailboxes-claim")
	if cfg.allowAnonymous, err = parseBool(get("allow-anonymous")); err != nil {
		return fmt.Errorf("ALLOW_ANONYMOUS / --allow-anonymous: %w", err)
	}
	if slices.Contains(cfg.auth.Modes, auth.ModeNone) && !cfg.demo && !cfg.allowAnonymous && !loopback(cfg.listen) {
		return fmt.Errorf("AUTH / --auth: with none, anyone who reaches %s acts with the gateway's FreeScout key; listen on a loopback address, set AUTH (see README), or set ALLOW_ANONYMOUS=true", cfg.listen)
	}
	for o := range strings.SplitSeq(get("cors-origins"), ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return fmt.Errorf("CORS_ORIGINS / --cors-origins: want origins such as https://app.example.com, got %q", o)
		}
		cfg.corsOrigins = append(cfg.corsOrigins, u.Scheme+"://"+u.Host)
	}
	if cfg.maxDepth, err = positive(get("max-depth")); err != nil {
		return fmt.Errorf("MAX_DEPTH / --max-depth: %w", err)
	}
	if cfg.maxCost, err = positive(get("max-cost")); err != nil {
		return fmt.Errorf("MAX_COST / --max-cost: %w", err)
	}
	if cfg.rateLimit, err = ratelimit.ParseRate(get("rate-limit")); err != nil {
		return fmt.Errorf("RATE_LIMIT / --rate-limit: %w", err)
	}
	if cfg.maxCost > cfg.rateLimit.Units {
		return fmt.Errorf("MAX_COST / --max-cost: %d is more than RATE_LIMIT (%s) lets a caller spend at once", cfg.maxCost, cfg.rateLimit)
	}
	if cfg.persisted, err = persisted.ParseMode(get("persisted-queries")); err != nil {
		return fmt.Errorf("PERSISTED_QUERIES / --persisted-queries: %w", err)
	}
	cfg.persistedFile = get("persisted-queries-file")
	if cfg.persisted == persisted.Only && cfg.persistedFile == "" {
		return errors.New("PERSISTED_QUERIES_FILE / --persisted-queries-file: required when PERSISTED_QUERIES is only")
	}
	if cfg.introspection, err = parseBool(get("introspection")); err != nil {
		return fmt.Errorf("INTROSPECTION / --introspection: %w", err)
	}
	if cfg.requestTimeout, err = time.ParseDuration(get("request-timeout")); err != nil || cfg.requestTimeout <= 0 {
		return fmt.Errorf("REQUEST_TIMEOUT / --request-timeout: want a positive duration such as 30s, got %q", get("request-timeout"))
	}
	if cfg.maxConns, err = positive(get("max-connections")); err != nil {
		return fmt.Errorf("MAX_CONNECTIONS / --max-connections: %w", err)
	}
	return nil
}

// parseLiveSettings reads the settings of live events into cfg.
func parseLiveSettings(cfg *config, get func(string) string) error {
	cfg.webhookSecret = get("webhook-secret")
	if cfg.publicURL = strings.TrimRight(get("public-url"), "/"); cfg.publicURL != "" {
		u, err := url.Parse(cfg.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.User != nil {
			return fmt.Errorf("PUBLIC_URL / --public-url: want the gateway's http or https base URL such as https://scoutgraph.example.com, got %q", redactURL(cfg.publicURL))
		}
	}
	ttl, err := time.ParseDuration(get("conversation-cache-ttl"))
	if err != nil || ttl < 0 {
		return fmt.Errorf("CONVERSATION_CACHE_TTL / --conversation-cache-ttl: want a duration such as 2m, or 0 for off, got %q", get("conversation-cache-ttl"))
	}
	cfg.conversationCacheTTL = ttl
	return nil
}

// parseInstall reads the install an emulator emulates: a module version
// (FREESCOUT_MODULE, "" for the newest) and the modules it lacks
// (WITHOUT_MODULES, a comma list).
func parseInstall(version, without string) (emulator.Options, error) {
	opts := emulator.Options{ModuleVersion: version}
	if version != "" {
		if _, err := emulator.ParseModuleVersion(version); err != nil {
			return opts, fmt.Errorf("FREESCOUT_MODULE / --freescout-module: want a module version such as 1.0.20, got %q", version)
		}
	}
	for m := range strings.SplitSeq(without, ",") {
		if m = strings.ToLower(strings.TrimSpace(m)); m != "" {
			opts.WithoutModules = append(opts.WithoutModules, m)
		}
	}
	if err := opts.Validate(); err != nil {
		return opts, fmt.Errorf("WITHOUT_MODULES / --without-modules: want a comma list of %s, got %q", strings.Join(emulator.OptionalModules(), ", "), without)
	}
	return opts, nil
}

// positive reads a whole number of at least 1.
func positive(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("want a whole number of at least 1, got %q", s)
	}
	return n, nil
}

// loopback reports whether the listen address hostport only accepts
// connections from this machine.
func loopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redactURL shortens a rejected URL for an error message: scheme, host and
// path, without credentials or a query, which may hold a key.
func redactURL(raw string) string {
	raw, _, _ = strings.Cut(raw, "?")
	if i := strings.Index(raw, "@"); i >= 0 {
		if j := strings.Index(raw, "://"); j >= 0 && j < i {
			raw = raw[:j+3] + "…" + raw[i:]
		}
	}
	return raw
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "", "0", "false", "no", "off":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	}
	return false, fmt.Errorf("want 1 or 0, got %q", s)
}
