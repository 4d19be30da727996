package session

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/errcode"
	"github.com/scoutgraph/scoutgraph/upstream"

	json "github.com/goccy/go-json"
)

// Exactly-once creates. FreeScout has no idempotency of its own, and a
// create whose answer is lost (a timeout, a reset connection, a 5xx from a
// proxy after FreeScout wrote) looks to a client exactly like one that
// failed: retrying it makes a duplicate. Two things prevent that:
//
//   - Before answering a create whose answer was lost, the session finds out
//     whether it landed (each create's `landed` search below) and, if it
//     did, answers with the object it made.
//   - A create with an idempotency key is recorded (per caller, for
//     idemTTL): a repeat with the same key returns the first outcome and
//     writes nothing; one still in flight is IN_PROGRESS; a key reused with
//     another input is a CONFLICT. A create that certainly did not land
//     (FreeScout refused it, or the search found nothing) leaves no record,
//     so the client may retry it with the same key.
//
// The searches look for the object made since the attempt started, less
// landedSkew for clocks that differ between the gateway and FreeScout.
//
// A create FreeScout answered with success but without saying which id the
// new object has (upstream.ErrCreatedWithoutID) is searched for the same
// way. When the search finds nothing, the create is reported as having
// landed (errcode.Landed: do not repeat it) and its key, if it has one, is
// kept as unresolved: a repeat searches again instead of writing again.

const (
	// idemTTL is how long a create's idempotency key is remembered.
	idemTTL = 24 * time.Hour
	// pendingFor is how long a create in flight holds its key before a
	// repeat may take over (the gateway that sent it died meanwhile).
	pendingFor = 2 * time.Minute
	// landedSkew is how much earlier than the attempt a found object may
	// have been made, for a FreeScout whose clock is behind the gateway's.
	landedSkew = 2 * time.Minute
	// landedTimeout bounds the search for a create whose answer was lost.
	landedTimeout = 15 * time.Second
)

// idemRecord is what the cache holds for an idempotency key.
type idemRecord struct {
	Done    bool      `json:"done"`
	ID      int       `json:"id,omitempty"` // 0 when Done: the create landed, its id unknown
	Lost    bool      `json:"lost,omitempty"`
	Input   string    `json:"input"` // hash of the create's input
	Started time.Time `json:"started"`
}

// creation is one create: its kind (for keys and messages), its input,
// the write, and the search for what it made when the answer was lost.
type creation struct {
	kind   string
	key    string // the client's idempotency key; "" for none
	input  any
	write  func(ctx context.Context) (int, error)
	landed func(ctx context.Context, since time.Time) (int, bool, error)
}

// create runs c at most once (see above) and returns the new object's id.
func (s *Session) create(ctx context.Context, c creation) (int, error) {
	started := time.Now()
	var key string
	if c.key != "" {
		key = s.keys.idempotency(s.caller, c.kind, c.key)
		id, done, err := s.claim(ctx, key, c, started)
		if err != nil || done {
			return id, err
		}
	}
	id, err := c.write(ctx)
	if err != nil && answerLost(ctx, err) {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), landedTimeout)
		found, ok, lerr := c.landed(lctx, started.Add(-landedSkew))
		cancel()
		switch {
		case lerr != nil:
			s.f.opts.Logger.WarnContext(ctx, "could not find out whether a create landed", "kind", c.kind, "err", lerr)
		case ok:
			s.f.opts.Logger.InfoContext(ctx, "a create's answer was lost; it had landed", "kind", c.kind, "id", found)
			id, err = found, nil
		}
	}
	lost := err != nil && errors.Is(err, upstream.ErrCreatedWithoutID)
	if lost {
		err = unresolved(c.kind, err)
	}
	if key != "" {
		switch {
		case err == nil:
			s.record(ctx, key, idemRecord{Done: true, ID: id, Input: inputHash(c.input), Started: started})
		case lost:
			s.record(ctx, key, idemRecord{Done: true, Lost: true, Input: inputHash(c.input), Started: started})
		default:
			s.f.invalidate(ctx, kindIdempotency, key) // nothing landed: the key may be used again
		}
	}
	return id, err
}

// unresolved is the error of a create FreeScout said it made, without
// saying its id, and that the search did not find: it landed, as far as the
// gateway can tell, and must not be repeated as if it had not.
func unresolved(kind string, err error) error {
	return errcode.AfterWrite(errcode.Wrap(errcode.UpstreamUnavailable, fmt.Sprintf(
		"freescout answered that it created the %s but not with which id, and the gateway did not find it; "+
			"it may exist: look for it in freescout before creating it again", kind), err).With("landed", true))
}

