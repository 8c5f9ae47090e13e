// Package stopsignal is the context plumb's programs stop on: the first
// SIGINT or SIGTERM ends it, and both stay caught until the process is
// gone.
package stopsignal
