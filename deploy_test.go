package main

// The tests of deploy/: the compose file and the Kubernetes manifests are
// parsed and checked against what the binary reads (the settings slice of
// config.go, parseConfig, the auth package, the Dockerfile's image), so that
// renaming a setting, moving the port or dropping a probe fails here rather
// than in somebody's cluster. Run them alone with `go test -run Deploy .`.

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

const (
	composePath    = "deploy/compose.yaml"
	kubernetesDir  = "deploy/kubernetes"
	dockerfilePath = "Dockerfile"

	// livenessPath and readinessPath are the gateway's probe endpoints
	// (gateway.routes).
	livenessPath  = "/healthz"
	readinessPath = "/readyz"

	// shutdownWait is the longest a gateway takes to stop after SIGTERM:
	// serveHTTP's 15 s for the requests in flight, after the streams'
	// grace. Whatever stops it (compose, the kubelet) must wait longer.
	shutdownWait = 15*time.Second + streamGrace

	// streamSilence is the longest a healthy stream stays silent: the
	// gateway pings WebSockets every 20 s and writes an SSE comment every
	// 15 s (gateway/streams.go). A proxy's read timeout must be longer.
	streamSilence = 20 * time.Second
)

// runtimeEnv are the variables the gateway honours without a setting of its
// own: the OpenTelemetry SDK's and the Go runtime's.
var runtimeEnv = []string{
	"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS",
	"OTEL_SERVICE_NAME", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "OTEL_RESOURCE_ATTRIBUTES",
	"GOGC", "GOMEMLIMIT",
}

// requiredEnv are the settings a gateway cannot start without (outside
// demo mode).
var requiredEnv = []string{"FREESCOUT_URL", "FREESCOUT_API_KEY"}

// knownEnv maps every variable the binary reads to where it is read: the
// settings of ss, then runtimeEnv.
func knownEnv(ss []setting) map[string]string {
	known := map[string]string{}
	for _, s := range ss {
		known[s.env] = "setting --" + s.flag
	}
	for _, e := range runtimeEnv {
		known[e] = "read by the OpenTelemetry SDK or the Go runtime"
	}
	return known
}

// unknownEnv returns a problem for every name of env that known lacks.
func unknownEnv(known map[string]string, env map[string]string) []string {
	var problems []string
	for _, name := range slices.Sorted(maps.Keys(env)) {
		if _, ok := known[name]; !ok {
			problems = append(problems, fmt.Sprintf("%s is not a variable the gateway reads: neither an env of the settings in config.go nor one of %v (renamed? update the manifests and compose.yaml with it)", name, runtimeEnv))
		}
	}
	return problems
}

// checkGatewayEnv checks the whole environment of one gateway container as
// the binary would: names it knows, the required settings, the rule on
// anonymous callers, and parseConfig and the authenticator accepting it;
// and that replicas of it share a Redis. tokensFile is where
// AUTH_TOKENS_FILE's content is on this machine.
func checkGatewayEnv(t *testing.T, where string, env map[string]string, tokensFile string, replicas int) {
	t.Helper()
	if replicas > 1 && env["REDIS_URL"] == "" {
		t.Errorf("%s: %d replicas without REDIS_URL: each would keep its own cache, budgets and event bus", where, replicas)
	}
	for _, p := range unknownEnv(knownEnv(settings), env) {
		t.Errorf("%s: %s", where, p)
	}
	known := knownEnv(settings)
	for _, name := range requiredEnv {
		if _, ok := known[name]; !ok {
			t.Errorf("requiredEnv lists %s, which config.go no longer has: update deploy_test.go and deploy/", name)
		}
		if strings.TrimSpace(env[name]) == "" && env["DEMO"] == "" {
			t.Errorf("%s: %s is required and not set", where, name)
		}
	}
	// The binary's rule (parseCallerSettings): AUTH=none beyond loopback
	// only in demo mode or with ALLOW_ANONYMOUS.
	listen := cmpOr(env["LISTEN_ADDR"], settingDefault("LISTEN_ADDR"))
	modes, err := auth.ParseModes(cmpOr(env["AUTH"], settingDefault("AUTH")))
	if err != nil {
		t.Errorf("%s: AUTH: %v", where, err)
	}
	demo, _ := parseBool(env["DEMO"])
	anonymous, _ := parseBool(env["ALLOW_ANONYMOUS"])
	if slices.Contains(modes, auth.ModeNone) && !loopback(listen) && !demo && !anonymous {
		t.Errorf("%s: AUTH lists none and LISTEN_ADDR %s is not loopback: the gateway refuses to start without ALLOW_ANONYMOUS", where, listen)
	}
	cfg, err := parseConfig(nil, envOf(env), io.Discard)
	if err != nil {
		t.Errorf("%s: the gateway would not start: %v", where, err)
		return
	}
	if cfg.auth.TokensFile != "" {
		if tokensFile == "" {
			t.Errorf("%s: AUTH_TOKENS_FILE %s: no file of deploy/ is mounted there", where, cfg.auth.TokensFile)
			return
		}
		cfg.auth.TokensFile = tokensFile
	}
	if !slices.Contains(cfg.auth.Modes, auth.ModeJWT) { // jwt would fetch the JWKS
		a, err := auth.New(t.Context(), cfg.auth)
		if err != nil {
			t.Errorf("%s: the gateway would not start: %v", where, err)
			return
		}
		a.Close()
	}
}

// settingDefault is the built-in default of the setting read from env.
func settingDefault(env string) string {
	for _, s := range settings {
		if s.env == env {
			return s.def
		}
	}
	return ""
}

