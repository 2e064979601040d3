package harness

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/proconnect-sandbox/proconnect-sandbox/pspevent"
)

// The portail suite sends the portal events as ProConnect would, signed with
// the core's public test key, or with one defect each: what the portal
// contract (docs/contrat-portail.md, PSP-EVT-2 to PSP-EVT-7) says a portal
// must refuse.

// forgery is an event being forged.
type forgery struct {
	claims map[string]any
	key    any // the signing key
	alg    jose.SignatureAlgorithm
	kid    string // "" leaves it out
	typ    string // "" leaves it out
	header map[jose.HeaderKey]any
	embed  bool   // the public key in the jwk header
	tamper bool   // a signature byte changed after signing
	raw    string // sent as is when set
}

// attacker is a key that is not ProConnect's, with a self-signed
// certificate: what a forger signs with and offers in headers. Made once
// per run, never per event.
type attacker struct {
	once sync.Once
	key  *ecdsa.PrivateKey
	cert []byte // DER
	err  error
}

func (a *attacker) get() (*ecdsa.PrivateKey, []byte, error) {
	a.once.Do(func() {
		a.key, a.err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if a.err != nil {
			return
		}
		tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ProConnect (imposteur)"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour)}
		a.cert, a.err = x509.CreateCertificate(rand.Reader, tpl, tpl, &a.key.PublicKey, a.key)
	})
	return a.key, a.cert, a.err
}

