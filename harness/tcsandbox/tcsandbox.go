// Package tcsandbox runs the ProConnect sandbox in a container for Go tests,
// as a testcontainers-go module:
//
//	sb, err := tcsandbox.Run(ctx, "proconnect-sandbox:dev")
//	defer testcontainers.TerminateContainer(sb)
//	core := sb.ProConnectURL() // http://localhost:PORT, as browsers and tokens see it
//
// Every component runs in one container (proconnect-sandbox up). Its public
// URLs are the host's ports, chosen before the start, so the issuers and
// redirections the components write are the ones a test's HTTP client and
// browser can follow.
package tcsandbox

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/layout"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// DefaultControlToken protects the control API; the container listens on
// all its interfaces, so one is required.
const DefaultControlToken = "sandbox-testcontainers"

// Container is a running sandbox.
type Container struct {
	testcontainers.Container
	urls         map[string]string
	smtp         string
	controlToken string
}

// URL returns a component's public URL (proconnect, franceconnect, sirene,
// piste, portal, mailbox, apientreprise), or "".
func (c *Container) URL(component string) string { return c.urls[component] }

// ProConnectURL is the core's public URL.
func (c *Container) ProConnectURL() string { return c.urls["proconnect"] }

// FranceConnectURL is the FranceConnect mock's public URL.
func (c *Container) FranceConnectURL() string { return c.urls["franceconnect"] }

// SireneURL is the register mock's public URL.
func (c *Container) SireneURL() string { return c.urls["sirene"] }

// PisteURL is the PISTE mock's public URL.
func (c *Container) PisteURL() string { return c.urls["piste"] }

// PortalURL is the reference portal's public URL.
func (c *Container) PortalURL() string { return c.urls["portal"] }

// MailboxURL is the mail catcher's HTTP API.
func (c *Container) MailboxURL() string { return c.urls["mailbox"] }

// APIEntrepriseURL is API Entreprise, the register the core falls back to.
func (c *Container) APIEntrepriseURL() string { return c.urls["apientreprise"] }

// SMTPAddr is the mail catcher's SMTP address (host:port).
func (c *Container) SMTPAddr() string { return c.smtp }

// ControlToken is the bearer token of the control API (/__sandbox/).
func (c *Container) ControlToken() string { return c.controlToken }

// WithControlToken sets the control API's token.
func WithControlToken(token string) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		if strings.TrimSpace(token) != token || token == "" {
			return fmt.Errorf("tcsandbox: the control token cannot be blank nor have white space at an end (the sandbox refuses it)")
		}
		req.Env[layout.EnvName("control-token")] = token
		return nil
	}
}

// WithData keeps the core's store in the container's /data (SQLite).
func WithData() testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		req.Env[layout.EnvName("data")] = "/data"
		return nil
	}
}

// Run starts the sandbox from img (built from the project's Dockerfile) and
// waits until every component answers its health check.
func Run(ctx context.Context, img string, opts ...testcontainers.ContainerCustomizer) (*Container, error) {
	host := map[string]int{}
	all := append([]string{}, "smtp")
	for _, c := range layout.Components() {
		all = append(all, c.Name)
	}
	ports, err := freePorts(len(all))
	if err != nil {
		return nil, fmt.Errorf("tcsandbox: %w", err)
	}
	for i, n := range all {
		host[n] = ports[i]
	}
	env := map[string]string{layout.EnvName("bind"): "0.0.0.0", layout.EnvName("control-token"): DefaultControlToken}
	bindings := network.PortMap{}
	var exposed []string
	var waits []wait.Strategy
	loopback := netip.MustParseAddr("127.0.0.1")
	bind := func(inside, outside int) {
		p := network.MustParsePort(strconv.Itoa(inside) + "/tcp")
		bindings[p] = []network.PortBinding{{HostIP: loopback, HostPort: strconv.Itoa(outside)}}
		exposed = append(exposed, strconv.Itoa(inside)+"/tcp")
	}
	urls := map[string]string{}
	for _, c := range layout.Components() {
		bind(c.Port, host[c.Name])
		urls[c.Name] = "http://localhost:" + strconv.Itoa(host[c.Name])
		env[layout.EnvName(c.Name+"-public-url")] = urls[c.Name]
		waits = append(waits, wait.ForHTTP("/__sandbox/healthz").WithPort(strconv.Itoa(c.Port)+"/tcp"))
	}
	bind(layout.SMTPPort, host["smtp"])
	req := testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image: img, Cmd: []string{"up"}, Env: env, ExposedPorts: exposed,
			HostConfigModifier: func(hc *container.HostConfig) { hc.PortBindings = bindings },
			WaitingFor:         wait.ForAll(waits...),
		},
		Started: true,
	}
	for _, opt := range opts {
		if err := opt.Customize(&req); err != nil {
			return nil, err
		}
	}
	ctr, err := testcontainers.GenericContainer(ctx, req)
	var c *Container
	if ctr != nil {
		c = &Container{Container: ctr, urls: urls, smtp: "127.0.0.1:" + strconv.Itoa(host["smtp"]),
			controlToken: req.Env[layout.EnvName("control-token")]}
	}
	if err != nil {
		return c, fmt.Errorf("tcsandbox: %w", err)
	}
	return c, nil
}

// freePorts asks the host for n free loopback ports.
func freePorts(n int) ([]int, error) {
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	var out []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}
