// Package model holds the Go types behind the GraphQL schema. models_gen.go is
// written by gqlgen; this file holds the hand-written types: objects that keep
// the upstream object they came from (for their field resolvers), and the
// relations of conversations and threads, which the resolver producing them
// fills in before gqlgen reads them through context-free methods.
package model

import (
	"fmt"
	"time"

	"github.com/scoutgraph/scoutgraph/upstream"
)

// Conversation is a FreeScout conversation. Raw keeps the wire object; Rel
// holds its relations (people, threads, tags, timelogs) as the query asks
// for them, filled in by the resolver that produced the conversation.
type Conversation struct {
	ID                   string
	Number               int
	Subject              string
	Preview              string
	Type                 ConversationType
	Status               ConversationStatus
	State                ConversationState
	FolderID             *string
	ThreadsCount         int
	Cc                   []string
	Bcc                  []string
	Source               *Source
	CustomerWaitingSince *WaitingSince
	CreatedAt            *time.Time
	UpdatedAt            *time.Time
	UserUpdatedAt        *time.Time
	ClosedAt             *time.Time
	Raw                  *upstream.Conversation
	Rel                  ConversationRelations
}

// ConversationRelations are a conversation's relations, read before gqlgen
// marshals the conversation: from what FreeScout embedded when that holds
// every selected field, else looked up for the whole list at once. Plain
// values instead of field resolvers spare gqlgen a goroutine per relation and
// conversation, and each lookup decision is made once per list instead of
// once per item.
type ConversationRelations struct {
	Customer  Relation[*Customer]
	Assignee  Relation[*User]
	CreatedBy Relation[Actor]
	ClosedBy  Relation[*User]
	Threads   Relation[[]*Thread]
	Tags      Relation[[]*Tag]
	Timelogs  Relation[[]*Timelog]
	// CustomFields are the conversation's custom-field values, each with its
	// definition filled in when the query selects it.
	CustomFields Relation[[]*CustomFieldValue]
}

// Customer is the customer the conversation is with.
func (c *Conversation) Customer() (*Customer, error) { return c.Rel.Customer.get("customer") }

// Assignee is the user the conversation is assigned to.
func (c *Conversation) Assignee() (*User, error) { return c.Rel.Assignee.get("assignee") }

// CreatedBy is who started the conversation.
func (c *Conversation) CreatedBy() (Actor, error) { return c.Rel.CreatedBy.get("createdBy") }

// ClosedBy is the user who closed the conversation.
func (c *Conversation) ClosedBy() (*User, error) { return c.Rel.ClosedBy.get("closedBy") }

// Threads are the conversation's threads.
func (c *Conversation) Threads() ([]*Thread, error) { return c.Rel.Threads.get("threads") }

// Tags are the conversation's tags.
func (c *Conversation) Tags() ([]*Tag, error) { return c.Rel.Tags.get("tags") }

// Timelogs are the conversation's time-tracking entries.
func (c *Conversation) Timelogs() ([]*Timelog, error) { return c.Rel.Timelogs.get("timelogs") }

// CustomFields are the conversation's custom-field values.
func (c *Conversation) CustomFields() ([]*CustomFieldValue, error) {
	return c.Rel.CustomFields.get("customFields")
}

// Relation is the value of one relation of an object, or the error that kept
// it from being read. Its zero value is a relation nobody filled in, which
// answers an internal error rather than a silent null.
type Relation[T any] struct {
	value T
	err   error
	set   bool
}

// Set fills in the relation: its value, or the error reading it.
func (r *Relation[T]) Set(v T, err error) {
	r.value, r.err, r.set = v, err, true
}

func (r *Relation[T]) get(field string) (T, error) {
	if !r.set {
		var zero T
		return zero, fmt.Errorf("internal: %s was not read for this object", field)
	}
	return r.value, r.err
}

