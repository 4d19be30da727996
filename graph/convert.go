package graph

import (
	"strconv"
	"strings"
	"time"

	"github.com/scoutgraph/scoutgraph/graph/model"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// enumOf maps a FreeScout string enum ("email", "lineitem") to its GraphQL
// value (EMAIL, LINEITEM). A value the schema does not know becomes
// unknown, so that a new FreeScout value never breaks a query.
func enumOf[E interface {
	~string
	IsValid() bool
}](wire string, unknown E) E {
	e := E(strings.ToUpper(strings.TrimSpace(wire)))
	if e.IsValid() {
		return e
	}
	return unknown
}

// wireOf maps a GraphQL enum value back to FreeScout's spelling.
func wireOf[E ~string](e E) string { return strings.ToLower(string(e)) }

// folderTypes are FreeScout's numeric folder types.
var folderTypes = map[int]model.FolderType{
	1: model.FolderTypeUnassigned, 20: model.FolderTypeMine, 25: model.FolderTypeStarred,
	30: model.FolderTypeDrafts, 40: model.FolderTypeAssigned, 60: model.FolderTypeClosed,
	80: model.FolderTypeSpam, 110: model.FolderTypeDeleted,
}

// webhookEventNames are FreeScout's names of the GraphQL WebhookEvent values
// that the general rule (lower case, "_" to ".") does not give.
var webhookEventNames = map[model.WebhookEvent]string{
	model.WebhookEventConvoDeletedForever: "convo.deleted_forever",
}

// toWebhook is a webhook as FreeScout keeps it; events the schema does not
// know are left out.
func toWebhook(w *upstream.Webhook) *model.Webhook {
	m := &model.Webhook{ID: id(w.ID), URL: w.URL, Events: make([]model.WebhookEvent, 0, len(w.Events))}
	for _, e := range w.Events {
		if ev := model.WebhookEvent(strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(e), ".", "_"))); ev.IsValid() {
			m.Events = append(m.Events, ev)
		}
	}
	return m
}

func webhookEventWire(e model.WebhookEvent) string {
	if s, ok := webhookEventNames[e]; ok {
		return s
	}
	return strings.ReplaceAll(strings.ToLower(string(e)), "_", ".")
}

func id(n int) string { return strconv.Itoa(n) }

func idPtr(n int) *string {
	if n == 0 {
		return nil
	}
	s := strconv.Itoa(n)
	return &s
}

