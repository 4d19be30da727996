package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/gateway"
	"github.com/scoutgraph/scoutgraph/gateway/gatewaytest"
	"github.com/scoutgraph/scoutgraph/upstream/emulator"
)

// TestLiveMetrics: /metrics counts webhook deliveries by result and the
// events read from the bus by FreeScout event, and its gauge follows the
// live subscriptions. A subscription open: the gauge is 1. A signed
// delivery is published and heard by the subscriber, so the event has been
// read from the bus and counted; its redelivery is a duplicate, read by no
// one; a forged one is refused. The subscription closed: the gauge is 0.
func TestLiveMetrics(t *testing.T) {
	t.Parallel()
	a := newAPI(t, gatewaytest.Options{Configure: func(c *gateway.Config) { c.WebhookSecret = emulator.DefaultWebhookSecret() }})
	sub, err := gatewaytest.SubscribeWS(t.Context(), a.URL, nil, subConversations, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	gatewaytest.WaitSubscriptions(t, a.URL, 1)
	if n, err := gatewaytest.Subscriptions(t.Context(), a.URL); err != nil || n != 1 {
		t.Errorf("scoutgraph_subscriptions with one subscription open: %d (%v), want 1", n, err)
	}

	body := statusBody("live metrics: a status change")
	for _, d := range []struct {
		signature string
		status    int
	}{
		{"", http.StatusNoContent},                            // signed: published
		{"", http.StatusNoContent},                            // the same again: a duplicate
		{"bm90IHRoZSBzaWduYXR1cmU=", http.StatusUnauthorized}, // forged
	} {
		if got := deliver(t, a.URL, "convo.status", body, d.signature); got != d.status {
			t.Fatalf("delivery with signature %q: status %d, want %d", d.signature, got, d.status)
		}
	}
	if ev := nextEvent(t, "the subscriber", sub).ConversationEvents; ev.Type != "STATUS" || ev.Conversation.Subject != "live metrics: a status change" {
		t.Errorf("the subscriber heard %+v, want the status change", ev)
	}

	metrics := getBody(t, a.URL+"/metrics")
	for series, want := range map[string]float64{
		`scoutgraph_webhook_deliveries_total{result="published"}`:     1,
		`scoutgraph_webhook_deliveries_total{result="duplicate"}`:     1,
		`scoutgraph_webhook_deliveries_total{result="bad_signature"}`: 1,
		`scoutgraph_webhook_deliveries_total{result="ignored"}`:       0,
		`scoutgraph_events_total{event="convo.status"}`:               1,
		`scoutgraph_events_total{event="lost"}`:                       0,
	} {
		if got := metricValue(metrics, series); got != want {
			t.Errorf("/metrics: %s = %v, want %v", series, got, want)
		}
	}

	sub.Close()
	waitFor(t, time.Minute, "scoutgraph_subscriptions to drop to 0", func() bool {
		n, err := gatewaytest.Subscriptions(t.Context(), a.URL)
		return err == nil && n == 0
	})
}
