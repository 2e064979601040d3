package inmem_test

import (
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/inmem"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(*testing.T) proconnect.Store { return inmem.New() })
}
