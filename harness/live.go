package harness

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// liveWriter keeps a status line at the bottom of a terminal while godog
// writes above it: before each write it clears the line, after a write that
// ends a line it draws it again.
type liveWriter struct {
	mu    sync.Mutex
	out   io.Writer
	line  string
	shown bool
	// midLine: godog left the cursor inside a line (progress dots); the
	// status line waits for the line's end rather than erase it.
	midLine bool
}

func (l *liveWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shown {
		_, _ = io.WriteString(l.out, "\r\033[K")
		l.shown = false
	}
	n, err := l.out.Write(p)
	if len(p) > 0 {
		l.midLine = !bytes.HasSuffix(p, []byte("\n"))
	}
	if err == nil && !l.midLine {
		l.draw()
	}
	return n, err
}

// set changes the status line and draws it.
func (l *liveWriter) set(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shown {
		_, _ = io.WriteString(l.out, "\r\033[K")
	}
	l.line = line
	if !l.midLine {
		l.draw()
	}
}

func (l *liveWriter) draw() {
	if l.line != "" {
		_, _ = io.WriteString(l.out, l.line)
		l.shown = true
	}
}

// done removes the status line for good.
func (l *liveWriter) done() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shown {
		_, _ = io.WriteString(l.out, "\r\033[K")
		l.shown = false
	}
	l.line = ""
}

func liveLine(done, total, failed, na int) string {
	s := fmt.Sprintf("… %d/%d scénarios", done, total)
	if failed > 0 {
		s += fmt.Sprintf(", %d en échec", failed)
	}
	if na > 0 {
		s += fmt.Sprintf(", %d non applicable(s)", na)
	}
	return s
}
