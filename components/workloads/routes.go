package workloads

import (
	"fmt"

	"github.com/solsec/platform/components/mesh"
)

// Routes are the gateway's path routes, most specific first (Istio takes
// the first match): the WebSocket before the rest of the API, the front
// ends' paths (docs/web.md) before ui-core's catch-all.
func Routes() []mesh.Route {
	host := func(w string) string { return fmt.Sprintf("%s.%s.svc.cluster.local", w, PlatformNamespace) }
	return []mesh.Route{
		// A WebSocket lives for as long as the browser keeps it: no
		// route timeout.
		{PathPrefix: "/v1/ws", Service: host("notification"), Port: ServingPort, Timeout: "0s"},
		{PathPrefix: "/v1/", Service: host("api-service"), Port: ServingPort, Timeout: "60s", PerTryTimeout: "30s"},
		// Uploads stream through the analysis front end to the API.
		{PathPrefix: "/analyses", Service: host("analysis"), Port: ServingPort, Timeout: "120s", PerTryTimeout: "60s"},
		{PathPrefix: "/findings", Service: host("findings"), Port: ServingPort},
		{PathPrefix: "/dashboard", Service: host("dashboard"), Port: ServingPort},
		{PathPrefix: "/", Service: host("ui-core"), Port: ServingPort},
	}
}

// routes binds the paths to the platform gateway for the stack's hosts.
func (b *builder) routes() error {
	_, err := mesh.NewVirtualService(b.ctx, b.child("routes"), mesh.VirtualServiceArgs{
		Name: "platform-workloads", Namespace: PlatformNamespace,
		Hosts: b.args.Hosts, Gateways: []string{mesh.GatewayName}, Routes: Routes(),
	}, b.parent)
	return err
}
