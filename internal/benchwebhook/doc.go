// Command benchwebhook is `make bench`'s webhook section: it starts the
// real plumb serve on SQLite and on a throwaway PostgreSQL (same machine,
// same run, interleaved rounds), posts signed pull_request deliveries to
// each from this second process, and prints one line per database of
// medians:
//
//	DB RATE_PER_S P50_MS P99_MS WORKERS JOBS_PER_S JOBS JOB_S ACCEPT_S WIDE_WORKERS WIDE_JOBS_PER_S WIDE_JOBS WIDE_JOB_S
//
// Intake is deliveries answered 202 per second and the 202's latency. Job
// throughput is JOBS deliveries sent at once to an empty queue, from the
// first send until /metrics shows their jobs completed (ACCEPT_S: until
// the last 202): the queue's own work per job (River's fetch, the event
// read, the running mark, the dispatch to the pull request job, which
// declines a draft, and the completion transaction), not a plan's.
package main
