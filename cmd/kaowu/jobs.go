package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/jobs"
	"kaowu/internal/notify"
)

const jobsUsage = `用法：
  kaowu jobs void-unconfirmed   现场确认截止后，把仍为“已提交”或“退回修改”的报名置为网上报名无效（二（二）），并提醒考生
  kaowu jobs remind-payment     网上缴费开始时、截止前两天，提醒尚未缴费的考生（三）
  kaowu jobs purge-idempotency  删除超过 24 小时的 Idempotency-Key 记录和名单导出文件、一周前的定时任务记录
  kaowu jobs purge-personal     个人信息保存期限届满的考试年度：删除照片、证明材料和联系方式，保留姓名、证件号码、
                                成绩、证书、缴费记录和日志（《个人信息保护法》第十九条；期限见 kaowu policy show）
  kaowu jobs seal-audit         加封尚未加封的审计记录，每次至多 40 秒（不限时的见 kaowu audit seal）
每个任务都可重复运行（已处理的不再处理），时间未到时不做任何修改。serve 的后台进程每分钟自动运行以上任务，
以及网上缴费截止（三）：它连接支付平台，先查询未完成的交易再处理未缴费的报名，所以只由 serve 运行。
接受 --db、--now 以及与 serve 相同的提醒渠道参数（--wechat-appid 等；提醒由运行 serve 的进程发送）。`

// task is one piece of scheduled work: idempotent, so that running it by
// hand (kaowu jobs) next to serve does no harm; serve runs it once a
// minute per cluster (runTasks). It returns what it did in Chinese, or ""
// when it did nothing.
type task struct {
	name string
	// serveOnly: the task needs what only serve has (the payment
	// provider), so `kaowu jobs` does not offer it.
	serveOnly bool
	run       func(ctx context.Context, a *app.App, now time.Time) (string, error)
}

// tasks are the scheduled work, in the order serve runs it each minute.
var tasks = []task{
	{"void-unconfirmed", false, func(ctx context.Context, a *app.App, now time.Time) (string, error) {
		rep, err := a.VoidUnconfirmed(ctx, now)
		if err != nil || len(rep.Years) == 0 {
			return "", err
		}
		return fmt.Sprintf("%s年度：现场确认已截止，%d 份未确认的报名已置为网上报名无效（二（二）），并已提醒考生。", years(rep.Years), rep.Voided), nil
	}},
	{"forfeit-unpaid", true, func(ctx context.Context, a *app.App, now time.Time) (string, error) {
		rep, err := a.ForfeitUnpaid(ctx, now)
		if err != nil || len(rep.Years) == 0 {
			return "", err
		}
		return fmt.Sprintf("%s年度：网上缴费已截止，查询交易 %d 笔（其中已付款 %d 笔，已入账），%d 份未缴费的报名视为放弃报名（三），并已提醒考生。",
			years(rep.Years), rep.Queried, rep.Recovered, rep.Forfeited), nil
	}},
	{"remind-payment", false, func(ctx context.Context, a *app.App, now time.Time) (string, error) {
		rep, err := a.RemindPayment(ctx, now)
		if err != nil || rep == (app.PaymentReminderReport{}) {
			return "", err
		}
		return fmt.Sprintf("已发送缴费提醒：缴费开始 %d 条，即将截止 %d 条（三）。", rep.Opened, rep.Closing), nil
	}},
	{"purge-idempotency", false, func(ctx context.Context, a *app.App, now time.Time) (string, error) {
		n, err := a.Store.PurgeIdempotencyKeys(ctx, now)
		if err != nil {
			return "", err
		}
		// The scheduler's own records (runTasks) are kept a week.
		runs, err := a.Store.PurgeTaskRuns(ctx, now.Add(-taskRunsKept))
		if err != nil {
			return "", err
		}
		exports, err := a.PurgeListExports(ctx, now)
		if err != nil || n+runs+int64(exports) == 0 {
			return "", err
		}
		return fmt.Sprintf("已删除 %d 条过期的 Idempotency-Key 记录，%d 条一周前的定时任务记录，%d 份一天前的名单导出文件。", n, runs, exports), nil
	}},
	{"purge-personal", false, func(ctx context.Context, a *app.App, now time.Time) (string, error) {
		rep, err := a.PurgePersonalDataDue(ctx, now)
		if err != nil || rep.Empty() {
			return "", err
		}
		return rep.String(), nil
	}},
	// Last, and for at most 40 s a run: a backlog is sealed over several
	// minutes rather than holding up the deadlines above.
	{"seal-audit", false, func(ctx context.Context, a *app.App, now time.Time) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, 40*time.Second)
		defer cancel()
		n, err := a.SealAudit(ctx)
		if err != nil || n == 0 {
			return "", err
		}
		return fmt.Sprintf("已加封 %d 条审计记录。", n), nil
	}},
}

func years(ys []int) string { return strings.Trim(fmt.Sprint(ys), "[]") }

// taskRunsKept is how long the records of scheduled runs are kept.
const taskRunsKept = 7 * 24 * time.Hour

// taskSlot is the slot of the scheduled runs at t: its minute (UTC). Nodes
// take t from the App's clock, the real time in service; nodes started
// with --now (demos, tests) differ by their start times, so that a restart
// with another --now is another slot.
func taskSlot(t time.Time) time.Time { return t.UTC().Truncate(time.Minute) }

// runTasks runs, of list, the tasks whose run for slot this node claims
// (Store.ClaimTaskRun): every node ticks each minute, and the first to
// claim a task's slot runs it, so each task runs once a minute in the
// cluster. A node that dies mid-task leaves that slot claimed and
// unfinished; the task runs again at the next slot, on whichever node
// claims it. What each run did, or its error, is logged and recorded with
// the claim; a failure is retried at the next slot.
func runTasks(ctx context.Context, a *app.App, node string, slot time.Time, list []task) {
	for _, t := range list {
		claimed, err := a.Store.ClaimTaskRun(ctx, t.name, slot, node, a.Clock.Now())
		if err != nil {
			a.Log.Error("scheduled task not claimed", "task", t.name, "err", err)
			continue
		}
		if !claimed {
			continue
		}
		did, err := t.run(ctx, a, a.Clock.Now())
		outcome := did
		switch {
		case err != nil:
			outcome = "失败：" + err.Error()
			a.Log.Error("scheduled task failed", "task", t.name, "err", err)
		case did != "":
			a.Log.Info("scheduled task", "task", t.name, "did", did)
		}
		if err := a.Store.FinishTaskRun(context.WithoutCancel(ctx), t.name, slot, kaowu.MaskIDsIn(outcome), a.Clock.Now()); err != nil {
			a.Log.Error("scheduled task not recorded", "task", t.name, "err", err)
		}
	}
}

// nodeName names this process in the scheduler's records: host and pid.
func nodeName(addr string) string {
	host, err := os.Hostname()
	if err != nil {
		host = "?"
	}
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), addr)
}

// jobsCmd runs one scheduled task by hand or from cron.
func jobsCmd(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.stdout, jobsUsage)
		return nil
	}
	var t *task
	for i := range tasks {
		if tasks[i].name == args[0] && !tasks[i].serveOnly {
			t = &tasks[i]
		}
	}
	if t == nil {
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
	did, err := t.run(ctx, a, a.Clock.Now())
	if err != nil {
		return err
	}
	if did == "" {
		did = "时间未到或没有需要处理的记录，未做修改。"
	}
	fmt.Fprintln(e.stdout, did)
	return nil
}
