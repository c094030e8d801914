package main

import (
	"context"
	"fmt"
)

func migrateCmd(ctx context.Context, args []string, e *env) error {
	fs := newFlags("migrate", e)
	var c common
	c.register(fs, "kaowu.db")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Store.Close()
	years, err := a.Years(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "数据库 %s（%s）已是最新结构；已有考试年度：%v\n", redact(c.db), a.Store.Engine(), years)
	return nil
}
