package queries

import (
	"context"
	"fmt"
	"strconv"

	"github.com/scoutgraph/scoutgraph/upstream"
)

// Query is one screen's GraphQL query, with what it costs upstream.
type Query struct {
	Name    string // short stable key, e.g. "inbox-names"
	Title   string // the screen, for people
	GraphQL string
	// Vars chooses the query's variables from FreeScout's data; nil when the
	// query takes none.
	Vars func(ctx context.Context, c *upstream.Client) (map[string]any, error)
	// Minimum computes, from FreeScout's data, the fewest upstream calls (per
	// route) and sequential rounds that can answer the query, with cold and
	// with warm gateway caches.
	Minimum func(ctx context.Context, c *upstream.Client, vars map[string]any) (Minimum, error)
	// REST draws the same screen without the gateway: a frontend talking to
	// FreeScout directly (see "Without the gateway" in the package
	// documentation).
	REST func(ctx context.Context, c *upstream.Client, vars map[string]any) error
	// Writes is true for a mutation: each run writes anew, so its answers
	// differ from run to run (new ids), and its cost is the same cold and
	// warm.
	Writes bool
}

// All returns the query set, in the order reports list it.
func All() []Query {
	return []Query{
		InboxNames(), InboxThreadsTags(), InboxCustomFields(), InboxCustomerProfiles(),
		InboxAssigneeProfiles(), MailboxOverview(), ConversationDetail(), CreateCustomer(),
	}
}

// inboxSize is the page size of the inbox queries.
const inboxSize = 50

// inboxPage is the page the inbox queries show, as FreeScout lists it:
// the 50 newest active or pending conversations of every mailbox.
func inboxPage(ctx context.Context, c *upstream.Client, embed ...string) ([]upstream.Conversation, error) {
	items, _, err := c.Conversations.List(ctx, &upstream.ConversationListOptions{
		ListOptions: upstream.ListOptions{Page: 1, PageSize: inboxSize},
		Statuses:    []string{"active", "pending"},
		Embed:       embed,
	})
	if err != nil {
		return nil, fmt.Errorf("inbox page: %w", err)
	}
	return items, nil
}

// oneCall is the cost of a query answered by a single call.
func oneCall(route string) Cost {
	var c Cost
	c.add(1, route, 1)
	return c
}

// InboxNames is a unified inbox: the 50 newest active or pending
// conversations, with customer and assignee names.
//
// Theoretical minimum, cold and warm: 1 call, 1 round. The list embeds the
// customer's and the assignee's names in every conversation, so the
// conversation list answers everything.
func InboxNames() Query {
	return Query{
		Name:  "inbox-names",
		Title: "inbox: 50 conversations with customer and assignee names",
		GraphQL: `query InboxNames {
  conversations(first: 50, filter: {statuses: [ACTIVE, PENDING]}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id number subject status preview updatedAt
      customer { id firstName lastName }
      assignee { id firstName lastName }
    }
  }
}`,
		Minimum: func(context.Context, *upstream.Client, map[string]any) (Minimum, error) {
			return Minimum{Cold: oneCall(RouteConversations), Warm: oneCall(RouteConversations)}, nil
		},
		REST: func(ctx context.Context, c *upstream.Client, _ map[string]any) error {
			_, err := inboxPage(ctx, c)
			return err
		},
	}
}

// InboxThreadsTags is the inbox with every conversation's threads (with
// their authors' names) and tags.
//
// Theoretical minimum, cold and warm: 1 call, 1 round: the list call with
// embed=threads,tags. Threads embed their authors' names.
func InboxThreadsTags() Query {
	return Query{
		Name:  "inbox-threads-tags",
		Title: "inbox with threads (authors) and tags",
		GraphQL: `query InboxThreadsTags {
  conversations(first: 50, filter: {statuses: [ACTIVE, PENDING]}) {
    totalCount
    nodes {
      id number subject status updatedAt threadsCount
      customer { id firstName lastName }
      assignee { id firstName lastName }
      threads {
        id type createdAt
        createdBy {
          __typename
          ... on User { id firstName lastName }
          ... on Customer { id firstName lastName }
        }
      }
      tags { id name }
    }
  }
}`,
		Minimum: func(context.Context, *upstream.Client, map[string]any) (Minimum, error) {
			return Minimum{Cold: oneCall(RouteConversations), Warm: oneCall(RouteConversations)}, nil
		},
		REST: func(ctx context.Context, c *upstream.Client, _ map[string]any) error {
			_, err := inboxPage(ctx, c, upstream.EmbedThreads, upstream.EmbedTags)
			return err
		},
	}
}

