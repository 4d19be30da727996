package emulator

import (
	"strconv"
	"time"
)

// The JSON shapes below follow the reference's examples key for key and in the same order.

// personJSON is a user or customer embedded in a conversation or thread. Every such
// reference carries photoUrl (the reference's assignee example lacks it; the emulator keeps
// one rule for all references).
type personJSON struct {
	ID        int     `json:"id"`
	Type      string  `json:"type"`
	FirstName *string `json:"firstName"`
	LastName  *string `json:"lastName"`
	PhotoURL  string  `json:"photoUrl"`
	Email     *string `json:"email"`
}

// customerStubJSON is a conversation's createdBy when a customer created it: the reference
// shows only id, type and email there.
type customerStubJSON struct {
	ID    int     `json:"id"`
	Type  string  `json:"type"`
	Email *string `json:"email"`
}

type conversationJSON struct {
	ID                   int                   `json:"id"`
	Number               int                   `json:"number"`
	ThreadsCount         *int                  `json:"threadsCount,omitempty"` // single get; lists since v1.0.21
	Threads              *int                  `json:"threads,omitempty"`      // lists before v1.0.21
	Type                 string                `json:"type"`
	FolderID             int                   `json:"folderId"`
	Status               string                `json:"status"`
	State                string                `json:"state"`
	Subject              string                `json:"subject"`
	Preview              string                `json:"preview"`
	MailboxID            int                   `json:"mailboxId"`
	Assignee             *personJSON           `json:"assignee"`
	CreatedBy            any                   `json:"createdBy"`
	CreatedAt            string                `json:"createdAt"`
	UpdatedAt            string                `json:"updatedAt"`
	ClosedBy             *int                  `json:"closedBy"`
	ClosedByUser         *personJSON           `json:"closedByUser"`
	ClosedAt             *string               `json:"closedAt"`
	UserUpdatedAt        *string               `json:"userUpdatedAt"`
	CustomerWaitingSince waitingJSON           `json:"customerWaitingSince"`
	Source               sourceJSON            `json:"source"`
	CC                   []string              `json:"cc"`
	BCC                  []string              `json:"bcc"`
	Customer             *personJSON           `json:"customer"`
	CustomFields         *[]fieldValueJSON     `json:"customFields,omitempty"` // nil without the Custom Fields module
	Embedded             *conversationEmbedded `json:"_embedded,omitempty"`
}

type waitingJSON struct {
	Time            string `json:"time"`
	Friendly        string `json:"friendly"`
	LatestReplyFrom string `json:"latestReplyFrom"`
}

type sourceJSON struct {
	Type string `json:"type"`
	Via  string `json:"via"`
}

// fieldValueJSON is a conversation's customFields entry or a customer's customerFields entry.
type fieldValueJSON struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Value string `json:"value"`
	Text  string `json:"text"`
}

type conversationEmbedded struct {
	Threads  *[]threadJSON  `json:"threads,omitempty"`
	Timelogs *[]timelogJSON `json:"timelogs,omitempty"`
	Tags     *[]tagRefJSON  `json:"tags,omitempty"`
}

type threadJSON struct {
	ID         int              `json:"id"`
	Type       string           `json:"type"`
	Status     string           `json:"status"`
	State      string           `json:"state"`
	Action     actionJSON       `json:"action"`
	Body       string           `json:"body"`
	Source     sourceJSON       `json:"source"`
	Customer   *personJSON      `json:"customer"`
	CreatedBy  *personJSON      `json:"createdBy"`
	AssignedTo *personJSON      `json:"assignedTo"`
	To         []string         `json:"to"`
	CC         []string         `json:"cc"`
	BCC        []string         `json:"bcc"`
	CreatedAt  string           `json:"createdAt"`
	OpenedAt   *string          `json:"openedAt"`
	Embedded   attachmentsEmbed `json:"_embedded"`
}

type actionJSON struct {
	Type               string `json:"type"`
	Text               string `json:"text"`
	AssociatedEntities []any  `json:"associatedEntities"`
}

