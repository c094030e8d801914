package store

import (
	"context"
	"strings"
)

// Explain returns the engine's plan of the page query of q, one line per
// step.
func (l *List[R]) Explain(ctx context.Context, db Reader, q ListQuery, count bool, prefix int) (string, error) {
	r := db.base()
	name, keys, err := l.sortOf(q.Sort)
	if err != nil {
		return "", err
	}
	c, vals, err := decodeCursor(q.Cursor, name, q.Desc, keys)
	if err != nil {
		return "", err
	}
	desc := q.Desc != (c != nil && c.Before)
	var text string
	var args []any
	if count {
		text, args = assemble(append([]frag{{text: "SELECT COUNT(*)"}}, l.filtered(q, l.conditions(q), "")...))
	} else {
		text, args = l.pageText(q, keys, desc, vals, limitOf(q.Limit)+1, prefix)
	}
	explain := "EXPLAIN QUERY PLAN "
	if r.engine == Postgres {
		explain = "EXPLAIN ANALYZE "
	}
	rows, err := r.q.QueryContext(ctx, explain+text, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		rows.Scan(ptrs...)
		out = append(out, toText(vals[len(vals)-1]))
	}
	return strings.Join(out, "\n"), rows.Err()
}

func toText(v any) string {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case string:
		return x
	}
	return ""
}