// InboxCustomFields is the inbox with custom-field values, their labels
// and their definitions (type and options, as an editor needs them).
//
// Theoretical minimum, cold: 1 list call, plus one definitions call for
// each distinct mailbox among the page's conversations that have custom
// field values; 2 rounds, since which mailboxes those are is known only
// from the list. (FreeScout sends the dropdown label as `text`, so
// `name text` alone would need no definitions; `field` does.) Warm: 1 call,
// 1 round: the definitions are cached for 10 minutes.
func InboxCustomFields() Query {
	return Query{
		Name:  "inbox-custom-fields",
		Title: "inbox with custom-field labels and definitions",
		GraphQL: `query InboxCustomFields {
  conversations(first: 50, filter: {statuses: [ACTIVE, PENDING]}) {
    nodes {
      id number subject status
      customer { id firstName lastName }
      customFields {
        id name value text
        field { id name type options { id label } }
      }
    }
  }
}`,
		Minimum: func(ctx context.Context, c *upstream.Client, _ map[string]any) (Minimum, error) {
			page, err := inboxPage(ctx, c)
			if err != nil {
				return Minimum{}, err
			}
			mailboxes := len(fieldMailboxes(page))
			cold := oneCall(RouteConversations)
			cold.add(2, RouteFields, mailboxes)
			return Minimum{Cold: cold, Warm: oneCall(RouteConversations)}, nil
		},
		REST: func(ctx context.Context, c *upstream.Client, _ map[string]any) error {
			page, err := inboxPage(ctx, c)
			if err != nil {
				return err
			}
			return fanOut(ctx, fieldMailboxes(page), func(ctx context.Context, id int) error {
				_, _, err := c.Mailboxes.ListCustomFields(ctx, id)
				return err
			})
		},
	}
}

// InboxCustomerProfiles is the inbox with each customer's full profile:
// emails, phones, social profiles, websites, company, job title, address
// and customer fields.
//
// Theoretical minimum, cold: 1 list call plus one call per DISTINCT customer
// on the page (FreeScout embeds only names and the primary email, and has
// no batch get), 2 rounds. Warm: 1 call, 1 round: customer profiles are
// cached for a minute.
func InboxCustomerProfiles() Query {
	return Query{
		Name:  "inbox-customer-profiles",
		Title: "inbox with full customer profiles",
		GraphQL: `query InboxCustomerProfiles {
  conversations(first: 50, filter: {statuses: [ACTIVE, PENDING]}) {
    nodes {
      id number subject status
      assignee { id firstName lastName }
      customer {
        id firstName lastName company jobTitle photoUrl
        emails { id value type }
        phones { id value type }
        socialProfiles { id value type }
        websites { id value }
        address { address city state zip country }
        customerFields { id name text }
      }
    }
  }
}`,
		Minimum: func(ctx context.Context, c *upstream.Client, _ map[string]any) (Minimum, error) {
			page, err := inboxPage(ctx, c)
			if err != nil {
				return Minimum{}, err
			}
			customers := len(customerIDs(page))
			cold := oneCall(RouteConversations)
			cold.add(2, RouteCustomer, customers)
			return Minimum{Cold: cold, Warm: oneCall(RouteConversations)}, nil
		},
		REST: func(ctx context.Context, c *upstream.Client, _ map[string]any) error {
			page, err := inboxPage(ctx, c)
			if err != nil {
				return err
			}
			return fanOut(ctx, customerIDs(page), func(ctx context.Context, id int) error {
				_, err := c.Customers.Get(ctx, id)
				return err
			})
		},
	}
}

