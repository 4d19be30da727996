package emulator

import (
	"cmp"
	"fmt"
	"slices"
)

// This file is the emulator's back office: changes a FreeScout administrator
// makes in the web UI, which the API cannot make, so that tests can change
// data behind a client's back (for example after the client cached it).

// AddDropdownOption adds an option to the dropdown custom field fieldID of a
// mailbox, as an administrator editing the field in FreeScout would. Later
// answers of GET /api/mailboxes/{id}/custom_fields list it, and
// PUT /api/conversations/{id}/custom_fields accepts its id.
//
// fieldID names a mailbox (conversation) custom field; FreeScout numbers them
// across all mailboxes, so the id alone finds the field. Customer fields are
// not searched. optionID must be positive and not yet used by the field; the
// label must not be empty. It returns an error, and changes nothing, when the
// field does not exist, is not a dropdown, or the option is invalid.
func (e *Emulator) AddDropdownOption(fieldID, optionID int, label string) error {
	if optionID <= 0 {
		return fmt.Errorf("emulator: option id must be positive, got %d", optionID)
	}
	if label == "" {
		return fmt.Errorf("emulator: option %d of field %d: label is empty", optionID, fieldID)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	f, err := e.db.dropdown(fieldID)
	if err != nil {
		return err
	}
	if _, found := f.label(itoa(optionID)); found {
		return fmt.Errorf("emulator: field %d already has an option with id %d", fieldID, optionID)
	}
	// Build a new slice rather than append in place: rendered answers may
	// still hold the old one (see the note on renderers in render.go).
	opts := make([]fieldOption, 0, len(f.options)+1)
	opts = append(opts, f.options...)
	opts = append(opts, fieldOption{id: optionID, label: label})
	slices.SortFunc(opts, func(a, b fieldOption) int { return cmp.Compare(a.id, b.id) })
	f.options = opts
	return nil
}

// RemoveDropdownOption removes the option optionID from the dropdown custom
// field fieldID of a mailbox, as an administrator editing the field in
// FreeScout would. From then on PUT /api/conversations/{id}/custom_fields
// answers 400 for that option id, while a client that cached the definitions
// earlier still believes it valid.
//
// Conversations that hold the option keep the stored value, as in FreeScout;
// it reads back with an empty text, since no label belongs to it any more.
// fieldID is looked up as in AddDropdownOption. It returns an error, and
// changes nothing, when the field does not exist, is not a dropdown or has
// no such option.
func (e *Emulator) RemoveDropdownOption(fieldID, optionID int) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	f, err := e.db.dropdown(fieldID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(f.options, func(o fieldOption) bool { return o.id == optionID })
	if i < 0 {
		return fmt.Errorf("emulator: field %d has no option with id %d", fieldID, optionID)
	}
	// A new slice, for the same reason as in AddDropdownOption.
	f.options = slices.Delete(slices.Clone(f.options), i, i+1)
	return nil
}

// RenameCustomField gives the mailbox custom field fieldID a new name, as an
// administrator editing the field in FreeScout would; values stored for it
// are kept. fieldID is looked up as in AddDropdownOption, but the field may
// be of any type. It returns an error, and changes nothing, when the field
// does not exist or the name is empty.
func (e *Emulator) RenameCustomField(fieldID int, name string) error {
	if name == "" {
		return fmt.Errorf("emulator: field %d: name is empty", fieldID)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	f := e.db.mailboxField(fieldID)
	if f == nil {
		return fmt.Errorf("emulator: no mailbox has a custom field with id %d", fieldID)
	}
	f.name = name
	return nil
}

// ConversationFieldValue returns the value conversation conversationID holds
// for custom field fieldID, exactly as FreeScout stores it (the option id for
// a dropdown), and whether the field is set. It reads the store directly,
// without a request, so it neither counts as one nor waits for the latency.
func (e *Emulator) ConversationFieldValue(conversationID, fieldID int) (string, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	c := e.db.conversations[conversationID]
	if c == nil {
		return "", false
	}
	v, ok := c.fields[fieldID]
	return v, ok
}

// mailboxField finds the mailbox custom field with id fieldID, or nil. The
// caller holds the lock.
func (s *store) mailboxField(fieldID int) *customField {
	for _, mb := range byID(s.mailboxes) {
		if f := mb.field(fieldID); f != nil {
			return f
		}
	}
	return nil
}

// dropdown finds the mailbox custom field with id fieldID and checks that it
// is a dropdown. The caller holds the lock.
func (s *store) dropdown(fieldID int) (*customField, error) {
	f := s.mailboxField(fieldID)
	switch {
	case f == nil:
		return nil, fmt.Errorf("emulator: no mailbox has a custom field with id %d", fieldID)
	case f.typ != fieldDropdown:
		return nil, fmt.Errorf("emulator: custom field %d (%s) is a %s field, not a dropdown", fieldID, f.name, f.typ)
	}
	return f, nil
}
