package proconnect

import "context"

// ControlState is the control API's state that several replicas of the core
// on one store must see alike: the parts a control call changes (the
// clocks, the faults, the delivery holds, the event-signing keys), the
// counters that fault counts are consumed from, and the journals read back
// (exchanges, delivery attempts) under one numbering. The control package
// gives each part its meaning; here they are opaque bytes.
//
// Every change bumps one generation number, so a replica knows with one
// small read whether what it holds in memory is still current
// (ControlGeneration), and reloads the parts only when it is not.
type ControlState interface {
	// ControlGeneration returns the generation of the control state: it
	// grows with every change (UpdateControlPart, ResetControl).
	ControlGeneration(ctx context.Context) (int64, error)
	// ControlParts returns every part and the generation they are at.
	ControlParts(ctx context.Context) (int64, map[string][]byte, error)
	// UpdateControlPart replaces the part name by what update makes of its
	// current value (nil when it has none), with no other update of that
	// part in between on any replica, and returns the new generation. An
	// error from update leaves the part and the generation as they were,
	// and is returned.
	UpdateControlPart(ctx context.Context, name string, update func(old []byte) ([]byte, error)) (int64, error)
	// ResetControl forgets every part and counter (not the journals: see
	// ClearControlJournal) and returns the new generation.
	ResetControl(ctx context.Context) (int64, error)

	// TakeControlCounter consumes one from the counter name, which starts
	// at initial the first time it is taken from, and says whether there
	// was one left: of concurrent takers of the last one, one only gets it.
	TakeControlCounter(ctx context.Context, name string, initial int64) (bool, error)
	// ControlCounters returns how many each counter taken from has left.
	ControlCounters(ctx context.Context) (map[string]int64, error)
	// DeleteControlCounters forgets the counters named (a cleared fault's).
	DeleteControlCounters(ctx context.Context, names []string) error

	// AppendControlJournal adds an entry to the journal stream, unnumbered.
	// The store keeps at least the keep newest entries of a stream.
	AppendControlJournal(ctx context.Context, stream string, data []byte, keep int) error
	// ControlJournal numbers the entries appended since the last read (in
	// the order they were appended), then returns those numbered after
	// since, oldest first. An entry is numbered once, at the first read
	// that sees it, after every entry a read returned before: a reader's
	// cursor (since) never skips one, whichever replica wrote it.
	ControlJournal(ctx context.Context, stream string, since uint64, keep int) ([]JournalRecord, error)
	// ClearControlJournal forgets a stream's entries; its numbering goes on.
	ClearControlJournal(ctx context.Context, stream string) error
}

// JournalRecord is one entry of a control journal stream.
type JournalRecord struct {
	Seq  uint64
	Data []byte
}

// Replicated is implemented by a store that several processes open at once
// (PostgreSQL): the core then keeps its control state in the store
// (ControlState) instead of its own memory, so that a control call made
// through one replica reaches them all.
type Replicated interface {
	SharedByReplicas() bool
}
