package upstream

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	json "github.com/goccy/go-json"
)

// Page is FreeScout's paging block on list answers. Number is 1-based.
type Page struct {
	Size          int `json:"size"`
	TotalElements int `json:"totalElements"`
	TotalPages    int `json:"totalPages"`
	Number        int `json:"number"`
}

// FlexString is a string that also accepts a JSON number, boolean or null,
// because FreeScout is not consistent about quoting scalar values.
type FlexString string

// UnmarshalJSON accepts a string, number, boolean or null.
func (s *FlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*s = ""
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = FlexString(v)
	default:
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		switch v.(type) {
		case float64, bool:
			*s = FlexString(b)
		default:
			return fmt.Errorf("expected a scalar, got %s", b)
		}
	}
	return nil
}

// Person is a user or customer as FreeScout embeds them inside other objects
// (a conversation's customer, assignee, createdBy, closedByUser; a thread's
// customer, createdBy, assignedTo). It carries only a few keys, and which keys
// depends on the place; Has tells which ones FreeScout actually sent, so the
// gateway can answer from the embedded object without another call when a
// query asks for nothing more.
type Person struct {
	ID        int    `json:"id"`
	Type      string `json:"type"` // "user" or "customer"
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
	PhotoURL  string `json:"photoUrl,omitempty"`
	Email     string `json:"email,omitempty"`

	sent  uint8    // bit i: FreeScout sent personKeys[i]
	other []string // other keys FreeScout sent
}

// personKeys are the JSON keys of Person's fields, in the order of their
// bits in Person.sent.
var personKeys = [...]string{"id", "type", "firstName", "lastName", "photoUrl", "email"}

// personKey returns key's index in personKeys, or -1.
func personKey(key []byte) int {
	for i, k := range personKeys {
		if string(key) == k {
			return i
		}
	}
	return -1
}

// Has reports whether FreeScout sent the JSON key (for example "firstName")
// in this embedded object.
func (p *Person) Has(key string) bool {
	if p == nil {
		return false
	}
	if i := personKey([]byte(key)); i >= 0 {
		return p.sent&(1<<i) != 0
	}
	return slices.Contains(p.other, key)
}

// field returns the field of the key with index i in personKeys; nil for id.
func (p *Person) field(i int) *string {
	switch personKeys[i] {
	case "type":
		return &p.Type
	case "firstName":
		return &p.FirstName
	case "lastName":
		return &p.LastName
	case "photoUrl":
		return &p.PhotoURL
	case "email":
		return &p.Email
	}
	return nil
}

// UnmarshalJSON decodes the object and records which keys were present.
// People are embedded a few times in every conversation and thread of a
// list, so this is hot: a flat object is read directly, with all its plain
// string values in one allocation; anything else goes through a generic
// decode.
func (p *Person) UnmarshalJSON(b []byte) error {
	var buf [16]member
	members, ok := flatMembers(b, buf[:])
	if !ok {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return err
		}
		var v Person
		for k, val := range raw {
			if err := v.set([]byte(k), val); err != nil {
				return err
			}
		}
		*p = v
		return nil
	}
	var v Person
	var plain [len(personKeys)][]byte // plain string values, copied below in one piece
	size := 0
	for i, m := range members {
		if slices.ContainsFunc(members[i+1:], func(later member) bool { return bytes.Equal(later.key, m.key) }) {
			continue // a repeated key: the last value stands, as in the generic decode
		}
		k := personKey(m.key)
		if s, ok := plainString(m.raw); ok && k > 0 {
			v.sent |= 1 << k
			switch {
			case personKeys[k] == "type" && string(s) == "user":
				v.Type = "user"
			case personKeys[k] == "type" && string(s) == "customer":
				v.Type = "customer"
			default:
				plain[k] = s
				size += len(s)
			}
			continue
		}
		if err := v.set(m.key, m.raw); err != nil {
			return err
		}
	}
	var all strings.Builder
	all.Grow(size)
	for _, s := range plain {
		all.Write(s)
	}
	rest := all.String()
	for k, s := range plain {
		if s != nil {
			*v.field(k), rest = rest[:len(s)], rest[len(s):]
		}
	}
	*p = v
	return nil
}

// plainString returns the content of raw when raw is a JSON string that
// needs no unescaping and is valid UTF-8.
func plainString(raw []byte) ([]byte, bool) {
	n := len(raw)
	if n < 2 || raw[0] != '"' || raw[n-1] != '"' || bytes.IndexByte(raw, '\\') >= 0 || !utf8.Valid(raw) {
		return nil, false
	}
	return raw[1 : n-1], true
}