// InboxAssigneeProfiles is the inbox with each assignee's full profile:
// role, job title, phone, timezone, language.
//
// Theoretical minimum, cold: the list call and, for the D distinct
// assignees on the page, the cheaper of the user directory (P pages of
// 100 users; it needs no id, so its first page goes out with the list
// call: 1 round when P is 1) and D gets by id (which need the list first:
// 2 rounds). With 10 users and several assignees that is 2 calls, 1 round.
// Warm: 1 call, 1 round: the directory is cached for a minute.
func InboxAssigneeProfiles() Query {
	return Query{
		Name:  "inbox-assignee-profiles",
		Title: "inbox with full assignee profiles",
		GraphQL: `query InboxAssigneeProfiles {
  conversations(first: 50, filter: {statuses: [ACTIVE, PENDING]}) {
    nodes {
      id number subject status
      customer { id firstName lastName }
      assignee {
        id firstName lastName email role jobTitle phone timezone photoUrl language
      }
    }
  }
}`,
		Minimum: func(ctx context.Context, c *upstream.Client, _ map[string]any) (Minimum, error) {
			page, err := inboxPage(ctx, c)
			if err != nil {
				return Minimum{}, err
			}
			cold := oneCall(RouteConversations)
			if err := addUsers(ctx, c, &cold, len(assigneeIDs(page)), 1); err != nil {
				return Minimum{}, err
			}
			return Minimum{Cold: cold, Warm: oneCall(RouteConversations)}, nil
		},
		REST: func(ctx context.Context, c *upstream.Client, _ map[string]any) error {
			page, err := inboxPage(ctx, c)
			if err != nil {
				return err
			}
			return fanOut(ctx, assigneeIDs(page), func(ctx context.Context, id int) error {
				_, err := c.Users.Get(ctx, id)
				return err
			})
		},
	}
}

// overviewConversations is how many conversations the mailbox overview
// shows per mailbox.
const overviewConversations = 5

