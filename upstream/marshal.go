package upstream

import (
	"bytes"
	"strconv"

	json "github.com/goccy/go-json"
)

// Encoding what was decoded, for caches that keep FreeScout's answers (the
// conversation cache, customer profiles): decoding the encoding gives back
// the same value, including what FreeScout left out. That matters because
// the gateway reads meaning into absence: an embedded person without
// firstName is answered from the full record, and a conversation whose
// threads were not embedded (nil, encoded as null) is read again, while one
// embedded with no threads (empty, encoded as []) is not.

// MarshalJSON encodes the keys FreeScout sent, and only those (keys Person
// does not hold as null). A Person made in code, with no record of what was
// sent, encodes its non-empty fields.
func (p Person) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	member := func(key string, value []byte) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(key))
		b.WriteByte(':')
		b.Write(value)
	}
	made := p.sent == 0 && p.other == nil
	for i, key := range personKeys {
		var value []byte
		if i == 0 {
			if !made && p.sent&1 == 0 || made && p.ID == 0 {
				continue
			}
			value = strconv.AppendInt(nil, int64(p.ID), 10)
		} else {
			s := *p.field(i)
			if !made && p.sent&(1<<i) == 0 || made && s == "" {
				continue
			}
			v, err := json.Marshal(s)
			if err != nil {
				return nil, err
			}
			value = v
		}
		member(key, value)
	}
	for _, key := range p.other {
		member(key, []byte("null"))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
