// Command uploads is the api-service load benchmark: it measures accepted
// uploads per second and their latency (p50, p90, p99) at a number of
// concurrent clients, each sending a distinct single-file upload (so no
// result-cache hit flatters the numbers) as the raw body of
// POST /v1/analyses.
//
// By default it builds and starts the api-service binary on a loopback
// port, over a fresh database it creates on the PostgreSQL server of
// -database-url (and drops afterwards) and a Redis server it starts itself
// when -redis-url is empty, with rate limits off. Every upload goes through the whole
// production path: API-key authentication, the rate-limit counter and the
// result-cache lookup in Redis, the analysis row, the River job and the
// audit entry in one transaction, and the sources written to a local
// directory.
//
//	eval "$(scripts/test-services.sh start)"
//	go run ./bench/uploads -clients 50 -duration 20s    # from the repository root
//
// With -url and -key it loads a running api-service instead.
package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/uploads:", err)
		os.Exit(1)
	}
}

type options struct {
	target, key           string
	serviceBin, blobDir   string
	rate                  float64
	pid                   int // of the local api-service
	databaseURL, redisURL string
	clients               int
	duration, warmup      time.Duration
	poolSize              int
}

func run() error {
	var o options
	flag.StringVar(&o.target, "url", "", "base URL of a running api-service; empty starts one locally")
	flag.StringVar(&o.serviceBin, "service-bin", "", "api-service binary to start; empty builds ./services/api-service")
	flag.StringVar(&o.key, "key", "", "an analyst API key for -url")
	flag.StringVar(&o.databaseURL, "database-url", os.Getenv("SOLSEC_TEST_DATABASE_URL"), "PostgreSQL server on which a scratch database is created (without -url)")
	flag.StringVar(&o.redisURL, "redis-url", "", "Redis for the local api-service; empty starts a private redis-server")
	flag.IntVar(&o.clients, "clients", 50, "concurrent clients")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "measured duration")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "unmeasured warm-up before the measurement")
	flag.StringVar(&o.blobDir, "blob-dir", defaultBlobDir(), "where the local api-service keeps uploaded sources")
	flag.Float64Var(&o.rate, "rate", 0, "uploads per second to offer, spread over the clients (open loop); 0 sends as fast as the clients can (closed loop)")
	flag.IntVar(&o.poolSize, "pool", 16, "PostgreSQL connections of the local api-service (pool_max_conns)")
	flag.Parse()

	ctx := context.Background()
	if o.target == "" {
		stop, err := startLocal(ctx, &o)
		if err != nil {
			return err
		}
		defer stop()
	}
	if o.key == "" {
		return errors.New("-key is required with -url")
	}
	fmt.Printf("machine: %s, %d CPUs, %s/%s, %s\n", cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	mode := "closed loop (each client sends its next upload when the last is answered)"
	if o.rate > 0 {
		mode = fmt.Sprintf("open loop at %.0f uploads/s offered", o.rate)
	}
	fmt.Printf("target: %s, %d clients, %s, %s warm-up, %s measured\n", o.target, o.clients, mode, o.warmup, o.duration)
	cpu0 := processCPU(o.pid)
	res := load(o)
	res.print()
	if o.pid != 0 && res.accepted > 0 {
		used := processCPU(o.pid) - cpu0
		fmt.Printf("api-service CPU: %s over the run (warm-up included), %.2f ms per accepted upload\n",
			used.Round(time.Millisecond), float64(used.Microseconds())/1000/float64(res.accepted+res.warm))
	}
	return nil
}

