package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress is the status line a scan draws on standard error when that is a
// terminal. Loading and detection are each one call into the engine, so the
// bar advances by stage (the stage's label says what is being worked on)
// and a spinner with the elapsed time shows that a long stage is alive.
// Nothing is drawn until the scan has run for progressDelay, so quick scans
// never flicker a line that is erased at once.
type progress struct {
	w      io.Writer
	start  time.Time
	stages int

	mu    sync.Mutex
	stage int
	label string
	drawn bool
	tick  int

	stop chan struct{}
	done chan struct{}
}

const (
	progressDelay    = 400 * time.Millisecond
	progressInterval = 100 * time.Millisecond
	progressWidth    = 20
)

// startProgress returns nil when disabled; every method accepts a nil
// receiver so callers need no conditionals.
func startProgress(w io.Writer, enabled bool, stages int) *progress {
	if !enabled {
		return nil
	}
	return newProgress(w, stages, progressDelay)
}

func newProgress(w io.Writer, stages int, delay time.Duration) *progress {
	p := &progress{w: w, start: time.Now(), stages: stages, stop: make(chan struct{}), done: make(chan struct{})}
	go p.loop(delay)
	return p
}

func (p *progress) loop(wait time.Duration) {
	defer close(p.done)
	delay := time.NewTimer(wait)
	defer delay.Stop()
	select {
	case <-p.stop:
		return
	case <-delay.C:
	}
	t := time.NewTicker(progressInterval)
	defer t.Stop()
	for {
		p.draw()
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
	}
}

// setStage moves to stage n (1-based) of the total, described by label.
func (p *progress) setStage(n int, label string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.stage, p.label = n, label
	p.mu.Unlock()
}

func (p *progress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, "\r\x1b[K"+p.render(time.Since(p.start)))
	p.drawn = true
	p.tick++
}

// render is the line without terminal control codes: a bar filled by the
// completed stages, a spinner, the stage label and the elapsed time.
func (p *progress) render(elapsed time.Duration) string {
	done := 0
	if p.stages > 0 && p.stage > 0 {
		done = (p.stage - 1) * progressWidth / p.stages
	}
	spinner := `|/-\`[p.tick%4]
	bar := strings.Repeat("=", done) + string(spinner) + strings.Repeat(" ", max(0, progressWidth-done-1))
	return fmt.Sprintf("[%s] %d/%d %s %.1fs", bar, p.stage, p.stages, p.label, elapsed.Seconds())
}

// finish stops the display and erases its line, so the report (or the next
// prompt) starts on a clean line.
func (p *progress) finish() {
	if p == nil {
		return
	}
	close(p.stop)
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
