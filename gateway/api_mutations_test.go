package gateway_test

import (
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// Mutation documents, each selecting the whole changed object.
const (
	userErrorsSel = `userErrors { field message code }`

	mCreateConversation = `mutation($in: CreateConversationInput!) { createConversation(input: $in) { conversation { ...Conv } ` + userErrorsSel + ` } }` + "\n" + fragsAll
	mUpdateConversation = `mutation($in: UpdateConversationInput!) { updateConversation(input: $in) { conversation { ...Conv } ` + userErrorsSel + ` } }` + "\n" + fragsAll
	mDeleteConversation = `mutation($in: DeleteConversationInput!) { deleteConversation(input: $in) { deletedConversationId ` + userErrorsSel + ` } }`
	mUpdateCustomFields = `mutation($in: UpdateConversationCustomFieldsInput!) { updateConversationCustomFields(input: $in) { conversation { ...Conv } ` + userErrorsSel + ` } }` + "\n" + fragsAll
	mUpdateTags         = `mutation($in: UpdateConversationTagsInput!) { updateConversationTags(input: $in) { conversation { ...Conv } ` + userErrorsSel + ` } }` + "\n" + fragsAll
	mCreateThread       = `mutation($in: CreateThreadInput!) { createThread(input: $in) {
		thread { id type status state body customer { id } createdBy { __typename ... on User { id } ... on Customer { id } } cc bcc attachments { fileName mimeType size } }
		conversation { ...Conv } ` + userErrorsSel + ` } }` + "\n" + fragsAll
	mCreateCustomer       = `mutation($in: CreateCustomerInput!) { createCustomer(input: $in) { customer { ...C } ` + userErrorsSel + ` } }` + "\n" + fragCust
	mUpdateCustomer       = `mutation($in: UpdateCustomerInput!) { updateCustomer(input: $in) { customer { ...C } ` + userErrorsSel + ` } }` + "\n" + fragCust
	mUpdateCustomerFields = `mutation($in: UpdateCustomerFieldsInput!) { updateCustomerFields(input: $in) { customer { ...C } ` + userErrorsSel + ` } }` + "\n" + fragCust
	mCreateUser           = `mutation($in: CreateUserInput!) { createUser(input: $in) { user { ...U mailboxes { id } } ` + userErrorsSel + ` } }` + "\n" + fragUser
	mDeleteUser           = `mutation($in: DeleteUserInput!) { deleteUser(input: $in) { deletedUserId ` + userErrorsSel + ` } }`
	mCreateWebhook        = `mutation($in: CreateWebhookInput!) { createWebhook(input: $in) { webhook { id url events } ` + userErrorsSel + ` } }`
	mDeleteWebhook        = `mutation($in: DeleteWebhookInput!) { deleteWebhook(input: $in) { deletedWebhookId ` + userErrorsSel + ` } }`
)

// mutate runs a mutation and returns its payload (data.<field>), failing on
// GraphQL errors.
func (a *apiEnv) mutate(t *testing.T, doc, field string, input map[string]any) map[string]any {
	t.Helper()
	return a.data(t, doc, map[string]any{"in": input})[field].(map[string]any)
}

// mutationModules are the optional modules mutations need.
var mutationModules = map[string]upstream.Module{
	"updateConversationCustomFields": upstream.ModuleCustomFields,
	"updateConversationTags":         upstream.ModuleTags,
	"updateCustomerFields":           upstream.ModuleCRM,
}

// withoutModule runs a mutation that needs module m on an install without it:
// MODULE_UNAVAILABLE naming the module, and no payload.
func (a *apiEnv) withoutModule(t *testing.T, doc string, input map[string]any, m upstream.Module) {
	t.Helper()
	r := a.Do(t, doc, map[string]any{"in": input})
	assertModuleUnavailable(t, "the mutation", r, m)
	if string(r.Data) != "null" {
		t.Errorf("data %s, want null: the payload is not nullable", r.Data)
	}
}

// noUserErrors fails unless the payload's userErrors is an empty list.
func noUserErrors(t *testing.T, payload map[string]any) {
	t.Helper()
	if ue, ok := payload["userErrors"].([]any); !ok || len(ue) != 0 {
		t.Fatalf("userErrors = %s, want []", shortJSON(payload["userErrors"]))
	}
}

func atoi(t *testing.T, v any) int {
	t.Helper()
	s, _ := v.(string)
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("id %v: %v", v, err)
	}
	return n
}

func fieldValues(c *upstream.Conversation) map[int]string {
	out := map[int]string{}
	for _, f := range c.CustomFields {
		out[f.ID] = string(f.Value)
	}
	return out
}

func tagNames(c *upstream.Conversation) []string {
	var out []string
	for _, tg := range c.Embedded.Tags {
		out = append(out, tg.Name)
	}
	slices.Sort(out)
	return out
}

