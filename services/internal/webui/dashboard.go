package webui

import (
	"fmt"
	"net/http"
	"time"
)

// MountDashboard registers the dashboard; stats nil means ListStats over
// the app's API client.
func (a *App) MountDashboard(stats StatsSource) {
	if stats == nil {
		stats = ListStats{API: a.api}
	}
	a.mux.HandleFunc("GET /dashboard", a.authed(func(w http.ResponseWriter, r *http.Request, u *User) {
		st, err := stats.Stats(r.Context(), u.Token, time.Now())
		if err != nil {
			a.apiFailed(w, r, u, err)
			return
		}
		a.render(w, r, http.StatusOK, "dashboard", view{Title: "Dashboard", Nav: "dashboard", User: u, Data: dashboardData(st)})
	}))
}

// Chart is a bar chart drawn as server-side SVG: the geometry is computed
// here and the template only prints numbers and escaped labels, so there
// is no script, no inline style (colours come from classes in app.css) and
// nothing for the CSP to allow.
type Chart struct {
	ID, Title, Summary string
	Width, Height      int
	Bars               []Bar
	// Horizontal charts put labels left of the bars; vertical ones put a
	// few date ticks under them.
	Horizontal bool
	Ticks      []Tick
}

// Bar is one bar with its label and printed value.
type Bar struct {
	Label, Value   string
	X, Y, W, H     float64
	LabelX, LabelY float64
	ValueX, ValueY float64
	Class          string
}

// Tick is an axis label.
type Tick struct {
	Label  string
	X, Y   float64
	Anchor string // SVG text-anchor: start, middle or end
}

const (
	chartWidth  = 640
	rowHeight   = 28
	labelColumn = 200
)

// hbar draws one horizontal bar per row, the longest filling the width.
func hbar(id, title string, rows []Count, value func(Count) string, class func(Count) string) Chart {
	c := Chart{ID: id, Title: title, Width: chartWidth, Height: max(len(rows), 1)*rowHeight + 8, Horizontal: true}
	top := 0
	for _, r := range rows {
		top = max(top, r.N)
	}
	span := float64(chartWidth - labelColumn - 70)
	for i, r := range rows {
		w := 0.0
		if top > 0 {
			w = span * float64(r.N) / float64(top)
		}
		y := float64(i*rowHeight + 4)
		cls := "bar"
		if class != nil {
			cls += " " + class(r)
		}
		c.Bars = append(c.Bars, Bar{
			Label: r.Label, Value: value(r), Class: cls,
			X: labelColumn, Y: y, W: w, H: rowHeight - 8,
			LabelX: labelColumn - 8, LabelY: y + rowHeight/2,
			ValueX: labelColumn + w + 6, ValueY: y + rowHeight/2,
		})
	}
	c.Summary = summary(rows, value)
	return c
}

// vbar draws one vertical bar per day.
func vbar(id, title string, rows []Count) Chart {
	const height, bottom = 180, 24
	c := Chart{ID: id, Title: title, Width: chartWidth, Height: height}
	top := 1
	for _, r := range rows {
		top = max(top, r.N)
	}
	step := float64(chartWidth) / float64(max(len(rows), 1))
	for i, r := range rows {
		h := float64(height-bottom-16) * float64(r.N) / float64(top)
		x := float64(i) * step
		c.Bars = append(c.Bars, Bar{
			Label: r.Label, Value: fmt.Sprint(r.N), Class: "bar",
			X: x + 1, Y: float64(height-bottom) - h, W: step - 2, H: h,
			ValueX: x + step/2, ValueY: float64(height-bottom) - h - 4,
		})
		// A tick a week, counted back from today so that today is labelled
		// and no two labels collide.
		if (len(rows)-1-i)%7 == 0 {
			t := Tick{Label: r.Label[5:], X: x + step/2, Y: height - 6, Anchor: "middle"}
			switch {
			case t.X < 24:
				t.X, t.Anchor = 0, "start"
			case t.X > chartWidth-24:
				t.X, t.Anchor = chartWidth, "end"
			}
			c.Ticks = append(c.Ticks, t)
		}
	}
	c.Summary = summary(rows, func(r Count) string { return fmt.Sprint(r.N) })
	return c
}

func summary(rows []Count, value func(Count) string) string {
	s := ""
	for i, r := range rows {
		if i > 0 {
			s += ", "
		}
		s += r.Label + ": " + value(r)
	}
	if s == "" {
		return "no data"
	}
	return s
}

type dashboardView struct {
	Stats  Stats
	Charts []Chart
}

func dashboardData(st Stats) dashboardView {
	count := func(c Count) string { return fmt.Sprint(c.N) }
	var runTimes, failures []Count
	for _, t := range st.Tools {
		runTimes = append(runTimes, Count{Label: t.Tool, N: int(t.MeanDuration.Milliseconds())})
		failures = append(failures, Count{Label: t.Tool, N: int(t.FailureRate()*1000 + 0.5)})
	}
	charts := []Chart{
		vbar("per-day", fmt.Sprintf("Analyses per day, last %d days", st.Days), st.PerDay),
		hbar("severity", "Findings by severity", st.BySeverity, count, func(c Count) string { return "sev-" + cssToken(c.Label) }),
		hbar("class", "Findings by weakness class", st.ByClass, count, nil),
		hbar("detectors", "Most frequent detectors", st.TopDetectors, count, nil),
		hbar("run-times", "Mean tool run time", runTimes, func(c Count) string { return fmtDuration(time.Duration(c.N) * time.Millisecond) }, nil),
		hbar("failures", "Tool failure rate", failures, func(c Count) string { return fmt.Sprintf("%.1f%%", float64(c.N)/10) }, func(Count) string { return "fail" }),
	}
	return dashboardView{Stats: st, Charts: charts}
}
