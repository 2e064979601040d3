package harness

import (
	"strconv"
	"strings"
	"time"
)

// frenchDuration says a run's duration as people in France write it: in
// seconds, one decimal, a decimal comma ("6,1 s").
func frenchDuration(d time.Duration) string {
	return strings.Replace(strconv.FormatFloat(d.Seconds(), 'f', 1, 64), ".", ",", 1) + " s"
}
