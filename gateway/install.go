package gateway

import (
	"context"
	"log/slog"
	"time"

	"github.com/scoutgraph/scoutgraph/upstream"
)

// probeTimeout bounds what the gateway asks FreeScout about itself at start.
const probeTimeout = 10 * time.Second

// learnInstall asks FreeScout, before the gateway serves anything, what its
// answers have not told yet (upstream.Client.Probe: a handful of lists of
// one item): its API & Webhooks module's version range and its optional
// modules. Every request of the process then knows them, so that the first
// requests neither pay for the questions nor risk a list an old module
// filters wrongly. A FreeScout that does not answer does not keep the
// gateway from starting: the requests that need to know ask again (at most
// once a minute), and until then the gateway filters what it must itself.
//
// It returns what asking failed with: an error wrapping
// upstream.ErrUnauthorized when FreeScout rejects the gateway's key.
func learnInstall(ctx context.Context, client *upstream.Client, logger *slog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	err := client.Probe(ctx)
	r := client.Install().Report()
	modules := map[string]string{}
	for m, s := range r.Modules {
		modules[string(m)] = map[upstream.Support]string{upstream.Supported: "present", upstream.Unsupported: "missing"}[s]
		if s == upstream.Unknown {
			modules[string(m)] = "unknown"
		}
	}
	if err != nil {
		logger.Warn("could not learn everything about the freescout install at start", "err", err, "module_version", r.Version.String())
		return err
	}
	logger.Info("freescout install", "module_version", r.Version.String(), "modules", modules)
	return nil
}
