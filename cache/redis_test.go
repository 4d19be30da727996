package cache

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestRedisKeysCarryTTL(t *testing.T) {
	r, raw := newTestRedis(t, RedisOptions{})
	const ttl = 30 * time.Second
	mustSet(t, r, "k", []byte("v"), ttl)

	got, err := r.TTL(t.Context(), "k")
	if err != nil {
		t.Fatalf("TTL: %v", err)
	}
	if got <= 0 || got > ttl {
		t.Errorf("TTL = %s, want in (0, %s]", got, ttl)
	}
	rawTTL, err := raw.PTTL(t.Context(), r.prefix+"k").Result()
	if err != nil {
		t.Fatalf("PTTL: %v", err)
	}
	if rawTTL <= 0 || rawTTL > ttl {
		t.Errorf("PTTL of the raw key = %s, want in (0, %s]", rawTTL, ttl)
	}
}

func TestRedisSubSecondTTLUsesMilliseconds(t *testing.T) {
	// What matters is the command sent: SET with PX 1500, not EX 1 or EX 2.
	// Reading the TTL back would depend on how fast the machine is.
	r, _ := newTestRedis(t, RedisOptions{})
	sent := &setRecorder{}
	r.client.AddHook(sent)
	mustSet(t, r, "k", []byte("v"), 1500*time.Millisecond)
	if got, want := sent.last(), "px 1500"; !strings.Contains(got, want) {
		t.Errorf("sent %q, want a SET with %q", got, want)
	}
	got, err := r.TTL(t.Context(), "k")
	if err != nil {
		t.Fatalf("TTL: %v", err)
	}
	if got <= 0 || got > 1500*time.Millisecond {
		t.Errorf("TTL = %s, want in (0, 1.5s]", got)
	}
}

// setRecorder is a go-redis hook that records the last SET command sent.
type setRecorder struct {
	mu  sync.Mutex
	cmd string
}

func (h *setRecorder) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *setRecorder) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if strings.EqualFold(cmd.Name(), "set") {
			h.mu.Lock()
			h.cmd = strings.ToLower(fmt.Sprintf("%v", cmd.Args()))
			h.mu.Unlock()
		}
		return next(ctx, cmd)
	}
}

func (h *setRecorder) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (h *setRecorder) last() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cmd
}

func TestRedisOverwriteRenewsTTL(t *testing.T) {
	r, _ := newTestRedis(t, RedisOptions{})
	mustSet(t, r, "k", []byte("old"), 50*time.Millisecond)
	mustSet(t, r, "k", []byte("new"), time.Minute)
	got, err := r.TTL(t.Context(), "k")
	if err != nil {
		t.Fatalf("TTL: %v", err)
	}
	if got <= 50*time.Millisecond {
		t.Errorf("TTL after overwrite = %s, want the new ttl of 1m", got)
	}
}

func TestRedisTTLErrors(t *testing.T) {
	r, raw := newTestRedis(t, RedisOptions{})
	if _, err := r.TTL(t.Context(), "absent"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("TTL of a missing key: err = %v, want a does-not-exist error", err)
	}
	if err := raw.Set(t.Context(), r.prefix+"forever", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.TTL(t.Context(), "forever"); err == nil || !strings.Contains(err.Error(), "no expiry") {
		t.Errorf("TTL of a key without expiry: err = %v, want a no-expiry error", err)
	}
}

func TestRedisPrefixIsApplied(t *testing.T) {
	r, raw := newTestRedis(t, RedisOptions{})
	mustSet(t, r, "mailbox:1:fields", []byte("defs"), time.Minute)

	got, err := raw.Get(t.Context(), r.prefix+"mailbox:1:fields").Result()
	if err != nil {
		t.Fatalf("raw GET of the prefixed key: %v", err)
	}
	if got != "defs" {
		t.Errorf("raw value = %q, want %q", got, "defs")
	}
	if n, err := raw.Exists(t.Context(), "mailbox:1:fields").Result(); err != nil || n != 0 {
		t.Errorf("unprefixed key exists: n=%d err=%v", n, err)
	}

	if err := r.Delete(t.Context(), "mailbox:1:fields"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if n, err := raw.Exists(t.Context(), r.prefix+"mailbox:1:fields").Result(); err != nil || n != 0 {
		t.Errorf("prefixed key still exists after Delete: n=%d err=%v", n, err)
	}
}

func TestRedisPrefixesKeepCachesApart(t *testing.T) {
	a, _ := newTestRedis(t, RedisOptions{})
	b, _ := newTestRedis(t, RedisOptions{})
	mustSet(t, a, "k", []byte("a"), time.Minute)
	wantMiss(t, b, "k")
}

func TestNewRedisDefaults(t *testing.T) {
	r, err := NewRedis("redis://127.0.0.1:1/0", RedisOptions{})
	if err != nil {
		t.Fatalf("NewRedis: %v (it must not connect)", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	if r.prefix != "scoutgraph:v1:" {
		t.Errorf("prefix = %q, want %q", r.prefix, "scoutgraph:v1:")
	}
	if r.opTimeout != 150*time.Millisecond {
		t.Errorf("opTimeout = %s, want 150ms", r.opTimeout)
	}
	if err := r.Ping(t.Context()); err == nil {
		t.Error("Ping of a closed port: no error")
	}
}

// TestRedisOpTimeoutBoundsAStalledServer points the cache at a server that
// accepts connections and never answers: each operation must end with a
// timeout error instead of waiting for go-redis's multi-second socket
// timeouts.
func TestRedisOpTimeoutBoundsAStalledServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				<-done
				_ = conn.Close()
			}()
		}
	}()

	r, err := NewRedis("redis://"+l.Addr().String()+"/0", RedisOptions{OpTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })

	start := time.Now()
	_, _, err = r.Get(t.Context(), "k")
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("Get from a stalled server: no error")
	}
	var nerr net.Error
	if !errors.Is(err, context.DeadlineExceeded) && !(errors.As(err, &nerr) && nerr.Timeout()) {
		t.Errorf("Get error = %v, want a timeout", err)
	}
	// go-redis's own socket timeouts are 3s or more; only the operation
	// timeout can end the call sooner.
	if elapsed >= 2*time.Second {
		t.Errorf("Get took %s; the 50ms operation timeout did not bound it", elapsed)
	}
}

