package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kaowu"
	"kaowu/eligibility"
	"kaowu/policy"
)

// pageUses lists the pages where a user meets each clause: 页面 where a
// page applies it, 展示 where a page only shows its dates or values. A page
// that meets a clause adds its entry here, so the notice page points to it.
var pageUses = []policy.Use{
	{Clause: "二（一）1", Kind: "展示", What: "首页日程：网上报名时间及剩余天数", Link: "/"},
	{Clause: "二（二）", Kind: "展示", What: "首页日程：按单位类别分日的现场确认安排和地点", Link: "/"},
	{Clause: "二（三）2", Kind: "展示", What: "首页日程：军队考生数据交接时间", Link: "/"},
	{Clause: "二（三）3", Kind: "展示", What: "首页日程：军队单位集体领取准考证时间", Link: "/"},
	{Clause: "三", Kind: "展示", What: "首页日程：网上缴费时间和每科费用", Link: "/"},
	{Clause: "四", Kind: "展示", What: "首页日程：网上打印准考证时间", Link: "/"},
	{Clause: "五", Kind: "展示", What: "首页日程：纸笔作答和人机对话的考试时间表", Link: "/"},
	{Clause: "六", Kind: "展示", What: "首页日程：成绩公布时间", Link: "/"},
	{Clause: "附件2", Kind: "页面", What: "专业目录：按级别列出，可按代码或名称查找", Link: "/catalog"},
	{Clause: "一（七）", Kind: "页面", What: "专业目录：标明须执业医师资格或护士执业证书的专业", Link: "/catalog"},
	{Clause: "一（十）", Kind: "页面", What: "专业目录：已取消专业及其并入的专业", Link: "/catalog"},
	{Clause: "附件1", Kind: "页面", What: "报考资格自测：填写情况或用本人基本信息，显示结论、依据、材料和科目", Link: "/eligibility"},
	{Clause: "附件1", Kind: "页面", What: "报考资格判断接口 POST /api/v1/eligibility/check（与 kaowu check 结论相同）"},
	{Clause: "二（一）4(1)", Kind: "页面", What: "注册：同一证件号码、同一用户名只能注册一次（数据库唯一约束）；用用户名或证件号码登录", Link: "/register"},
	{Clause: "二（一）4(2)", Kind: "页面", What: "注册时设置密码找回问题和答案（答案加密保存）；以后年度无需重新注册", Link: "/register"},
	{Clause: "二（一）4(3)", Kind: "页面", What: "找回密码：回答找回问题；无法找回的由考点在窗口核验身份后发放一次性重置码", Link: "/recover"},
	{Clause: "二（一）4(3)", Kind: "页面", What: "考点窗口：核验身份并发放24小时内有效的一次性重置码", Link: "/staff/desk"},
	{Clause: "二（一）4(4)", Kind: "页面", What: "姓名、证件类型、证件号码不能自行修改；提交修改/删除注册信息申请，由考点审核", Link: "/me/change-request"},
	{Clause: "二（一）4(5)", Kind: "页面", What: "绑定微信：一个微信号只能绑定一名考生，解除绑定后不能报名", Link: "/me/wechat"},
	{Clause: "二（一）4(5)", Kind: "状态变化", What: "未绑定微信不能开始网上报名，也不能提交（App.StartApplication、App.Submit）"},
	{Clause: "二（一）1", Kind: "状态变化", What: "开始、修改、提交、撤回只在网上报名时间内；提交在事务内按服务器时钟判定一次（App.Submit）"},
	{Clause: "二（一）3", Kind: "页面", What: "报名流程：选择考点 → 专业 → 报考信息 → 资格判断 → 确认照片 → 提交 → 申报表", Link: "/apply"},
	{Clause: "二（一）", Kind: "状态变化", What: "按单位所在区确定考点，其他考点不可选（App.SaveChoices）"},
	{Clause: "二（一）", Kind: "状态变化", What: "历史考生信息未变化的，提交即自动确认；否则列出与上一年度不一致的每一项（App.Submit）"},
	{Clause: "二（一）", Kind: "页面", What: "我的报名：状态、下一步及期限、自动确认结果、证件变更须申请成绩合并", Link: "/application"},
	{Clause: "二（一）4(6)", Kind: "状态变化", What: "已提交未确认的可撤回修改，重新提交为新版本，历次版本保留（App.Withdraw、App.Submit）"},
	{Clause: "二（一）4(6)", Kind: "页面", What: "申报表二维码核验：是否为最终提交的版本", Link: "/staff/verify"},
	{Clause: "附件3", Kind: "页面", What: "《报名材料真实性承诺书（个人版）》预填打印", Link: "/application/pledge.pdf"},
	{Clause: "附件4", Kind: "页面", What: "《报名材料真实性承诺书（单位版）》预填打印，列出本单位已提交报名的考生", Link: "/unit/pledge.pdf"},
	{Clause: "二（二）1", Kind: "页面", What: "单位人事打印本单位承诺书（单位版）", Link: "/unit/pledge.pdf"},
	{Clause: "二（二）", Kind: "页面", What: "现场确认：扫码核验申报表版本，逐人核对材料，确认或退回修改；按单位批量确认", Link: "/staff/confirm"},
	{Clause: "二（二）", Kind: "状态变化", What: "只在本单位类别的确认日和上下午时段内确认或退回（考点可为单位开例外，留审计）；截止后未确认的网上报名无效（App.VoidUnconfirmed）"},
	{Clause: "二（二）", Kind: "页面", What: "单位人事：本单位考生的状态、须携带材料，现场确认名单和材料核对表（PDF、Excel）", Link: "/unit"},
	{Clause: "二（二）", Kind: "页面", What: "用人单位管理：导入、修改单位及单位类别", Link: "/staff/units"},
	{Clause: "二（一）", Kind: "状态变化", What: "证件变更的历史考生由考点核验后合并上一年度成绩（App.MergeScores）", Link: "/staff/merges"},
	{Clause: "一（六）", Kind: "状态变化", What: "军队卫生人员由所在单位批量报名，逐行按报名条件判断（App.ImportMilitaryRoster）", Link: "/military"},
	{Clause: "二（三）1", Kind: "页面", What: "军队单位上传考生名单，逐行报告问题及依据", Link: "/military"},
	{Clause: "二（三）2", Kind: "状态变化", What: "考点在交接日期内登记介绍信编号和缴费，军队考生转为已缴费（App.RecordHandover）", Link: "/staff/military"},
	{Clause: "三", Kind: "状态变化", What: "审核通过即生成订单（须考科目数 × 每科费用）；只在缴费期内付款，支付平台的通知验签后只入账一次；缴费截止时先向支付平台查询未完成的交易，再将未缴费的报名视为放弃报名（App.Review、App.RecordTransaction、App.ForfeitUnpaid）", Link: "/application/payment"},
	{Clause: "三", Kind: "页面", What: "考点缴费对账：订单、收款、退款与支付平台逐笔核对，导出 Excel", Link: "/staff/payments"},
	{Clause: "四", Kind: "页面", What: "考生在准考证打印期间内打印准考证（照片、考场、座位、签名二维码）", Link: "/application/ticket"},
	{Clause: "四", Kind: "状态变化", What: "已缴费的考生编排座位后生成准考证号，一经生成不再改变（App.IssueTickets）", Link: "/staff/seating"},
	{Clause: "五", Kind: "规则", What: "考场编排：护理学（初级师）在纸笔考场按纸笔日程；其他专业四个科目在同一天、同一计算机考场；考场容量和可用机位为硬约束（seating.Assign）", Link: "/staff/seating"},
	{Clause: "五", Kind: "页面", What: "考试日程、各考场考生名单和门贴，导出 Excel", Link: "/staff/timetable"},
	{Clause: "六", Kind: "页面", What: "成绩查询：准考证号加证件号码，按考区设定的时间公布；错误次数过多暂停查询", Link: "/scores"},
	{Clause: "六", Kind: "状态变化", What: "考区导入成绩文件（全部正确才导入）并设定公布时间（App.ImportScores、App.PublishScores）", Link: "/review/scores"},
	{Clause: "二（三）3", Kind: "页面", What: "考点打印军队单位全部准考证及领取名单，供4月7日、8日集体领取", Link: "/staff/timetable"},
	{Clause: "二（三）4", Kind: "页面", What: "军队考生的准考证和领取名单注明须持本人有效期内的居民身份证或临时身份证参加考试", Link: "/staff/timetable"},
	{Clause: "附件2", Kind: "页面", What: "考试年度数据：新年度草案相对已载入年度的变化（日程、费用、专业目录、报考条件、条款原文），核对后载入", Link: "/review/years"},
	{Clause: "附件1", Kind: "页面", What: "考区资格审核：按考点、专业、单位、须人工审核筛选，逐条或批量通过/不通过（附理由和条款）", Link: "/review"},
}

