// Command benchrun measures plumb plan against a shell loop of raw
// `tofu init && tofu plan -out` over the same 20 generated projects, in one
// run, and prints one tab-separated line for scripts/bench.sh:
//
//	raw_serial_s  plumb_serial_s  plumb_parallel2_s  warm_affected_s  warm_all_s
//	raw_parallel2_s  raw_show_serial_s  raw_cpu_s  plumb_cpu_s
//
// The warm figures follow a one-line change to one project, with the data
// dir of the serial (cold) run: plumb plan --base/--head plans only the
// affected project; plumb plan --ref HEAD plans all 20 again.
//
// The last four are the yardsticks the ratios need on a given machine:
// the raw loop two at a time (what two workers can gain at best), the raw
// loop with the `show -json` every plumb plan also runs (the engine work
// plumb cannot skip: it needs the plan as JSON), and the CPU time, user
// plus system, of the serial raw loop and of the serial plumb plan with
// every process they started.
//
// It expects .tools/env.sh to be sourced (tofu on PATH, the mirror config).
package main
