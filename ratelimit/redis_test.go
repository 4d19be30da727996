package ratelimit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// defaultTestRedisURL is a database of its own, as the cache package's tests
// use; every key is still under a prefix unique to the test.
const defaultTestRedisURL = "redis://127.0.0.1:6379/15"

// redisReplicas returns two Redis limiters, each with its own client, over
// one Redis and one key prefix unique to the test: two gateway replicas.
// Without a reachable Redis the test is skipped with a visible message, or
// fails when CI=true. The test's keys are deleted when it ends.
func redisReplicas(t *testing.T, r Rate) (Limiter, Limiter) {
	t.Helper()
	raw := os.Getenv("REDIS_URL")
	if raw == "" {
		raw = defaultTestRedisURL
	}
	opt, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	opt.ContextTimeoutEnabled = true
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	prefix := "scoutgraph-test:ratelimit:" + hex.EncodeToString(b) + ":"
	replica := func() (Limiter, *redis.Client) {
		client := redis.NewClient(opt)
		t.Cleanup(func() { client.Close() })
		l, err := NewRedis(client, r, RedisOptions{Prefix: prefix, OpTimeout: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return l, client
	}
	a, client := replica()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		msg := "no Redis reachable (set REDIS_URL or start redis-server): " + err.Error()
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPING: " + msg)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		keys, err := client.Keys(ctx, "rate:"+prefix+"*").Result()
		if err == nil && len(keys) > 0 {
			err = client.Del(ctx, keys...).Err()
		}
		if err != nil {
			t.Errorf("deleting the test's keys: %v", err)
		}
	})
	b2, _ := replica()
	return a, b2
}

func TestRedisContract(t *testing.T)          { testContract(t, redisReplicas) }
func TestRedisConcurrentTakes(t *testing.T)   { testConcurrentTakes(t, redisReplicas) }
func TestRedisConcurrentRefunds(t *testing.T) { testConcurrentRefunds(t, redisReplicas) }

func TestRedisUnavailable(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { client.Close() })
	l, err := NewRedis(client, contractRate, RedisOptions{OpTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := l.Take(t.Context(), "k", 1); err == nil {
		t.Errorf("Take on an unreachable Redis = %+v, no error", res)
	}
	if res, err := l.Refund(t.Context(), "k", 1); err == nil {
		t.Errorf("Refund on an unreachable Redis = %+v, no error", res)
	}
	if res, err := l.Peek(t.Context(), "k"); err == nil {
		t.Errorf("Peek on an unreachable Redis = %+v, no error", res)
	}
}
