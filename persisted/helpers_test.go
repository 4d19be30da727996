package persisted

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/scoutgraph/scoutgraph/cache"
)

// testSDL is the schema the tests' operations run against.
const testSDL = `
type Query { hello: String! echo(s: String!): String! }
type Mutation { bump: Int! }
type Subscription { ticks: Int! }
`

// Documents of testSDL, and their hashes.
const (
	helloQuery = "query Hello { hello }"
	echoQuery  = `query Echo($s: String!) { echo(s: $s) }`
	bumpQuery  = "mutation Bump { bump }"
	ticksQuery = "subscription Ticks { ticks }"
)

// testSchema returns an executable schema over testSDL whose every operation
// answers {"ran": <the query text that was executed>}, so that a test sees
// which document ran. A subscription yields that one event and ends.
func testSchema() graphql.ExecutableSchema {
	schema := gqlparser.MustLoadSchema(&ast.Source{Name: "test.graphql", Input: testSDL})
	return &graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return schema },
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) {
			return 1, true
		},
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			data, err := json.Marshal(map[string]string{"ran": graphql.GetOperationContext(ctx).RawQuery})
			if err != nil {
				panic(err)
			}
			return graphql.OneShot(&graphql.Response{Data: data})
		},
	}
}

// testLogger returns a logger writing to the test's log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// newExecutor returns a gqlgen executor over testSchema using the extension
// for cfg (its logger set to the test's).
func newExecutor(t testing.TB, cfg Config) *executor.Executor {
	t.Helper()
	cfg.Logger = testLogger(t)
	ext, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	exec := executor.New(testSchema())
	exec.Use(ext)
	return exec
}

// outcome is what one operation came to: the query that ran, or the first
// error's code and message; and the extension's Stats.
type outcome struct {
	ran     string
	code    string
	message string
	stats   *Stats
}

// run executes p through exec the way gqlgen's transports do.
func run(t testing.TB, exec *executor.Executor, p graphql.RawParams) outcome {
	t.Helper()
	ctx := graphql.StartOperationTrace(t.Context())
	opCtx, errs := exec.CreateOperationContext(ctx, &p)
	var o outcome
	if st, ok := opCtx.Stats.GetExtension(statsName).(*Stats); ok {
		o.stats = st
	}
	if len(errs) > 0 {
		o.code, _ = errs[0].Extensions["code"].(string)
		o.message = errs[0].Message
		return o
	}
	handler, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := handler(ctx)
	if len(resp.Errors) > 0 {
		t.Fatalf("operation failed: %v", resp.Errors)
	}
	var data struct{ Ran string }
	if err := json.Unmarshal(resp.Data, &data); err != nil {
		t.Fatalf("response data %s: %v", resp.Data, err)
	}
	o.ran = data.Ran
	return o
}

// pq returns request extensions naming hash.
func pq(hash string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": json.Number("1"), "sha256Hash": hash}}
}

// defaultTestRedisURL is a database of its own, as the cache package's tests
// use; keys are still all under a prefix unique to the test.
const defaultTestRedisURL = "redis://127.0.0.1:6379/15"

// redisReplicas returns a function that opens another cache.Redis sharing
// one Redis and one key prefix unique to the test: each call is one gateway
// replica. Without a reachable Redis the test is skipped with a visible
// message, or fails when CI=true.
func redisReplicas(t *testing.T) func() cache.Cache {
	t.Helper()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = defaultTestRedisURL
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	prefix := "scoutgraph-test:persisted:" + hex.EncodeToString(b) + ":"
	open := func() cache.Cache {
		t.Helper()
		c, err := cache.NewRedis(url, cache.RedisOptions{Prefix: prefix, OpTimeout: 10 * time.Second})
		if err != nil {
			t.Fatalf("REDIS_URL: %v", err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	probe := open()
	if err := probe.Ping(t.Context()); err != nil {
		msg := "no Redis reachable (set REDIS_URL or start redis-server): " + err.Error()
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPING: " + msg)
	}
	return open
}
