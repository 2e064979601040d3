package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/testserver"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/sirene"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// inseeRegister starts the register mock, counting the password grants it
// answers, and a register client with the demo credentials (or cfg's).
func inseeRegister(t *testing.T, cfg Config) (*registerClient, *sirene.Mock, *atomic.Int32) {
	t.Helper()
	var grants atomic.Int32
	var mock *sirene.Mock
	base := testserver.Start(t, func(base string) (http.Handler, error) {
		m, err := sirene.New(sirene.Config{PublicURL: base, Fixtures: testserver.Fixtures(t)})
		mock = m
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == sirene.INSEETokenPath {
				grants.Add(1)
			}
			m.ServeHTTP(w, r)
		}), err
	})
	cfg.SireneURL, cfg.HTTPClient = base, &http.Client{Timeout: 5 * time.Second}
	if cfg.INSEEClientID == "" {
		cfg.INSEEClientID, cfg.INSEEClientSecret = sirene.DemoINSEEClientID, sirene.DemoINSEEClientSecret
		cfg.INSEEUser, cfg.INSEEPassword = sirene.DemoINSEEUser, sirene.DemoINSEEPassword
	}
	return newRegisterClient(cfg), mock, &grants
}

// eiSIREN is an entrepreneur individuel of the fixtures: one INSEE call,
// no RNE one.
const eiSIREN = "901004002"

func TestINSEETokenIsFetchedOnceAndReused(t *testing.T) {
	r, _, grants := inseeRegister(t, Config{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := r.Company(context.Background(), eiSIREN)
			if err == nil && (!c.Found || len(c.Candidates) != 1) {
				err = fmt.Errorf("company %+v", c)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Company(context.Background(), eiSIREN); err != nil {
		t.Fatal(err)
	}
	if n := grants.Load(); n != 1 {
		t.Errorf("%d password grants for 17 lookups, want 1", n)
	}
}

func TestINSEETokenIsRenewedAfterA401(t *testing.T) {
	r, mock, grants := inseeRegister(t, Config{})
	if _, err := r.Company(context.Background(), eiSIREN); err != nil {
		t.Fatal(err)
	}
	// The mock's clock goes past the token's expiry; the core's does not,
	// so the core learns it from the API's 401.
	if err := mock.Kit().Clock.Advance(sirene.INSEETokenTTL + time.Second); err != nil {
		t.Fatal(err)
	}
	c, err := r.Company(context.Background(), eiSIREN)
	if err != nil || !c.Found {
		t.Fatalf("after expiry: %+v %v", c, err)
	}
	if n := grants.Load(); n != 2 {
		t.Errorf("%d password grants, want 2", n)
	}
	if _, err := r.Company(context.Background(), eiSIREN); err != nil || grants.Load() != 2 {
		t.Errorf("the new token is not reused: %v, %d grants", err, grants.Load())
	}
}

func TestINSEETokenWrongCredentials(t *testing.T) {
	r, _, grants := inseeRegister(t, Config{INSEEClientID: sirene.DemoINSEEClientID, INSEEClientSecret: "wrong",
		INSEEUser: sirene.DemoINSEEUser, INSEEPassword: sirene.DemoINSEEPassword})
	_, err := r.Company(context.Background(), eiSIREN)
	if !errors.Is(err, proconnect.ErrUnavailable) {
		t.Fatalf("err %v, want ErrUnavailable", err)
	}
	if _, err := r.Company(context.Background(), eiSIREN); err == nil || grants.Load() != 2 {
		t.Errorf("a refused grant is not cached: %v, %d grants", err, grants.Load())
	}
}

// fakeINSEE is a token endpoint and private API that give tokens of a fixed
// lifetime and accept only the last one, counting the grants.
type fakeINSEE struct {
	expiresIn int
	grants    atomic.Int32
	refuseAll bool
	noToken   bool // a 200 without access_token
}

func (f *fakeINSEE) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case inseeTokenPath:
		if r.PostFormValue("grant_type") != "password" || r.PostFormValue("client_id") != "c" || r.PostFormValue("client_secret") != "s" ||
			r.PostFormValue("username") != "u" || r.PostFormValue("password") != "p" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_grant","error_description":"Invalid user credentials"}`))
			return
		}
		n := f.grants.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if f.noToken {
			fmt.Fprintf(w, `{"expires_in":%d,"token_type":"Bearer"}`, f.expiresIn)
			return
		}
		fmt.Fprintf(w, `{"access_token":"t%d","expires_in":%d,"token_type":"Bearer"}`, n, f.expiresIn)
	default:
		if f.refuseAll || r.Header.Get("Authorization") != fmt.Sprintf("Bearer t%d", f.grants.Load()) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"uniteLegale":{"siren":"901004002","periodesUniteLegale":[{"dateFin":null,"etatAdministratifUniteLegale":"A","nomUniteLegale":"X","categorieJuridiqueUniteLegale":"1000"}]}}`))
	}
}

func TestINSEETokenRenewal(t *testing.T) {
	cases := []struct {
		name      string
		expiresIn int
		refuseAll bool
		noToken   bool
		wantErr   bool
		grants    int32 // after three lookups
	}{
		{"long-lived token: one grant", 3600, false, false, false, 1},
		// x/oauth2 renews a token 10 s before its expiry: a 5 s token is
		// renewed before each call.
		{"short-lived token: renewed before expiry", 5, false, false, false, 3},
		{"the API refuses every token: one renewal per lookup, then an error", 3600, true, false, true, 4},
		{"a grant without access_token is an error, not cached", 3600, false, true, true, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeINSEE{expiresIn: c.expiresIn, refuseAll: c.refuseAll, noToken: c.noToken}
			srv := httptest.NewServer(f)
			t.Cleanup(srv.Close)
			r := newRegisterClient(Config{SireneURL: srv.URL, HTTPClient: srv.Client(),
				INSEEClientID: "c", INSEEClientSecret: "s", INSEEUser: "u", INSEEPassword: "p"})
			for range 3 {
				_, err := r.Company(context.Background(), eiSIREN)
				if (err != nil) != c.wantErr || (err != nil && !errors.Is(err, proconnect.ErrUnavailable)) {
					t.Fatalf("err %v", err)
				}
			}
			if n := f.grants.Load(); n != c.grants {
				t.Errorf("%d grants, want %d", n, c.grants)
			}
		})
	}
}

func TestINSEETokenURLOverride(t *testing.T) {
	f := &fakeINSEE{expiresIn: 3600}
	auth := httptest.NewServer(f)
	t.Cleanup(auth.Close)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == inseeTokenPath {
			t.Error("the token was asked of the API host")
		}
		f.ServeHTTP(w, r)
	}))
	t.Cleanup(api.Close)
	r := newRegisterClient(Config{SireneURL: api.URL, INSEETokenURL: auth.URL + inseeTokenPath, HTTPClient: http.DefaultClient,
		INSEEClientID: "c", INSEEClientSecret: "s", INSEEUser: "u", INSEEPassword: "p"})
	if _, err := r.Company(context.Background(), eiSIREN); err != nil || f.grants.Load() != 1 {
		t.Errorf("err %v, %d grants", err, f.grants.Load())
	}
}
