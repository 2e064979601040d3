package sandbox

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/layout"
)

// These benchmarks split what `up` does between main and every component
// answering (issue 14: ready in 25 ms): the fixtures, each component's
// construction, and the whole Start. go test ./sandbox -run '^$' -bench
// 'Build|Start|Fixtures' -benchmem.

// BenchmarkFixturesDefault parses and checks the embedded fixtures, as
// every start does.
func BenchmarkFixturesDefault(b *testing.B) {
	for b.Loop() {
		if _, err := fixtures.Default(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuild builds each component as Start does, without listening.
func BenchmarkBuild(b *testing.B) {
	set, err := fixtures.Default()
	if err != nil {
		b.Fatal(err)
	}
	peers := map[string]Peer{}
	for _, c := range layout.Components() {
		u := "http://127.0.0.1:" + strconv.Itoa(c.Port)
		peers[c.Name] = Peer{Public: u, Internal: u, SMTP: "127.0.0.1:" + strconv.Itoa(layout.SMTPPort)}
	}
	for _, c := range layout.Components() {
		b.Run(c.Name, func(b *testing.B) {
			for b.Loop() {
				var smtp net.Listener
				if c.Name == "mailbox" {
					if smtp, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
						b.Fatal(err)
					}
				}
				kit := control.NewKit(c.Name, nil, "")
				h, err := builders[c.Name](buildEnv{public: peers[c.Name].Public, internal: peers[c.Name].Internal,
					peers: peers, fixtures: set, kit: kit, log: slog.New(slog.DiscardHandler), smtp: smtp})
				if err != nil {
					b.Fatal(err)
				}
				closeBuilt(h)
				if smtp != nil {
					_ = smtp.Close()
				}
			}
		})
	}
}

// BenchmarkBuildCoreSQLite builds the core on SQLite (up --data): the
// store's opening and schema come on top of BenchmarkBuild/proconnect.
func BenchmarkBuildCoreSQLite(b *testing.B) {
	set, err := fixtures.Default()
	if err != nil {
		b.Fatal(err)
	}
	peers := map[string]Peer{}
	for _, c := range layout.Components() {
		u := "http://127.0.0.1:" + strconv.Itoa(c.Port)
		peers[c.Name] = Peer{Public: u, Internal: u}
	}
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		b.StartTimer()
		h, err := buildCore(buildEnv{public: peers["proconnect"].Public, internal: peers["proconnect"].Internal,
			peers: peers, fixtures: set, kit: control.NewKit("proconnect", nil, ""), log: slog.New(slog.DiscardHandler), dataDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		closeBuilt(h)
	}
}

// closeBuilt stops what a builder started in the background: a handler
// with a Run method (the core, the mailbox) closes its resources once Run's
// context is done.
func closeBuilt(h http.Handler) {
	r, ok := h.(runner)
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = r.Run(ctx)
}

// BenchmarkStart starts and closes the whole sandbox, on free ports.
func BenchmarkStart(b *testing.B) {
	set, err := fixtures.Default()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		s, err := Start(ctx, Config{Ports: FreePorts(), Fixtures: set})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := s.Close(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