type attachmentsEmbed struct {
	Attachments []attachmentJSON `json:"attachments"`
}

type attachmentJSON struct {
	ID       int    `json:"id"`
	FileName string `json:"fileName"`
	FileURL  string `json:"fileUrl"`
	MimeType string `json:"mimeType"`
	Size     int    `json:"size"`
}

// timelogJSON omits conversationId: the reference shows it on only one of its two examples.
type timelogJSON struct {
	ID                 int    `json:"id"`
	ConversationStatus string `json:"conversationStatus"`
	UserID             int    `json:"userId"`
	TimeSpent          int    `json:"timeSpent"`
	Paused             bool   `json:"paused"`
	Finished           bool   `json:"finished"`
	CreatedAt          string `json:"createdAt"`
	UpdatedAt          string `json:"updatedAt"`
}

type tagRefJSON struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

type tagJSON struct {
	ID      int    `json:"id"`
	Name    string `json:"name"`
	Counter int    `json:"counter"`
	Color   int    `json:"color"`
}

type customerJSON struct {
	ID             int               `json:"id"`
	FirstName      *string           `json:"firstName"`
	LastName       *string           `json:"lastName"`
	Company        *string           `json:"company"`
	JobTitle       *string           `json:"jobTitle"`
	PhotoType      string            `json:"photoType"`
	PhotoURL       string            `json:"photoUrl"`
	CreatedAt      string            `json:"createdAt"`
	UpdatedAt      string            `json:"updatedAt"`
	Notes          *string           `json:"notes"`
	CustomerFields *[]fieldValueJSON `json:"customerFields,omitempty"` // single get only
	Embedded       customerEmbedded  `json:"_embedded"`
}

type customerEmbedded struct {
	Emails         []contactJSON `json:"emails"`
	Phones         []contactJSON `json:"phones"`
	SocialProfiles []contactJSON `json:"social_profiles"`
	Websites       []websiteJSON `json:"websites"`
	Address        addressJSON   `json:"address"`
}

type contactJSON struct {
	ID    int    `json:"id"`
	Value string `json:"value"`
	Type  string `json:"type"`
}

type websiteJSON struct {
	ID    int    `json:"id"`
	Value string `json:"value"`
}

type addressJSON struct {
	City    *string `json:"city"`
	State   *string `json:"state"`
	Zip     *string `json:"zip"`
	Country *string `json:"country"`
	Address *string `json:"address"`
}

type userJSON struct {
	ID              int     `json:"id"`
	FirstName       string  `json:"firstName"`
	LastName        string  `json:"lastName"`
	Email           string  `json:"email"`
	Role            string  `json:"role"`
	AlternateEmails *string `json:"alternateEmails"`
	JobTitle        *string `json:"jobTitle"`
	Phone           *string `json:"phone"`
	Timezone        string  `json:"timezone"`
	PhotoURL        string  `json:"photoUrl"`
	Language        string  `json:"language"`
	CreatedAt       string  `json:"createdAt"`
	UpdatedAt       string  `json:"updatedAt"`
}

