package events_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/events"
	"github.com/solsec/platform/services/internal/testenv"
)

func newTransport(t *testing.T, opts events.Options) (*events.Redis, *testenv.RedisServer) {
	t.Helper()
	srv := testenv.Redis(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	return events.NewRedis(client, opts), srv
}

func progress(org, analysis string, p int) events.Event {
	return events.Event{OrgID: org, AnalysisID: analysis, Type: events.AnalysisProgress, State: "analysing", Progress: p}
}

// next waits for the next notice; the generous bound only keeps a broken
// test from hanging, it asserts nothing about speed.
func next(t *testing.T, f events.Feed) events.Notice {
	t.Helper()
	select {
	case n, ok := <-f.Notices():
		require.True(t, ok, "feed closed")
		return n
	case <-time.After(30 * time.Second):
		t.Fatal("no notice from the live feed")
		return events.Notice{}
	}
}

func TestPublishAndHistory(t *testing.T) {
	ctx := context.Background()
	tr, _ := newTransport(t, events.Options{})

	t.Run("publish assigns increasing ids and history returns every event in order", func(t *testing.T) {
		var ids []events.ID
		for i := 0; i < 5; i++ {
			e := progress("org-a", "an-1", i*20)
			if i == 0 {
				e.Type, e.State, e.Data = events.AnalysisQueued, "queued", json.RawMessage(`{"files":3}`)
			}
			id, err := tr.Publish(ctx, e)
			require.NoError(t, err)
			if len(ids) > 0 {
				assert.Equal(t, 1, id.Compare(ids[len(ids)-1]), "id %s after %s", id, ids[len(ids)-1])
			}
			ids = append(ids, id)
		}
		b, err := tr.History(ctx, "org-a", events.ZeroID, 0)
		require.NoError(t, err)
		require.Len(t, b.Events, 5)
		assert.False(t, b.Lost)
		for i, e := range b.Events {
			assert.Equal(t, ids[i].String(), e.ID)
			assert.Equal(t, i*20, e.Progress)
			assert.Equal(t, "an-1", e.AnalysisID)
			assert.False(t, e.Time.IsZero(), "publish stamps the time")
		}
		assert.Equal(t, events.AnalysisQueued, b.Events[0].Type)
		assert.JSONEq(t, `{"files":3}`, string(b.Events[0].Data))

		after, err := tr.History(ctx, "org-a", ids[2], 1)
		require.NoError(t, err)
		require.Len(t, after.Events, 1, "the limit bounds the page")
		assert.Equal(t, ids[3].String(), after.Events[0].ID, "history starts strictly after the given id")

		last, err := tr.LastID(ctx, "org-a")
		require.NoError(t, err)
		assert.Equal(t, ids[4], last)
	})

	t.Run("organisations have separate streams", func(t *testing.T) {
		_, err := tr.Publish(ctx, progress("org-b", "an-2", 50))
		require.NoError(t, err)
		b, err := tr.History(ctx, "org-b", events.ZeroID, 0)
		require.NoError(t, err)
		require.Len(t, b.Events, 1)
		assert.Equal(t, "an-2", b.Events[0].AnalysisID)

		none, err := tr.LastID(ctx, "org-nobody")
		require.NoError(t, err)
		assert.Equal(t, events.ZeroID, none)
	})

	t.Run("an invalid event is refused before it reaches Redis", func(t *testing.T) {
		_, err := tr.Publish(ctx, events.Event{OrgID: "org-a", Type: "analysis.exploded", Progress: 120, Data: json.RawMessage(`{`)})
		require.Error(t, err)
		for _, want := range []string{"analysisId is empty", "analysis.exploded", "progress 120", "not valid JSON"} {
			assert.ErrorContains(t, err, want)
		}
	})
}

func TestRetention(t *testing.T) {
	ctx := context.Background()

	t.Run("history after a trimmed event reports the loss", func(t *testing.T) {
		tr, _ := newTransport(t, events.Options{MaxLen: 10})
		var ids []events.ID
		// Approximate trimming drops whole stream nodes (100 entries), so
		// publish enough for at least one to go.
		for i := 0; i < 300; i++ {
			id, err := tr.Publish(ctx, progress("org-a", "an-1", i%100))
			require.NoError(t, err)
			ids = append(ids, id)
		}
		old, err := tr.History(ctx, "org-a", ids[0], 0)
		require.NoError(t, err)
		assert.True(t, old.Lost)
		assert.Less(t, len(old.Events), 299)

		recent, err := tr.History(ctx, "org-a", ids[298], 0)
		require.NoError(t, err)
		assert.False(t, recent.Lost)
		require.Len(t, recent.Events, 1)
		assert.Equal(t, ids[299].String(), recent.Events[0].ID)
	})

	t.Run("history after an id older than the retention of an expired stream reports the loss", func(t *testing.T) {
		now := time.Now()
		tr, _ := newTransport(t, events.Options{Retention: time.Hour, Now: func() time.Time { return now }})
		stale := events.ID{Ms: uint64(now.Add(-2 * time.Hour).UnixMilli())}
		b, err := tr.History(ctx, "org-gone", stale, 0)
		require.NoError(t, err)
		assert.True(t, b.Lost)

		fresh := events.ID{Ms: uint64(now.Add(-time.Minute).UnixMilli())}
		b, err = tr.History(ctx, "org-gone", fresh, 0)
		require.NoError(t, err)
		assert.False(t, b.Lost, "a quiet organisation has lost nothing")
	})

	t.Run("a published stream expires after the retention", func(t *testing.T) {
		tr, srv := newTransport(t, events.Options{Retention: time.Hour})
		_, err := tr.Publish(ctx, progress("org-a", "an-1", 1))
		require.NoError(t, err)
		c := redis.NewClient(&redis.Options{Addr: srv.Addr})
		defer c.Close()
		ttl, err := c.PTTL(ctx, tr.StreamKey("org-a")).Result()
		require.NoError(t, err)
		assert.InDelta(t, time.Hour.Seconds(), ttl.Seconds(), 60)
		assert.Equal(t, "solsec:events:{org-a}", tr.StreamKey("org-a"), "the organisation is the hash tag")
	})
}

func TestLive(t *testing.T) {
	ctx := context.Background()

	t.Run("a live feed delivers an organisation's events in publish order", func(t *testing.T) {
		tr, _ := newTransport(t, events.Options{})
		feed := tr.Live(ctx, "org-a")
		defer feed.Close()
		require.True(t, next(t, feed).Resync, "the first notice says the subscription is active")

		var want []string
		for i := 0; i < 20; i++ {
			org := "org-a"
			if i%3 == 0 {
				org = "org-b"
			}
			id, err := tr.Publish(ctx, progress(org, "an-1", i))
			require.NoError(t, err)
			if org == "org-a" {
				want = append(want, id.String())
			}
		}
		var got []string
		for len(got) < len(want) {
			n := next(t, feed)
			require.NoError(t, n.Err)
			require.False(t, n.Resync)
			assert.Equal(t, "org-a", n.Event.OrgID, "the feed filters by organisation")
			got = append(got, n.Event.ID)
		}
		assert.Equal(t, want, got)
	})

	t.Run("publishing while Redis is down fails fast and the feed resyncs when it returns", func(t *testing.T) {
		tr, srv := newTransport(t, events.Options{PublishTimeout: 200 * time.Millisecond})
		feed := tr.Live(ctx, "")
		defer feed.Close()
		require.True(t, next(t, feed).Resync)

		srv.Stop()
		_, err := tr.Publish(ctx, progress("org-a", "an-1", 10))
		require.Error(t, err)
		assert.ErrorContains(t, err, "publish analysis.progress of analysis an-1")

		srv.Start()
		n := next(t, feed)
		require.True(t, n.Resync, "a resubscription is announced so that subscribers re-read history")
		id, err := tr.Publish(ctx, progress("org-a", "an-1", 20))
		require.NoError(t, err)
		n = next(t, feed)
		require.NoError(t, n.Err)
		assert.Equal(t, id.String(), n.Event.ID)
	})
}

func TestIDs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want events.ID
		err  bool
	}{
		{in: "1700000000000-3", want: events.ID{Ms: 1700000000000, Seq: 3}},
		{in: "0", want: events.ZeroID},
		{in: "42", want: events.ID{Ms: 42}},
		{in: "x-1", err: true},
		{in: "1-y", err: true},
		{in: "", err: true},
	} {
		t.Run(fmt.Sprintf("%q parses as Redis would", tc.in), func(t *testing.T) {
			got, err := events.ParseID(tc.in)
			if tc.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	t.Run("ids order by milliseconds, then by sequence", func(t *testing.T) {
		a, b, c := events.ID{Ms: 9, Seq: 5}, events.ID{Ms: 10, Seq: 0}, events.ID{Ms: 10, Seq: 1}
		assert.Equal(t, -1, a.Compare(b))
		assert.Equal(t, -1, b.Compare(c))
		assert.Equal(t, 1, c.Compare(a))
		assert.Equal(t, 0, c.Compare(c))
		assert.Equal(t, "10-1", c.String())
	})
}
