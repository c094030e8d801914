package kaowu

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"time"
)

// AuditHashSize is the size of an audit chain hash (SHA-256).
const AuditHashSize = sha256.Size

// auditHashTag starts every encoded entry, so that the encoding can change
// one day without a hash of the old one ever meaning a hash of the new.
const auditHashTag = "kaowu-audit-v1"

// AuditChainHash returns the hash of audit entry e sealed as number seq
// after an entry whose hash is prev (nil or AuditHashSize zero bytes for
// the first entry, seq 1):
//
//	hash = SHA-256(prev ‖ field₀ ‖ field₁ ‖ … ‖ field₁₀)
//
// where prev is 32 bytes and each field is its UTF-8 bytes preceded by
// their length as a 4-byte big-endian number, in this order: the tag
// "kaowu-audit-v1", seq in decimal, id, at (UTC, RFC 3339 with as many
// fractional digits as the stored instant has, trailing zeros dropped:
// time.RFC3339Nano), actor, role, action, object, detail, before_state,
// after_state. The length prefixes make the encoding injective: no two
// different entries encode alike, whatever text their fields hold.
// docs/audit.md gives a worked example.
func AuditChainHash(prev []byte, seq int64, e AuditEntry) []byte {
	if len(prev) == 0 {
		prev = make([]byte, AuditHashSize)
	}
	h := sha256.New()
	h.Write(prev)
	var n [4]byte
	field := func(s string) {
		binary.BigEndian.PutUint32(n[:], uint32(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(auditHashTag)
	field(strconv.FormatInt(seq, 10))
	field(e.ID)
	field(e.At.UTC().Format(time.RFC3339Nano))
	field(e.Actor)
	field(string(e.Role))
	field(e.Action)
	field(e.Object)
	field(e.Detail)
	field(e.Before)
	field(e.After)
	return h.Sum(nil)
}

// AuditAction is an action the audit log records, with its label in
// Chinese.
type AuditAction struct {
	Code  string
	Label string
}

// AuditActions are the actions the system records in the audit log, in the
// order the audit search lists them (the application's life first).
var AuditActions = []AuditAction{
	{"account.register", "注册账号"},
	{"account.password_changed", "修改密码"},
	{"account.mobile_changed", "修改手机号码"},
	{"account.password_reset", "找回密码（重置）"},
	{"account.reset_code_issued", "考点签发密码重置码"},
	{"account.locked", "密码连续输错，账号锁定"},
	{"account.logout_everywhere", "退出所有设备上的登录"},
	{"profile.save", "保存基本信息"},
	{"profile.photo", "上传照片"},
	{"wechat.bind", "绑定微信"},
	{"wechat.unbind", "解除微信绑定"},
	{"change_request.submit", "申请修改/删除注册信息"},
	{"change_request.approve", "同意修改/删除注册信息"},
	{"change_request.reject", "驳回修改/删除注册信息申请"},
	{"application.start", "开始网上报名"},
	{"application.choose", "选择考点和专业"},
	{"application.submit", "提交报名"},
	{"application.withdraw", "撤回报名"},
	{"application.confirm", "现场确认"},
	{"application.return", "现场确认退回修改"},
	{"application.void", "未确认，网上报名无效"},
	{"confirmation.exception", "开放现场确认例外"},
	{"application.approve", "资格审核通过"},
	{"application.reject", "资格审核不通过"},
	{"payment.start", "发起缴费"},
	{"payment.record", "收到缴费"},
	{"payment.refund", "退款"},
	{"application.pay", "军队考生缴费交接"},
	{"application.forfeit", "未缴费，视为放弃报名"},
	{"military.import", "导入军队考生名单"},
	{"military.handover", "军队考生报考数据交接"},
	{"room.import", "导入考场"},
	{"room.update", "修改考场"},
	{"venue.update", "修改考试地点"},
	{"seating.run", "编排考场座位"},
	{"ticket.issue", "生成准考证号"},
	{"ticket.build", "批量生成准考证"},
	{"ticket.print", "考点打印准考证"},
	{"ticket.print_military", "打印军队单位准考证"},
	{"score.import_file", "导入成绩文件"},
	{"score.import", "录入成绩"}, // one entry per row, before 2026-12-07: kept for their labels
	{"score.correct", "更正成绩"},
	{"score.publish", "设置成绩公布时间"},
	{"score.merge", "考试成绩合并"},
	{"score.transfer", "登记外省成绩"},
	{"certificate.export", "导出考试合格人员名单"},
	{"previous.import", "导入上一年度考生记录"},
	{"unit.import", "导入用人单位"},
	{"unit.update", "修改用人单位"},
	{"staff.create", "创建工作人员账号"},
	{"catalog.import", "导入专业目录"},
	{"year.load", "载入考试年度数据"},
	{"year.seed", "载入内置考试年度数据"},
	{"audit.export", "导出审计日志"},
	{"list.export", "导出名单（Excel）"},
	{"person.export", "导出个人信息"},
	{"retention.purge", "按保存期限删除个人信息"},
	{"demo.seed", "创建演示数据"},
}

// AuditActionLabel returns the Chinese label of an audit action, or the
// code itself for an action it does not know.
func AuditActionLabel(code string) string {
	for _, a := range AuditActions {
		if a.Code == code {
			return a.Label
		}
	}
	return code
}