// claim takes the idempotency key for this create, or answers from the
// create that took it: done reports that id is that create's outcome.
func (s *Session) claim(ctx context.Context, key string, c creation, started time.Time) (id int, done bool, err error) {
	mine := idemRecord{Input: inputHash(c.input), Started: started}
	b, err := json.Marshal(mine)
	if err != nil {
		return 0, false, fmt.Errorf("encode idempotency record: %w", err)
	}
	ok, err := s.f.addRecord(ctx, kindIdempotency, key, b, idemTTL)
	if err != nil {
		return 0, false, errcode.Wrap(errcode.UpstreamUnavailable, "the gateway cannot record idempotency keys right now; nothing was written, try again later", err)
	}
	if ok {
		return 0, false, nil
	}
	theirs, err := s.readRecord(ctx, key)
	if err != nil {
		return 0, false, err
	}
	switch {
	case theirs.Input != mine.Input:
		return 0, false, &errcode.InputError{Code: errcode.Conflict, Field: []string{"idempotencyKey"},
			Message: "this idempotencyKey was used for a create with another input; use a new key for a new create"}
	case theirs.Done && theirs.Lost:
		// Landed with an unknown id: look again, never write again.
		found, ok, err := c.landed(ctx, theirs.Started.Add(-landedSkew))
		if err != nil || !ok {
			return 0, false, unresolved(c.kind, errors.Join(upstream.ErrCreatedWithoutID, err))
		}
		s.record(ctx, key, idemRecord{Done: true, ID: found, Input: mine.Input, Started: theirs.Started})
		return found, true, nil
	case theirs.Done:
		return theirs.ID, true, nil
	case time.Since(theirs.Started) < pendingFor:
		return 0, false, &errcode.InputError{Code: errcode.InProgress, Field: []string{"idempotencyKey"},
			Message: "a create with this idempotencyKey is still being written; try again in a moment"}
	}
	// The create that took the key never finished: find out whether it
	// landed, and take over if it did not.
	found, ok, err := c.landed(ctx, theirs.Started.Add(-landedSkew))
	if err != nil {
		return 0, false, err
	}
	if ok {
		s.record(ctx, key, idemRecord{Done: true, ID: found, Input: mine.Input, Started: theirs.Started})
		return found, true, nil
	}
	s.record(ctx, key, mine)
	return 0, false, nil
}

func (s *Session) readRecord(ctx context.Context, key string) (idemRecord, error) {
	var r idemRecord
	b, ok, err := s.f.getRecord(ctx, kindIdempotency, key)
	if err != nil {
		return r, errcode.Wrap(errcode.UpstreamUnavailable, "the gateway cannot read idempotency keys right now; nothing was written, try again later", err)
	}
	if !ok {
		// Finished and dropped between our claim and this read: the
		// other create did not land.
		return idemRecord{Started: time.Now().Add(-pendingFor)}, nil
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("decode idempotency record: %w", err)
	}
	return r, nil
}

func (s *Session) record(ctx context.Context, key string, r idemRecord) {
	b, err := json.Marshal(r)
	if err == nil {
		err = s.f.setRecord(ctx, kindIdempotency, key, b, idemTTL)
	}
	if err != nil {
		s.f.opts.Logger.WarnContext(ctx, "could not record an idempotency key", "err", err)
	}
}

// answerLost reports whether err leaves open whether a write landed: no
// answer, or an answer FreeScout (or a proxy before it) gave instead of its
// own. A 429 or a 4xx is FreeScout refusing before writing.
func answerLost(ctx context.Context, err error) bool {
	if errors.Is(err, upstream.ErrRateLimited) {
		return false
	}
	return errors.Is(err, upstream.ErrUnavailable) || errors.Is(err, upstream.ErrCreatedWithoutID) || ctx.Err() != nil
}

