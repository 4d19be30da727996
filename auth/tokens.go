package auth

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync/atomic"
)

// tokenFile is the JSON of AUTH_TOKENS_FILE.
type tokenFile struct {
	Callers []tokenEntry `json:"callers"`
}

type tokenEntry struct {
	Name        string  `json:"name"`
	TokenSHA256 string  `json:"tokenSha256"`
	Scopes      []Scope `json:"scopes"`
	MailboxIDs  *[]int  `json:"mailboxIds"`
}

// tokenCaller is one caller of the tokens file, validated.
type tokenCaller struct {
	hash   [sha256.Size]byte
	caller Caller
}

// tokens holds the callers of AUTH_TOKENS_FILE; Reload swaps them whole.
type tokens struct {
	path    string
	callers atomic.Pointer[[]tokenCaller]
}

func loadTokens(path string) (*tokens, error) {
	t := &tokens{path: path}
	if err := t.reload(); err != nil {
		return nil, err
	}
	return t, nil
}

// reload reads the file again; on error the callers already loaded stay.
func (t *tokens) reload() error {
	data, err := os.ReadFile(t.path)
	if err != nil {
		return fmt.Errorf("AUTH_TOKENS_FILE: %w", err)
	}
	callers, err := parseTokenFile(data)
	if err != nil {
		return fmt.Errorf("AUTH_TOKENS_FILE %s: %w", t.path, err)
	}
	t.callers.Store(&callers)
	return nil
}

// lookup returns the caller whose token is token. Every entry is compared,
// in constant time, whatever matches.
func (t *tokens) lookup(token string) (*Caller, bool) {
	sum := sha256.Sum256([]byte(token))
	callers := *t.callers.Load()
	var found *tokenCaller
	for i := range callers {
		if subtle.ConstantTimeCompare(sum[:], callers[i].hash[:]) == 1 {
			found = &callers[i]
		}
	}
	if found == nil {
		return nil, false
	}
	return found.caller.clone(), true
}

func parseTokenFile(data []byte) ([]tokenCaller, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f tokenFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not valid JSON of the form {\"callers\":[{\"name\",\"tokenSha256\",\"scopes\",\"mailboxIds\"}]}: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the JSON object")
	}
	if f.Callers == nil {
		return nil, errors.New(`no "callers" list`)
	}
	callers := make([]tokenCaller, 0, len(f.Callers))
	names := make(map[string]bool, len(f.Callers))
	hashes := make(map[[sha256.Size]byte]string, len(f.Callers))
	for i, e := range f.Callers {
		c, err := e.validate()
		if err != nil {
			if e.Name == "" {
				return nil, fmt.Errorf("caller %d: %w", i+1, err)
			}
			return nil, fmt.Errorf("caller %d (%q): %w", i+1, e.Name, err)
		}
		if names[e.Name] {
			return nil, fmt.Errorf("caller %d (%q): name is used twice", i+1, e.Name)
		}
		if other, dup := hashes[c.hash]; dup {
			return nil, fmt.Errorf("caller %d (%q): tokenSha256 is also the token of %q", i+1, e.Name, other)
		}
		names[e.Name] = true
		hashes[c.hash] = e.Name
		callers = append(callers, c)
	}
	return callers, nil
}

func (e tokenEntry) validate() (tokenCaller, error) {
	if e.Name == "" {
		return tokenCaller{}, errors.New("name is empty")
	}
	var c tokenCaller
	if len(e.TokenSHA256) != hex.EncodedLen(sha256.Size) {
		return tokenCaller{}, errors.New("tokenSha256 is not 64 hex characters (the hex SHA-256 of the token)")
	}
	if _, err := hex.Decode(c.hash[:], []byte(e.TokenSHA256)); err != nil {
		return tokenCaller{}, errors.New("tokenSha256 is not 64 hex characters (the hex SHA-256 of the token)")
	}
	if len(e.Scopes) == 0 {
		return tokenCaller{}, errors.New(`no scopes (want some of "read", "write", "admin")`)
	}
	for i, s := range e.Scopes {
		if !slices.Contains(AllScopes, s) {
			return tokenCaller{}, fmt.Errorf("unknown scope %q (want read, write or admin)", s)
		}
		if slices.Contains(e.Scopes[:i], s) {
			return tokenCaller{}, fmt.Errorf("scope %q is listed twice", s)
		}
	}
	c.caller = Caller{ID: "token:" + e.Name, Scopes: slices.Clone(e.Scopes)}
	if e.MailboxIDs != nil {
		ids := *e.MailboxIDs
		if len(ids) == 0 {
			return tokenCaller{}, errors.New("mailboxIds is empty (leave it out for every mailbox)")
		}
		for i, id := range ids {
			if id <= 0 {
				return tokenCaller{}, fmt.Errorf("mailbox id %d is not positive", id)
			}
			if slices.Contains(ids[:i], id) {
				return tokenCaller{}, fmt.Errorf("mailbox id %d is listed twice", id)
			}
		}
		c.caller.MailboxIDs = slices.Clone(ids)
	}
	return c, nil
}

// clone returns a copy of c that shares no slice with it.
func (c *Caller) clone() *Caller {
	d := *c
	d.Scopes = slices.Clone(c.Scopes)
	if c.MailboxIDs != nil {
		d.MailboxIDs = slices.Clone(c.MailboxIDs)
	}
	return &d
}
