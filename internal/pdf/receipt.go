package pdf

import (
	"fmt"
	"strings"

	"kaowu"
)

// ReceiptData is what a fee receipt (考试费缴费凭证) shows: who paid, for
// what, how much, and the provider's transaction.
type ReceiptData struct {
	Year          int
	CandidateName string
	IDNumber      string // as printed: masked
	SpecialtyCode string
	SpecialtyName string
	LevelLabel    string
	Site          string
	Subjects      []string // subject labels, one line each
	PerSubjectFen int64
	AmountFen     int64
	TransactionID string
	OrderID       string
	PaidAt        string // as printed, Beijing time
	Clause        string // the notice clause on fees, e.g. 三
}

// Receipt renders a candidate's fee receipt: one page with the lines paid
// and the provider's transaction number.
func Receipt(r ReceiptData) ([]byte, error) {
	if strings.TrimSpace(r.CandidateName) == "" || r.AmountFen <= 0 || r.TransactionID == "" {
		return nil, kaowu.Errorf(kaowu.EINVALID, "缴费凭证缺少姓名、金额或交易单号")
	}
	title := fmt.Sprintf("%d年度卫生专业技术资格考试 考试费缴费凭证", r.Year)
	d, err := newDoc(title)
	if err != nil {
		return nil, err
	}
	d.font(16)
	d.textIn(marginX, d.y, contentW, []string{title}, alignCenter)
	d.y += d.lineH() + 10
	d.font(12)
	d.gap = 1.8
	x, w := marginX+5, contentW-10
	for _, line := range []string{
		"姓名：" + r.CandidateName,
		"证件号码：" + r.IDNumber,
		"报考专业：" + r.SpecialtyCode + " " + r.SpecialtyName + "（" + r.LevelLabel + "）",
		"考点：" + r.Site,
	} {
		d.paragraph(x, w, line, alignLeft)
	}
	d.y += 6
	d.paragraph(x, w, "缴费明细：", alignLeft)
	for i, s := range r.Subjects {
		d.paragraph(x+12, w-12, fmt.Sprintf("%d. %s　%s 元", i+1, s, kaowu.Yuan(r.PerSubjectFen)), alignLeft)
	}
	d.paragraph(x, w, fmt.Sprintf("合计：%d 科，%s 元", len(r.Subjects), kaowu.Yuan(r.AmountFen)), alignLeft)
	d.y += 6
	for _, line := range []string{
		"支付方式：微信支付（网上缴费）",
		"支付交易单号：" + r.TransactionID,
		"订单号：" + r.OrderID,
		"支付时间：" + r.PaidAt,
	} {
		d.paragraph(x, w, line, alignLeft)
	}
	d.y += 10
	d.font(10)
	d.paragraph(x, w, "本凭证由考务系统根据支付平台的支付结果生成；收费标准为每科 "+kaowu.Yuan(r.PerSubjectFen)+" 元（考试通知"+r.Clause+"）。", alignLeft)
	return d.bytes()
}
