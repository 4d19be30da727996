package gatewaytest

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/scoutgraph/scoutgraph/upstream"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// The FreeScout installs the tests run against. By default the emulator is
// a current FreeScout with every module; the environment can make every
// test environment that does not choose its own an older or smaller install:
//
//	SCOUTGRAPH_TEST_FREESCOUT_MODULE=1.0.20          # the API & Webhooks module version
//	SCOUTGRAPH_TEST_WITHOUT_MODULES=tags,customfields,crm,timetracking
//	SCOUTGRAPH_TEST_LARAVEL_ERRORS=1                 # validation errors Laravel's way
//
// so that `go test ./gateway/` runs the gateway's tests against that
// install too (.ci/run does, for the old install). Tests whose answer
// depends on the install ask Env.Upstream.Install (or EnvInstall) and
// assert what the gateway answers there: the same data, or the clear error.

// Environment variables naming the install the tests emulate.
const (
	EnvModule         = "SCOUTGRAPH_TEST_FREESCOUT_MODULE"
	EnvWithoutModules = "SCOUTGRAPH_TEST_WITHOUT_MODULES"
	EnvLaravelErrors  = "SCOUTGRAPH_TEST_LARAVEL_ERRORS"
)

// Install is a FreeScout install an emulator emulates.
type Install struct {
	// ModuleVersion is the API & Webhooks module's version; "" is the
	// emulator's current one.
	ModuleVersion string
	// WithoutModules are the optional modules it lacks ("tags",
	// "customfields", "crm", "timetracking").
	WithoutModules []string
	// LaravelErrors: it answers validation errors Laravel's way.
	LaravelErrors bool
}

// Current is a current FreeScout with every module.
var Current = Install{}

// Old is an install of the API & Webhooks module 1.0.20 without any of the
// optional modules: the oldest and smallest install the gateway serves.
var Old = Install{ModuleVersion: "1.0.20", WithoutModules: emulator.OptionalModules()}

// EnvInstall is the install the environment names (see above); Current
// when it names none.
func EnvInstall() (Install, error) {
	in := Install{ModuleVersion: strings.TrimSpace(os.Getenv(EnvModule))}
	mods, err := upstream.ParseModules(os.Getenv(EnvWithoutModules))
	if err != nil {
		return Install{}, fmt.Errorf("%s: %w", EnvWithoutModules, err)
	}
	for _, m := range mods {
		in.WithoutModules = append(in.WithoutModules, string(m))
	}
	switch v := strings.TrimSpace(os.Getenv(EnvLaravelErrors)); v {
	case "", "0", "false":
	case "1", "true":
		in.LaravelErrors = true
	default:
		return Install{}, fmt.Errorf("%s: %q is not 1, true, 0 or false", EnvLaravelErrors, v)
	}
	if err := (emulator.Options{ModuleVersion: in.ModuleVersion, WithoutModules: in.WithoutModules}).Validate(); err != nil {
		return Install{}, fmt.Errorf("%s: %w", EnvModule, err)
	}
	return in, nil
}

// MustEnvInstall is EnvInstall for a test: a bad environment fails it.
func MustEnvInstall(t testing.TB) Install {
	t.Helper()
	in, err := EnvInstall()
	if err != nil {
		t.Fatalf("the install to test against: %v", err)
	}
	return in
}

// Has reports whether the install has the optional module.
func (in Install) Has(module upstream.Module) bool {
	return !slices.Contains(in.WithoutModules, string(module))
}

// AtLeast reports whether the install's module is version v or newer.
func (in Install) AtLeast(v string) bool {
	have := in.ModuleVersion
	if have == "" {
		have = emulator.CurrentModuleVersion
	}
	a, errA := emulator.ParseModuleVersion(have)
	b, errB := emulator.ParseModuleVersion(v)
	return errA == nil && errB == nil && a.AtLeast(b)
}

// String names the install, e.g. "freescout api module 1.0.20 without tags, crm".
func (in Install) String() string {
	v := in.ModuleVersion
	if v == "" {
		v = emulator.CurrentModuleVersion
	}
	s := "freescout api module " + v
	if len(in.WithoutModules) > 0 {
		s += " without " + strings.Join(in.WithoutModules, ", ")
	}
	if in.LaravelErrors {
		s += ", laravel-style errors"
	}
	return s
}
