package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
)

// ErrForbiddenAddress reports a webhook URL that resolves to an address
// webhooks may not reach.
var ErrForbiddenAddress = errors.New("webhooks: address not allowed")

// cgnat is the shared address space of RFC 6598, private in all but name.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// publicAddr reports whether a webhook may connect to ip: not loopback,
// private (RFC 1918, unique local), link-local (which includes the cloud
// metadata service at 169.254.169.254), shared, unspecified or multicast.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsValid() && ip.IsGlobalUnicast() && !ip.IsPrivate() && !ip.IsLoopback() &&
		!ip.IsLinkLocalUnicast() && !cgnat.Contains(ip)
}

// Guard decides which URLs and addresses webhooks may reach.
type Guard struct {
	// AllowPrivate lets webhooks reach loopback and private addresses
	// (tests with httptest servers, local development). Never in the cloud.
	AllowPrivate bool
	// AllowHTTP accepts http:// URLs besides https://.
	AllowHTTP bool
	// Resolver resolves host names at registration; nil is the default.
	Resolver *net.Resolver
}

// CheckURL validates a webhook URL at registration: https (unless
// AllowHTTP), no credentials in it, and every address its host resolves to
// allowed. The dialer checks again at each delivery (see Control), because
// DNS may answer differently by then.
func (g Guard) CheckURL(ctx context.Context, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("webhooks: url: %w", err)
	}
	switch {
	case u.Scheme != "https" && !(g.AllowHTTP && u.Scheme == "http"):
		return nil, fmt.Errorf("webhooks: url %q: want https", raw)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("webhooks: url %q has no host", raw)
	case u.User != nil:
		return nil, fmt.Errorf("webhooks: url %q carries credentials; authenticate with the signature instead", raw)
	}
	if g.AllowPrivate {
		return u, nil
	}
	r := g.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", u.Hostname())
	if err != nil {
		return nil, fmt.Errorf("webhooks: resolve %s: %w", u.Hostname(), err)
	}
	for _, a := range addrs {
		if !publicAddr(a) {
			return nil, fmt.Errorf("%w: %s resolves to %s", ErrForbiddenAddress, u.Hostname(), a)
		}
	}
	return u, nil
}

// Control is a net.Dialer Control function that refuses connections to
// addresses webhooks may not reach. It runs on the address actually being
// dialled, after DNS resolution, so a name that resolved to a public
// address at registration and to 127.0.0.1 now (DNS rebinding) is still
// refused.
func (g Guard) Control(_, address string, _ syscall.RawConn) error {
	if g.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	if !publicAddr(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
	}
	return nil
}
