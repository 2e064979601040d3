// Package filelock holds an exclusive lock on a file while a process uses
// what the file guards (the core's database), and says who holds it when
// another process asks: two processes draining one outbox would each send
// its mail and events.
//
// The lock is the operating system's (flock on Unix, LockFileEx on
// Windows): it goes with the process, so a crash never leaves a stale lock
// behind. The file's content only describes the holder, for the message.
package filelock

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Lock is a held lock; Release gives it back.
type Lock struct{ f *os.File }

// HeldError says that another process holds the lock.
type HeldError struct {
	Path string
	// Holder describes the holding process as it wrote itself down (pid,
	// host, start, command), or is empty when it could not be read.
	Holder string
}

func (e *HeldError) Error() string {
	if e.Holder == "" {
		return e.Path + " is locked by another process"
	}
	return e.Path + " is locked by " + e.Holder
}

// errHeld is what the platform's try-lock returns when the lock is taken.
var errHeld = errors.New("held")

// Acquire takes the lock on path (created if missing) without waiting.
// It returns a *HeldError when another process (or another Acquire of this
// process) holds it.
func Acquire(path string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := tryLock(f); err != nil {
		f.Close()
		if errors.Is(err, errHeld) {
			return nil, &HeldError{Path: path, Holder: holder(path)}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	host, _ := os.Hostname()
	desc := fmt.Sprintf("process %d on %s since %s (%s)\n", os.Getpid(), host,
		time.Now().UTC().Format(time.RFC3339), strings.Join(os.Args, " "))
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(desc), 0)
	}
	return &Lock{f: f}, nil
}

// Release gives the lock back. The file stays: removing it would let a
// third process lock a new file while a second still waits on the old one.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

// holder reads the holder's description, on one line.
func holder(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
