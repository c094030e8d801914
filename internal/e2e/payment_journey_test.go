package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
)

// TestPaymentJourney: a candidate approved by the region pays the fee on a
// phone inside the window (三): the order with its lines and deadline, the
// provider's payer page (the sandbox, over HTTP), back to "paid", the
// receipt PDF; the site office sees the payment on its reconciliation page.
func TestPaymentJourney(t *testing.T) {
	st := newSite(t)
	ctx := context.Background()
	p := st.candidate(t, 51, "王䶮")
	ap := st.submit(t, p)
	st.staff(t, app.StaffInput{Role: kaowu.RoleSiteStaff, Username: "fengtai-pay", Name: "丰台考点缴费", Site: "fengtai"})
	st.staff(t, app.StaffInput{Role: kaowu.RoleRegionStaff, Username: "region-review", Name: "北京考区审核"})
	siteActor := app.Actor{Username: "fengtai-pay", Role: kaowu.RoleSiteStaff}
	st.Clock.Set(time.Date(2023, 12, 11, 9, 30, 0, 0, kaowu.Shanghai)) // the unit's confirmation day
	if _, err := st.App.Confirm(ctx, siteActor, ap.ID, 1); err != nil {
		t.Fatal(err)
	}
	st.Clock.Set(time.Date(2024, 1, 10, 10, 0, 0, 0, kaowu.Shanghai))
	if _, err := st.App.Review(ctx, app.Actor{Username: "region-review", Role: kaowu.RoleRegionStaff}, app.ReviewInput{IDs: []string{ap.ID}, Approve: true}); err != nil {
		t.Fatal(err)
	}
	st.Clock.Set(time.Date(2024, 2, 7, 20, 0, 0, 0, kaowu.Shanghai)) // the window's last days

	b := newBrowser(t, st.URL, "payment")
	b.open("/login")
	b.login(p.Username, password)
	b.open("/application")
	b.expect("status-approved", "状态：审核通过，待缴费", "✓ 资格审核", "网上缴费：应缴 200.00 元（4 科 × 50.00 元）", "还剩 2 天（截止 2024年2月8日 24:00）", "去缴费")
	b.submit(`ol.next-steps a[href="/application/payment"]`)
	b.expect("order", "网上缴费（2024年度）", "基础知识", "相关专业知识", "专业知识", "专业实践能力", "合计 4 科", "200.00",
		"缴费截止：2024年2月8日 24:00", "微信支付 200.00 元")
	b.submit(`form[action="/application/payment"] button[type="submit"]`)
	if path := b.path(); !strings.HasPrefix(path, "/sandbox/wxpay/pay/") {
		t.Fatalf("paying leads to %s, want the provider's payer page", path)
	}
	b.expect("provider-page", "200.00", "确认支付")
	b.submit(`button[value="pay"]`)
	if path := b.path(); path != "/application/payment?done=paid" {
		t.Fatalf("after paying the candidate is on %s, want the payment page saying paid", path)
	}
	b.expect("paid", "缴费成功，已入账。", "✓ 已缴费", "200.00 元", "下一步：请于准考证打印时间内登录打印准考证", "缴费记录", "已入账")

	f := b.fetch(b.href(`a[href="/application/receipt.pdf"]`), "receipt.pdf")
	if f.Status != 200 || f.Type != "application/pdf" {
		t.Fatalf("receipt.pdf: %d %s", f.Status, f.Type)
	}
	if text, ok := pdfText(t, f.Body); ok {
		flat := strings.Join(strings.Fields(text), "")
		for _, w := range []string{"王䶮", "200.00", "368"} {
			if !strings.Contains(flat, w) {
				t.Errorf("receipt.pdf does not show %q:\n%s", w, text)
			}
		}
		if strings.Contains(flat, string(p.IDNumber)) {
			t.Errorf("the receipt shows the ID number in full")
		}
	}
	// Paying again is refused, however the candidate tries.
	b.open("/application/payment")
	if n := b.count(`form[action="/application/payment"]`); n != 0 {
		t.Errorf("a paid order still offers %d payment buttons", n)
	}
	b.open("/application")
	b.expect("status-paid", "状态：已缴费", "✓ 缴费", "考试费已缴纳", "网上打印准考证")

	office := b.fresh("office")
	office.open("/login")
	office.login("fengtai-pay", password)
	office.open("/staff/payments?day=2024-02-07")
	office.expect("reconciliation", "缴费对账（2024-02-07）", "本考点考生", "200.00（1 笔）", "差异：无", "王䶮 · 110106", "368 护理学（中级） · 丰台考点", "已入账")
}