// set records the key FreeScout sent (a null value is sent too: the field
// is null) and decodes the value of a key Person holds.
func (p *Person) set(key, raw []byte) error {
	k := personKey(key)
	if k < 0 {
		if !slices.Contains(p.other, string(key)) {
			p.other = append(p.other, string(key))
		}
		return nil
	}
	var err error
	if k == 0 {
		err = decodeScalar(raw, &p.ID)
	} else {
		err = decodeScalar(raw, p.field(k))
	}
	if err != nil {
		return fmt.Errorf("person %s: %w", personKeys[k], err)
	}
	p.sent |= 1 << k
	return nil
}

// decodeScalar decodes a JSON string or number into dst as encoding/json
// does (null leaves it alone), without another pass of the decoder for the
// common plain values.
func decodeScalar[T int | string](raw json.RawMessage, dst *T) error {
	switch d := any(dst).(type) {
	case *string:
		if s, ok := plainString(raw); ok {
			*d = string(s)
			return nil
		}
	case *int:
		if n, err := strconv.Atoi(string(raw)); err == nil {
			*d = n
			return nil
		}
	}
	return json.Unmarshal(raw, dst)
}

// Source tells how a conversation or thread came in.
type Source struct {
	Type string `json:"type"`
	Via  string `json:"via"`
}

// WaitingSince describes how long the customer has been waiting for a reply.
type WaitingSince struct {
	Time            Time   `json:"time"`
	Friendly        string `json:"friendly"`
	LatestReplyFrom string `json:"latestReplyFrom"`
}

// CustomFieldValue is a custom field's value on a conversation, or a
// customer field's value on a customer. Value is what FreeScout stores (the
// option id for a dropdown); Text is the dropdown's label, "" otherwise.
type CustomFieldValue struct {
	ID    int        `json:"id"`
	Name  string     `json:"name"`
	Value FlexString `json:"value"`
	Text  FlexString `json:"text"`
}

// Conversation is a FreeScout conversation (ticket).
//
// FreeScout calls the thread count "threadsCount" on a single get and
// "threads" in lists; both decode into ThreadsCount. Embedded is filled only
// with what the request's embed parameter asked for; a nil slice there means
// "not embedded", an empty one means "embedded and empty".
type Conversation struct {
	ID                   int                `json:"id"`
	Number               int                `json:"number"`
	ThreadsCount         int                `json:"threadsCount"`
	Type                 string             `json:"type"`
	FolderID             int                `json:"folderId"`
	Status               string             `json:"status"`
	State                string             `json:"state"`
	Subject              string             `json:"subject"`
	Preview              string             `json:"preview"`
	MailboxID            int                `json:"mailboxId"`
	Assignee             *Person            `json:"assignee"`
	CreatedBy            *Person            `json:"createdBy"`
	CreatedAt            Time               `json:"createdAt"`
	UpdatedAt            Time               `json:"updatedAt"`
	ClosedBy             int                `json:"closedBy"`
	ClosedByUser         *Person            `json:"closedByUser"`
	ClosedAt             Time               `json:"closedAt"`
	UserUpdatedAt        Time               `json:"userUpdatedAt"`
	CustomerWaitingSince *WaitingSince      `json:"customerWaitingSince"`
	Source               *Source            `json:"source"`
	Cc                   []string           `json:"cc"`
	Bcc                  []string           `json:"bcc"`
	Customer             *Person            `json:"customer"`
	CustomFields         []CustomFieldValue `json:"customFields"`
	Embedded             ConversationEmbeds `json:"_embedded"`
}

// ConversationEmbeds holds what embed= asked FreeScout to include.
type ConversationEmbeds struct {
	Threads  []Thread  `json:"threads"`
	Timelogs []Timelog `json:"timelogs"`
	Tags     []Tag     `json:"tags"`
}

