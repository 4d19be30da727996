package gatewaytest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The gateway as a process of its own: the real binary, for tests and
// benchmarks that need several gateways (replicas sharing a Redis) or the
// program exactly as it is run.

// moduleRoot is the directory of the main module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run inside the scoutgraph module")
	}
	return filepath.Dir(gomod), nil
}

// BuildBinary builds the scoutgraph binary into dir and returns its path.
func BuildBinary(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "scoutgraph")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, stderr.Bytes())
	}
	return bin, nil
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// Binary builds the scoutgraph binary once per test binary, into a new
// directory under the system's temporary directory, and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "scoutgraph-test-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath, binErr = BuildBinary(context.Background(), dir)
	})
	if binErr != nil {
		t.Fatalf("build the gateway: %v", binErr)
	}
	return binPath
}

// Process is a running gateway process.
type Process struct {
	cmd  *exec.Cmd
	URL  string // its base URL
	logs *syncBuffer
	done chan error
}

// syncBuffer is a bytes.Buffer safe for a process's writes and a test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// StartProcess runs bin listening on a free loopback port with settings
// ("NAME=value", as environment variables: the API key must not show in
// ps) and nothing else of this process's environment but PATH, HOME and
// TMPDIR, and returns once it listens.
func StartProcess(ctx context.Context, bin string, settings ...string) (*Process, error) {
	cmd := exec.Command(bin)
	cmd.Env = []string{"LISTEN_ADDR=127.0.0.1:0"}
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Env = append(cmd.Env, settings...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p := &Process{cmd: cmd, logs: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start gateway: %w", err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), " listening on "); ok {
				u, _, _ := strings.Cut(rest, " ")
				addr <- u
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { p.done <- cmd.Wait() }()
	select {
	case p.URL = <-addr:
		return p, nil
	case err := <-p.done:
		return nil, fmt.Errorf("gateway exited before listening: %v\n%s", err, p.logs.String())
	case <-time.After(30 * time.Second):
		p.Stop()
		return nil, errors.New("gateway did not start listening within 30s")
	case <-ctx.Done():
		p.Stop()
		return nil, ctx.Err()
	}
}

// StartProcessT is StartProcess for a test: the process stops when the
// test ends, and its log is shown when the test failed.
func StartProcessT(t testing.TB, settings ...string) *Process {
	t.Helper()
	p, err := StartProcess(t.Context(), Binary(t), settings...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("gateway at %s logged:\n%s", p.URL, p.Logs())
		}
	})
	return p
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Logs is what the process wrote to stderr so far.
func (p *Process) Logs() string { return p.logs.String() }

// Stop ends the process gracefully (SIGTERM), or kills it after 10s. It is
// idempotent.
func (p *Process) Stop() {
	select {
	case err := <-p.done:
		p.done <- err // keep it for the next call
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		p.done <- <-p.done
	}
}
