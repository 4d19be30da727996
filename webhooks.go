package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/scoutgraph/scoutgraph/events"
	"github.com/scoutgraph/scoutgraph/upstream"
)

// webhookPath is where the gateway receives FreeScout's deliveries.
const webhookPath = "/webhooks/freescout"

// webhooksUsage is the help of `scoutgraph webhooks`.
const webhooksUsage = `usage: scoutgraph webhooks register|list|delete [flags]

  register  make FreeScout deliver every event to PUBLIC_URL` + webhookPath + ` (once: registering again changes nothing)
  list      print FreeScout's webhooks
  delete    delete the webhooks that deliver to PUBLIC_URL` + webhookPath + `

They read FREESCOUT_URL, FREESCOUT_API_KEY and PUBLIC_URL (or --freescout-url, --freescout-api-key,
--public-url), like the gateway. FreeScout signs deliveries with its instance's Secret Key
(Manage » API & Webhooks): give the gateway the same one in WEBHOOK_SECRET.
`

// webhooksCommand runs `scoutgraph webhooks register|list|delete`.
func webhooksCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(stderr, webhooksUsage)
		return errors.New("webhooks: want register, list or delete")
	}
	action, rest := args[0], args[1:]
	if action != "register" && action != "list" && action != "delete" {
		fmt.Fprint(stderr, webhooksUsage)
		return fmt.Errorf("webhooks: unknown action %q (want register, list or delete)", action)
	}
	cfg, err := parseConfig(rest, getenv, stderr)
	if err != nil {
		return err
	}
	if cfg.demo {
		return errors.New("webhooks: --demo registers the gateway with its emulator by itself; point FREESCOUT_URL at a FreeScout instead")
	}
	client, err := upstream.New(cfg.freescoutURL, cfg.apiKey)
	if err != nil {
		return err
	}
	target := cfg.publicURL + webhookPath
	if action != "list" && cfg.publicURL == "" {
		return fmt.Errorf("PUBLIC_URL / --public-url: required to %s the gateway's webhook", action)
	}
	switch action {
	case "register":
		id, created, err := registerWebhook(ctx, client, target)
		if err != nil {
			return err
		}
		if created {
			fmt.Fprintf(stdout, "registered webhook %d: %s, %d events\n", id, target, len(events.FreeScoutEvents()))
		} else {
			fmt.Fprintf(stdout, "webhook %d already delivers every event to %s\n", id, target)
		}
		fmt.Fprintln(stdout, "FreeScout signs deliveries with its Secret Key (Manage » API & Webhooks): the gateway needs it in WEBHOOK_SECRET")
		return nil
	case "delete":
		ids, err := deleteWebhooks(ctx, client, target)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			fmt.Fprintf(stdout, "no webhook delivers to %s\n", target)
		}
		for _, id := range ids {
			fmt.Fprintf(stdout, "deleted webhook %d: %s\n", id, target)
		}
		return nil
	}
	hooks, err := allWebhooks(ctx, client)
	if err != nil {
		return err
	}
	if len(hooks) == 0 {
		fmt.Fprintln(stdout, "no webhooks")
	}
	for _, h := range hooks {
		mark := ""
		if h.URL == target && cfg.publicURL != "" {
			mark = " (this gateway)"
		}
		fmt.Fprintf(stdout, "%d\t%s%s\t%s\n", h.ID, h.URL, mark, strings.Join(h.Events, ","))
	}
	return nil
}

// allWebhooks lists every webhook of the install.
func allWebhooks(ctx context.Context, client *upstream.Client) ([]upstream.Webhook, error) {
	var all []upstream.Webhook
	for page := 1; ; page++ {
		hooks, p, err := client.Webhooks.List(ctx, &upstream.ListOptions{Page: page, PageSize: 100})
		if err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		all = append(all, hooks...)
		if page >= p.TotalPages || len(hooks) == 0 {
			return all, nil
		}
	}
}

// registerWebhook makes sure one webhook delivers every event to target: it
// keeps one that already does, replaces those that deliver only some events
// or only some mailboxes' (FreeScout has no update), and creates one when
// none is left. created is false when nothing had to change.
func registerWebhook(ctx context.Context, client *upstream.Client, target string) (id int, created bool, err error) {
	hooks, err := allWebhooks(ctx, client)
	if err != nil {
		return 0, false, err
	}
	want := events.FreeScoutEvents()
	for _, h := range hooks {
		if h.URL != target {
			continue
		}
		if id == 0 && len(h.Mailboxes) == 0 && containsAll(h.Events, want) {
			id = h.ID // keep the first complete one
			continue
		}
		if err := client.Webhooks.Delete(ctx, h.ID); err != nil && !errors.Is(err, upstream.ErrNotFound) {
			return 0, false, fmt.Errorf("delete webhook %d: %w", h.ID, err)
		}
	}
	if id != 0 {
		return id, false, nil
	}
	id, _, err = client.Webhooks.Create(ctx, &upstream.NewWebhook{URL: target, Events: want})
	if err != nil {
		return 0, false, fmt.Errorf("create webhook: %w", err)
	}
	return id, true, nil
}

// deleteWebhooks deletes every webhook that delivers to target.
func deleteWebhooks(ctx context.Context, client *upstream.Client, target string) ([]int, error) {
	hooks, err := allWebhooks(ctx, client)
	if err != nil {
		return nil, err
	}
	var ids []int
	for _, h := range hooks {
		if h.URL != target {
			continue
		}
		if err := client.Webhooks.Delete(ctx, h.ID); err != nil && !errors.Is(err, upstream.ErrNotFound) {
			return ids, fmt.Errorf("delete webhook %d: %w", h.ID, err)
		}
		ids = append(ids, h.ID)
	}
	return ids, nil
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
