package franceconnect

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ssoSession is FranceConnect's own session: once logged in, the next
// authorize (from any service) logs the same persona in at once.
type ssoSession struct {
	login   string
	created time.Time
}

// ssoSessions keeps nothing per session: the cookie carries the session
// (login and start, base64url, with an HMAC-SHA256 under a key drawn at
// start and on reset, which ends every session). Kept in memory, one entry
// per login for 30 min grew with the flows served (issue 14). Only the
// sessions ended by a logout are remembered, until they would have expired.
type ssoSessions struct {
	key   atomic.Pointer[[32]byte]
	ended sync.Map // cookie MAC → session start (time.Time)
}

func (s *ssoSessions) mac(payload string) []byte {
	k := s.key.Load()
	if k == nil {
		var fresh [32]byte
		_, _ = rand.Read(fresh[:]) // crypto/rand.Read never fails (Go 1.24+)
		if !s.key.CompareAndSwap(nil, &fresh) {
			k = s.key.Load()
		} else {
			k = &fresh
		}
	}
	h := hmac.New(sha256.New, k[:])
	h.Write([]byte(payload))
	return h.Sum(nil)
}

// cookie returns the cookie value of a session.
func (s *ssoSessions) cookie(login string, created time.Time) string {
	payload := base64.RawURLEncoding.EncodeToString([]byte(login)) + "." + strconv.FormatInt(created.UnixNano(), 36)
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

// open returns the session of a cookie value if its MAC is right and no
// logout ended it; the caller checks its age.
func (s *ssoSessions) open(v string) (ssoSession, string, bool) {
	i := strings.LastIndexByte(v, '.')
	if i < 0 {
		return ssoSession{}, "", false
	}
	payload, sum := v[:i], v[i+1:]
	got, err := base64.RawURLEncoding.DecodeString(sum)
	if err != nil || !hmac.Equal(got, s.mac(payload)) {
		return ssoSession{}, "", false
	}
	if _, ended := s.ended.Load(sum); ended {
		return ssoSession{}, "", false
	}
	rawLogin, rawTime, ok := strings.Cut(payload, ".")
	login, err1 := base64.RawURLEncoding.DecodeString(rawLogin)
	ns, err2 := strconv.ParseInt(rawTime, 36, 64)
	if !ok || err1 != nil || err2 != nil {
		return ssoSession{}, "", false
	}
	return ssoSession{login: string(login), created: time.Unix(0, ns)}, sum, true
}

// end forgets a session (logout) for as long as its cookie would be valid.
func (s *ssoSessions) end(v string) {
	if sess, sum, ok := s.open(v); ok {
		s.ended.Store(sum, sess.created)
	}
}

// sweep forgets the ended sessions that have expired anyway.
func (s *ssoSessions) sweep(now time.Time) {
	s.ended.Range(func(k, v any) bool {
		if now.Sub(v.(time.Time)) > ssoTTL {
			s.ended.Delete(k)
		}
		return true
	})
}

// reset ends every session: a new key.
func (s *ssoSessions) reset() {
	s.key.Store(nil)
	s.ended.Clear()
}

func (m *Mock) startSSO(w http.ResponseWriter, login string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: m.sso.cookie(login, m.now()), Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func (m *Mock) ssoSession(r *http.Request) (*ssoSession, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, false
	}
	s, _, ok := m.sso.open(c.Value)
	if !ok || m.now().Sub(s.created) > ssoTTL {
		return nil, false
	}
	return &s, true
}

// endSSO ends the session of the request's cookie, if any (logout).
func (m *Mock) endSSO(r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		m.sso.end(c.Value)
	}
}