func cmpOr(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// portOf returns the port of a host:port address or of a URL.
func portOf(t *testing.T, addr string) string {
	t.Helper()
	if u, err := url.Parse(addr); err == nil && u.Scheme != "" && u.Host != "" {
		if p := u.Port(); p != "" {
			return p
		}
		return map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Errorf("%q: want host:port: %v", addr, err)
	}
	return port
}

// image is what the Dockerfile's final stage says of the image.
type image struct {
	env        map[string]string
	user       string
	entrypoint []string
}

// readImage reads the final stage of the Dockerfile.
func readImage(t *testing.T) image {
	t.Helper()
	b, err := os.ReadFile(dockerfilePath)
	if err != nil {
		t.Fatal(err)
	}
	var img image
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		instr, args, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		switch strings.ToUpper(instr) {
		case "FROM":
			img = image{env: map[string]string{}}
		case "ENV":
			for kv := range strings.FieldsSeq(args) {
				k, v, _ := strings.Cut(kv, "=")
				img.env[k] = v
			}
		case "USER":
			img.user = strings.TrimSpace(args)
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(args), &img.entrypoint); err != nil {
				t.Fatalf("%s: ENTRYPOINT %s: want the exec form: %v", dockerfilePath, args, err)
			}
		}
	}
	if len(img.entrypoint) == 0 {
		t.Fatalf("%s: no ENTRYPOINT in the final stage", dockerfilePath)
	}
	return img
}

// --- compose ---

// composeFile is the part of a compose file these tests read.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Secrets  map[string]struct {
		File string `yaml:"file"`
	} `yaml:"secrets"`
}

type composeService struct {
	Image       string       `yaml:"image"`
	Build       composeBuild `yaml:"build"`
	Command     []string     `yaml:"command"`
	Environment composeEnv   `yaml:"environment"`
	EnvFile     composeFiles `yaml:"env_file"`
	Secrets     []composeRef `yaml:"secrets"`
	Volumes     []string     `yaml:"volumes"`
	Ports       []string     `yaml:"ports"`
	Healthcheck struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	StopGracePeriod string `yaml:"stop_grace_period"`
}

// composeBuild is build: a context path or a mapping.
type composeBuild struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
}

func (b *composeBuild) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		b.Context = n.Value
		return nil
	}
	type plain composeBuild
	return n.Decode((*plain)(b))
}

// composeEnv is environment: a mapping or a list of NAME=value.
type composeEnv map[string]string

func (e *composeEnv) UnmarshalYAML(n *yaml.Node) error {
	*e = composeEnv{}
	if n.Kind == yaml.MappingNode {
		return n.Decode((*map[string]string)(e))
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return err
	}
	for _, kv := range list {
		k, v, _ := strings.Cut(kv, "=")
		(*e)[k] = v
	}
	return nil
}

// composeFiles is env_file: a path, or a list of paths or {path, required}.
type composeFiles []string

func (f *composeFiles) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*f = composeFiles{n.Value}
		return nil
	}
	for _, item := range n.Content {
		if item.Kind == yaml.ScalarNode {
			*f = append(*f, item.Value)
			continue
		}
		var long struct {
			Path string `yaml:"path"`
		}
		if err := item.Decode(&long); err != nil {
			return err
		}
		*f = append(*f, long.Path)
	}
	return nil
}

// composeRef is a service's secret: a name or {source, target}.
type composeRef struct {
	Source string `yaml:"source"`
	Target string `yaml:"target"`
}

func (r *composeRef) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		r.Source = n.Value
		return nil
	}
	type plain composeRef
	return n.Decode((*plain)(r))
}

// readCompose parses compose.yaml.
func readCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile(composePath)
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s: %v", composePath, err)
	}
	return c
}

// readEnvFile parses a compose env file: NAME=value lines, # comments.
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("env_file: %v", err)
	}
	env := map[string]string{}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("%s:%d: want NAME=value", path, i+1)
			continue
		}
		env[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"'`)
	}
	return env
}

// fromRepo reports whether s runs the image built from this repository.
func (s composeService) fromRepo() bool {
	return filepath.Clean(filepath.Join(filepath.Dir(composePath), s.Build.Context)) == "." &&
		cmpOr(s.Build.Dockerfile, "Dockerfile") == dockerfilePath
}

// gateways returns the names of the services that serve the gateway: the
// repository's image with no subcommand.
func (c composeFile) gateways() []string {
	var names []string
	for name, s := range c.Services {
		if s.fromRepo() && len(s.Command) == 0 {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// env is the environment of service s: the image's, then its env files',
// then its environment's (compose's precedence).
func (c composeFile) env(t *testing.T, img image, s composeService) map[string]string {
	env := maps.Clone(img.env)
	for _, f := range s.EnvFile {
		for k, v := range readEnvFile(t, filepath.Join(filepath.Dir(composePath), f)) {
			env[k] = v
		}
	}
	for k, v := range s.Environment {
		env[k] = v
	}
	return env
}

// mounted returns the file of deploy/ that service s sees at path: a secret
// (/run/secrets/TARGET) or a bind mount.
func (c composeFile) mounted(s composeService, path string) string {
	for _, ref := range s.Secrets {
		if "/run/secrets/"+cmpOr(ref.Target, ref.Source) == path {
			if sec, ok := c.Secrets[ref.Source]; ok && sec.File != "" {
				return filepath.Join(filepath.Dir(composePath), sec.File)
			}
		}
	}
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 && parts[1] == path {
			return filepath.Join(filepath.Dir(composePath), parts[0])
		}
	}
	return ""
}

// hostService returns the compose service a URL's host names, checking that
// there is one.
func (c composeFile) hostService(t *testing.T, where, name, rawURL string) (string, composeService) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		t.Errorf("%s: %s %q: want a URL", where, name, rawURL)
		return "", composeService{}
	}
	s, ok := c.Services[u.Hostname()]
	if !ok {
		t.Errorf("%s: %s %s: %s is no service of %s", where, name, rawURL, u.Hostname(), composePath)
	}
	return u.Hostname(), s
}