// ClauseRegister returns the clause register of exam year y: every clause
// with what carries it out — the year's parameters, the eligibility rules
// and their test cases, and the pages.
func ClauseRegister(y *policy.Year) []policy.ClauseEntry {
	uses := append([]policy.Use(nil), pageUses...)
	cases := map[string]int{}
	for id, u := range eligibility.Register() {
		for _, r := range u.Rules {
			uses = append(uses, policy.Use{Clause: id, Kind: "规则", What: "资格审查规则 " + r})
		}
		cases[id] = u.Cases
	}
	return y.Register(uses, cases)
}

type noticeData struct {
	Year    *policy.Year
	Entries []policy.ClauseEntry
	Counts  map[string]int
}

func (noticeData) PageTitle() string { return "通知条款" }

// noticePage shows the notice in full, each clause with what implements it.
// Open to anyone.
func (s *Server) noticePage(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("year"))
	if err != nil {
		s.pageError(w, r, kaowu.Errorf(kaowu.ENOTFOUND, "考试年度应为四位数字，例如 /notice/2024"))
		return
	}
	y, err := s.App.Year(r.Context(), n)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := noticeData{Year: y, Entries: ClauseRegister(y), Counts: map[string]int{}}
	for _, e := range d.Entries {
		d.Counts[e.Status]++
	}
	s.render(w, r, http.StatusOK, "notice", d)
}

// noticeCurrent redirects /notice to the current exam year's notice.
func (s *Server) noticeCurrent(w http.ResponseWriter, r *http.Request) {
	y, err := s.App.CurrentYear(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/notice/"+strconv.Itoa(y.Year), http.StatusFound)
}

// clauseHref returns the link to a clause on the notice page.
func clauseHref(year int, id string) string {
	return "/notice/" + strconv.Itoa(year) + "#" + url.PathEscape(id)
}

func init() {
	funcs["clauseHref"] = clauseHref
	funcs["hasPrefix"] = strings.HasPrefix
}
