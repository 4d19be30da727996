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
	o.CustomerEmail, o.CustomerPhone = deref(f.CustomerEmail), deref(f.CustomerPhone)
	o.Subject, o.Tag = deref(f.Subject), deref(f.Tag)
	o.CreatedSince, o.UpdatedSince = deref(f.CreatedSince), deref(f.UpdatedSince)
	return o, nil
}
