package gqlhttp

import (
	"mime"
	"strconv"
	"strings"
)

// The response media types this package speaks.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// Specificity of the Accept range that matched a media type; a more specific range
// decides a type's quality over a less specific one (RFC 9110, section 12.5.1).
const (
	unmatched  = iota
	anyType    // */*
	anySubtype // application/*
	exactType  // the media type itself
)

// preference is the quality a media type got from an Accept header and how specific the
// range was that gave it.
type preference struct {
	q           float64
	specificity int
}

// offer records that a range of the given specificity gives quality q.
func (p *preference) offer(specificity int, q float64) {
	switch {
	case specificity > p.specificity:
		*p = preference{q: q, specificity: specificity}
	case specificity == p.specificity && q > p.q:
		p.q = q
	}
}

// negotiate picks the response media type for the Accept header values. With no usable
// Accept header it picks application/json, as the GraphQL-over-HTTP spec recommends; so do
// */* and application/* on their own. When both types are named explicitly with the same
// quality, application/graphql-response+json wins. ok is false when the header accepts
// neither type.
func negotiate(accept []string) (mediaType string, ok bool) {
	var jsonPref, gqlPref preference
	parsed := false
	for _, header := range accept {
		for part := range strings.SplitSeq(header, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			mt, params, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			q := 1.0
			if qs, has := params["q"]; has {
				q, err = strconv.ParseFloat(qs, 64)
				if err != nil || q < 0 || q > 1 {
					continue
				}
			}
			parsed = true
			switch mt {
			case "*/*":
				jsonPref.offer(anyType, q)
				gqlPref.offer(anyType, q)
			case "application/*":
				jsonPref.offer(anySubtype, q)
				gqlPref.offer(anySubtype, q)
			case mediaJSON:
				jsonPref.offer(exactType, q)
			case mediaGraphQLResponse:
				gqlPref.offer(exactType, q)
			}
		}
	}
	if !parsed {
		return mediaJSON, true
	}
	jsonOK := jsonPref.specificity != unmatched && jsonPref.q > 0
	gqlOK := gqlPref.specificity != unmatched && gqlPref.q > 0
	switch {
	case !jsonOK && !gqlOK:
		return "", false
	case !gqlOK:
		return mediaJSON, true
	case !jsonOK:
		return mediaGraphQLResponse, true
	case gqlPref.q != jsonPref.q:
		if gqlPref.q > jsonPref.q {
			return mediaGraphQLResponse, true
		}
		return mediaJSON, true
	case gqlPref.specificity == exactType:
		// Named explicitly, equally wanted: the spec's own media type wins.
		return mediaGraphQLResponse, true
	default:
		return mediaJSON, true
	}
}

// mediaEventStream is the media type of Server-Sent Events.
const mediaEventStream = "text/event-stream"

// acceptsEventStream reports whether the Accept header values list text/event-stream
// itself with a quality above zero; wildcards do not count, so that only clients that ask
// for an event stream get one.
func acceptsEventStream(accept []string) bool {
	for _, header := range accept {
		for part := range strings.SplitSeq(header, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil || mt != mediaEventStream {
				continue
			}
			if qs, has := params["q"]; has {
				if q, err := strconv.ParseFloat(qs, 64); err != nil || q <= 0 || q > 1 {
					continue
				}
			}
			return true
		}
	}
	return false
}