// UnmarshalJSON absorbs the threads/threadsCount quirk and a null closedBy.
func (c *Conversation) UnmarshalJSON(b []byte) error {
	var w conversationWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	v, err := w.conversation()
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// conversationFields is Conversation without its UnmarshalJSON.
type conversationFields Conversation

// conversationWire is a conversation as FreeScout spells it. Lists decode
// into it directly: a type with its own UnmarshalJSON has each of its
// values scanned twice more, which for a page of conversations is most of
// the decoding time.
type conversationWire struct {
	conversationFields
	ThreadsCount *int            `json:"threadsCount"`
	Threads      json.RawMessage `json:"threads"`
	ClosedBy     *int            `json:"closedBy"`
}

// conversation folds the wire spellings into a Conversation.
func (w *conversationWire) conversation() (Conversation, error) {
	c := Conversation(w.conversationFields)
	switch {
	case w.ThreadsCount != nil:
		c.ThreadsCount = *w.ThreadsCount
	case len(w.Threads) > 0 && !bytes.Equal(w.Threads, []byte("null")):
		n, err := strconv.Atoi(strings.TrimSpace(string(w.Threads)))
		if err != nil {
			return Conversation{}, fmt.Errorf("conversation threads count: %w", err)
		}
		c.ThreadsCount = n
	}
	if w.ClosedBy != nil {
		c.ClosedBy = *w.ClosedBy
	}
	return c, nil
}

// Action describes what a line-item thread records.
type Action struct {
	Type               string          `json:"type"`
	Text               string          `json:"text"`
	AssociatedEntities json.RawMessage `json:"associatedEntities,omitempty"`
}

// Attachment is a file attached to a thread.
type Attachment struct {
	ID       int    `json:"id"`
	FileName string `json:"fileName"`
	FileURL  string `json:"fileUrl"`
	MimeType string `json:"mimeType"`
	Size     int    `json:"size"`
}

// Thread is one message, note or line item in a conversation.
type Thread struct {
	ID         int      `json:"id"`
	Type       string   `json:"type"`
	Status     string   `json:"status"`
	State      string   `json:"state"`
	Action     *Action  `json:"action"`
	Body       string   `json:"body"`
	Source     *Source  `json:"source"`
	Customer   *Person  `json:"customer"`
	CreatedBy  *Person  `json:"createdBy"`
	AssignedTo *Person  `json:"assignedTo"`
	To         []string `json:"to"`
	Cc         []string `json:"cc"`
	Bcc        []string `json:"bcc"`
	CreatedAt  Time     `json:"createdAt"`
	OpenedAt   Time     `json:"openedAt"`
	Embedded   struct {
		Attachments []Attachment `json:"attachments"`
	} `json:"_embedded"`
}

// Timelog is a Time Tracking module entry on a conversation.
type Timelog struct {
	ID                 int    `json:"id"`
	ConversationID     int    `json:"conversationId,omitempty"`
	ConversationStatus string `json:"conversationStatus"`
	UserID             int    `json:"userId"`
	TimeSpent          int    `json:"timeSpent"`
	Paused             bool   `json:"paused"`
	Finished           bool   `json:"finished"`
	CreatedAt          Time   `json:"createdAt"`
	UpdatedAt          Time   `json:"updatedAt"`
}

// Tag is a conversation tag. Counter and Color come only from the tag list.
type Tag struct {
	ID      int    `json:"id"`
	Name    string `json:"name"`
	Counter int    `json:"counter"`
	Color   int    `json:"color"`
}

// Entry is one of a customer's emails, phones, social profiles or websites.
// FreeScout sends id 0 for entries it does not number.
type Entry struct {
	ID    int    `json:"id"`
	Value string `json:"value"`
	Type  string `json:"type,omitempty"`
}

// Address is a customer's postal address; every part may be null.
type Address struct {
	City    *string `json:"city"`
	State   *string `json:"state"`
	Zip     *string `json:"zip"`
	Country *string `json:"country"`
	Address *string `json:"address"`
}

// Customer is a FreeScout customer.
type Customer struct {
	ID             int                `json:"id"`
	FirstName      string             `json:"firstName"`
	LastName       string             `json:"lastName"`
	Company        string             `json:"company"`
	JobTitle       string             `json:"jobTitle"`
	PhotoType      string             `json:"photoType"`
	PhotoURL       string             `json:"photoUrl"`
	CreatedAt      Time               `json:"createdAt"`
	UpdatedAt      Time               `json:"updatedAt"`
	Notes          string             `json:"notes"`
	CustomerFields []CustomFieldValue `json:"customerFields"`
	Embedded       CustomerEmbeds     `json:"_embedded"`
}

// CustomerEmbeds holds a customer's contact entries and address.
type CustomerEmbeds struct {
	Emails         []Entry  `json:"emails"`
	Phones         []Entry  `json:"phones"`
	SocialProfiles []Entry  `json:"social_profiles"`
	Websites       []Entry  `json:"websites"`
	Address        *Address `json:"address"`
}

// Mailbox is a FreeScout mailbox.
type Mailbox struct {
	ID        int    `json:"id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	CreatedAt Time   `json:"createdAt"`
	UpdatedAt Time   `json:"updatedAt"`
}

// Folder is a mailbox folder. UserID is nil for folders shared by everyone.
type Folder struct {
	ID          int             `json:"id"`
	Name        string          `json:"name"`
	Type        int             `json:"type"`
	UserID      *int            `json:"userId"`
	TotalCount  int             `json:"totalCount"`
	ActiveCount int             `json:"activeCount"`
	Meta        json.RawMessage `json:"meta,omitempty"`
}

// Custom field types as FreeScout names them.
const (
	FieldSingleLine = "singleline"
	FieldMultiLine  = "multiline"
	FieldDropdown   = "dropdown"
	FieldDate       = "date"
	FieldNumber     = "number"
)

// FieldOption is one choice of a dropdown custom field. ID is the key FreeScout
// uses in its options object, a number written as a string.
type FieldOption struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// CustomField is a mailbox's custom-field definition.
//
// FreeScout sends options as an object {"<id>": "<label>"} for dropdowns,
// null for dates and "" for the other types; Options is always a list,
// ordered by numeric option id (the API does not keep the UI's order).
type CustomField struct {
	ID        int           `json:"id"`
	Name      string        `json:"name"`
	Type      string        `json:"type"`
	Options   []FieldOption `json:"options"`
	Required  bool          `json:"required"`
	SortOrder int           `json:"sortOrder"`
}

// UnmarshalJSON normalises the options quirk.
func (f *CustomField) UnmarshalJSON(b []byte) error {
	type plain CustomField
	var v struct {
		plain
		Options json.RawMessage `json:"options"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = CustomField(v.plain)
	opts, err := decodeOptions(v.Options)
	if err != nil {
		return fmt.Errorf("custom field %d options: %w", f.ID, err)
	}
	f.Options = opts
	return nil
}

// decodeOptions turns FreeScout's options value into an ordered list. It also
// accepts the list form this package itself encodes, so cached definitions
// round-trip.
func decodeOptions(raw json.RawMessage) ([]FieldOption, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) || bytes.Equal(raw, []byte(`""`)) {
		return nil, nil
	}
	switch raw[0] {
	case '[':
		var list []FieldOption
		if err := json.Unmarshal(raw, &list); err == nil {
			return list, nil
		}
		// PHP encodes an array with keys 0..n-1 as a JSON list of labels.
		var labels []FlexString
		if err := json.Unmarshal(raw, &labels); err != nil {
			return nil, err
		}
		out := make([]FieldOption, len(labels))
		for i, l := range labels {
			out[i] = FieldOption{ID: strconv.Itoa(i), Label: string(l)}
		}
		return out, nil
	case '{':
		var m map[string]FlexString
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		out := make([]FieldOption, 0, len(m))
		for id, label := range m {
			out = append(out, FieldOption{ID: id, Label: string(label)})
		}
		sort.Slice(out, func(i, j int) bool { return lessID(out[i].ID, out[j].ID) })
		return out, nil
	case '"':
		return nil, nil // a non-empty string where no options apply
	}
	return nil, fmt.Errorf("unexpected options %s", raw)
}

// lessID orders option ids numerically ("2" before "10"), numbers before
// other ids, and otherwise (other ids, or "1" and "01") as strings: a total
// order, so that the options' order does not depend on map iteration.
func lessID(a, b string) bool {
	ai, errA := strconv.Atoi(a)
	bi, errB := strconv.Atoi(b)
	switch {
	case errA == nil && errB == nil && ai != bi:
		return ai < bi
	case (errA == nil) != (errB == nil):
		return errA == nil
	}
	return a < b
}

// User is a FreeScout user (an agent).
type User struct {
	ID              int    `json:"id"`
	FirstName       string `json:"firstName"`
	LastName        string `json:"lastName"`
	Email           string `json:"email"`
	Role            string `json:"role"`
	AlternateEmails string `json:"alternateEmails"`
	JobTitle        string `json:"jobTitle"`
	Phone           string `json:"phone"`
	Timezone        string `json:"timezone"`
	PhotoURL        string `json:"photoUrl"`
	Language        string `json:"language"`
	CreatedAt       Time   `json:"createdAt"`
	UpdatedAt       Time   `json:"updatedAt"`
}
