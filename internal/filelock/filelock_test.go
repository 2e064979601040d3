package filelock

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestSecondAcquireSaysWhoHolds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db.lock")
	l, err := Acquire(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(path)
	var held *HeldError
	if !errors.As(err, &held) {
		t.Fatalf("second acquire: %v, want a HeldError", err)
	}
	if !strings.Contains(held.Holder, "process "+strconv.Itoa(os.Getpid())) {
		t.Errorf("holder %q does not name this process", held.Holder)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := Acquire(path)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	_ = l2.Release()
	_ = l2.Release() // twice is harmless
}
