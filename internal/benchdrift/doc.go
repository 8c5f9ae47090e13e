// Command benchdrift measures a drift sweep for `make bench`: 200
// generated projects swept by the real plumb binary once one at a time
// (the sum of single-project check times) and once with two workers (the
// wall time and plumb's peak RSS), each on a cold data dir. It prints
// "wall_s sum_s workers peak_rss_kb projects".
package main
