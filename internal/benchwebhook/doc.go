// Command benchwebhook is the load client for `make bench`'s webhook
// section: it posts signed pull_request deliveries, each with its own
// delivery ID, to a running plumb serve and prints
// "RATE_PER_S P50_MS P99_MS ACCEPTED" on stdout.
package main
