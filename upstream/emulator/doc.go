// Package emulator is an in-memory FreeScout helpdesk API (the "API & Webhooks" module) served
// as an http.Handler.
//
// It answers the 24 endpoints of the FreeScout API reference (../shared/freescout-api.md) with
// the reference's JSON shapes, key for key, FreeScout's quirks included: two date formats,
// custom-field options that arrive as an object, null or "", "threads" (a count, in lists)
// versus "threadsCount" (single get), the list status filter defaulting to "active", 201
// answers that carry only a Resource-ID header, 204 answers without a body and error bodies
// with or without an errorCode.
//
// New loads deterministic sample data (three mailboxes, ten users, fifty customers and 240
// conversations dated before a fixed reference time) that writes then change in memory.
// Latency, fault injection and per-route request counts make it useful for tests and
// benchmarks; the gateway's demo mode and frontend developers use it standalone.
package emulator