func str(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// timePtr points at t's time, or is nil when t is zero. The model's times
// point into the wire object they came from (which the model keeps): no copy.
func timePtr(t *upstream.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t.Time
}

// strAt is s itself, or nil when it is empty: the model's strings point into
// the wire object they came from.
func strAt(s *string) *string {
	if *s == "" {
		return nil
	}
	return s
}

func strs(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func toConversation(c *upstream.Conversation) *model.Conversation {
	m := &model.Conversation{
		ID:            id(c.ID),
		Number:        c.Number,
		Subject:       c.Subject,
		Preview:       c.Preview,
		Type:          enumOf(c.Type, model.ConversationTypeUnknown),
		Status:        enumOf(c.Status, model.ConversationStatusUnknown),
		State:         enumOf(c.State, model.ConversationStateUnknown),
		FolderID:      idPtr(c.FolderID),
		ThreadsCount:  c.ThreadsCount,
		Cc:            strs(c.Cc),
		Bcc:           strs(c.Bcc),
		CreatedAt:     timePtr(&c.CreatedAt),
		UpdatedAt:     timePtr(&c.UpdatedAt),
		UserUpdatedAt: timePtr(&c.UserUpdatedAt),
		ClosedAt:      timePtr(&c.ClosedAt),
		Raw:           c,
	}
	if c.Source != nil {
		m.Source = &model.Source{Type: strAt(&c.Source.Type), Via: strAt(&c.Source.Via)}
	}
	if w := c.CustomerWaitingSince; w != nil {
		m.CustomerWaitingSince = &model.WaitingSince{Time: timePtr(&w.Time), Friendly: strAt(&w.Friendly), LatestReplyFrom: strAt(&w.LatestReplyFrom)}
	}
	return m
}

// customFieldValues are c's custom-field values.
func customFieldValues(c *upstream.Conversation) []*model.CustomFieldValue {
	out := make([]*model.CustomFieldValue, 0, len(c.CustomFields))
	for _, f := range c.CustomFields {
		out = append(out, &model.CustomFieldValue{
			ID: id(f.ID), Name: f.Name, Value: strPtr(string(f.Value)), Text: strPtr(textOf(f)),
			FieldID: f.ID, MailboxID: c.MailboxID,
		})
	}
	return out
}

func toThread(t *upstream.Thread) *model.Thread {
	m := &model.Thread{
		ID:          id(t.ID),
		Type:        enumOf(t.Type, model.ThreadTypeUnknown),
		Status:      enumOf(t.Status, model.ThreadStatusUnknown),
		State:       enumOf(t.State, model.ThreadStateUnknown),
		Body:        str(t.Body),
		To:          strs(t.To),
		Cc:          strs(t.Cc),
		Bcc:         strs(t.Bcc),
		CreatedAt:   timePtr(&t.CreatedAt),
		OpenedAt:    timePtr(&t.OpenedAt),
		Attachments: make([]*model.Attachment, 0, len(t.Embedded.Attachments)),
		Raw:         t,
	}
	if t.Action != nil {
		m.Action = &model.ThreadAction{Type: str(t.Action.Type), Text: str(t.Action.Text)}
	}
	if t.Source != nil {
		m.Source = &model.Source{Type: str(t.Source.Type), Via: str(t.Source.Via)}
	}
	for _, a := range t.Embedded.Attachments {
		size := a.Size
		m.Attachments = append(m.Attachments, &model.Attachment{ID: id(a.ID), FileName: a.FileName, FileURL: a.FileURL, MimeType: str(a.MimeType), Size: &size})
	}
	return m
}

func toCustomer(c *upstream.Customer) *model.Customer {
	m := &model.Customer{
		ID:             id(c.ID),
		Key:            c.ID,
		FirstName:      str(c.FirstName),
		LastName:       str(c.LastName),
		Company:        str(c.Company),
		JobTitle:       str(c.JobTitle),
		PhotoURL:       str(c.PhotoURL),
		Notes:          str(c.Notes),
		CreatedAt:      timePtr(&c.CreatedAt),
		UpdatedAt:      timePtr(&c.UpdatedAt),
		Emails:         entries(c.Embedded.Emails),
		Phones:         entries(c.Embedded.Phones),
		SocialProfiles: entries(c.Embedded.SocialProfiles),
		Websites:       entries(c.Embedded.Websites),
		FieldValues:    make([]*model.CustomerFieldValue, 0, len(c.CustomerFields)),
	}
	if c.CustomerFields == nil {
		// FreeScout sends them with a customer read in full when it has the
		// CRM module; the gateway reads customers in full whenever the query
		// asks for them.
		m.FieldsErr = moduleUnavailable(upstream.ModuleCRM, "a customer's customerFields need it")
	}
	if c.PhotoType != "" {
		pt := enumOf(c.PhotoType, model.PhotoTypeUnknown)
		m.PhotoType = &pt
	}
	if len(c.Embedded.Emails) > 0 {
		m.Email = &c.Embedded.Emails[0].Value
	}
	if a := c.Embedded.Address; a != nil && (a.City != nil || a.State != nil || a.Zip != nil || a.Country != nil || a.Address != nil) {
		m.Address = &model.Address{City: a.City, State: a.State, Zip: a.Zip, Country: a.Country, Address: a.Address}
	}
	for _, f := range c.CustomerFields {
		m.FieldValues = append(m.FieldValues, &model.CustomerFieldValue{
			ID: id(f.ID), Name: f.Name, Value: strPtr(string(f.Value)), Text: strPtr(textOf(f)),
		})
	}
	return m
}

// customerOrNil is toCustomer that keeps nil nil.
func customerOrNil(c *upstream.Customer) *model.Customer {
	if c == nil {
		return nil
	}
	return toCustomer(c)
}

// textOf is what a person reads for a field value: FreeScout's text (a
// dropdown's label) when it has one, else the value.
func textOf(f upstream.CustomFieldValue) string {
	if f.Text != "" {
		return string(f.Text)
	}
	return string(f.Value)
}

// strPtr keeps "" as "", unlike str.
func strPtr(s string) *string { return &s }

func entries(es []upstream.Entry) []*model.ContactEntry {
	out := make([]*model.ContactEntry, 0, len(es))
	for _, e := range es {
		out = append(out, &model.ContactEntry{ID: id(e.ID), Value: e.Value, Type: str(e.Type)})
	}
	return out
}

// customerFromPerson builds a Customer from what FreeScout embedded.
func customerFromPerson(p *upstream.Person) *model.Customer {
	return &model.Customer{
		ID: id(p.ID), Key: p.ID,
		FirstName: strAt(&p.FirstName), LastName: strAt(&p.LastName), Email: strAt(&p.Email), PhotoURL: strAt(&p.PhotoURL),
		Emails: []*model.ContactEntry{}, Phones: []*model.ContactEntry{}, SocialProfiles: []*model.ContactEntry{},
		Websites: []*model.ContactEntry{}, FieldValues: []*model.CustomerFieldValue{},
	}
}

func toUser(u *upstream.User) *model.User {
	m := &model.User{
		ID: id(u.ID), Key: u.ID,
		FirstName: str(u.FirstName), LastName: str(u.LastName), Email: str(u.Email),
		AlternateEmails: str(u.AlternateEmails), JobTitle: str(u.JobTitle), Phone: str(u.Phone),
		Timezone: str(u.Timezone), PhotoURL: str(u.PhotoURL), Language: str(u.Language),
		CreatedAt: timePtr(&u.CreatedAt), UpdatedAt: timePtr(&u.UpdatedAt),
	}
	if u.Role != "" {
		r := enumOf(u.Role, model.UserRoleUnknown)
		m.Role = &r
	}
	return m
}

// userFromPerson builds a User from what FreeScout embedded.
func userFromPerson(p *upstream.Person) *model.User {
	return &model.User{ID: id(p.ID), Key: p.ID, FirstName: strAt(&p.FirstName), LastName: strAt(&p.LastName), Email: strAt(&p.Email), PhotoURL: strAt(&p.PhotoURL)}
}

func toMailbox(m *upstream.Mailbox) *model.Mailbox {
	return &model.Mailbox{ID: id(m.ID), Key: m.ID, Name: m.Name, Email: m.Email, CreatedAt: timePtr(&m.CreatedAt), UpdatedAt: timePtr(&m.UpdatedAt)}
}

func toCustomField(f upstream.CustomField) *model.CustomField {
	m := &model.CustomField{
		ID: id(f.ID), Name: f.Name, Type: enumOf(f.Type, model.CustomFieldTypeUnknown),
		Required: f.Required, SortOrder: f.SortOrder, Options: make([]*model.CustomFieldOption, 0, len(f.Options)),
	}
	for _, o := range f.Options {
		m.Options = append(m.Options, &model.CustomFieldOption{ID: o.ID, Label: o.Label})
	}
	return m
}

func toTag(t upstream.Tag, full bool) *model.Tag {
	m := &model.Tag{ID: id(t.ID), Name: t.Name}
	if full {
		counter, color := t.Counter, t.Color
		m.Counter, m.Color = &counter, &color
	}
	return m
}

func toTimelog(t upstream.Timelog) *model.Timelog {
	return &model.Timelog{
		ID: id(t.ID), ConversationStatus: enumOf(t.ConversationStatus, model.ConversationStatusUnknown),
		TimeSpent: t.TimeSpent, Paused: t.Paused, Finished: t.Finished,
		CreatedAt: timePtr(&t.CreatedAt), UpdatedAt: timePtr(&t.UpdatedAt), UserID: t.UserID,
	}
}

func toFolder(f upstream.Folder) *model.Folder {
	m := &model.Folder{ID: id(f.ID), Name: f.Name, Type: model.FolderTypeUnknown, TotalCount: f.TotalCount, ActiveCount: f.ActiveCount}
	if t, ok := folderTypes[f.Type]; ok {
		m.Type = t
	}
	if f.UserID != nil {
		m.UserID = *f.UserID
	}
	return m
}
