package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// adminAPI is an emulator behind a real HTTP server, without authentication.
type adminAPI struct {
	em  *emulator.Emulator
	url string
}

func newAdminAPI(t *testing.T) *adminAPI {
	t.Helper()
	em := emulator.New(emulator.Options{})
	srv := httptest.NewServer(em)
	t.Cleanup(srv.Close)
	return &adminAPI{em: em, url: srv.URL}
}

// do sends a request and returns the status and body.
func (a *adminAPI) do(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, a.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// fields returns the wire definitions of the Support mailbox's fields.
func (a *adminAPI) fields(t *testing.T) []map[string]any {
	t.Helper()
	status, body := a.do(t, http.MethodGet, "/api/mailboxes/1/custom_fields", "")
	if status != http.StatusOK {
		t.Fatalf("list custom fields: %d %s", status, body)
	}
	var v struct {
		Embedded struct {
			Fields []map[string]any `json:"custom_fields"`
		} `json:"_embedded"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	return v.Embedded.Fields
}

// field returns the wire definition of a Support mailbox field by id.
func (a *adminAPI) field(t *testing.T, id int) map[string]any {
	t.Helper()
	fields := a.fields(t)
	for _, f := range fields {
		if f["id"] == float64(id) {
			return f
		}
	}
	t.Fatalf("no field %d in %v", id, fields)
	return nil
}

// fieldID returns the id of the Support mailbox field with the name.
func (a *adminAPI) fieldID(t *testing.T, name string) int {
	t.Helper()
	fields := a.fields(t)
	for _, f := range fields {
		if f["name"] == name {
			return int(f["id"].(float64))
		}
	}
	t.Fatalf("no field %q in %v", name, fields)
	return 0
}

func TestAdminDropdownOptions(t *testing.T) {
	a := newAdminAPI(t)
	conv := firstSupportConversation(t, a)
	convID, err := strconv.Atoi(conv)
	if err != nil {
		t.Fatal(err)
	}
	priority, vendor := a.fieldID(t, "Priority"), a.fieldID(t, "Vendor") // a dropdown, a text field
	put := func(value string) int {
		status, _ := a.do(t, http.MethodPut, "/api/conversations/"+conv+"/custom_fields",
			`{"customFields":[{"id":`+strconv.Itoa(priority)+`,"value":`+value+`}]}`)
		return status
	}
	if status := put("4"); status != http.StatusBadRequest {
		t.Fatalf("unknown option 4: status %d, want 400", status)
	}

	if err := a.em.AddDropdownOption(priority, 4, "Critical"); err != nil {
		t.Fatal(err)
	}
	opts := a.field(t, priority)["options"].(map[string]any)
	if opts["4"] != "Critical" || len(opts) != 4 {
		t.Errorf("options after adding 4 = %v", opts)
	}
	if status := put("4"); status != http.StatusNoContent {
		t.Fatalf("new option 4: status %d, want 204", status)
	}
	if v, ok := a.em.ConversationFieldValue(convID, priority); !ok || v != "4" {
		t.Errorf("stored value = %q %v, want 4", v, ok)
	}

	if err := a.em.RemoveDropdownOption(priority, 3); err != nil {
		t.Fatal(err)
	}
	if opts := a.field(t, priority)["options"].(map[string]any); opts["3"] != nil || len(opts) != 3 {
		t.Errorf("options after removing 3 = %v", opts)
	}
	if status := put("3"); status != http.StatusBadRequest {
		t.Errorf("removed option 3: status %d, want 400", status)
	}

	// Removing the option a conversation holds keeps the value, without a label.
	if err := a.em.RemoveDropdownOption(priority, 4); err != nil {
		t.Fatal(err)
	}
	if v, ok := a.em.ConversationFieldValue(convID, priority); !ok || v != "4" {
		t.Errorf("stored value after removing its option = %q %v, want 4 kept", v, ok)
	}

	for name, err := range map[string]error{
		"add to unknown field":    a.em.AddDropdownOption(999, 1, "X"),
		"add to a non-dropdown":   a.em.AddDropdownOption(vendor, 1, "X"),
		"add an existing id":      a.em.AddDropdownOption(priority, 1, "Again"),
		"add id 0":                a.em.AddDropdownOption(priority, 0, "Zero"),
		"add an empty label":      a.em.AddDropdownOption(priority, 9, ""),
		"remove an unknown id":    a.em.RemoveDropdownOption(priority, 42),
		"remove from a text":      a.em.RemoveDropdownOption(vendor, 1),
		"rename an unknown field": a.em.RenameCustomField(999, "X"),
		"rename to empty":         a.em.RenameCustomField(vendor, ""),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if opts := a.field(t, priority)["options"].(map[string]any); len(opts) != 2 {
		t.Errorf("failed calls changed the options: %v", opts)
	}
}

func TestAdminRenameCustomField(t *testing.T) {
	a := newAdminAPI(t)
	vendor := a.fieldID(t, "Vendor")
	if err := a.em.RenameCustomField(vendor, "Reseller"); err != nil {
		t.Fatal(err)
	}
	if name := a.field(t, vendor)["name"]; name != "Reseller" {
		t.Errorf("name = %v", name)
	}
}

// firstSupportConversation returns the id of a conversation of mailbox 1.
func firstSupportConversation(t *testing.T, a *adminAPI) string {
	t.Helper()
	status, body := a.do(t, http.MethodGet, "/api/conversations?mailboxId=1&pageSize=1", "")
	if status != http.StatusOK {
		t.Fatalf("list conversations: %d %s", status, body)
	}
	var v struct {
		Embedded struct {
			Conversations []struct {
				ID json.Number `json:"id"`
			} `json:"conversations"`
		} `json:"_embedded"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil || len(v.Embedded.Conversations) == 0 {
		t.Fatalf("list conversations: %v %s", err, body)
	}
	return v.Embedded.Conversations[0].ID.String()
}
