// Package layout is the sandbox's table of components: their names, default
// ports and titles, the mail catcher's SMTP port, and how a flag is named in
// the environment. It depends on nothing, so that what only needs the table
// (a container module, a command's help) does not link the components.
package layout

import "strings"

// Component is one part of the sandbox.
type Component struct {
	Name  string // as in "serve NAME" and the flags (--NAME-port)
	Port  int    // the default port
	Title string
}

// Components lists the components in start order.
func Components() []Component {
	return []Component{
		{"proconnect", 7100, "ProConnect (reference core)"},
		{"franceconnect", 7101, "FranceConnect (mock)"},
		{"sirene", 7102, "register: INSEE Sirene + RNE (mock)"},
		{"piste", 7103, "PISTE (mock)"},
		{"mailbox", 7105, "mail catcher (SMTP on its own port)"},
		{"portal", 7104, "reference portal"},
		{"apientreprise", 7106, "API Entreprise: Infogreffe mandataires sociaux (mock)"},
	}
}

// SMTPPort is the mail catcher's default SMTP port; SMTPKey names it in a
// map of ports (sandbox.Config.Ports).
const (
	SMTPPort = 7125
	SMTPKey  = "mailbox-smtp"
)

// Names returns the components' names, in start order.
func Names() []string {
	var out []string
	for _, c := range Components() {
		out = append(out, c.Name)
	}
	return out
}

// Get returns a component by name.
func Get(name string) (Component, bool) {
	for _, c := range Components() {
		if c.Name == name {
			return c, true
		}
	}
	return Component{}, false
}

// EnvPrefix starts every environment variable of the sandbox.
const EnvPrefix = "PROCONNECT_SANDBOX_"

// EnvName is the environment variable of a flag: --franceconnect-port is
// PROCONNECT_SANDBOX_FRANCECONNECT_PORT.
func EnvName(flag string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}
