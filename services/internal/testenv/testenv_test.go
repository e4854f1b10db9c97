package testenv

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

func TestPostgresGivesEachTestItsOwnEmptyDatabase(t *testing.T) {
	ctx := context.Background()
	first, second := Postgres(t), Postgres(t)
	require.NotEqual(t, first, second)

	conn, err := pgx.Connect(ctx, first)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE TABLE marker (id int)")
	require.NoError(t, err)

	other, err := pgx.Connect(ctx, second)
	require.NoError(t, err)
	defer other.Close(ctx)
	var n int
	require.NoError(t, other.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 'marker'").Scan(&n))
	require.Zero(t, n, "a table made in one test database must not appear in another")
}

func TestRedisCanBeStoppedAndStartedAgain(t *testing.T) {
	r := Redis(t)
	ping := func() error {
		c, err := net.DialTimeout("tcp", r.Addr, time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(time.Second))
		if _, err := c.Write([]byte("PING\r\n")); err != nil {
			return err
		}
		buf := make([]byte, 7)
		_, err = c.Read(buf)
		require.Equal(t, "+PONG\r\n", string(buf))
		return err
	}
	require.NoError(t, ping())
	r.Stop()
	require.Error(t, ping(), "a stopped server must refuse connections")
	r.Start()
	require.NoError(t, ping())
}

func TestPrivatePostgresSurvivesARestart(t *testing.T) {
	ctx := context.Background()
	pg := PrivatePostgres(t)
	conn, err := pgx.Connect(ctx, pg.URL(""))
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('committed')")
	require.NoError(t, err)
	conn.Close(ctx)

	pg.Restart()

	conn, err = pgx.Connect(ctx, pg.URL(""))
	require.NoError(t, err)
	defer conn.Close(ctx)
	var v string
	require.NoError(t, conn.QueryRow(ctx, "SELECT v FROM kept").Scan(&v))
	require.Equal(t, "committed", v, "committed rows survive an immediate shutdown")
}
