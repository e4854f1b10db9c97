package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// lockedBuffer lets the test read what the progress goroutine writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestProgress(t *testing.T) {
	t.Run("a disabled progress is nil and safe to use", func(t *testing.T) {
		p := startProgress(&bytes.Buffer{}, false, 2)
		assert.Nil(t, p)
		p.setStage(1, "x")
		p.finish()
	})
	t.Run("renders a bar filled by completed stages", func(t *testing.T) {
		p := &progress{stages: 2}
		p.stage, p.label = 1, "loading"
		assert.Equal(t, "[|                   ] 1/2 loading 0.5s", p.render(500*time.Millisecond))
		p.stage, p.label, p.tick = 2, "detecting", 1
		assert.Equal(t, "[==========/         ] 2/2 detecting 2.0s", p.render(2*time.Second))
	})
	t.Run("draws nothing for a quick scan", func(t *testing.T) {
		var out lockedBuffer
		p := newProgress(&out, 2, time.Hour)
		p.setStage(1, "loading")
		p.finish()
		assert.Empty(t, out.String())
	})
	t.Run("draws a long scan and erases its line at the end", func(t *testing.T) {
		var out lockedBuffer
		p := newProgress(&out, 2, 0)
		p.setStage(1, "loading")
		assert.Eventually(t, func() bool { return strings.Contains(out.String(), "1/2 loading") },
			5*time.Second, 20*time.Millisecond)
		p.finish()
		assert.True(t, strings.HasSuffix(out.String(), "\r\x1b[K"), "%q", out.String())
	})
}
