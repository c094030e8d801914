package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"kaowu/internal/bench"
)

func benchCmd(ctx context.Context, args []string, e *env) error {
	if len(args) > 0 && args[0] == "bare" {
		return benchBare(ctx, args[1:], e)
	}
	fs := newFlags("bench", e)
	target := fs.String("url", "http://127.0.0.1:8080", "被测服务器地址（须以 --now 设在网上报名期间运行）")
	mix := fs.String("mix", "journey", "负载类型："+strings.Join(mixNames(), "、"))
	clients := fs.Int("clients", 50, "并发的模拟用户数")
	duration := fs.Duration("duration", 20*time.Second, "测量时长（submit 以外的负载）")
	count := fs.Int("count", 0, "submit：准备并提交的报名数（默认为并发数的 5 倍）")
	year := fs.Int("year", 2024, "考试年度")
	asJSON := fs.Bool("json", false, "以 JSON 输出结果")
	pairs := fs.String("pairs", "", "scores：已公布成绩的准考证号和证件号码（.csv 或 .xlsx，两列：准考证号、证件号码）")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "用法：kaowu bench [参数]          对运行中的服务器施加负载，报告吞吐量、延迟分位数和错误\n      kaowu bench bare [--addr]   运行一个只返回固定内容的 HTTP 服务（本机 HTTP 上限的参照）\n\n负载类型：")
		for _, n := range mixNames() {
			fmt.Fprintf(e.stderr, "  %-8s %s\n", n, bench.Mixes[n])
		}
		fmt.Fprintln(e.stderr, "\n参数：")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var scores []bench.ScoreQuery
	if *pairs != "" {
		rows, err := readTable(*pairs)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if len(r) >= 2 && r[0] != "" && r[0][0] >= '0' && r[0][0] <= '9' { // the header, if any, is skipped
				scores = append(scores, bench.ScoreQuery{TicketNo: r[0], IDNumber: r[1]})
			}
		}
	}
	rep, err := bench.Run(ctx, bench.Config{URL: *target, Mix: *mix, Clients: *clients, Duration: *duration,
		Count: *count, Year: *year, Scores: scores, Progress: e.stderr})
	if err != nil {
		return err
	}
	if *asJSON {
		return rep.WriteJSON(e.stdout)
	}
	rep.WriteText(e.stdout)
	return nil
}

func mixNames() []string {
	var names []string
	for n := range bench.Mixes {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// benchBare serves a fixed body on every path: the machine's limit for an
// HTTP handler, measured with the same tool as kaowu's pages.
func benchBare(ctx context.Context, args []string, e *env) error {
	fs := newFlags("bench bare", e)
	addr := fs.String("addr", "127.0.0.1:8090", "监听地址")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	srv := &http.Server{Handler: bench.Bare(), ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "bare handler: http://%s\n", ln.Addr())
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
