package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kaowu"
)

const auditUsage = `用法：
  kaowu audit verify [--db …] [--anchor 序号:哈希]
                                逐条核对审计日志的哈希链：报告已核对、尚未加封的记录条数，以及链第一处断开的位置
                                （第几条、哪条记录、何种改动：内容被修改、记录缺失、顺序被改动、链头不符）；断开时退出码为 1。
                                完好时打印链头（序号和哈希）：请抄录保存在数据库以外（纸质台账、另一系统）；日后用 --anchor
                                核对该条仍是当时的哈希，即使有人改写了整条链并重算全部哈希也能发现
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
	anchor := fs.String("anchor", "", "verify：此前抄录的链头“序号:哈希”，核对该条记录仍是这个哈希")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	var anchorSeq int64
	var anchorHash []byte
	if *anchor != "" {
		s, h, ok := strings.Cut(*anchor, ":")
		var err error
		anchorSeq, err = strconv.ParseInt(s, 10, 64)
		if err == nil {
			anchorHash, err = hex.DecodeString(h)
		}
		if !ok || err != nil || anchorSeq < 1 || len(anchorHash) != kaowu.AuditHashSize {
			return fmt.Errorf("--anchor %q 无效：应为 kaowu audit verify 打印的“序号:哈希”，如 1024:%s", *anchor, strings.Repeat("0", 2*kaowu.AuditHashSize))
		}
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
	if anchorSeq > 0 {
		h, err := a.Store.AuditHashAt(ctx, anchorSeq)
		if err != nil {
			return fmt.Errorf("锚点核对失败：%s", userMessage(err))
		}
		if !bytes.Equal(h, anchorHash) {
			return fmt.Errorf("锚点核对失败：第 %d 条记录的哈希是 %x，与抄录的 %x 不符：自抄录以来，这条记录或它之前的记录被改写过（整条链被重算）", anchorSeq, h, anchorHash)
		}
		fmt.Fprintf(e.stdout, "锚点相符：第 %d 条记录仍是抄录时的哈希，它和它之前的记录自那时起没有改动。\n", anchorSeq)
	}
	fmt.Fprintln(e.stdout, "审计链完好：每条已加封的记录都与加封时一致，链头相符。")
	if check.HasHead {
		fmt.Fprintf(e.stdout, "链头：%d:%x（请抄录保存在数据库以外，日后用 --anchor 核对）\n", check.Head.Seq, check.Head.Hash)
	}
	return nil
}

func since(t time.Time) string {
	return fmt.Sprintf("%.1f 秒", time.Since(t).Seconds())
}