type mailboxJSON struct {
	ID        int    `json:"id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
}

// customFieldJSON is a custom-field definition. Options is an object {"<id>": "<label>"} for
// dropdowns, null for dates and "" for the other types.
type customFieldJSON struct {
	ID        int    `json:"id"`
	Name      string `json:"name"`
	Type      string `json:"type"`
	Options   any    `json:"options"`
	Required  bool   `json:"required"`
	SortOrder int    `json:"sortOrder"`
}

type folderJSON struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	Type        int    `json:"type"`
	UserID      *int   `json:"userId"`
	TotalCount  int    `json:"totalCount"`
	ActiveCount int    `json:"activeCount"`
	Meta        any    `json:"meta"`
}

// embedSet says which extras a conversation answer embeds.
type embedSet struct {
	threads, timelogs, tags bool
}

func (e embedSet) any() bool { return e.threads || e.timelogs || e.tags }

// Renderers. They run under the data lock, and their results are encoded before the lock is
// released (see read and write in respond.go; webhook bodies are rendered and encoded by the
// write that fires the event, see store.emitConversation). Writes replace slices rather than
// change them in place, so a rendered value never shares a slice that is being changed.

// defaultPhoto is the photo of users and customers without one, as FreeScout serves it.
const defaultPhoto = "https://support.example.com/img/default-avatar.png"

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func intOrNull(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }

func (s *store) userRef(id int) *personJSON {
	u := s.users[id]
	if u == nil {
		return nil
	}
	return &personJSON{
		ID:        u.id,
		Type:      "user",
		FirstName: orNull(u.firstName),
		LastName:  orNull(u.lastName),
		PhotoURL:  userPhoto(u),
		Email:     orNull(u.email),
	}
}

func (s *store) customerRef(id int) *personJSON {
	c := s.customers[id]
	if c == nil {
		return nil
	}
	return &personJSON{
		ID:        c.id,
		Type:      "customer",
		FirstName: orNull(c.firstName),
		LastName:  orNull(c.lastName),
		PhotoURL:  customerPhoto(c),
		Email:     orNull(c.primaryEmail()),
	}
}

func userPhoto(u *user) string {
	if u.photoURL == "" {
		return defaultPhoto
	}
	return u.photoURL
}

func customerPhoto(c *customer) string {
	if c.photoURL == "" {
		return defaultPhoto
	}
	return c.photoURL
}

// renderConversation renders c for a single get (list false) or a list (list true). A single
// get counts the threads in threadsCount and carries _embedded only when something is
// embedded; a list item does the same since module v1.0.21, and before that counts them in
// threads. Embeds and custom fields of a missing module are left out.
func (s *store) renderConversation(c *conversation, embed embedSet, list bool, now time.Time) conversationJSON {
	embed = s.d.allowEmbed(embed)
	count := len(c.threads)
	waitingTime, waitingFrom := lastReply(c)
	out := conversationJSON{
		ID:        c.id,
		Number:    c.number,
		Type:      c.typ,
		FolderID:  s.folderID(c),
		Status:    c.status,
		State:     c.state,
		Subject:   c.subject,
		Preview:   preview(c),
		MailboxID: c.mailboxID,
		Assignee:  s.userRef(c.assigneeID),
		CreatedAt: isoDate(c.createdAt),
		UpdatedAt: isoDate(c.updatedAt),
		ClosedBy:  intOrNull(c.closedByID),
		ClosedAt:  isoDateOrNull(c.closedAt),
		CustomerWaitingSince: waitingJSON{
			Time:            isoDate(waitingTime),
			Friendly:        friendlySince(waitingTime, now),
			LatestReplyFrom: waitingFrom,
		},
		UserUpdatedAt: isoDateOrNull(c.userUpdatedAt),
		Source:        sourceJSON{Type: c.sourceType, Via: c.sourceVia},
		CC:            orEmpty(c.cc),
		BCC:           orEmpty(c.bcc),
		Customer:      s.customerRef(c.customerID),
	}
	if s.d.installed(moduleCustomFields) {
		fields := s.conversationFields(c)
		out.CustomFields = &fields
	}
	oldList := list && !s.d.has(featListThreadsCount)
	if oldList {
		out.Threads = &count
	} else {
		out.ThreadsCount = &count
	}
	if c.closedByID != 0 {
		out.ClosedByUser = s.userRef(c.closedByID)
	}
	if c.createdByUserID != 0 {
		out.CreatedBy = s.userRef(c.createdByUserID)
	} else if cu := s.customers[c.createdByCustomerID]; cu != nil {
		out.CreatedBy = customerStubJSON{ID: cu.id, Type: "customer", Email: orNull(cu.primaryEmail())}
	}
	if !embed.any() && (oldList || !list) {
		return out
	}
	out.Embedded = &conversationEmbedded{}
	if embed.threads {
		threads := make([]threadJSON, 0, len(c.threads))
		for _, th := range c.threads {
			threads = append(threads, s.renderThread(th))
		}
		out.Embedded.Threads = &threads
	}
	if embed.timelogs {
		logs := make([]timelogJSON, 0, len(c.timelogs))
		for _, tl := range c.timelogs {
			logs = append(logs, s.renderTimelog(tl))
		}
		out.Embedded.Timelogs = &logs
	}
	if embed.tags {
		tags := make([]tagRefJSON, 0, len(c.tagIDs))
		for _, id := range c.tagIDs {
			if t := s.tags[id]; t != nil {
				tags = append(tags, tagRefJSON{ID: t.id, Name: t.name})
			}
		}
		out.Embedded.Tags = &tags
	}
	return out
}

// conversationFields renders the conversation's custom-field values in the mailbox's field order.
func (s *store) conversationFields(c *conversation) []fieldValueJSON {
	out := []fieldValueJSON{}
	mb := s.mailboxes[c.mailboxID]
	if mb == nil {
		return out
	}
	return appendFieldValues(out, mb.fields, c.fields)
}

// appendFieldValues renders the values set for defs: text is the label for dropdowns, else "".
func appendFieldValues(out []fieldValueJSON, defs []*customField, values map[int]string) []fieldValueJSON {
	for _, f := range defs {
		v, ok := values[f.id]
		if !ok {
			continue
		}
		text := ""
		if f.typ == fieldDropdown {
			text, _ = f.label(v)
		}
		out = append(out, fieldValueJSON{ID: f.id, Name: f.name, Value: v, Text: text})
	}
	return out
}

func (s *store) renderThread(th *thread) threadJSON {
	out := threadJSON{
		ID:     th.id,
		Type:   th.typ,
		Status: th.status,
		State:  th.state,
		Action: actionJSON{
			Type:               th.actionType,
			Text:               th.actionText,
			AssociatedEntities: []any{},
		},
		Body:       th.body,
		Source:     sourceJSON{Type: th.sourceType, Via: th.sourceVia},
		Customer:   s.customerRef(th.customerID),
		AssignedTo: s.userRef(th.assignedToID),
		To:         orEmpty(th.to),
		CC:         orEmpty(th.cc),
		BCC:        orEmpty(th.bcc),
		CreatedAt:  isoDate(th.createdAt),
		OpenedAt:   isoDateOrNull(th.openedAt),
		Embedded:   attachmentsEmbed{Attachments: []attachmentJSON{}},
	}
	if th.createdByUserID != 0 {
		out.CreatedBy = s.userRef(th.createdByUserID)
	} else {
		out.CreatedBy = s.customerRef(th.createdByCustomerID)
	}
	for _, a := range th.attachments {
		out.Embedded.Attachments = append(out.Embedded.Attachments, attachmentJSON{
			ID: a.id, FileName: a.fileName, FileURL: a.fileURL, MimeType: a.mimeType, Size: a.size,
		})
	}
	return out
}

func (s *store) renderTimelog(tl *timelog) timelogJSON {
	return timelogJSON{
		ID:                 tl.id,
		ConversationStatus: tl.conversationStatus,
		UserID:             tl.userID,
		TimeSpent:          tl.timeSpent,
		Paused:             tl.paused,
		Finished:           tl.finished,
		CreatedAt:          s.fixedDate(tl.createdAt),
		UpdatedAt:          s.fixedDate(tl.updatedAt),
	}
}

// renderCustomer renders c; a single get (withFields) also carries customerFields, unless
// the CRM module is missing.
func (s *store) renderCustomer(c *customer, withFields bool) customerJSON {
	out := customerJSON{
		ID:        c.id,
		FirstName: orNull(c.firstName),
		LastName:  orNull(c.lastName),
		Company:   orNull(c.company),
		JobTitle:  orNull(c.jobTitle),
		PhotoType: c.photoType,
		PhotoURL:  customerPhoto(c),
		CreatedAt: isoDate(c.createdAt),
		UpdatedAt: isoDate(c.updatedAt),
		Notes:     orNull(c.notes),
		Embedded: customerEmbedded{
			Emails:         renderContacts(c.emails),
			Phones:         renderContacts(c.phones),
			SocialProfiles: renderContacts(c.socialProfiles),
			Websites:       make([]websiteJSON, 0, len(c.websites)),
		},
	}
	for _, w := range c.websites {
		out.Embedded.Websites = append(out.Embedded.Websites, websiteJSON{ID: w.id, Value: w.value})
	}
	if a := c.address; a != nil {
		out.Embedded.Address = addressJSON{
			City: orNull(a.city), State: orNull(a.state), Zip: orNull(a.zip),
			Country: orNull(a.country), Address: orNull(a.street),
		}
	}
	if withFields && s.d.installed(moduleCRM) {
		fields := appendFieldValues([]fieldValueJSON{}, s.customerFields, c.fields)
		out.CustomerFields = &fields
	}
	return out
}

func renderContacts(cs []contact) []contactJSON {
	out := make([]contactJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, contactJSON{ID: c.id, Value: c.value, Type: c.typ})
	}
	return out
}

func (s *store) renderUser(u *user) userJSON {
	return userJSON{
		ID:              u.id,
		FirstName:       u.firstName,
		LastName:        u.lastName,
		Email:           u.email,
		Role:            u.role,
		AlternateEmails: orNull(u.alternateEmails),
		JobTitle:        orNull(u.jobTitle),
		Phone:           orNull(u.phone),
		Timezone:        u.timezone,
		PhotoURL:        userPhoto(u),
		Language:        u.language,
		CreatedAt:       s.fixedDate(u.createdAt),
		UpdatedAt:       s.fixedDate(u.updatedAt),
	}
}

func (s *store) renderMailbox(mb *mailbox) mailboxJSON {
	return mailboxJSON{
		ID:        mb.id,
		Name:      mb.name,
		Email:     mb.email,
		CreatedAt: s.fixedDate(mb.createdAt),
		UpdatedAt: s.fixedDate(mb.updatedAt),
	}
}

func renderCustomField(f *customField) customFieldJSON {
	var options any = ""
	switch f.typ {
	case fieldDropdown:
		m := make(map[string]string, len(f.options))
		for _, o := range f.options {
			m[itoa(o.id)] = o.label
		}
		options = m
	case fieldDate:
		options = nil
	}
	return customFieldJSON{
		ID: f.id, Name: f.name, Type: f.typ, Options: options, Required: f.required, SortOrder: f.sortOrder,
	}
}

func (s *store) renderFolder(f *folder) folderJSON {
	out := folderJSON{ID: f.id, Name: f.name, Type: f.typ, UserID: intOrNull(f.userID)}
	for _, c := range s.conversations {
		if s.inFolder(f, c) {
			out.TotalCount++
			if c.status == statusActive {
				out.ActiveCount++
			}
		}
	}
	return out
}

func (s *store) renderTag(t *tag) tagJSON {
	return tagJSON{ID: t.id, Name: t.name, Counter: s.tagCounter(t.id), Color: t.color}
}

// tagCounter is the number of conversations carrying the tag.
func (s *store) tagCounter(id int) int {
	n := 0
	for _, c := range s.conversations {
		for _, t := range c.tagIDs {
			if t == id {
				n++
			}
		}
	}
	return n
}

// webhookJSON is an item of GET /api/webhooks, as real installs send it.
type webhookJSON struct {
	ID           int      `json:"id"`
	URL          string   `json:"url"`
	Events       []string `json:"events"`
	LastRunTime  *string  `json:"lastRunTime"`
	LastRunError *string  `json:"lastRunError"`
	Mailboxes    []int    `json:"mailboxes,omitempty"`
}

// renderWebhook renders h. lastRunTime and lastRunError are null until the first delivery
// attempt; lastRunError is null again after an attempt that succeeded.
func renderWebhook(h *webhook) webhookJSON {
	return webhookJSON{
		ID:           h.id,
		URL:          h.url,
		Events:       orEmpty(h.events),
		LastRunTime:  isoDateOrNull(h.lastRunTime),
		LastRunError: orNull(h.lastRunError),
		Mailboxes:    h.mailboxes,
	}
}
