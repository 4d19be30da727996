package upstream

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// CustomersService covers /api/customers.
type CustomersService struct{ c *Client }

// EntryInput is an email, phone, social profile or website of a customer
// being created or updated.
type EntryInput struct {
	Value string `json:"value"`
	Type  string `json:"type,omitempty"`
}

// AddressInput is a customer's postal address in a write.
type AddressInput struct {
	City    string `json:"city,omitempty"`
	State   string `json:"state,omitempty"`
	Zip     string `json:"zip,omitempty"`
	Country string `json:"country,omitempty"`
	Address string `json:"address,omitempty"`
}

// NewCustomer is the body of POST /api/customers.
type NewCustomer struct {
	FirstName      string        `json:"firstName,omitempty"`
	LastName       string        `json:"lastName,omitempty"`
	Phone          string        `json:"phone,omitempty"`
	PhotoURL       string        `json:"photoUrl,omitempty"`
	JobTitle       string        `json:"jobTitle,omitempty"`
	PhotoType      string        `json:"photoType,omitempty"`
	Address        *AddressInput `json:"address,omitempty"`
	Notes          string        `json:"notes,omitempty"`
	Company        string        `json:"company,omitempty"`
	Emails         []EntryInput  `json:"emails,omitempty"`
	Phones         []EntryInput  `json:"phones,omitempty"`
	SocialProfiles []EntryInput  `json:"socialProfiles,omitempty"`
	Websites       []EntryInput  `json:"websites,omitempty"`
	// Email is current FreeScout's convenience for one email (beside Emails).
	Email string `json:"email,omitempty"`
}

// CustomerUpdate is the body of PUT /api/customers/{id}. Nil fields are left
// out and keep their value. Emails replaces the customer's emails;
// EmailsAdd adds to them (and has no effect when Emails is set).
type CustomerUpdate struct {
	FirstName      *string       `json:"firstName,omitempty"`
	LastName       *string       `json:"lastName,omitempty"`
	Phone          *string       `json:"phone,omitempty"`
	PhotoURL       *string       `json:"photoUrl,omitempty"`
	JobTitle       *string       `json:"jobTitle,omitempty"`
	PhotoType      *string       `json:"photoType,omitempty"`
	Address        *AddressInput `json:"address,omitempty"`
	Notes          *string       `json:"notes,omitempty"`
	Company        *string       `json:"company,omitempty"`
	Emails         []string      `json:"emails,omitempty"`
	EmailsAdd      []string      `json:"emails_add,omitempty"`
	Phones         []EntryInput  `json:"phones,omitempty"`
	SocialProfiles []EntryInput  `json:"socialProfiles,omitempty"`
	Websites       []EntryInput  `json:"websites,omitempty"`
}

// CustomerFieldWrite sets one customer field.
type CustomerFieldWrite struct {
	ID    int    `json:"id"`
	Value string `json:"value"`
}

// CustomerListOptions are the filters, order and paging of GET /api/customers.
type CustomerListOptions struct {
	ListOptions
	FirstName    string
	LastName     string
	Phone        string
	Email        string
	UpdatedSince time.Time
	SortField    string // createdAt (default), firstName, lastName, updatedAt
	SortOrder    string // desc (default) or asc
}

// Values encodes the options as FreeScout's query parameters.
func (o *CustomerListOptions) Values() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	o.ListOptions.apply(q)
	setStr(q, "firstName", o.FirstName)
	setStr(q, "lastName", o.LastName)
	setStr(q, "phone", o.Phone)
	setStr(q, "email", o.Email)
	setTime(q, "updatedSince", o.UpdatedSince)
	setStr(q, "sortField", o.SortField)
	setStr(q, "sortOrder", o.SortOrder)
	return q
}

// Create creates a customer and returns its id and, when FreeScout's answer
// holds it (current modules), the customer as a get reads it; nil otherwise
// (see create).
func (s *CustomersService) Create(ctx context.Context, in *NewCustomer) (int, *Customer, error) {
	r := request{method: http.MethodPost, route: "/api/customers", path: "/api/customers", body: in}
	id, c, err := create(ctx, s.c, r, fullCustomer, func(c *Customer) int { return c.ID })
	if c != nil {
		s.c.install.ObserveModule(ModuleCRM, c.CustomerFields != nil)
	}
	return id, c, err
}

// fullCustomer are the keys of a customer in full.
var fullCustomer = []string{"id", "firstName", "lastName", "createdAt", "_embedded"}

// Get fetches one customer.
func (s *CustomersService) Get(ctx context.Context, id int) (*Customer, error) {
	var out Customer
	r := request{method: http.MethodGet, route: "/api/customers/{id}", path: "/api/customers/" + itoa(id)}
	if _, err := s.c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	if err := expectID(r, out.ID); err != nil {
		return nil, err
	}
	s.c.install.ObserveModule(ModuleCRM, out.CustomerFields != nil) // the CRM module adds them
	return &out, nil
}

// List fetches one page of customers.
func (s *CustomersService) List(ctx context.Context, opts *CustomerListOptions) ([]Customer, Page, error) {
	r := request{method: http.MethodGet, route: "/api/customers", path: "/api/customers", query: opts.Values()}
	return list[Customer](ctx, s.c, r, "customers")
}

// Update changes a customer.
func (s *CustomersService) Update(ctx context.Context, id int, in *CustomerUpdate) error {
	_, err := s.c.do(ctx, request{method: http.MethodPut, route: "/api/customers/{id}", path: "/api/customers/" + itoa(id), body: in}, nil)
	return err
}

// UpdateFields sets customer fields.
func (s *CustomersService) UpdateFields(ctx context.Context, id int, fields []CustomerFieldWrite) error {
	body := struct {
		CustomerFields []CustomerFieldWrite `json:"customerFields"`
	}{fields}
	_, err := s.c.do(ctx, request{method: http.MethodPut, route: "/api/customers/{id}/customer_fields", path: "/api/customers/" + itoa(id) + "/customer_fields", body: body}, nil)
	return err
}
