package upstream_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/scoutgraph/scoutgraph/upstream"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// TestLaravelValidationErrors: validation errors in Laravel's form are read into the same
// field errors as the documented form, with their dotted paths.
func TestLaravelValidationErrors(t *testing.T) {
	bad := &upstream.NewConversation{
		Type: "email", MailboxID: 1, Subject: "",
		Customer: upstream.CustomerRef{Email: "not-an-address"},
		Threads:  []upstream.NewThread{{Type: "message", Text: "hi", User: 99999}},
	}
	fields := func(laravel bool) []upstream.FieldError {
		t.Helper()
		e := newEnv(t, emulator.Options{LaravelErrors: laravel})
		_, _, err := e.client.Conversations.Create(t.Context(), bad)
		var ue *upstream.Error
		if !errors.As(err, &ue) || !errors.Is(err, upstream.ErrBadRequest) || errors.Is(err, upstream.ErrModuleMissing) {
			t.Fatalf("laravel %v: err %v, want a bad request", laravel, err)
		}
		return ue.Fields
	}
	documented, laravel := fields(false), fields(true)
	if len(laravel) != len(documented) || len(laravel) < 3 {
		t.Fatalf("laravel errors %+v, documented %+v", laravel, documented)
	}
	want := map[string]string{}
	for _, f := range documented {
		want[f.Path] = f.Message
	}
	dotted := map[string]string{"subject": "subject", "customer.email": "customer.email", "threads.0.user": "threads[0].user"}
	for _, f := range laravel {
		if msg, ok := want[dotted[f.Path]]; !ok || msg != f.Message || f.RejectedValue != nil {
			t.Errorf("laravel field %+v; documented %v", f, want)
		}
	}

	// Laravel's messages may also be a single string per field, and the fields come
	// sorted by path.
	got := upstream.ParseError("POST", "/api/customers", 422, []byte(`{"message":"The given data was invalid.","errors":{"emails.0.value":"bad","firstName":["too long","not a name"]}}`))
	wantFields := []upstream.FieldError{{Path: "emails.0.value", Message: "bad"}, {Path: "firstName", Message: "too long"}, {Path: "firstName", Message: "not a name"}}
	if !reflect.DeepEqual(got.Fields, wantFields) || got.Message != "The given data was invalid." {
		t.Errorf("ParseError = %+v", got)
	}
}

// TestModulesLearnt: an install without the optional modules answers their endpoints 400,
// which is ErrModuleMissing naming the module, and leaves out what they add to other
// answers; the client's Install learns both ways, on both kinds of install.
func TestModulesLearnt(t *testing.T) {
	all := []string{"tags", "customfields", "crm", "timetracking"}
	for _, without := range [][]string{nil, all} {
		e := newEnv(t, emulator.Options{WithoutModules: without})
		present := without == nil
		ctx := t.Context()
		in := e.client.Install()
		for _, m := range upstream.Modules() {
			if s := in.Module(m); s != upstream.Unknown {
				t.Errorf("%s before any answer: %v", m, s)
			}
		}
		if _, err := e.client.Conversations.Get(ctx, 1, upstream.EmbedTags, upstream.EmbedTimelogs); err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.Customers.Get(ctx, 1); err != nil {
			t.Fatal(err)
		}
		want := upstream.Supported
		if !present {
			want = upstream.Unsupported
		}
		for _, m := range upstream.Modules() {
			if s := in.Module(m); s != want {
				t.Errorf("without %v: %s is %v, want %v", without, m, s, want)
			}
		}
		calls := []struct {
			module upstream.Module
			call   func() error
		}{
			{upstream.ModuleTags, func() error { _, _, err := e.client.Tags.List(ctx, nil); return err }},
			{upstream.ModuleTags, func() error { return e.client.Conversations.UpdateTags(ctx, 1, []string{"x"}) }},
			{upstream.ModuleCustomFields, func() error { _, _, err := e.client.Mailboxes.ListCustomFields(ctx, 1); return err }},
			{upstream.ModuleCRM, func() error {
				return e.client.Customers.UpdateFields(ctx, 1, []upstream.CustomerFieldWrite{{ID: 1, Value: "x"}})
			}},
			{upstream.ModuleTimeTracking, func() error { _, _, err := e.client.Conversations.ListTimelogs(ctx, 1, nil); return err }},
		}
		for _, c := range calls {
			err := c.call()
			var ue *upstream.Error
			switch {
			case present && errors.Is(err, upstream.ErrModuleMissing):
				t.Errorf("%s with the module: %v", c.module, err)
			case !present && (!errors.Is(err, upstream.ErrModuleMissing) || !errors.Is(err, upstream.ErrBadRequest) || !errors.As(err, &ue) || ue.Module != c.module):
				t.Errorf("%s without the module: %v, want ErrModuleMissing naming it", c.module, err)
			}
		}
	}
}

