package upstream

import (
	"bytes"
	"sync"
)

// Reusing decoded answers. A dashboard or an inbox polls the same lists
// again and again, and FreeScout answers the same bytes until something
// changes; decoding a page of 50 conversations is a third of the gateway's
// own work on a warm inbox query. So the client remembers, for each list or
// read of conversations, the last answer's bytes and what they decoded to,
// and when the next answer to the same request is byte for byte the same it
// hands out that value again instead of decoding it anew. Every call is
// still made (the answer decides, never a clock), and any difference in the
// bytes is decoded afresh.
//
// The values are shared between operations, so they are read-only: nothing
// in the gateway writes into what the client returns (the producers build
// the GraphQL objects beside them), and slices are handed out with their
// capacity cut to their length, so that an append copies.

// maxReusedBytes bounds the answers remembered, by the size of their bodies
// (what they decode to is some three times that).
const maxReusedBytes = 8 << 20

// Answers are decoded answers remembered for reuse: the client's, shared by
// every client derived from the same New, and the shared cache's reads of
// conversations (session). Its zero value is not usable: see NewAnswers.
type Answers struct {
	mu      sync.Mutex
	entries map[string]*decodedAnswer
	order   []string // keys, oldest first
	size    int      // bytes of the bodies held
}

type decodedAnswer struct {
	body  []byte
	value any
}

// NewAnswers returns an empty memo of decoded answers.
func NewAnswers() *Answers {
	return &Answers{entries: map[string]*decodedAnswer{}}
}

// Reuse returns what decode makes of body, the answer named key: the value
// decoded last time when that answer had the same bytes. The value is shared
// and must not be written to.
func Reuse[T any](d *Answers, key string, body []byte, decode func([]byte) (T, error)) (T, error) {
	d.mu.Lock()
	e := d.entries[key]
	d.mu.Unlock()
	if e != nil && bytes.Equal(e.body, body) {
		if v, ok := e.value.(T); ok {
			return v, nil
		}
	}
	v, err := decode(body)
	if err != nil || len(body) > maxReusedBytes/8 {
		return v, err
	}
	d.remember(key, body, v)
	return v, nil
}

func (d *Answers) remember(key string, body []byte, v any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if old := d.entries[key]; old != nil {
		d.size -= len(old.body)
	} else {
		d.order = append(d.order, key)
	}
	d.entries[key] = &decodedAnswer{body: body, value: v}
	d.size += len(body)
	for d.size > maxReusedBytes && len(d.order) > 0 {
		oldest := d.order[0]
		d.order = d.order[1:]
		if e := d.entries[oldest]; e != nil {
			d.size -= len(e.body)
			delete(d.entries, oldest)
		}
	}
}
