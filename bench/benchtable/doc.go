// Command benchtable reads the output of go test -bench (one or several
// packages, any -count) and prints one table: each benchmark, what it walks
// (from its doc comment), and for each of its units the median of the runs
// with their minimum and maximum. It needs no benchstat, and does none of
// benchstat's statistics: a median and a range, which is what a reader can
// check by eye. scripts/bench runs it.
package main
