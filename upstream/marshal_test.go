package upstream_test

import (
	"reflect"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/scoutgraph/scoutgraph/upstream"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// roundTrip encodes v and decodes the encoding into a new value of its type.
func roundTrip[T any](t *testing.T, v T) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	return out
}

// TestEncodingKeepsWhatWasDecoded: what the caches keep decodes to what
// FreeScout's answer decoded to, what FreeScout left out included (which
// keys of an embedded person were sent, whether threads, tags and timelogs
// were embedded at all).
func TestEncodingKeepsWhatWasDecoded(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	ctx := t.Context()
	id := richConversation(t, e.client)
	embeds := [][]string{{""}, {upstream.EmbedThreads}, {upstream.EmbedTags, upstream.EmbedTimelogs}, {upstream.EmbedThreads, upstream.EmbedTags, upstream.EmbedTimelogs}}
	for _, embed := range embeds {
		c, err := e.client.Conversations.Get(ctx, id, embed...)
		if err != nil {
			t.Fatal(err)
		}
		if got := roundTrip(t, c); !reflect.DeepEqual(got, c) {
			t.Errorf("embed %v: conversation changed in the round trip:\n got %+v\nwant %+v", embed, got, c)
		}
	}
	list, _, err := e.client.Conversations.List(ctx, &upstream.ConversationListOptions{Embed: []string{upstream.EmbedThreads}, ListOptions: upstream.ListOptions{PageSize: 50}})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) == 0 {
		t.Fatal("the sample data lists no conversations")
	}
	if got := roundTrip(t, list); !reflect.DeepEqual(got, list) {
		t.Errorf("a list of %d conversations changed in the round trip", len(list))
	}
	customers, _, err := e.client.Customers.List(ctx, &upstream.CustomerListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range customers {
		full, err := e.client.Customers.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := roundTrip(t, full); !reflect.DeepEqual(got, full) {
			t.Errorf("customer %d changed in the round trip:\n got %+v\nwant %+v", c.ID, got, full)
		}
	}
}

// TestPersonEncoding: a person encodes the keys FreeScout sent, even empty
// or null ones, and one made in code its non-empty fields.
func TestPersonEncoding(t *testing.T) {
	var sent upstream.Person
	if err := json.Unmarshal([]byte(`{"id":7,"type":"user","firstName":null,"email":"a@b.c","extra":{"x":1}}`), &sent); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(sent)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":7,"type":"user","firstName":"","email":"a@b.c","extra":null}`; string(b) != want {
		t.Errorf("sent person encodes as %s, want %s", b, want)
	}
	got := roundTrip(t, sent)
	for _, key := range []string{"id", "type", "firstName", "email", "extra"} {
		if !got.Has(key) {
			t.Errorf("after the round trip Has(%q) = false", key)
		}
	}
	if got.Has("lastName") || got.Has("photoUrl") {
		t.Error("after the round trip the person has keys FreeScout did not send")
	}
	made, err := json.Marshal(upstream.Person{ID: 3, Type: "user", LastName: "Ng"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":3,"type":"user","lastName":"Ng"}`; string(made) != want {
		t.Errorf("made person encodes as %s, want %s", made, want)
	}
}

// TestEmbedsEncoding: embedded and empty stays embedded, not embedded stays
// not embedded.
func TestEmbedsEncoding(t *testing.T) {
	var c upstream.Conversation
	if err := json.Unmarshal([]byte(`{"id":1,"threads":2,"_embedded":{"tags":[],"threads":[{"id":5,"type":"note"}]}}`), &c); err != nil {
		t.Fatal(err)
	}
	got := roundTrip(t, c)
	if got.Embedded.Tags == nil || len(got.Embedded.Tags) != 0 {
		t.Errorf("tags embedded empty came back as %#v", got.Embedded.Tags)
	}
	if got.Embedded.Timelogs != nil {
		t.Errorf("timelogs not embedded came back as %#v", got.Embedded.Timelogs)
	}
	if len(got.Embedded.Threads) != 1 || got.ThreadsCount != 2 {
		t.Errorf("threads came back as %+v (count %d)", got.Embedded.Threads, got.ThreadsCount)
	}
}