// TestDeployCompose checks deploy/compose.yaml: the gateways' environment,
// health check and stop period; the emulator, Redis, collector and nginx
// they are wired to.
func TestDeployCompose(t *testing.T) {
	t.Parallel()
	c, img := readCompose(t), readImage(t)
	gateways := c.gateways()
	if len(gateways) < 2 {
		t.Fatalf("%s: want two or more gateway services (the repository's image, no subcommand), got %v", composePath, gateways)
	}
	collectors := map[string]bool{}
	for _, name := range gateways {
		s := c.Services[name]
		where := composePath + ": " + name
		env := c.env(t, img, s)
		checkGatewayEnv(t, where, env, c.mounted(s, env["AUTH_TOKENS_FILE"]), len(gateways))

		want := []string{"CMD", img.entrypoint[0], "healthcheck"}
		if !slices.Equal(s.Healthcheck.Test, want) {
			t.Errorf("%s: healthcheck.test is %q, want %q: the image is distroless, only the binary's healthcheck subcommand can probe it", where, s.Healthcheck.Test, want)
		}
		if d, err := time.ParseDuration(s.StopGracePeriod); err != nil || d <= shutdownWait {
			t.Errorf("%s: stop_grace_period %q: want a duration longer than the %v the gateway may take to stop", where, s.StopGracePeriod, shutdownWait)
		}

		// FreeScout: the emulator of the same image, with the same key, and
		// signing its deliveries with the gateway's WEBHOOK_SECRET.
		if host, emu := c.hostService(t, where, "FREESCOUT_URL", env["FREESCOUT_URL"]); host != "" && emu.fromRepo() {
			args := emu.Command
			if len(args) != 5 || args[0] != "emulator" || args[1] != "--listen" || args[3] != "--api-key" {
				t.Errorf("%s: FREESCOUT_URL names %s; want its command to be [emulator --listen ADDR --api-key KEY], got %q", where, host, args)
			} else {
				if portOf(t, args[2]) != portOf(t, env["FREESCOUT_URL"]) {
					t.Errorf("%s: FREESCOUT_URL %s, but the emulator listens on %s", where, env["FREESCOUT_URL"], args[2])
				}
				if args[4] != env["FREESCOUT_API_KEY"] {
					t.Errorf("%s: FREESCOUT_API_KEY is not the emulator's --api-key", where)
				}
			}
			if env["WEBHOOK_SECRET"] != emulator.DefaultWebhookSecret() {
				t.Errorf("%s: WEBHOOK_SECRET is not the Secret Key the emulator signs with (emulator.DefaultWebhookSecret): every delivery would be refused", where)
			}
		}
		if host, _ := c.hostService(t, where, "REDIS_URL", env["REDIS_URL"]); host != "" && !strings.HasPrefix(c.Services[host].Image, "redis:") {
			t.Errorf("%s: REDIS_URL names %s, which does not run a redis image", where, host)
		}
		// FreeScout delivers to PUBLIC_URL: a service of the compose network.
		c.hostService(t, where, "PUBLIC_URL", env["PUBLIC_URL"])
		if host, col := c.hostService(t, where, "OTEL_EXPORTER_OTLP_ENDPOINT", env["OTEL_EXPORTER_OTLP_ENDPOINT"]); host != "" && !collectors[host] {
			collectors[host] = true
			checkCollector(t, c, col, portOf(t, env["OTEL_EXPORTER_OTLP_ENDPOINT"]))
		}
	}
	checkNginx(t, c, img)
}