// MailboxOverview is a dashboard of every mailbox: its folders with their
// counts, its custom-field definitions and its 5 newest conversations.
//
// Theoretical minimum, cold: the mailbox list (FreeScout has no get of one
// mailbox), then per mailbox its folders and its definitions, and ONE
// conversation list for all mailboxes (mailboxId=1,2,3, a page of 100) when
// that page holds 5 conversations of every mailbox (or all of them), plus
// one list per mailbox it does not; 2 rounds (everything after the mailbox
// list needs the mailbox ids). Warm: the folders (their counts change with
// every conversation, so they are never cached) and the conversation list,
// all in 1 round, since the mailbox list and the definitions are cached.
func MailboxOverview() Query {
	return Query{
		Name:  "mailbox-overview",
		Title: "mailboxes with folders, custom fields and 5 conversations each",
		GraphQL: `query MailboxOverview {
  mailboxes {
    nodes {
      id name email
      folders { id name type totalCount activeCount }
      customFields { id name type required options { id label } }
      conversations(first: 5) {
        nodes { id subject status customer { id firstName } }
      }
    }
  }
}`,
		Minimum: func(ctx context.Context, c *upstream.Client, _ map[string]any) (Minimum, error) {
			boxes, boxPages, err := allMailboxes(ctx, c)
			if err != nil {
				return Minimum{}, err
			}
			// Cold, the mailbox ids come from the mailbox list: its first
			// page in round 1, the pages it announces in round 2, and what
			// needs the ids in the round after. Warm, the list is cached.
			var cold, warm Cost
			cold.add(1, RouteMailboxes, 1)
			cold.add(2, RouteMailboxes, boxPages-1)
			ids := 2
			if boxPages > 1 {
				ids = 3
			}
			cold.add(ids, RouteFields, len(boxes))
			for _, id := range boxes {
				_, p, err := c.Mailboxes.ListFolders(ctx, id, &upstream.FolderListOptions{ListOptions: upstream.ListOptions{Page: 1, PageSize: 100}})
				if err != nil {
					return Minimum{}, fmt.Errorf("folders of mailbox %d: %w", id, err)
				}
				// Further folder pages need only page 1's count: one round later.
				pages := max(p.TotalPages, 1)
				cold.add(ids, RouteFolders, 1)
				cold.add(ids+1, RouteFolders, pages-1)
				warm.add(1, RouteFolders, 1)
				warm.add(2, RouteFolders, pages-1)
			}
			lists, extraRound, err := overviewLists(ctx, c, boxes)
			if err != nil {
				return Minimum{}, err
			}
			// The combined list first; the lists of the mailboxes it did not
			// serve once its answer shows which.
			first, later := lists, 0
			if extraRound {
				first, later = 1, lists-1
			}
			cold.add(ids, RouteConversations, first)
			cold.add(ids+1, RouteConversations, later)
			warm.add(1, RouteConversations, first)
			warm.add(2, RouteConversations, later)
			return Minimum{Cold: cold, Warm: warm}, nil
		},
		REST: func(ctx context.Context, c *upstream.Client, _ map[string]any) error {
			boxes, _, err := c.Mailboxes.List(ctx, nil)
			if err != nil {
				return err
			}
			ids := make([]int, 0, len(boxes))
			for _, b := range boxes {
				ids = append(ids, b.ID)
			}
			return fanOut(ctx, ids, func(ctx context.Context, id int) error {
				return fanOut(ctx, []int{0, 1, 2}, func(ctx context.Context, part int) error {
					var err error
					switch part {
					case 0:
						_, _, err = c.Mailboxes.ListFolders(ctx, id, nil)
					case 1:
						_, _, err = c.Mailboxes.ListCustomFields(ctx, id)
					default:
						_, _, err = c.Conversations.List(ctx, &upstream.ConversationListOptions{
							ListOptions: upstream.ListOptions{Page: 1, PageSize: overviewConversations},
							MailboxIDs:  []int{id}, Statuses: allStatuses(),
						})
					}
					return err
				})
			})
		},
	}
}