// TestAPIMutations performs every mutation once for real and checks its
// effect in FreeScout (read back from the emulator), that it made exactly one
// write call, and that its payload is the object as it now stands.
func TestAPIMutations(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		route string // the write route, called exactly once
		run   func(t *testing.T, a *apiEnv)
		// needs is the optional module the mutation needs; on an install
		// without it, without runs instead of run (it must answer
		// MODULE_UNAVAILABLE), and the write route is called sentWithout
		// times (once when only FreeScout can tell, refused).
		needs       upstream.Module
		without     func(t *testing.T, a *apiEnv)
		sentWithout int
	}{
		{
			name:  "createConversation from a customer",
			route: "POST /api/conversations",
			run: func(t *testing.T, a *apiEnv) {
				p := a.mutate(t, mCreateConversation, "createConversation", map[string]any{
					"type": "EMAIL", "mailboxId": "1", "subject": "Printer on fire",
					"customer": map[string]any{"email": "pat.new@example.org", "firstName": "Pat", "lastName": "New"},
					"threads": []any{map[string]any{
						"type": "CUSTOMER", "text": "<p>It is burning</p>", "customer": map[string]any{"email": "pat.new@example.org"},
						"cc": []string{"boss@example.org"},
					}},
					"assigneeId": "2", "status": "PENDING", "imported": true,
					"customFields": []any{map[string]any{"name": "Priority", "value": "High"}, map[string]any{"id": wantID(fieldVendor), "value": "SoftwareOne"}},
				})
				noUserErrors(t, p)
				c := a.conversation(t, atoi(t, jget(p, "conversation", "id")))
				assertSameJSONExcept(t, "payload", p["conversation"], a.wantConversation(t, c), "friendly")
				cust := a.customer(t, c.Customer.ID)
				if c.Subject != "Printer on fire" || c.Status != "pending" || c.Type != "email" || c.MailboxID != 1 ||
					c.Assignee == nil || c.Assignee.ID != 2 || cust.Embedded.Emails[0].Value != "pat.new@example.org" || cust.FirstName != "Pat" ||
					len(c.Embedded.Threads) != 1 || c.Embedded.Threads[0].Type != "customer" || !slices.Contains(c.Cc, "boss@example.org") {
					t.Errorf("FreeScout has %+v", c)
				}
				if f := fieldValues(c); f[fieldPriority] != "3" || f[fieldVendor] != "SoftwareOne" {
					t.Errorf("custom fields %v, want Priority (%d) 3 (High) and Vendor (%d) SoftwareOne", f, fieldPriority, fieldVendor)
				}
			},
			needs: upstream.ModuleCustomFields,
			without: func(t *testing.T, a *apiEnv) {
				a.withoutModule(t, mCreateConversation, map[string]any{
					"type": "EMAIL", "mailboxId": "1", "subject": "Printer on fire", "customer": map[string]any{"email": "pat.new@example.org"},
					"threads":      []any{map[string]any{"type": "CUSTOMER", "text": "<p>It is burning</p>", "customer": map[string]any{"email": "pat.new@example.org"}}},
					"customFields": []any{map[string]any{"name": "Priority", "value": "High"}},
				}, upstream.ModuleCustomFields)
			},
		},
		{
			name:  "createConversation, imported and closed, by a user",
			route: "POST /api/conversations",
			run: func(t *testing.T, a *apiEnv) {
				p := a.mutate(t, mCreateConversation, "createConversation", map[string]any{
					"type": "PHONE", "mailboxId": "3", "subject": "Call about pricing",
					"customer": map[string]any{"firstName": "Caller", "phone": "+1 555 0100"},
					"threads": []any{
						map[string]any{"type": "NOTE", "text": "Called back", "userId": "4"},
						map[string]any{"type": "MESSAGE", "text": "We spoke on the phone", "userId": "4", "bcc": []string{"log@example.org"}},
					},
					"imported": true, "status": "CLOSED", "createdAt": "2025-01-02T04:04:05+01:00", "closedAt": "2025-01-03T00:00:00Z",
				})
				noUserErrors(t, p)
				c := a.conversation(t, atoi(t, jget(p, "conversation", "id")))
				assertSameJSONExcept(t, "payload", p["conversation"], a.wantConversation(t, c), "friendly")
				if c.Type != "phone" || c.Status != "closed" || c.CreatedAt.Format(time.RFC3339) != "2025-01-02T03:04:05Z" ||
					c.ClosedAt.Format(time.RFC3339) != "2025-01-03T00:00:00Z" || c.CreatedBy == nil || c.CreatedBy.Type != "user" || c.CreatedBy.ID != 4 ||
					len(c.Embedded.Threads) != 2 || c.Embedded.Threads[0].Type != "note" || c.Embedded.Threads[1].Type != "message" {
					t.Errorf("FreeScout has %+v", c)
				}
				if jget(p, "conversation", "createdAt") != "2025-01-02T03:04:05Z" {
					t.Errorf("createdAt %v, want it in UTC", jget(p, "conversation", "createdAt"))
				}
			},
		},
		{
			name:  "updateConversation",
			route: "PUT /api/conversations/{id}",
			run: func(t *testing.T, a *apiEnv) {
				before := a.conversations(t, upstream.ConversationListOptions{Statuses: []string{"active"}, MailboxIDs: []int{1}})[0]
				p := a.mutate(t, mUpdateConversation, "updateConversation", map[string]any{
					"id": wantID(before.ID), "byUserId": "1", "status": "CLOSED", "assigneeId": "3", "customerId": "4", "subject": "Renamed",
				})
				noUserErrors(t, p)
				c := a.conversation(t, before.ID)
				assertSameJSONExcept(t, "payload", p["conversation"], a.wantConversation(t, c), "friendly")
				if c.Status != "closed" || c.Assignee == nil || c.Assignee.ID != 3 || c.Customer.ID != 4 || c.Subject != "Renamed" || c.ClosedBy != 1 {
					t.Errorf("FreeScout has %+v", c)
				}
			},
		},
		{
			name:  "updateConversation moves it to another mailbox",
			route: "PUT /api/conversations/{id}",
			run: func(t *testing.T, a *apiEnv) {
				before := a.conversations(t, upstream.ConversationListOptions{MailboxIDs: []int{1}})[3]
				p := a.mutate(t, mUpdateConversation, "updateConversation", map[string]any{"id": wantID(before.ID), "byUserId": "2", "mailboxId": "2"})
				noUserErrors(t, p)
				c := a.conversation(t, before.ID)
				assertSameJSONExcept(t, "payload", p["conversation"], a.wantConversation(t, c), "friendly")
				if c.MailboxID != 2 || jget(p, "conversation", "mailbox", "id") != "2" {
					t.Errorf("FreeScout has mailbox %d, payload %v", c.MailboxID, jget(p, "conversation", "mailbox"))
				}
			},
		},
		{
			name:  "updateConversation subject only, without byUserId",
			route: "PUT /api/conversations/{id}",
			run: func(t *testing.T, a *apiEnv) {
				p := a.mutate(t, mUpdateConversation, "updateConversation", map[string]any{"id": "9", "subject": "Just a new subject"})
				noUserErrors(t, p)
				c := a.conversation(t, 9)
				assertSameJSONExcept(t, "payload", p["conversation"], a.wantConversation(t, c), "friendly")
				if c.Subject != "Just a new subject" {
					t.Errorf("FreeScout has subject %q", c.Subject)
				}
			},
		},
		{
			name:  "deleteConversation",
			route: "DELETE /api/conversations/{id}",
			run: func(t *testing.T, a *apiEnv) {
				p := a.mutate(t, mDeleteConversation, "deleteConversation", map[string]any{"id": " 007"})
				noUserErrors(t, p)
				if p["deletedConversationId"] != "7" {
					t.Errorf("deletedConversationId = %v", p["deletedConversationId"])
				}
				if _, err := a.fs.Conversations.Get(t.Context(), 7); !errors.Is(err, upstream.ErrNotFound) {
					t.Errorf("FreeScout still has conversation 7: %v", err)
				}
				r := a.Do(t, `{ conversation(id: "7") { id } }`, nil)
				if len(r.Errors) != 1 || r.Errors[0].Code() != "NOT_FOUND" {
					t.Errorf("reading it back: %+v", r.Errors)
				}
			},
		},
		{
			name:  "updateConversationCustomFields",
			route: "PUT /api/conversations/{id}/custom_fields",
			run: func(t *testing.T, a *apiEnv) {
				id := a.conversations(t, upstream.ConversationListOptions{MailboxIDs: []int{1}})[0].ID
				p := a.mutate(t, mUpdateCustomFields, "updateConversationCustomFields", map[string]any{
					"conversationId": wantID(id),
					"fields": []any{
						map[string]any{"name": "priority", "value": "medium"}, map[string]any{"id": wantID(fieldVendor), "value": "AWS Marketplace"},
						map[string]any{"name": "Purchase Date", "value": "2025-02-03"}, map[string]any{"name": "Amount", "value": "12"},
					},
				})
				noUserErrors(t, p)
				c := a.conversation(t, id)
				assertSameJSONExcept(t, "payload", p["conversation"], a.wantConversation(t, c), "friendly")
				if f := fieldValues(c); f[fieldPriority] != "2" || f[fieldVendor] != "AWS Marketplace" || f[fieldPurchaseDate] != "2025-02-03" || f[fieldAmount] != "12" {
					t.Errorf("FreeScout has custom fields %v", f)
				}
				for _, f := range jget(p, "conversation", "customFields").([]any) {
					if jget(f, "id") == wantID(fieldPriority) && jget(f, "text") != "Medium" {
						t.Errorf("Priority reads %v, want Medium", jget(f, "text"))
					}
				}
			},
			needs: upstream.ModuleCustomFields,
			without: func(t *testing.T, a *apiEnv) {
				a.withoutModule(t, mUpdateCustomFields, map[string]any{
					"conversationId": "1", "fields": []any{map[string]any{"name": "priority", "value": "medium"}},
				}, upstream.ModuleCustomFields)
			},
		},
		{
			name:  "updateConversationTags",
			route: "PUT /api/conversations/{id}/tags",
			run: func(t *testing.T, a *apiEnv) {
				p := a.mutate(t, mUpdateTags, "updateConversationTags", map[string]any{"conversationId": "11", "tags": []string{"vip", "brand-new-tag"}})
				noUserErrors(t, p)
				c := a.conversation(t, 11)
				assertSameJSONExcept(t, "payload", p["conversation"], a.wantConversation(t, c), "friendly")
				if got := tagNames(c); !slices.Equal(got, []string{"brand-new-tag", "vip"}) {
					t.Errorf("FreeScout has tags %v", got)
				}
				var tags struct {
					Tags struct{ Nodes []struct{ Name string } } `json:"tags"`
				}
				a.decode(t, `{ tags(first: 100) { nodes { name } } }`, nil, &tags)
				if !slices.ContainsFunc(tags.Tags.Nodes, func(n struct{ Name string }) bool { return n.Name == "brand-new-tag" }) {
					t.Errorf("the new tag is not listed: %+v", tags)
				}
			},
			needs: upstream.ModuleTags, sentWithout: 1,
			without: func(t *testing.T, a *apiEnv) {
				a.withoutModule(t, mUpdateTags, map[string]any{"conversationId": "11", "tags": []string{"vip"}}, upstream.ModuleTags)
			},
		},
		{
			name:  "updateConversationTags with no tags",
			route: "PUT /api/conversations/{id}/tags",
			run: func(t *testing.T, a *apiEnv) {
				id := a.conversations(t, upstream.ConversationListOptions{Tag: "vip"})[0].ID
				p := a.mutate(t, mUpdateTags, "updateConversationTags", map[string]any{"conversationId": wantID(id), "tags": []string{}})
				noUserErrors(t, p)
				c := a.conversation(t, id)
				assertSameJSONExcept(t, "payload", p["conversation"], a.wantConversation(t, c), "friendly")
				if len(c.Embedded.Tags) != 0 {
					t.Errorf("FreeScout still has tags %v", tagNames(c))
				}
			},
			needs: upstream.ModuleTags, sentWithout: 1,
			without: func(t *testing.T, a *apiEnv) {
				a.withoutModule(t, mUpdateTags, map[string]any{"conversationId": "11", "tags": []string{}}, upstream.ModuleTags)
			},
		},
		{
			name:  "createThread: a user's note",
			route: "POST /api/conversations/{id}/threads",
			run: func(t *testing.T, a *apiEnv) {
				before := a.conversation(t, 12)
				p := a.mutate(t, mCreateThread, "createThread", map[string]any{"conversationId": "12", "type": "NOTE", "text": "Internal note", "userId": "2"})
				noUserErrors(t, p)
				c := a.conversation(t, 12)
				assertSameJSONExcept(t, "payload", p["conversation"], a.wantConversation(t, c), "friendly")
				th := c.Embedded.Threads[0]
				if len(c.Embedded.Threads) != len(before.Embedded.Threads)+1 || th.Type != "note" || th.Body != "Internal note" || th.CreatedBy.ID != 2 {
					t.Errorf("FreeScout's newest thread is %+v", th)
				}
				if jget(p, "thread", "id") != wantID(th.ID) || jget(p, "thread", "type") != "NOTE" || jget(p, "thread", "createdBy", "__typename") != "User" ||
					jget(p, "thread", "createdBy", "id") != "2" {
					t.Errorf("thread %s", shortJSON(p["thread"]))
				}
			},
		},
		{
			name:  "createThread: a customer's reply with an attachment",
			route: "POST /api/conversations/{id}/threads",
			run: func(t *testing.T, a *apiEnv) {
				conv := a.conversations(t, upstream.ConversationListOptions{Statuses: []string{"closed"}})[0]
				p := a.mutate(t, mCreateThread, "createThread", map[string]any{
					"conversationId": wantID(conv.ID), "type": "CUSTOMER", "text": "One more thing",
					"customer": map[string]any{"id": wantID(conv.Customer.ID)}, "status": "PENDING", "cc": []string{"cc@example.org"},
					"attachments": []any{map[string]any{"fileName": "hello.txt", "mimeType": "text/plain", "data": base64.StdEncoding.EncodeToString([]byte("hello"))}},
				})
				noUserErrors(t, p)
				c := a.conversation(t, conv.ID)
				assertSameJSONExcept(t, "payload", p["conversation"], a.wantConversation(t, c), "friendly")
				th := c.Embedded.Threads[0]
				if c.Status != "pending" || th.Type != "customer" || th.CreatedBy.ID != conv.Customer.ID || len(th.Embedded.Attachments) != 1 ||
					th.Embedded.Attachments[0].Size != 5 || !slices.Contains(th.Cc, "cc@example.org") {
					t.Errorf("FreeScout has status %s and newest thread %+v", c.Status, th)
				}
				assertSameJSON(t, "thread", p["thread"], map[string]any{
					"id": wantID(th.ID), "type": "CUSTOMER", "status": "PENDING", "state": "PUBLISHED", "body": "One more thing",
					"customer":  map[string]any{"id": wantID(conv.Customer.ID)},
					"createdBy": map[string]any{"__typename": "Customer", "id": wantID(conv.Customer.ID)},
					"cc":        []any{"cc@example.org"}, "bcc": []any{},
					"attachments": []any{map[string]any{"fileName": "hello.txt", "mimeType": "text/plain", "size": 5}},
				})
			},
		},
		{
			name:  "createCustomer",
			route: "POST /api/customers",
			run: func(t *testing.T, a *apiEnv) {
				p := a.mutate(t, mCreateCustomer, "createCustomer", map[string]any{
					"firstName": "Mark", "lastName": "Morrison", "phone": "777-777-777", "photoUrl": "https://example.org/upload/customer.jpg",
					"jobTitle": "Secretary", "photoType": "GRAVATAR", "notes": "Nothing special to say", "company": "Example, Inc",
					"address":        map[string]any{"city": "LA", "state": "California", "zip": "123123", "country": "US", "address": "1419 Westwood Blvd"},
					"emails":         []any{map[string]any{"value": "mark@example.org", "type": "home"}, map[string]any{"value": "mm@example.org"}},
					"phones":         []any{map[string]any{"value": "777-777-777", "type": "home"}},
					"socialProfiles": []any{map[string]any{"value": "@markexample", "type": "twitter"}},
					"websites":       []any{map[string]any{"value": "https://example.org"}},
				})
				noUserErrors(t, p)
				c := a.customer(t, atoi(t, jget(p, "customer", "id")))
				assertSameJSON(t, "payload", p["customer"], wantCustomer(c))
				if c.FirstName != "Mark" || c.PhotoType != "gravatar" || c.Company != "Example, Inc" || len(c.Embedded.Emails) != 2 ||
					c.Embedded.Emails[0].Value != "mark@example.org" || len(c.Embedded.Phones) != 1 || len(c.Embedded.SocialProfiles) != 1 ||
					len(c.Embedded.Websites) != 1 || c.Embedded.Address == nil || *c.Embedded.Address.City != "LA" {
					t.Errorf("FreeScout has %+v", c)
				}
			},
		},
		{
			name:  "updateCustomer",
			route: "PUT /api/customers/{id}",
			run: func(t *testing.T, a *apiEnv) {
				before := a.customer(t, 2)
				p := a.mutate(t, mUpdateCustomer, "updateCustomer", map[string]any{
					"id": "2", "firstName": "Renamed", "jobTitle": "CEO", "notes": "Updated", "photoType": "TWITTER",
					"emailsAdd": []string{"extra@example.org"}, "phones": []any{map[string]any{"value": "+1 555 0199", "type": "mobile"}},
					"address": map[string]any{"city": "Oslo", "country": "NO"}, "websites": []any{map[string]any{"value": "https://renamed.example"}},
				})
				noUserErrors(t, p)
				fresh, err := a.fs.Customers.Get(t.Context(), 2)
				if err != nil {
					t.Fatal(err)
				}
				assertSameJSON(t, "payload", p["customer"], wantCustomer(fresh))
				if fresh.FirstName != "Renamed" || fresh.LastName != before.LastName || fresh.JobTitle != "CEO" || fresh.PhotoType != "twitter" ||
					len(fresh.Embedded.Emails) != len(before.Embedded.Emails)+1 || fresh.Embedded.Phones[0].Value != "+1 555 0199" ||
					*fresh.Embedded.Address.City != "Oslo" || fresh.Embedded.Websites[0].Value != "https://renamed.example" {
					t.Errorf("FreeScout has %+v", fresh)
				}
			},
		},
		{
			name:  "updateCustomer replaces the emails",
			route: "PUT /api/customers/{id}",
			run: func(t *testing.T, a *apiEnv) {
				keep := a.customer(t, 1).Embedded.Emails[1]
				p := a.mutate(t, mUpdateCustomer, "updateCustomer", map[string]any{
					"id": "1", "emails": []string{"only@example.org", keep.Value}, "emailsAdd": []string{"ignored@example.org"},
				})
				noUserErrors(t, p)
				fresh, err := a.fs.Customers.Get(t.Context(), 1)
				if err != nil {
					t.Fatal(err)
				}
				assertSameJSON(t, "payload", p["customer"], wantCustomer(fresh))
				var got []string
				for _, e := range fresh.Embedded.Emails {
					got = append(got, e.Value)
				}
				if !slices.Equal(got, []string{"only@example.org", keep.Value}) || fresh.Embedded.Emails[1].ID != keep.ID {
					t.Errorf("FreeScout has emails %+v", fresh.Embedded.Emails)
				}
			},
		},
		{
			name:  "updateCustomerFields",
			route: "PUT /api/customers/{id}/customer_fields",
			run: func(t *testing.T, a *apiEnv) {
				p := a.mutate(t, mUpdateCustomerFields, "updateCustomerFields", map[string]any{
					"customerId": "2", "fields": []any{map[string]any{"id": wantID(customerFieldAccountID), "value": "ACC-99999"}, map[string]any{"id": wantID(customerFieldAge), "value": "42"}},
				})
				noUserErrors(t, p)
				c := a.customer(t, 2)
				assertSameJSON(t, "payload", p["customer"], wantCustomer(c))
				got := map[int]string{}
				for _, f := range c.CustomerFields {
					got[f.ID] = string(f.Value)
				}
				if got[customerFieldAccountID] != "ACC-99999" || got[customerFieldAge] != "42" {
					t.Errorf("FreeScout has customer fields %v", got)
				}
			},
			needs: upstream.ModuleCRM, sentWithout: 1,
			without: func(t *testing.T, a *apiEnv) {
				a.withoutModule(t, mUpdateCustomerFields, map[string]any{
					"customerId": "2", "fields": []any{map[string]any{"id": wantID(customerFieldAge), "value": "42"}},
				}, upstream.ModuleCRM)
			},
		},
		{
			name:  "createUser",
			route: "POST /api/users",
			run: func(t *testing.T, a *apiEnv) {
				var before struct{ Users struct{ TotalCount int } }
				a.decode(t, `{ users { totalCount } }`, nil, &before)
				p := a.mutate(t, mCreateUser, "createUser", map[string]any{
					"firstName": "Nina", "lastName": "Berg", "email": "nina.berg@example.com", "password": "s3cret-pass",
					"alternateEmails": "nina@example.net", "jobTitle": "Agent", "phone": "+47 22 00 00 00", "timezone": "Europe/Oslo",
					"photoUrl": "https://example.org/nina.jpg",
				})
				noUserErrors(t, p)
				u := a.user(t, atoi(t, jget(p, "user", "id")))
				want := wantUser(u)
				want["mailboxes"] = []any{}
				assertSameJSON(t, "payload", p["user"], want)
				if u.Email != "nina.berg@example.com" || u.Timezone != "Europe/Oslo" || u.JobTitle != "Agent" {
					t.Errorf("FreeScout has %+v", u)
				}
				var after struct{ Users struct{ TotalCount int } }
				a.decode(t, `{ users { totalCount } }`, nil, &after)
				if after.Users.TotalCount != before.Users.TotalCount+1 {
					t.Errorf("users totalCount %d after creating one, was %d", after.Users.TotalCount, before.Users.TotalCount)
				}
			},
		},
		{
			name:  "deleteUser",
			route: "DELETE /api/users/{id}",
			run: func(t *testing.T, a *apiEnv) {
				assigned := a.conversations(t, upstream.ConversationListOptions{AssignedTo: 6})
				var inOne, elsewhere []int
				for _, c := range assigned {
					if c.MailboxID == 1 {
						inOne = append(inOne, c.ID)
					} else {
						elsewhere = append(elsewhere, c.ID)
					}
				}
				if len(inOne) == 0 || len(elsewhere) == 0 {
					t.Fatalf("user 6 has %d conversations in mailbox 1 and %d elsewhere: pick another user", len(inOne), len(elsewhere))
				}
				from := a.logLen()
				p := a.mutate(t, mDeleteUser, "deleteUser", map[string]any{
					"id": "06", "byUserId": "1", "reassign": []any{map[string]any{"mailboxId": "1", "assigneeId": "2"}},
				})
				noUserErrors(t, p)
				if p["deletedUserId"] != "6" {
					t.Errorf("deletedUserId = %v", p["deletedUserId"])
				}
				q := queryOf(t, a.requests(from), "DELETE", "/api/users/6")
				if q.Get("byUserId") != "1" || q.Get("assignTo[1]") != "2" {
					t.Errorf("upstream query %s, want byUserId=1 and assignTo[1]=2", q.Encode())
				}
				if _, err := a.fs.Users.Get(t.Context(), 6); !errors.Is(err, upstream.ErrNotFound) {
					t.Errorf("FreeScout still has user 6: %v", err)
				}
				for _, id := range inOne {
					if c := a.conversation(t, id); c.Assignee == nil || c.Assignee.ID != 2 {
						t.Errorf("conversation %d in mailbox 1 went to %+v, want user 2", id, c.Assignee)
					}
				}
				for _, id := range elsewhere {
					if c := a.conversation(t, id); c.Assignee != nil {
						t.Errorf("conversation %d went to %+v, want unassigned", id, c.Assignee)
					}
				}
				r := a.Do(t, `{ user(id: "6") { id } users { nodes { id } } }`, nil)
				if len(r.Errors) != 1 || r.Errors[0].Code() != "NOT_FOUND" || strings.Contains(string(r.Data), `"id":"6"`) {
					t.Errorf("reading the user back: %s %+v", r.Data, r.Errors)
				}
			},
		},
		{
			name:  "createWebhook and deleteWebhook",
			route: "POST /api/webhooks",
			run: func(t *testing.T, a *apiEnv) {
				events := []string{"CONVO_CREATED", "CONVO_DELETED_FOREVER", "CONVO_CUSTOMER_REPLY_CREATED", "CUSTOMER_UPDATED"}
				p := a.mutate(t, mCreateWebhook, "createWebhook", map[string]any{"url": "https://hooks.example.org/freescout", "events": events})
				noUserErrors(t, p)
				id := jget(p, "webhook", "id")
				assertSameJSON(t, "payload", p["webhook"], map[string]any{"id": id, "url": "https://hooks.example.org/freescout", "events": events})
				if n := a.Upstream.Count("DELETE /api/webhooks/{id}"); n != 0 {
					t.Fatalf("DELETE sent %d times already", n)
				}
				d := a.mutate(t, mDeleteWebhook, "deleteWebhook", map[string]any{"id": " " + id.(string) + " "})
				noUserErrors(t, d)
				if d["deletedWebhookId"] != id || a.Upstream.Count("DELETE /api/webhooks/{id}") != 1 {
					t.Errorf("deleteWebhook: %s, %d calls", shortJSON(d), a.Upstream.Count("DELETE /api/webhooks/{id}"))
				}
				// FreeScout has no way to read a webhook; it existed if a
				// second deletion finds nothing.
				again := a.mutate(t, mDeleteWebhook, "deleteWebhook", map[string]any{"id": id})
				if errs := decodeUserErrors(t, again["userErrors"]); !hasUserError(errs, "NOT_FOUND", "id") || again["deletedWebhookId"] != nil {
					t.Errorf("second deleteWebhook: %s", shortJSON(again))
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t, gatewaytest.Options{})
			run, sent := tc.run, 1
			if tc.needs != "" && !a.install().Has(tc.needs) {
				run, sent = tc.without, tc.sentWithout
			}
			run(t, a)
			if n := a.Upstream.Count(tc.route); n != sent {
				t.Errorf("%s called %d times, want %d; all calls %v", tc.route, n, sent, a.Upstream.Counts())
			}
		})
	}
}