// eventDefects are the defects a scenario names, each a change to a correct
// forgery.
var eventDefects = map[string]func(w *world, f *forgery) error{
	// PSP-EVT-2: the signature
	"signé par une autre clé": func(w *world, f *forgery) error {
		k, _, err := w.env.attacker.get()
		f.key = k
		return err
	},
	"avec un kid inconnu":        func(_ *world, f *forgery) error { f.kid = "kid-inconnu-" + randomHex(4); return nil },
	"sans kid":                   func(_ *world, f *forgery) error { f.kid = ""; return nil },
	"non signé (alg none)":       func(_ *world, f *forgery) error { f.raw = unsigned(f.claims, f.kid); return nil },
	"avec une signature altérée": func(_ *world, f *forgery) error { f.tamper = true; return nil },
	"signé HS256 avec la clé publique de ProConnect": func(w *world, f *forgery) error {
		k, ok := f.key.(*ecdsa.PrivateKey)
		if !ok {
			return fmt.Errorf("la clé du cœur n'est pas ECDSA")
		}
		der, err := x509.MarshalPKIXPublicKey(k.Public())
		f.key, f.alg = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), jose.HS256
		return err
	},
	// PSP-EVT-3: a key offered by the event itself
	"qui porte sa clé dans l'en-tête jwk": func(w *world, f *forgery) error {
		k, _, err := w.env.attacker.get()
		f.key, f.embed = k, true
		return err
	},
	"qui désigne sa clé par jku": func(w *world, f *forgery) error {
		k, _, err := w.env.attacker.get()
		if err != nil {
			return err
		}
		set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.PublicKey, KeyID: f.kid, Algorithm: "ES256", Use: "sig"}}})
		f.key, f.header["jku"] = k, w.env.sink.serve("jwks-imposteur", "application/jwk-set+json", set)
		return nil
	},
	"qui désigne son certificat par x5u": func(w *world, f *forgery) error {
		k, cert, err := w.env.attacker.get()
		if err != nil {
			return err
		}
		chain := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert})
		f.key, f.header["x5u"] = k, w.env.sink.serve("certificat-imposteur.pem", "application/pem-certificate-chain", chain)
		return nil
	},
	"qui porte son certificat dans l'en-tête x5c": func(w *world, f *forgery) error {
		k, cert, err := w.env.attacker.get()
		f.key, f.header["x5c"] = k, []string{base64.StdEncoding.EncodeToString(cert)}
		return err
	},
	// PSP-EVT-4: the type
	"de type JWT":    func(_ *world, f *forgery) error { f.typ = "JWT"; return nil },
	"de type at+jwt": func(_ *world, f *forgery) error { f.typ = "at+jwt"; return nil },
	"sans typ":       func(_ *world, f *forgery) error { f.typ = ""; return nil },
	"avec une extension critique inconnue": func(_ *world, f *forgery) error {
		f.header["crit"] = []string{"urn:proconnect-sandbox:inconnue"}
		f.header["urn:proconnect-sandbox:inconnue"] = true
		return nil
	},
	// PSP-EVT-5: iss and aud, compared exactly
	"pour un autre portail": func(_ *world, f *forgery) error { f.claims["aud"] = "un-autre-portail"; return nil },
	"pour un portail au nom voisin": func(w *world, f *forgery) error {
		f.claims["aud"] = w.declaration().ClientID + "-bis"
		return nil
	},
	"pour le portail écrit en majuscules": func(w *world, f *forgery) error {
		f.claims["aud"] = strings.ToUpper(w.declaration().ClientID)
		return nil
	},
	"pour une liste de portails sans celui-ci": func(w *world, f *forgery) error {
		f.claims["aud"] = []string{"un-autre-portail", w.declaration().ClientID + "-bis"}
		return nil
	},
	"d'un autre émetteur": func(_ *world, f *forgery) error { f.claims["iss"] = "https://imposteur.example.test"; return nil },
	"d'un émetteur écrit avec une barre finale": func(w *world, f *forgery) error {
		f.claims["iss"] = w.env.coreURL + "/"
		return nil
	},
	"d'un émetteur écrit en majuscules": func(w *world, f *forgery) error {
		f.claims["iss"] = strings.ToUpper(w.env.coreURL)
		return nil
	},
	"d'un émetteur dont l'URL prolonge celle de ProConnect": func(w *world, f *forgery) error {
		f.claims["iss"] = w.env.coreURL + "/imposteur"
		return nil
	},
	// PSP-EVT-6: the dates
	"expiré": func(_ *world, f *forgery) error {
		now := time.Now()
		f.claims["iat"], f.claims["exp"] = now.Add(-time.Hour).Unix(), now.Add(-55*time.Minute).Unix()
		return nil
	},
	"expiré depuis 90 secondes": func(_ *world, f *forgery) error {
		// beyond the 60 s of clock skew the contract allows
		now := time.Now()
		f.claims["iat"], f.claims["exp"] = now.Add(-390*time.Second).Unix(), now.Add(-90*time.Second).Unix()
		return nil
	},
	"sans exp": func(_ *world, f *forgery) error { delete(f.claims, "exp"); return nil },
	"émis dans 90 secondes": func(_ *world, f *forgery) error {
		now := time.Now()
		f.claims["iat"], f.claims["exp"] = now.Add(90*time.Second).Unix(), now.Add(390*time.Second).Unix()
		return nil
	},
	"dont les dates ne sont pas des nombres": func(_ *world, f *forgery) error {
		f.claims["iat"], f.claims["exp"] = "hier", map[string]any{"jour": "demain"}
		return nil
	},
	"émis dans une heure": func(_ *world, f *forgery) error {
		now := time.Now()
		f.claims["iat"], f.claims["exp"] = now.Add(time.Hour).Unix(), now.Add(time.Hour+5*time.Minute).Unix()
		return nil
	},
	"sans iat": func(_ *world, f *forgery) error { delete(f.claims, "iat"); return nil },
}

// coreKey returns a ProConnect fixture key by kid (default: the first).
func (w *world) coreKey(kid string) (*ecdsa.PrivateKey, string, error) {
	keys := w.env.fixtures.KeysFor("proconnect")
	for _, k := range keys {
		if kid == "" || k.KID == kid {
			priv, ok := k.Signer.(*ecdsa.PrivateKey)
			if !ok {
				return nil, "", fmt.Errorf("la clé ProConnect %s n'est pas ECDSA", k.KID)
			}
			return priv, k.KID, nil
		}
	}
	return nil, "", fmt.Errorf("aucune clé ProConnect %q dans les fixtures", kid)
}

