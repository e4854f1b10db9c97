package workloads

// kind is what a workload does, which decides its ports, probes, callers
// and scaling.
type kind int

const (
	// web front ends: pages on :8080, admin (health, metrics) on :9090.
	web kind = iota
	// api serves requests, health and metrics on one port (:8080).
	api
	// worker works a River queue; admin on :9090, nothing calls it.
	worker
	// batch is data-service serve: retention on a timer, admin on :8080.
	batch
)

// Ports every workload listens on.
const (
	ServingPort = 8080
	AdminPort   = 9090
)

// Workload is one deployable of services/ as this component runs it.
type Workload struct {
	Name string
	kind kind
	// Args are the container's arguments (data-service's subcommand).
	Args []string
	// Callers are the workloads that call this one over HTTP; Gateway
	// says the ingress gateway does too.
	Callers []string
	Gateway bool
	// Calls are the workloads it calls (the reverse of Callers).
	Calls []string
	// What it uses: PostgreSQL, Redis, the contracts bucket, the JWT key
	// set (read from Secrets Manager by the service itself), the web CSRF
	// key and the EFS analysis workspace.
	Database, Redis, Blob, BlobDelete, JWT, CSRF, Workspace bool
	// Queue is the River queue a worker scales on.
	Queue string
	// Tools runs in the security-tools namespace on spot nodes.
	Tools bool
	// Analysers are the external analysers the image carries and how the
	// worker starts each one (SOLSEC_TOOL_COMMAND_<TOOL>).
	Analysers map[string]string
	// Requests and limits.
	CPU, Memory, CPULimit, MemoryLimit string
	MinReplicas, MaxReplicas           int
}

// Front ends and the paths the gateway routes to them (docs/web.md).
var frontEnds = []string{"ui-core", "analysis", "findings", "dashboard"}

// Catalog is every deployed workload with what it needs, from each
// services/<name>/main.go's configuration and docs/pipeline.md and
// docs/api.md's flows. The solsec CLI is not deployed.
func Catalog() []Workload {
	webApp := func(name string, calls ...string) Workload {
		return Workload{Name: name, kind: web, Gateway: true, Calls: calls, CSRF: true,
			CPU: "100m", Memory: "128Mi", CPULimit: "500m", MemoryLimit: "256Mi", MinReplicas: 2, MaxReplicas: 6}
	}
	queueWorker := func(name, queue string) Workload {
		return Workload{Name: name, kind: worker, Database: true, Redis: true, Blob: true, Queue: queue,
			CPU: "250m", Memory: "256Mi", CPULimit: "1", MemoryLimit: "1Gi", MinReplicas: 2, MaxReplicas: 10}
	}
	tools := queueWorker("tool-integration", "tools")
	tools.Tools, tools.Workspace = true, true
	// External analysers compile and execute contracts: more room each.
	tools.CPU, tools.Memory, tools.CPULimit, tools.MemoryLimit, tools.MaxReplicas = "500m", "1Gi", "2", "4Gi", 20
	// Solhint comes from npm (services/tool-integration/analysers) and runs
	// on the Node base through node itself: distroless has no /usr/bin/env
	// for its shebang. Slither and Mythril are Python programs with native
	// dependencies and images of their own; they stay unavailable here.
	tools.Analysers = map[string]string{"solhint": "/nodejs/bin/node " + AnalysersDir + "/node_modules/solhint/solhint.js"}
	return []Workload{
		{Name: "api-service", kind: api, Gateway: true, Callers: frontEnds, Database: true, Redis: true, Blob: true, JWT: true,
			CPU: "250m", Memory: "256Mi", CPULimit: "1", MemoryLimit: "512Mi", MinReplicas: 3, MaxReplicas: 12},
		{Name: "notification", kind: api, Gateway: true, Callers: []string{"analysis"}, Database: true, Redis: true, JWT: true,
			CPU: "250m", Memory: "256Mi", CPULimit: "1", MemoryLimit: "512Mi", MinReplicas: 2, MaxReplicas: 8},
		webApp("ui-core", "api-service"),
		webApp("analysis", "api-service", "notification"),
		webApp("findings", "api-service"),
		webApp("dashboard", "api-service"),
		queueWorker("contract-parser", "parse"),
		queueWorker("orchestration", "orchestrate"),
		tools,
		queueWorker("intelligence-engine", "score"),
		{Name: "data-service", kind: batch, Args: []string{"serve"}, Database: true, Blob: true, BlobDelete: true,
			CPU: "100m", Memory: "128Mi", CPULimit: "500m", MemoryLimit: "256Mi", MinReplicas: 2, MaxReplicas: 2},
	}
}

// Served says whether anything calls the workload over HTTP.
func (w Workload) Served() bool { return w.Gateway || len(w.Callers) > 0 }

// Worker says whether the workload works a queue.
func (w Workload) Worker() bool { return w.kind == worker }

// writes says whether the workload needs a writable database: in a
// read-only standby region these run no replicas.
func (w Workload) writes() bool { return w.kind == worker || w.kind == batch }

// adminPort is where /healthz, /readyz and /metrics are served.
func (w Workload) adminPort() int {
	if w.kind == web || w.kind == worker {
		return AdminPort
	}
	return ServingPort
}

// usesAWS says whether the workload calls AWS APIs and so needs an IRSA
// role: S3 or Secrets Manager (its ExternalSecrets read through its own
// identity, see secrets.go).
func (w Workload) usesAWS() bool { return w.Database || w.Redis || w.Blob || w.JWT }

// scrapedDirectly says whether Prometheus scrapes the workload's admin
// port itself: true unless its metrics share a port that callers use.
func (w Workload) scrapedDirectly() bool { return w.adminPort() != ServingPort || !w.Served() }
