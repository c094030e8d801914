package main

import (
	"context"
	"fmt"
	"time"
)

const auditUsage = `用法：
  kaowu audit verify [--db …]   逐条核对审计日志的哈希链：报告已核对、尚未加封的记录条数，以及链第一处断开的位置
                                （第几条、哪条记录、何种改动：内容被修改、记录缺失、顺序被改动、链头不符）；断开时退出码为 1
  kaowu audit seal [--db …]     立即加封尚未加封的审计记录（serve 每分钟自动加封；可重复运行，多个进程同时运行也不会分叉）
审计日志的每条记录在加封时得到序号和哈希，哈希含前一条的哈希和本条的全部字段（见 docs/audit.md）：
修改、删除、调换任何一条已加封的记录，或删除最新的若干条，verify 都能发现。`

// auditCmd verifies or seals the audit chain.
func auditCmd(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.stdout, auditUsage)
		return nil
	}
	sub := args[0]
	if sub != "verify" && sub != "seal" {
		return fmt.Errorf("未知的子命令 %q\n%s", sub, auditUsage)
	}
	fs := newFlags("audit "+sub, e)
	var c common
	c.register(fs, "kaowu.db")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if len(fs.Args()) != 0 {
		return fmt.Errorf("多余的参数 %v\n%s", fs.Args(), auditUsage)
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Store.Close()
	start := time.Now()
	if sub == "seal" {
		n, err := a.SealAudit(ctx)
		if err != nil {
			return err
		}
		head, _, err := a.Store.AuditHead(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "已加封 %d 条审计记录，链已到第 %d 条（用时 %s）。\n", n, head.Seq, since(start))
		return nil
	}
	check, err := a.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已核对 %d 条已加封的审计记录，尚未加封 %d 条（用时 %s）。\n", check.Verified, check.Unsealed, since(start))
	if b := check.Break; b != nil {
		return fmt.Errorf("审计链在第 %d 条处断开（%s）：%s。请保留数据库现状，与备份核对", b.Seq, b.Kind.Label(), b.Detail)
	}
	fmt.Fprintln(e.stdout, "审计链完好：每条已加封的记录都与加封时一致，链头相符。")
	return nil
}

func since(t time.Time) string {
	return fmt.Sprintf("%.1f 秒", time.Since(t).Seconds())
}