// startLocal creates a scratch database, starts the api-service binary on
// a loopback port over it (migrating the schema), and seeds an organisation
// with an analyst API key. The service runs as its own process because Go's
// internal-package rule keeps services/internal out of reach of bench/; it
// is the production binary, so nothing is left out of the measurement.
func startLocal(ctx context.Context, o *options) (func(), error) {
	if o.databaseURL == "" {
		return nil, errors.New("-database-url (or SOLSEC_TEST_DATABASE_URL) is required without -url")
	}
	var cleanups []func()
	stop := func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	fail := func(err error) (func(), error) { stop(); return nil, err }

	admin, err := pgx.Connect(ctx, o.databaseURL)
	if err != nil {
		return fail(fmt.Errorf("connect: %w", err))
	}
	name := "solsec_bench_" + randomHex(6)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return fail(fmt.Errorf("create database: %w", err))
	}
	cleanups = append(cleanups, func() {
		_, _ = admin.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)")
		_ = admin.Close(context.Background())
	})
	u, err := url.Parse(o.databaseURL)
	if err != nil {
		return fail(err)
	}
	u.Path = "/" + name
	seedURL := u.String()
	q := u.Query()
	q.Set("pool_max_conns", strconv.Itoa(o.poolSize))
	u.RawQuery = q.Encode()
	dbURL := u.String()

	if o.redisURL == "" {
		addr, kill, err := startRedis()
		if err != nil {
			return fail(err)
		}
		cleanups = append(cleanups, kill)
		o.redisURL = "redis://" + addr + "/0"
	}

	tmp, err := os.MkdirTemp("", "solsec-bench-")
	if err != nil {
		return fail(err)
	}
	cleanups = append(cleanups, func() { _ = os.RemoveAll(tmp) })
	keyFile := filepath.Join(tmp, "jwt-keys.json")
	seed := make([]byte, ed25519.SeedSize)
	_, _ = rand.Read(seed)
	keys := fmt.Sprintf(`{"signing_key":"bench","keys":[{"kid":"bench","alg":"EdDSA","private_key":%q}]}`, base64.StdEncoding.EncodeToString(seed))
	if err := os.WriteFile(keyFile, []byte(keys), 0o600); err != nil {
		return fail(err)
	}
	bin := o.serviceBin
	if bin == "" {
		bin = filepath.Join(tmp, "api-service")
		build := exec.Command("go", "build", "-o", bin, "./services/api-service")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fail(fmt.Errorf("build api-service (run from the repository root, or pass -service-bin): %w", err))
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	svc := exec.Command(bin)
	svc.Env = append(os.Environ(),
		"SOLSEC_DATABASE_URL="+dbURL, "SOLSEC_REDIS_URL="+o.redisURL, "SOLSEC_HTTP_ADDR="+addr,
		"SOLSEC_JWT_KEYS_FILE="+keyFile, "SOLSEC_BLOB_DIR="+o.blobDir, "SOLSEC_MIGRATE=true",
		// The benchmark is one caller: rate limits would measure themselves.
		"SOLSEC_UPLOADS_PER_MINUTE=-1", "SOLSEC_REQUESTS_PER_MINUTE=-1",
	)
	// Access logs are written as in production and thrown away here.
	svc.Stdout, svc.Stderr = io.Discard, os.Stderr
	if err := svc.Start(); err != nil {
		return fail(err)
	}
	cleanups = append(cleanups, func() { _ = svc.Process.Signal(os.Interrupt); _ = svc.Wait() })
	o.pid = svc.Process.Pid
	cleanups = append(cleanups, func() { _ = os.RemoveAll(o.blobDir) })
	o.target = "http://" + addr
	if err := waitReady(o.target + "/readyz"); err != nil {
		return fail(err)
	}

	// Seed an organisation and an analyst API key straight into the schema
	// (the API has no sign-up): the key is "ssk_<16 hex id>_<64 hex
	// secret>" and the store keeps the SHA-256 of the secret's bytes.
	id, secret := make([]byte, 8), make([]byte, 32)
	_, _ = rand.Read(id)
	_, _ = rand.Read(secret)
	sum := sha256.Sum256(secret)
	db, err := pgx.Connect(ctx, seedURL)
	if err != nil {
		return fail(err)
	}
	defer db.Close(ctx)
	var orgID string
	if err := db.QueryRow(ctx, `INSERT INTO organizations (name) VALUES ('bench') RETURNING id`).Scan(&orgID); err != nil {
		return fail(fmt.Errorf("seed organisation: %w", err))
	}
	if _, err := db.Exec(ctx, `INSERT INTO api_keys (org_id, key_id, name, role, secret_hash) VALUES ($1, $2, 'bench', 'analyst', $3)`,
		orgID, hex.EncodeToString(id), sum[:]); err != nil {
		return fail(fmt.Errorf("seed api key: %w", err))
	}
	o.key = "ssk_" + hex.EncodeToString(id) + "_" + hex.EncodeToString(secret)
	return stop, nil
}

// defaultBlobDir puts the sources on tmpfs when there is one. In the cloud
// they go to S3; locally, creating a file costs what the machine's file
// system makes it cost, which on this VM's ext4 is about 0.8 ms of kernel
// time per file (docs/benchmarks.md), enough to dominate the measurement.
func defaultBlobDir() string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		return filepath.Join("/dev/shm", "solsec-bench-blobs-"+randomHex(4))
	}
	return filepath.Join(os.TempDir(), "solsec-bench-blobs-"+randomHex(4))
}

func waitReady(u string) error {
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("%s did not become ready", u)
}

// startRedis runs a private redis-server without persistence.
func startRedis() (string, func(), error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, errors.New("redis-server is not installed: pass -redis-url")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	_ = ln.Close()
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	kill := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			return addr, kill, nil
		}
	}
	kill()
	return "", nil, errors.New("redis-server did not start")
}

type result struct {
	warm      int // uploads answered during the warm-up
	elapsed   time.Duration
	accepted  int
	failed    int
	statuses  map[int]int
	latencies []time.Duration
}

