package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds request bodies.
const maxBody = 10 << 20

// object is a decoded JSON object whose members are decoded on demand.
type object map[string]json.RawMessage

// readObject decodes the request body as a JSON object. An empty body is an empty object.
// When the body cannot be read or is not a JSON object, readObject writes the 400 (or 413)
// answer and returns false.
func readObject(w http.ResponseWriter, r *http.Request) (object, bool) {
	obj, _, ok := readOrderedObject(w, r)
	return obj, ok
}

// readOrderedObject is readObject that also returns the object's member names in the
// order the body has them.
func readOrderedObject(w http.ResponseWriter, r *http.Request) (object, []string, bool) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			send(w, statusReply(http.StatusRequestEntityTooLarge), nil)
			return nil, nil, false
		}
		send(w, badRequest([]fieldError{{Path: "", Message: "request body could not be read", Source: "JSON"}}), nil)
		return nil, nil, false
	}
	obj := object{}
	if len(bytes.TrimSpace(data)) == 0 {
		return obj, nil, true
	}
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		send(w, badRequest([]fieldError{{Path: "", Message: "request body is not a valid JSON object", Source: "JSON"}}), nil)
		return nil, nil, false
	}
	return obj, memberOrder(data), true
}

// memberOrder lists the member names of a valid JSON object in the order they appear,
// each once.
func memberOrder(data []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // the opening brace
		return nil
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return keys
		}
		if key, ok := tok.(string); ok && !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return keys
		}
	}
	return keys
}

// has reports whether the member is present, even as null.
func (o object) has(key string) bool {
	_, ok := o[key]
	return ok
}

// absent reports whether a JSON value is missing or null.
func absent(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// checker collects validation errors in FreeScout's format while reading values.
type checker struct {
	source string // "JSON" for bodies, "QUERY" for query parameters
	errs   []fieldError
}

func newChecker(source string) *checker { return &checker{source: source} }

func (c *checker) failed() bool { return len(c.errs) > 0 }

// fail records an error; rejected is the offending JSON value, or nil.
func (c *checker) fail(path, msg string, rejected json.RawMessage) {
	c.errs = append(c.errs, fieldError{Path: path, Message: msg, RejectedValue: rejected, Source: c.source})
}

// failText records an error whose rejected value is a plain string.
func (c *checker) failText(path, msg, rejected string) {
	b, _ := json.Marshal(rejected)
	c.fail(path, msg, b)
}

const msgEmpty = "may not be empty"

// str reads a string. Numbers are taken as their text, as PHP does. ok is false when the
// value is absent or invalid; a required value that is absent or empty is an error.
func (c *checker) str(path string, raw json.RawMessage, required bool) (string, bool) {
	if absent(raw) {
		if required {
			c.fail(path, msgEmpty, nil)
		}
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			c.fail(path, "must be a string", raw)
			return "", false
		}
		s = n.String()
	}
	if required && strings.TrimSpace(s) == "" {
		c.fail(path, msgEmpty, raw)
		return "", false
	}
	return s, true
}

// maxLen reads an optional string of at most n characters.
func (c *checker) maxLen(path string, raw json.RawMessage, n int) (string, bool) {
	s, ok := c.str(path, raw, false)
	if ok && len([]rune(s)) > n {
		c.fail(path, fmt.Sprintf("may not be longer than %d characters", n), raw)
		return "", false
	}
	return s, ok
}

// integer reads a whole number, given as a JSON number or a numeric string.
func (c *checker) integer(path string, raw json.RawMessage, required bool) (int, bool) {
	if absent(raw) {
		if required {
			c.fail(path, msgEmpty, nil)
		}
		return 0, false
	}
	n, ok := rawInt(raw)
	if !ok {
		c.fail(path, "must be an integer", raw)
	}
	return n, ok
}

// rawInt reads a JSON number or numeric string holding a whole number.
func rawInt(raw json.RawMessage) (int, bool) {
	text := string(bytes.TrimSpace(raw))
	var s string
	if json.Unmarshal(raw, &s) == nil {
		text = strings.TrimSpace(s)
	}
	n, err := strconv.Atoi(text)
	return n, err == nil
}

// boolean reads an optional boolean.
func (c *checker) boolean(path string, raw json.RawMessage) bool {
	if absent(raw) {
		return false
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		c.fail(path, "must be a boolean", raw)
	}
	return b
}

// oneOf reads a string that must be one of allowed.
func (c *checker) oneOf(path string, raw json.RawMessage, required bool, allowed ...string) (string, bool) {
	s, ok := c.str(path, raw, required)
	if !ok {
		return "", false
	}
	for _, a := range allowed {
		if s == a {
			return s, true
		}
	}
	c.fail(path, expected(allowed), raw)
	return "", false
}

// expected is FreeScout's message for an invalid enum value.
func expected(allowed []string) string {
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = "'" + a + "'"
	}
	return "Expected one of these: " + strings.Join(quoted, ", ")
}

