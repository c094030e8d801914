package server

import (
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"time"

	"rsc.io/qr"

	"kaowu"
	"kaowu/internal/app"
)

// paymentRoutes registers online payment (三): the candidate's order and
// payment, the provider's notifications, and the site office's
// reconciliation.
func (s *Server) paymentRoutes(mux *http.ServeMux) {
	c := s.requireRole(candidate...)
	office := s.requireRole(kaowu.RoleSiteStaff, kaowu.RoleRegionStaff, kaowu.RoleAdmin)
	s.handleFunc(mux, "GET /application/payment", c(s.paymentPage))
	s.handleFunc(mux, "POST /application/payment", c(s.paymentStart))
	s.handleFunc(mux, "GET /application/payment/return", c(s.paymentReturn))
	s.handleFunc(mux, "GET /application/receipt.pdf", c(s.receiptPDF))
	s.handleFunc(mux, "POST /payment/notify", s.paymentNotify)
	s.handleFunc(mux, "GET /staff/payments", office(s.reconciliationPage))
	s.handleFunc(mux, "GET /staff/payments.xlsx", office(s.reconciliationXLSX))
	s.handleFunc(mux, "POST /staff/payments/refund", s.requireRole(kaowu.RoleSiteStaff, kaowu.RoleAdmin)(s.refundPayment))
}

type paymentPage struct {
	Title  string
	View   app.OrderView
	Year   int
	Clause string
	QR     string // a data: URL of the QR code, for a code URL a phone must scan
	Code   string
	Flash  string
}

func (p paymentPage) PageTitle() string { return p.Title }

func (s *Server) paymentPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.App.MyOrder(r.Context(), actorOf(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	y, err := s.App.Year(r.Context(), v.Application.Year)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := paymentPage{Title: "网上缴费", View: v, Year: y.Year, Clause: y.Fee.Clause}
	switch r.URL.Query().Get("done") {
	case "paid":
		p.Flash = "缴费成功，已入账。"
	case "pending":
		p.Flash = "尚未收到支付结果：如您已付款，稍后刷新本页即可看到；请勿重复付款。"
	}
	s.render(w, r, http.StatusOK, "payment", p)
}

// paymentStart opens the transaction and sends the payer to the provider's
// page; a code URL a browser cannot open (weixin://…) is shown as a QR code
// to scan with WeChat.
func (s *Server) paymentStart(w http.ResponseWriter, r *http.Request) {
	code, err := s.App.StartPayment(r.Context(), actorOf(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if strings.HasPrefix(code, "http://") || strings.HasPrefix(code, "https://") || strings.HasPrefix(code, "/") {
		sep := "?"
		if strings.Contains(code, "?") {
			sep = "&"
		}
		http.Redirect(w, r, code+sep+"return=/application/payment/return", http.StatusSeeOther)
		return
	}
	v, err := s.App.MyOrder(r.Context(), actorOf(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	c, err := qr.Encode(code, qr.M)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	c.Scale = max(1, 256/(c.Size+8))
	png := c.PNG()
	s.render(w, r, http.StatusOK, "payment", paymentPage{Title: "网上缴费", View: v, Year: v.Application.Year, Code: code,
		QR: "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)})
}

// paymentReturn is where the payer page sends the browser back: kaowu asks
// the provider at once, so the result shows even before its notification.
func (s *Server) paymentReturn(w http.ResponseWriter, r *http.Request) {
	if err := s.App.SyncMyPayment(r.Context(), actorOf(r)); err != nil {
		s.Log.Warn("payment: query on return", "err", err)
	}
	v, err := s.App.MyOrder(r.Context(), actorOf(r))
	if err == nil && v.Paid != nil {
		http.Redirect(w, r, "/application/payment?done=paid", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/application/payment?done=pending", http.StatusSeeOther)
}

func (s *Server) receiptPDF(w http.ResponseWriter, r *http.Request) {
	b, err := s.App.ReceiptPDF(r.Context(), actorOf(r))
	s.sendPrivate(w, r, "application/pdf", "receipt.pdf", b, err)
}

// paymentNotify takes the provider's notification. As WeChat Pay v3
// expects: 204 when applied (or applied before), and a JSON error with a
// non-2xx status otherwise, so that the provider retries.
func (s *Server) paymentNotify(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err == nil {
		err = s.App.HandleNotification(r.Context(), r.Header, body)
	}
	if err != nil {
		s.Log.Warn("payment notification refused", "err", err, "request_id", w.Header().Get("X-Request-Id"))
		status := http.StatusInternalServerError
		if c := kaowu.ErrorCode(err); c == kaowu.EUNAUTHORIZED || c == kaowu.EINVALID || c == kaowu.ENOTFOUND {
			status = http.StatusBadRequest
		}
		writeJSON(w, status, map[string]string{"code": "FAIL", "message": kaowu.ErrorMessage(err)})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type reconciliationPage struct {
	Title string
	Rec   app.Reconciliation
	Flash string
	Form  form
}

func (p reconciliationPage) PageTitle() string { return p.Title }

func (s *Server) reconciliation(r *http.Request) (app.Reconciliation, error) {
	day := kaowu.DateOf(s.App.Clock.Now().In(kaowu.Shanghai))
	if q := r.URL.Query().Get("day"); q != "" {
		d, err := kaowu.ParseDate(q)
		if err != nil {
			return app.Reconciliation{}, kaowu.FieldError("day", "日期应为 2024-01-29 这样的格式")
		}
		day = d
	}
	return s.App.Reconcile(r.Context(), actorOf(r), day)
}

func (s *Server) reconciliationPage(w http.ResponseWriter, r *http.Request) {
	rec, err := s.reconciliation(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := reconciliationPage{Title: "缴费对账", Rec: rec, Form: newForm(nil, nil)}
	if r.URL.Query().Get("refunded") != "" {
		p.Flash = "已申请退款。"
	}
	s.render(w, r, http.StatusOK, "staff_payments", p)
}

func (s *Server) reconciliationXLSX(w http.ResponseWriter, r *http.Request) {
	rec, err := s.reconciliation(r)
	var b []byte
	if err == nil {
		b, err = rec.XLSX()
	}
	s.sendPrivate(w, r, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "reconciliation-"+rec.Day.String()+".xlsx", b, err)
}

func (s *Server) refundPayment(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, kaowu.Errorf(kaowu.EINVALID, "提交的内容无法读取"))
		return
	}
	_, err := s.App.RefundPayment(r.Context(), actorOf(r), r.PostForm.Get("payment_id"), r.PostForm.Get("reason"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	day := r.PostForm.Get("day")
	if _, err := time.Parse("2006-01-02", day); err != nil {
		day = ""
	}
	http.Redirect(w, r, "/staff/payments?refunded=1&day="+day, http.StatusSeeOther)
}