func TestParseRedisURL(t *testing.T) {
	tests := []struct {
		name  string
		url   string
		check func(t *testing.T, c redisConfig)
	}{
		{"redis with defaults", "redis://localhost", func(t *testing.T, c redisConfig) {
			wantMode(t, c, modeSingle)
			if c.single.Addr != "localhost:6379" || c.single.DB != 0 || c.single.TLSConfig != nil {
				t.Errorf("addr=%q db=%d tls=%v", c.single.Addr, c.single.DB, c.single.TLSConfig != nil)
			}
		}},
		{"redis with db number", "redis://10.0.0.5:6380/7", func(t *testing.T, c redisConfig) {
			wantMode(t, c, modeSingle)
			if c.single.Addr != "10.0.0.5:6380" || c.single.DB != 7 {
				t.Errorf("addr=%q db=%d", c.single.Addr, c.single.DB)
			}
		}},
		{"redis with password only", "redis://:s3cret@cache:6379/2", func(t *testing.T, c redisConfig) {
			if c.single.Username != "" || c.single.Password != "s3cret" || c.single.DB != 2 {
				t.Errorf("user=%q password=%q db=%d", c.single.Username, c.single.Password, c.single.DB)
			}
		}},
		{"redis with acl user and escaped password", "redis://gw:p%40ss%2Fw0rd@cache:6379", func(t *testing.T, c redisConfig) {
			if c.single.Username != "gw" || c.single.Password != "p@ss/w0rd" {
				t.Errorf("user=%q password=%q", c.single.Username, c.single.Password)
			}
		}},
		{"rediss enables tls", "rediss://:s3cret@cache.example.com:6380/1", func(t *testing.T, c redisConfig) {
			wantMode(t, c, modeSingle)
			if c.single.TLSConfig == nil || c.single.TLSConfig.ServerName != "cache.example.com" {
				t.Errorf("tls config = %+v, want ServerName cache.example.com", c.single.TLSConfig)
			}
		}},
		{"ipv6 host", "redis://[::1]:6379/3", func(t *testing.T, c redisConfig) {
			if c.single.Addr != "[::1]:6379" || c.single.DB != 3 {
				t.Errorf("addr=%q db=%d", c.single.Addr, c.single.DB)
			}
		}},
		{"go-redis query options", "redis://cache/0?dial_timeout=2s&pool_size=20", func(t *testing.T, c redisConfig) {
			if c.single.DialTimeout != 2*time.Second || c.single.PoolSize != 20 {
				t.Errorf("dial_timeout=%s pool_size=%d", c.single.DialTimeout, c.single.PoolSize)
			}
		}},
		{"dialer_retries in the url wins", "redis://node1:7000?addr=node2:7001&dialer_retries=3", func(t *testing.T, c redisConfig) {
			if c.cluster.DialerRetries != 3 {
				t.Errorf("dialer_retries=%d, want 3", c.cluster.DialerRetries)
			}
		}},
		{"cache defaults applied", "redis://cache", func(t *testing.T, c redisConfig) {
			if !c.single.ContextTimeoutEnabled || c.single.DialerRetries != 1 || c.single.MaxRetries != 1 {
				t.Errorf("context_timeout_enabled=%v dialer_retries=%d max_retries=%d, want true, 1 and 1",
					c.single.ContextTimeoutEnabled, c.single.DialerRetries, c.single.MaxRetries)
			}
		}},
		{"max_retries in the url wins", "redis://cache?max_retries=-1", func(t *testing.T, c redisConfig) {
			if c.single.MaxRetries != -1 {
				t.Errorf("max_retries=%d, want -1", c.single.MaxRetries)
			}
		}},
		{"unix socket", "unix:///run/redis/redis.sock?db=4", func(t *testing.T, c redisConfig) {
			wantMode(t, c, modeSingle)
			if c.single.Network != "unix" || c.single.Addr != "/run/redis/redis.sock" || c.single.DB != 4 {
				t.Errorf("network=%q addr=%q db=%d", c.single.Network, c.single.Addr, c.single.DB)
			}
		}},
		{"cluster", "redis://:s3cret@node1:7000?addr=node2:7001&addr=node3:7002&addr=node1:7000", func(t *testing.T, c redisConfig) {
			wantMode(t, c, modeCluster)
			want := []string{"node1:7000", "node2:7001", "node3:7002"}
			if !slices.Equal(c.cluster.Addrs, want) || c.cluster.Password != "s3cret" {
				t.Errorf("addrs=%q password=%q, want %q", c.cluster.Addrs, c.cluster.Password, want)
			}
			if !c.cluster.ContextTimeoutEnabled || c.cluster.DialerRetries != 1 || c.cluster.MaxRetries != 1 {
				t.Error("cache defaults not applied to the cluster options")
			}
		}},
		{"cluster over tls with db 0", "rediss://node1:7000/0?addr=node2:7001", func(t *testing.T, c redisConfig) {
			wantMode(t, c, modeCluster)
			if c.cluster.TLSConfig == nil || len(c.cluster.Addrs) != 2 {
				t.Errorf("tls=%v addrs=%q", c.cluster.TLSConfig != nil, c.cluster.Addrs)
			}
		}},
		{"sentinel", "redis://:sentinelpw@s1:26379/2?master_name=mymaster&addr=s2:26379&password=masterpw", func(t *testing.T, c redisConfig) {
			wantMode(t, c, modeSentinel)
			o := c.sentinel
			if o.MasterName != "mymaster" || !slices.Equal(o.SentinelAddrs, []string{"s1:26379", "s2:26379"}) || o.DB != 2 {
				t.Errorf("master=%q sentinels=%q db=%d", o.MasterName, o.SentinelAddrs, o.DB)
			}
			if o.SentinelPassword != "sentinelpw" || o.Password != "masterpw" {
				t.Errorf("sentinel password=%q master password=%q", o.SentinelPassword, o.Password)
			}
			if !o.ContextTimeoutEnabled || o.DialerRetries != 1 || o.MaxRetries != 1 {
				t.Error("cache defaults not applied to the sentinel options")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseRedisURL(tt.url)
			if err != nil {
				t.Fatalf("parseRedisURL(%q): %v", tt.url, err)
			}
			tt.check(t, c)
		})
	}
}

func wantMode(t *testing.T, c redisConfig, want redisMode) {
	t.Helper()
	if c.mode != want {
		t.Fatalf("mode = %s, want %s", c.mode, want)
	}
}

func TestNewRedisRejectsBadURLs(t *testing.T) {
	const secret = "s3cret"
	tests := []struct {
		name    string
		url     string
		wantMsg string // a part of the error message
	}{
		{"empty", "", "empty"},
		{"http scheme", "http://:s3cret@cache:6379", `unsupported scheme "http"`},
		{"sentinel scheme not supported", "redis-sentinel://:s3cret@s1:26379/0?master=mymaster", `unsupported scheme "redis-sentinel"`},
		{"no scheme", "cache:6379", "unsupported scheme"},
		{"missing slashes", "redis::s3cret@cache:6379", "missing //"},
		{"bad port", "redis://:s3cret@cache:port/0", "invalid port"},
		{"bad db number", "redis://:s3cret@cache:6379/zero", "invalid database number"},
		{"path too long", "redis://:s3cret@cache:6379/1/2", "invalid URL path"},
		{"unknown option", "redis://:s3cret@cache:6379/0?colour=blue", "unexpected option: colour"},
		{"bad option value", "redis://:s3cret@cache:6379/0?dial_timeout=soon", "dial_timeout"},
		{"bad cluster addr", "redis://:s3cret@node1:7000?addr=node2", "addr"},
		{"cluster with a db", "redis://:s3cret@node1:7000/3?addr=node2:7001", "database 0 only"},
		{"empty master name", "redis://:s3cret@s1:26379?master_name=", "master_name is empty"},
		{"unescaped percent in password", "redis://:s3cr%zzet@cache:6379", "malformed user or password"},
		{"unescaped slash in password", "redis://:12/s3cret@cache:6379", "malformed user or password"},
		{"unescaped question mark in password", "redis://:12?s3cret@cache:6379", "malformed user or password"},
		{"unescaped hash in password", "redis://:s3c#ret@cache:6379", "malformed user or password"},
		{"password in query of a malformed url", "redis://ca che:26379?master_name=m&password=s3cret", "invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewRedis(tt.url, RedisOptions{})
			if err == nil {
				_ = r.Close()
				t.Fatalf("NewRedis(%q): no error", tt.url)
			}
			msg := err.Error()
			if strings.Contains(msg, secret) || strings.Contains(msg, "s3cr") {
				t.Errorf("error leaks the password: %q", msg)
			}
			if !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("error = %q, want it to mention %q", msg, tt.wantMsg)
			}
			if !strings.HasPrefix(msg, "cache: ") {
				t.Errorf("error = %q, want the package prefix", msg)
			}
		})
	}
}
