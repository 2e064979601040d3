package franceconnect

import (
	"maps"
	"time"

	"github.com/ory/fosite"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

// session is what FranceConnect remembers of one authorization, from the
// login to the userinfo call: the identity as it was at login, the pairwise
// sub and what goes into the id_token.
type session struct {
	Subject  string
	ClientID string
	Nonce    string
	AuthTime time.Time
	ACR      string
	AMR      []string // set only when the client asked for amr in claims
	IdPAMR   []string // the identity provider's amr, for the amr scope
	IdPID    string
	Persona  *fixtures.Persona // shared, never changed

	expires map[fosite.TokenType]time.Time
}

var _ fosite.Session = (*session)(nil)

func (s *session) SetExpiresAt(key fosite.TokenType, exp time.Time) {
	if s.expires == nil {
		s.expires = map[fosite.TokenType]time.Time{}
	}
	s.expires[key] = exp
}

func (s *session) GetExpiresAt(key fosite.TokenType) time.Time { return s.expires[key] }
func (s *session) GetUsername() string {
	if s.Persona == nil {
		return ""
	}
	return s.Persona.Login
}
func (s *session) GetSubject() string { return s.Subject }

func (s *session) Clone() fosite.Session {
	if s == nil {
		return nil
	}
	c := *s
	c.expires = maps.Clone(s.expires)
	return &c
}