// TestAPIMutationUserErrors: bad input comes back as userErrors with paths in
// the input's own terms and the payload's object null. What the gateway can
// tell is wrong is never sent to FreeScout; what only FreeScout can tell (its
// validation errors, 404, 409) is sent once and mapped onto the input.
func TestAPIMutationUserErrors(t *testing.T) {
	t.Parallel()
	customerThread := map[string]any{"type": "CUSTOMER", "text": "Hi", "customer": map[string]any{"email": "someone@example.org"}}
	newConversation := func(change func(in map[string]any)) map[string]any {
		in := map[string]any{
			"type": "EMAIL", "mailboxId": "1", "subject": "Hello",
			"customer": map[string]any{"email": "someone@example.org"}, "threads": []any{customerThread},
		}
		change(in)
		return in
	}
	type want struct {
		code  string
		field []string
	}
	cases := []struct {
		name   string
		doc    string
		field  string // the mutation
		object string // the payload's object field, null on error
		input  map[string]any
		route  string
		sent   int // calls of route: 0 when the gateway rejects the input itself
		want   []want
	}{
		// Rejected by the gateway, nothing sent.
		{
			name: "createConversation without threads", doc: mCreateConversation, field: "createConversation", object: "conversation",
			input: newConversation(func(in map[string]any) { in["threads"] = []any{} }),
			route: "POST /api/conversations", want: []want{{"REQUIRED", []string{"threads"}}},
		},
		{
			name: "createConversation with a thread without author", doc: mCreateConversation, field: "createConversation", object: "conversation",
			input: newConversation(func(in map[string]any) {
				in["threads"] = []any{customerThread, map[string]any{"type": "MESSAGE", "text": "No author"}}
			}),
			route: "POST /api/conversations", want: []want{{"REQUIRED", []string{"threads", "1", "userId"}}},
		},
		{
			name: "createConversation with bad ids", doc: mCreateConversation, field: "createConversation", object: "conversation",
			input: newConversation(func(in map[string]any) {
				in["mailboxId"], in["assigneeId"] = "support", "-2"
				in["threads"] = []any{map[string]any{"type": "NOTE", "text": "x", "userId": "1.5"}}
			}),
			route: "POST /api/conversations",
			want:  []want{{"INVALID_ID", []string{"mailboxId"}}, {"INVALID_ID", []string{"assigneeId"}}, {"INVALID_ID", []string{"threads", "0", "userId"}}},
		},
		{
			name: "createConversation without a customer", doc: mCreateConversation, field: "createConversation", object: "conversation",
			input: newConversation(func(in map[string]any) { in["customer"] = map[string]any{} }),
			route: "POST /api/conversations", want: []want{{"REQUIRED", []string{"customer"}}},
		},
		{
			name: "createConversation with a status it cannot start in", doc: mCreateConversation, field: "createConversation", object: "conversation",
			input: newConversation(func(in map[string]any) { in["status"] = "SPAM" }),
			route: "POST /api/conversations", want: []want{{"INVALID", []string{"status"}}},
		},
		{
			name: "updateConversation status without byUserId", doc: mUpdateConversation, field: "updateConversation", object: "conversation",
			input: map[string]any{"id": "3", "status": "CLOSED"},
			route: "PUT /api/conversations/{id}", want: []want{{"REQUIRED", []string{"byUserId"}}},
		},
		{
			name: "updateConversation assignee without byUserId", doc: mUpdateConversation, field: "updateConversation", object: "conversation",
			input: map[string]any{"id": "3", "assigneeId": "2"},
			route: "PUT /api/conversations/{id}", want: []want{{"REQUIRED", []string{"byUserId"}}},
		},
		{
			name: "UNKNOWN is no value to write", doc: mUpdateConversation, field: "updateConversation", object: "conversation",
			input: map[string]any{"id": "3", "byUserId": "1", "status": "UNKNOWN"},
			route: "PUT /api/conversations/{id}", want: []want{{"INVALID", []string{"status"}}},
		},
		{
			name: "createConversation of an unknown type with a line-item thread", doc: mCreateConversation, field: "createConversation", object: "conversation",
			input: newConversation(func(in map[string]any) {
				in["type"] = "UNKNOWN"
				in["threads"] = []any{map[string]any{"type": "LINEITEM", "text": "x", "userId": "1"}}
			}),
			route: "POST /api/conversations", want: []want{{"INVALID", []string{"type"}}, {"INVALID", []string{"threads", "0", "type"}}},
		},
		{
			name: "updateConversation with bad ids", doc: mUpdateConversation, field: "updateConversation", object: "conversation",
			input: map[string]any{"id": "three", "byUserId": "0", "customerId": "x"},
			route: "PUT /api/conversations/{id}",
			want:  []want{{"INVALID_ID", []string{"id"}}, {"INVALID_ID", []string{"byUserId"}}, {"INVALID_ID", []string{"customerId"}}},
		},
		{
			name: "deleteConversation with a bad id", doc: mDeleteConversation, field: "deleteConversation", object: "deletedConversationId",
			input: map[string]any{"id": "-3"},
			route: "DELETE /api/conversations/{id}", want: []want{{"INVALID_ID", []string{"id"}}},
		},
		{
			name: "updateConversationCustomFields without fields", doc: mUpdateCustomFields, field: "updateConversationCustomFields", object: "conversation",
			input: map[string]any{"conversationId": "1", "fields": []any{}},
			route: "PUT /api/conversations/{id}/custom_fields", want: []want{{"REQUIRED", []string{"fields"}}},
		},
		{
			name: "updateConversationCustomFields with an unknown option", doc: mUpdateCustomFields, field: "updateConversationCustomFields", object: "conversation",
			input: map[string]any{"conversationId": "1", "fields": []any{map[string]any{"name": "Priority", "value": "Burning"}}},
			route: "PUT /api/conversations/{id}/custom_fields", want: []want{{"UNKNOWN_OPTION", []string{"fields", "0", "value"}}},
		},
		{
			name: "updateConversationTags with an empty tag", doc: mUpdateTags, field: "updateConversationTags", object: "conversation",
			input: map[string]any{"conversationId": "1", "tags": []string{"vip", ""}},
			route: "PUT /api/conversations/{id}/tags", want: []want{{"INVALID", []string{"tags", "1"}}},
		},
		{
			name: "createThread note without author", doc: mCreateThread, field: "createThread", object: "thread",
			input: map[string]any{"conversationId": "1", "type": "NOTE", "text": "x"},
			route: "POST /api/conversations/{id}/threads", want: []want{{"REQUIRED", []string{"userId"}}},
		},
		{
			name: "createThread customer reply without customer", doc: mCreateThread, field: "createThread", object: "thread",
			input: map[string]any{"conversationId": "1", "type": "CUSTOMER", "text": "x"},
			route: "POST /api/conversations/{id}/threads", want: []want{{"REQUIRED", []string{"customer"}}},
		},
		{
			name: "createThread backdated without imported", doc: mCreateThread, field: "createThread", object: "thread",
			input: map[string]any{"conversationId": "x1", "type": "NOTE", "text": "x", "userId": "1", "createdAt": "2024-01-01T00:00:00Z", "state": "HIDDEN"},
			route: "POST /api/conversations/{id}/threads",
			want:  []want{{"INVALID_ID", []string{"conversationId"}}, {"INVALID", []string{"createdAt"}}, {"INVALID", []string{"state"}}},
		},
		{
			name: "updateCustomer with a bad id", doc: mUpdateCustomer, field: "updateCustomer", object: "customer",
			input: map[string]any{"id": "", "firstName": "X"},
			route: "PUT /api/customers/{id}", want: []want{{"INVALID_ID", []string{"id"}}},
		},
		{
			name: "updateCustomerFields with bad ids", doc: mUpdateCustomerFields, field: "updateCustomerFields", object: "customer",
			input: map[string]any{"customerId": "2", "fields": []any{map[string]any{"id": wantID(customerFieldAccountID), "value": "a"}, map[string]any{"id": "age", "value": "3"}}},
			route: "PUT /api/customers/{id}/customer_fields", want: []want{{"INVALID_ID", []string{"fields", "1", "id"}}},
		},
		{
			name: "createUser with an empty email", doc: mCreateUser, field: "createUser", object: "user",
			input: map[string]any{"firstName": "A", "lastName": "B", "email": ""},
			route: "POST /api/users", want: []want{{"REQUIRED", []string{"email"}}},
		},
		{
			name: "deleteUser with bad ids", doc: mDeleteUser, field: "deleteUser", object: "deletedUserId",
			input: map[string]any{"id": "6", "byUserId": "1", "reassign": []any{map[string]any{"mailboxId": "Support", "assigneeId": "2"}}},
			route: "DELETE /api/users/{id}", want: []want{{"INVALID_ID", []string{"reassign", "0", "mailboxId"}}},
		},
		{
			name: "createWebhook with a bad url and no events", doc: mCreateWebhook, field: "createWebhook", object: "webhook",
			input: map[string]any{"url": "ftp://example.org/hook", "events": []string{}},
			route: "POST /api/webhooks", want: []want{{"INVALID", []string{"url"}}, {"REQUIRED", []string{"events"}}},
		},
		{
			name: "deleteWebhook with a bad id", doc: mDeleteWebhook, field: "deleteWebhook", object: "deletedWebhookId",
			input: map[string]any{"id": "first"},
			route: "DELETE /api/webhooks/{id}", want: []want{{"INVALID_ID", []string{"id"}}},
		},

		// FreeScout's validation errors (400), mapped onto the input.
		{
			name: "createConversation: FreeScout rejects assignee, mailbox and thread user", doc: mCreateConversation, field: "createConversation", object: "conversation",
			input: newConversation(func(in map[string]any) {
				in["assigneeId"], in["mailboxId"] = "999", "99"
				in["threads"] = []any{map[string]any{"type": "MESSAGE", "text": "x", "userId": "999"}}
			}),
			route: "POST /api/conversations", sent: 1,
			want: []want{{"INVALID", []string{"assigneeId"}}, {"INVALID", []string{"mailboxId"}}, {"INVALID", []string{"threads", "0", "userId"}}},
		},
		{
			name: "createConversation: FreeScout rejects the thread customer's email", doc: mCreateConversation, field: "createConversation", object: "conversation",
			input: newConversation(func(in map[string]any) {
				in["threads"] = []any{map[string]any{"type": "CUSTOMER", "text": "x", "customer": map[string]any{"email": "not-an-email"}}}
			}),
			route: "POST /api/conversations", sent: 1, want: []want{{"INVALID", []string{"threads", "0", "customer", "email"}}},
		},
		{
			name: "updateConversation: FreeScout rejects the users, customer and mailbox", doc: mUpdateConversation, field: "updateConversation", object: "conversation",
			input: map[string]any{"id": "3", "byUserId": "999", "assigneeId": "998", "customerId": "9999", "mailboxId": "99"},
			route: "PUT /api/conversations/{id}", sent: 1,
			want: []want{{"INVALID", []string{"byUserId"}}, {"INVALID", []string{"assigneeId"}}, {"INVALID", []string{"customerId"}}, {"INVALID", []string{"mailboxId"}}},
		},
		{
			name: "createThread: FreeScout rejects user, cc and attachment", doc: mCreateThread, field: "createThread", object: "thread",
			input: map[string]any{
				"conversationId": "1", "type": "MESSAGE", "text": "x", "userId": "999", "cc": []string{"ok@example.org", "bad"},
				"attachments": []any{map[string]any{"fileName": "a.txt", "data": "%%% not base64"}},
			},
			route: "POST /api/conversations/{id}/threads", sent: 1,
			want: []want{{"INVALID", []string{"userId"}}, {"INVALID", []string{"cc", "1"}}, {"INVALID", []string{"attachments", "0", "data"}}},
		},
		{
			name: "createCustomer: FreeScout rejects fields", doc: mCreateCustomer, field: "createCustomer", object: "customer",
			input: map[string]any{
				"firstName": strings.Repeat("x", 41), "emails": []any{map[string]any{"value": "nope"}},
				"phones":  []any{map[string]any{"value": "1", "type": "satellite"}},
				"address": map[string]any{"country": "USA"}, "websites": []any{map[string]any{"value": "not a url"}},
			},
			route: "POST /api/customers", sent: 1,
			want: []want{
				{"INVALID", []string{"firstName"}}, {"INVALID", []string{"emails", "0", "value"}}, {"INVALID", []string{"phones", "0", "type"}},
				{"INVALID", []string{"address", "country"}}, {"INVALID", []string{"websites", "0", "value"}},
			},
		},
		{
			name: "updateCustomer: FreeScout rejects emails", doc: mUpdateCustomer, field: "updateCustomer", object: "customer",
			input: map[string]any{"id": "2", "emailsAdd": []string{"fine@example.org", "@@"}},
			route: "PUT /api/customers/{id}", sent: 1, want: []want{{"INVALID", []string{"emailsAdd", "1"}}},
		},
		{
			name: "updateCustomerFields: FreeScout rejects a field and a value", doc: mUpdateCustomerFields, field: "updateCustomerFields", object: "customer",
			input: map[string]any{"customerId": "2", "fields": []any{map[string]any{"id": "999", "value": "x"}, map[string]any{"id": "11", "value": "old"}}},
			route: "PUT /api/customers/{id}/customer_fields", sent: 1,
			want: []want{{"INVALID", []string{"fields", "0", "id"}}, {"INVALID", []string{"fields", "1", "value"}}},
		},
		{
			name: "createUser: FreeScout rejects the emails", doc: mCreateUser, field: "createUser", object: "user",
			input: map[string]any{"firstName": "A", "lastName": "B", "email": "a-at-example", "alternateEmails": "x@example.org, nope"},
			route: "POST /api/users", sent: 1, want: []want{{"INVALID", []string{"email"}}, {"INVALID", []string{"alternateEmails"}}},
		},
		{
			name: "deleteUser: FreeScout rejects deleter and reassignment", doc: mDeleteUser, field: "deleteUser", object: "deletedUserId",
			input: map[string]any{"id": "6", "byUserId": "999", "reassign": []any{
				map[string]any{"mailboxId": "1", "assigneeId": "2"}, map[string]any{"mailboxId": "3", "assigneeId": "997"},
			}},
			route: "DELETE /api/users/{id}", sent: 1,
			want: []want{{"INVALID", []string{"byUserId"}}, {"INVALID", []string{"reassign", "1"}}},
		},

		// FreeScout's 404.
		{
			name: "updateConversation: no such conversation", doc: mUpdateConversation, field: "updateConversation", object: "conversation",
			input: map[string]any{"id": "99999", "subject": "x"},
			route: "PUT /api/conversations/{id}", sent: 1, want: []want{{"NOT_FOUND", []string{"id"}}},
		},
		{
			name: "deleteConversation: no such conversation", doc: mDeleteConversation, field: "deleteConversation", object: "deletedConversationId",
			input: map[string]any{"id": "99999"},
			route: "DELETE /api/conversations/{id}", sent: 1, want: []want{{"NOT_FOUND", []string{"id"}}},
		},
		{
			name: "updateConversationTags: no such conversation", doc: mUpdateTags, field: "updateConversationTags", object: "conversation",
			input: map[string]any{"conversationId": "99999", "tags": []string{"vip"}},
			route: "PUT /api/conversations/{id}/tags", sent: 1, want: []want{{"NOT_FOUND", []string{"conversationId"}}},
		},
		{
			name: "updateConversationCustomFields: no such conversation", doc: mUpdateCustomFields, field: "updateConversationCustomFields", object: "conversation",
			input: map[string]any{"conversationId": "99999", "fields": []any{map[string]any{"name": "Priority", "value": "Low"}}},
			route: "GET /api/conversations/{id}", sent: 1, want: []want{{"NOT_FOUND", []string{"conversationId"}}},
		},
		{
			name: "createThread: no such conversation", doc: mCreateThread, field: "createThread", object: "thread",
			input: map[string]any{"conversationId": "99999", "type": "NOTE", "text": "x", "userId": "1"},
			route: "POST /api/conversations/{id}/threads", sent: 1, want: []want{{"NOT_FOUND", []string{"conversationId"}}},
		},
		{
			name: "updateCustomer: no such customer", doc: mUpdateCustomer, field: "updateCustomer", object: "customer",
			input: map[string]any{"id": "99999", "firstName": "x"},
			route: "PUT /api/customers/{id}", sent: 1, want: []want{{"NOT_FOUND", []string{"id"}}},
		},
		{
			name: "updateCustomerFields: no such customer", doc: mUpdateCustomerFields, field: "updateCustomerFields", object: "customer",
			input: map[string]any{"customerId": "99999", "fields": []any{map[string]any{"id": wantID(customerFieldAccountID), "value": "x"}}},
			route: "PUT /api/customers/{id}/customer_fields", sent: 1, want: []want{{"NOT_FOUND", []string{"customerId"}}},
		},
		{
			name: "deleteUser: no such user", doc: mDeleteUser, field: "deleteUser", object: "deletedUserId",
			input: map[string]any{"id": "99999", "byUserId": "1"},
			route: "DELETE /api/users/{id}", sent: 1, want: []want{{"NOT_FOUND", []string{"id"}}},
		},
		{
			name: "deleteWebhook: no such webhook", doc: mDeleteWebhook, field: "deleteWebhook", object: "deletedWebhookId",
			input: map[string]any{"id": "99999"},
			route: "DELETE /api/webhooks/{id}", sent: 1, want: []want{{"NOT_FOUND", []string{"id"}}},
		},

		// FreeScout's 409.
		{
			name: "createCustomer: the email is taken", doc: mCreateCustomer, field: "createCustomer", object: "customer",
			input: map[string]any{"firstName": "Dup", "emails": []any{map[string]any{"value": "LIAM.MARTINS@acme.example"}}},
			route: "POST /api/customers", sent: 1, want: []want{{"CONFLICT", nil}},
		},
		{
			name: "updateCustomer: the email belongs to someone else", doc: mUpdateCustomer, field: "updateCustomer", object: "customer",
			input: map[string]any{"id": "3", "emailsAdd": []string{"liam.martins@acme.example"}},
			route: "PUT /api/customers/{id}", sent: 1, want: []want{{"CONFLICT", nil}},
		},
		{
			name: "createUser: the email is taken", doc: mCreateUser, field: "createUser", object: "user",
			input: map[string]any{"firstName": "Olivia", "lastName": "Again", "email": "olivia.bennett@example.com"},
			route: "POST /api/users", sent: 1, want: []want{{"CONFLICT", nil}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t, gatewaytest.Options{})
			var p map[string]any
			if m, ok := mutationModules[tc.field]; ok && !a.install().Has(m) {
				// What the gateway checks itself is still a userError; what
				// needs FreeScout is MODULE_UNAVAILABLE, and nothing is written.
				r := a.Do(t, tc.doc, map[string]any{"in": tc.input})
				if len(r.Errors) > 0 {
					assertModuleUnavailable(t, tc.field, r, m)
					if n := a.Upstream.Count(tc.route); n > tc.sent {
						t.Errorf("%s called %d times, want at most %d", tc.route, n, tc.sent)
					}
					return
				}
				var data map[string]map[string]any
				r.MustData(t, &data)
				p = data[tc.field]
			} else {
				p = a.mutate(t, tc.doc, tc.field, tc.input)
			}
			errs := decodeUserErrors(t, p["userErrors"])
			for _, w := range tc.want {
				if !hasUserError(errs, w.code, w.field...) {
					t.Errorf("no userError %s at %q among %+v", w.code, w.field, errs)
				}
			}
			if len(errs) != len(tc.want) {
				t.Errorf("userErrors %+v, want %d", errs, len(tc.want))
			}
			for _, e := range errs {
				if e.Message == "" {
					t.Errorf("userError %+v has no message", e)
				}
			}
			if p[tc.object] != nil {
				t.Errorf("payload %s = %s, want null", tc.object, shortJSON(p[tc.object]))
			}
			if n := a.Upstream.Count(tc.route); n != tc.sent {
				t.Errorf("%s called %d times, want %d; all calls %v", tc.route, n, tc.sent, a.Upstream.Counts())
			}
			if tc.sent == 0 {
				for route, n := range a.Upstream.Counts() {
					if !strings.HasPrefix(route, "GET ") && n > 0 {
						t.Errorf("%s called %d times for input the gateway rejects", route, n)
					}
				}
			}
		})
	}
}

