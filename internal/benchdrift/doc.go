// Command benchdrift measures a drift sweep for `make bench`: 200
// generated projects swept by the real plumb binary with two workers (the
// wall time and plumb's peak RSS), against single-project checks each run
// alone (every 5th project, its check's own duration, scaled to all 200).
// It prints "wall_s sum_s workers peak_rss_kb projects cpu_s cores": the
// sweep's CPU (plumb and its engines) over the cores is the least wall
// time any sweep of these checks could take on this machine.
package main
