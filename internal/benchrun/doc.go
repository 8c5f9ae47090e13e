// Command benchrun measures plumb plan against a shell loop of raw
// `tofu init && tofu plan -out` over the same 20 generated projects, in one
// run, with one engine: the newest OpenTofu `make tools` built (-tofu), put
// first on PATH for the loops and given to plumb as its only bin dir. It
// prints one tab-separated line for scripts/bench.sh:
//
//	raw_serial_s  plumb_serial_s  plumb_parallel2_s  warm_affected_s  warm_all_s
//	raw_parallel2_s  raw_show_serial_s  raw_cpu_s  plumb_cpu_s  engine_version
//
// The serial and two-at-a-time runs of the raw loop and of plumb are
// interleaved, raw then plumb, -rounds times, each on a fresh copy and data
// dir, and each figure is the median of its rounds: a machine's slow
// minute then weighs on both sides alike. CPU is user plus system time of
// the serial runs with every process they started (the engines and
// providers), median too. The warm figures follow a one-line change to one
// project, with the data dir of the first serial plumb run: plumb plan
// --base/--head plans only the affected project; plumb plan --ref HEAD
// plans all 20 again. The raw loop with `show -json` after each plan is
// the yardstick for what reading the plan document costs.
package main
