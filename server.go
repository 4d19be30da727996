// Command scoutgraph is a GraphQL gateway over the FreeScout helpdesk REST
// API. See README.md for how to run it and DESIGN.md for how it is built.
//
//	scoutgraph [flags]                              serve the gateway
//	scoutgraph emulator --listen ADDR --api-key KEY  serve the FreeScout emulator alone
//	  [--latency D] [--freescout-module 1.0.20] [--without-modules tags,crm] [--webhook-secret S] [--webhook-delay D]
//	scoutgraph webhooks register|list|delete        manage the gateway's webhook in FreeScout
//	scoutgraph healthcheck                          exit 0 when the gateway at LISTEN_ADDR is healthy
//	scoutgraph schema                               print the GraphQL SDL
//	scoutgraph version                              print the version (also --version)
//	scoutgraph help                                 print this (also --help)
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/scoutgraph/scoutgraph/gateway"
	"github.com/scoutgraph/scoutgraph/graph"
	"github.com/scoutgraph/scoutgraph/graphiql"
	"github.com/scoutgraph/scoutgraph/telemetry"
	"github.com/scoutgraph/scoutgraph/upstream"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "scoutgraph:", err)
		os.Exit(1)
	}
}

// run is the whole program: it parses args (args[0] is the program name),
// reads settings through getenv, and serves until ctx is done.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	rest := args[1:]
	cmd := ""
	if len(rest) > 0 && rest[0] != "" && rest[0][0] != '-' {
		cmd, rest = rest[0], rest[1:]
	}
	if cmd == "" && len(rest) > 0 {
		switch rest[0] {
		case "--help", "-help", "-h", "--h":
			cmd = "help"
		case "--version", "-version":
			cmd = "version"
		}
	}
	switch cmd {
	case "":
		err := serve(ctx, rest, getenv, stdout, stderr)
		if errors.Is(err, flag.ErrHelp) {
			return nil // the flag package printed the usage
		}
		return err
	case "help":
		return usage(stdout)
	case "healthcheck":
		return healthcheck(ctx, rest, getenv, stdout, stderr)
	case "emulator":
		return serveEmulator(ctx, rest, getenv, stdout, stderr)
	case "webhooks":
		return webhooksCommand(ctx, rest, getenv, stdout, stderr)
	case "schema":
		_, err := io.WriteString(stdout, graph.SDL())
		return err
	case "version":
		_, err := fmt.Fprintln(stdout, "scoutgraph", version())
		return err
	}
	return fmt.Errorf("unknown command %q (want emulator, webhooks, healthcheck, schema, version or help)", cmd)
}

// usageText is what `scoutgraph help` prints before the settings.
const usageText = `scoutgraph: a GraphQL gateway over the FreeScout helpdesk REST API

usage:
  scoutgraph [flags]                           serve the gateway (settings below, or their environment variables)
  scoutgraph --demo                            serve it on the built-in FreeScout emulator with sample data
  scoutgraph emulator --api-key KEY [flags]    serve the FreeScout emulator alone (scoutgraph emulator --help)
  scoutgraph webhooks register|list|delete     manage the gateway's webhook in FreeScout (scoutgraph webhooks)
  scoutgraph healthcheck                       exit 0 when the gateway at LISTEN_ADDR answers /healthz (for container health checks)
  scoutgraph schema                            print the GraphQL schema (SDL)
  scoutgraph version                           print the version (also --version)
  scoutgraph help                              print this (also --help)

settings (flag, environment variable, default):
`

// usage prints the subcommands and every setting.
func usage(w io.Writer) error {
	var b strings.Builder
	b.WriteString(usageText)
	for _, st := range settings {
		def := st.def
		if def == "" {
			def = "(none)"
		}
		fmt.Fprintf(&b, "  --%-24s %-24s %s\n  %26s %s\n", st.flag, st.env, def, "", st.usage)
	}
	b.WriteString("\nTracing: the standard OTEL_* variables (OTEL_EXPORTER_OTLP_ENDPOINT turns it on; see README).\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// healthcheck asks the gateway listening at LISTEN_ADDR (or --listen) for
// /healthz: for container health checks where there is no shell (the
// image is distroless).
func healthcheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("healthcheck", stderr)
	listen := fs.String("listen", "", "the gateway's listen address [$LISTEN_ADDR] (default 127.0.0.1:8080)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	addr := *listen
	if addr == "" {
		addr = getenv("LISTEN_ADDR")
	}
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("healthcheck: LISTEN_ADDR %q: want host:port", addr)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1" // listening on every address: ask over loopback
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	url := "http://" + net.JoinHostPort(host, port) + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %s: %w", url, err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %d", url, res.StatusCode)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

// buildVersion is set at link time (-ldflags "-X main.buildVersion=v1.2.3")
// by release builds such as the Dockerfile's.
var buildVersion string

// version is the release version, the module version, or the VCS revision
// of a development build.
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "dev-" + s.Value[:12]
		}
	}
	return "dev"
}

