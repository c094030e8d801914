package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pressly/goose/v3"
)

// goMigrations are the migrations whose statements differ between the
// engines, numbered among the SQL files of migrations/; each does nothing
// on the engine it does not concern.
func goMigrations(e Engine) []*goose.Migration {
	return []*goose.Migration{
		// 00021: the look-up's stored answers (scores.answer, 1.9–2.4 kB of
		// JSON) are compressed by PostgreSQL when a row passes 2 kB; with
		// its default pglz that was a tenth of the score import's time in
		// the database. lz4 compresses them several times faster, when the
		// server was built with it. SQLite stores them as they are.
		goose.NewGoMigration(21,
			&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
				return setCompression(ctx, tx, e, "lz4")
			}},
			&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
				return setCompression(ctx, tx, e, "pglz")
			}}),
	}
}

// setCompression sets the compression of scores.answer on PostgreSQL when
// the server offers method.
func setCompression(ctx context.Context, tx *sql.Tx, e Engine, method string) error {
	if e != Postgres {
		return nil
	}
	var offered bool
	err := tx.QueryRowContext(ctx, `SELECT $1 = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'`, method).Scan(&offered)
	if err != nil || !offered {
		return err // a server without lz4 keeps pglz
	}
	if _, err := tx.ExecContext(ctx, `ALTER TABLE scores ALTER COLUMN answer SET COMPRESSION `+method); err != nil {
		return fmt.Errorf("scores.answer compression %s: %w", method, err)
	}
	return nil
}