// TestVersionLearnt: what an old and a current module answer teaches the client about the
// module version, shared by the clients derived from it.
func TestVersionLearnt(t *testing.T) {
	tests := []struct {
		version     string
		want        string
		colon, list upstream.Support
		bodies      upstream.Support
	}{
		{"1.0.20", "1.0.20 or older", upstream.Unsupported, upstream.Unsupported, upstream.Unsupported},
		{"1.0.50", "1.0.43 to 1.0.70", upstream.Supported, upstream.Unsupported, upstream.Supported},
		{emulator.CurrentModuleVersion, "1.0.71 or newer", upstream.Supported, upstream.Supported, upstream.Supported},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			e := newEnv(t, emulator.Options{ModuleVersion: tt.version})
			ctx := t.Context()
			derived := e.client.With(upstream.WithAPIKey(testKey))
			if r := e.client.Install().Report(); r.Version.String() != "unknown" || !r.Updated.IsZero() {
				t.Errorf("before any answer: %+v", r)
			}
			if _, _, err := derived.Mailboxes.List(ctx, &upstream.MailboxListOptions{ListOptions: upstream.ListOptions{PageSize: 1}}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.client.Conversations.List(ctx, &upstream.ConversationListOptions{ListOptions: upstream.ListOptions{PageSize: 20}}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.client.Customers.Create(ctx, &upstream.NewCustomer{FirstName: "Learnt", Email: "learnt@example.org"}); err != nil {
				t.Fatal(err)
			}
			r := e.client.Install().Report()
			if r.Version.String() != tt.want || r.Gates[upstream.GateColonDates] != tt.colon || r.Gates[upstream.GateListPageSize] != tt.list || r.CreatedBodies != tt.bodies {
				t.Errorf("report %+v, version %q; want %q, colon dates %v, list pageSize %v, 201 bodies %v",
					r, r.Version, tt.want, tt.colon, tt.list, tt.bodies)
			}
		})
	}
}

// TestObserveImplies: a gate seen open opens the older ones, one seen closed closes the
// newer ones, and the newest observation wins.
func TestObserveImplies(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	in := e.client.Install()
	in.Observe(upstream.GateNewFilters, true)
	in.Observe(upstream.GateCreatedByFilters, false)
	r := in.Report()
	for _, g := range upstream.Gates() {
		want := upstream.Unknown
		switch {
		case g <= upstream.GateNewFilters:
			want = upstream.Supported
		case g >= upstream.GateCreatedByFilters:
			want = upstream.Unsupported
		}
		if r.Gates[g] != want {
			t.Errorf("%s (%s): %v, want %v", g, g.Since(), r.Gates[g], want)
		}
	}
	if r.Version.String() != "1.0.55 to 1.0.72" {
		t.Errorf("version %q", r.Version)
	}
	in.Observe(upstream.GateStatusList, true) // upgraded meanwhile
	if r := in.Report(); r.Version.String() != "1.0.77 or newer" {
		t.Errorf("after an upgrade: %q", r.Version)
	}
}

func TestParseModules(t *testing.T) {
	got, err := upstream.ParseModules(" Tags, crm,,tags ")
	if err != nil || !reflect.DeepEqual(got, []upstream.Module{upstream.ModuleTags, upstream.ModuleCRM}) {
		t.Errorf("ParseModules = %v, %v", got, err)
	}
	if _, err := upstream.ParseModules("tags,billing"); err == nil {
		t.Error("an unknown module parsed")
	}
	if got, err := upstream.ParseModules(""); err != nil || got != nil {
		t.Errorf("empty: %v, %v", got, err)
	}
}

// TestProbe: a probe learns every gate and module of an install with a few small calls,
// on old, middle-aged and current installs with and without the optional modules, and
// asks nothing more once it has run.
func TestProbe(t *testing.T) {
	tests := []struct {
		version string
		without []string
		want    string
	}{
		{"1.0.20", nil, "1.0.20 or older"},
		{"1.0.60", []string{"tags", "timetracking"}, "1.0.55 to 1.0.70"},
		{"1.0.75", nil, "1.0.73 to 1.0.76"},
		{emulator.CurrentModuleVersion, []string{"customfields", "crm"}, "1.0.77 or newer"},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			e := newEnv(t, emulator.Options{ModuleVersion: tt.version, WithoutModules: tt.without})
			if err := e.client.With().Probe(t.Context()); err != nil {
				t.Fatal(err)
			}
			r := e.client.Install().Report()
			if r.Version.String() != tt.want {
				t.Errorf("version %q, want %q; gates %v", r.Version, tt.want, r.Gates)
			}
			for _, m := range upstream.Modules() {
				want := upstream.Supported
				for _, w := range tt.without {
					if string(m) == w {
						want = upstream.Unsupported
					}
				}
				if r.Modules[m] != want {
					t.Errorf("module %s: %v, want %v", m, r.Modules[m], want)
				}
			}
			if n := len(e.calls.all()); n > 8 {
				t.Errorf("the probe made %d calls", n)
			}
			before := len(e.calls.all())
			if err := e.client.Probe(t.Context()); err != nil || len(e.calls.all()) != before {
				t.Errorf("a second probe: %v, %d more calls", err, len(e.calls.all())-before)
			}
		})
	}
}