// serve runs the gateway.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	logger := slog.New(gateway.NewLogHandler(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.logLevel})))
	redis.SetLogger(redisLogger{logger})
	tuneGC(getenv)
	tel, err := telemetry.Setup(ctx, getenv, version())
	if err != nil {
		return err
	}
	defer func() {
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := tel.Shutdown(shutdownCtx); err != nil {
			logger.Warn("traces not all exported at shutdown", "err", err)
		}
	}()
	if cfg.demo {
		stopDemo, err := startDemo(ctx, &cfg, logger)
		if err != nil {
			return err
		}
		defer stopDemo()
	}
	gw, err := gateway.New(ctx, gateway.Config{
		FreeScoutURL: cfg.freescoutURL, APIKey: cfg.apiKey, RedisURL: cfg.redisURL, CachePrefix: cfg.redisPrefix,
		Concurrency: cfg.concurrency, CacheTTL: cfg.cacheTTL, Timeout: cfg.timeout,
		Auth: cfg.auth, CORSOrigins: cfg.corsOrigins, MaxDepth: cfg.maxDepth, MaxCost: cfg.maxCost,
		RateLimit: cfg.rateLimit, Persisted: cfg.persisted, PersistedFile: cfg.persistedFile,
		DisableIntrospection: !cfg.introspection, RequestTimeout: cfg.requestTimeout,
		WebhookSecret: cfg.webhookSecret, ConversationCacheTTL: cfg.conversationCacheTTL,
		Telemetry: tel, Version: version(),
	}, logger)
	if err != nil {
		return err
	}
	defer gw.Close()
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.listen, err)
	}
	go reloadOnHangup(ctx, gw, logger)
	if cfg.demo {
		if err := registerDemoWebhook(ctx, cfg, ln.Addr().String(), logger); err != nil {
			return err
		}
	}
	ui := "GraphiQL at /, GraphQL at /graphql"
	if !graphiql.Built() {
		ui = "GraphQL at /graphql; GraphiQL is not built into this binary: run make graphiql, then build again"
	}
	fmt.Fprintf(stdout, "scoutgraph %s listening on http://%s (%s)\n", version(), ln.Addr(), ui)
	logger.Info("listening", "addr", ln.Addr().String(), "demo", cfg.demo, "redis", cfg.redisURL != "",
		"graphiql", graphiql.Built(), "tracing", tel.Enabled())
	reportFreeScout(gw.StartErr(), logger)
	return serveHTTP(ctx, ln, gw.Handler(), logger, cfg.maxConns, gw.EndStreams)
}

// reportFreeScout says in one line how FreeScout answered the gateway's
// questions at start (gateway.New asks them with its key): above all, when
// it rejects the key (never the key itself).
func reportFreeScout(err error, logger *slog.Logger) {
	switch {
	case err == nil:
		logger.Info("FreeScout accepts the API key")
	case errors.Is(err, upstream.ErrUnauthorized):
		logger.Error("FreeScout rejects the API key (FREESCOUT_API_KEY): every query will fail until it is fixed; in FreeScout see Manage » API & Webhooks", "err", err)
	default:
		logger.Warn("FreeScout did not answer at start; queries will tell", "err", err)
	}
}

// redisLogger sends go-redis's own log lines through the gateway's JSON
// logger.
type redisLogger struct{ logger *slog.Logger }

// Printf logs one go-redis line as a warning.
func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.logger.WarnContext(ctx, fmt.Sprintf(format, v...), "component", "redis")
}

// reloadOnHangup rereads the tokens file whenever the process gets SIGHUP,
// until ctx ends.
func reloadOnHangup(ctx context.Context, gw *gateway.Gateway, logger *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := gw.ReloadAuth(ctx); err != nil {
				logger.Error("tokens file not reloaded; the callers loaded before stay", "err", err)
			} else {
				logger.Info("tokens file reloaded")
			}
		}
	}
}

// defaultGCPercent is the GOGC the gateway runs with when GOGC is not set.
//
// The gateway keeps little alive between requests (about 1 MiB of caches), so
// with Go's default of 100 the heap goal sits at its 4 MiB floor and a
// collection starts every 4 MiB allocated: one or two during every inbox
// request, each slowing that request with write barriers, mark assists and a
// mark worker on one of the CPUs (measured: 1.6 collections per 50-conversation
// inbox with threads). At 400 the floor is 16 MiB and a collection comes every
// few requests, for about 12 MiB more memory. GOGC and GOMEMLIMIT still apply
// when set.
const defaultGCPercent = 400

// tuneGC sets the garbage collector's target to defaultGCPercent unless the
// GOGC environment variable chooses one.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
}

