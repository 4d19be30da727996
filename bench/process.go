package main

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
	"strconv"
	"strings"
	"syscall"
	"time"
)

// moduleRoot is the directory of the main module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run the benchmark inside the scoutgraph module")
	}
	return filepath.Dir(gomod), nil
}

// buildGateway builds the real scoutgraph binary into dir.
func buildGateway(ctx context.Context, dir string) (string, error) {
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

// gatewayEnv is the environment of the gateway process: the caller's,
// without any scoutgraph setting (a REDIS_URL of the caller must not turn
// the in-memory cache into a shared one), plus the given settings.
func gatewayEnv(settings ...string) []string {
	own := []string{"FREESCOUT_URL", "FREESCOUT_API_KEY", "LISTEN_ADDR", "REDIS_URL", "DEMO",
		"UPSTREAM_CONCURRENCY", "CACHE_TTL", "UPSTREAM_TIMEOUT", "LOG_LEVEL"}
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, o := range own {
			keep = keep && name != o
		}
		if keep {
			env = append(env, kv)
		}
	}
	return append(env, settings...)
}

// gatewayProc is a running gateway process.
type gatewayProc struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer // its stderr, shown when it fails
	done chan error
}

// startGateway runs bin in front of FreeScout at upstreamURL, listening on
// a free loopback port, with an empty in-memory cache.
func startGateway(ctx context.Context, bin, upstreamURL, apiKey string) (*gatewayProc, error) {
	cmd := exec.Command(bin)
	// The key goes through the environment, not argv, which ps shows.
	cmd.Env = gatewayEnv("FREESCOUT_URL="+upstreamURL, "FREESCOUT_API_KEY="+apiKey,
		"LISTEN_ADDR=127.0.0.1:0", "LOG_LEVEL=warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p := &gatewayProc{cmd: cmd, logs: &bytes.Buffer{}, done: make(chan error, 1)}
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
	case p.url = <-addr:
		return p, nil
	case err := <-p.done:
		return nil, fmt.Errorf("gateway exited before listening: %v\n%s", err, p.logs.Bytes())
	case <-time.After(15 * time.Second):
		p.stop()
		return nil, errors.New("gateway did not start listening within 15s")
	case <-ctx.Done():
		p.stop()
		return nil, ctx.Err()
	}
}

// stop ends the process gracefully (SIGTERM), or kills it after 5s.
func (p *gatewayProc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// cpuTime is the CPU time (user + system) a process has used so far, read
// two ways: the sum of its threads' schedstat run times (nanoseconds; 0
// when the kernel does not provide them), and utime+stime of
// /proc/<pid>/stat (which also counts threads that exited, in clock ticks
// of 10ms).
func cpuTime(pid int) (sched, stat time.Duration, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("gateway cpu time: %w", err)
	}
	// The command name, in parentheses, may hold spaces: count fields after it.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("gateway cpu time: short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, fmt.Errorf("gateway cpu time: %w", err)
	}
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	stat = time.Duration(utime+stime) * tick
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // the thread exited meanwhile
		}
		first, _, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
		if ns, err := strconv.ParseInt(first, 10, 64); err == nil {
			sched += time.Duration(ns)
		}
	}
	return sched, stat, nil
}