// newForgery is a correct event of typ with data, for the portal under test,
// dated now (real time) and signed with ProConnect's key kid ("" the first).
func (w *world) newForgery(typ string, data map[string]any, kid string) (*forgery, error) {
	key, kid, err := w.coreKey(kid)
	if err != nil {
		return nil, err
	}
	if w.portal.extraData {
		data["champ_futur"] = map[string]any{"version": 2, "détail": "un champ qu'aucun portail ne connaît encore"}
	}
	now := time.Now()
	return &forgery{key: key, kid: kid, alg: jose.ES256, typ: pspevent.JWSType, header: map[jose.HeaderKey]any{},
		claims: map[string]any{"iss": w.env.coreURL, "aud": w.declaration().ClientID, "iat": now.Unix(),
			"exp": now.Add(5 * time.Minute).Unix(), "jti": randomHex(12), "event_type": typ, "data": data}}, nil
}

// sign serialises the forgery as a compact JWS.
func (f *forgery) sign() (string, error) {
	if f.raw != "" {
		return f.raw, nil
	}
	opts := &jose.SignerOptions{EmbedJWK: f.embed}
	if f.typ != "" {
		opts = opts.WithType(jose.ContentType(f.typ))
	}
	if f.kid != "" {
		opts = opts.WithHeader("kid", f.kid)
	}
	for k, v := range f.header {
		opts = opts.WithHeader(k, v)
	}
	key := f.key
	if f.embed {
		key = jose.JSONWebKey{Key: f.key, KeyID: f.kid}
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: f.alg, Key: key}, opts)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(f.claims)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	raw, err := jws.CompactSerialize()
	if err != nil || !f.tamper {
		return raw, err
	}
	// change one byte of the signature (not the last character, whose
	// low bits base64url may not carry)
	i := strings.LastIndexByte(raw, '.') + 2
	c := byte('A')
	if raw[i] == 'A' {
		c = 'B'
	}
	return raw[:i] + string(c) + raw[i+1:], nil
}

func unsigned(claims map[string]any, kid string) string {
	h, _ := json.Marshal(map[string]string{"alg": "none", "typ": pspevent.JWSType, "kid": kid})
	p, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p) + "."
}

// forgeAndSend forges an event (with a defect when defect is not "") and
// sends it to the portal's events_url; the raw event is kept under name
// (a replay sends it again).
func (w *world) forgeAndSend(typ string, data map[string]any, defect, kid, name string) error {
	f, err := w.newForgery(typ, data, kid)
	if err != nil {
		return err
	}
	if defect != "" {
		change, ok := eventDefects[defect]
		if !ok {
			return fmt.Errorf("défaut d'événement inconnu %q", defect)
		}
		if err := change(w, f); err != nil {
			return err
		}
	}
	raw, err := f.sign()
	if err != nil {
		return err
	}
	if w.portal.sent == nil {
		w.portal.sent, w.portal.forged = map[string]string{}, map[string]*forgery{}
	}
	w.portal.sent[name], w.portal.forged[name] = raw, f
	return w.sendEvent(raw, pspevent.ContentType)
}

// resend signs a sent event again, dated now, with its jti: what ProConnect
// does on each retry.
func (w *world) resend(name string) error {
	f, ok := w.portal.forged[name]
	if !ok {
		return fmt.Errorf("aucun événement %s n'a été envoyé dans ce scénario", name)
	}
	now := time.Now()
	f.claims["iat"], f.claims["exp"] = now.Unix(), now.Add(5*time.Minute).Unix()
	raw, err := f.sign()
	if err != nil {
		return err
	}
	return w.sendEvent(raw, pspevent.ContentType)
}

// sendEvent posts a body to the portal's events_url, as ProConnect does.
func (w *world) sendEvent(body, contentType string) error {
	d := w.declaration()
	start := time.Now()
	err := w.call(http.MethodPost, d.EventsURL, map[string]string{"Content-Type": contentType}, []byte(body))
	w.http.elapsed = time.Since(start)
	return err
}