// serveHTTP serves h on ln until ctx is done, then shuts down gracefully.
// At most maxConns client connections stay open (see connLimit; 0: no
// bound).
//
// When it shuts down, endStreams (if not nil) is called first, so that
// every subscription completes; half a second later the connections'
// contexts are cancelled, which closes the WebSockets (http.Server.Shutdown
// waits for none of them) with a normal closure.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger, maxConns int, endStreams func()) error {
	base, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	srv := &http.Server{
		BaseContext:       func(net.Listener) context.Context { return base },
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       90 * time.Second, // and no WriteTimeout: subscriptions stream
		// (each other request gets a write deadline of its own, see gateway)
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	if maxConns > 0 {
		srv.ConnState = newConnLimit(maxConns).track
	}
	srv.RegisterOnShutdown(func() {
		if endStreams != nil {
			endStreams()
		}
		time.AfterFunc(streamGrace, cancelBase)
	})
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// streamGrace is how long a shutdown lets the streams write their last
// messages (complete) before the WebSockets are closed.
const streamGrace = 500 * time.Millisecond

// registerDemoWebhook makes the demo's emulator deliver its webhooks to the
// gateway listening at addr, so that the demo is live.
func registerDemoWebhook(ctx context.Context, cfg config, addr string, logger *slog.Logger) error {
	client, err := upstream.New(cfg.freescoutURL, cfg.apiKey)
	if err != nil {
		return err
	}
	target := "http://" + addr + webhookPath
	if _, _, err := registerWebhook(ctx, client, target); err != nil {
		return fmt.Errorf("demo webhook: %w", err)
	}
	logger.Info("demo mode: the emulator delivers its webhooks to the gateway", "url", target)
	return nil
}

// startDemo serves the emulator with its sample data on a loopback port and
// points cfg at it, with a random key that is never printed.
func startDemo(ctx context.Context, cfg *config, logger *slog.Logger) (func(), error) {
	key := make([]byte, 16)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("demo key: %w", err)
	}
	cfg.apiKey = hex.EncodeToString(key)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo emulator: listen: %w", err)
	}
	cfg.freescoutURL = "http://" + ln.Addr().String()
	if cfg.webhookSecret == "" {
		cfg.webhookSecret = emulator.DefaultWebhookSecret()
	}
	opts := cfg.demoInstall
	opts.APIKey, opts.WebhookSecret = cfg.apiKey, cfg.webhookSecret
	emu, err := emulator.Open(opts)
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("demo emulator: %w", err)
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	logger.Info("demo mode: built-in FreeScout emulator with sample data", "url", cfg.freescoutURL,
		"module_version", emu.ModuleVersion(), "without_modules", opts.WithoutModules)
	return func() {
		_ = emu.Close()
		_ = srv.Shutdown(context.WithoutCancel(ctx))
	}, nil
}

// serveEmulator runs the FreeScout emulator on its own. The install it
// emulates comes from --freescout-module and --without-modules, or
// FREESCOUT_MODULE and WITHOUT_MODULES (flags win), as for --demo.
func serveEmulator(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("emulator", stderr)
	listen := fs.String("listen", "127.0.0.1:9090", "address to listen on")
	key := fs.String("api-key", "", "API key clients must present (required)")
	latency := fs.Duration("latency", 0, "how long every answer takes (reads are held until then, writes wait first), e.g. 20ms")
	module := fs.String("freescout-module", "", "the API & Webhooks module version to emulate, e.g. 1.0.20 (default: the newest) [$FREESCOUT_MODULE]")
	without := fs.String("without-modules", "", "FreeScout modules the install lacks, a comma list of tags, customfields, crm, timetracking [$WITHOUT_MODULES]")
	secret := fs.String("webhook-secret", "", "the instance's webhook Secret Key that signs deliveries (default: derived from the emulator's APP_KEY, as FreeScout does)")
	delay := fs.Duration("webhook-delay", 0, "how long after a write its webhook deliveries are sent (FreeScout's cron: about a minute), e.g. 1m")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("emulator: unexpected argument %q", fs.Arg(0))
	}
	if *key == "" {
		return errors.New("emulator: --api-key is required")
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if e := strings.TrimSpace(getenv("FREESCOUT_MODULE")); e != "" && !given["freescout-module"] {
		*module = e
	}
	if e := strings.TrimSpace(getenv("WITHOUT_MODULES")); e != "" && !given["without-modules"] {
		*without = e
	}
	opts, err := parseInstall(strings.TrimSpace(*module), *without)
	if err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	if *delay < 0 {
		return fmt.Errorf("emulator: --webhook-delay: want a duration of 0 or more, got %v", *delay)
	}
	opts.APIKey, opts.Latency, opts.WebhookSecret, opts.WebhookDelay = *key, *latency, *secret, *delay
	emu, err := emulator.Open(opts)
	if err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	defer func() { _ = emu.Close() }()
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *listen, err)
	}
	fmt.Fprintf(stdout, "FreeScout emulator listening on http://%s/api\n", ln.Addr())
	logger.Info("emulated install", "module_version", emu.ModuleVersion(), "without_modules", opts.WithoutModules)
	return serveHTTP(ctx, ln, emu, logger, 0, nil)
}
