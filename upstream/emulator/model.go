package emulator

import (
	"cmp"
	"html"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// FreeScout's vocabularies.
const (
	statusActive  = "active"
	statusPending = "pending"
	statusClosed  = "closed"
	statusSpam    = "spam"

	stateDraft     = "draft"
	statePublished = "published"
	stateDeleted   = "deleted"

	typeEmail = "email"
	typePhone = "phone"
	typeChat  = "chat"

	threadCustomer = "customer"
	threadMessage  = "message"
	threadNote     = "note"
	threadLineItem = "lineitem" // a change of the conversation, recorded as a thread

	fieldSingleline = "singleline"
	fieldMultiline  = "multiline"
	fieldDropdown   = "dropdown"
	fieldDate       = "date"
	fieldNumber     = "number"
)

// FreeScout's folder types.
const (
	folderUnassigned = 1
	folderMine       = 20
	folderStarred    = 25
	folderDrafts     = 30
	folderAssigned   = 40
	folderClosed     = 60
	folderSpam       = 80
	folderDeleted    = 110
)

type mailbox struct {
	id        int
	name      string
	email     string
	createdAt time.Time
	updatedAt time.Time
	fields    []*customField // ordered by sortOrder
	access    []int          // ids of the users with access
}

// customField is a custom-field definition: a mailbox's conversation field or a customer field.
type customField struct {
	id        int
	name      string
	typ       string
	options   []fieldOption // dropdowns only, by id
	required  bool
	sortOrder int
}

type fieldOption struct {
	id    int
	label string
}

// label returns the label of the dropdown option whose id is value.
func (f *customField) label(value string) (string, bool) {
	for _, o := range f.options {
		if itoa(o.id) == value {
			return o.label, true
		}
	}
	return "", false
}

type folder struct {
	id        int
	mailboxID int
	name      string
	typ       int
	userID    int // 0 for folders shared by the mailbox
}

type user struct {
	id              int
	firstName       string
	lastName        string
	email           string
	role            string
	alternateEmails string
	jobTitle        string
	phone           string
	timezone        string
	photoURL        string
	language        string
	createdAt       time.Time
	updatedAt       time.Time
	deleted         bool // deleted users vanish from the API but stay in old threads
}

type customer struct {
	id             int
	firstName      string
	lastName       string
	company        string
	jobTitle       string
	photoType      string
	photoURL       string
	notes          string
	createdAt      time.Time
	updatedAt      time.Time
	emails         []contact
	phones         []contact
	socialProfiles []contact
	websites       []contact
	address        *address
	fields         map[int]string // customer field id → value
}

// contact is an email, phone, social profile or website entry of a customer.
type contact struct {
	id    int // FreeScout numbers emails; the other kinds have id 0
	value string
	typ   string
}

type address struct {
	city, state, zip, country, street string
}

// primaryEmail is the customer's first email address, or "".
func (c *customer) primaryEmail() string {
	if len(c.emails) == 0 {
		return ""
	}
	return c.emails[0].value
}

type conversation struct {
	id                  int
	number              int
	typ                 string
	status              string
	state               string
	subject             string
	mailboxID           int
	assigneeID          int // 0: unassigned
	customerID          int
	createdByUserID     int // set when a user created the conversation
	createdByCustomerID int // set when a customer created it
	createdAt           time.Time
	updatedAt           time.Time
	userUpdatedAt       time.Time // zero: null
	closedAt            time.Time // zero: null
	closedByID          int
	sourceType          string
	sourceVia           string
	cc, bcc             []string
	fields              map[int]string // custom field id → value (the option id for dropdowns)
	tagIDs              []int
	threads             []*thread  // newest first
	timelogs            []*timelog // newest first
	starredBy           []int
}

type thread struct {
	id                  int
	typ                 string
	status              string
	state               string
	actionType          string
	actionText          string
	body                string
	sourceType          string
	sourceVia           string
	customerID          int
	createdByUserID     int
	createdByCustomerID int
	assignedToID        int
	to, cc, bcc         []string
	createdAt           time.Time
	openedAt            time.Time // zero: null
	attachments         []attachment
}

type attachment struct {
	id       int
	fileName string
	fileURL  string
	mimeType string
	size     int
}

type timelog struct {
	id                 int
	conversationStatus string
	userID             int
	timeSpent          int // seconds
	paused             bool
	finished           bool
	createdAt          time.Time
	updatedAt          time.Time
}

type tag struct {
	id    int
	name  string
	color int
}

type webhook struct {
	id           int
	url          string
	events       []string
	mailboxes    []int     // events only for conversations in these mailboxes; nil: all
	lastRunTime  time.Time // the last delivery attempt; zero: none yet
	lastRunError string    // why the last attempt failed; "" when it succeeded
}

// store is the Emulator's data. Folders are fixed when the store is built; everything
// derivable (folder ids and counts, tag counters, previews, waiting times) is derived.
type store struct {
	mailboxes      map[int]*mailbox
	folders        []*folder // ordered by id
	folderByID     map[int]*folder
	users          map[int]*user
	customers      map[int]*customer
	customerFields []*customField
	conversations  map[int]*conversation
	tags           map[int]*tag
	webhooks       map[int]*webhook
	last           lastIDs

	d      *dialect   // the API answers are rendered in; fixed
	outbox []delivery // deliveries the current write emitted (see Emulator.write)
}

// lastIDs holds the highest id handed out per kind.
type lastIDs struct {
	user, customer, email, conversation, number, thread, attachment, timelog, tag, webhook int
}

func newStore(d *dialect) *store {
	return &store{
		d:             d,
		mailboxes:     make(map[int]*mailbox),
		folderByID:    make(map[int]*folder),
		users:         make(map[int]*user),
		customers:     make(map[int]*customer),
		conversations: make(map[int]*conversation),
		tags:          make(map[int]*tag),
		webhooks:      make(map[int]*webhook),
	}
}

// next hands out the next id of a kind.
func next(last *int) int {
	*last++
	return *last
}

// byID returns the map's values ordered by id.
func byID[T any](m map[int]*T) []*T {
	ids := slices.Sorted(maps.Keys(m))
	out := make([]*T, len(ids))
	for i, id := range ids {
		out[i] = m[id]
	}
	return out
}

// liveUser returns the user with id unless it does not exist or was deleted.
func (s *store) liveUser(id int) *user {
	if u := s.users[id]; u != nil && !u.deleted {
		return u
	}
	return nil
}

// hasAccess reports whether the user may work in the mailbox.
func (s *store) hasAccess(userID int, mb *mailbox) bool {
	return slices.Contains(mb.access, userID)
}

// field returns the custom field id of the mailbox.
func (mb *mailbox) field(id int) *customField {
	for _, f := range mb.fields {
		if f.id == id {
			return f
		}
	}
	return nil
}

func (s *store) customerByEmail(email string) *customer {
	for _, c := range byID(s.customers) {
		for _, e := range c.emails {
			if strings.EqualFold(e.value, email) {
				return c
			}
		}
	}
	return nil
}

func (s *store) userByEmail(email string) *user {
	for _, u := range byID(s.users) {
		if !u.deleted && strings.EqualFold(u.email, email) {
			return u
		}
	}
	return nil
}

func (s *store) tagByName(name string) *tag {
	for _, t := range byID(s.tags) {
		if strings.EqualFold(t.name, name) {
			return t
		}
	}
	return nil
}

// visibleFolder reports whether a folder is listed: per-user folders vanish with their user.
func (s *store) visibleFolder(f *folder) bool {
	return f.userID == 0 || s.liveUser(f.userID) != nil
}

// folderOf finds a folder of the mailbox by type and owner.
func (s *store) folderOf(mailboxID, typ, userID int) *folder {
	for _, f := range s.folders {
		if f.mailboxID == mailboxID && f.typ == typ && f.userID == userID && s.visibleFolder(f) {
			return f
		}
	}
	return nil
}

// folderID is the folder FreeScout files c under: Drafts, Deleted, Spam or Closed by state and
// status, else the assignee's Mine folder (Assigned when the assignee has none), else Unassigned.
func (s *store) folderID(c *conversation) int {
	typ, userID := folderUnassigned, 0
	switch {
	case c.state == stateDraft:
		typ = folderDrafts
	case c.state == stateDeleted:
		typ = folderDeleted
	case c.status == statusSpam:
		typ = folderSpam
	case c.status == statusClosed:
		typ = folderClosed
	case c.assigneeID != 0:
		if f := s.folderOf(c.mailboxID, folderMine, c.assigneeID); f != nil {
			return f.id
		}
		typ = folderAssigned
	}
	if f := s.folderOf(c.mailboxID, typ, userID); f != nil {
		return f.id
	}
	return 0
}

// inFolder reports whether c shows in folder f. Assigned shows every conversation filed
// under a Mine folder (or Assigned itself); Starred shows the owner's starred conversations.
func (s *store) inFolder(f *folder, c *conversation) bool {
	if c.mailboxID != f.mailboxID {
		return false
	}
	switch f.typ {
	case folderAssigned:
		g := s.folderByID[s.folderID(c)]
		return g != nil && (g.typ == folderMine || g.typ == folderAssigned)
	case folderStarred:
		return c.state != stateDeleted && slices.Contains(c.starredBy, f.userID)
	default:
		return s.folderID(c) == f.id
	}
}

// lastReply is the newest published customer reply or user message: when and from whom.
// A conversation with neither dates from its creation.
func lastReply(c *conversation) (time.Time, string) {
	for _, th := range c.threads {
		if th.state != statePublished {
			continue
		}
		switch th.typ {
		case threadCustomer:
			return th.createdAt, "customer"
		case threadMessage:
			return th.createdAt, "user"
		}
	}
	if c.createdByUserID != 0 {
		return c.createdAt, "user"
	}
	return c.createdAt, "customer"
}

// preview is the start of the newest reply's text, without markup, as FreeScout keeps it.
func preview(c *conversation) string {
	for _, th := range c.threads {
		if th.typ == threadNote || th.typ == threadLineItem {
			continue
		}
		text := strings.Join(strings.Fields(stripTags(th.body)), " ")
		const limit = 100
		if utf8.RuneCountInString(text) > limit {
			text = string([]rune(text)[:limit]) + "..."
		}
		return text
	}
	return ""
}

// stripTags removes HTML tags (leaving a space where one was) and decodes entities.
func stripTags(s string) string {
	var b strings.Builder
	inTag := false
	for _, r := range s {
		switch {
		case r == '<':
			inTag = true
		case r == '>' && inTag:
			inTag = false
			b.WriteByte(' ')
		case !inTag:
			b.WriteRune(r)
		}
	}
	return html.UnescapeString(b.String())
}

// sortBy orders items by key in the given direction, ties broken by id in the same
// direction, so that the order is total and paging visits every item once.
func sortBy[T any](items []T, desc bool, id func(T) int, key func(a, b T) int) {
	slices.SortFunc(items, func(a, b T) int {
		c := key(a, b)
		if c == 0 {
			c = cmp.Compare(id(a), id(b))
		}
		if desc {
			return -c
		}
		return c
	})
}
