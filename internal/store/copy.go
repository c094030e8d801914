package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// copyMin is the number of rows from which insertRows uses PostgreSQL's
// COPY: below it a multi-row INSERT (one round trip) is as fast.
const copyMin = 64

// insertRows inserts rows (each one value per column of cols) into table:
// on PostgreSQL with COPY inside the transaction when there are many, which
// takes a tenth of the encoding and parsing of an INSERT's parameters;
// otherwise with multi-row INSERTs of batchRows rows.
func (tx *Tx) insertRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	if tx.engine == Postgres && len(rows) >= copyMin {
		err := tx.conn.Raw(func(dc any) error {
			_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
			return err
		})
		if err != nil {
			return fmt.Errorf("copy into %s: %w", table, err)
		}
		return nil
	}
	head := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES `
	for len(rows) > 0 {
		n := min(len(rows), tx.batchRows(len(cols)))
		args := make([]any, 0, n*len(cols))
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		rows = rows[n:]
		if _, err := tx.q.ExecContext(ctx, head+placeholders(n, len(cols)), args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}