// load runs the clients: a warm-up whose requests are not counted, then
// the measurement.
func load(o options) result {
	transport := &http.Transport{MaxIdleConns: o.clients, MaxIdleConnsPerHost: o.clients, IdleConnTimeout: time.Minute}
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	var seq atomic.Int64
	var measuring atomic.Bool
	var warm atomic.Int64
	stop := make(chan struct{})
	var mu sync.Mutex
	res := result{statuses: map[int]int{}}
	var wg sync.WaitGroup
	// In open loop each client owns every clients-th slot of a global
	// schedule; latency is measured from the slot, not from the send, so a
	// slow server cannot hide its queueing (coordinated omission).
	var interval time.Duration
	if o.rate > 0 {
		interval = time.Duration(float64(time.Second) * float64(o.clients) / o.rate)
	}
	begin := time.Now()
	for c := range o.clients {
		wg.Go(func() {
			next := begin.Add(time.Duration(c) * interval / time.Duration(o.clients))
			var lat []time.Duration
			statuses := map[int]int{}
			for {
				select {
				case <-stop:
					mu.Lock()
					res.latencies = append(res.latencies, lat...)
					for s, n := range statuses {
						res.statuses[s] += n
					}
					mu.Unlock()
					return
				default:
				}
				n := seq.Add(1)
				start := time.Now()
				if interval > 0 {
					if d := time.Until(next); d > 0 {
						time.Sleep(d)
					}
					start = next
					next = next.Add(interval)
				}
				status := upload(client, o, n)
				if !measuring.Load() && status == http.StatusCreated {
					warm.Add(1)
				}
				if measuring.Load() {
					statuses[status]++
					if status == http.StatusCreated {
						lat = append(lat, time.Since(start))
					}
				}
			}
		})
	}
	time.Sleep(o.warmup)
	measuring.Store(true)
	start := time.Now()
	time.Sleep(o.duration)
	measuring.Store(false)
	res.elapsed = time.Since(start)
	close(stop)
	wg.Wait()
	res.accepted = res.statuses[http.StatusCreated]
	res.warm = int(warm.Load())
	for s, n := range res.statuses {
		if s != http.StatusCreated {
			res.failed += n
		}
	}
	slices.Sort(res.latencies)
	return res
}

// source is a distinct contract of about 1.5 KiB.
func source(n int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n\ncontract Vault%d {\n", n)
	b.WriteString("    mapping(address => uint256) public balances;\n\n")
	b.WriteString("    function deposit() external payable { balances[msg.sender] += msg.value; }\n\n")
	b.WriteString("    function withdraw(uint256 amount) external {\n        require(balances[msg.sender] >= amount, \"balance\");\n")
	b.WriteString("        (bool ok, ) = msg.sender.call{value: amount}(\"\");\n        require(ok, \"send\");\n")
	b.WriteString("        balances[msg.sender] -= amount;\n    }\n")
	for i := range 20 {
		fmt.Fprintf(&b, "    function f%d(uint256 x) external pure returns (uint256) { return x * %d + %d; }\n", i, i+1, n)
	}
	b.WriteString("}\n")
	return b.String()
}

func upload(c *http.Client, o options, n int64) int {
	req, err := http.NewRequest(http.MethodPost, o.target+"/v1/analyses?filename=src/Vault.sol", strings.NewReader(source(n)))
	if err != nil {
		return -1
	}
	req.Header.Set("Content-Type", "text/x-solidity")
	req.Header.Set("Authorization", "Bearer "+o.key)
	resp, err := c.Do(req)
	if err != nil {
		return -1
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

func (r result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.latencies)-1) * p)
	return r.latencies[i]
}

func (r result) print() {
	rate := float64(r.accepted) / r.elapsed.Seconds()
	fmt.Printf("accepted: %d uploads in %s = %.0f uploads/s; other answers: %d %v\n",
		r.accepted, r.elapsed.Round(time.Millisecond), rate, r.failed, r.statuses)
	fmt.Printf("latency of accepted uploads: p50 %s, p90 %s, p99 %s, max %s\n",
		r.percentile(0.50).Round(10*time.Microsecond), r.percentile(0.90).Round(10*time.Microsecond),
		r.percentile(0.99).Round(10*time.Microsecond), r.percentile(1).Round(10*time.Microsecond))
}

// processCPU is the user and system time a process has used, from
// /proc/<pid>/stat (Linux); 0 when unknown.
func processCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces; the fields after ")" are fixed.
	_, rest, ok := strings.Cut(string(b), ") ")
	if !ok {
		return 0
	}
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	// USER_HZ is 100 on every Linux this runs on.
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if k, v, ok := strings.Cut(s.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
