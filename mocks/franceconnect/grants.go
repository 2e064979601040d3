package franceconnect

import (
	"reflect"

	"github.com/ory/fosite"
)

// grant is what the access tokens of one client, scope list and identity
// provider have in common: kept once and shared, where each token carried
// its own copy of these 80 bytes of fields for its lifetime (issue 14).
// Never changed once made.
type grant struct {
	client fosite.Client
	scopes fosite.Arguments // granted, interned (scopeLists)
	idpID  string
	idpAMR []string // shared with the profile
}

// grants interns grants. Their number is the product of a few clients,
// scope lists and identity providers; past maxGrants, a token gets a grant
// of its own.
type grants struct {
	internTable[grantKey, *grant]
}

const maxGrants = 4096

// grantKey identifies a grant by identity: the client (a pointer, which a
// client replaced at run time changes), the interned scope list and the
// shared amr list (their first elements' addresses and lengths).
type grantKey struct {
	client        fosite.Client
	scopes, amr   *string
	nScopes, nAMR int
	idpID         string
}

// intern returns the shared grant of these values, which callers must not
// change. scopes must be an interned list (scopeLists) to be shared.
func (g *grants) intern(client fosite.Client, scopes fosite.Arguments, idpID string, idpAMR []string) *grant {
	fresh := func() *grant { return &grant{client: client, scopes: scopes, idpID: idpID, idpAMR: idpAMR} }
	// only a pointer is a safe (comparable) and exact key for a client
	if client == nil || reflect.TypeOf(client).Kind() != reflect.Pointer {
		return fresh()
	}
	k := grantKey{client: client, idpID: idpID, nScopes: len(scopes), nAMR: len(idpAMR)}
	if len(scopes) > 0 {
		k.scopes = &scopes[0]
	}
	if len(idpAMR) > 0 {
		k.amr = &idpAMR[0]
	}
	return g.internTable.intern(k, maxGrants, fresh)
}