// date reads an optional date-time in one of the formats parseDate accepts.
func (c *checker) date(path string, raw json.RawMessage) (time.Time, bool) {
	s, ok := c.str(path, raw, false)
	if !ok {
		return time.Time{}, false
	}
	t, ok := parseDate(s)
	if !ok {
		c.fail(path, "must be a date in the format YYYY-MM-DDThh:mm:ssZ", raw)
	}
	return t, ok
}

// email reads an email address.
func (c *checker) email(path string, raw json.RawMessage, required bool) (string, bool) {
	s, ok := c.str(path, raw, required)
	if !ok {
		return "", false
	}
	s = strings.TrimSpace(s)
	if !validEmail(s) {
		c.fail(path, "must be a valid email address", raw)
		return "", false
	}
	return s, true
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

// array reads an optional JSON array.
func (c *checker) array(path string, raw json.RawMessage, required bool) ([]json.RawMessage, bool) {
	if absent(raw) {
		if required {
			c.fail(path, msgEmpty, nil)
		}
		return nil, false
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		c.fail(path, "must be an array", raw)
		return nil, false
	}
	return items, true
}

// object reads an optional JSON object.
func (c *checker) object(path string, raw json.RawMessage, required bool) (object, bool) {
	if absent(raw) {
		if required {
			c.fail(path, msgEmpty, nil)
		}
		return nil, false
	}
	var o object
	if err := json.Unmarshal(raw, &o); err != nil || o == nil {
		c.fail(path, "must be an object", raw)
		return nil, false
	}
	return o, true
}

// emails reads an optional array of email addresses.
func (c *checker) emails(path string, raw json.RawMessage) []string {
	items, ok := c.array(path, raw, false)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		if s, ok := c.email(fmt.Sprintf("%s[%d]", path, i), it, true); ok {
			out = append(out, s)
		}
	}
	return out
}

// at joins a path and a member name.
func at(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index joins a path and an array index.
func index(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

// fieldValue checks value against a custom-field definition and returns it as FreeScout
// stores it. An absent or empty value clears the field and reads as "".
func (c *checker) fieldValue(path string, f *customField, raw json.RawMessage) (string, bool) {
	if absent(raw) || string(raw) == `""` {
		return "", true
	}
	switch f.typ {
	case fieldDropdown:
		n, isInt := rawInt(raw)
		if isInt {
			if _, found := f.label(itoa(n)); found {
				return itoa(n), true
			}
		}
		ids := make([]string, len(f.options))
		for i, o := range f.options {
			ids[i] = itoa(o.id)
		}
		c.fail(path, expected(ids), raw)
	case fieldDate:
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if _, err := time.Parse(layoutDate, s); err == nil && len(s) == len(layoutDate) {
				return s, true
			}
		}
		c.fail(path, "must be a date in the format YYYY-MM-DD", raw)
	case fieldNumber:
		if s, isNum := numberText(raw); isNum {
			return s, true
		}
		c.fail(path, "must be a number", raw)
	default:
		limit := 255
		if f.typ == fieldMultiline {
			limit = 65535
		}
		if s, isStr := c.str(path, raw, false); isStr {
			if len([]rune(s)) > limit {
				c.fail(path, fmt.Sprintf("may not be longer than %d characters", limit), raw)
				return "", false
			}
			return s, true
		}
	}
	return "", false
}

// numberText reads a JSON number, or a string holding one, as its text.
func numberText(raw json.RawMessage) (string, bool) {
	text := string(bytes.TrimSpace(raw))
	var s string
	if json.Unmarshal(raw, &s) == nil {
		text = strings.TrimSpace(s)
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(text, "xXpP_") {
		return "", false
	}
	return text, true
}

// fieldValues checks a customFields or customerFields array against the definitions defs
// and returns the values to merge (an empty string clears the field).
func (c *checker) fieldValues(path string, raw json.RawMessage, required bool, defs func(id int) *customField, owner string) map[int]string {
	items, ok := c.array(path, raw, required)
	if !ok {
		return nil
	}
	out := make(map[int]string, len(items))
	for i, it := range items {
		p := index(path, i)
		entry, ok := c.object(p, it, true)
		if !ok {
			continue
		}
		id, ok := c.integer(at(p, "id"), entry["id"], true)
		if !ok {
			continue
		}
		f := defs(id)
		if f == nil {
			c.fail(at(p, "id"), "unknown custom field for "+owner, entry["id"])
			continue
		}
		if v, ok := c.fieldValue(at(p, "value"), f, entry["value"]); ok {
			out[id] = v
		}
	}
	return out
}

// mergeFields applies field values (an empty value removes the field).
func mergeFields(dst map[int]string, values map[int]string) {
	for id, v := range values {
		if v == "" {
			delete(dst, id)
		} else {
			dst[id] = v
		}
	}
}
