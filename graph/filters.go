package graph

import (
	"fmt"

	"github.com/scoutgraph/scoutgraph/graph/model"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// allStatuses is what a conversation list returns without a statuses
// filter. FreeScout alone would return only active conversations.
var allStatuses = []string{"active", "pending", "closed", "spam"}

var conversationSortFields = map[model.ConversationOrderField]string{
	model.ConversationOrderFieldCreatedAt:    "createdAt",
	model.ConversationOrderFieldMailboxID:    "mailboxId",
	model.ConversationOrderFieldNumber:       "number",
	model.ConversationOrderFieldSubject:      "subject",
	model.ConversationOrderFieldUpdatedAt:    "updatedAt",
	model.ConversationOrderFieldWaitingSince: "waitingSince",
}

var customerSortFields = map[model.CustomerOrderField]string{
	model.CustomerOrderFieldCreatedAt: "createdAt",
	model.CustomerOrderFieldFirstName: "firstName",
	model.CustomerOrderFieldLastName:  "lastName",
	model.CustomerOrderFieldUpdatedAt: "updatedAt",
}

// conversationOptions maps a ConversationFilter and order onto FreeScout's
// list parameters.
func conversationOptions(f *model.ConversationFilter, order *model.ConversationOrder) (upstream.ConversationListOptions, error) {
	o := upstream.ConversationListOptions{Statuses: allStatuses}
	if order != nil {
		o.SortField, o.SortOrder = conversationSortFields[order.Field], wireOf(order.Direction)
	}
	if f == nil {
		return o, nil
	}
	var err error
	for _, s := range f.MailboxIds {
		n, e := argID("filter.mailboxIds", s)
		if e != nil {
			return o, e
		}
		o.MailboxIDs = append(o.MailboxIDs, n)
	}
	if len(f.Statuses) > 0 {
		o.Statuses = nil
		for _, s := range f.Statuses {
			if s == model.ConversationStatusUnknown {
				return o, badInput("filter.statuses: UNKNOWN is not a status to filter by")
			}
			o.Statuses = append(o.Statuses, wireOf(s))
		}
	}
	if f.State != nil {
		if *f.State == model.ConversationStateUnknown {
			return o, badInput("filter.state: UNKNOWN is not a state to filter by")
		}
		o.State = wireOf(*f.State)
	}
	if f.Type != nil {
		if *f.Type == model.ConversationTypeUnknown {
			return o, badInput("filter.type: UNKNOWN is not a type to filter by")
		}
		o.Type = wireOf(*f.Type)
	}
	if deref(f.Unassigned) && f.AssigneeID != nil {
		return o, badInput("filter: assigneeId and unassigned exclude each other")
	}
	o.Unassigned = deref(f.Unassigned)
	for _, p := range []struct {
		name string
		in   *string
		out  *int
	}{
		{"filter.folderId", f.FolderID, &o.FolderID},
		{"filter.assigneeId", f.AssigneeID, &o.AssignedTo},
		{"filter.customerId", f.CustomerID, &o.CustomerID},
		{"filter.createdByUserId", f.CreatedByUserID, &o.CreatedByUserID},
		{"filter.createdByCustomerId", f.CreatedByCustomerID, &o.CreatedByCustomerID},
	} {
		if *p.out, err = optID(p.name, p.in); err != nil {
			return o, err
		}
	}
	if f.Number != nil {
		if *f.Number <= 0 {
			return o, badInput(fmt.Sprintf("filter.number: %d is not a conversation number", *f.Number))
		}
		o.Number = *f.Number
	}
	err = readTexts(
		textArg{"filter.customerEmail", f.CustomerEmail, &o.CustomerEmail},
		textArg{"filter.customerPhone", f.CustomerPhone, &o.CustomerPhone},
		textArg{"filter.subject", f.Subject, &o.Subject},
		textArg{"filter.tag", f.Tag, &o.Tag},
	)
	o.CreatedSince, o.UpdatedSince = deref(f.CreatedSince), deref(f.UpdatedSince)
	return o, err
}

// customerOptions maps a CustomerFilter and order onto FreeScout's list
// parameters.
func customerOptions(f *model.CustomerFilter, order *model.CustomerOrder) (upstream.CustomerListOptions, error) {
	var o upstream.CustomerListOptions
	if order != nil {
		o.SortField, o.SortOrder = customerSortFields[order.Field], wireOf(order.Direction)
	}
	if f == nil {
		return o, nil
	}
	err := readTexts(
		textArg{"filter.firstName", f.FirstName, &o.FirstName},
		textArg{"filter.lastName", f.LastName, &o.LastName},
		textArg{"filter.phone", f.Phone, &o.Phone},
		textArg{"filter.email", f.Email, &o.Email},
	)
	o.UpdatedSince = deref(f.UpdatedSince)
	return o, err
}

// textArg is a text argument of a filter and where its value goes.
type textArg struct {
	name    string
	in, out *string
}

// readTexts checks each text argument (see argText) and stores its value.
func readTexts(args ...textArg) error {
	for _, a := range args {
		v, err := argText(a.name, a.in)
		if err != nil {
			return err
		}
		*a.out = v
	}
	return nil
}
