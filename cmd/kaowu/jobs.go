package main

import (
	"context"
	"fmt"
	"strings"

	"kaowu"
	"kaowu/internal/jobs"
	"kaowu/internal/notify"
)

const jobsUsage = `用法：
  kaowu jobs void-unconfirmed   现场确认截止后，把仍为“已提交”或“退回修改”的报名置为网上报名无效（二（二）），并提醒考生；
                                可重复运行（已处理的不再处理）；截止前运行不做任何修改
接受 --db、--now 以及与 serve 相同的提醒渠道参数（--wechat-appid 等；提醒由运行 serve 的进程发送）。`

// jobsCmd runs background work by hand or from cron. The confirmation
// deadline's voiding is not a River periodic job yet: run
// `kaowu jobs void-unconfirmed` after 2023-12-15 16:30 (it is idempotent).
func jobsCmd(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.stdout, jobsUsage)
		return nil
	}
	if args[0] != "void-unconfirmed" {
		return kaowu.Errorf(kaowu.EINVALID, "未知的任务 %q\n%s", args[0], jobsUsage)
	}
	fs := newFlags("jobs "+args[0], e)
	var c common
	c.register(fs, "kaowu.db")
	var rem notify.Settings
	rem.Register(fs)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Store.Close()
	// Reminders go to the inbox and, through the job queue, to the same
	// external channels as serve's (delivered by a serve process's worker).
	channels, err := rem.Channels(nil, func(ctx context.Context, userID string) (string, bool) {
		b, err := a.Store.WeChatBinding(ctx, userID)
		return b.OpenID, err == nil
	})
	if err != nil {
		return err
	}
	j, err := jobs.New(ctx, a.Store, a.Clock, a.Log, jobs.Config{InsertOnly: true}, channels...)
	if err != nil {
		return err
	}
	a.Reminders = j
	rep, err := a.VoidUnconfirmed(ctx, a.Clock.Now())
	if err != nil {
		return err
	}
	for _, y := range rep.Open {
		fmt.Fprintf(e.stdout, "%d年度：现场确认尚未截止，未做修改。\n", y)
	}
	if len(rep.Years) > 0 {
		fmt.Fprintf(e.stdout, "%s年度：现场确认已截止，%d 份未确认的报名已置为网上报名无效（二（二）），并已提醒考生。\n", strings.Trim(fmt.Sprint(rep.Years), "[]"), rep.Voided)
	}
	return nil
}
