package telemetry

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Attributes of a loader batch's span.
const (
	// AttrLoaderName is the loader's name ("customers", "mailbox_pages").
	AttrLoaderName = "scoutgraph.loader.name"
	// AttrBatchSize is how many keys the batch holds. A loader deduplicates
	// the keys of its operation, so they are distinct keys.
	AttrBatchSize = "scoutgraph.loader.batch.size"
	// AttrBatchFailed is how many of them failed (set only when some did).
	AttrBatchFailed = "scoutgraph.loader.batch.failed"
)

// BatchSpans is the data session's BatchHook (session.Options.Batches)
// that puts a span around every dataloader batch: named "loader.<name>",
// a child of the span of the load that opened the batch (the operation's),
// and the parent of the upstream and cache calls the batch makes.
type BatchSpans struct{ tracer trace.Tracer }

// BatchSpans returns the hook that traces loader batches with t's provider.
func (t *Telemetry) BatchSpans() BatchSpans { return BatchSpans{t.Provider.Tracer(scope)} }

// StartBatch starts the batch's span; end ends it with the failed keys.
func (b BatchSpans) StartBatch(ctx context.Context, loader string, keys int) (context.Context, func(failed int)) {
	ctx, span := b.tracer.Start(ctx, "loader."+loader, trace.WithAttributes(
		attribute.String(AttrLoaderName, loader),
		attribute.Int(AttrBatchSize, keys),
	))
	return ctx, func(failed int) {
		if failed > 0 {
			span.SetAttributes(attribute.Int(AttrBatchFailed, failed))
			span.SetStatus(codes.Error, fmt.Sprintf("%d of %d keys failed", failed, keys))
		}
		span.End()
	}
}
