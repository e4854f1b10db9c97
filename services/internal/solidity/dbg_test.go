package solidity

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

func TestDebugDump(t *testing.T) {
	f := os.Getenv("DBG_FILE")
	if f == "" {
		t.Skip()
	}
	src, _ := os.ReadFile(f)
	u, errs := Parse(f, src)
	for _, e := range errs {
		fmt.Println(e)
	}
	b, _ := json.MarshalIndent(u, "", " ")
	os.WriteFile("/tmp/dbg.json", b, 0o644)
}
