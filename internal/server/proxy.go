package server

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ParseTrustedProxies reads a comma-separated list of addresses and
// networks (127.0.0.1, 10.0.0.0/8, ::1) of reverse proxies whose
// X-Forwarded-For header is believed (Server.TrustedProxies).
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxy %q 无效：应为 IP 地址或网段，如 127.0.0.1 或 10.0.0.0/8", f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// trusted reports whether addr is one of the trusted proxies.
func trusted(proxies []netip.Prefix, addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range proxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Behind a load balancer every request comes from the balancer, and the
// throttles per address (logins, score look-ups) would count every user
// as one: Server.ServeHTTP takes the client's address from the trusted
// proxies' X-Forwarded-For (clientBehind). A request that does not come
// from a trusted proxy keeps its own address, whatever its headers say.

// clientBehind returns the client's address of a request that came from a
// trusted proxy: the right-most address of X-Forwarded-For that is not a
// trusted proxy itself.
func clientBehind(proxies []netip.Prefix, r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !trusted(proxies, peer) {
		return netip.Addr{}, false
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return netip.Addr{}, false // a malformed hop: keep the proxy's address
		}
		if !trusted(proxies, a) || i == 0 {
			return a.Unmap(), true
		}
	}
	return netip.Addr{}, false
}