// TestAPIReadsAfterWrites: what a mutation wrote shows in the next
// mutation's payload of the same operation and in every later request. On
// an install without the Tags or CRM module, what needs them is left out.
func TestAPIReadsAfterWrites(t *testing.T) {
	t.Parallel()
	a := newAPI(t, gatewaytest.Options{})
	conv := a.conversation(t, 1)
	cid := wantID(conv.Customer.ID)
	tags, crm := a.install().Has(upstream.ModuleTags), a.install().Has(upstream.ModuleCRM)
	only := func(ok bool, s string) string {
		if ok {
			return s
		}
		return ""
	}
	read := `query($c: ID!) { conversation(id: "1") { subject ` + only(tags, `tags { name } `) + `customer { company ` + only(crm, `customerFields { id value } `) + `} }
		customer(id: $c) { company } users { totalCount } ` + only(tags, `tags(conversationId: "1") { totalCount nodes { name } } `) + `}`

	// Warm whatever the gateway caches, then change it.
	before := a.data(t, read, map[string]any{"c": cid})

	got := a.data(t, `mutation($c: ID!`+only(crm, `, $account: ID!`)+`) {
		a: updateConversation(input: {id: "1", subject: "first"}) { conversation { customer { id company } } }
		b: updateCustomer(input: {id: $c, company: "Brand New Co"}) { customer { company } }
		c: updateConversation(input: {id: "1", subject: "second"}) { conversation { subject customer { company } } }
		`+only(crm, `d: updateCustomerFields(input: {customerId: $c, fields: [{id: $account, value: "ACC-NEW"}]}) { customer { id } }`)+`
		`+only(tags, `e: updateConversationTags(input: {conversationId: "1", tags: ["fresh"]}) { conversation { tags { name } customer { `+only(crm, `customerFields { id value }`)+` id } } }`)+`
	}`, map[string]any{"c": cid, "account": wantID(customerFieldAccountID)})
	if jget(got, "a", "conversation", "customer", "company") != jget(before, "customer", "company") {
		t.Errorf("a: %v", jget(got, "a"))
	}
	if jget(got, "c", "conversation", "subject") != "second" || jget(got, "c", "conversation", "customer", "company") != "Brand New Co" {
		t.Errorf("the second update's payload shows %v, want the customer as the first update left it", jget(got, "c"))
	}
	fieldValue := func(fields any, id string) any {
		list, _ := fields.([]any)
		for _, f := range list {
			if jget(f, "id") == id {
				return jget(f, "value")
			}
		}
		return nil
	}
	if v := fieldValue(jget(got, "e", "conversation", "customer", "customerFields"), wantID(customerFieldAccountID)); tags && crm && v != "ACC-NEW" {
		t.Errorf("the tags payload shows customer field %d = %v, want ACC-NEW", customerFieldAccountID, v)
	}

	a.decode(t, mCreateUser, map[string]any{"in": map[string]any{"firstName": "Fresh", "lastName": "User", "email": "fresh.user@example.com"}}, &struct{}{})
	after := a.data(t, read, map[string]any{"c": cid})
	checks := []struct {
		path []any
		want any
	}{
		{[]any{"conversation", "subject"}, "second"},
		{[]any{"conversation", "customer", "company"}, "Brand New Co"},
		{[]any{"customer", "company"}, "Brand New Co"},
		{[]any{"users", "totalCount"}, jget(before, "users", "totalCount").(float64) + 1},
	}
	if tags {
		checks = append(checks, []struct {
			path []any
			want any
		}{{[]any{"conversation", "tags", 0, "name"}, "fresh"}, {[]any{"tags", "nodes", 0, "name"}, "fresh"}}...)
	}
	for _, check := range checks {
		if v := jget(after, check.path...); v != check.want {
			t.Errorf("%v = %v after the writes, want %v", check.path, v, check.want)
		}
	}
	if v := fieldValue(jget(after, "conversation", "customer", "customerFields"), wantID(customerFieldAccountID)); crm && v != "ACC-NEW" {
		t.Errorf("customer field %d = %v after the write, want ACC-NEW", customerFieldAccountID, v)
	}
}
