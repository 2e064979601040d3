package sandbox

import "sort"

// journalPeers are the components whose journals the reference portal's
// flow page reads: every peer but the portal itself (it reads its own
// journal directly) and the mailbox (no HTTP exchange of a certification).
func journalPeers(peers map[string]Peer) []string {
	var out []string
	for name, p := range peers {
		if name != "portal" && name != "mailbox" && p.Internal != "" {
			out = append(out, p.Internal)
		}
	}
	sort.Strings(out)
	return out
}
