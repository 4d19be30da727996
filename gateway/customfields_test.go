package gateway_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/errcode"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/session"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// Emulator routes the tests count.
const (
	routeFieldDefs   = "GET /api/mailboxes/{id}/custom_fields"
	routeFieldsWrite = "PUT /api/conversations/{id}/custom_fields"
	routeCreateConv  = "POST /api/conversations"
)

// The emulator's Support mailbox and its custom fields, one of every type and two dropdowns:
// the FreeScout API reference's fields, with its ids, and Product. TestSupportFieldIDs checks
// them against the emulator's data.
const (
	supportMailbox    = 1
	fieldPriority     = 18 // dropdown: Low (1), Medium (2), High (3)
	fieldProduct      = 20 // dropdown: Web App (1), Mobile App (2), API (3), Integrations (4)
	fieldPurchaseDate = 19 // date
	fieldVendor       = 37 // singleline
	fieldComments     = 38 // multiline
	fieldAmount       = 39 // number
)

// supportFields are the ids of every custom field of the Support mailbox, in sort order.
var supportFields = []int{fieldPriority, fieldProduct, fieldPurchaseDate, fieldVendor, fieldComments, fieldAmount}

// Two of the emulator's customer fields (Customer Fields module): Account ID is the id of the
// reference's customer_fields example.
const (
	customerFieldAge       = 11 // number
	customerFieldAccountID = 37 // singleline
)

// TestSampleFieldIDs: the constants above name the emulator's fields: the Support fields, in
// order, with their names and types, and the customer fields, as customer 1 (who has every
// customer field set) shows them.
func TestSampleFieldIDs(t *testing.T) {
	if withoutCustomFields(t) {
		return
	}
	env := gatewaytest.Start(t, gatewaytest.Options{})
	if env.Upstream.Install.Has(upstream.ModuleCRM) {
		sampleCustomerFields(t, env)
	} else {
		assertModuleUnavailable(t, "customerFields", env.Do(t, `{ customer(id: "1") { customerFields { id name } } }`, nil), upstream.ModuleCRM)
	}

	want := []struct {
		id        int
		name, typ string
	}{
		{fieldPriority, "Priority", "DROPDOWN"}, {fieldProduct, "Product", "DROPDOWN"},
		{fieldPurchaseDate, "Purchase Date", "DATE"}, {fieldVendor, "Vendor", "SINGLELINE"},
		{fieldComments, "Comments", "MULTILINE"}, {fieldAmount, "Amount", "NUMBER"},
	}
	defs := mailboxFields(t, env, supportMailbox)
	if len(defs) != len(want) || len(supportFields) != len(want) {
		t.Fatalf("Support has %d fields, supportFields %d, want %d: %s", len(defs), len(supportFields), len(want), mustJSON(defs))
	}
	for i, w := range want {
		if d := defs[i]; d.ID != strconv.Itoa(w.id) || d.Name != w.name || d.Type != w.typ || supportFields[i] != w.id {
			t.Errorf("Support field %d = %s %q %s, want %d %q %s", i, d.ID, d.Name, d.Type, w.id, w.name, w.typ)
		}
	}
}

