package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/demo"
	"kaowu/internal/jobs"
	"kaowu/internal/notify"
	"kaowu/internal/payment"
	"kaowu/internal/server"
)

func serveCmd(ctx context.Context, args []string, e *env) error {
	fs := newFlags("serve", e)
	var c common
	c.register(fs, "")
	c.registerReplicas(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "监听地址")
	proxies := fs.String("trusted-proxy", "", "可信的反向代理（负载均衡）地址或网段，逗号分隔（如 127.0.0.1）：来自它们的请求按 X-Forwarded-For 识别用户地址，用于登录和成绩查询的按地址限制")
	demoMode := fs.Bool("demo", false, "演示模式：使用演示数据库（默认 kaowu-demo.db），首次运行时创建演示数据，时间默认设在网上报名期间")
	payMode := fs.String("payment", "", "网上缴费：sandbox（内置的模拟支付平台，演示模式默认）或 off（不开通）")
	worker := fs.Bool("worker", true, "在本进程运行后台任务（发送待办事项提醒等）；为 false 时只写入任务，由其他进程发送")
	var rem notify.Settings
	rem.Register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	trusted, err := server.ParseTrustedProxies(*proxies)
	if err != nil {
		return err
	}
	if c.db == "" {
		c.db = "kaowu.db"
		if *demoMode {
			c.db = "kaowu-demo.db"
		}
	}
	clockNote := ""
	switch {
	case *demoMode && c.now == "":
		c.now = demo.Now
		clockNote = "演示模式"
	case c.now != "":
		clockNote = "已设定系统时间（--now）"
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Store.Close()
	if *demoMode {
		logins, created, err := demo.Seed(ctx, a, 300)
		if err != nil {
			return err
		}
		printLogins(e, logins, created)
	}
	// Reminders: the inbox always; WeChat template messages and email when
	// configured, delivered by the job queue (docs/reminders.md). Accounts
	// hold no e-mail address yet, so e-mail stays off.
	channels, err := rem.Channels(nil, func(ctx context.Context, userID string) (string, bool) {
		b, err := a.Store.WeChatBinding(ctx, userID)
		return b.OpenID, err == nil
	})
	if err != nil {
		return err
	}
	j, err := jobs.New(ctx, a.Store, a.Clock, a.Log, jobs.Config{InsertOnly: !*worker, TicketBuilds: func(ctx context.Context, id string) (bool, error) {
		return a.RunTicketBuild(ctx, id, nil)
	}, ListExports: func(ctx context.Context, id string) (bool, error) {
		return a.RunListExport(ctx, id, nil)
	}}, channels...)
	if err != nil {
		return err
	}
	a.Reminders, a.Builds, a.Exports = j, j, j
	a.ScoreWarmAhead = 10 * time.Minute
	if err := j.Start(ctx); err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := j.Stop(sctx); err != nil {
			a.Log.Warn("stopping background jobs", "err", err)
		}
	}()
	srv, err := server.New(a, a.Log, clockNote)
	if err != nil {
		return err
	}
	srv.TrustedProxies = trusted
	if *payMode == "" {
		*payMode = "off"
		if *demoMode {
			*payMode = "sandbox"
		}
	}
	switch *payMode {
	case "off":
	case "sandbox":
		base := strings.TrimRight(rem.PublicURL, "/") // --public-url
		if base == "" {
			base = "http://" + *addr
		}
		if err := sandboxPayments(ctx, a, srv, base); err != nil {
			return err
		}
	default:
		return fmt.Errorf("--payment %q 无效：应为 sandbox 或 off", *payMode)
	}
	return srv.Run(ctx, *addr, func(addr string) {
		// Every node: the score answers into memory ahead of publication.
		go every(ctx, time.Minute, func() {
			if err := a.WarmScoresDue(ctx); err != nil {
				a.Log.Warn("score answers not read into memory", "err", err)
			}
		})
		if *worker {
			// The deadlines (二（二）, 三) and the payment reminders, once
			// the server (and with it the sandbox provider the payment
			// deadline queries) answers: once before announcing that it
			// serves, then every minute; each minute's run of a task is
			// claimed in the database, so that one node of a cluster runs
			// it.
			node := nodeName(addr)
			runTasks(ctx, a, node, taskSlot(a.Clock.Now()), tasks)
			go every(ctx, time.Minute, func() { runTasks(ctx, a, node, taskSlot(a.Clock.Now()), tasks) })
		}
		a.Log.Info("serving", "addr", "http://"+addr, "db", redact(c.db), "engine", a.Store.Engine(),
			"now", a.Clock.Now().Format(time.RFC3339))
		fmt.Fprintf(e.stdout, "kaowu 已启动：http://%s （数据库 %s，系统时间 %s）\n", addr, redact(c.db), a.Clock.Now().In(kaowu.Shanghai).Format("2006-01-02 15:04 -07:00"))
	})
}

// sandboxPayments starts the built-in payment sandbox (WeChat Pay API v3
// protocol, internal/payment) under /sandbox/wxpay/ and points the app at
// it over HTTP, as it would point at the real provider.
func sandboxPayments(ctx context.Context, a *app.App, srv *server.Server, base string) error {
	sb, err := payment.NewSandbox(payment.SandboxOptions{PublicURL: base + "/sandbox/wxpay", Now: a.Clock.Now})
	if err != nil {
		return err
	}
	client, err := payment.NewClient(sb.MerchantConfig(base + "/sandbox/wxpay"))
	if err != nil {
		return err
	}
	a.Payments, a.Ledger, a.NotifyURL = client, sb, base+"/payment/notify"
	srv.Mount("/sandbox/wxpay/", sb.Handler())
	go sb.Run(ctx)
	return nil
}

func printLogins(e *env, logins []demo.Login, created bool) {
	if created {
		fmt.Fprintln(e.stdout, "已创建演示数据。")
	}
	fmt.Fprintf(e.stdout, "演示账号（密码均为 %s）：\n", demo.Password)
	for _, l := range logins {
		fmt.Fprintf(e.stdout, "  %-12s %-10s %s\n", l.Username, l.Role.Label(), l.Note)
	}
}

// every calls fn every d until ctx ends.
func every(ctx context.Context, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}
