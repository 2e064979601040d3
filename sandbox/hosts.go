package sandbox

import (
	"maps"
	"net/url"
	"slices"
)

// allowedNames returns what every component's control kit lets in (see
// control.Kit): the host names of every component's public and internal
// URLs, started here or not (compose's "proconnect", testcontainers'
// "localhost"), and the origins of the public ones. Ports are left to the
// kit, which never compares them.
func allowedNames(peers map[string]Peer) (hosts, origins []string) {
	for _, name := range slices.Sorted(maps.Keys(peers)) {
		p := peers[name]
		for _, raw := range []string{p.Public, p.Internal} {
			if u, err := url.Parse(raw); err == nil && u.Hostname() != "" && !slices.Contains(hosts, u.Hostname()) {
				hosts = append(hosts, u.Hostname())
			}
		}
		if u, err := url.Parse(p.Public); err == nil && u.Host != "" {
			origins = append(origins, u.Scheme+"://"+u.Host)
		}
	}
	return hosts, origins
}