// checkCollector checks that the collector service col receives OTLP over
// HTTP on port and passes it to a traces pipeline.
func checkCollector(t *testing.T, c composeFile, col composeService, port string) {
	t.Helper()
	var configPath string
	for _, a := range col.Command {
		if p, ok := strings.CutPrefix(a, "--config="); ok {
			configPath = p
		}
	}
	file := c.mounted(col, configPath)
	if file == "" {
		t.Errorf("%s: the collector's --config %q is not mounted from deploy/", composePath, configPath)
		return
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var conf struct {
		Receivers struct {
			OTLP struct {
				Protocols struct {
					HTTP struct {
						Endpoint string `yaml:"endpoint"`
					} `yaml:"http"`
				} `yaml:"protocols"`
			} `yaml:"otlp"`
		} `yaml:"receivers"`
		Service struct {
			Pipelines map[string]struct {
				Receivers []string `yaml:"receivers"`
				Exporters []string `yaml:"exporters"`
			} `yaml:"pipelines"`
		} `yaml:"service"`
	}
	if err := yaml.Unmarshal(b, &conf); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if got := conf.Receivers.OTLP.Protocols.HTTP.Endpoint; got == "" || portOf(t, got) != port {
		t.Errorf("%s: the OTLP/HTTP receiver listens on %q; the gateways send to port %s", file, got, port)
	}
	if p := conf.Service.Pipelines["traces"]; !slices.Contains(p.Receivers, "otlp") || len(p.Exporters) == 0 {
		t.Errorf("%s: want a traces pipeline from the otlp receiver to an exporter, got %+v", file, p)
	}
}

// checkNginx checks the load balancer: every gateway is an upstream server
// on its LISTEN_ADDR port, and streams pass unbuffered with long timeouts.
func checkNginx(t *testing.T, c composeFile, img image) {
	t.Helper()
	var conf []byte
	for name, s := range c.Services {
		if file := c.mounted(s, "/etc/nginx/nginx.conf"); file != "" {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			conf = b
			if len(s.Ports) == 0 {
				t.Errorf("%s: %s publishes no port", composePath, name)
			}
		}
	}
	if conf == nil {
		t.Log("no nginx service: each gateway publishes its own port")
		return
	}
	servers := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s*server\s+([^\s;{]+)[^;{]*;`).FindAllSubmatch(conf, -1) {
		servers[string(m[1])] = true
	}
	for _, name := range c.gateways() {
		env := c.env(t, img, c.Services[name])
		addr := name + ":" + portOf(t, cmpOr(env["LISTEN_ADDR"], settingDefault("LISTEN_ADDR")))
		if !servers[addr] {
			t.Errorf("nginx.conf: no upstream server %s (got %v)", addr, slices.Sorted(maps.Keys(servers)))
		}
	}
	for _, directive := range []string{
		`proxy_http_version\s+1\.1;`,                            // WebSocket upgrades and kept-alive upstreams
		`proxy_set_header\s+Upgrade\s+\$http_upgrade;`,          // WebSocket
		`proxy_set_header\s+Connection\s+\$connection_upgrade;`, // WebSocket
		`proxy_buffering\s+off;`,                                // SSE
	} {
		if !regexp.MustCompile(directive).Match(conf) {
			t.Errorf("nginx.conf: want %s", directive)
		}
	}
	for _, name := range []string{"proxy_read_timeout", "proxy_send_timeout"} {
		m := regexp.MustCompile(name + `\s+(\d+)([smh]?);`).FindSubmatch(conf)
		if m == nil {
			t.Errorf("nginx.conf: want %s longer than %v (nginx's default is 60s)", name, streamSilence)
			continue
		}
		if d, _ := time.ParseDuration(string(m[1]) + cmpOr(string(m[2]), "s")); d <= streamSilence {
			t.Errorf("nginx.conf: %s %s%s: want longer than %v, the longest a stream stays silent", name, m[1], m[2], streamSilence)
		}
	}
}

// TestDeployComposeTokens: the demo token that compose.yaml documents is a
// caller of the tokens file the gateways mount.
func TestDeployComposeTokens(t *testing.T) {
	t.Parallel()
	c, img := readCompose(t), readImage(t)
	checked := map[string]bool{}
	for _, name := range c.gateways() {
		s := c.Services[name]
		file := c.mounted(s, c.env(t, img, s)["AUTH_TOKENS_FILE"])
		if file == "" || checked[file] {
			continue // none: TestDeployCompose says so
		}
		checked[file] = true
		a, err := auth.New(t.Context(), auth.Config{Modes: []auth.Mode{auth.ModeTokens}, TokensFile: file})
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		defer a.Close()
		if _, err := a.Authenticate(t.Context(), auth.Credentials{Bearer: "compose-demo-token"}); err != nil {
			t.Errorf("%s: the demo token of compose.yaml and README.md is refused: %v", file, err)
		}
	}
}

// TestDeployHealthcheckSubcommand: what the compose health check runs,
// `scoutgraph healthcheck` with the gateway's environment, succeeds on a
// healthy /healthz at LISTEN_ADDR's port and fails on an unhealthy one.
func TestDeployHealthcheckSubcommand(t *testing.T) {
	t.Parallel()
	c, img := readCompose(t), readImage(t)
	gateways := c.gateways()
	if len(gateways) == 0 {
		t.Fatalf("%s: no gateway service", composePath)
	}
	env := c.env(t, img, c.Services[gateways[0]])
	for _, status := range []int{http.StatusOK, http.StatusServiceUnavailable} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != livenessPath {
				http.NotFound(w, r)
				return
			}
			w.WriteHeader(status)
		}))
		env["LISTEN_ADDR"] = srv.Listener.Addr().String()
		err := run(t.Context(), []string{"scoutgraph", "healthcheck"}, envOf(env), io.Discard, io.Discard)
		srv.Close()
		if err != nil && strings.Contains(err.Error(), "unknown command") {
			t.Skipf("the binary has no healthcheck subcommand yet, which %s's health check runs: %v", composePath, err)
		}
		if healthy := status == http.StatusOK; (err == nil) != healthy {
			t.Errorf("healthcheck against a %d /healthz: err = %v", status, err)
		}
	}
}

// --- Kubernetes ---

// k8sObject is one document of deploy/kubernetes.
type k8sObject struct {
	file       string
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name      string            `yaml:"name"`
		Namespace string            `yaml:"namespace"`
		Labels    map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`       // ConfigMap
	StringData map[string]string `yaml:"stringData"` // Secret
	Resources  []string          `yaml:"resources"`  // Kustomization
	node       *yaml.Node
}

// spec decodes the object's spec into v.
func (o k8sObject) spec(t *testing.T, v any) {
	t.Helper()
	var doc struct {
		Spec yaml.Node `yaml:"spec"`
	}
	if err := o.node.Decode(&doc); err != nil {
		t.Fatalf("%s: %v", o.file, err)
	}
	if err := doc.Spec.Decode(v); err != nil {
		t.Fatalf("%s: %s spec: %v", o.file, o.Kind, err)
	}
}

// intOrString is a Kubernetes IntOrString: a port number or name, a count
// or percentage.
type intOrString string

func (p *intOrString) UnmarshalYAML(n *yaml.Node) error { *p = intOrString(n.Value); return nil }

type labelSelector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}

// selects reports whether a non-empty selector matches pods labelled labels.
func (s labelSelector) selects(labels map[string]string) bool {
	return len(s.MatchLabels) > 0 && selects(s.MatchLabels, labels)
}

// selects reports whether every label of selector is one of labels.
func selects(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

type keyRef struct {
	Name string `yaml:"name"`
	Key  string `yaml:"key"`
}

type k8sProbe struct {
	HTTPGet *struct {
		Path string      `yaml:"path"`
		Port intOrString `yaml:"port"`
	} `yaml:"httpGet"`
	TimeoutSeconds int `yaml:"timeoutSeconds"`
}

type k8sContainer struct {
	Name  string `yaml:"name"`
	Image string `yaml:"image"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	EnvFrom []struct {
		ConfigMapRef *keyRef `yaml:"configMapRef"`
		SecretRef    *keyRef `yaml:"secretRef"`
		Prefix       string  `yaml:"prefix"`
	} `yaml:"envFrom"`
	Env []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef     *keyRef `yaml:"secretKeyRef"`
			ConfigMapKeyRef  *keyRef `yaml:"configMapKeyRef"`
			FieldRef         any     `yaml:"fieldRef"`
			ResourceFieldRef any     `yaml:"resourceFieldRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
	Resources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext struct {
		ReadOnlyRootFilesystem   *bool  `yaml:"readOnlyRootFilesystem"`
		AllowPrivilegeEscalation *bool  `yaml:"allowPrivilegeEscalation"`
		RunAsNonRoot             *bool  `yaml:"runAsNonRoot"`
		RunAsUser                *int64 `yaml:"runAsUser"`
	} `yaml:"securityContext"`
	LivenessProbe  *k8sProbe `yaml:"livenessProbe"`
	ReadinessProbe *k8sProbe `yaml:"readinessProbe"`
	Lifecycle      struct {
		PreStop *struct {
			Sleep *struct {
				Seconds int `yaml:"seconds"`
			} `yaml:"sleep"`
		} `yaml:"preStop"`
	} `yaml:"lifecycle"`
}

type k8sDeployment struct {
	Replicas int           `yaml:"replicas"`
	Selector labelSelector `yaml:"selector"`
	Template struct {
		Metadata struct {
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Spec k8sPodSpec `yaml:"spec"`
	} `yaml:"template"`
}

// k8sPodSpec is the part of a pod template's spec these tests read.
type k8sPodSpec struct {
	TerminationGracePeriodSeconds *int `yaml:"terminationGracePeriodSeconds"`
	SecurityContext               struct {
		RunAsNonRoot *bool  `yaml:"runAsNonRoot"`
		RunAsUser    *int64 `yaml:"runAsUser"`
	} `yaml:"securityContext"`
	TopologySpreadConstraints []struct {
		LabelSelector labelSelector `yaml:"labelSelector"`
	} `yaml:"topologySpreadConstraints"`
	Containers []k8sContainer `yaml:"containers"`
	Volumes    []struct {
		Name   string `yaml:"name"`
		Secret *struct {
			SecretName string `yaml:"secretName"`
		} `yaml:"secret"`
	} `yaml:"volumes"`
}

// readKubernetes parses every document of deploy/kubernetes.
func readKubernetes(t *testing.T) []k8sObject {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(kubernetesDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("%s: no manifests (%v)", kubernetesDir, err)
	}
	var objs []k8sObject
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var n yaml.Node
			if err := dec.Decode(&n); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			o := k8sObject{file: f, node: &n}
			if err := n.Decode(&o); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if o.Kind == "" {
				t.Errorf("%s: a document without a kind", f)
			}
			objs = append(objs, o)
		}
	}
	return objs
}

// one returns the only object of kind (and name, when given).
func one(t *testing.T, objs []k8sObject, kind, name string) k8sObject {
	t.Helper()
	var found []k8sObject
	for _, o := range objs {
		if o.Kind == kind && (name == "" || o.Metadata.Name == name) {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: want one %s %q, found %d", kubernetesDir, kind, name, len(found))
	}
	return found[0]
}

// TestDeployKubernetes checks deploy/kubernetes: the Deployment's
// environment, port, probes, security and shutdown; the Service, HPA, PDB
// and example Ingress pointing at it; the kustomization listing the rest.
func TestDeployKubernetes(t *testing.T) {
	t.Parallel()
	objs, img := readKubernetes(t), readImage(t)
	for _, o := range objs {
		if o.Metadata.Namespace != "" {
			t.Errorf("%s: %s %s sets a namespace; the manifests are applied into any", o.file, o.Kind, o.Metadata.Name)
		}
	}
	dep := one(t, objs, "Deployment", "")
	if dep.APIVersion != "apps/v1" {
		t.Errorf("%s: apiVersion %s, want apps/v1", dep.file, dep.APIVersion)
	}
	var d k8sDeployment
	dep.spec(t, &d)
	pod := d.Template.Spec
	podLabels := d.Template.Metadata.Labels
	if !d.Selector.selects(podLabels) {
		t.Errorf("%s: selector %v does not select the pod labels %v", dep.file, d.Selector.MatchLabels, podLabels)
	}
	if d.Replicas < 2 {
		t.Errorf("%s: replicas %d, want 2 or more", dep.file, d.Replicas)
	}
	for _, c := range pod.TopologySpreadConstraints {
		if !c.LabelSelector.selects(podLabels) {
			t.Errorf("%s: a topology spread constraint selects %v, not the pods", dep.file, c.LabelSelector.MatchLabels)
		}
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%s: want one container, got %d", dep.file, len(pod.Containers))
	}
	ctr := pod.Containers[0]
	where := dep.file + ": container " + ctr.Name
	env := containerEnv(t, objs, img, ctr, where)
	checkGatewayEnv(t, where, env, tokensFile(t, objs, pod, ctr, env["AUTH_TOKENS_FILE"], where), d.Replicas)
	checkContainer(t, where, img, pod, ctr, env)
	checkService(t, objs, dep, podLabels, ctr.resolvePort)
	checkScaling(t, objs, dep, podLabels)
	checkKustomization(t, objs)
}

// secretKey returns key ref.Key of the Secret ref.Name of objs.
func secretKey(objs []k8sObject, ref keyRef) (string, bool) {
	for _, o := range objs {
		if o.Kind == "Secret" && o.Metadata.Name == ref.Name {
			v, ok := o.StringData[ref.Key]
			return v, ok
		}
	}
	return "", false
}

// containerEnv returns the environment of ctr: the image's, then envFrom's,
// then env's (which wins), with the values of the example Secrets.
func containerEnv(t *testing.T, objs []k8sObject, img image, ctr k8sContainer, where string) map[string]string {
	t.Helper()
	env := maps.Clone(img.env)
	for _, from := range ctr.EnvFrom {
		switch {
		case from.ConfigMapRef != nil:
			for k, v := range one(t, objs, "ConfigMap", from.ConfigMapRef.Name).Data {
				env[from.Prefix+k] = v
			}
		case from.SecretRef != nil:
			for k, v := range one(t, objs, "Secret", from.SecretRef.Name).StringData {
				env[from.Prefix+k] = v
			}
		}
	}
	for _, e := range ctr.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil:
			ref := *e.ValueFrom.SecretKeyRef
			v, ok := secretKey(objs, ref)
			if !ok {
				t.Errorf("%s: %s comes from Secret %s key %s, which secret.example.yaml lacks", where, e.Name, ref.Name, ref.Key)
			}
			env[e.Name] = v
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := *e.ValueFrom.ConfigMapKeyRef
			v, ok := one(t, objs, "ConfigMap", ref.Name).Data[ref.Key]
			if !ok {
				t.Errorf("%s: %s comes from ConfigMap %s key %s, which it lacks", where, e.Name, ref.Name, ref.Key)
			}
			env[e.Name] = v
		default: // fieldRef, resourceFieldRef: known only in the cluster
			env[e.Name] = ""
		}
	}
	return env
}

// tokensFile checks that path, AUTH_TOKENS_FILE, is a key of a Secret
// mounted read-only into ctr, and returns a file holding the example
// Secret's value of it ("" when there is none).
func tokensFile(t *testing.T, objs []k8sObject, pod k8sPodSpec, ctr k8sContainer, path, where string) string {
	t.Helper()
	if path == "" {
		return ""
	}
	for _, m := range ctr.VolumeMounts {
		key, ok := strings.CutPrefix(path, strings.TrimSuffix(m.MountPath, "/")+"/")
		if !ok {
			continue
		}
		if !m.ReadOnly {
			t.Errorf("%s: the tokens file's mount %s is not readOnly", where, m.MountPath)
		}
		for _, v := range pod.Volumes {
			if v.Name != m.Name || v.Secret == nil {
				continue
			}
			content, ok := secretKey(objs, keyRef{Name: v.Secret.SecretName, Key: key})
			if !ok {
				t.Errorf("%s: AUTH_TOKENS_FILE %s is key %s of Secret %s, which secret.example.yaml lacks", where, path, key, v.Secret.SecretName)
				return ""
			}
			file := filepath.Join(t.TempDir(), key)
			if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			return file
		}
	}
	return ""
}

// resolvePort returns the number of the container port p names or
// numbers, "" when it has none such.
func (c k8sContainer) resolvePort(p intOrString) string {
	for _, cp := range c.Ports {
		if string(p) == cp.Name || string(p) == strconv.Itoa(cp.ContainerPort) {
			return strconv.Itoa(cp.ContainerPort)
		}
	}
	return ""
}

// checkContainer checks the gateway container's port and probes, its
// security, resources and shutdown.
func checkContainer(t *testing.T, where string, img image, pod k8sPodSpec, ctr k8sContainer, env map[string]string) {
	t.Helper()
	listenPort := portOf(t, cmpOr(env["LISTEN_ADDR"], settingDefault("LISTEN_ADDR")))
	if got := ctr.resolvePort("http"); got != listenPort {
		t.Errorf("%s: the port named http is %q, want LISTEN_ADDR's port %s", where, got, listenPort)
	}
	for _, p := range []struct {
		name, path string
		probe      *k8sProbe
	}{{"livenessProbe", livenessPath, ctr.LivenessProbe}, {"readinessProbe", readinessPath, ctr.ReadinessProbe}} {
		switch {
		case p.probe == nil || p.probe.HTTPGet == nil:
			t.Errorf("%s: want a %s GET %s", where, p.name, p.path)
		case p.probe.HTTPGet.Path != p.path:
			t.Errorf("%s: %s GETs %s, want %s", where, p.name, p.probe.HTTPGet.Path, p.path)
		case ctr.resolvePort(p.probe.HTTPGet.Port) != listenPort:
			t.Errorf("%s: %s port %s is not the container port of LISTEN_ADDR (%s)", where, p.name, p.probe.HTTPGet.Port, listenPort)
		}
	}

	// Security: non-root (numerically, since the image names its user),
	// read-only root filesystem, no privilege escalation.
	nonRoot := cmp.Or(ctr.SecurityContext.RunAsNonRoot, pod.SecurityContext.RunAsNonRoot)
	uid := cmp.Or(ctr.SecurityContext.RunAsUser, pod.SecurityContext.RunAsUser)
	if nonRoot == nil || !*nonRoot {
		t.Errorf("%s: want runAsNonRoot: true", where)
	}
	if _, err := strconv.Atoi(strings.Split(img.user, ":")[0]); err != nil && (uid == nil || *uid == 0) {
		t.Errorf("%s: the image's USER is %q, not a number: the kubelet cannot check runAsNonRoot without a non-zero runAsUser", where, img.user)
	}
	if p := ctr.SecurityContext.ReadOnlyRootFilesystem; p == nil || !*p {
		t.Errorf("%s: want readOnlyRootFilesystem: true", where)
	}
	if p := ctr.SecurityContext.AllowPrivilegeEscalation; p == nil || *p {
		t.Errorf("%s: want allowPrivilegeEscalation: false", where)
	}

	// Resources: a CPU request for the HPA; GOMEMLIMIT below the memory limit.
	if ctr.Resources.Requests["cpu"] == "" {
		t.Errorf("%s: no requests.cpu: the HPA's CPU utilization is relative to it", where)
	}
	if limit, soft := ctr.Resources.Limits["memory"], env["GOMEMLIMIT"]; limit != "" && soft != "" {
		l, err1 := parseBytes(limit)
		s, err2 := parseBytes(soft)
		if err := errors.Join(err1, err2); err != nil {
			t.Errorf("%s: %v", where, err)
		} else if s >= l {
			t.Errorf("%s: GOMEMLIMIT %s is not below limits.memory %s", where, soft, limit)
		}
	}

	// Shutdown: preStop sleeps while the endpoints drain, then the gateway
	// stops; the grace period covers both.
	sleep := 0
	if ps := ctr.Lifecycle.PreStop; ps != nil && ps.Sleep != nil {
		sleep = ps.Sleep.Seconds
	}
	if sleep <= 0 {
		t.Errorf("%s: want a preStop sleep, so that the endpoints drain before SIGTERM", where)
	}
	grace := 30 // Kubernetes's default
	if pod.TerminationGracePeriodSeconds != nil {
		grace = *pod.TerminationGracePeriodSeconds
	}
	if need := time.Duration(sleep)*time.Second + shutdownWait; time.Duration(grace)*time.Second <= need {
		t.Errorf("%s: terminationGracePeriodSeconds %d: want more than the preStop sleep and the gateway's shutdown (%v)", where, grace, need)
	}
}

// servicePort is one port of a Service.
type servicePort struct {
	Name       string      `yaml:"name"`
	Port       int         `yaml:"port"`
	TargetPort intOrString `yaml:"targetPort"`
}

// hpaMetric is one metric of a HorizontalPodAutoscaler.
type hpaMetric struct {
	Type     string `yaml:"type"`
	Resource struct {
		Name string `yaml:"name"`
	} `yaml:"resource"`
}

// checkService checks that the Service selects the pods and targets the
// container port, and that the example Ingress routes to the Service.
func checkService(t *testing.T, objs []k8sObject, dep k8sObject, podLabels map[string]string, resolvePort func(intOrString) string) {
	t.Helper()
	svcObj := one(t, objs, "Service", "")
	var svc struct {
		Selector map[string]string `yaml:"selector"`
		Ports    []servicePort     `yaml:"ports"`
	}
	svcObj.spec(t, &svc)
	if len(svc.Selector) == 0 || !selects(svc.Selector, podLabels) {
		t.Errorf("%s: selector %v does not select the pods of %s (%v)", svcObj.file, svc.Selector, dep.file, podLabels)
	}
	if len(svc.Ports) == 0 {
		t.Errorf("%s: no ports", svcObj.file)
	}
	for _, p := range svc.Ports {
		target := p.TargetPort
		if target == "" {
			target = intOrString(strconv.Itoa(p.Port))
		}
		if resolvePort(target) == "" {
			t.Errorf("%s: port %s targets %s, no port of the container", svcObj.file, p.Name, target)
		}
	}
	for _, o := range objs {
		if o.Kind != "Ingress" {
			continue
		}
		var ing struct {
			Rules []struct {
				HTTP struct {
					Paths []struct {
						Backend struct {
							Service struct {
								Name string `yaml:"name"`
								Port struct {
									Name   string `yaml:"name"`
									Number int    `yaml:"number"`
								} `yaml:"port"`
							} `yaml:"service"`
						} `yaml:"backend"`
					} `yaml:"paths"`
				} `yaml:"http"`
			} `yaml:"rules"`
		}
		o.spec(t, &ing)
		for _, r := range ing.Rules {
			for _, p := range r.HTTP.Paths {
				b := p.Backend.Service
				ok := b.Name == svcObj.Metadata.Name && slices.ContainsFunc(svc.Ports, func(sp servicePort) bool {
					return (b.Port.Name != "" && b.Port.Name == sp.Name) || (b.Port.Number != 0 && b.Port.Number == sp.Port)
				})
				if !ok {
					t.Errorf("%s: backend %s port %s is not a port of Service %s", o.file, b.Name, cmpOr(b.Port.Name, strconv.Itoa(b.Port.Number)), svcObj.Metadata.Name)
				}
			}
		}
		for _, a := range []string{"proxy-read-timeout", "proxy-send-timeout"} {
			secs, err := strconv.Atoi(ingressAnnotation(t, o, "nginx.ingress.kubernetes.io/"+a))
			if err != nil || time.Duration(secs)*time.Second <= streamSilence {
				t.Errorf("%s: annotation %s: want seconds longer than %v, the longest a stream stays silent", o.file, a, streamSilence)
			}
		}
		if ingressAnnotation(t, o, "nginx.ingress.kubernetes.io/proxy-buffering") != "off" {
			t.Errorf("%s: want proxy-buffering off, for SSE", o.file)
		}
	}
}

// ingressAnnotation returns the annotation name of object o.
func ingressAnnotation(t *testing.T, o k8sObject, name string) string {
	t.Helper()
	var doc struct {
		Metadata struct {
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"metadata"`
	}
	if err := o.node.Decode(&doc); err != nil {
		t.Fatalf("%s: %v", o.file, err)
	}
	return doc.Metadata.Annotations[name]
}

// checkScaling checks that the HPA scales the Deployment and the PDB
// selects its pods and leaves room to evict one.
func checkScaling(t *testing.T, objs []k8sObject, dep k8sObject, podLabels map[string]string) {
	t.Helper()
	hpaObj := one(t, objs, "HorizontalPodAutoscaler", "")
	if hpaObj.APIVersion != "autoscaling/v2" {
		t.Errorf("%s: apiVersion %s, want autoscaling/v2", hpaObj.file, hpaObj.APIVersion)
	}
	var hpa struct {
		ScaleTargetRef struct {
			APIVersion string `yaml:"apiVersion"`
			Kind       string `yaml:"kind"`
			Name       string `yaml:"name"`
		} `yaml:"scaleTargetRef"`
		MinReplicas int         `yaml:"minReplicas"`
		MaxReplicas int         `yaml:"maxReplicas"`
		Metrics     []hpaMetric `yaml:"metrics"`
	}
	hpaObj.spec(t, &hpa)
	if ref := hpa.ScaleTargetRef; ref.APIVersion != dep.APIVersion || ref.Kind != dep.Kind || ref.Name != dep.Metadata.Name {
		t.Errorf("%s: scaleTargetRef %+v is not the Deployment %s", hpaObj.file, ref, dep.Metadata.Name)
	}
	if hpa.MinReplicas < 2 || hpa.MaxReplicas < hpa.MinReplicas {
		t.Errorf("%s: minReplicas %d, maxReplicas %d: want 2 or more, and max at least min", hpaObj.file, hpa.MinReplicas, hpa.MaxReplicas)
	}
	if !slices.ContainsFunc(hpa.Metrics, func(m hpaMetric) bool {
		return m.Type == "Resource" && m.Resource.Name == "cpu"
	}) {
		t.Errorf("%s: no CPU metric", hpaObj.file)
	}

	pdbObj := one(t, objs, "PodDisruptionBudget", "")
	if pdbObj.APIVersion != "policy/v1" {
		t.Errorf("%s: apiVersion %s, want policy/v1", pdbObj.file, pdbObj.APIVersion)
	}
	var pdb struct {
		Selector       labelSelector `yaml:"selector"`
		MinAvailable   intOrString   `yaml:"minAvailable"`
		MaxUnavailable intOrString   `yaml:"maxUnavailable"`
	}
	pdbObj.spec(t, &pdb)
	if !pdb.Selector.selects(podLabels) {
		t.Errorf("%s: selector %v does not select the pods of %s (%v)", pdbObj.file, pdb.Selector.MatchLabels, dep.file, podLabels)
	}
	switch {
	case pdb.MaxUnavailable != "" && pdb.MinAvailable != "":
		t.Errorf("%s: minAvailable and maxUnavailable are exclusive", pdbObj.file)
	case pdb.MaxUnavailable == "0" || pdb.MaxUnavailable == "0%":
		t.Errorf("%s: maxUnavailable 0 blocks every node drain", pdbObj.file)
	case pdb.MinAvailable != "":
		if n, err := strconv.Atoi(string(pdb.MinAvailable)); err == nil && n >= hpa.MinReplicas {
			t.Errorf("%s: minAvailable %d with %d replicas blocks every node drain", pdbObj.file, n, hpa.MinReplicas)
		}
	case pdb.MaxUnavailable == "":
		t.Errorf("%s: want minAvailable or maxUnavailable", pdbObj.file)
	}
}

// checkKustomization checks that kustomization.yaml lists every manifest
// but the examples, and nothing else.
func checkKustomization(t *testing.T, objs []k8sObject) {
	t.Helper()
	k := one(t, objs, "Kustomization", "")
	var want []string
	for _, o := range objs {
		name := filepath.Base(o.file)
		if o.Kind != "Kustomization" && !strings.HasSuffix(name, ".example.yaml") && !slices.Contains(want, name) {
			want = append(want, name)
		}
	}
	got := slices.Clone(k.Resources)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s: resources %v, want the manifests %v (examples, *.example.yaml, stay out)", k.file, got, want)
	}
}

// parseBytes reads a Kubernetes memory quantity (512Mi, 1G) or a GOMEMLIMIT
// (460MiB, 1GiB, a number of bytes).
func parseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		factor int64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40},
		{"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"B", 1},
	}
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%q: want a whole number of bytes with a unit", s)
			}
			return v * u.factor, nil
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: want a whole number of bytes with a unit", s)
	}
	return v, nil
}

// TestDeployProbesAnswer: the probe paths of the manifests are routes of a
// real gateway, which answers both 200 when FreeScout and its cache answer.
func TestDeployProbesAnswer(t *testing.T) {
	t.Parallel()
	env := gatewaytest.Start(t, gatewaytest.Options{})
	for _, path := range []string{livenessPath, readinessPath} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, env.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d, want 200", path, resp.StatusCode)
		}
	}
}

// TestDeployEnvCheckNamesRenamedVariable: when a setting's variable is
// renamed in config.go, the check names the old name the manifests still
// use, and accepts the new one.
func TestDeployEnvCheckNamesRenamedVariable(t *testing.T) {
	t.Parallel()
	renamed := slices.Clone(settings)
	for i := range renamed {
		if renamed[i].env == "FREESCOUT_URL" {
			renamed[i].env = "FREESCOUT_BASE_URL"
		}
	}
	problems := unknownEnv(knownEnv(renamed), map[string]string{"FREESCOUT_URL": "https://x", "OTEL_SERVICE_NAME": "s"})
	if len(problems) != 1 || !strings.HasPrefix(problems[0], "FREESCOUT_URL is not a variable the gateway reads") {
		t.Errorf("problems = %q, want one naming FREESCOUT_URL", problems)
	}
	if p := unknownEnv(knownEnv(renamed), map[string]string{"FREESCOUT_BASE_URL": "https://x"}); len(p) != 0 {
		t.Errorf("the new name is refused: %q", p)
	}
}