// Thread is one message, note or line item. Raw keeps the wire object; Rel
// holds its people as the query asks for them (see ConversationRelations).
type Thread struct {
	ID          string
	Type        ThreadType
	Status      ThreadStatus
	State       ThreadState
	Action      *ThreadAction
	Body        *string
	Source      *Source
	To          []string
	Cc          []string
	Bcc         []string
	CreatedAt   *time.Time
	OpenedAt    *time.Time
	Attachments []*Attachment
	Raw         *upstream.Thread
	Rel         ThreadRelations
}

// ThreadRelations are the people of a thread, read like a conversation's
// (see ConversationRelations).
type ThreadRelations struct {
	Customer   Relation[*Customer]
	CreatedBy  Relation[Actor]
	AssignedTo Relation[*User]
}

// Customer is the customer of the thread.
func (t *Thread) Customer() (*Customer, error) { return t.Rel.Customer.get("customer") }

// CreatedBy is who wrote the thread.
func (t *Thread) CreatedBy() (Actor, error) { return t.Rel.CreatedBy.get("createdBy") }

// AssignedTo is the user the conversation was assigned to by the thread.
func (t *Thread) AssignedTo() (*User, error) { return t.Rel.AssignedTo.get("assignedTo") }

// Customer is a FreeScout customer. When built from a person FreeScout
// embedded in another object only the fields it carried are set; resolvers
// make sure such a Customer is returned only when the query asks for no
// more than that.
type Customer struct {
	ID             string
	FirstName      *string
	LastName       *string
	Email          *string
	Company        *string
	JobTitle       *string
	PhotoType      *PhotoType
	PhotoURL       *string
	Notes          *string
	CreatedAt      *time.Time
	UpdatedAt      *time.Time
	Emails         []*ContactEntry
	Phones         []*ContactEntry
	SocialProfiles []*ContactEntry
	Websites       []*ContactEntry
	Address        *Address
	FieldValues    []*CustomerFieldValue // see CustomerFields
	FieldsErr      error                 // why FieldValues are not known
	Key            int                   // FreeScout's numeric id
}

// IsActor marks Customer as a member of the Actor union.
func (Customer) IsActor() {}

// CustomerFields are the customer's customer-field values, or why they are
// not known (an install without the CRM module has none).
func (c *Customer) CustomerFields() ([]*CustomerFieldValue, error) { return c.FieldValues, c.FieldsErr }

// User is a FreeScout user. Like Customer it may be built from an embedded
// person.
type User struct {
	ID              string
	FirstName       *string
	LastName        *string
	Email           *string
	Role            *UserRole
	AlternateEmails *string
	JobTitle        *string
	Phone           *string
	Timezone        *string
	PhotoURL        *string
	Language        *string
	CreatedAt       *time.Time
	UpdatedAt       *time.Time
	Key             int // FreeScout's numeric id
}

// IsActor marks User as a member of the Actor union.
func (User) IsActor() {}

// Mailbox is a FreeScout mailbox.
type Mailbox struct {
	ID        string
	Name      string
	Email     string
	CreatedAt *time.Time
	UpdatedAt *time.Time
	Key       int // FreeScout's numeric id
	// Siblings are the ids of the mailboxes listed together with this one
	// (itself included), whose conversations one list call can serve;
	// nil when the mailbox was not reached through a list.
	Siblings []int
}

// CustomFieldValue is a custom field's value on a conversation; MailboxID
// says where its definition lives, which the producer reads into Def when
// the query selects it (see ConversationRelations).
type CustomFieldValue struct {
	ID        string
	Name      string
	Value     *string
	Text      *string
	FieldID   int
	MailboxID int
	Def       Relation[*CustomField]
}

// Field is the field's definition, nil when the mailbox no longer defines it.
func (v *CustomFieldValue) Field() (*CustomField, error) { return v.Def.get("field") }

// Timelog is a Time Tracking entry; UserID says whose.
type Timelog struct {
	ID                 string
	ConversationStatus ConversationStatus
	TimeSpent          int
	Paused             bool
	Finished           bool
	CreatedAt          *time.Time
	UpdatedAt          *time.Time
	UserID             int
}

// Folder is a mailbox folder; UserID is set for personal folders.
type Folder struct {
	ID          string
	Name        string
	Type        FolderType
	TotalCount  int
	ActiveCount int
	UserID      int
}
