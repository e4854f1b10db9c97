// Package postgres implements store.Store on PostgreSQL through pgx v5.
//
// A *Store runs each method on the pool; InTx runs a function inside one
// transaction with a *Tx that has the same methods plus the pgx.Tx, so a
// caller can add its own statements to the same commit. The API uses that
// to insert an analysis and its River job atomically:
//
//	err := s.InTx(ctx, func(tx *postgres.Tx) error {
//		a, created, err := tx.CreateAnalysis(ctx, orgID, in)
//		if err != nil || !created {
//			return err
//		}
//		_, err = riverClient.InsertTx(ctx, tx.PgxTx(), args, nil)
//		return err
//	})
//
// Methods that need several statements to be atomic (triage, inserting
// findings) open their own transaction on a *Store and a savepoint on a
// *Tx, so they behave the same either way. As always in PostgreSQL, a
// single statement that fails inside a transaction (a unique violation on
// CreateProject, say) aborts the whole transaction: the caller returns the
// error and InTx rolls back.
package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/solsec/platform/services/internal/store"
)

// dbtx is what both a pool and a transaction offer; Begin on a transaction
// opens a savepoint.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// queries holds every method; Store and Tx only differ in what db is.
type queries struct {
	db dbtx
}

// Store is store.Store on a pgx pool.
type Store struct {
	queries
	pool *pgxpool.Pool
}

// Tx is store.Store inside one transaction opened by Store.InTx.
type Tx struct {
	queries
	tx pgx.Tx
}

var (
	_ store.Store = (*Store)(nil)
	_ store.Store = (*Tx)(nil)
)

// New returns a Store on pool. The schema must have been migrated (Migrate).
func New(pool *pgxpool.Pool) *Store {
	return &Store{queries: queries{db: pool}, pool: pool}
}

// Pool returns the pool the store runs on, for callers (River) that need it.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// PgxTx returns the underlying transaction, for statements of the caller's
// own, such as riverClient.InsertTx.
func (t *Tx) PgxTx() pgx.Tx { return t.tx }

// InTx runs fn in one transaction: committed when fn returns nil, rolled
// back when it returns an error or panics.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return fn(&Tx{queries: queries{db: tx}, tx: tx})
	})
}

// InTx on a Tx runs fn in a savepoint of the same transaction, so code
// written against either type can nest.
func (t *Tx) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	return pgx.BeginFunc(ctx, t.tx, func(tx pgx.Tx) error {
		return fn(&Tx{queries: queries{db: tx}, tx: tx})
	})
}

// atomic runs fn in a transaction (or a savepoint of the caller's).
func (q *queries) atomic(ctx context.Context, fn func(q *queries) error) error {
	return pgx.BeginFunc(ctx, q.db, func(tx pgx.Tx) error {
		return fn(&queries{db: tx})
	})
}

// Postgres error codes the store turns into typed errors.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeCheckViolation      = "23514"
	codeInvalidText         = "22P02"
)

// mapErr turns driver errors into the store's typed errors, keeping the
// original in the chain for logs.
func mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case codeUniqueViolation:
			return fmt.Errorf("%s: %w (%s)", what, store.ErrConflict, pgErr.ConstraintName)
		case codeForeignKeyViolation:
			// A reference to a row of another organisation, or to none.
			return fmt.Errorf("%s: referenced row: %w", what, store.ErrNotFound)
		case codeCheckViolation, codeInvalidText:
			return fmt.Errorf("%s: %w: %s", what, store.ErrInvalidInput, pgErr.Message)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}
