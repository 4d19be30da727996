// Package model holds the Go types behind the GraphQL schema. models_gen.go is
// written by gqlgen; this file holds the hand-written types of objects whose
// fields need resolvers, each keeping the upstream object it came from.
package model

import (
	"time"

	"github.com/scoutgraph/scoutgraph/upstream"
)

// Conversation is a FreeScout conversation. Raw keeps the wire object, whose
// embedded people, threads, tags, timelogs and custom fields the field
// resolvers read.
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
	CustomFields         []*CustomFieldValue
	Raw                  *upstream.Conversation
}

// Thread is one message, note or line item. Raw keeps the wire object for
// the people resolvers.
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
}

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
	CustomerFields []*CustomerFieldValue
	Key            int // FreeScout's numeric id
}

// IsActor marks Customer as a member of the Actor union.
func (Customer) IsActor() {}

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
// says where its definition lives.
type CustomFieldValue struct {
	ID        string
	Name      string
	Value     *string
	Text      *string
	FieldID   int
	MailboxID int
}

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
