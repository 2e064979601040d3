package sirene_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/insee"
	"github.com/proconnect-sandbox/proconnect-sandbox/internal/benchcpu"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/sirene"
)

// BenchmarkLookup measures INSEE unit lookups over loopback HTTP at
// concurrency 8 — fixture units, and synthetic units never read before
// (every request a new SIREN) — and reports the process's memory from the OS
// after the run (MB-sys), which must stay flat however many SIRENs are read.
// api=prive is the core's path: the private API (api-sirene/prive/3.11)
// with a bearer token of the password grant, fetched once and reused;
// api=public is the public API with its X-INSEE-Api-Key-Integration.
// Each answer is decoded as the core's register client decodes it (the
// unit's identity and periods) and its siren checked. Run with -cpu 2.
func BenchmarkLookup(b *testing.B) {
	for _, c := range []struct{ api, kind string }{
		{"prive", "fixture"}, {"prive", "synthetic"}, {"public", "fixture"}, {"public", "synthetic"},
	} {
		kind := c.kind
		b.Run("api="+c.api+"/"+kind, func(b *testing.B) {
			r := newRegister(b)
			prefix, header, value := "/api-sirene/3.11/siren/", sirene.APIKeyHeader, sirene.DemoAPIKey
			if c.api == "prive" {
				prefix, header, value = "/api-sirene/prive/3.11/siren/", "Authorization", "Bearer "+r.inseeToken(b)
			}
			transport := &http.Transport{MaxIdleConnsPerHost: 64}
			b.Cleanup(transport.CloseIdleConnections)
			client := &http.Client{Transport: transport}
			var n atomic.Uint64
			next := func() string {
				if kind == "fixture" {
					return "901001008"
				}
				prefix := fmt.Sprintf("%08d", 10_000_000+n.Add(1)%89_000_000)
				return prefix + string(insee.LuhnKey(prefix))
			}
			b.SetParallelism((8 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.ReportAllocs()
			b.ResetTimer()
			start, cpu := time.Now(), benchcpu.Self()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					siren := next()
					req, _ := http.NewRequest(http.MethodGet, r.base+prefix+siren, nil)
					req.Header.Set(header, value)
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					var unit clientUnit
					err = json.NewDecoder(resp.Body).Decode(&unit)
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 || err != nil || unit.UniteLegale.Siren != siren || len(unit.UniteLegale.Periodes) == 0 {
						b.Errorf("status %d, %v, siren %q", resp.StatusCode, err, unit.UniteLegale.Siren)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "lookups/s")
			benchcpu.Report(b, cpu)
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.Sys)/(1<<20), "MB-sys")
			b.Logf("%s SIRENs read: %s", kind, strconv.Itoa(b.N))
		})
	}
}

// clientUnit is what a client of the register reads of a unit: the core's
// register client (proconnect/httpapi) decodes these members.
type clientUnit struct {
	UniteLegale struct {
		Siren         string  `json:"siren"`
		Sexe          *string `json:"sexeUniteLegale"`
		Prenom1       *string `json:"prenom1UniteLegale"`
		DateNaissance *string `json:"dateNaissanceUniteLegale"`
		CommuneNaiss  *string `json:"codeCommuneNaissanceUniteLegale"`
		PaysNaiss     *string `json:"codePaysNaissanceUniteLegale"`
		Periodes      []struct {
			DateFin      *string `json:"dateFin"`
			Etat         string  `json:"etatAdministratifUniteLegale"`
			Nom          *string `json:"nomUniteLegale"`
			Denomination *string `json:"denominationUniteLegale"`
			Categorie    string  `json:"categorieJuridiqueUniteLegale"`
		} `json:"periodesUniteLegale"`
	} `json:"uniteLegale"`
}