func inputHash(in any) string {
	b, _ := json.Marshal(in)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// idempotency is the key of a caller's idempotency key for a kind of
// create; the client's key and the caller are hashed.
func (k keys) idempotency(c *auth.Caller, kind, key string) string {
	return "idem:" + auth.KeyHash(c.ID)[:16] + ":" + kind + ":" + auth.KeyHash(key)[:32]
}

// The searches for a create whose answer was lost: each looks for the object
// the create would have made, made since since.

func (s *Session) conversationLanded(in *upstream.NewConversation) func(context.Context, time.Time) (int, bool, error) {
	return func(ctx context.Context, since time.Time) (int, bool, error) {
		opts := &upstream.ConversationListOptions{
			ListOptions: upstream.ListOptions{Page: 1, PageSize: 50},
			MailboxIDs:  []int{in.MailboxID}, Statuses: []string{"active", "pending", "closed", "spam"},
			CustomerID: in.Customer.ID, CustomerEmail: in.Customer.Email,
			SortField: "createdAt", SortOrder: "desc",
		}
		if opts.CustomerID != 0 {
			opts.CustomerEmail = ""
		}
		items, _, err := s.client.Conversations.List(ctx, opts)
		if err != nil {
			return 0, false, err
		}
		for _, c := range items { // newest first; an older module may ignore filters
			if c.MailboxID != in.MailboxID || c.Subject != in.Subject {
				continue
			}
			if in.CreatedAt != nil && c.CreatedAt.Equal(in.CreatedAt.Time) || in.CreatedAt == nil && !c.CreatedAt.Before(since) {
				return c.ID, true, nil
			}
		}
		return 0, false, nil
	}
}

func (s *Session) threadLanded(conversationID int, in *upstream.NewThread) func(context.Context, time.Time) (int, bool, error) {
	return func(ctx context.Context, since time.Time) (int, bool, error) {
		c, err := s.client.Conversations.Get(ctx, conversationID, upstream.EmbedThreads)
		if err != nil {
			return 0, false, err
		}
		for _, t := range c.Embedded.Threads { // newest first
			if t.Type != in.Type || t.CreatedAt.Before(since) && in.CreatedAt == nil {
				continue
			}
			switch {
			case in.User != 0 && t.CreatedBy != nil && t.CreatedBy.ID == in.User,
				in.Customer != nil && t.Customer != nil && (t.Customer.ID == in.Customer.ID || in.Customer.Email != "" && t.Customer.Email == in.Customer.Email):
				return t.ID, true, nil
			}
		}
		return 0, false, nil
	}
}

func (s *Session) customerLanded(in *upstream.NewCustomer) func(context.Context, time.Time) (int, bool, error) {
	return func(ctx context.Context, since time.Time) (int, bool, error) {
		opts := &upstream.CustomerListOptions{ListOptions: upstream.ListOptions{Page: 1, PageSize: 50}, SortField: "createdAt", SortOrder: "desc"}
		switch {
		case len(in.Emails) > 0:
			opts.Email = in.Emails[0].Value
		case in.Email != "":
			opts.Email = in.Email
		default:
			opts.FirstName, opts.LastName, opts.Phone = in.FirstName, in.LastName, in.Phone
		}
		items, _, err := s.client.Customers.List(ctx, opts)
		if err != nil {
			return 0, false, err
		}
		for _, c := range items {
			if !c.CreatedAt.Before(since) && c.FirstName == in.FirstName && c.LastName == in.LastName {
				return c.ID, true, nil
			}
		}
		return 0, false, nil
	}
}

func (s *Session) userLanded(in *upstream.NewUser) func(context.Context, time.Time) (int, bool, error) {
	return func(ctx context.Context, since time.Time) (int, bool, error) {
		items, _, err := s.client.Users.List(ctx, &upstream.UserListOptions{ListOptions: upstream.ListOptions{Page: 1, PageSize: 50}, Email: in.Email})
		if err != nil {
			return 0, false, err
		}
		for _, u := range items { // emails are unique
			if u.Email == in.Email && !u.CreatedAt.Before(since) {
				return u.ID, true, nil
			}
		}
		return 0, false, nil
	}
}

// webhookLanded finds a webhook with the URL and events of in. Webhooks
// carry no creation date: one registered identically before the attempt is
// taken for it, which for a webhook is the same thing.
func (s *Session) webhookLanded(in *upstream.NewWebhook) func(context.Context, time.Time) (int, bool, error) {
	return func(ctx context.Context, _ time.Time) (int, bool, error) {
		for page := 1; ; page++ {
			items, p, err := s.client.Webhooks.List(ctx, &upstream.ListOptions{Page: page, PageSize: maxPageSize})
			if err != nil {
				return 0, false, err
			}
			for i := len(items) - 1; i >= 0; i-- {
				if w := items[i]; w.URL == in.URL && sameEvents(w.Events, in.Events) {
					return w.ID, true, nil
				}
			}
			if page >= p.TotalPages || len(items) == 0 {
				return 0, false, nil
			}
		}
	}
}

func sameEvents(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, e := range a {
		seen[e]++
	}
	for _, e := range b {
		if seen[e]--; seen[e] < 0 {
			return false
		}
	}
	return true
}
