package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	src := "."
	switch {
	case len(args) == 3 && args[1] == "-src":
		src = args[2]
	case len(args) != 1:
		fmt.Fprintln(stderr, "usage: go test -bench … | benchtable [-src MODULE_DIR]")
		return 2
	}
	walks, err := walksFromSource(src)
	if err != nil {
		fmt.Fprintln(stderr, "benchtable:", err)
		return 2
	}
	res, err := parse(stdin)
	if err != nil {
		fmt.Fprintln(stderr, "benchtable:", err)
		return 2
	}
	if err := res.write(stdout, walks); err != nil {
		fmt.Fprintln(stderr, "benchtable:", err)
		return 2
	}
	if len(res.failures) > 0 {
		return 1
	}
	return 0
}
