package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/scoutgraph/scoutgraph/cache"
)

// config is the gateway's settings. Each comes from a flag or, when the flag
// is not given, from its environment variable.
type config struct {
	freescoutURL string
	apiKey       string
	listen       string
	redisURL     string
	demo         bool
	concurrency  int           // bound on requests in flight to FreeScout
	cacheTTL     time.Duration // custom-field definitions
	timeout      time.Duration // per upstream request attempt
	logLevel     slog.Level
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
	{"demo", "DEMO", "", "demo mode: serve the built-in FreeScout emulator's sample data (1/true)"},
	{"upstream-concurrency", "UPSTREAM_CONCURRENCY", "64", "most requests in flight to FreeScout at once"},
	{"cache-ttl", "CACHE_TTL", "10m", "how long custom-field definitions stay cached"},
	{"upstream-timeout", "UPSTREAM_TIMEOUT", "15s", "timeout of each request to FreeScout"},
	{"log-level", "LOG_LEVEL", "info", "debug, info, warn or error"},
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
	cfg.listen, cfg.redisURL = get("listen"), get("redis-url")
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
	if cfg.demo {
		return cfg, nil
	}
	cfg.freescoutURL, cfg.apiKey = get("freescout-url"), get("freescout-api-key")
	if cfg.freescoutURL == "" {
		return cfg, errors.New("FREESCOUT_URL / --freescout-url: required (or run with --demo)")
	}
	if u, err := url.Parse(cfg.freescoutURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return cfg, fmt.Errorf("FREESCOUT_URL / --freescout-url: want an http or https URL, got %q", cfg.freescoutURL)
	}
	if cfg.apiKey == "" {
		return cfg, errors.New("FREESCOUT_API_KEY / --freescout-api-key: required (or run with --demo)")
	}
	return cfg, nil
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