// ConversationDetail is a conversation page: the conversation with its
// mailbox's name, the customer's full profile, every thread with its
// people and attachments, tags, timelogs with their users' names, and
// custom fields with their definitions. Vars picks the sample conversation
// with the most of these.
//
// Theoretical minimum, cold: the conversation (with
// embed=threads,timelogs,tags), the customer, the mailbox list (for the
// name: there is no get of one mailbox), the mailbox's definitions (when
// the conversation has custom-field values), and the timelogs' users (they
// carry only a user id: the cheaper of the user directory and gets by id).
// The mailbox list and the user directory need no id, so they go out with
// the conversation; the customer and the definitions need its answer: 2
// rounds. Warm: 1 call, 1 round: the conversation itself; everything else
// is cached.
func ConversationDetail() Query {
	return Query{
		Name:  "conversation-detail",
		Title: "conversation page: threads, people, attachments, tags, timelogs, custom fields",
		GraphQL: `query ConversationDetail($id: ID!) {
  conversation(id: $id) {
    id number subject status type createdAt
    mailbox { id name }
    assignee { id firstName lastName }
    customer {
      id firstName lastName company jobTitle photoUrl notes
      emails { id value type }
      phones { id value type }
      address { city country }
    }
    threads {
      id type status body createdAt
      createdBy {
        __typename
        ... on User { id firstName lastName }
        ... on Customer { id firstName lastName }
      }
      customer { id firstName lastName }
      attachments { id fileName fileUrl mimeType size }
    }
    tags { id name }
    timelogs { id timeSpent finished createdAt user { id firstName lastName } }
    customFields {
      id name value text
      field { id type options { id label } }
    }
  }
}`,
		Vars: func(ctx context.Context, c *upstream.Client) (map[string]any, error) {
			id, err := richestConversation(ctx, c)
			if err != nil {
				return nil, err
			}
			return map[string]any{"id": strconv.Itoa(id)}, nil
		},
		Minimum: func(ctx context.Context, c *upstream.Client, vars map[string]any) (Minimum, error) {
			conv, err := detailConversation(ctx, c, vars)
			if err != nil {
				return Minimum{}, err
			}
			_, boxPages, err := allMailboxes(ctx, c)
			if err != nil {
				return Minimum{}, err
			}
			cold := oneCall(RouteConversation)
			cold.add(1, RouteMailboxes, 1)
			cold.add(2, RouteMailboxes, boxPages-1)
			if conv.Customer != nil && conv.Customer.ID != 0 {
				cold.add(2, RouteCustomer, 1)
			}
			if len(conv.CustomFields) > 0 {
				cold.add(2, RouteFields, 1)
			}
			if err := addUsers(ctx, c, &cold, len(timelogUserIDs(conv)), 1); err != nil {
				return Minimum{}, err
			}
			return Minimum{Cold: cold, Warm: oneCall(RouteConversation)}, nil
		},
		REST: func(ctx context.Context, c *upstream.Client, vars map[string]any) error {
			conv, err := detailConversation(ctx, c, vars)
			if err != nil {
				return err
			}
			return fanOut(ctx, []int{0, 1, 2, 3}, func(ctx context.Context, part int) error {
				switch part {
				case 0:
					if conv.Customer != nil && conv.Customer.ID != 0 {
						_, err := c.Customers.Get(ctx, conv.Customer.ID)
						return err
					}
				case 1:
					_, _, err := c.Mailboxes.List(ctx, nil)
					return err
				case 2:
					if len(conv.CustomFields) > 0 {
						_, _, err := c.Mailboxes.ListCustomFields(ctx, conv.MailboxID)
						return err
					}
				default:
					return fanOut(ctx, timelogUserIDs(conv), func(ctx context.Context, id int) error {
						_, err := c.Users.Get(ctx, id)
						return err
					})
				}
				return nil
			})
		},
	}
}

// CreateCustomer is a new-customer form: the customer is created and shown
// as FreeScout now has it (its id, name, company, phones and dates).
//
// Theoretical minimum, cold and warm: 1 call, 1 round: the create itself.
// Current modules answer 201 with the created customer as a read renders
// it, so nothing needs reading back (modules up to 1.0.20 answer with its
// id only, and the gateway reads it back: 2 calls, 2 rounds). Nothing is
// cached: every run creates a customer.
func CreateCustomer() Query {
	return Query{
		Name:   "create-customer",
		Title:  "new-customer form: create a customer and show it",
		Writes: true,
		GraphQL: `mutation CreateCustomer($in: CreateCustomerInput!) {
  createCustomer(input: $in) {
    customerId
    customer { id firstName lastName company jobTitle phones { value type } createdAt updatedAt }
    userErrors { field message code }
  }
}`,
		Vars: func(context.Context, *upstream.Client) (map[string]any, error) {
			return map[string]any{"in": newCustomer()}, nil
		},
		Minimum: func(context.Context, *upstream.Client, map[string]any) (Minimum, error) {
			return Minimum{Cold: oneCall(RouteNewCustomer), Warm: oneCall(RouteNewCustomer)}, nil
		},
		REST: func(ctx context.Context, c *upstream.Client, _ map[string]any) error {
			_, _, err := c.Customers.Create(ctx, &upstream.NewCustomer{
				FirstName: "Bench", LastName: "Customer", Company: "Bench & Co", JobTitle: "Buyer",
				Phones: []upstream.EntryInput{{Value: "+1 555 0100", Type: "work"}},
			})
			return err
		},
	}
}

// newCustomer is the bench's new customer, as createCustomer's input. It
// has no email, so that every run makes a new customer.
func newCustomer() map[string]any {
	return map[string]any{
		"firstName": "Bench", "lastName": "Customer", "company": "Bench & Co", "jobTitle": "Buyer",
		"phones": []any{map[string]any{"value": "+1 555 0100", "type": "work"}},
	}
}