// sampleCustomerFields checks the customer-field constants against customer 1.
func sampleCustomerFields(t *testing.T, env *gatewaytest.Env) {
	var data struct {
		Customer struct {
			CustomerFields []struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"customerFields"`
		} `json:"customer"`
	}
	env.Do(t, `{ customer(id: "1") { customerFields { id name } } }`, nil).MustData(t, &data)
	customerFields := map[string]string{}
	for _, f := range data.Customer.CustomerFields {
		customerFields[f.Name] = f.ID
	}
	for name, id := range map[string]int{"Age": customerFieldAge, "Account ID": customerFieldAccountID} {
		if customerFields[name] != strconv.Itoa(id) {
			t.Errorf("customer field %q has id %q, want %d (customer 1's fields: %v)", name, customerFields[name], id, customerFields)
		}
	}
}

const mailboxFieldsQuery = `query($id: ID!) {
  mailbox(id: $id) { id customFields { id name type required sortOrder options { id label } } }
}`

const conversationFieldsQuery = `query($id: ID!) {
  conversation(id: $id) { id customFields { id name value text field { id name type options { id label } } } }
}`

const updateFieldsMutation = `mutation($input: UpdateConversationCustomFieldsInput!) {
  updateConversationCustomFields(input: $input) {
    conversation { id customFields { id name value text } }
    userErrors { field message code }
  }
}`

const createConversationMutation = `mutation($input: CreateConversationInput!) {
  createConversation(input: $input) {
    conversation { id customFields { id name value text } }
    userErrors { field message code }
  }
}`

// fieldDef is a CustomField as mailboxFieldsQuery selects it.
type fieldDef struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Type      string `json:"type"`
	Required  bool   `json:"required"`
	SortOrder int    `json:"sortOrder"`
	Options   []struct {
		ID    string `json:"id"`
		Label string `json:"label"`
	} `json:"options"`
}

// labels returns the definition's option labels in order.
func (d fieldDef) labels() []string {
	out := make([]string, len(d.Options))
	for i, o := range d.Options {
		out[i] = o.Label
	}
	return out
}

// mailboxFields asks the gateway for a mailbox's custom-field definitions.
func mailboxFields(t testing.TB, env *gatewaytest.Env, mailboxID int) []fieldDef {
	t.Helper()
	var data struct {
		Mailbox *struct {
			CustomFields []fieldDef `json:"customFields"`
		} `json:"mailbox"`
	}
	env.Do(t, mailboxFieldsQuery, map[string]any{"id": strconv.Itoa(mailboxID)}).MustData(t, &data)
	if data.Mailbox == nil {
		t.Fatalf("mailbox %d: null", mailboxID)
	}
	return data.Mailbox.CustomFields
}

// fieldNamed returns the definition with the name, failing the test if none.
func fieldNamed(t testing.TB, defs []fieldDef, name string) fieldDef {
	t.Helper()
	for _, d := range defs {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("no custom field %q in %s", name, mustJSON(defs))
	return fieldDef{}
}

// supportConversation returns the id of a conversation in the Support
// mailbox that has custom fields set. It loads no custom-field definitions.
func supportConversation(t testing.TB, env *gatewaytest.Env) int {
	t.Helper()
	var data struct {
		Conversations struct {
			Nodes []struct {
				ID           string `json:"id"`
				CustomFields []struct {
					ID string `json:"id"`
				} `json:"customFields"`
			} `json:"nodes"`
		} `json:"conversations"`
	}
	env.Do(t, `query($mb: [ID!]) { conversations(first: 50, filter: {mailboxIds: $mb}) { nodes { id customFields { id } } } }`,
		map[string]any{"mb": []string{strconv.Itoa(supportMailbox)}}).MustData(t, &data)
	for _, n := range data.Conversations.Nodes {
		if len(n.CustomFields) > 0 {
			id, err := strconv.Atoi(n.ID)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
	}
	t.Fatal("the emulator has no conversation with custom fields in the Support mailbox")
	return 0
}

// updateFields runs updateConversationCustomFields.
func updateFields(t testing.TB, env *gatewaytest.Env, convID int, fields []map[string]any) (*payloadConversation, []fieldUserError) {
	t.Helper()
	var data struct {
		Payload struct {
			Conversation *payloadConversation `json:"conversation"`
			UserErrors   []fieldUserError     `json:"userErrors"`
		} `json:"updateConversationCustomFields"`
	}
	input := map[string]any{"conversationId": strconv.Itoa(convID), "fields": fields}
	env.Do(t, updateFieldsMutation, map[string]any{"input": input}).MustData(t, &data)
	return data.Payload.Conversation, data.Payload.UserErrors
}

// storedFields reads what FreeScout stores for a conversation's Support
// fields, straight from the emulator: field id → value, set fields only.
func storedFields(up *gatewaytest.Upstream, convID int) map[int]string {
	out := map[int]string{}
	for _, id := range supportFields {
		if v, ok := up.ConversationFieldValue(convID, id); ok {
			out[id] = v
		}
	}
	return out
}

// startOnBackend starts an emulator and a gateway on the backend, with the options
// changed by mod (which may be nil).
func startOnBackend(t testing.TB, b cacheBackend, mod func(*gatewaytest.Options)) (*gatewaytest.Env, backendEnv) {
	t.Helper()
	be := b.setup(t)
	opts := be.opts
	if mod != nil {
		mod(&opts)
	}
	env := gatewaytest.Start(t, opts)
	if b.redis {
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("cache fallbacks during the test: %v (each may have cost an extra upstream call, by design)",
					metricSum(t, env, "scoutgraph_cache_fallbacks_total"))
			}
		})
	}
	return env, be
}

// TestCustomFieldDefinitionsSurviveRestart: a gateway started on the same
// Redis as one that stopped serves the definitions that one cached, with no
// call to FreeScout. The in-memory cache, which dies with its process, is
// the control: there the new gateway must fetch them again.
func TestCustomFieldDefinitionsSurviveRestart(t *testing.T) {
	if withoutCustomFields(t) {
		return
	}
	for _, b := range cacheBackends {
		t.Run(b.name, func(t *testing.T) {
			be := b.setup(t)
			up := gatewaytest.StartUpstream(t, 0)
			opts := be.opts
			opts.Emulator = up

			first := gatewaytest.Start(t, opts)
			convID := supportConversation(t, first)
			vars := map[string]any{"id": strconv.Itoa(supportMailbox)}
			convVars := map[string]any{"id": strconv.Itoa(convID)}
			warm := first.Do(t, mailboxFieldsQuery, vars)
			warmConv := first.Do(t, conversationFieldsQuery, convVars)
			warm.MustData(t, &struct{}{})
			warmConv.MustData(t, &struct{}{})
			if n := up.Count(routeFieldDefs); n != 1 {
				t.Fatalf("warming: %d definitions calls, want 1", n)
			}
			defs := mailboxFields(t, first, supportMailbox)
			if got := fieldNamed(t, defs, "Priority").labels(); !slices.Equal(got, []string{"Low", "Medium", "High"}) {
				t.Fatalf("Priority labels = %q", got)
			}
			if be.client != nil {
				key := opts.CachePrefix + session.CustomFieldsKey(supportMailbox)
				if n, err := be.client.Exists(t.Context(), key).Result(); err != nil || n != 1 {
					t.Fatalf("Redis key %q: exists=%d err=%v, want it stored", key, n, err)
				}
			}
			if err := first.Gateway.Close(); err != nil {
				t.Fatalf("close the first gateway: %v", err)
			}

			second := gatewaytest.Start(t, opts)
			again := second.Do(t, mailboxFieldsQuery, vars)
			againConv := second.Do(t, conversationFieldsQuery, convVars)
			again.MustData(t, &struct{}{})
			againConv.MustData(t, &struct{}{})
			if !bytes.Equal(again.Data, warm.Data) || !bytes.Equal(againConv.Data, warmConv.Data) {
				t.Errorf("the restarted gateway answers differently:\nbefore %s\n       %s\nafter  %s\n       %s",
					warm.Data, warmConv.Data, again.Data, againConv.Data)
			}
			want := 1 // served from Redis
			if !b.redis {
				want = 2 // the memory cache died with the first gateway
			}
			if n := up.Count(routeFieldDefs); n != want {
				t.Errorf("after the restart: %d definitions calls in all, want %d", n, want)
			}
		})
	}
}

// TestCustomFieldDefinitionsTTL: the definitions stored in Redis expire on
// their own, within the configured TTL, and so does every other key the
// gateway writes.
func TestCustomFieldDefinitionsTTL(t *testing.T) {
	if withoutCustomFields(t) {
		return
	}
	tests := []struct {
		name     string
		cacheTTL time.Duration // 0: the gateway's default
		max      time.Duration
	}{
		{name: "configured", cacheTTL: 45 * time.Second, max: 45 * time.Second},
		{name: "default", max: 10 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, be := startOnBackend(t, cacheBackend{name: "redis", redis: true}, func(o *gatewaytest.Options) { o.CacheTTL = tt.cacheTTL })
			if got := len(mailboxFields(t, env, supportMailbox)); got != len(supportFields) {
				t.Fatalf("%d definitions, want %d", got, len(supportFields))
			}

			key := be.opts.CachePrefix + session.CustomFieldsKey(supportMailbox)
			ttl, err := be.client.PTTL(t.Context(), key).Result()
			if err != nil {
				t.Fatalf("PTTL %s: %v", key, err)
			}
			if ttl <= 0 || ttl > tt.max {
				t.Errorf("TTL of %s = %v, want in (0, %v]", key, ttl, tt.max)
			}
			raw, err := be.client.Get(t.Context(), key).Bytes()
			if err != nil {
				t.Fatalf("GET %s: %v", key, err)
			}
			var cached []json.RawMessage
			if err := json.Unmarshal(raw, &cached); err != nil || len(cached) != len(supportFields) {
				t.Errorf("cached value of %s: %d entries, err %v; want %d definitions:\n%s", key, len(cached), err, len(supportFields), raw)
			}

			keys, err := keysUnder(t.Context(), be.client, be.opts.CachePrefix)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				if ttl, err := be.client.PTTL(t.Context(), k).Result(); err != nil || ttl <= 0 {
					t.Errorf("key %s: TTL %v (err %v), want a positive expiry", k, ttl, err)
				}
			}
		})
	}
}

// TestCustomFieldDefinitionsLoadOnce: fifty concurrent requests that all need
// one mailbox's definitions, on a cold cache, make one call to FreeScout.
func TestCustomFieldDefinitionsLoadOnce(t *testing.T) {
	if withoutCustomFields(t) {
		return
	}
	const callers = 50
	queries := []struct {
		name  string
		query string
		conv  bool // the query takes a conversation id, else the mailbox id
		check func(data json.RawMessage) bool
	}{
		{
			name: "mailbox customFields", query: mailboxFieldsQuery,
			check: func(data json.RawMessage) bool {
				var d struct {
					Mailbox struct{ CustomFields []fieldDef } `json:"mailbox"`
				}
				return json.Unmarshal(data, &d) == nil && len(d.Mailbox.CustomFields) == len(supportFields)
			},
		},
		{
			name: "conversation customFields field", conv: true,
			query: `query($id: ID!) { conversation(id: $id) { customFields { name field { name options { label } } } } }`,
			check: func(data json.RawMessage) bool {
				var d struct {
					Conversation struct {
						CustomFields []struct {
							Field *fieldDef `json:"field"`
						} `json:"customFields"`
					} `json:"conversation"`
				}
				if json.Unmarshal(data, &d) != nil || len(d.Conversation.CustomFields) == 0 {
					return false
				}
				for _, f := range d.Conversation.CustomFields {
					if f.Field == nil {
						return false
					}
				}
				return true
			},
		},
	}
	for _, b := range cacheBackends {
		for _, q := range queries {
			t.Run(b.name+"/"+q.name, func(t *testing.T) {
				// A cache operation that fails or times out (Redis on an
				// overloaded machine) makes the store load from FreeScout
				// by design, which can add a call. Such attempts prove
				// nothing either way and are repeated on a fresh gateway.
				const attempts = 5
				for attempt := 1; attempt <= attempts; attempt++ {
					calls, fallbacks := coldBurst(t, b, callers, q.query, q.conv, q.check)
					if fallbacks > 0 {
						t.Logf("attempt %d: the cache fell back %v times (%d definitions calls); trying again", attempt, fallbacks, calls)
						continue
					}
					if calls != 1 {
						t.Errorf("%d concurrent cold requests made %d definitions calls, want 1", callers, calls)
					}
					return
				}
				t.Errorf("the cache failed during each of %d attempts: Redis cannot answer within the gateway's operation timeout here", attempts)
			})
		}
	}
}

// coldBurst starts a gateway on the backend with a cold cache and sends it
// n concurrent requests of query, all at once; conv says whether the query
// takes a conversation id rather than the Support mailbox's id. Every answer
// must pass check. It returns the definitions calls FreeScout received and
// the cache fallbacks the gateway counted.
func coldBurst(t *testing.T, b cacheBackend, n int, query string, conv bool, check func(json.RawMessage) bool) (int, float64) {
	t.Helper()
	// Latency makes the callers overlap while FreeScout answers.
	env, _ := startOnBackend(t, b, func(o *gatewaytest.Options) { o.Latency = 20 * time.Millisecond })
	vars := map[string]any{"id": strconv.Itoa(supportMailbox)}
	if conv {
		vars["id"] = strconv.Itoa(supportConversation(t, env))
	}
	// A first burst that reads another cached value (the mailbox list)
	// opens the cache's connections, so that dialing them does not eat the
	// cold burst's time budget. The definitions stay cold.
	burst(t, env, n, `query { mailbox(id: "2") { name } }`, nil, func(d json.RawMessage) bool {
		return bytes.Contains(d, []byte(`"Billing"`))
	})
	env.Upstream.ResetCounts()
	before := metricSum(t, env, "scoutgraph_cache_fallbacks_total")
	burst(t, env, n, query, vars, check)
	return env.Upstream.Count(routeFieldDefs), metricSum(t, env, "scoutgraph_cache_fallbacks_total") - before
}

// burst sends n concurrent requests of query, all at once, and fails the
// test for every answer with errors or that does not pass check.
func burst(t *testing.T, env *gatewaytest.Env, n int, query string, vars map[string]any, check func(json.RawMessage) bool) {
	t.Helper()
	begin := make(chan struct{})
	errs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-begin
			r, err := env.Query(t.Context(), query, vars)
			switch {
			case err != nil:
				errs[i] = err.Error()
			case len(r.Errors) > 0:
				errs[i] = mustJSON(r.Errors)
			case !check(r.Data):
				errs[i] = "incomplete answer: " + string(r.Data)
			}
		})
	}
	close(begin)
	wg.Wait()
	for i, e := range errs {
		if e != "" {
			t.Errorf("caller %d: %s", i, e)
		}
	}
}

// TestCustomFieldsSurviveRedisOutage: with its Redis killed, the gateway
// keeps answering from FreeScout, /readyz reports the cache unavailable and
// the fallbacks are counted.
func TestCustomFieldsSurviveRedisOutage(t *testing.T) {
	if withoutCustomFields(t) {
		return
	}
	proc := startRedisProcess(t)
	env := gatewaytest.Start(t, gatewaytest.Options{RedisURL: proc.url()})
	convID := supportConversation(t, env)
	vars := map[string]any{"id": strconv.Itoa(supportMailbox)}
	warm := env.Do(t, mailboxFieldsQuery, vars)
	warm.MustData(t, &struct{}{})
	env.Do(t, conversationFieldsQuery, map[string]any{"id": strconv.Itoa(convID)}).MustData(t, &struct{}{})
	if n := env.Upstream.Count(routeFieldDefs); n != 1 {
		t.Fatalf("warming: %d definitions calls, want 1", n)
	}
	if status, body := getURL(t, env.URL+"/readyz"); status != http.StatusOK {
		t.Fatalf("/readyz before the outage: %d %s", status, body)
	}

	proc.kill()
	env.Upstream.ResetCounts()

	again := env.Do(t, mailboxFieldsQuery, vars)
	again.MustData(t, &struct{}{})
	if !bytes.Equal(again.Data, warm.Data) {
		t.Errorf("during the outage the answer changed:\nbefore %s\nafter  %s", warm.Data, again.Data)
	}
	var conv struct {
		Conversation struct {
			CustomFields []struct {
				Field *fieldDef `json:"field"`
			} `json:"customFields"`
		} `json:"conversation"`
	}
	env.Do(t, conversationFieldsQuery, map[string]any{"id": strconv.Itoa(convID)}).MustData(t, &conv)
	for _, f := range conv.Conversation.CustomFields {
		if f.Field == nil {
			t.Errorf("during the outage a custom field lost its definition: %s", mustJSON(conv))
		}
	}
	got, uerrs := updateFields(t, env, convID, []map[string]any{{"name": "priority", "value": "high"}})
	if len(uerrs) > 0 || got == nil {
		t.Errorf("write during the outage: userErrors %s, conversation %s", mustJSON(uerrs), mustJSON(got))
	} else if v, _ := got.byName("Priority"); quoteOrNull(v.Text) != `"High"` {
		t.Errorf("write during the outage: Priority = %s", mustJSON(v))
	}
	if n := env.Upstream.Count(routeFieldDefs); n < 1 {
		t.Errorf("during the outage no definitions call reached FreeScout: the answers cannot be fresh")
	}
	if n := env.Upstream.Count(routeFieldsWrite); n != 1 {
		t.Errorf("during the outage: %d custom-field writes, want 1", n)
	}

	status, body := getURL(t, env.URL+"/readyz")
	var ready map[string]string
	if err := json.Unmarshal([]byte(body), &ready); err != nil {
		t.Fatalf("/readyz body %q: %v", body, err)
	}
	if status != http.StatusServiceUnavailable || ready["cache"] != "unavailable" || ready["freescout"] != "ok" {
		t.Errorf("/readyz during the outage: %d %s; want 503 with cache unavailable and freescout ok", status, body)
	}
	if n := metricSum(t, env, "scoutgraph_cache_fallbacks_total"); n <= 0 {
		t.Errorf("scoutgraph_cache_fallbacks_total = %v during the outage, want > 0", n)
	}
}

// TestUpdateConversationCustomFields: fields named by id or by name (any
// case and spacing), dropdowns set by label (any case) or option id, every
// type translated to what FreeScout stores, all in one upstream call; the
// payload shows the conversation as it now stands, with labels.
func TestUpdateConversationCustomFields(t *testing.T) {
	if withoutCustomFields(t) {
		return
	}
	type want struct {
		stored string // what FreeScout stores; "" means the field is unset
		text   string // the payload's text
	}
	tests := []struct {
		name   string
		before []map[string]any // written first, outside the counts
		fields []map[string]any
		want   map[int]want
	}{
		{
			name: "every type by name",
			fields: []map[string]any{
				{"name": "Priority", "value": "High"},
				{"name": "Product", "value": "Web App"},
				{"name": "Vendor", "value": "SoftwareOne"},
				{"name": "Comments", "value": "1. Open the app\n2. Tap Export"},
				{"name": "Purchase Date", "value": "2024-03-15"},
				{"name": "Amount", "value": "42"},
			},
			want: map[int]want{
				fieldPriority:     {"3", "High"},
				fieldProduct:      {"1", "Web App"},
				fieldVendor:       {"SoftwareOne", "SoftwareOne"},
				fieldComments:     {"1. Open the app\n2. Tap Export", "1. Open the app\n2. Tap Export"},
				fieldPurchaseDate: {"2024-03-15", "2024-03-15"},
				fieldAmount:       {"42", "42"},
			},
		},
		{
			name: "every type by id",
			fields: []map[string]any{
				{"id": strconv.Itoa(fieldPriority), "value": "medium"},
				{"id": strconv.Itoa(fieldProduct), "value": "MOBILE APP"},
				{"id": strconv.Itoa(fieldVendor), "value": "AWS Marketplace"},
				{"id": strconv.Itoa(fieldComments), "value": "line one\nline two"},
				{"id": strconv.Itoa(fieldPurchaseDate), "value": "2025-12-31"},
				{"id": strconv.Itoa(fieldAmount), "value": "12.5"},
			},
			want: map[int]want{
				fieldPriority:     {"2", "Medium"},
				fieldProduct:      {"2", "Mobile App"},
				fieldVendor:       {"AWS Marketplace", "AWS Marketplace"},
				fieldComments:     {"line one\nline two", "line one\nline two"},
				fieldPurchaseDate: {"2025-12-31", "2025-12-31"},
				fieldAmount:       {"12.5", "12.5"},
			},
		},
		{
			name: "names in any case and spacing",
			fields: []map[string]any{
				{"name": "  PRIORITY ", "value": "low"},
				{"name": "purchase   date", "value": "2024-02-29"},
				{"name": "AMOUNT", "value": "-3"},
				{"name": "vEnDoR", "value": "  keeps its spaces  "},
			},
			want: map[int]want{
				fieldPriority:     {"1", "Low"},
				fieldPurchaseDate: {"2024-02-29", "2024-02-29"},
				fieldAmount:       {"-3", "-3"},
				fieldVendor:       {"  keeps its spaces  ", "  keeps its spaces  "},
			},
		},
		{
			name: "dropdown labels in any case and by option id",
			fields: []map[string]any{
				{"name": "priority", "value": "  hIgH "},
				{"name": "product", "value": "4"},
			},
			want: map[int]want{
				fieldPriority: {"3", "High"},
				fieldProduct:  {"4", "Integrations"},
			},
		},
		{
			name: "id and name together",
			fields: []map[string]any{
				{"id": strconv.Itoa(fieldPriority), "name": "priority", "value": "Medium"},
			},
			want: map[int]want{fieldPriority: {"2", "Medium"}},
		},
		{
			name:   "empty and null values clear",
			before: []map[string]any{{"name": "Vendor", "value": "Direct"}, {"name": "Priority", "value": "Low"}},
			fields: []map[string]any{
				{"name": "Vendor", "value": ""},
				{"name": "Priority", "value": nil},
				{"name": "Amount", "value": "7"},
			},
			want: map[int]want{
				fieldVendor:   {"", ""},
				fieldPriority: {"", ""},
				fieldAmount:   {"7", "7"},
			},
		},
	}
	for _, b := range cacheBackends {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				env, _ := startOnBackend(t, b, nil)
				up := env.Upstream
				convID := supportConversation(t, env)
				if tt.before != nil {
					if _, uerrs := updateFields(t, env, convID, tt.before); len(uerrs) > 0 {
						t.Fatalf("setting up: %s", mustJSON(uerrs))
					}
				}
				before := storedFields(up, convID)
				up.ResetCounts()

				conv, uerrs := updateFields(t, env, convID, tt.fields)
				if len(uerrs) > 0 {
					t.Fatalf("userErrors: %s", mustJSON(uerrs))
				}
				if n := up.Count(routeFieldsWrite); n != 1 {
					t.Errorf("%d custom-field writes upstream, want 1 for all %d fields", n, len(tt.fields))
				}
				if n := up.Count(routeFieldDefs); n > 1 {
					t.Errorf("%d definitions calls, want at most 1", n)
				}

				after := storedFields(up, convID)
				for id, w := range tt.want {
					got, ok := after[id]
					if w.stored == "" && ok {
						t.Errorf("field %d: FreeScout stores %q, want it cleared", id, got)
					}
					if w.stored != "" && got != w.stored {
						t.Errorf("field %d: FreeScout stores %q, want %q", id, got, w.stored)
					}
				}
				for _, id := range supportFields {
					if _, touched := tt.want[id]; !touched && after[id] != before[id] {
						t.Errorf("field %d, not in the input, changed from %q to %q", id, before[id], after[id])
					}
				}

				if conv == nil || conv.ID != strconv.Itoa(convID) {
					t.Fatalf("payload conversation = %s, want conversation %d", mustJSON(conv), convID)
				}
				byID := map[string]fieldValueOut{}
				for _, f := range conv.CustomFields {
					byID[f.ID] = f
				}
				for id, w := range tt.want {
					f, ok := byID[strconv.Itoa(id)]
					switch {
					case w.stored == "" && ok:
						t.Errorf("payload still shows cleared field %d: %s", id, mustJSON(f))
					case w.stored != "" && (!ok || quoteOrNull(f.Value) != strconv.Quote(w.stored) || quoteOrNull(f.Text) != strconv.Quote(w.text)):
						t.Errorf("payload field %d = %s, want value %q text %q", id, mustJSON(f), w.stored, w.text)
					}
				}
				if len(conv.CustomFields) != len(after) {
					t.Errorf("payload shows %d fields, FreeScout holds %d: %s", len(conv.CustomFields), len(after), mustJSON(conv.CustomFields))
				}
			})
		}
	}
}

// TestUpdateConversationCustomFieldsRejects: whatever fails validation comes
// back in userErrors that point at the input and name the field; one bad
// field rejects the whole call and FreeScout receives nothing.
func TestUpdateConversationCustomFieldsRejects(t *testing.T) {
	if withoutCustomFields(t) {
		return
	}
	type wantErr struct {
		field    []string
		code     string
		contains []string // in the message
	}
	tests := []struct {
		name   string
		fields []map[string]any
		want   []wantErr
	}{
		{
			name:   "unknown field name",
			fields: []map[string]any{{"name": "Severity", "value": "high"}},
			want:   []wantErr{{[]string{"fields", "0", "name"}, string(errcode.UnknownField), []string{`"Severity"`, "Priority (" + strconv.Itoa(fieldPriority) + ")"}}},
		},
		{
			name:   "unknown field id",
			fields: []map[string]any{{"id": "999", "value": "x"}},
			want:   []wantErr{{[]string{"fields", "0", "id"}, string(errcode.UnknownField), []string{"999"}}},
		},
		{
			name:   "field of another mailbox",
			fields: []map[string]any{{"id": "7", "value": "USD"}}, // Billing's Currency
			want:   []wantErr{{[]string{"fields", "0", "id"}, string(errcode.UnknownField), []string{"7"}}},
		},
		{
			name:   "unknown label",
			fields: []map[string]any{{"name": "priority", "value": "Urgent"}},
			want:   []wantErr{{[]string{"fields", "0", "value"}, string(errcode.UnknownOption), []string{"Priority", `"Urgent"`, "Low, Medium, High"}}},
		},
		{
			name:   "unknown option id",
			fields: []map[string]any{{"id": strconv.Itoa(fieldProduct), "value": "9"}},
			want:   []wantErr{{[]string{"fields", "0", "value"}, string(errcode.UnknownOption), []string{"Product", "Web App, Mobile App, API, Integrations"}}},
		},
		{
			name:   "bad date",
			fields: []map[string]any{{"name": "Purchase Date", "value": "15/03/2024"}},
			want:   []wantErr{{[]string{"fields", "0", "value"}, string(errcode.InvalidDate), []string{"Purchase Date", "YYYY-MM-DD"}}},
		},
		{
			name:   "date not in the calendar",
			fields: []map[string]any{{"name": "Purchase Date", "value": "2023-02-29"}},
			want:   []wantErr{{[]string{"fields", "0", "value"}, string(errcode.InvalidDate), []string{"Purchase Date"}}},
		},
		{
			name:   "bad number",
			fields: []map[string]any{{"name": "Amount", "value": "twelve"}},
			want:   []wantErr{{[]string{"fields", "0", "value"}, string(errcode.InvalidNumber), []string{"Amount", `"twelve"`}}},
		},
		{
			name:   "duplicate field",
			fields: []map[string]any{{"name": "Priority", "value": "Low"}, {"id": strconv.Itoa(fieldPriority), "value": "High"}},
			want:   []wantErr{{[]string{"fields", "1", "id"}, string(errcode.DuplicateField), []string{"Priority"}}},
		},
		{
			name: "one bad field rejects the call",
			fields: []map[string]any{
				{"name": "Priority", "value": "High"},
				{"name": "Vendor", "value": "SoftwareOne"},
				{"name": "Purchase Date", "value": "tomorrow"},
			},
			want: []wantErr{{[]string{"fields", "2", "value"}, string(errcode.InvalidDate), []string{"Purchase Date"}}},
		},
		{
			name: "every problem reported",
			fields: []map[string]any{
				{"name": "Nope", "value": "1"},
				{"name": "Product", "value": "Desktop"},
				{"name": "Amount", "value": "1,000"},
				{"name": "Vendor", "value": "fine"},
			},
			want: []wantErr{
				{[]string{"fields", "0", "name"}, string(errcode.UnknownField), []string{`"Nope"`}},
				{[]string{"fields", "1", "value"}, string(errcode.UnknownOption), []string{"Product", `"Desktop"`}},
				{[]string{"fields", "2", "value"}, string(errcode.InvalidNumber), []string{"Amount"}},
			},
		},
	}
	for _, b := range cacheBackends {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				env, _ := startOnBackend(t, b, nil)
				up := env.Upstream
				convID := supportConversation(t, env)
				before := storedFields(up, convID)
				up.ResetCounts()

				conv, uerrs := updateFields(t, env, convID, tt.fields)
				if conv != nil {
					t.Errorf("payload has a conversation despite userErrors: %s", mustJSON(conv))
				}
				if len(uerrs) != len(tt.want) {
					t.Fatalf("userErrors = %s, want %d", mustJSON(uerrs), len(tt.want))
				}
				for i, w := range tt.want {
					got := uerrs[i]
					if !slices.Equal(got.Field, w.field) || got.Code != w.code {
						t.Errorf("userErrors[%d] = %s, want field %q code %s", i, mustJSON(got), w.field, w.code)
					}
					for _, s := range w.contains {
						if !strings.Contains(got.Message, s) {
							t.Errorf("userErrors[%d].message %q does not contain %q", i, got.Message, s)
						}
					}
				}
				if n := up.Count(routeFieldsWrite); n != 0 {
					t.Errorf("FreeScout received %d custom-field writes, want none", n)
				}
				// The cache was cold: the one fetch was fresh, so even a
				// stale-looking problem must not fetch again.
				if n := up.Count(routeFieldDefs); n != 1 {
					t.Errorf("%d definitions calls, want 1", n)
				}
				if after := storedFields(up, convID); !maps.Equal(after, before) {
					t.Errorf("stored values changed: before %v, after %v", before, after)
				}
			})
		}
	}
}

// TestCustomFieldLabelAddedUpstream: a label an administrator adds in
// FreeScout after the definitions were cached is accepted after exactly one
// refetch, which also refreshes the cache; a label that is still unknown
// after the refetch is rejected without a second one.
func TestCustomFieldLabelAddedUpstream(t *testing.T) {
	if withoutCustomFields(t) {
		return
	}
	for _, b := range cacheBackends {
		t.Run(b.name, func(t *testing.T) {
			env, _ := startOnBackend(t, b, nil)
			up := env.Upstream
			convID := supportConversation(t, env)
			mailboxFields(t, env, supportMailbox) // warm the cache
			if err := up.AddDropdownOption(fieldPriority, 4, "Critical"); err != nil {
				t.Fatal(err)
			}
			up.ResetCounts()

			conv, uerrs := updateFields(t, env, convID, []map[string]any{{"name": "Priority", "value": "critical"}})
			if len(uerrs) > 0 {
				t.Fatalf("userErrors: %s", mustJSON(uerrs))
			}
			if n := up.Count(routeFieldDefs); n != 1 {
				t.Errorf("%d definitions calls, want exactly 1 refetch", n)
			}
			if n := up.Count(routeFieldsWrite); n != 1 {
				t.Errorf("%d custom-field writes, want 1", n)
			}
			if v, _ := up.ConversationFieldValue(convID, fieldPriority); v != "4" {
				t.Errorf("FreeScout stores Priority %q, want option 4", v)
			}
			if f, _ := conv.byName("Priority"); quoteOrNull(f.Value) != `"4"` || quoteOrNull(f.Text) != `"Critical"` {
				t.Errorf("payload Priority = %s, want value 4 text Critical", mustJSON(f))
			}

			// The refetch refreshed the cache: readers see the new option
			// without another call.
			if got := fieldNamed(t, mailboxFields(t, env, supportMailbox), "Priority").labels(); !slices.Equal(got, []string{"Low", "Medium", "High", "Critical"}) {
				t.Errorf("Priority labels after the refetch = %q", got)
			}
			if n := up.Count(routeFieldDefs); n != 1 {
				t.Errorf("%d definitions calls after reading again, want still 1", n)
			}

			up.ResetCounts()
			_, uerrs = updateFields(t, env, convID, []map[string]any{{"name": "Priority", "value": "Blocker"}})
			if len(uerrs) != 1 || uerrs[0].Code != string(errcode.UnknownOption) ||
				!strings.Contains(uerrs[0].Message, "Low, Medium, High, Critical") {
				t.Errorf("unknown label: userErrors = %s", mustJSON(uerrs))
			}
			if n := up.Count(routeFieldDefs); n != 1 {
				t.Errorf("unknown label: %d definitions calls, want exactly 1 refetch", n)
			}
			if n := up.Count(routeFieldsWrite); n != 0 {
				t.Errorf("unknown label: %d custom-field writes, want none", n)
			}
		})
	}
}

// TestCustomFieldRenamedUpstream: a field an administrator renames in
// FreeScout after the definitions were cached is found by its new name after
// exactly one refetch; its old name is then unknown.
func TestCustomFieldRenamedUpstream(t *testing.T) {
	if withoutCustomFields(t) {
		return
	}
	for _, b := range cacheBackends {
		t.Run(b.name, func(t *testing.T) {
			env, _ := startOnBackend(t, b, nil)
			up := env.Upstream
			convID := supportConversation(t, env)
			mailboxFields(t, env, supportMailbox) // warm the cache
			if err := up.RenameCustomField(fieldVendor, "Reseller"); err != nil {
				t.Fatal(err)
			}
			up.ResetCounts()

			conv, uerrs := updateFields(t, env, convID, []map[string]any{{"name": "reseller", "value": "SoftwareOne"}})
			if len(uerrs) > 0 {
				t.Fatalf("userErrors: %s", mustJSON(uerrs))
			}
			if n := up.Count(routeFieldDefs); n != 1 {
				t.Errorf("%d definitions calls, want exactly 1 refetch", n)
			}
			if n := up.Count(routeFieldsWrite); n != 1 {
				t.Errorf("%d custom-field writes, want 1", n)
			}
			if f, ok := conv.byName("Reseller"); !ok || quoteOrNull(f.Value) != `"SoftwareOne"` {
				t.Errorf("payload Reseller = %s in %s", mustJSON(f), mustJSON(conv))
			}

			up.ResetCounts()
			_, uerrs = updateFields(t, env, convID, []map[string]any{{"name": "Vendor", "value": "Direct"}})
			if len(uerrs) != 1 || uerrs[0].Code != string(errcode.UnknownField) ||
				!slices.Equal(uerrs[0].Field, []string{"fields", "0", "name"}) || !strings.Contains(uerrs[0].Message, "Reseller ("+strconv.Itoa(fieldVendor)+")") {
				t.Errorf("old name: userErrors = %s", mustJSON(uerrs))
			}
			if n := up.Count(routeFieldsWrite); n != 0 {
				t.Errorf("old name: %d custom-field writes, want none", n)
			}
		})
	}
}

// TestCustomFieldWriteRejectedUpstream: when FreeScout rejects a write the
// cached definitions allowed (an option removed upstream since), the error
// comes back as a fieldUserError on the input and the mailbox's cached
// definitions are dropped, so the next read fetches them again.
func TestCustomFieldWriteRejectedUpstream(t *testing.T) {
	if withoutCustomFields(t) {
		return
	}
	tests := []struct {
		name  string
		route string
		path  []string
		write func(t *testing.T, env *gatewaytest.Env, convID int) []fieldUserError
	}{
		{
			name: "updateConversationCustomFields", route: routeFieldsWrite, path: []string{"fields", "0", "value"},
			write: func(t *testing.T, env *gatewaytest.Env, convID int) []fieldUserError {
				conv, uerrs := updateFields(t, env, convID, []map[string]any{{"name": "Priority", "value": "High"}})
				if conv != nil {
					t.Errorf("payload has a conversation: %s", mustJSON(conv))
				}
				return uerrs
			},
		},
		{
			name: "createConversation", route: routeCreateConv, path: []string{"customFields", "0", "value"},
			write: func(t *testing.T, env *gatewaytest.Env, _ int) []fieldUserError {
				conv, uerrs := createConversation(t, env, []map[string]any{{"name": "Priority", "value": "High"}})
				if conv != nil {
					t.Errorf("payload has a conversation: %s", mustJSON(conv))
				}
				return uerrs
			},
		},
	}
	for _, b := range cacheBackends {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				env, _ := startOnBackend(t, b, nil)
				up := env.Upstream
				convID := supportConversation(t, env)
				mailboxFields(t, env, supportMailbox) // warm: High is option 3
				if err := up.RemoveDropdownOption(fieldPriority, 3); err != nil {
					t.Fatal(err)
				}
				before := storedFields(up, convID)
				up.ResetCounts()

				uerrs := tt.write(t, env, convID)
				if len(uerrs) != 1 || !slices.Equal(uerrs[0].Field, tt.path) {
					t.Errorf("userErrors = %s, want one at %q", mustJSON(uerrs), tt.path)
				}
				if n := up.Count(tt.route); n != 1 {
					t.Errorf("%d writes, want 1 (the one FreeScout rejected)", n)
				}
				if n := up.Count(routeFieldDefs); n != 0 {
					t.Errorf("%d definitions calls during the write, want 0", n)
				}
				if after := storedFields(up, convID); !maps.Equal(after, before) {
					t.Errorf("stored values changed: before %v, after %v", before, after)
				}

				got := fieldNamed(t, mailboxFields(t, env, supportMailbox), "Priority").labels()
				if n := up.Count(routeFieldDefs); n != 1 {
					t.Errorf("reading after the rejection: %d definitions calls, want 1 (the cache was dropped)", n)
				}
				if !slices.Equal(got, []string{"Low", "Medium"}) {
					t.Errorf("Priority labels after the refetch = %q, want Low, Medium", got)
				}

				// Now the gateway knows: High is refused before FreeScout sees it.
				up.ResetCounts()
				_, uerrs = updateFields(t, env, convID, []map[string]any{{"name": "Priority", "value": "High"}})
				if len(uerrs) != 1 || uerrs[0].Code != string(errcode.UnknownOption) {
					t.Errorf("after the refetch: userErrors = %s, want UNKNOWN_OPTION", mustJSON(uerrs))
				}
				if n := up.Count(routeFieldsWrite); n != 0 {
					t.Errorf("after the refetch: %d writes, want none", n)
				}
			})
		}
	}
}

// createConversation runs createConversation in the Support mailbox with the
// given custom fields.
func createConversation(t testing.TB, env *gatewaytest.Env, fields []map[string]any) (*payloadConversation, []fieldUserError) {
	t.Helper()
	return createConversationIn(t, env, strconv.Itoa(supportMailbox), fields)
}

// createConversationIn runs createConversation in a mailbox with the given
// custom fields.
func createConversationIn(t testing.TB, env *gatewaytest.Env, mailboxID string, fields []map[string]any) (*payloadConversation, []fieldUserError) {
	t.Helper()
	customer := map[string]any{"email": "custom.fields@example.org", "firstName": "Casey"}
	input := map[string]any{
		"type":         "EMAIL",
		"mailboxId":    mailboxID,
		"subject":      "Export button does nothing",
		"customer":     customer,
		"threads":      []map[string]any{{"type": "CUSTOMER", "text": "Clicking Export does nothing.", "customer": customer}},
		"imported":     true,
		"customFields": fields,
	}
	var data struct {
		Payload struct {
			Conversation *payloadConversation `json:"conversation"`
			UserErrors   []fieldUserError     `json:"userErrors"`
		} `json:"createConversation"`
	}
	env.Do(t, createConversationMutation, map[string]any{"input": input}).MustData(t, &data)
	return data.Payload.Conversation, data.Payload.UserErrors
}

// TestCreateConversationCustomFields: createConversation takes custom fields
// by name and label, translated like updateConversationCustomFields, and
// sends nothing when one of them is invalid.
func TestCreateConversationCustomFields(t *testing.T) {
	if withoutCustomFields(t) {
		return
	}
	for _, b := range cacheBackends {
		t.Run(b.name+"/by label", func(t *testing.T) {
			env, _ := startOnBackend(t, b, nil)
			up := env.Upstream
			conv, uerrs := createConversation(t, env, []map[string]any{
				{"name": "priority", "value": "MEDIUM"},
				{"name": "Product", "value": "api"},
				{"id": strconv.Itoa(fieldPurchaseDate), "value": "2025-01-31"},
				{"name": "Amount", "value": "3"},
			})
			if len(uerrs) > 0 || conv == nil {
				t.Fatalf("userErrors %s, conversation %s", mustJSON(uerrs), mustJSON(conv))
			}
			if n := up.Count(routeCreateConv); n != 1 {
				t.Errorf("%d creates, want 1", n)
			}
			id, err := strconv.Atoi(conv.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := map[int]string{fieldPriority: "2", fieldProduct: "3", fieldPurchaseDate: "2025-01-31", fieldAmount: "3"}
			if got := storedFields(up, id); !maps.Equal(got, want) {
				t.Errorf("FreeScout stores %v, want %v", got, want)
			}
			for name, text := range map[string]string{"Priority": "Medium", "Product": "API", "Purchase Date": "2025-01-31", "Amount": "3"} {
				if f, ok := conv.byName(name); !ok || quoteOrNull(f.Text) != strconv.Quote(text) {
					t.Errorf("payload %s = %s, want text %q", name, mustJSON(f), text)
				}
			}
		})
		t.Run(b.name+"/unknown mailbox", func(t *testing.T) {
			env, _ := startOnBackend(t, b, nil)
			up := env.Upstream
			conv, uerrs := createConversationIn(t, env, "999", []map[string]any{{"name": "Priority", "value": "High"}})
			if conv != nil {
				t.Errorf("payload has a conversation: %s", mustJSON(conv))
			}
			if len(uerrs) != 1 || !slices.Equal(uerrs[0].Field, []string{"mailboxId"}) || uerrs[0].Code != "NOT_FOUND" {
				t.Errorf("userErrors = %s, want NOT_FOUND at mailboxId", mustJSON(uerrs))
			}
			if n := up.Count(routeCreateConv); n != 0 {
				t.Errorf("%d creates reached FreeScout, want none", n)
			}
		})
		t.Run(b.name+"/bad label", func(t *testing.T) {
			env, _ := startOnBackend(t, b, nil)
			up := env.Upstream
			conv, uerrs := createConversation(t, env, []map[string]any{
				{"name": "Priority", "value": "High"},
				{"name": "Product", "value": "Desktop"},
			})
			if conv != nil {
				t.Errorf("payload has a conversation: %s", mustJSON(conv))
			}
			if len(uerrs) != 1 || !slices.Equal(uerrs[0].Field, []string{"customFields", "1", "value"}) ||
				uerrs[0].Code != string(errcode.UnknownOption) || !strings.Contains(uerrs[0].Message, "Web App, Mobile App, API, Integrations") {
				t.Errorf("userErrors = %s", mustJSON(uerrs))
			}
			if n := up.Count(routeCreateConv); n != 0 {
				t.Errorf("%d creates reached FreeScout, want none", n)
			}
		})
	}
}
