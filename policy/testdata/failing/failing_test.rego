# A policy test that fails and one that errors, so verify_test can show
# Verify reports both.
package main

test_fails if {
	1 == 2
}

# Two values for one complete rule: an evaluation error, not a failure.
conflict := x if some x in [1, 2]

test_errors if {
	conflict == 1
}

test_passes if {
	1 == 1
}
