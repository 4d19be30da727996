package upstream

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
)

// UsersService covers /api/users.
type UsersService struct{ c *Client }

// NewUser is the body of POST /api/users.
type NewUser struct {
	FirstName       string `json:"firstName"`
	LastName        string `json:"lastName"`
	Email           string `json:"email"`
	Password        string `json:"password,omitempty"`
	AlternateEmails string `json:"alternateEmails,omitempty"`
	JobTitle        string `json:"jobTitle,omitempty"`
	Phone           string `json:"phone,omitempty"`
	Timezone        string `json:"timezone,omitempty"`
	PhotoURL        string `json:"photoUrl,omitempty"`
}

// UserListOptions filter GET /api/users.
type UserListOptions struct {
	ListOptions
	Email string
}

// UserDelete says who deletes a user and who takes over their conversations:
// Reassign maps a mailbox id to the new assignee's user id.
type UserDelete struct {
	ByUserID int
	Reassign map[int]int
}

// Create creates a user and returns its id and, when FreeScout's answer
// holds it (current modules), the user as a get reads it; nil otherwise
// (see create).
func (s *UsersService) Create(ctx context.Context, in *NewUser) (int, *User, error) {
	r := request{method: http.MethodPost, route: "/api/users", path: "/api/users", body: in}
	return create(ctx, s.c, r, fullUser, func(u *User) int { return u.ID })
}

// fullUser are the keys of a user in full.
var fullUser = []string{"id", "firstName", "lastName", "email", "createdAt"}

// Get fetches one user.
func (s *UsersService) Get(ctx context.Context, id int) (*User, error) {
	var out User
	r := request{method: http.MethodGet, route: "/api/users/{id}", path: "/api/users/" + itoa(id)}
	if _, err := s.c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	if err := expectID(r, out.ID); err != nil {
		return nil, err
	}
	return &out, nil
}

// List fetches one page of users.
func (s *UsersService) List(ctx context.Context, opts *UserListOptions) ([]User, Page, error) {
	q := url.Values{}
	if opts != nil {
		opts.apply(q)
		setStr(q, "email", opts.Email)
	}
	r := request{method: http.MethodGet, route: "/api/users", path: "/api/users", query: q}
	return list[User](ctx, s.c, r, "users")
}

// Delete deletes a user; the reassignment goes as assignTo[MAILBOX]=USER.
func (s *UsersService) Delete(ctx context.Context, id int, in *UserDelete) error {
	q := url.Values{}
	if in != nil {
		setInt(q, "byUserId", in.ByUserID)
		mailboxes := make([]int, 0, len(in.Reassign))
		for m := range in.Reassign {
			mailboxes = append(mailboxes, m)
		}
		sort.Ints(mailboxes)
		for _, m := range mailboxes {
			q.Set("assignTo["+strconv.Itoa(m)+"]", strconv.Itoa(in.Reassign[m]))
		}
	}
	_, err := s.c.do(ctx, request{method: http.MethodDelete, route: "/api/users/{id}", path: "/api/users/" + itoa(id), query: q}, nil)
	return err
}
