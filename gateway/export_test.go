package gateway

import (
	"github.com/scoutgraph/scoutgraph/auth"
	"github.com/scoutgraph/scoutgraph/graph"
	"github.com/scoutgraph/scoutgraph/ratelimit"
)

// NewPipelineForTest exposes the request pipeline's executor steps to the
// external tests and benchmarks.
func NewPipelineForTest(limits Limits, rate ratelimit.Limiter) *pipeline {
	return newPipeline(limits, rate, func(*auth.Caller) graph.Facts { return graph.Facts{} }, nil)
}

// ForgetDocuments empties the memory of documents within bounds, so that a
// benchmark measures the first sight of a document.
func (p *pipeline) ForgetDocuments() { p.vetted.Purge() }
